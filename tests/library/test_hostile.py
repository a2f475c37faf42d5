"""Hostile input, as a user trying to break the library would give it.

Every case asserts the exact outcome: on the command line the exit status, exactly one line on
stderr and no traceback; through the API the exception type and that its message names the
field or the file. Nothing may hang, read without bound, print a numpy warning, or turn a
bad number into a plausible one (a NaN into $0, "BF16" into another dtype's rate).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import inference_math as im

from bookfiles import CLI_BASE, LLAMA_CONFIG, estimate_from, run_cli_here
from inference_math import APPENDIX_COLUMNS

ROOT = pathlib.Path(__file__).resolve().parents[2]
BASE, LLAMA = CLI_BASE, LLAMA_CONFIG
cli = run_cli_here


def strict_json(text):
    def refuse(token):
        raise AssertionError(f"non-strict JSON token {token}")

    return json.loads(text, parse_constant=refuse)


# ----- the command line: one line on stderr and exit 2 ---------------------------------------

CLI_BAD = [
    (["--batch", "1e308"], "batch must be at most"),
    (["--batch", "inf"], "batch must be finite"),
    (["--batch", "nan"], "batch must be finite"),
    (["--batch", "-1"], "batch must be positive"),
    (["--batch", "0"], "batch must be positive"),
    (["--batch", "2.5"], "batch must be a whole number"),
    (["--batch", "eight"], "argument --batch: invalid float value: 'eight'"),
    (["--batch", ""], "argument --batch: invalid float value"),
    (["--prompt", "1e300"], "prompt must be at most"),
    (["--prompt", "-1"], "prompt must be at least 0"),
    (["--completion", "1e300"], "completion must be at most"),
    (["--completion=-inf"], "completion must be finite"),
    (["--prompt", "0", "--completion", "0"], "both 0"),
    (["--mfu", "1e-320"], "mfu must be at least"),
    (["--mfu", "0"], "mfu must be in (0, 1]"),
    (["--mfu", "1.0000001"], "mfu must be in (0, 1]"),
    (["--mbu", "1e-320"], "mbu must be at least"),
    (["--mbu", "nan"], "mbu must be finite"),
    (["--gpus", "1e300"], "gpus must be at most"),
    (["--gpus", "0"], "gpus must be positive"),
    (["--gpus", "0.5"], "gpus must be a whole number"),
    (["--usd-per-gpu-hour", "-0.01"], "usd_per_gpu_hour must not be negative"),
    (["--usd-per-gpu-hour", "1.7e308"], "not a finite number"),
    (["--dtype", "bf61"], "did you mean 'bf16'"),
    (["--dtype", ""], "unknown dtype ''"),
    (["--dtype", "int2"], "unknown dtype 'int2'"),
    (["--kv-dtype", "INT4"], "kv_dtype 'INT4' is not supported"),
    (["--kv-dtype", " int4 "], "kv_dtype ' int4 ' is not supported"),
    (["--kv-dtype", "fp9"], "unknown kv_dtype 'fp9'"),
    (["--dtype", "FP8"], "a100-80gb-sxm has no published dense fp8 tensor rate"),
    (["--gpu", "tpu-v5"], "unknown GPU 'tpu-v5'"),
    (["--scenario", "article-2024"], "did you mean 'article-2023'"),
    (["--json", "--json", "--frobnicate"], "unrecognized arguments: --frobnicate"),
]


@pytest.mark.parametrize("extra,message", CLI_BAD, ids=[" ".join(a) for a, _ in CLI_BAD])
def test_cli_refuses_with_one_line(extra, message, capsys):
    status, out, err = cli(BASE + extra, capsys)
    assert status == 2 and out == ""
    assert len(err) == 1 and message in err[0], err
    assert err[0].startswith("inference-math: error: ")


def test_cli_without_a_model(capsys):
    status, _, err = cli(["estimate", "--gpu", "l4"], capsys)
    assert status == 2 and err == ["inference-math: error: --model is required (or --scenario)"]


@pytest.mark.parametrize(
    "spelling,canonical",
    [
        ("BF16", "bf16"),
        (" bf16", "bf16"),
        ("Bf16 ", "bf16"),
        ("FP32", "fp32"),
        ("INT4", "int4"),
        ("Int8", "int8"),
        ("FP16", "fp16"),
    ],
)
def test_cli_dtype_spellings_mean_the_canonical_dtype(spelling, canonical, capsys):
    _, out_a, _ = cli(BASE + ["--gpus", "8", "--dtype", spelling, "--json"], capsys)
    _, out_b, _ = cli(BASE + ["--gpus", "8", "--dtype", canonical, "--json"], capsys)
    a, b = strict_json(out_a), strict_json(out_b)
    assert a == b and a["dtype"] == canonical
    # fp32 weights keep an fp32 cache; every other weight dtype keeps a bf16 one
    assert a["kv_dtype"] == (
        "fp32" if canonical == "fp32" else "fp16" if canonical == "fp16" else "bf16"
    )


def test_cli_kv_dtype_spelling(capsys):
    _, out, _ = cli(BASE + ["--kv-dtype", " FP8 ", "--json"], capsys)
    r = strict_json(out)
    assert r["kv_dtype"] == "fp8" and r["kv_bytes_per_token"] == 163_840


def test_cli_json_is_strict_where_values_are_undefined(capsys):
    status, out, err = cli(BASE + ["--prompt", "0", "--completion", "64", "--json"], capsys)
    r = strict_json(out)
    assert status == 0 and err == [] and r["usd_per_1k_prompt"] is None
    status, out, _ = cli(BASE + ["--completion", "0", "--json"], capsys)
    r = strict_json(out)
    assert r["usd_per_1k_completion"] is None and r["decode_step_s"] is None
    assert r["completion_s"] == 0


def test_cli_largest_allowed_numbers_stay_finite(capsys):
    largest = ["--gpus", "8", "--batch", str(im.core.checks.MAX_BATCH), "--json"]
    status, out, err = cli(BASE + largest, capsys)
    r = strict_json(out)
    assert status == 1 and len(err) == 1 and "does not fit" in err[0]
    assert all(v is None or not isinstance(v, float) or math.isfinite(v) for v in r.values())


# ----- config files on the command line ------------------------------------------------------


def write_config(tmp_path, config, name="config.json"):
    path = tmp_path / name
    path.write_text(json.dumps(config) if not isinstance(config, str) else config)
    return path


CONFIG_BAD = [
    ({**LLAMA, "hidden_size": 10**200}, "hidden_size must be at most 2,147,483,647"),
    ({**LLAMA, "hidden_size": -4096}, "hidden_size must be a positive integer"),
    ({**LLAMA, "hidden_size": 4096.0}, "hidden_size must be a positive integer, got 4096.0"),
    ({**LLAMA, "hidden_size": True}, "hidden_size must be a positive integer, got True"),
    ({**LLAMA, "num_hidden_layers": "32"}, "num_hidden_layers must be a positive integer"),
    ({**LLAMA, "num_key_value_heads": 0}, "num_key_value_heads must be a positive integer"),
    ({**LLAMA, "num_key_value_heads": 7}, "must be a multiple of num_key_value_heads (7)"),
    ({**LLAMA, "head_dim": 0}, "head_dim must be a positive integer"),
    ({**LLAMA, "hidden_size": 4097}, "not a multiple of num_attention_heads"),
    ({**LLAMA, "tie_word_embeddings": "false"}, "tie_word_embeddings must be true or false"),
    ({**LLAMA, "attention_bias": 1}, "attention_bias must be true or false"),
    (
        {**LLAMA, "model_type": "mixtral", "num_local_experts": 8, "num_experts_per_tok": 9},
        "num_experts_per_tok (9) exceeds",
    ),
    ({k: v for k, v in LLAMA.items() if k != "vocab_size"}, "missing key(s) vocab_size"),
    ({**LLAMA, "_name_or_path": 42}, "_name_or_path must be a string"),
    ([1, 2, 3], "expected a JSON object, got list"),
    ("null", "expected a JSON object, got NoneType"),
    ('"config"', "expected a JSON object, got str"),
    ("{", "is not valid JSON"),
    ("", "is not valid JSON"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
]


@pytest.mark.parametrize(
    "config,message",
    CONFIG_BAD,
    ids=[m.split(" ")[0] + str(i) for i, (_, m) in enumerate(CONFIG_BAD)],
)
def test_cli_refuses_bad_config(config, message, tmp_path, capsys):
    path = write_config(tmp_path, config)
    status, out, err = cli(["estimate", "--model", path, "--gpu", "h100-sxm"], capsys)
    assert status == 2 and out == "" and len(err) == 1, err
    assert message in err[0] and "config.json" in err[0], err


def real(folder, drop=(), **changes):
    """A real config from tests/data/configs without the keys in ``drop``, others changed."""
    cfg = json.loads((ROOT / "tests" / "data" / "configs" / folder / "config.json").read_text())
    return {**{k: v for k, v in cfg.items() if k not in drop}, **changes}


_SUPPORTED = "supported: llama, mistral, mixtral, qwen2, qwen3, qwen2_moe, qwen3_moe, gemma"
MAMBA = {**LLAMA, "model_type": "mamba", "state_size": 16, "expand": 2, "conv_kernel": 4}
# Configs of 2024-2026 architectures that no supported reading fits: each is refused, naming
# the file and the field, never read as some other model.
ARCH_BAD = [
    (MAMBA, "model_type 'mamba' is not supported; " + _SUPPORTED),
    ({**LLAMA, "model_type": "LlamaForCausalLM"}, "model_type 'LlamaForCausalLM' is not supp"),
    ({**LLAMA, "model_type": 42}, "model_type 42 is not supported"),
    ({k: v for k, v in LLAMA.items() if k != "model_type"}, "missing key(s) model_type; "),
    (
        real("qwen3-30b-a3b", drop=["num_experts_per_tok"]),
        "num_experts (128) names experts but num_experts_per_tok, how many each token is routed "
        "to, is missing; a mixture of experts is never read as dense",
    ),
    (real("deepseek-v3", drop=["num_experts_per_tok"]), "n_routed_experts (256) names experts but"),
    (real("mixtral-8x7b", drop=["num_experts_per_tok"]), "num_local_experts (8) names experts but"),
    (real("mixtral-8x7b", drop=["num_local_experts"]), "missing key(s) num_local_experts"),
    (
        real("mixtral-8x7b", drop=["num_local_experts"], num_experts=8),
        "num_experts names experts, but model_type 'mixtral' reads num_local_experts",
    ),
    (
        {**LLAMA, "num_local_experts": 8, "num_experts_per_tok": 2},
        "num_local_experts names experts, but model_type 'llama' is dense",
    ),
    (real("qwen2.5-7b", n_routed_experts=64), "n_routed_experts names experts, but model_type"),
    (real("mixtral-8x7b", num_local_experts=1), "num_local_experts must be an integer of at leas"),
    (
        real("qwen3-30b-a3b", num_local_experts=64),
        "num_local_experts and num_experts disagree (64 and 128)",
    ),
    (real("qwen3-30b-a3b", drop=["moe_intermediate_size"]), "missing key(s) moe_intermediate_size"),
    (
        real("qwen1.5-moe-a2.7b", drop=["shared_expert_intermediate_size"]),
        "missing key(s) shared_expert_intermediate_size",
    ),
    (
        real("qwen3-30b-a3b", mlp_only_layers=[48]),
        "mlp_only_layers must be a list of layer indices from 0 to 47",
    ),
    (real("qwen3-30b-a3b", mlp_only_layers="all"), "mlp_only_layers must be a list of layer"),
    (
        real("qwen3-30b-a3b", decoder_sparse_step=49),
        "decoder_sparse_step and mlp_only_layers leave no mixture-of-experts layer of 48",
    ),
    (real("qwen3-30b-a3b", decoder_sparse_step=0), "decoder_sparse_step must be a positive inte"),
    (
        real("deepseek-v3", first_k_dense_replace=61),
        "first_k_dense_replace and moe_layer_freq leave no mixture-of-experts layer of 61",
    ),
    (real("deepseek-v3", first_k_dense_replace=-1), "first_k_dense_replace must be a non-negati"),
    (real("deepseek-v3", n_shared_experts=-1), "n_shared_experts must be a non-negative integer"),
    (
        real("deepseek-v3", drop=["q_lora_rank"]),
        "missing key q_lora_rank; give the query latent's "
        "width, or null for a plain query projection",
    ),
    (real("deepseek-v3", q_lora_rank=0), "q_lora_rank must be a positive integer, got 0"),
    (real("deepseek-v3", drop=["kv_lora_rank"]), "missing key(s) kv_lora_rank"),
    (real("deepseek-v3", qk_rope_head_dim=64.0), "qk_rope_head_dim must be a positive integer"),
    (
        real("deepseek-v3", attention_bias=True),
        "attention_bias is not supported with multi-head latent attention",
    ),
    (real("deepseek-v3", num_nextn_predict_layers=-1), "num_nextn_predict_layers must be a non-"),
    ({**LLAMA, "kv_lora_rank": 512}, "kv_lora_rank belongs to multi-head latent attention"),
    (
        real("mistral-7b-v0.1", sliding_window=-1),
        "sliding_window must be a positive integer or null (no window), got -1",
    ),
    (real("mistral-7b-v0.1", sliding_window="4096"), "sliding_window must be a positive integer"),
    (real("mistral-7b-v0.1", sliding_window=True), "sliding_window must be a positive integer"),
    (real("mistral-7b-v0.1", sliding_window=0), "sliding_window must be a positive integer or n"),
    (real("gemma-2-9b", sliding_window=None), "sliding_window must be a positive integer: gemma2"),
    (real("qwen2.5-7b", use_sliding_window="false"), "use_sliding_window must be true or false"),
    (
        real("qwen2.5-7b", use_sliding_window=True, max_window_layers=-1),
        "max_window_layers must be a non-negative integer, got -1",
    ),
    (
        real("qwen2.5-7b", use_sliding_window=True, sliding_window=2.5),
        "sliding_window must be a positive integer or null",
    ),
    (
        real("qwen1.5-moe-a2.7b", use_sliding_window=True),
        "use_sliding_window true is not supported for qwen2_moe",
    ),
    (
        real("gemma-2-9b", layer_types=["sliding_attention"] * 41),
        "layer_types must list 42 entries, each 'full_attention' or 'sliding_attention'",
    ),
    (real("gemma-2-9b", layer_types=["local"] * 42), "layer_types must list 42 entries"),
    (
        real("mistral-7b-v0.1", layer_types=["sliding_attention", "full_attention"] * 16),
        "layer_types disagrees with how mistral slides its window",
    ),
    (
        real("llama-3.1-8b", layer_types=["sliding_attention"] * 32),
        "layer_types disagrees with how llama slides its window",
    ),
    (real("gemma-2-9b", tie_word_embeddings="true"), "tie_word_embeddings must be true or false"),
    (real("qwen1.5-moe-a2.7b", qkv_bias=1), "qkv_bias must be true or false"),
    (real("gemma-2-9b", head_dim=0), "head_dim must be a positive integer"),
]


@pytest.mark.parametrize(
    "config,message", ARCH_BAD, ids=[m.split(" ")[0] + str(i) for i, (_, m) in enumerate(ARCH_BAD)]
)
def test_cli_refuses_configs_of_architectures_it_cannot_read(config, message, tmp_path, capsys):
    path = write_config(tmp_path, config)
    status, out, err = cli(["estimate", "--model", path, "--gpu", "h100-sxm"], capsys)
    assert status == 2 and out == "" and len(err) == 1, err
    assert message in err[0] and f"{path}:" in err[0], err
    with pytest.raises(ValueError) as api:  # the same one line through the API
        im.from_hf_config(path)
    assert message in str(api.value) and "\n" not in repr(str(api.value))


def test_every_supported_type_has_a_real_config():
    types = set()
    for path in (ROOT / "tests" / "data" / "configs").glob("*/config.json"):
        cfg = json.loads(path.read_text())
        types.add(cfg.get("text_config", cfg)["model_type"])  # Gemma 3's and Llama 4's inside
    assert set(im.SUPPORTED) <= types
    assert types - set(im.SUPPORTED) == set(im.HYBRIDS) & types  # refused, each tested


def test_config_error_api_names_file(tmp_path):
    path = write_config(tmp_path, {**LLAMA, "num_key_value_heads": -1})
    with pytest.raises(ValueError, match=rf"{tmp_path}.*num_key_value_heads must be a positive"):
        im.from_hf_config(path)


def special_paths(tmp_path):
    """Paths that are not a readable regular file, each named *.json."""
    (tmp_path / "dir.json").mkdir()
    loop = tmp_path / "loop.json"
    loop.symlink_to(tmp_path / "loop.json")
    plain = write_config(tmp_path, LLAMA, "plain.json")
    through = str(plain) + "/../config.json"
    (tmp_path / "zero.json").symlink_to("/dev/zero")
    big = tmp_path / "big.json"
    big.write_text('{"pad": "' + "x" * 2_000_000 + '"}')
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"_name_or_path": "caf\xe9"}')
    if os.geteuid() == 0:  # root reads any file whatever its mode: use one no one can read
        (tmp_path / "locked.json").symlink_to("/proc/self/mem")
    else:
        (tmp_path / "locked.json").write_text("{}")
        (tmp_path / "locked.json").chmod(0)
    return {
        "directory": (tmp_path / "dir.json", "is a directory"),
        "symlink loop": (loop, "cannot read config.json"),
        "path through a file": (through, "cannot read config.json"),
        "device": (tmp_path / "zero.json", "is not a regular file"),
        "oversized": (big, "at most 1,000,000 are read"),
        "not UTF-8": (latin, "is not UTF-8 text"),
        "unreadable": (tmp_path / "locked.json", "cannot read config.json"),
        "missing": (tmp_path / "absent.json", "no config.json at"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "directory",
        "symlink loop",
        "path through a file",
        "device",
        "oversized",
        "not UTF-8",
        "unreadable",
        "missing",
    ],
)
def test_cli_refuses_paths_that_are_not_config_files(case, tmp_path, capsys):
    path, message = special_paths(tmp_path)[case]
    status, out, err = cli(["estimate", "--model", path, "--gpu", "h100-sxm"], capsys)
    assert status == 2 and out == "" and len(err) == 1, err
    assert message in err[0] and pathlib.Path(path).name in err[0], err


def run_cli(args, timeout=30, **kw):
    return subprocess.run(
        [sys.executable, "-m", "inference_math", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        **kw,
    )


def test_a_fifo_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    p = run_cli(["estimate", "--model", fifo, "--gpu", "l4"], timeout=20)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.splitlines() == [
        f"inference-math: error: config.json {fifo} is not a regular file"
    ]


def test_escape_sequences_in_a_config_name_never_reach_the_terminal(tmp_path):
    path = write_config(tmp_path, {**LLAMA, "_name_or_path": "evil\x1b[2J\x1b]0;pwned\x07\nx"})
    p = run_cli(["estimate", "--model", path, "--gpu", "h100-sxm"])
    assert p.returncode == 0 and "Traceback" not in p.stderr
    assert "\x1b" not in p.stdout and "\x07" not in p.stdout
    assert "evil\\x1b[2J" in p.stdout
    p = run_cli(["estimate", "--model", path, "--gpu", "h100-sxm", "--json"])
    assert strict_json(p.stdout)["model"].startswith("evil\\x1b")


def test_control_characters_in_an_argument_are_escaped_in_the_error(capsys):
    status, _, err = cli(BASE + ["--gpu", "h100\x1b[31m\nred"], capsys)
    assert status == 2 and len(err) == 1 and "\x1b" not in err[0]


@pytest.mark.parametrize(
    "extra,status", [(["--gpus", "1"], 3), (["--gpus", "2"], 3), (["--gpu", "bogus"], 2)]
)
def test_exit_status_survives_a_closed_pipe(extra, status):
    """A reader gone before anything is written: the output is lost, which status 3 says
    (it takes precedence over fits and does not fit); bad input prints nothing to lose."""
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written: every write fails
    try:
        p = subprocess.run(
            [sys.executable, "-m", "inference_math", *BASE, *extra],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=30,
        )
    finally:
        os.close(write)
    assert p.returncode == status
    assert "Traceback" not in p.stderr and "Exception ignored" not in p.stderr
    assert len(p.stderr.splitlines()) == 1
    assert ("broken pipe" if status == 3 else "unknown GPU") in p.stderr


def test_no_numpy_warning_reaches_the_user():
    p = run_cli(BASE + ["--usd-per-gpu-hour", "1.7e308"])
    assert p.returncode == 2 and len(p.stderr.splitlines()) == 1
    assert "RuntimeWarning" not in p.stderr and "Traceback" not in p.stderr


# ----- the API --------------------------------------------------------------------------------

GOOD = dict(model="llama-2-70b", gpu="a100-80gb-sxm", gpus=2, batch=1, prompt=512, completion=512)

API_BAD = [
    (dict(batch=np.bool_(True)), "batch must be a number"),
    (dict(batch=True), "batch must be a number"),
    (dict(batch=np.array([True, False])), "batch must be a number or an array of numbers"),
    (dict(batch=np.array(["8", "16"])), "batch must be a number or an array of numbers"),
    (dict(batch=["8"]), "batch must be a number or an array of numbers"),
    (dict(batch=np.array([8], dtype=object)), None),  # an object array of numbers is fine
    (dict(batch=np.array(["8"], dtype=object)), "batch must be a number or an array"),
    (dict(batch=1 + 2j), "batch must be a number or an array of numbers"),
    (dict(batch=10**400), "batch must be finite"),
    (dict(prompt=b"512"), "prompt must be a number"),
    (dict(prompt={"n": 512}), "prompt must be a number or an array of numbers"),
    (dict(gpus=np.float64("nan")), "gpus must be finite"),
    (dict(mfu=np.array([0.5, 1e-300])), "mfu must be at least"),
    (dict(mfu="0.5"), "mfu must be a number"),
    (dict(attention="False"), "attention must be True or False, got 'False'"),
    (dict(attention=0), "attention must be True or False, got 0"),
    (dict(attention=None), None),  # None means the default
    (dict(dtype=16), "dtype must be a catalog name"),
    (dict(dtype=None), None),
    (dict(kv_dtype="Int4"), "kv_dtype 'Int4' is not supported"),
    (dict(model=0), "model must be a catalog name"),
    (dict(usd_per_gpu_hour=1.7e308), "not a finite number"),
    (dict(usable_memory=5e-324), "usable_memory must be at least"),
    (dict(params=np.inf), "params must be finite"),
]


@pytest.mark.parametrize("override,message", API_BAD, ids=[str(i) for i in range(len(API_BAD))])
def test_api_refuses_or_accepts_exactly(override, message):
    kwargs = {**GOOD, **override}
    if message is None:
        r = estimate_from(**kwargs)
        assert np.all(np.isfinite(r["ttft_s"]))
        return
    with pytest.raises(ValueError) as err:
        estimate_from(**kwargs)
    assert message in str(err.value)


@pytest.mark.parametrize("spelling", ["BF16", " bf16", "bf16\t", "Bf16"])
def test_api_dtype_spellings_are_canonical_everywhere(spelling):
    dep = im.deployment("llama-2-70b", "a100-80gb-sxm", 2, dtype=spelling)
    assert dep.dtype == "bf16" and dep.kv_dtype == "bf16"
    assert im.matmul_rate("a100-80gb-sxm", spelling) == 312e12
    a = estimate_from(dtype=spelling, **{k: v for k, v in GOOD.items()})
    b = estimate_from(dtype="bf16", **GOOD)
    assert all(np.array_equal(a[k], b[k], equal_nan=a[k].dtype.kind == "f") for k in a)


@pytest.mark.parametrize(
    "dtype,rate", [("FP32", 156e12), ("INT4", 312e12), ("INT8", 624e12), ("fp16", 312e12)]
)
def test_matmul_rate_has_no_fallthrough(dtype, rate):
    assert im.matmul_rate("a100-80gb-sxm", dtype) == rate


def test_fp32_weights_keep_an_fp32_cache_whatever_the_spelling():
    assert im.deployment("llama-2-7b", "h100-sxm", dtype=" FP32 ").kv_dtype == "fp32"


def test_a_nan_step_is_never_a_free_completion():
    r = estimate_from(**{**GOOD, "completion": np.array([0, 64])})
    assert np.isnan(r["usd_per_1k_completion"][0]) and r["usd_per_1k_completion"][1] > 0
    assert r["completion_s"][0] == 0 and np.isnan(r["decode_step_s"][0])


@pytest.mark.parametrize("bad", [0, 3.5, None, b"config.json", ["config.json"]])
def test_from_hf_config_takes_only_a_path_or_a_dict(bad):
    with pytest.raises(ValueError, match="config.json must be a path"):
        im.from_hf_config(bad)


MODEL = dict(
    name="m",
    n_layers=2,
    d_model=64,
    n_heads=4,
    n_kv_heads=2,
    head_dim=16,
    d_ff=128,
    vocab_size=100,
    max_context=64,
)
MODEL_BAD = [
    (dict(n_layers=-1), "n_layers must be a positive integer, got -1"),
    (dict(d_model=0), "d_model must be a positive integer, got 0"),
    (dict(n_kv_heads=0), "n_kv_heads must be a positive integer, got 0"),
    (dict(n_kv_heads=3), "n_heads (4) must be a multiple of n_kv_heads (3)"),
    (dict(head_dim=16.0), "head_dim must be a positive integer, got 16.0"),
    (dict(d_ff=True), "d_ff must be a positive integer, got True"),
    (dict(vocab_size=2**40), "vocab_size must be at most 2,147,483,647"),
    (dict(max_context="4096"), "max_context must be a positive integer, got '4096'"),
    (dict(n_experts=2, experts_per_token=3), "experts_per_token (3) exceeds n_experts (2)"),
    (dict(experts_per_token=0), "experts_per_token must be a positive integer"),
    (dict(norm="batchnorm"), "norm must be one of rmsnorm, layernorm"),
    (dict(gated_ffn="yes"), "gated_ffn must be True or False"),
    (dict(tied_embeddings=1), "tied_embeddings must be True or False"),
    (dict(name=""), "name must be a non-empty string"),
    (dict(name=None), "name must be a non-empty string"),
    (dict(published_params=-5), "published_params must be a positive integer or None"),
    (dict(sliding_window=0, sliding_layers="all"), "sliding_window must be a positive integer"),
    (dict(sliding_window=4096), "sliding_window (4096) and sliding_layers ('none') disagree"),
    (dict(sliding_layers="all"), "sliding_window (None) and sliding_layers ('all') disagree"),
    (dict(sliding_window=8, sliding_layers="some"), "sliding_layers must be 'none', 'all' or a"),
    (dict(sliding_window=8, sliding_layers=(True,)), "a tuple of 2 True/False (one per layer)"),
    (dict(sliding_window=8, sliding_layers=[True, False]), "sliding_layers must be 'none', 'all'"),
    (dict(sliding_window=8, sliding_layers=(1, 0)), "sliding_layers must be 'none', 'all' or a"),
    (dict(sliding_window=8, sliding_layers=(False, False)), "sliding_layers has no sliding lay"),
    (dict(attention_bias=True, qkv_bias=True), "qkv_bias (q, k and v only) contradicts"),
    (dict(qkv_bias="yes"), "qkv_bias must be True or False"),
    (dict(norms_per_layer=0), "norms_per_layer must be a positive integer, got 0"),
    (dict(mtp_layers=-1), "mtp_layers must be a non-negative integer, got -1"),
    (dict(expert_d_ff=64), "expert_d_ff describes a mixture of experts, but n_experts is 1"),
    (dict(n_shared_experts=1), "n_shared_experts describes a mixture of experts, but n_exper"),
    (dict(dense_layers=(0,)), "dense_layers describes a mixture of experts, but n_experts is 1"),
    (dict(n_experts=2, dense_layers=(0, 1)), "dense_layers covers all 2 layers"),
    (dict(n_experts=2, dense_layers=(2,)), "dense_layers must be a tuple of distinct layer indi"),
    (dict(n_experts=2, dense_layers=[0]), "dense_layers must be a tuple of distinct layer indi"),
    (dict(n_experts=2, dense_layers=(1, 0)), "dense_layers must be a tuple of distinct layer i"),
    (dict(n_experts=2, shared_expert_gate=True), "shared_expert_gate needs n_shared_experts"),
    (dict(n_experts=2, n_shared_experts=-1), "n_shared_experts must be a non-negative integer"),
    (dict(q_lora_rank=8), "q_lora_rank belongs to multi-head latent attention: give kv_lora_r"),
    (dict(kv_lora_rank=8), "kv_lora_rank) needs qk_nope_head_dim, qk_rope_head_dim, v_head_di"),
    (
        dict(kv_lora_rank=8, qk_nope_head_dim=8, qk_rope_head_dim=4, v_head_dim=8),
        "head_dim (16) must be qk_nope_head_dim + qk_rope_head_dim (12)",
    ),
    (
        dict(kv_lora_rank=8, qk_nope_head_dim=12, qk_rope_head_dim=4, v_head_dim=8, qk_norm=True),
        "qk_norm is not supported with multi-head latent attention",
    ),
]


@pytest.mark.parametrize(
    "override,message",
    MODEL_BAD,
    ids=[m.split(" ")[0] + str(i) for i, (_, m) in enumerate(MODEL_BAD)],
)
def test_model_is_validated_on_construction(override, message):
    with pytest.raises(ValueError) as err:
        im.Model(**{**MODEL, **override})
    assert message in str(err.value)


def test_replace_is_validated_too():
    with pytest.raises(ValueError, match="n_kv_heads must be a positive integer"):
        dataclasses.replace(im.get_model("llama-2-70b"), n_kv_heads=0)


# ----- data loaders ---------------------------------------------------------------------------

APPENDIX = (ROOT / "data" / "article-appendix.csv").read_text(encoding="utf-8")
APPENDIX_LINES = APPENDIX.splitlines()
HEADER_AT = next(i for i, line in enumerate(APPENDIX_LINES) if not line.startswith("#"))


def appendix_with(lines):
    return "\n".join(lines) + "\n"


def replace_field(row_index, column, value):
    lines = list(APPENDIX_LINES)
    at = HEADER_AT + 1 + row_index
    fields = lines[at].split(",")
    fields[list(APPENDIX_COLUMNS).index(column)] = value
    lines[at] = ",".join(fields)
    return appendix_with(lines), at + 1


def appendix_cases():
    body = APPENDIX_LINES[HEADER_AT + 1 :]
    head = APPENDIX_LINES[: HEADER_AT + 1]
    cases = {
        "truncated": (appendix_with(head + body[:10]), "10 runs; the article's appendix has 28"),
        "extended": (
            appendix_with(head + body + [body[0].replace("0.084", "0.085", 1)]),
            "29 runs",
        ),
        "duplicated": (appendix_with(head + body[:27] + [body[0]]), "repeats line"),
        "comments only": (appendix_with(APPENDIX_LINES[:HEADER_AT]), "only comments"),
        "empty": ("", "only comments"),
        "header only": (appendix_with(head), "0 runs"),
        "short row": (
            appendix_with(head + body[:27] + [",".join(body[27].split(",")[:-1])]),
            "11 fields, expected 12",
        ),
        "long row": (appendix_with(head + body[:27] + [body[27] + ",1"]), "13 fields, expected 12"),
        "missing column": (
            appendix_with([line.replace("ttft_s,", "ttfx_s,") for line in head] + body),
            "missing column(s) ttft_s",
        ),
    }
    for name, (row, column, value, message) in {
        "negative time": (3, "ttft_s", "-0.2", "must be above 0"),
        "zero time": (3, "completion_s", "0", "must be above 0"),
        "inf in integer": (5, "batch", "inf", "is not a finite number"),
        "nan": (7, "ttft_s", "nan", "is not a finite number"),
        "not a number": (7, "usd_per_1k_prompt", "$0.0005", "is not a number"),
        "fraction of a token": (2, "prompt_tokens", "127.5", "is not a whole number"),
        "negative batch": (2, "batch", "-1", "must be above 0"),
        "empty field": (4, "completion_tokens", "", "'' is not a number"),
    }.items():
        text, line = replace_field(row, column, value)
        cases[name] = (text, f"line {line}, column {column}: ")
        cases[name + " (message)"] = (text, message)
    return cases


APPENDIX_CASES = appendix_cases()


@pytest.mark.parametrize("case", sorted(APPENDIX_CASES))
def test_load_appendix_refuses(case, tmp_path):
    text, message = APPENDIX_CASES[case]
    path = tmp_path / "appendix.csv"
    path.write_text(text)
    with pytest.raises(ValueError) as err:
        im.load_appendix(path)
    assert message in str(err.value) and str(path) in str(err.value)


def test_load_appendix_refuses_bytes_that_are_not_utf8(tmp_path):
    path = tmp_path / "appendix.csv"
    path.write_bytes(APPENDIX.encode("utf-8").replace(b"Aman", b"\xff\xfe"))
    with pytest.raises(ValueError, match=rf"{path} is not UTF-8 text"):
        im.load_appendix(path)


def test_load_appendix_refuses_a_directory(tmp_path):
    with pytest.raises(ValueError, match="is a directory"):
        im.load_appendix(tmp_path)


def test_the_committed_appendix_still_loads():
    runs = im.load_appendix()
    assert len(runs["batch"]) == 28 and runs["batch"].dtype.kind == "i"


RUN_TEXT = (ROOT / "data" / "gpu-roofline-h100.csv").read_text(encoding="utf-8")
RUN_LINES = RUN_TEXT.splitlines()
RUN_BODY_AT = next(i for i, line in enumerate(RUN_LINES) if line.startswith("measurement,")) + 1


def run_with(index, mutate):
    lines = list(RUN_LINES)
    lines[RUN_BODY_AT + index] = mutate(lines[RUN_BODY_AT + index])
    return "\n".join(lines) + "\n", RUN_BODY_AT + index + 1


def set_field(column):
    j = im.GPU_RUN_COLUMNS.index(column)
    return lambda value: (
        lambda line: ",".join(value if k == j else f for k, f in enumerate(line.split(",")))
    )


GPU_RUN_CASES = {
    "nan median": (3, set_field("median_s")("nan"), "is not a finite number"),
    "negative median": (4, set_field("median_s")("-1e-3"), "must be above 0"),
    "zero min": (4, set_field("min_s")("0"), "must be above 0"),
    "inf work": (0, set_field("work")("inf"), "is not a finite number"),
    "negative work": (1, set_field("work")("-5"), "must be above 0"),
    "missing work of a ceiling": (2, set_field("work")(""), "needs its work"),
    "negative batch": (5, set_field("batch")("-1"), "is below 0"),
    "fractional tokens": (5, set_field("tokens")("16.5"), "is not a whole number"),
    "zero repeats": (6, set_field("repeats")("0"), "is below 1"),
    "short row": (7, lambda line: ",".join(line.split(",")[:-2]), "6 fields, expected 8"),
    "duplicate": (8, lambda line: RUN_LINES[RUN_BODY_AT + 7], "repeats line"),
    "unknown kind": (9, lambda line: line.replace("prefill", "prefetch", 1), "'prefetch'"),
}


@pytest.mark.parametrize("case", sorted(GPU_RUN_CASES))
def test_load_gpu_run_refuses(case, tmp_path):
    index, mutate, message = GPU_RUN_CASES[case]
    text, line = run_with(index, mutate)
    path = tmp_path / "run.csv"
    path.write_text(text)
    with pytest.raises(ValueError) as err:
        im.load_gpu_run(path)
    assert message in str(err.value) and f"{path}, line {line}" in str(err.value), err.value


PROFILE_HEAD = "variant,batch,context,category,gpu_s,kernels\n"
PROFILE_CASES = {
    "nan seconds": ("plain,8,16,products,nan,3\n", "line 2, column gpu_s: 'nan' is not a finite"),
    "negative seconds": ("plain,8,16,products,-1,3\n", "line 2, column gpu_s: '-1' must be above"),
    "fractional kernels": ("plain,8,16,products,1,2.5\n", "column kernels: '2.5' is not a whole"),
    "negative kernels": ("plain,8,16,products,1,-2\n", "column kernels: '-2' is below 0"),
    "short row": ("plain,8,16,products,1\n", "line 2: 5 fields, expected 6"),
    "duplicate": ("plain,8,16,other,1,3\nplain,8,16,other,1,3\n", "line 3: repeats line 2"),
    "zero batch": ("plain,0,16,other,1,3\n", "column batch: '0' is below 1"),
    "no rows": ("", "no rows"),
    "comments only": (None, "only comments"),
}


@pytest.mark.parametrize("case", sorted(PROFILE_CASES))
def test_load_gpu_profile_refuses(case, tmp_path):
    body, message = PROFILE_CASES[case]
    path = tmp_path / "profile.csv"
    path.write_text("# a comment\n" if body is None else PROFILE_HEAD + body)
    with pytest.raises(ValueError) as err:
        im.load_gpu_profile(path)
    assert message in str(err.value) and str(path) in str(err.value), err.value
