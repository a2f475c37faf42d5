"""The command line: ``python -m inference_math estimate|models|gpus``.

Exit status:
  0  success; for estimate, the workload fits
  1  the workload does not fit (the result is still printed; one line on stderr says why)
  2  bad input (one line on stderr, never a traceback)
  3  the output could not be written: standard output closed, the disk full, the reader
     gone (a broken pipe) or another write error; one line on stderr, the output is missing
     or incomplete
  4  the output was written, but standard output's encoding (cp1252, say) cannot show a
     character of it (a model name read from a file): every such character is written as
     an escape (\\xe9, \\u0451) and one line on stderr names the first
3 and 4 take precedence over 0 and 1: what was printed is not what was computed.
"""

from __future__ import annotations

import argparse
import json
import math
import warnings

import numpy as np

from .core import streams, units
from .core.checks import printable
from .hardware.gpus import GPUS
from .model.catalog import MODELS
from .model.sizes import kv_bytes_per_token
from .serving.deployment import SCENARIOS, choices, deployment
from .serving.estimator import WORKLOAD_OPTIONS, estimate, fit_problem
from .serving.workload import get_workload

PROG = "inference-math"
EXIT_FITS, EXIT_DOES_NOT_FIT, EXIT_BAD_INPUT, EXIT_NOT_WRITTEN, EXIT_ESCAPED = 0, 1, 2, 3, 4


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse prints usage over several lines; we want one
        raise _BadInput(message)

    def print_help(self, file=None):  # written like any output, so its errors count too
        raise _Help(self.format_help())


class _BadInput(Exception):
    pass


class _Help(Exception):
    pass


# How the command line reads each kind of value; numbers are checked by the library.
_TYPES = {"model": str, "gpu": str, "name": str, "count": float, "fraction": float,
          "number": float, "level": float}  # fmt: skip


def _help(text: str) -> str:
    """A help line as written ("90% usable"): argparse would read its % as a format."""
    return text.replace("%", "%%")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=PROG,
        description="Inference arithmetic for large language models.",
        epilog=__doc__[__doc__.index("Exit status") :],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    e = sub.add_parser("estimate", help="time, memory and cost of one workload")
    # The options are the deployment's choices and estimate's workload, each described once
    # (serving.deployment.choices, serving.estimator.WORKLOAD_OPTIONS).
    for name, field in choices().items():
        kind = field.metadata["kind"]
        e.add_argument(
            f"--{name.replace('_', '-')}", type=_TYPES[kind], help=_help(field.metadata["help"])
        )
    e.add_argument("--scenario", help=f"preset assumptions: {', '.join(SCENARIOS)}")
    for name, kind, what in WORKLOAD_OPTIONS:
        flag = f"--{name.replace('_', '-')}"
        if kind == "flag":  # --chunked-prefill, --no-chunked-prefill, or the default (None)
            e.add_argument(
                flag, action=argparse.BooleanOptionalAction, default=None, help=_help(what)
            )
        else:
            e.add_argument(flag, type=_TYPES[kind], help=_help(what))
    e.add_argument("--json", action="store_true", help="print one JSON object")
    for name, what in (("models", "the model catalog"), ("gpus", "the GPU catalog")):
        s = sub.add_parser(name, help=f"list {what}")
        s.add_argument("--json", action="store_true", help="print a JSON list")
    return p


def _jsonable(value):
    value = np.asarray(value).item() if isinstance(value, (np.ndarray, np.generic)) else value
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _json(obj) -> str:
    # Strict JSON: a NaN or an infinity that slipped through is an error, never a bare token.
    return json.dumps(obj, indent=2, allow_nan=False)


def _table(rows: list[tuple[str, str]]) -> str:
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


class Output:
    """What a command prints and the exit status it ends with. The status is settled before
    anything is printed, so a reader that closes the pipe early cannot change it."""

    def __init__(self, stdout: str = "", stderr: tuple[str, ...] = (), status: int = 0):
        self.stdout, self.stderr, self.status = stdout, stderr, status


