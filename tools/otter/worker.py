"""Runs one submission for grade.py, inside the sandbox (sandbox.py), and reports its answers.

    python worker.py WORKDIR

WORKDIR holds plan.json (written by grade.py: the answer variables, and what to hide) and
run/submission.ipynb. The worker runs every cell of the notebook in a fresh kernel (errors
do not stop it; cells tagged otter_ignore, the export to a zip, are skipped), then asks the
kernel for the value of each answer variable and writes WORKDIR/result.json:

    {"answers": {variable: {"number": "35.27"} | {"type": "str"}},
     "errors": {variable: "ZeroDivisionError: division by zero"},
     "unset": {variable: "no cell sets it"}, "failed": null | "why nothing ran"}

The kernel is the submission's: it can set its answers to anything, and nothing else. The
values are judged by grade.py, in a process that has run none of the submission's code.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sandbox  # noqa: E402

MAX_ANSWERS_BYTES = 1 << 20
MAX_ERROR_CHARS = 300

EXPORT = """
def __grade_export(names, path):
    import json, numbers
    out = {}
    for name in names:
        if name not in globals():
            continue
        value = globals()[name]
        try:
            import numpy
            if isinstance(value, numpy.ndarray) and value.size == 1:
                value = value.item()
            elif isinstance(value, numpy.generic):
                value = value.item()
        except Exception:
            pass
        kind = "ellipsis" if value is ... else type(value).__name__
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            try:
                out[name] = {"number": repr(float(value))}
                continue
            except OverflowError:  # an integer beyond float64: a number, just not finite
                out[name] = {"number": "inf" if value > 0 else "-inf"}
                continue
            except Exception:
                pass
        out[name] = {"type": kind}
    with open(path, "w") as f:
        json.dump(out, f)


__grade_export(%r, %r)
del __grade_export
"""


def short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 3] + "..."


def setter_cells(nb, variable: str) -> list[int]:
    """Indices of the code cells that assign ``variable`` at the top level."""
    pattern = re.compile(rf"^{re.escape(variable)}\s*(:[^=]*)?=(?!=)", re.M)
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and pattern.search(c.source)]


def execute(workdir: Path, plan: dict) -> dict:
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    class Client(NotebookClient):
        def output(self, outs, msg, display_id, cell_index):  # keep errors, drop the rest
            if msg["msg_type"] != "error":
                return None
            return super().output(outs, msg, display_id, cell_index)

    run = workdir / "run"
    try:
        nb = nbformat.read(run / "submission.ipynb", as_version=4)
    except Exception as err:  # not JSON, not a notebook
        return {"failed": short(f"not a notebook: {type(err).__name__}: {err}")}
    nb.cells = [
        c
        for c in nb.cells
        if "otter_ignore" not in c.get("metadata", {}).get("tags", [])
        or c.get("cell_type") != "code"
    ]
    variables = plan["variables"]
    spec = workdir / "jupyter" / "kernels" / "grading"
    spec.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "grading", "language": "python"})
    )
    # Unix sockets, by absolute path: no network is needed (or, in a namespace, there)
    km = KernelManager(kernel_name="grading", transport="ipc", ip=str(workdir / "kernel"))
    client = Client(
        nb, km=km, timeout=None, allow_errors=True, kernel_name="grading", record_timing=False
    )
    client.resources = {"metadata": {"path": str(run)}}
    errors: dict[int, str] = {}
    answers_file = run / f".answers-{secrets.token_hex(8)}.json"
    # the kernel writes nowhere the worker reads: its own output goes to /dev/null
    with (
        open(os.devnull, "wb") as null,
        client.setup_kernel(cwd=str(run), stdout=null, stderr=null),
    ):
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            client.execute_cell(cell, index)
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    errors[index] = short(f"{out.get('ename')}: {out.get('evalue')}")
        code = EXPORT % (list(variables.values()), str(answers_file))
        export = nbformat.v4.new_code_cell(code)
        nb.cells.append(export)
        client.execute_cell(export, len(nb.cells) - 1)
        export_error = [o for o in export.get("outputs", []) if o.get("output_type") == "error"]
    answers = read_answers(answers_file, variables)
    if answers is None:
        why = export_error[0].get("ename") if export_error else "no file"
        return {"failed": short(f"the answers could not be read from the kernel ({why})")}
    result = {"answers": answers, "errors": {}, "unset": {}, "failed": None}
    for variable in variables.values():
        cells = setter_cells(nb, variable)
        if variable in answers:
            continue
        if not cells:
            result["unset"][variable] = "no cell sets it"
        elif cells[-1] in errors:
            result["errors"][variable] = errors[cells[-1]]
        else:
            result["unset"][variable] = "its cell runs but does not set it"
    return result


def read_answers(path: Path, variables: dict) -> dict | None:
    """The kernel's export, kept only where it has the expected shape."""
    try:
        if path.stat().st_size > MAX_ANSWERS_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    wanted = set(variables.values())
    out = {}
    for name, value in data.items():
        if name in wanted and isinstance(value, dict) and len(value) == 1:
            ((kind, text),) = value.items()
            if kind in ("number", "type") and isinstance(text, str):
                out[name] = {kind: text[:100]}
    return out


def main(argv: list[str]) -> int:
    workdir = Path(argv[0]).resolve()
    plan = json.loads((workdir / "plan.json").read_text(encoding="utf-8"))
    if plan.get("namespaces"):
        sandbox.hide_and_lock(plan["hidden"], [str(workdir), *plan["keep"]], plan["read_only"])
    try:
        result = execute(workdir, plan)
    except Exception as err:  # the kernel died, would not start, ...
        result = {"failed": short(f"the notebook could not be run: {type(err).__name__}: {err}")}
    tmp = workdir / "result.json.tmp"
    tmp.write_text(json.dumps(result), encoding="utf-8")
    os.replace(tmp, workdir / "result.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
