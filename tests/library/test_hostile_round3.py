"""Hostile input, round 3 (issue 21): output that cannot be written, numbers beyond any real
deployment, inputs that look like numbers, data files pasted, joined or saved by a
spreadsheet, and a damaged learner state file.

Every case asserts the exact outcome: the exit status and exactly one line on stderr from the
command line; the exception type and what its message names from the API.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import inference_math as im
from bookfiles import CLI_BASE, LLAMA_CONFIG, run_cli_here
from inference_math.cli import main
from inference_math.core import checks
from inference_math.evidence import appendix, gpu_run, public
from inference_math.serving import intervals
from inference_math.serving.speculative import verify_step_time

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
DEP = im.deployment("llama-2-70b", "a100-80gb-sxm", 2)
BASE, LLAMA = CLI_BASE, LLAMA_CONFIG
cli = run_cli_here


def run_cli(args, env=None, stdout=subprocess.PIPE, preexec_fn=None):
    """The command line in a process of its own: (status, stdout bytes, stderr lines)."""
    p = subprocess.run(
        [sys.executable, "-m", "inference_math", *map(str, args)],
        stdout=stdout,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
        preexec_fn=preexec_fn,
        timeout=300,
    )
    out = p.stdout if p.stdout is not None else b""
    return p.returncode, out, p.stderr.decode("utf-8", "replace").splitlines()


def only_error(err, *words):
    assert len(err) == 1, err
    assert err[0].startswith("inference-math: error: "), err
    for w in words:
        assert w in err[0], err
    return err[0]


# ----- 1. output that cannot be written -------------------------------------------------------

needs_dev_full = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")


@needs_dev_full
@pytest.mark.parametrize(
    "args",
    [BASE, [*BASE, "--json"], ["models"], ["gpus", "--json"], ["--help"], ["estimate", "-h"]],
    ids=["table", "json", "models", "gpus-json", "help", "estimate-help"],
)
def test_a_full_disk_is_status_3_and_one_line(args):
    with open("/dev/full", "wb") as full:
        status, _, err = run_cli(args, stdout=full)
    assert status == 3
    only_error(err, "cannot write standard output", "No space left on device")


@pytest.mark.parametrize("args", [BASE, ["models", "--json"]], ids=["estimate", "models"])
def test_a_closed_stdout_is_status_3_and_one_line(args):
    status, _, err = run_cli(args, stdout=None, preexec_fn=lambda: os.close(1))
    assert status == 3
    only_error(err, "standard output is closed")


def test_a_closed_stdout_even_when_the_workload_does_not_fit():
    """Status 3 wins over 1: what was computed never arrived, and only that is said."""
    args = [*BASE, "--batch", "1000", "--prompt", "4096"]
    status, _, err = run_cli(args, stdout=None, preexec_fn=lambda: os.close(1))
    assert status == 3
    only_error(err, "standard output is closed")


def _broken_pipe():
    r, w = os.pipe()
    os.close(r)
    os.dup2(w, 1)


def test_a_reader_that_left_is_status_3_and_one_line():
    status, _, err = run_cli(["models"], stdout=None, preexec_fn=_broken_pipe)
    assert status == 3
    only_error(err, "broken pipe")


@pytest.fixture
def cyrillic_config(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**LLAMA, "_name_or_path": "Модель-7B"}), encoding="utf-8")
    return path


def test_a_name_cp1252_cannot_show_is_escaped_with_status_4(cyrillic_config):
    args = ["estimate", "--model", cyrillic_config, "--gpu", "h100-sxm"]
    status, out, err = run_cli(args, env={"PYTHONIOENCODING": "cp1252"})
    assert status == 4
    only_error(err, "cp1252", "U+041C", "PYTHONIOENCODING=utf-8")
    first = out.decode("cp1252").splitlines()[0]
    assert "\\u041c\\u043e\\u0434\\u0435\\u043b\\u044c-7B on 1 x h100-sxm" in first


def test_the_same_name_in_json_is_ascii_and_status_0(cyrillic_config):
    args = ["estimate", "--model", cyrillic_config, "--gpu", "h100-sxm", "--json"]
    status, out, err = run_cli(args, env={"PYTHONIOENCODING": "cp1252"})
    assert status == 0 and err == []
    assert json.loads(out.decode("ascii"))["model"] == "Модель-7B"


def test_an_ascii_table_under_cp1252_is_status_0():
    status, out, err = run_cli(BASE, env={"PYTHONIOENCODING": "cp1252"})
    assert status == 0 and err == [] and b"llama-2-70b on 2 x a100-80gb-sxm" in out


class _Failing:
    encoding = "utf-8"

    def __init__(self, error):
        self.error = error

    def write(self, text):
        raise self.error

    def flush(self):
        raise self.error


@pytest.mark.parametrize(
    "error,words",
    [
        (OSError(28, "No space left on device"), "No space left on device"),
        (OSError(9, "Bad file descriptor"), "Bad file descriptor"),
        (ValueError("I/O operation on closed file."), "closed file"),
        (BrokenPipeError(32, "Broken pipe"), "broken pipe"),
    ],
    ids=["enospc", "ebadf", "closed", "epipe"],
)
def test_write_errors_in_process(monkeypatch, capsys, error, words):
    monkeypatch.setattr(sys, "stdout", _Failing(error))
    status = main(["gpus"])
    assert status == 3
    only_error(capsys.readouterr().err.splitlines(), words)


def test_no_stdout_object_at_all(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdout", None)
    assert main(["gpus"]) == 3
    only_error(capsys.readouterr().err.splitlines(), "standard output is closed")


def test_no_stderr_keeps_the_status_and_prints_nothing_on_stdout(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stderr", None)
    status = main([*BASE, "--batch", "1000", "--prompt", "4096"])
    assert status == 1
    assert "does not fit" not in capsys.readouterr().out


def test_the_statuses_are_documented():
    doc = im.cli.__doc__
    for status in ("0  success", "1  the workload does not fit", "2  bad input", "3  the output"):
        assert status in doc
    assert "4  the output was written" in doc
    readme = (ROOT / "working-with-the-book.md").read_text()
    assert "3 when the output" in readme and "4 when it was written with escapes" in readme


def test_help_lists_the_statuses(capsys):
    status, out, err = cli(["--help"], capsys)
    assert status == 0 and err == []
    assert "Exit status:" in out and "3  the output could not be written" in out


# ----- 2. numbers beyond any real deployment --------------------------------------------------

GPUS_WHY = "more than any one deployment spans"


@pytest.mark.parametrize(
    "extra",
    [
        ["--gpus", "1e15"],
        ["--gpus", "1e15", "--json"],
        ["--gpus", "4097"],
        ["--gpus", "1e15", "--batching", "continuous"],
        ["--gpus", "1e15", "--attention-parallelism", "data"],
    ],
    ids=["table", "json", "4097", "continuous", "data-parallel"],
)
def test_cli_refuses_absurd_gpu_counts(extra, capsys):
    status, out, err = cli(BASE + extra, capsys)
    assert status == 2 and out == ""
    only_error(err, "gpus must be at most 4,096", GPUS_WHY)


def test_cli_refuses_absurd_gpus_with_a_scenario(capsys):
    status, out, err = cli(["estimate", "--scenario", "article-2023", "--gpus", "1e15"], capsys)
    assert status == 2 and out == ""
    only_error(err, "gpus must be at most 4,096")


@pytest.mark.parametrize(
    "extra,words",
    [
        (["--batch", "2e6"], ("batch must be at most 1,048,576", "256 sequences")),
        (["--batch", "9007199254740992"], ("batch must be at most 1,048,576",)),
        (["--prompt", "2e7"], ("prompt must be at most 16,777,216", "Llama 4 Scout")),
        (["--completion", "16777217"], ("completion must be at most 16,777,216",)),
    ],
    ids=["batch", "batch-2**53", "prompt", "completion"],
)
def test_cli_refuses_absurd_batches_and_contexts(extra, words, capsys):
    status, out, err = cli(BASE + extra, capsys)
    assert status == 2 and out == ""
    only_error(err, *words)


def test_the_largest_allowed_numbers_stay_finite(capsys):
    status, out, err = cli(
        BASE + ["--gpus", "8", "--batch", str(checks.MAX_BATCH), "--json"], capsys
    )
    assert status == 1 and len(err) == 1 and "does not fit" in err[0]
    assert all(
        v is None or not isinstance(v, float) or np.isfinite(v) for v in json.loads(out).values()
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda: im.deployment("llama-2-70b", "a100-80gb-sxm", 1e15),
        lambda: dataclasses.replace(DEP, gpus=1e15),
        lambda: im.deployment("llama-2-70b", "a100-80gb-sxm", [2, 1e15]),
        lambda: im.deployment(scenario="article-2023", gpus=1e15),
        lambda: im.tensor_splits("llama-2-70b", 1e15),
        lambda: im.tensor_splits("llama-2-70b", 4097),
    ],
    ids=["deployment", "replace", "array", "scenario", "tensor-splits", "tensor-splits-4097"],
)
def test_api_refuses_absurd_gpu_counts(call):
    with pytest.raises(ValueError, match=r"must be at most 4,096, more than any one deployment"):
        call()


@pytest.mark.parametrize(
    "call,name",
    [
        (lambda: im.estimate(DEP, batch=2**21, prompt=8, completion=8), "batch"),
        (lambda: im.estimate(DEP, batch=1, prompt=2**24 + 1, completion=8), "prompt"),
        (lambda: im.estimate(DEP, batch=1, prompt=8, completion=1e12), "completion"),
        (lambda: im.decode_bytes_read(DEP, 2**21, 8), "batch"),
        (lambda: im.decode_bytes_read(DEP, 1, 1e9), "context"),
        (lambda: im.max_batch(DEP, 1e9), "tokens_per_sequence"),
        (lambda: im.usd_per_1k_completion(DEP, 1e7), "batch"),
        (lambda: im.usd_per_1k_prompt(DEP, 1e9), "prompt"),
        (lambda: verify_step_time(DEP, 1e7, 8, 2), "batch"),
        (lambda: im.min_gpus("llama-2-70b", "a100-80gb-sxm", tokens=1e9), "tokens"),
    ],
    ids=[
        "estimate-batch", "estimate-prompt", "estimate-completion", "bytes-batch",
        "bytes-context", "max-batch", "completion-price", "prompt-price", "verify", "min-gpus",
    ],
)  # fmt: skip
def test_api_refuses_absurd_batches_and_contexts(call, name):
    with pytest.raises(ValueError, match=rf"^{name} must be at most"):
        call()


def test_the_book_states_the_limits_the_library_holds():
    readme = " ".join((ROOT / "working-with-the-book.md").read_text().split())
    assert f"more than {checks.MAX_GPUS:,} GPUs" in readme
    assert f"a batch above {checks.MAX_BATCH:,} sequences" in readme
    assert f"above {checks.MAX_TOKENS:,} tokens" in readme


def test_the_token_limit_is_above_every_catalog_context():
    longest = max(m.max_context for m in im.MODELS.values())
    assert longest < checks.MAX_TOKENS
    assert f"{longest:,}" in checks.WHY_TOKENS  # the reason names the longest, truly
    assert im.deployment("llama-4-scout", "h100-sxm", 8).model.max_context == longest


# ----- 3. inputs that look like numbers -------------------------------------------------------

MASKED_NEGATIVE = np.ma.masked_array([-4, 8], mask=[True, False])


def test_a_masked_negative_batch_cannot_give_a_negative_price():
    with pytest.raises(ValueError, match="batch is a masked array"):
        im.estimate(DEP, batch=MASKED_NEGATIVE, prompt=512, completion=512)


@pytest.mark.parametrize(
    "call,name",
    [
        (lambda m: im.estimate(DEP, batch=8, prompt=m, completion=512), "prompt"),
        (lambda m: im.estimate(DEP, batch=8, prompt=512, completion=m), "completion"),
        (lambda m: im.deployment("llama-2-70b", "a100-80gb-sxm", m), "gpus"),
        (lambda m: im.deployment("llama-2-70b", "a100-80gb-sxm", 2, mfu=m / 10), "mfu"),
        (lambda m: im.deployment("llama-2-70b", "a100-80gb-sxm", 2, usd_per_gpu_hour=m), "usd"),
        (lambda m: im.decode_step_time(DEP, m, 512), "batch"),
        (lambda m: im.prefill_time(DEP, m), "prompt"),
        (lambda m: verify_step_time(DEP, m, 512, 2), "batch"),
        (lambda m: im.usd_per_1k_completion(DEP, m), "batch"),
    ],
    ids=["prompt", "completion", "gpus", "mfu", "price", "step", "prefill", "verify", "breakeven"],
)
def test_masked_arrays_are_refused_everywhere(call, name):
    with pytest.raises(ValueError, match=rf"^{name}\w* is a masked array"):
        call(MASKED_NEGATIVE)


def test_a_masked_element_in_a_list_is_refused():
    with pytest.raises(ValueError, match="batch is a masked array"):
        im.estimate(DEP, batch=[np.ma.masked, 8], prompt=512, completion=512)


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_a_matrix_is_read_as_its_plain_values():
    m = im.estimate(DEP, batch=np.matrix([[1, 8]]), prompt=512, completion=512)["itl_s"]
    plain = im.estimate(DEP, batch=np.array([[1, 8]]), prompt=512, completion=512)["itl_s"]
    assert type(m) is np.ndarray and np.array_equal(m, plain)


@pytest.mark.parametrize(
    "value",
    [
        np.array([1, "2"], dtype=object),
        np.array([8, None], dtype=object),
        np.array([True]),
        [True, 2],
        [[1, 2], [3, False]],
        (8, "8"),
        [8, None],
        [1, [2, 3]],
        np.array([1 + 2j]),
        {8},
    ],
    ids=[
        "object-str", "object-none", "bool-array", "bool-in-list", "nested-bool", "str-in-tuple",
        "none-in-list", "ragged", "complex", "set",
    ],
)  # fmt: skip
def test_numbers_only_with_the_usual_one_line_error(value):
    with pytest.raises(ValueError, match=r"^batch must be a number or an array of numbers") as e:
        im.estimate(DEP, batch=value, prompt=512, completion=512)
    assert "\n" not in str(e.value)


def test_booleans_in_a_list_of_gpu_counts_are_refused():
    with pytest.raises(ValueError, match="^gpus must be a number or an array of numbers"):
        im.deployment("llama-2-70b", "a100-80gb-sxm", [True, 2])


# ----- 4. data files: duplicate columns and rows, byte-order marks -----------------------------

LOADERS = {
    "appendix": ("article-appendix.csv", lambda p: appendix.load_appendix(p)),
    "sources": ("public-measurement-sources.csv", lambda p: public.load_sources(p)),
    "measurements": ("public-measurements.csv", lambda p: public.load_public_measurements(p)),
    "token-counts": ("tokenizer-counts.csv", lambda p: im.load_token_counts(p)),
    "gpu-run": ("gpu-roofline-h100.csv", lambda p: gpu_run.load_gpu_run(p)),
    "gpu-profile": ("gpu-profile-h100.csv", lambda p: gpu_run.load_gpu_profile(p)),
    "residuals": (
        "serving-model-residuals.csv",
        lambda p: intervals.interval_factors(
            "itl_s", "llama-3.3-70b", "h100-sxm", "fp8", 0.8, path=p
        ),
    ),
}


def lines_of(name):
    text = (DATA / name).read_text(encoding="utf-8")
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.strip() and not line.startswith("#"))
    return lines, header


def write(tmp_path, name, lines, prefix=b""):
    path = tmp_path / name
    path.write_bytes(prefix + ("\n".join(lines) + "\n").encode("utf-8"))
    return path


@pytest.mark.parametrize("loader", LOADERS)
def test_every_loader_refuses_a_column_named_twice(loader, tmp_path):
    name, load = LOADERS[loader]
    lines, h = lines_of(name)
    first = lines[h].split(",")[0]
    lines = [*lines[:h], lines[h] + f",{first}", *(line + ",x" for line in lines[h + 1 :])]
    path = write(tmp_path, name, lines)
    with pytest.raises(ValueError, match=rf"line {h + 1}: column '{first}' appears twice") as e:
        load(path)
    assert str(path) in str(e.value)


@pytest.mark.parametrize("loader", LOADERS)
def test_every_loader_refuses_a_row_pasted_twice(loader, tmp_path):
    name, load = LOADERS[loader]
    lines, h = lines_of(name)
    pasted = len(lines) + 1
    path = write(tmp_path, name, [*lines, lines[-1]])
    with pytest.raises(ValueError, match=rf"line {pasted}: repeats line {pasted - 1}") as e:
        load(path)
    assert str(path) in str(e.value)


@pytest.mark.parametrize("loader", LOADERS)
def test_every_loader_reads_a_spreadsheets_byte_order_mark(loader, tmp_path):
    name, load = LOADERS[loader]
    lines, _ = lines_of(name)
    with_bom = load(write(tmp_path, name, lines, prefix=b"\xef\xbb\xbf"))
    plain = load(DATA / name)
    if isinstance(plain, dict) and all(isinstance(v, np.ndarray) for v in plain.values()):
        assert all(np.array_equal(with_bom[k], plain[k]) for k in plain)
    elif isinstance(plain, gpu_run.GPURun):
        assert with_bom.notes == plain.notes and with_bom.flops == plain.flops
    else:
        assert with_bom == plain


@pytest.mark.parametrize("loader", LOADERS)
def test_every_loader_refuses_a_byte_order_mark_inside_the_file(loader, tmp_path):
    name, load = LOADERS[loader]
    lines, _ = lines_of(name)
    path = write(tmp_path, name, [*lines, "\ufeff# source: a second file, joined"])
    with pytest.raises(ValueError, match=rf"line {len(lines) + 1}: a byte-order mark"):
        load(path)


@pytest.mark.parametrize(
    "edit,message",
    [
        (lambda h: h + ",", r"column \d+ of the header has no name"),
        (lambda h: h.replace(",", ",,", 1), r"column 2 of the header has no name"),
    ],
    ids=["trailing-comma", "empty-name"],
)
def test_a_header_with_an_unnamed_column_is_refused(edit, message, tmp_path):
    lines, h = lines_of("article-appendix.csv")
    lines[h] = edit(lines[h])
    with pytest.raises(ValueError, match=rf"line {h + 1}: {message}"):
        appendix.load_appendix(write(tmp_path, "a.csv", lines))


@pytest.mark.parametrize(
    "bad,message",
    [('"unterminated', "not a CSV row"), ("1,2\x00,3", "a NUL byte")],
    ids=["open-quote", "nul"],
)
def test_a_line_that_is_not_csv_is_refused_with_its_number(bad, message, tmp_path):
    lines, _ = lines_of("tokenizer-counts.csv")
    path = write(tmp_path, "t.csv", [*lines, bad])
    with pytest.raises(ValueError, match=rf"line {len(lines) + 1}: {message}"):
        im.load_token_counts(path)


def test_a_missing_column_message_names_the_header_line(tmp_path):
    lines, h = lines_of("article-appendix.csv")
    lines[h] = lines[h].replace("batch", "batch_size")
    with pytest.raises(ValueError, match=rf"line {h + 1}: missing column\(s\) batch;"):
        appendix.load_appendix(write(tmp_path, "a.csv", lines))


def test_a_config_with_a_byte_order_mark_reads(tmp_path):
    path = tmp_path / "config.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(LLAMA).encode())
    assert im.get_model(str(path)).n_layers == 32


def test_a_config_with_a_key_given_twice_is_refused(tmp_path, capsys):
    path = tmp_path / "config.json"
    text = json.dumps(LLAMA)[:-1] + ', "num_hidden_layers": 80}'
    path.write_text(text)
    with pytest.raises(ValueError, match="key 'num_hidden_layers' appears twice"):
        im.get_model(str(path))
    status, out, err = cli(["estimate", "--model", path, "--gpu", "h100-sxm"], capsys)
    assert status == 2 and out == ""
    only_error(err, "appears twice")


# ----- 5. a damaged learner state file ------------------------------------------------------


@pytest.fixture
def learner(tmp_path):
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import learner_notebooks
    finally:
        sys.path.pop(0)
    built, out = tmp_path / "built", tmp_path / "notebooks"
    built.mkdir()
    names = ["01-a.ipynb", "02-b.ipynb", "03-c.ipynb"]
    for n in names:
        (built / n).write_text(f'{{"cells": [], "name": "{n}"}}')
    learner_notebooks.update(built, out, names)
    (out / "02-b.ipynb").write_text('{"cells": ["the learner\'s work"]}')  # an edit
    return learner_notebooks, built, out, names


@pytest.mark.parametrize(
    "damage",
    [
        b'{"01-a.ipynb": "ab',  # truncated
        b"",
        b"not json at all",
        b"\xff\xfe\x00garbage",
        b"[1, 2, 3]",
        b'{"01-a.ipynb": 42}',
        b'{"01-a.ipynb": "not-a-hash"}',
        b"[" * 100000,  # nested past the parser's depth
    ],
    ids=["truncated", "empty", "text", "binary", "list", "number", "bad-hash", "deep"],
)
def test_a_damaged_state_file_is_rebuilt_and_every_edit_kept(learner, damage):
    ln, built, out, names = learner
    (out / ".written.json").write_bytes(damage)
    (built / "01-a.ipynb").write_text('{"cells": [], "name": "new build"}')  # the book moved on
    wrote, kept, damaged = ln.update(built, out, names)
    assert damaged, "the damage was not reported"
    assert kept == ["01-a.ipynb", "02-b.ipynb"]  # unknown provenance: kept, never overwritten
    assert "the learner's work" in (out / "02-b.ipynb").read_text()
    state = json.loads((out / ".written.json").read_text())
    assert set(state) == {"03-c.ipynb"}  # identical to the build: recorded as ours again
    assert not list(out.glob("*.tmp"))
    again = ln.update(built, out, names)
    assert again == (0, ["01-a.ipynb", "02-b.ipynb"], None)


def test_a_folder_in_place_of_the_state_file(learner):
    ln, built, out, names = learner
    (out / ".written.json").unlink()
    (out / ".written.json").mkdir()
    wrote, kept, damaged = ln.update(built, out, names)
    assert "cannot be read" in damaged and kept == ["02-b.ipynb"]
    assert json.loads((out / ".written.json").read_text()).keys() == {"01-a.ipynb", "03-c.ipynb"}


def test_make_notebooks_says_so_on_stderr(learner, monkeypatch, capsys):
    ln, built, out, _ = learner
    names = [f"{md.stem}.ipynb" for md in sorted((ROOT / "chapters").glob("*.md"))]
    for n in names:
        (built / n).write_text(f'{{"name": "{n}"}}')
    ln.update(built, out, names)
    (out / names[0]).write_text('{"cells": ["the learner\'s work"]}')
    monkeypatch.setattr(ln, "stale", lambda chapters: [])
    monkeypatch.setattr(ln, "BUILT", built)
    monkeypatch.setattr(ln, "OUT", out)
    (out / ".written.json").write_text('{"trunc')
    assert ln.main([]) == 0
    captured = capsys.readouterr()
    (line,) = captured.err.splitlines()
    assert "was damaged" in line and "kept as yours" in line
    assert f"{out}/{names[0]}" in captured.out  # listed among the kept
    assert "the learner's work" in (out / names[0]).read_text()
