import json
import math
import subprocess
import sys

import pytest

import inference_math as im
from bookfiles import LLAMA_CONFIG

ISSUE_COMMAND = [
    "estimate",
    "--model",
    "llama-2-70b",
    "--gpu",
    "a100-80gb-sxm",
    "--gpus",
    "2",
    "--batch",
    "16",
    "--prompt",
    "512",
    "--completion",
    "512",
]


def run(args):
    return subprocess.run(
        [sys.executable, "-m", "inference_math", *args], capture_output=True, text=True, timeout=60
    )


def test_estimate_table():
    p = run(ISSUE_COMMAND)
    assert p.returncode == 0 and p.stderr == ""
    assert "68,976,648,192" in p.stdout
    assert "137.95 GB" in p.stdout
    assert "327,680 B (320 KiB)" in p.stdout
    assert "memory-bound" in p.stdout


def test_estimate_json_has_inputs_and_exactly_the_estimate_keys():
    p = run(ISSUE_COMMAND + ["--json"])
    assert p.returncode == 0
    out = json.loads(p.stdout)
    inputs = {
        "model",
        "gpu",
        "gpus",
        "dtype",
        "kv_dtype",
        "batch",
        "prompt",
        "completion",
        "mfu",
        "mbu",
        "usd_per_gpu_hour",
        "scenario",
        "step_model",
        "batching",
        "chunked_prefill",
        "engine",
        "attention_parallelism",
        "interval",
    }
    assert set(out) == inputs | set(im.ESTIMATE_KEYS)
    assert (out["engine"], out["attention_parallelism"], out["interval"]) == (
        "generic",
        "tensor",
        None,
    )
    assert out["params"] == 68_976_648_192 and out["kv_bytes_per_token"] == 327_680
    direct = im.estimate(
        im.deployment("llama-2-70b", "a100-80gb-sxm", 2), batch=16, prompt=512, completion=512
    )
    assert math.isclose(out["ttft_s"], float(direct["ttft_s"]), rel_tol=1e-12)


def test_interval_engine_and_queue_on_the_command_line():
    args = ["estimate", "--model", "llama-3.3-70b", "--gpu", "h100-sxm", "--gpus", "2",
            "--dtype", "fp8", "--batching", "continuous", "--batch", "400", "--prompt",
            "4000", "--completion", "1000", "--engine", "vllm", "--interval", "0.8"]  # fmt: skip
    out = json.loads(run(args + ["--json"]).stdout)
    assert set(im.INTERVAL_KEYS) <= set(out) and out["engine"] == "vllm"
    direct = im.estimate(
        im.deployment("llama-3.3-70b", "h100-sxm", 2, "fp8", engine="vllm"),
        batch=400, prompt=4000, completion=1000, batching="continuous", interval=0.8,
    )  # fmt: skip
    for key in (*im.INTERVAL_KEYS, "admitted", "queue_s"):
        assert math.isclose(out[key], float(direct[key]), rel_tol=1e-12), key
    # 256,546 tokens of cache hold 57 requests of 4,000 + 500 tokens; 343 clients wait
    assert out["admitted"] == 57 and out["queue_s"] > 0
    text = run(args).stdout
    assert "57 admitted, the rest wait" in text and "80% interval" in text
    bad = run(args[:-1] + ["1.5"])
    assert bad.returncode == 2 and "interval must be one level between 0 and 1" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_nan_is_null_in_json():
    p = run(ISSUE_COMMAND[:-4] + ["--prompt", "0", "--completion", "64", "--json"])
    assert p.returncode == 0
    assert json.loads(p.stdout)["usd_per_1k_prompt"] is None


def test_scenario_and_override():
    p = run(
        [
            "estimate",
            "--scenario",
            "article-2023",
            "--gpus",
            "8",
            "--batch",
            "64",
            "--prompt",
            "512",
            "--completion",
            "1",
            "--json",
        ]
    )
    out = json.loads(p.stdout)
    assert p.returncode == 0 and out["gpus"] == 8
    assert out["ttft_s"] == pytest.approx(2.8672)


def test_does_not_fit_exits_1_with_json_and_one_line():
    p = run(
        ["estimate", "--model", "llama-2-70b", "--gpu", "a100-80gb-sxm", "--gpus", "1", "--json"]
    )
    assert p.returncode == 1
    assert json.loads(p.stdout)["fits"] is False
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "137.95 GB" in lines[0] and "77.31 GB" in lines[0]


def test_context_warning_goes_to_stderr():
    p = run(ISSUE_COMMAND[:-4] + ["--prompt", "7584", "--completion", "512", "--batch", "1"])
    assert p.returncode == 0
    assert "exceeds llama-2-70b's context of 4,096" in p.stderr


def test_config_json_model(tmp_path):
    cfg = LLAMA_CONFIG
    path = tmp_path / "config.json"
    path.write_text(json.dumps(cfg))
    p = run(["estimate", "--model", str(path), "--gpu", "l4", "--json"])
    assert p.returncode == 0 and json.loads(p.stdout)["params"] == 7_241_732_096


def test_models_and_gpus_json():
    models = json.loads(run(["models", "--json"]).stdout)
    assert {m["name"] for m in models} == set(im.MODELS)
    for m in models:
        assert {"name", "params", "kv_bytes_per_token", "source"} <= set(m)
    assert next(m for m in models if m["name"] == "llama-2-70b")["kv_bytes_per_token"] == 327_680
    gpus = json.loads(run(["gpus", "--json"]).stdout)
    for g in gpus:
        assert {
            "name",
            "bf16_flops",
            "memory_bytes",
            "bandwidth_bytes_per_s",
            "usd_per_hour",
            "source",
        } <= set(g)
    assert next(g for g in gpus if g["name"] == "a100-80gb-sxm")["memory_bytes"] == 80 * 2**30


def test_tables():
    assert "llama-2-70b" in run(["models"]).stdout
    assert "a100-80gb-sxm" in run(["gpus"]).stdout


def test_console_script_is_installed():
    import shutil

    exe = shutil.which(
        "inference-math", path=str(__import__("pathlib").Path(sys.executable).parent)
    )
    assert exe, "the inference-math console script is not installed"
    p = subprocess.run([exe, "models", "--json"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0
