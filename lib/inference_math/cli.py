"""The command line: ``python -m inference_math estimate|models|gpus``.

Exit status 0 when the workload fits, 1 when it does not (the result is still printed, and one
line on stderr says why), 2 for bad input (one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings

import numpy as np

from . import units
from .formulas import kv_bytes_per_token
from .gpus import GPUS
from .models import MODELS
from .serving import SCENARIOS, deployment, estimate, fit_problem

PROG = "inference-math"


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse prints usage over several lines; we want one
        raise _BadInput(message)


class _BadInput(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Inference arithmetic for large language models.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    e = sub.add_parser("estimate", help="time, memory and cost of one workload")
    e.add_argument("--model", help="catalog name or path to a Hugging Face config.json")
    e.add_argument("--gpu", help="catalog GPU name")
    e.add_argument("--gpus", type=float, help="number of GPUs (tensor parallel)")
    e.add_argument("--dtype", help="weight dtype: fp32, bf16, fp16, fp8, int8, int4")
    e.add_argument("--kv-dtype", help="KV cache dtype (default: bf16)")
    e.add_argument("--batch", type=float, default=1, help="sequences per batch (default 1)")
    e.add_argument("--prompt", type=float, default=512, help="prompt tokens (default 512)")
    e.add_argument("--completion", type=float, default=512,
                   help="completion tokens (default 512)")
    e.add_argument("--mfu", type=float, help="model FLOPs utilisation in (0, 1]")
    e.add_argument("--mbu", type=float, help="memory bandwidth utilisation in (0, 1]")
    e.add_argument("--usd-per-gpu-hour", type=float, help="price per GPU-hour")
    e.add_argument("--scenario", help=f"preset assumptions: {', '.join(SCENARIOS)}")
    e.add_argument("--json", action="store_true", help="print one JSON object")
    for name, what in (("models", "the model catalog"), ("gpus", "the GPU catalog")):
        s = sub.add_parser(name, help=f"list {what}")
        s.add_argument("--json", action="store_true", help="print a JSON list")
    return p


def _jsonable(value):
    value = np.asarray(value).item() if isinstance(value, np.ndarray) or \
        isinstance(value, np.generic) else value
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _table(rows: list[tuple[str, str]]) -> str:
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def _estimate(args) -> int:
    dep = deployment(args.model, args.gpu, args.gpus, args.dtype, args.kv_dtype, args.mfu,
                     args.mbu, args.usd_per_gpu_hour, scenario=args.scenario)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = estimate(dep.model, dep.gpu, dep.gpus, dep.dtype, dep.kv_dtype, args.batch,
                          args.prompt, args.completion, dep.mfu, dep.mbu, dep.usd_per_gpu_hour,
                          usable_memory=dep.usable_memory, params=dep.params,
                          attention=dep.attention)
    r = {k: _jsonable(v) for k, v in result.items()}
    if args.json:
        inputs = {"model": dep.model.name, "gpu": dep.gpu.name, "gpus": _jsonable(dep.gpus),
                  "dtype": dep.dtype, "kv_dtype": dep.kv_dtype, "batch": _jsonable(args.batch),
                  "prompt": _jsonable(args.prompt), "completion": _jsonable(args.completion),
                  "mfu": _jsonable(dep.mfu), "mbu": _jsonable(dep.mbu),
                  "usd_per_gpu_hour": _jsonable(dep.usd_per_gpu_hour),
                  "scenario": args.scenario}
        print(json.dumps({**inputs, **r}, indent=2))
    else:
        f = units
        def maybe(x, fmt):
            return "n/a" if x is None else fmt(x)
        print(_table([
            ("deployment", f"{dep.model.name} on {int(dep.gpus)} x {dep.gpu.name}, "
                           f"{dep.dtype} weights, {dep.kv_dtype} KV cache"),
            ("workload", f"batch {_jsonable(args.batch)}, {_jsonable(args.prompt)} prompt + "
                         f"{_jsonable(args.completion)} completion tokens"),
            ("parameters", f.fmt_int(r["params"])),
            ("weights", f.fmt_bytes(r["weight_bytes"], "GB", decimals=2)),
            ("KV cache per token", f"{f.fmt_int(r['kv_bytes_per_token'])} B "
                                   f"({f.fmt_bytes(r['kv_bytes_per_token'], 'KiB')})"),
            ("FLOPs per token", f.fmt_si(r["flops_per_token"], "FLOP", "G")),
            ("KV capacity", f"{f.fmt_int(r['kv_capacity_tokens'])} tokens"),
            ("fits", "yes" if r["fits"] else "no"),
            ("time to first token", f.fmt_seconds(r["ttft_s"])),
            ("decode step (mean)", maybe(r["decode_step_s"], f.fmt_seconds)),
            ("completion time", f.fmt_seconds(r["completion_s"])),
            ("tokens/s per sequence", maybe(r["tokens_per_s_per_sequence"], f.fmt_tokens_per_s)),
            ("USD per 1K prompt", maybe(r["usd_per_1k_prompt"], lambda x: f.fmt_usd(x, 3))),
            ("USD per 1K completion", maybe(r["usd_per_1k_completion"],
                                            lambda x: f.fmt_usd(x, 3))),
            ("decode is", f"{r['decode_bound']}-bound"),
        ]))
    for w in caught:
        print(f"{PROG}: warning: {w.message}", file=sys.stderr)
    if not r["fits"]:
        why = fit_problem(dep, args.batch, args.prompt, args.completion)
        print(f"{PROG}: does not fit: {why}", file=sys.stderr)
        return 1
    return 0


def _models(args) -> int:
    rows = [{"name": m.name, "params": m.params, "published_params": m.published_params,
             "layers": m.n_layers, "d_model": m.d_model, "heads": m.n_heads,
             "kv_heads": m.n_kv_heads, "head_dim": m.head_dim, "d_ff": m.d_ff,
             "vocab_size": m.vocab_size, "experts": m.n_experts,
             "experts_per_token": m.experts_per_token, "max_context": m.max_context,
             "kv_bytes_per_token": int(kv_bytes_per_token(m, "bf16")),
             "source": m.source, "date": m.date} for m in MODELS.values()]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        head = f"{'name':<14} {'parameters':>16} {'KV/token (bf16)':>16} {'context':>8}"
        print(head)
        for r in rows:
            print(f"{r['name']:<14} {r['params']:>16,} {r['kv_bytes_per_token']:>14,} B "
                  f"{r['max_context']:>8,}")
    return 0


def _gpus(args) -> int:
    rows = [{"name": g.name, "bf16_flops": g.bf16_flops, "int8_ops": g.int8_ops,
             "fp8_flops": g.fp8_flops, "memory_bytes": g.memory_bytes,
             "memory_label": g.memory_label, "bandwidth_bytes_per_s": g.bandwidth_bytes_per_s,
             "interconnect": g.interconnect,
             "interconnect_bytes_per_s": g.interconnect_bytes_per_s,
             "usd_per_hour": g.usd_per_hour, "price_source": g.price_source,
             "price_date": g.price_date, "source": g.source, "date": g.date}
            for g in GPUS.values()]
    if args.json:
        print(json.dumps([{k: _jsonable(v) for k, v in r.items()} for r in rows], indent=2))
    else:
        print(f"{'name':<15} {'bf16 TFLOP/s':>12} {'memory':>10} {'GB/s':>7} {'$/hour':>7}")
        for r in rows:
            print(f"{r['name']:<15} {r['bf16_flops'] / 1e12:>12,.0f} "
                  f"{r['memory_bytes'] / 2**30:>6,.0f} GiB {r['bandwidth_bytes_per_s'] / 1e9:>7,.0f}"
                  f" {r['usd_per_hour']:>7.2f}")
    return 0


def main(argv=None) -> int:
    try:
        args = _parser().parse_args(argv)
        if args.command == "estimate" and args.model is None and args.scenario is None:
            raise _BadInput("--model is required (or --scenario)")
        if args.command == "estimate" and args.gpu is None and args.scenario is None:
            raise _BadInput(f"--gpu is required; allowed: {', '.join(GPUS)}")
        return {"estimate": _estimate, "models": _models, "gpus": _gpus}[args.command](args)
    except (_BadInput, ValueError) as err:
        message = " ".join(str(err).split())
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


