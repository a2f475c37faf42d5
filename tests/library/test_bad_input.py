"""Bad input gets one clear ValueError naming the value and what is allowed; on the command
line, one line on stderr and exit status 2, never a traceback."""

import json
import subprocess
import sys

import numpy as np
import pytest

import inference_math as im

from bookfiles import estimate_from

GOOD = dict(model="llama-2-70b", gpu="a100-80gb-sxm", gpus=2, batch=1, prompt=512, completion=512)

# (keyword overrides, text the message must contain)
API_CASES = [
    (dict(batch=0), "batch must be positive, got 0"),
    (dict(batch=-3), "batch must be positive, got -3"),
    (dict(batch=1.5), "batch must be a whole number, got 1.5"),
    (dict(batch=float("nan")), "batch must be finite"),
    (dict(batch=float("inf")), "batch must be finite"),
    (dict(batch="8"), "batch must be a number"),
    (dict(batch=np.array([1, 0, 4])), "batch must be positive, got 0"),
    (dict(gpus=0), "gpus must be positive"),
    (dict(gpus=2.5), "gpus must be a whole number"),
    (dict(gpus=float("nan")), "gpus must be finite"),
    (dict(prompt=-1), "prompt must be at least 0, got -1"),
    (dict(prompt=10.5), "prompt must be a whole number"),
    (dict(prompt=float("inf")), "prompt must be finite"),
    (dict(completion=-5), "completion must be at least 0, got -5"),
    (dict(completion=[512, "x"]), "completion must be a number"),
    (dict(prompt=0, completion=0), "both 0"),
    (dict(mfu=0), "mfu must be in (0, 1], got 0"),
    (dict(mfu=1.2), "mfu must be in (0, 1], got 1.2"),
    (dict(mfu=-0.5), "mfu must be in (0, 1]"),
    (dict(mbu=float("nan")), "mbu must be finite"),
    (dict(mbu=2), "mbu must be in (0, 1], got 2"),
    (dict(usd_per_gpu_hour=-1), "usd_per_gpu_hour must not be negative, got -1"),
    (dict(usd_per_gpu_hour=float("nan")), "usd_per_gpu_hour must be finite"),
    (dict(model="llama-2-70c"), "did you mean 'llama-2-70b'"),
    (dict(model="llama2-70b"), "unknown model 'llama2-70b'"),
    (dict(model=42), "model must be a catalog name"),
    (dict(gpu="a100"), "did you mean 'a100-40gb-sxm'"),
    (dict(gpu="h100"), "h100-sxm"),
    (dict(gpu="tpu-v5"), "unknown GPU 'tpu-v5'"),
    (dict(dtype="bf61"), "did you mean 'bf16'"),
    (dict(dtype="int2"), "unknown dtype 'int2'"),
    (dict(kv_dtype="int4"), "kv_dtype 'int4' is not supported"),
    (dict(kv_dtype="fp9"), "unknown kv_dtype 'fp9'"),
    (dict(dtype="fp8"), "a100-80gb-sxm has no published dense fp8 tensor rate"),
    (dict(scenario="article-2024"), "did you mean 'article-2023'"),
    (dict(usable_memory=0), "usable_memory must be in (0, 1]"),
    (dict(params=-70e9), "params must be positive"),
]


@pytest.mark.parametrize("override,message", API_CASES)
def test_api_rejects(override, message):
    kwargs = {**GOOD, **override}
    with pytest.raises(ValueError) as err:
        estimate_from(**kwargs)
    assert message in str(err.value)


def test_missing_model_and_gpu():
    with pytest.raises(ValueError, match="model is required"):
        im.estimate(im.deployment(gpu="a100-80gb-sxm"))
    with pytest.raises(ValueError, match="gpu is required; allowed: .*h100-sxm"):
        im.estimate(im.deployment(model="llama-2-70b"))


CONFIG_CASES = [
    ({"model_type": "llama", "hidden_size": 8192}, "missing key(s) num_hidden_layers"),
    ({"hidden_size": 8192}, "missing key(s) model_type; supported: llama, mistral"),
    (
        {
            **{
                "model_type": "llama",
                "num_hidden_layers": 80,
                "hidden_size": 8192,
                "num_attention_heads": 64,
                "intermediate_size": 28672,
                "vocab_size": 32000,
                "max_position_embeddings": 4096,
            },
            "num_key_value_heads": 7,
        },
        "must be a multiple of num_key_value_heads",
    ),
    (
        {
            "model_type": "llama",
            "num_hidden_layers": "80",
            "hidden_size": 8192,
            "num_attention_heads": 64,
            "intermediate_size": 28672,
            "vocab_size": 32000,
            "max_position_embeddings": 4096,
        },
        "num_hidden_layers must be a positive integer, got '80'",
    ),
    (
        {
            "model_type": "llama",
            "num_hidden_layers": 80,
            "hidden_size": 8190,
            "num_attention_heads": 64,
            "intermediate_size": 28672,
            "vocab_size": 32000,
            "max_position_embeddings": 4096,
        },
        "not a multiple of num_attention_heads",
    ),
    (
        {
            "model_type": "llama",
            "num_hidden_layers": 80,
            "hidden_size": 8192,
            "num_attention_heads": 64,
            "intermediate_size": 28672,
            "vocab_size": 0,
            "max_position_embeddings": 4096,
        },
        "vocab_size must be a positive integer",
    ),
    (
        {
            "model_type": "mixtral",
            "num_hidden_layers": 32,
            "hidden_size": 4096,
            "num_attention_heads": 32,
            "intermediate_size": 14336,
            "vocab_size": 32000,
            "max_position_embeddings": 4096,
            "num_local_experts": 2,
            "num_experts_per_tok": 3,
        },
        "exceeds num_local_experts",
    ),
    (
        {
            "model_type": "llama",
            "num_hidden_layers": 32,
            "hidden_size": 4096,
            "num_attention_heads": 32,
            "intermediate_size": 14336,
            "vocab_size": 32000,
            "max_position_embeddings": 4096,
            "tie_word_embeddings": "no",
        },
        "tie_word_embeddings must be true or false",
    ),
]


