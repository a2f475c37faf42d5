"""What the tests need to know about the book's sources: the pages in the toc, their prose
(outside code, math and glue), their exercises."""

from __future__ import annotations

import html as html_lib
import pathlib
import re
import subprocess

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]


def make_target(target: str, timeout: float = 1800) -> str:
    """Run ``make target`` in the checkout; assert it succeeded and wrote no Sphinx warning
    ("WARNING: "); its output."""
    p = subprocess.run(["make", "--no-print-directory", target], cwd=ROOT,
                       capture_output=True, text=True, timeout=timeout)  # fmt: skip
    out = p.stdout + p.stderr
    assert p.returncode == 0, out[-4000:]
    warnings = [line for line in out.splitlines() if "WARNING: " in line]
    assert not warnings, warnings
    return out


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        for ch in part.get("chapters", []):
            files.append(ch["file"])
            files += [s["file"] for s in ch.get("sections", [])]
    return files


def chapter_files() -> list[pathlib.Path]:
    return [ROOT / f"{f}.md" for f in toc_files() if f.startswith("chapters/")]


def prose_lines(path: pathlib.Path):
    """(line number, text) of prose: code cells, fenced blocks, display math, directive
    options and front matter removed; inline math, code and roles blanked."""
    lines = path.read_text(encoding="utf-8").splitlines()
    fence = None
    in_math = False
    in_front = lines[:1] == ["---"]
    for n, line in enumerate(lines, 1):
        s = line.strip()
        if in_front:
            in_front = not (n > 1 and s == "---")
            continue
        if fence:
            if s == fence:
                fence = None
            continue
        m = re.match(r"^(`{3,}|~{3,})\s*(\{code-cell\}|\{glue:math\}|\{math\}|python|bash|$)", s)
        if m and (m.group(2) or s == m.group(1)):
            fence = m.group(1)
            continue
        if s.startswith("$$"):
            in_math = not (s.endswith("$$") and len(s) > 2) and not in_math
            continue
        if (
            in_math
            or s.startswith(":")
            or s.startswith("#")
            or s.startswith("(")
            and s.endswith(")=")
        ):
            continue
        text = re.sub(r"\{[\w:-]+\}`[^`]*`", " ", line)  # roles, glue included
        text = re.sub(r"`[^`]*`", " ", text)  # inline code
        text = re.sub(r"\$[^$]+\$", " ", text)  # inline math
        yield n, text


# A typed number is a figure with a unit, a dollar amount, a percentage, a decimal or a number
# with thousands separators that is not part of a name (Llama-2-70B, A100-80GB, bf16).
TYPED_NUMBER = re.compile(
    r"(?<![\w.\-/])("
    r"\$\d[\d,.]*"
    r"|\d[\d,.]*\s?(?:%|GB|GiB|KB|KiB|MB|MiB|TB|TiB|ms|s\b|tokens/s|[TGMP]?FLOP|TB/s|GB/s)"
    r"|\d+\.\d+"
    r"|\d{1,3}(?:,\d{3})+"
    r")"
)


def alt_lines(path: pathlib.Path):
    """(line number, text) of each figure's alt text. Alt text cannot hold a glue role, so it
    describes the figure in words and leaves the computed values to the caption."""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith(":alt:"):
            yield n, line.removeprefix(":alt:")


def typed_numbers(path: pathlib.Path) -> list[str]:
    hits = []
    for n, text in [*prose_lines(path), *alt_lines(path)]:
        for m in TYPED_NUMBER.finditer(text):
            hits.append(f"{path.relative_to(ROOT)}:{n}: {m.group(0)!r} in {text.strip()[:90]!r}")
    return hits