def _estimate(args) -> Output:
    chosen = {name: getattr(args, name) for name in choices()}
    dep = deployment(scenario=args.scenario, **chosen)
    workload = {name: getattr(args, name) for name, _, _ in WORKLOAD_OPTIONS}
    workload["batch"] = 1 if args.batch is None else args.batch
    workload["batching"] = args.batching or "static"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = estimate(dep, workload.pop("workload"), **workload)
    if args.workload is not None:
        w = get_workload(args.workload)
        args.prompt, args.completion = w.prompt, w.completion
    args.prompt = 512 if args.prompt is None else args.prompt
    args.completion = 512 if args.completion is None else args.completion
    args.batch, args.batching = workload["batch"], workload["batching"]
    r = {k: _jsonable(v) for k, v in result.items()}
    name = printable(dep.model.name)
    if args.json:
        inputs = {
            "model": name,
            "gpu": dep.gpu.name,
            "gpus": _jsonable(dep.gpus),
            "dtype": dep.dtype,
            "kv_dtype": dep.kv_dtype,
            "batch": _jsonable(args.batch),
            "prompt": _jsonable(args.prompt),
            "completion": _jsonable(args.completion),
            "mfu": _jsonable(dep.mfu),
            "mbu": _jsonable(dep.mbu),
            "usd_per_gpu_hour": _jsonable(dep.usd_per_gpu_hour),
            "scenario": args.scenario,
            "step_model": dep.step_model,
            "batching": args.batching,
            "chunked_prefill": args.chunked_prefill,
            "engine": dep.engine,
            "attention_parallelism": dep.attention_parallelism,
            "interval": args.interval,
        }
        text = _json({**inputs, **r})
    else:
        f = units

        def maybe(x, fmt, key=None):
            if x is None:
                return "n/a"
            if key is None or args.interval is None or r.get(f"{key}_low") is None:
                return fmt(x)
            low, high = fmt(r[f"{key}_low"]), fmt(r[f"{key}_high"])
            return f"{fmt(x)} ({args.interval:.0%} interval {low} to {high})"

        text = _table(
            [
                (
                    "deployment",
                    f"{name} on {int(dep.gpus)} x {dep.gpu.name}, "
                    f"{dep.dtype} weights, {dep.kv_dtype} KV cache",
                ),
                ("server model", _server_line(dep, args, r)),
                (
                    "workload",
                    f"batch {_jsonable(args.batch)}, {_jsonable(args.prompt)} prompt + "
                    f"{_jsonable(args.completion)} completion tokens",
                ),
                ("parameters", f.fmt_int(r["params"])),
                ("weights", f.fmt_bytes(r["weight_bytes"], "GB", decimals=2)),
                (
                    "KV cache per token",
                    f"{f.fmt_int(r['kv_bytes_per_token'])} B "
                    f"({f.fmt_bytes(r['kv_bytes_per_token'], 'KiB')})",
                ),
                ("FLOPs per token", f.fmt_si(r["flops_per_token"], "FLOP", "G")),
                *_window_rows(dep, args),
                ("KV capacity", f"{f.fmt_int(r['kv_capacity_tokens'])} tokens"),
                ("fits", "yes" if r["fits"] else "no"),
                ("time to first token", maybe(r["ttft_s"], f.fmt_seconds, "ttft_s")),
                ("decode step (mean)", maybe(r["decode_step_s"], f.fmt_seconds)),
                ("time between tokens", maybe(r["itl_s"], f.fmt_seconds, "itl_s")),
                ("completion time", maybe(r["completion_s"], f.fmt_seconds)),
                (
                    "tokens/s per sequence",
                    maybe(r["tokens_per_s_per_sequence"], f.fmt_tokens_per_s),
                ),
                (
                    "output tokens/s (all)",
                    maybe(r["output_tokens_per_s"], f.fmt_tokens_per_s, "output_tokens_per_s"),
                ),
                (
                    "USD per 1K prompt",
                    maybe(r["usd_per_1k_prompt"], lambda x: f.fmt_usd(x, 3), "usd_per_1k_prompt"),
                ),
                (
                    "USD per 1K completion",
                    maybe(
                        r["usd_per_1k_completion"],
                        lambda x: f.fmt_usd(x, 3),
                        "usd_per_1k_completion",
                    ),
                ),
                ("decode is", f"{r['decode_bound']}-bound"),
            ]
        )
    errors = [f"{PROG}: warning: {printable(w.message)}" for w in caught]
    if r["fits"]:
        return Output(text, tuple(errors), 0)
    why = fit_problem(dep, args.batch, args.prompt, args.completion)
    return Output(text, (*errors, f"{PROG}: does not fit: {why}"), 1)


def _server_line(dep, args, r) -> str:
    """How the server is modelled, in one line: step model, engine, batching, and under
    continuous batching how many requests are admitted and how long the rest wait."""
    if dep.step_model == "article":
        return f"article steps, {args.batching} batching"
    line = f"per-op steps, {dep.engine} engine, {dep.attention_parallelism}-parallel attention"
    if args.batching != "continuous":
        return f"{line}, static batching"
    chunked = "chunked prefill" if args.chunked_prefill is not False else "whole prompts"
    line += f", continuous batching with {chunked}"
    if np.ndim(r["admitted"]) == 0 and r["admitted"] is not None:
        line += f"; {units.fmt_int(r['admitted'])} admitted"
        if r["queue_s"]:
            line += f", the rest wait {units.fmt_seconds(r['queue_s'])}"
    return line