@pytest.mark.parametrize("config,message", CONFIG_CASES)
def test_bad_config(config, message):
    with pytest.raises(ValueError) as err:
        im.from_hf_config(config)
    assert message in str(err.value)


def test_bad_config_files(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="is not valid JSON"):
        im.from_hf_config(bad)
    with pytest.raises(ValueError, match="no config.json at"):
        im.from_hf_config(tmp_path / "missing.json")
    arr = tmp_path / "list.json"
    arr.write_text("[1, 2]")
    with pytest.raises(ValueError, match="expected a JSON object"):
        im.from_hf_config(arr)


def test_exercise_check_unknown_label():
    with pytest.raises(ValueError, match="did you mean 'ch01-int4-gb'"):
        im.check("ch01-int4", 1.0)


# ---- the command line -------------------------------------------------------------------

BASE = ["estimate", "--model", "llama-2-70b", "--gpu", "a100-80gb-sxm", "--gpus", "2"]

CLI_CASES = [
    (BASE + ["--batch", "0"], "batch must be positive"),
    (BASE + ["--batch", "-1"], "batch must be positive"),
    (BASE + ["--batch", "two"], "invalid float value: 'two'"),
    (BASE + ["--batch", "2.5"], "batch must be a whole number"),
    (BASE + ["--batch", "nan"], "batch must be finite"),
    (BASE + ["--prompt", "-3"], "prompt must be at least 0"),
    (BASE + ["--prompt", "inf"], "prompt must be finite"),
    (BASE + ["--completion", "-1"], "completion must be at least 0"),
    (BASE + ["--prompt", "0", "--completion", "0"], "both 0"),
    (BASE + ["--mfu", "0"], "mfu must be in (0, 1]"),
    (BASE + ["--mbu", "1.01"], "mbu must be in (0, 1]"),
    (BASE + ["--usd-per-gpu-hour", "-2"], "usd_per_gpu_hour must not be negative"),
    (BASE + ["--dtype", "int3"], "unknown dtype 'int3'"),
    (BASE + ["--kv-dtype", "int4"], "kv_dtype 'int4' is not supported"),
    (BASE + ["--scenario", "article"], "did you mean 'article-2023'"),
    (["estimate", "--model", "llama-2-70", "--gpu", "a100-80gb-sxm"], "did you mean"),
    (["estimate", "--model", "llama-2-70b", "--gpu", "a100"], "did you mean 'a100-40gb-sxm'"),
    (["estimate", "--gpu", "a100-80gb-sxm"], "--model is required"),
    (["estimate", "--model", "llama-2-70b"], "--gpu is required"),
    (["estimate", "--model", "/nonexistent/config.json", "--gpu", "l4"], "no config.json at"),
    (BASE + ["--gpus", "0"], "gpus must be positive"),
    (BASE + ["--frobnicate"], "unrecognized arguments: --frobnicate"),
    (["fly"], "invalid choice: 'fly'"),
    ([], "the following arguments are required: command"),
    (["models", "--yaml"], "unrecognized arguments: --yaml"),
]


def run_cli(args):
    return subprocess.run(
        [sys.executable, "-m", "inference_math", *args], capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("args,message", CLI_CASES)
def test_cli_rejects(args, message):
    p = run_cli(args)
    assert p.returncode == 2, p.stderr
    assert p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith("inference-math: error: ")
    assert message in lines[0]
    assert "Traceback" not in p.stderr


def test_cli_bad_config_file(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"hidden_size": 4096}))
    p = run_cli(["estimate", "--model", str(path), "--gpu", "l4"])
    assert p.returncode == 2 and "missing key(s)" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


def test_at_least_thirty_bad_inputs_each():
    assert len(API_CASES) + len(CONFIG_CASES) >= 30
    assert len(CLI_CASES) >= 20 and len(API_CASES) + len(CLI_CASES) >= 60