def exercise_labels(path: pathlib.Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return re.findall(r"```\{exercise-start\}\s*\n:label:\s*(\S+)", text)


def solution_blocks(path: pathlib.Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    return dict(
        re.findall(r"```\{solution-start\}\s+(\S+)\n(.*?)```\{solution-end\}", text, flags=re.S)
    )


def page_text(doc: str, html_root: pathlib.Path | None = None) -> str:
    """The visible text of a built page (``doc`` as in the toc, e.g. 'chapters/01-parameters')."""
    root = html_root or ROOT / "_build" / "html"
    raw = (root / f"{doc}.html").read_text(encoding="utf-8")
    raw = re.sub(r"<script.*?</script>|<style.*?</style>", " ", raw, flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", raw)).split())


def answer_strings(label: str) -> set[str]:
    """Ways an exercise's answer might be printed, keeping only forms distinctive enough to
    search for: three significant digits or more (34.5, 34.49, 13,015,864,320, 6.60%, 372),
    or a whole number with its unit (5 GPUs, 17 sequences)."""
    import inference_math as im
    from inference_math import units

    ex = im.exercises.get(label)
    v = im.exercises.expected(label)
    forms = set()
    if float(v).is_integer():
        forms |= {f"{int(v):,}", str(int(v))}
        if re.fullmatch(r"[A-Za-z]+", ex.unit or ""):  # a count: sequences, GPUs, tokens
            forms.add(f"{int(v):,} {ex.unit}")
    else:
        forms |= {units.fmt_sig(v, 3), units.fmt_sig(v, 4), f"{v:.2f}", f"{v:.3g}"}
        if abs(v) < 1:
            forms |= {units.fmt_sig(100 * v, 3) + "%", f"{100 * v:.1f}%"}
    return {f for f in forms if " " in f or len(re.sub(r"\D", "", f).lstrip("0")) >= 3}


# A number that is an exercise's answer by coincidence, not because the text gives it away:
# label -> what the text just before it says it is (a regular expression).
COINCIDENCES = {
    # chapter 4's table of ridge points: the A100-80GB PCIe's ops:byte ratio (in int8 too),
    # not the chunk of prompt tokens the exercise asks for
    "ch04-chunk-to-ridge": r"a100-80gb-pcie\b[^\n]{0,40}$",
}


def text_without_solutions(html_path: pathlib.Path) -> str:
    """A built page's visible text with every solution block removed: what a student reads."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html_path.read_text(encoding="utf-8"), "html.parser")
    for tag in soup.select("script, style, .solution"):
        tag.decompose()
    return " ".join(soup.get_text(" ").split())


def answers_shown(label: str, text: str) -> list[str]:
    """The printed forms of ``label``'s answer that appear in ``text`` as whole numbers (so
    that '295' does not match inside '2,950' or '29.5'), leaving out the coincidences named
    in ``COINCIDENCES``."""
    coincidence = COINCIDENCES.get(label)
    found = set()
    for form in answer_strings(label):
        for m in re.finditer(rf"(?<![\d.,]){re.escape(form)}(?!\d|[.,]\d)", text):
            before = text[max(0, m.start() - 80) : m.start()]
            if coincidence is None or not re.search(coincidence, before, flags=re.I):
                found.add(form)
    return sorted(found)


def estimate_from(**choices):
    """``im.estimate`` on ``im.deployment`` of the deployment's choices, with the workload's
    (``WORKLOAD_OPTIONS``) passed on: one call for tests that vary either."""
    import inference_math as im
    from inference_math.serving.estimator import WORKLOAD_OPTIONS

    workload = {k: choices.pop(k) for k, _, _ in WORKLOAD_OPTIONS if k in choices}
    return im.estimate(im.deployment(**choices), **workload)


# ----- the command line, as the library's tests run it ------------------------------------

# The book's running case on the command line.
CLI_BASE = ["estimate", "--model", "llama-2-70b", "--gpu", "a100-80gb-sxm", "--gpus", "2"]
# A Hugging Face config.json of a Llama-architecture model (Mistral-7B's sizes).
LLAMA_CONFIG = {
    "model_type": "llama",
    "num_hidden_layers": 32,
    "hidden_size": 4096,
    "num_attention_heads": 32,
    "num_key_value_heads": 8,
    "intermediate_size": 14336,
    "vocab_size": 32000,
    "max_position_embeddings": 32768,
}


def run_cli_here(args, capsys):
    """Run the command line in this process: (status, stdout, stderr lines); a warning that
    escapes fails the test."""
    import warnings

    from inference_math.cli import main

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        status = main([str(a) for a in args])
    out = capsys.readouterr()
    return status, out.out, out.err.splitlines()
