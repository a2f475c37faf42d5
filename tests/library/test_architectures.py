"""The 2024-2026 architectures (issue 12): exact counts and KV bytes from real configs, sliding
windows, multi-head latent attention and mixtures with shared experts and dense layers.

Every count is an exact integer, computed by the library from the config and checked here
against transformers' own count of the model it builds (research notes, transformers 5.24.0
on a meta device) and, where one exists, the count a third party recorded (the Hub's
safetensors total, Keras Hub's presets, GGUF metadata). KV bytes are exact too.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import inference_math as im

ROOT = pathlib.Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "tests" / "data" / "configs"

# folder: (parameters, active parameters, KV bytes per token in bf16, catalog name or None)
# fmt: off
EXPECTED = {
    "llama-3.1-8b": (8_030_261_248, 8_030_261_248, 131_072, "llama-3.1-8b"),
    "llama-3.1-70b": (70_553_706_496, 70_553_706_496, 327_680, "llama-3.1-70b"),
    "llama-3.1-405b": (405_853_388_800, 405_853_388_800, 516_096, "llama-3.1-405b"),
    "llama-3.3-70b": (70_553_706_496, 70_553_706_496, 327_680, "llama-3.3-70b"),
    "mistral-7b-v0.1": (7_241_732_096, 7_241_732_096, 131_072, "mistral-7b"),
    "mixtral-8x7b": (46_702_792_704, 12_879_925_248, 131_072, "mixtral-8x7b"),
    "qwen2.5-7b": (7_615_616_512, 7_615_616_512, 57_344, "qwen2.5-7b"),
    "qwen2.5-72b": (72_706_203_648, 72_706_203_648, 327_680, "qwen2.5-72b"),
    "qwen3-30b-a3b": (30_532_122_624, 3_353_032_704, 98_304, "qwen3-30b-a3b"),
    "qwen3-235b-a22b": (235_093_634_560, 22_190_763_520, 192_512, None),
    "qwen1.5-moe-a2.7b": (14_315_784_192, 2_689_173_504, 196_608, None),
    "gemma-7b": (8_537_680_896, 8_537_680_896, 458_752, None),
    "gemma-2-9b": (9_241_705_984, 9_241_705_984, 344_064, "gemma-2-9b"),
    "gemma-2-27b": (27_227_128_320, 27_227_128_320, 376_832, "gemma-2-27b"),
    "phi-3-mini-4k-instruct": (3_821_079_552, 3_821_079_552, 393_216, None),
    "deepseek-v2-lite": (15_706_484_224, 2_661_150_208, 31_104, None),
    "deepseek-v3": (671_026_404_352, 37_552_282_624, 70_272, "deepseek-v3"),
    # issue 19: equal to transformers 5.25.0's counts (/work/staging/configs' listing)
    "gpt-oss-120b": (116_829_156_672, 5_711_982_912, 73_728, "gpt-oss-120b"),
    "gpt-oss-20b": (20_914_757_184, 4_187_440_704, 49_152, "gpt-oss-20b"),
    "llama-4-scout-17b-16e-instruct-fp8-dynamic": (108_641_793_536, 17_172_894_720, 196_608,
                                                   "llama-4-scout"),
    "llama-4-scout-17b-16e-instruct": (107_769_861_120, 17_172_894_720, 196_608, None),
    "llama-4-maverick-17b-128e-instruct": (400_711_848_960, 17_184_691_200, 196_608,
                                           "llama-4-maverick"),
    "gemma-3-1b-it": (999_885_952, 999_885_952, 26_624, None),
    "gemma-3-4b-it": (4_300_079_472, 3_880_263_168, 139_264, None),
    "gemma-3-27b-it": (27_432_406_640, 27_009_346_304, 507_904, "gemma-3-27b"),
    "kimi-k2-instruct": (1_026_408_209_408, 32_861_477_888, 70_272, "kimi-k2"),
    "aya-23-8b": (8_028_033_024, 8_028_033_024, 131_072, None),
    "olmo-2-1124-7b": (7_298_617_344, 7_298_617_344, 524_288, None),
    "olmo-2-0325-32b": (32_234_279_936, 32_234_279_936, 262_144, "olmo-2-32b"),
    "qwen3-32b-fp8": (32_762_123_264, 32_762_123_264, 262_144, None),
    "deepseek-r1": (671_026_404_352, 37_552_282_624, 70_272, None),
    "nvidia-deepseek-v3.1-nvfp4": (671_026_404_352, 37_552_282_624, 70_272, None),
    "nvidia-llama-3.1-70b-instruct-fp8": (70_553_706_496, 70_553_706_496, 327_680, None),
}
# fmt: on
# Hybrids of attention and linear-attention or state-space layers: refused (issue 19).
HYBRIDS = {
    "qwen3-next-80b-a3b-thinking": "qwen3_next",
    "nemotron-h-56b-base-8k": "nemotron_h",
    "jamba-1.5-mini": "jamba",
    "minimax-m1": "minimax_m1",
}
NAMED = {  # configs that name themselves (_name_or_path)
    "phi-3-mini-4k-instruct": "Phi-3-mini-4k-instruct",
    "nvidia-llama-3.1-70b-instruct-fp8": "/opt/zhiyu_hf_ckpts/Llama-3.1-70B-Instruct/",
}


def config(folder):
    return CONFIGS / folder / "config.json"


def load(folder, **changes):
    """The model of a test config, with some of its keys changed (None removes a key)."""
    cfg = json.loads(config(folder).read_text())
    for key, value in changes.items():
        if value is None:
            cfg.pop(key, None)
        else:
            cfg[key] = value
    return im.from_hf_config(cfg, name=folder)


def test_every_config_folder_is_tested():
    assert {p.parent.name for p in CONFIGS.glob("*/config.json")} == set(EXPECTED) | set(HYBRIDS)


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_config_loads_with_exact_counts_and_kv_bytes(folder):
    params, active, kv, _ = EXPECTED[folder]
    m = im.get_model(str(config(folder)))
    assert m.params == params
    assert m.active_params == active
    assert im.kv_bytes_per_token(m, "bf16") == kv
    assert sum(im.param_breakdown(m).values()) == params
    # named after its folder (Phi-3's and NVIDIA's files name themselves)
    assert m.name == NAMED.get(folder, folder)


@pytest.mark.parametrize("folder", [f for f, e in EXPECTED.items() if e[3]])
def test_catalog_entry_is_its_config(folder):
    catalog = im.get_model(EXPECTED[folder][3])
    loaded = im.from_hf_config(config(folder))
    # the catalog keeps a stored format only where the one published checkpoint is
    # quantized (gpt-oss, Kimi K2); it is then the config's, but for where it was read
    assert loaded.stored is not None  # every test config gives its torch_dtype
    if catalog.stored is not None:
        assert dataclasses.replace(loaded.stored, source="") == dataclasses.replace(
            catalog.stored, source=""
        )
    if folder.startswith("llama-4-maverick"):  # a cut-down copy without its image encoder
        assert loaded.vision_params == 0 and catalog.vision_params == 871_932_416
        loaded = dataclasses.replace(loaded, vision_params=catalog.vision_params)
    same = dataclasses.replace(
        loaded,
        name=catalog.name,
        published_params=catalog.published_params,
        source=catalog.source,
        date=catalog.date,
        stored=catalog.stored,
    )
    assert same == catalog
    assert catalog.source and catalog.date


# ----- multi-head latent attention and DeepSeek's mixture -----------------------------------


def test_deepseek_v3_caches_the_latent_not_k_and_v():
    m = im.get_model("deepseek-v3")
    assert m.is_mla and m.q_lora_rank == 1536
    assert im.kv_bytes_per_token(m) == 61 * (512 + 64) * 2 == 70_272
    assert im.kv_bytes_per_token(m, "fp8") == 35_136
    # per-head keys (d_nope + d_rope) and values (d_v), decompressed: 71 times more
    decompressed = 61 * 128 * (192 + 128) * 2
    assert decompressed == 4_997_120 and decompressed / 70_272 == pytest.approx(71.1, abs=0.05)
    dep = im.deployment(m, "h200-sxm", 8)
    assert dep.kv_bytes_per_token == 70_272
    assert im.decode_bytes_read(dep, 2, 1000) == dep.weight_bytes_read(2) + 2 * 1000 * 70_272


def test_deepseek_v3_breakdown_exact():
    m, d = im.get_model("deepseek-v3"), 7168
    parts = im.param_breakdown(m)
    q = d * 1536 + 1536 * 128 * 192
    kv = d * (512 + 64) + 512 * 128 * (128 + 128)
    assert parts["attention"] == 61 * (q + kv + 128 * 128 * d)
    assert parts["norms"] == 61 * (2 * d + 1536 + 512) + d  # latent norms included
    assert parts["ffn"] == 3 * 3 * d * 18432 + 58 * 256 * 3 * d * 2048  # 3 dense layers
    assert parts["shared_experts"] == 58 * 3 * d * 2048
    assert parts["router"] == 58 * 256 * d
    assert m.n_moe_layers == 58 and m.dense_layers == (0, 1, 2)


def test_deepseek_v3_mtp_is_counted_apart_and_matches_the_hub():
    m = im.get_model("deepseek-v3")
    assert m.mtp_layers == 1 and m.mtp_params == 11_610_067_968
    # The Hub stores bf16 and fp8 weights (its safetensors counts, third-party record):
    # the main model and the MTP module with its own copies of the embedding and the head.
    bf16, fp8 = 3_918_786_560, 680_571_043_840
    assert m.params + m.mtp_params + 2 * 129280 * 7168 == bf16 + fp8
    assert round(m.params / 1e9) == 671  # DeepSeek-AI 2024: 671B total


def test_deepseek_v2_lite_has_a_plain_query_projection():
    m = load("deepseek-v2-lite")
    assert m.q_lora_rank is None and m.dense_layers == (0,) and m.n_shared_experts == 2
    # transformers' default q_lora_rank of 1536 would make it another model
    with pytest.raises(ValueError, match="missing key q_lora_rank"):
        load("deepseek-v2-lite", q_lora_rank=None)
    low_rank = dict(json.loads(config("deepseek-v2-lite").read_text()), q_lora_rank=1536)
    assert im.from_hf_config(low_rank).params == 15_748_993_024


def test_mla_attention_flops_use_key_and_value_widths():
    m = im.get_model("deepseek-v3")
    assert im.attention_flops_per_token(m, 1000) == 2 * 61 * 128 * (192 + 128) * 1000
    assert im.prefill_attention_flops(m, 10) == 2 * 61 * 128 * 320 * 55


# ----- mixtures: shared experts, sparse steps, dense layers ---------------------------------


def test_qwen_moe_shared_expert_and_its_gate():
    m = load("qwen1.5-moe-a2.7b")
    assert m.n_shared_experts == 1 and m.shared_expert_gate and m.shared_expert_d_ff == 5632
    assert im.param_breakdown(m)["shared_experts"] == 24 * (3 * 2048 * 5632 + 2048)
    assert m.qkv_bias and not m.attention_bias  # q/k/v biases, no o bias
    # transformers 5 reads qkv_bias for Qwen2-MoE; Qwen2 (dense) hard-codes its biases
    assert not load("qwen1.5-moe-a2.7b", qkv_bias=False).qkv_bias
    assert load("qwen2.5-7b", qkv_bias=False).qkv_bias
    sparse = load("qwen1.5-moe-a2.7b", decoder_sparse_step=2, mlp_only_layers=[1])
    assert sparse.dense_layers == tuple(i for i in range(24) if i % 2 == 0 or i == 1)
    assert sparse.n_moe_layers == 11


def test_qwen3_moe_has_qk_norms_and_no_shared_expert():
    m = im.get_model("qwen3-30b-a3b")
    assert m.qk_norm and m.n_shared_experts == 0 and m.n_moe_layers == 48
    assert im.param_breakdown(m)["norms"] == 48 * (2 * 2048 + 2 * 128) + 2048


def test_gemma_ties_embeddings_by_default():
    m = load("gemma-7b")
    assert m.tied_embeddings and im.param_breakdown(m)["lm_head"] == 0
    untied = load("gemma-7b", tie_word_embeddings=False)
    assert untied.params - m.params == 256000 * 3072


def test_moe_weight_reads_include_dense_layers_and_shared_experts():
    m = im.get_model("deepseek-v3")
    assert im.weight_bytes_read(m, "fp8", 1) == m.active_params  # one token: 8 of 256
    assert im.weight_bytes_read(m, "fp8", 10**9) == pytest.approx(m.params, rel=1e-9)


# ----- sliding windows ----------------------------------------------------------------------

MISTRAL_ISSUE = 4 * 32 * 4096 * 2 * 8 * 128 * 2  # four sequences, 32 layers capped at 4096


def test_mistral_four_32k_sequences_need_2_15_gb_and_fit_on_one_l4():
    assert MISTRAL_ISSUE == 2_147_483_648  # 2.15 GB
    m = im.get_model("mistral-7b")
    assert m.layer_windows == (4096,) * 32
    assert 4 * im.kv_bytes_per_sequence(m, 32768) == MISTRAL_ISSUE
    dep = im.deployment(m, "l4", 1)
    r = im.estimate(dep, batch=4, prompt=32000, completion=768)
    assert bool(r["fits"]) and im.fit_problem(dep, 4, 32000, 768) is None
    assert im.max_batch(dep, 32768) == np.floor(dep.kv_capacity_tokens / 4096) == 16
    # without its window the cache would be 17.18 GB, and it would not fit
    full = dataclasses.replace(m, sliding_window=None, sliding_layers="none")
    no_window = im.deployment(full, "l4", 1)
    assert not bool(im.estimate(no_window, batch=4, prompt=32000, completion=768)["fits"])
    assert "17.18 GB" in im.fit_problem(no_window, 4, 32000, 768)


def test_cli_says_mistral_fits_on_one_l4():
    args = ["--gpu", "l4", "--batch", "4", "--prompt", "32000", "--completion", "768"]
    for model in (str(config("mistral-7b-v0.1")), "mistral-7b"):
        p = subprocess.run(
            [sys.executable, "-m", "inference_math", "estimate", "--model", model, *args],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )
        assert p.returncode == 0 and p.stderr == "", p.stderr
        assert "sliding window         4,096 tokens on 32 of 32 layers" in p.stdout
        assert "KV per sequence        0.54 GB (uses 4,096 tokens of the KV capacity)" in p.stdout


def test_cli_without_the_window_does_not_fit(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**json.loads(config("mistral-7b-v0.1").read_text()),
                                "sliding_window": None}))  # fmt: skip
    p = subprocess.run(
        [sys.executable, "-m", "inference_math", "estimate", "--model", str(path), "--gpu", "l4",
         "--batch", "4", "--prompt", "32000", "--completion", "768"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert p.returncode == 1 and "KV cache for 131,072 tokens needs 17.18 GB" in p.stderr
    assert "sliding window" not in p.stdout  # no window, no row


def test_mistral_window_defaults_as_transformers_does():
    assert load("mistral-7b-v0.1", sliding_window=None).sliding_window == 4096  # key absent
    cfg = dict(json.loads(config("mistral-7b-v0.1").read_text()), sliding_window=None)
    assert not im.from_hf_config(cfg).has_windows  # null: no window (Mistral-7B-v0.3)
    assert not load("mixtral-8x7b").has_windows  # sliding_window null


def test_gemma2_alternates_sliding_and_global_layers():
    for name, layers, per_layer in (("gemma-2-9b", 42, 2 * 8 * 256 * 2), ("gemma-2-27b", 46,
                                    2 * 16 * 128 * 2)):  # fmt: skip
        m = im.get_model(name)
        assert m.layer_windows == (4096, None) * (layers // 2)
        half = layers // 2
        for t in (1, 4096, 4097, 8192):
            cache = half * per_layer * t + half * per_layer * min(t, 4096)
            assert im.kv_bytes_per_sequence(m, t) == cache
        # beyond the window each token adds the global layers' half
        grown = im.kv_bytes_per_sequence(m, 5001) - im.kv_bytes_per_sequence(m, 5000)
        assert grown == im.kv_bytes_per_token(m) / 2
    assert im.kv_bytes_per_sequence("gemma-2-9b", 8192) == 21 * 8192 * (8192 + 4096)
    assert im.attention_flops_per_token("gemma-2-9b", 8192) == 4 * 42 * 16 * 256 * 6144


def test_qwen2_use_sliding_window_false_means_no_window():
    m = load("qwen2.5-7b", sliding_window=131072, max_window_layers=28)
    assert not m.has_windows and m.sliding_window is None
    assert im.kv_bytes_per_sequence(m, 100_000) == 100_000 * 57_344
    windowed = load("qwen2.5-7b", use_sliding_window=True, sliding_window=4096,
                    max_window_layers=20)  # fmt: skip
    assert windowed.layer_windows == (None,) * 20 + (4096,) * 8  # the first 20 attend fully
    per_layer = 57_344 // 28
    assert im.kv_bytes_per_sequence(windowed, 10_000) == per_layer * (20 * 10_000 + 8 * 4096)
    # exact bytes at every length, though 20/28 of the layers is no round fraction
    odd = load("qwen2.5-7b", use_sliding_window=True, sliding_window=4096, max_window_layers=21)
    t = np.arange(0, 50_000, 7)
    exact = [per_layer * sum(min(x, w or x) for w in odd.layer_windows) for x in t]
    assert np.array_equal(im.kv_bytes_per_sequence(odd, t), exact)


def test_phi3_mini_caps_its_cache_at_2047_tokens():
    m = load("phi-3-mini-4k-instruct")
    assert m.layer_windows == (2047,) * 32
    assert im.kv_bytes_per_sequence(m, 4096) == 2047 * 393_216 == 804_913_152


def test_windowed_decode_reads_stop_growing_at_the_window():
    dep = im.deployment("mistral-7b", "l4", 1)
    assert im.decode_bytes_read(dep, 4, 32768) == dep.weight_bytes_read(4) + 4 * 4096 * 131072
    for step_model in ("article", "per-op"):
        d = im.deployment("mistral-7b", "a100-80gb-sxm", 1, step_model=step_model)
        assert im.decode_step_time(d, 8, 32768) == im.decode_step_time(d, 8, 4096)
        assert im.decode_step_time(d, 8, 4096) > im.decode_step_time(d, 8, 4095)
        assert im.compute_bound_batch(d, 32768) == im.compute_bound_batch(d, 4096)


@pytest.mark.parametrize("name", ["mistral-7b", "gemma-2-9b"])
@pytest.mark.parametrize("step_model", ["article", "per-op"])
def test_windowed_mean_decode_step_is_the_mean_of_the_steps(name, step_model):
    dep = im.deployment(name, "h100-sxm", 2, step_model=step_model)
    for batch, prompt, completion in ((1, 0, 5000), (64, 3000, 2000), (300, 4000, 300),
                                      (16, 9000, 100)):  # fmt: skip
        steps = im.decode_step_time(dep, batch, prompt + np.arange(1, completion + 1))
        mean = im.mean_decode_step_time(dep, batch, prompt, completion)
        assert mean == pytest.approx(steps.mean(), rel=1e-12)
    floor = im.completion_cost_floor(dep, 3000, 2000)
    assert floor < im.usd_per_1k_completion(dep, 10**6, 3000, 2000)


def test_windowed_mean_decode_step_broadcasts():
    dep = im.deployment("gemma-2-27b", "h200-sxm", 2)
    batch, prompt = np.array([[1], [64]]), np.array([0, 3000, 9000])
    mean = im.mean_decode_step_time(dep, batch, prompt, 2000)
    assert mean.shape == (2, 3)
    for i, b in enumerate(batch[:, 0]):
        for j, n in enumerate(prompt):
            assert mean[i, j] == im.mean_decode_step_time(dep, b, n, 2000)


def test_windowed_prefill_attention_stops_at_the_window():
    m = im.get_model("mistral-7b")
    for n in (1, 100, 4096, 5000, 9000):
        brute = sum(min(i, 4096) for i in range(1, n + 1)) * 4 * 32 * 32 * 128
        assert im.prefill_attention_flops(m, n) == brute
    gemma = im.get_model("gemma-2-9b")
    n = 6000
    brute = sum(i + min(i, 4096) for i in range(1, n + 1)) / 2 * 4 * 42 * 16 * 256
    assert im.prefill_attention_flops(gemma, n) == brute


def test_context_for_attended_tokens_inverts_attended_tokens():
    for name in ("mistral-7b", "gemma-2-9b", "llama-2-70b"):
        c = np.array([0.0, 1.0, 2000.0, 4096.0, 5000.0, 100_000.0])
        e = im.attended_tokens(name, c)
        back = im.context_for_attended_tokens(name, e)
        if name == "mistral-7b":  # every layer stops at 4096
            assert list(back) == [0, 1, 2000, 4096, 4096, 4096]
        else:
            assert np.allclose(back, c, rtol=1e-15)
    assert np.isinf(im.context_for_attended_tokens("mistral-7b", 4097))


def test_memory_bound_context_honours_windows():
    dep = im.deployment("gemma-2-9b", "a100-80gb-sxm", 1, step_model="article")
    ctx = float(im.memory_bound_context(dep))
    assert np.isfinite(ctx)
    # at that context a sequence's extra reads take as long as its extra FLOPs
    e = float(im.attended_tokens(dep.model, ctx))
    reads = e * dep.kv_bytes_per_token / dep.achieved_bandwidth
    flops = (dep.flops_per_token + dep.attention_flops_per_context_token * e) / dep.achieved_flops
    assert reads == pytest.approx(flops, rel=1e-9)


def test_models_without_windows_attend_to_the_whole_context():
    for m in im.MODELS.values():
        if not m.has_windows:
            assert m.layer_windows == (None,) * m.n_layers
            c = np.array([1.0, 5000.0, 1e6])
            assert np.array_equal(im.attended_tokens(m, c), c)
            dep = im.deployment(m, "b200", max(im.tensor_splits(m, 8)))
            assert dep.attended(c) is not None and np.array_equal(dep.attended(c), c)


def test_qwen3_dense_reads_its_head_dim_and_qk_norms():
    # Qwen3-8B's architecture (no verified copy of its config.json was found, so the test
    # writes the fields out): its count equals the Hub's safetensors total (third-party record)
    cfg = {
        "model_type": "qwen3", "num_hidden_layers": 36, "hidden_size": 4096,
        "num_attention_heads": 32, "num_key_value_heads": 8, "intermediate_size": 12288,
        "vocab_size": 151936, "max_position_embeddings": 40960, "tie_word_embeddings": False,
    }  # fmt: skip
    m = im.from_hf_config(cfg, name="qwen3-8b")
    assert m.head_dim == 128 and m.qk_norm and not m.qkv_bias  # transformers' defaults
    assert m.params == 8_190_735_360
    assert im.kv_bytes_per_token(m) == 2 * 36 * 8 * 128 * 2