def _window_rows(dep, args) -> list:
    """For a model with sliding-window layers, what they cap: a sequence's cache, in bytes and
    in tokens of the capacity (the capacity counts tokens at the full-attention rate)."""
    m = dep.model
    if not m.has_windows or np.ndim(args.prompt) or np.ndim(args.completion):
        return []
    tokens = args.prompt + args.completion
    caps = []
    if m.sliding_window is not None:
        layers = sum(w is not None for w in m.layer_windows) - sum(
            c is not None for c in m.layer_chunks
        )
        caps.append(("sliding window", f"{m.sliding_window:,} tokens on {layers}"))
    if m.attention_chunk is not None:
        layers = sum(c is not None for c in m.layer_chunks)
        caps.append(("attention chunk", f"{m.attention_chunk:,} tokens on {layers}"))
    return [
        *((k, f"{v} of {m.n_layers} layers") for k, v in caps),
        (
            "KV per sequence",
            f"{units.fmt_bytes(float(dep.kv_bytes_per_sequence(tokens)), 'GB', decimals=2)} "
            f"(uses {units.fmt_int(float(dep.attended(tokens)))} tokens of the KV capacity)",
        ),
    ]


def _models(args) -> Output:
    rows = [
        {
            "name": m.name,
            "params": m.params,
            "published_params": m.published_params,
            "active_params": m.active_params,
            "vision_params": m.vision_params,
            "stored_format": None if m.stored is None else m.stored.name,
            "layers": m.n_layers,
            "d_model": m.d_model,
            "heads": m.n_heads,
            "kv_heads": m.n_kv_heads,
            "head_dim": m.head_dim,
            "d_ff": m.d_ff,
            "vocab_size": m.vocab_size,
            "experts": m.n_experts,
            "experts_per_token": m.experts_per_token,
            "max_context": m.max_context,
            "kv_bytes_per_token": int(kv_bytes_per_token(m, "bf16")),
            "source": m.source,
            "date": m.date,
        }
        for m in MODELS.values()
    ]
    if args.json:
        return Output(_json(rows))
    width = max(14, *(len(r["name"]) for r in rows))  # the longest name sets the column
    lines = [f"{'name':<{width}} {'parameters':>17} {'KV/token (bf16)':>16} {'context':>10}"]
    lines += [
        f"{r['name']:<{width}} {r['params']:>17,} {r['kv_bytes_per_token']:>14,} B "
        f"{r['max_context']:>10,}"
        for r in rows
    ]
    return Output("\n".join(lines))


def _gpus(args) -> Output:
    rows = [
        {
            "name": g.name,
            "bf16_flops": g.bf16_flops,
            "int8_ops": g.int8_ops,
            "fp8_flops": g.fp8_flops,
            "memory_bytes": g.memory_bytes,
            "memory_label": g.memory_label,
            "bandwidth_bytes_per_s": g.bandwidth_bytes_per_s,
            "interconnect": g.interconnect,
            "interconnect_bytes_per_s": g.interconnect_bytes_per_s,
            "usd_per_hour": g.usd_per_hour,
            "price_source": g.price_source,
            "price_date": g.price_date,
            "source": g.source,
            "date": g.date,
        }
        for g in GPUS.values()
    ]
    if args.json:
        return Output(_json([{k: _jsonable(v) for k, v in r.items()} for r in rows]))
    lines = [f"{'name':<15} {'bf16 TFLOP/s':>12} {'memory':>10} {'GB/s':>7} {'$/hour':>7}"]
    lines += [
        f"{r['name']:<15} {r['bf16_flops'] / 1e12:>12,.0f} "
        f"{r['memory_bytes'] / 2**30:>6,.0f} GiB {r['bandwidth_bytes_per_s'] / 1e9:>7,.0f}"
        f" {r['usd_per_hour']:>7.2f}"
        for r in rows
    ]
    return Output("\n".join(lines))


def _run(argv) -> Output:
    try:
        args = _parser().parse_args(argv)
        if args.command == "estimate" and args.model is None and args.scenario is None:
            raise _BadInput("--model is required (or --scenario)")
        if args.command == "estimate" and args.gpu is None and args.scenario is None:
            raise _BadInput(f"--gpu is required; allowed: {', '.join(GPUS)}")
        return {"estimate": _estimate, "models": _models, "gpus": _gpus}[args.command](args)
    except _Help as shown:
        return Output(str(shown).rstrip("\n"))
    except (_BadInput, ValueError) as err:
        # one line, with any control character a file or argument carried shown escaped
        message = " ".join(printable(" ".join(str(err).split())).split())
        return Output("", (f"{PROG}: error: {message}",), 2)


def main(argv=None) -> int:
    """Run the command line; returns the exit status (0 fits, 1 does not fit, 2 bad input,
    3 output not written, 4 output written with escapes: the module's docstring)."""
    with np.errstate(all="ignore"):  # no numpy warning reaches the user; results are checked
        out = _run(argv)
    status, stderr = out.status, list(out.stderr)
    if out.stdout:
        problem, why = streams.write_stdout(out.stdout)
        if problem == streams.NOT_WRITTEN:  # what was computed never arrived: say only that
            status, stderr = EXIT_NOT_WRITTEN, [f"{PROG}: error: {why}"]
        elif problem == streams.ESCAPED:
            status, stderr = EXIT_ESCAPED, [*stderr, f"{PROG}: error: {why}"]
    streams.write_stderr(stderr)
    return status
