"""The model types of issue 19 (gpt-oss, Llama 4, Gemma 3, Kimi K2, Cohere, OLMo 2), each
pinned against a published figure with its source, and the hybrids the library refuses.

Exact counts are transformers 5.25.0's for the same config, built on the meta device
(/work/staging/configs/transformers_param_listing.txt, copied into the README of
tests/data/configs). Published figures are rounded: where the source gives a rounded total,
the test says which and how close the exact count is.
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
from inference_math.model import architecture

ROOT = pathlib.Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "tests" / "data" / "configs"


def cfg(folder: str) -> dict:
    return json.loads((CONFIGS / folder / "config.json").read_text())


NULL = object()  # a key set to JSON null, not removed


def load(folder: str, **changes) -> im.Model:
    """A test config's model, keys changed (None removes one, NULL sets it to null), in
    text_config for a nested config."""
    config = cfg(folder)
    text = config.get("text_config", config)
    for key, value in changes.items():
        if value is None:
            text.pop(key, None)
        else:
            text[key] = None if value is NULL else value
    return im.from_hf_config(config, name=folder)


def within(value, published, rel):
    return abs(value / published - 1) <= rel


# ----- gpt-oss ------------------------------------------------------------------------------


def test_gpt_oss_120b_matches_the_model_card_split():
    m = im.get_model("gpt-oss-120b")
    # OpenAI's model card (arXiv 2508.10925): 116.83B total = MLP 114.71B + attention 0.96B
    # + embedding and unembedding 1.16B; 5.13B active
    parts = im.param_breakdown(m)
    assert m.params == 116_829_156_672 and round(m.params / 1e7) == 11_683
    assert round((parts["ffn"] + parts["router"]) / 1e7) == 11_471
    assert round(parts["attention"] / 1e7) == 96
    assert round((parts["embedding"] + parts["lm_head"]) / 1e7) == 116
    # active: 4 of 128 experts; the card leaves out the input embedding (a lookup)
    assert m.active_params == 5_711_982_912
    assert round((m.active_params - parts["embedding"]) / 1e7) == 513
    small = im.get_model("gpt-oss-20b")
    assert round(small.params / 1e7) == 2091  # card: 20.91B
    assert round((small.active_params - 201088 * 2880) / 1e7) == 361  # card: 3.61B


def test_gpt_oss_layer_holds_sinks_biases_and_a_biased_router():
    m = load("gpt-oss-120b")
    assert m.attention_bias and m.attention_sinks and m.router_bias and m.mlp_bias
    d, e = 2880, 128
    attention = 2 * d * 4096 + 2 * d * 512 + 4096 + 2 * 512 + d + 64  # biases and 64 sinks
    assert architecture.attention_per_layer(m) == attention == 26_550_144
    experts = e * (3 * d * d + 2 * d + d)  # gate_up (2I) and down (d) biases per expert
    layer = attention + e * d + e + experts + 2 * d
    assert layer == 3_213_080_192  # transformers' params per layer
    without = dataclasses.replace(m, attention_sinks=False, router_bias=False)
    assert m.params - without.params == 36 * (64 + 128)


def test_gpt_oss_alternates_a_128_token_window_with_full_attention():
    m = im.get_model("gpt-oss-120b")
    assert m.layer_windows == (128, None) * 18
    per_layer = 2 * 8 * 64 * 2  # K and V, 8 KV heads of 64, bf16: the same on both kinds
    assert im.kv_bytes_per_token(m) == 36 * per_layer == 73_728
    for t in (1, 128, 129, 100_000):
        assert im.kv_bytes_per_sequence(m, t) == 18 * per_layer * t + 18 * per_layer * min(t, 128)
    # the config's layer_types and transformers' default pattern agree
    assert load("gpt-oss-120b", layer_types=None).layer_windows == m.layer_windows


# ----- Llama 4 ------------------------------------------------------------------------------


def test_llama4_scout_total_active_and_image_encoder():
    m = load("llama-4-scout-17b-16e-instruct-fp8-dynamic")
    assert m.params == 108_641_793_536  # Meta: 109B (rounded); within 0.4%
    assert within(m.params, 109e9, 0.004)
    assert m.active_params == 17_172_894_720 and within(m.active_params, 17e9, 0.011)
    # the image encoder as transformers lists it: 34 layers of 23,807,872, the embeddings,
    # two LayerNorms, the pixel-shuffle adapter and the projector into the text width
    encoder = 34 * 23_807_872 + 1408 + 812_416 + 827_904 + 4 * 1408
    assert m.vision_params == encoder + 23_068_672 + 16_777_216 + 20_971_520 == 871_932_416
    # no FLOPs and no bytes read per text token, but memory
    assert m.params - m.text_params == m.vision_params
    assert im.flops_per_token(m) == 2 * m.matmul_params
    assert m.matmul_params + 202048 * 5120 + 48 * 2 * 5120 + 5120 == m.active_params
    assert im.weight_bytes_read(m, "bf16", 1) == 2 * m.active_params
    assert im.weight_bytes(m) == 2 * m.params


def test_llama4_layers_interleave_dense_and_mixture():
    scout, maverick = (
        load("llama-4-scout-17b-16e-instruct"),
        load("llama-4-maverick-17b-128e-instruct"),
    )
    assert scout.dense_layers == () and scout.n_shared_experts == 1 and scout.d_ff == 8192
    assert maverick.dense_layers == tuple(range(0, 48, 2))  # interleave_moe_layer_step 2
    assert (maverick.d_ff, maverick.expert_d_ff) == (16384, 8192)  # intermediate_size_mlp
    assert maverick.params == 400_711_848_960  # transformers' Llama4ForCausalLM
    # Meta: 400B; transformers' docs: 402B, with the image encoder (taken equal to Scout's)
    catalog = im.get_model("llama-4-maverick")
    full_scout = load("llama-4-scout-17b-16e-instruct-fp8-dynamic")
    assert catalog.params == maverick.params + full_scout.vision_params
    assert within(catalog.params, 402e9, 0.002) and within(catalog.params, 400e9, 0.004)
    assert within(catalog.active_params, 17e9, 0.011)
    # moe_layers wins over the step
    assert load("llama-4-maverick-17b-128e-instruct", moe_layers=[1]).dense_layers == tuple(
        i for i in range(48) if i != 1
    )


def test_llama4_chunks_three_layers_in_four_and_caches_at_most_the_chunk():
    m = im.get_model("llama-4-scout")
    assert m.layer_chunks == (8192, 8192, 8192, None) * 12 and m.layer_windows == m.layer_chunks
    assert m.sliding_window is None and m.has_windows
    per_layer = 2 * 8 * 128 * 2
    # the chunk is the cache's upper bound; the 12 NoPE layers hold the whole context
    for t in (100, 8192, 100_000):
        assert im.kv_bytes_per_sequence(m, t) == per_layer * (36 * min(t, 8192) + 12 * t)
    # a prefill counts each chunk's causal attention exactly
    n = 20_000
    brute = 36 * sum((i - 1) % 8192 + 1 for i in range(1, n + 1)) + 12 * n * (n + 1) / 2
    assert im.prefill_attended_tokens(m, n) * 48 == brute
    assert im.prefill_attention_flops(m, n) == 4 * 40 * 128 * brute
    # no_rope_layers given outright, and attention_chunk_size null
    given = load("llama-4-scout-17b-16e-instruct", no_rope_layers=[1, 0] * 24)
    assert given.layer_chunks == (8192, None) * 24
    assert not load("llama-4-scout-17b-16e-instruct", attention_chunk_size=NULL).has_windows
    assert load("llama-4-scout-17b-16e-instruct", attention_chunk_size=None).layer_chunks == (
        m.layer_chunks  # absent: transformers' default of 8,192
    )
    # the weightless q/k norm adds nothing
    assert load("llama-4-scout-17b-16e-instruct", use_qk_norm=False).params == 107_769_861_120


def test_cli_reports_the_chunk():
    p = subprocess.run(
        [sys.executable, "-m", "inference_math", "estimate", "--model", "llama-4-scout",
         "--gpu", "h100-sxm", "--gpus", "4", "--prompt", "20000", "--completion", "1000"],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert p.returncode == 0 and p.stderr == "", p.stderr
    assert "attention chunk        8,192 tokens on 36 of 48 layers" in p.stdout
    assert "sliding window" not in p.stdout


# ----- Gemma 3 ------------------------------------------------------------------------------


def test_gemma3_totals_with_the_siglip_encoder():
    four = load("gemma-3-4b-it")
    assert four.params == 4_300_079_472  # the Hub: 4.3B; within 0.01%
    assert within(four.params, 4.3e9, 0.0001)
    # SigLIP: patch conv with bias, 4,096 positions, 27 layers, final LayerNorm; projector
    siglip = 3 * 14 * 14 * 1152 + 1152 + 4096 * 1152 + 27 * 15_239_504 + 2 * 1152
    assert four.vision_params == siglip + 1152 * 2560 + 1152 == 419_816_304
    assert within(im.get_model("gemma-3-27b").params, 27.4e9, 0.002)  # the Hub: 27.4B
    assert load("gemma-3-1b-it").params == 999_885_952 and within(999_885_952, 1e9, 0.0002)


def test_gemma3_defaults_norms_and_ties():
    four = load("gemma-3-4b-it")
    # the 4B config leaves out the vocabulary and the heads: transformers' defaults hold
    assert (four.vocab_size, four.n_heads, four.n_kv_heads, four.head_dim) == (262_208, 8, 4, 256)
    assert four.tied_embeddings and im.param_breakdown(four)["lm_head"] == 0
    # four norms over the width and q/k norms over one head, per layer
    assert architecture.norms_per_layer(four) == 4 * 2560 + 2 * 256
    assert load("gemma-3-1b-it").vocab_size == 262_144  # the 1B config sets its own


def test_gemma3_slides_five_layers_in_six():
    m = im.get_model("gemma-3-27b")
    assert m.layer_windows == ((1024,) * 5 + (None,)) * 10 + (1024, 1024)
    per_layer = 2 * 16 * 128 * 2
    t = 50_000
    assert im.kv_bytes_per_sequence(m, t) == per_layer * (52 * 1024 + 10 * t)
    # layer_types, when given, decides
    types = ["sliding_attention", "full_attention"] * 31
    assert load("gemma-3-27b-it", layer_types=types).layer_windows == (1024, None) * 31
    assert load("gemma-3-1b-it").layer_windows == ((512,) * 5 + (None,)) * 4 + (512, 512)


# ----- Kimi K2 ------------------------------------------------------------------------------


def test_kimi_k2_is_read_as_deepseek_v3():
    m = load("kimi-k2-instruct")
    assert m.is_mla and m.dense_layers == (0,) and m.n_experts == 384 and m.mtp_layers == 0
    assert m.params == 1_026_408_209_408
    # Moonshot: 1T total (one significant figure) and 32B active, the latter without the
    # input embedding: 31.69B, within 1%
    assert round(m.params / 1e12) == 1
    assert within(m.active_params - 163840 * 7168, 32e9, 0.01)
    assert im.kv_bytes_per_token(m) == 61 * (512 + 64) * 2 == 70_272
    same = dataclasses.replace(m, name="x", stored=None)
    ds = cfg("kimi-k2-instruct") | {"model_type": "deepseek_v3"}
    assert dataclasses.replace(im.from_hf_config(ds, name="x"), stored=None) == same


# ----- Cohere and OLMo 2 --------------------------------------------------------------------


def test_cohere_one_biasless_layernorm_per_layer_and_tied():
    m = load("aya-23-8b")
    assert m.norm == "layernorm_nobias" and m.norms_per_layer == 1 and m.tied_embeddings
    assert m.params == 8_028_033_024 and within(m.params, 8e9, 0.004)  # Cohere: 8B
    assert architecture.norms_per_layer(m) == 4096  # input_layernorm only, no bias


COMMAND_R_PLUS = {  # values of a third-party record (README), not a config.json
    "model_type": "cohere", "hidden_size": 12288, "num_hidden_layers": 64,
    "num_attention_heads": 96, "num_key_value_heads": 8, "intermediate_size": 33792,
    "vocab_size": 256000, "max_position_embeddings": 8192, "use_qk_norm": True,
}  # fmt: skip


def test_cohere_qk_norm_has_a_weight_per_head():
    m = im.from_hf_config(COMMAND_R_PLUS, name="command-r-plus")
    assert m.qk_norm and m.qk_norm_scope == "all"
    assert architecture.norms_per_layer(m) == 12288 + (96 + 8) * 128  # (H, d_h) and (K, d_h)
    assert m.params == 103_810_674_688 and within(m.params, 104e9, 0.002)  # Cohere: 104B
    off = im.from_hf_config({**COMMAND_R_PLUS, "use_qk_norm": False})
    assert off.params == 103_809_822_720 and not off.qk_norm


def test_olmo2_norms_over_the_projections_and_after_each_block():
    m = im.get_model("olmo-2-32b")
    assert m.qk_norm and m.qk_norm_scope == "all" and not m.tied_embeddings
    # q_norm over 40 x 128, k_norm over 8 x 128, two post-norms over the width
    assert architecture.norms_per_layer(m) == 5120 + 1024 + 2 * 5120
    assert within(m.params, 32.2e9, 0.002)  # the Hub: 32.2B
    seven = load("olmo-2-1124-7b")
    assert seven.params == 7_298_617_344 and within(seven.params, 7.3e9, 0.001)


# ----- hybrids ------------------------------------------------------------------------------

HYBRID_FOLDERS = {
    "qwen3-next-80b-a3b-thinking": "Gated DeltaNet",
    "nemotron-h-56b-base-8k": "Mamba-2",
    "jamba-1.5-mini": "Mamba",
    "minimax-m1": "lightning (linear) attention",
}


@pytest.mark.parametrize("folder", sorted(HYBRID_FOLDERS))
def test_hybrids_are_refused_in_one_line_that_says_why(folder):
    with pytest.raises(ValueError) as err:
        im.from_hf_config(CONFIGS / folder / "config.json")
    message = str(err.value)
    assert "\n" not in message and HYBRID_FOLDERS[folder] in message
    assert "fixed state per sequence, not a KV cache per token" in message
    assert "does not model them" in message
    p = subprocess.run(
        [sys.executable, "-m", "inference_math", "estimate", "--model",
         str(CONFIGS / folder / "config.json"), "--gpu", "h100-sxm"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert p.returncode == 2 and p.stdout == "" and len(p.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("kind", ["falcon_h1", "minimax", "minimax_text_01"])
def test_every_hybrid_type_is_refused_even_without_a_config(kind):
    with pytest.raises(ValueError, match=f"model_type '{kind}' is a hybrid"):
        im.from_hf_config({"model_type": kind})
    nested = {"model_type": "llama4", "text_config": {"model_type": kind}}
    with pytest.raises(ValueError, match="is a hybrid"):
        im.from_hf_config(nested)


# ----- bad inputs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "folder,change,message",
    [
        ("gemma-3-4b-it", {"text_config": [1]}, "text_config must be a JSON object"),
        ("gemma-3-4b-it", {"vision_config": {"hidden_size": 1152}}, "vision_config is missing"),
        ("gemma-3-4b-it", {"vision_config": None}, None),  # no encoder: text only
        ("llama-4-scout-17b-16e-instruct", {"no_rope_layers": [1, 0]}, "no_rope_layers must"),
        ("llama-4-maverick-17b-128e-instruct", {"intermediate_size_mlp": None},
         "missing key(s) intermediate_size_mlp"),
        ("gpt-oss-120b", {"layer_types": ["chunked_attention"] * 36}, "layer_types must list"),
        ("aya-23-8b", {"use_qk_norm": "yes"}, "use_qk_norm must be true or false"),
    ],
)  # fmt: skip
def test_bad_2025_configs_name_the_field(folder, change, message):
    config = cfg(folder)
    for key, value in change.items():
        target = config if key in ("text_config", "vision_config") or "text_config" not in config \
            else config["text_config"]  # fmt: skip
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    if message is None:
        assert im.from_hf_config(config).vision_params == 0
        return
    with pytest.raises(ValueError) as err:
        im.from_hf_config(config)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_gemma3_refuses_a_siglip_pooling_head_it_would_not_count():
    config = cfg("gemma-3-4b-it")
    config["vision_config"]["vision_use_head"] = True
    with pytest.raises(ValueError, match="vision_use_head must be false"):
        im.from_hf_config(config)


def test_model_validation_names_the_new_fields():
    base = im.get_model("llama-2-7b")
    for change, message in [
        (dict(attention_chunk=8192), "attention_chunk .* and chunked_layers"),
        (dict(attention_chunk=8192, chunked_layers=(True,)), "chunked_layers must be"),
        (dict(router_bias=True), "router_bias describes a mixture"),
        (dict(qk_norm_scope="all"), "qk_norm_scope 'all' needs qk_norm"),
        (dict(qk_norm=True, qk_norm_scope="every"), "qk_norm_scope must be one of"),
        (dict(vision_params=-1), "vision_params must be a non-negative integer"),
        (dict(attention_sinks=1), "attention_sinks must be True or False"),
        (dict(stored="bf16"), "stored must be a StoredFormat or None"),
        (dict(norm="layernorm-nobias"), "norm must be one of"),
    ]:
        with pytest.raises(ValueError, match=message):
            dataclasses.replace(base, **change)


def test_windows_broadcast_over_arrays_with_chunks():
    m = im.get_model("llama-4-scout")
    t = np.array([0, 5000, 9000, 20_000])
    expected = [(36 * min(x, 8192) + 12 * x) / 48 for x in t]
    assert np.array_equal(im.attended_tokens(m, t), expected)
    back = im.context_for_attended_tokens(m, im.attended_tokens(m, t))
    assert np.allclose(back, t)


def test_a_chunked_model_that_does_not_fit_says_what_its_chunks_hold():
    dep = im.deployment("llama-4-scout", "h100-sxm", 4)
    why = im.fit_problem(dep, 8, 1_000_000, 1000)
    assert "(windowed layers cache 8,192 at most)" in why
    per_sequence = 2 * 8 * 128 * 2 * (36 * 8192 + 12 * 1_001_000)
    assert f"needs {8 * per_sequence / 1e9:,.2f} GB" in why


def test_models_command_lists_the_new_entries_aligned():
    p = subprocess.run([sys.executable, "-m", "inference_math", "models"], capture_output=True,
                       text=True, timeout=60, cwd=ROOT)  # fmt: skip
    lines = p.stdout.splitlines()
    assert p.returncode == 0 and len({line.index(" B ") for line in lines[1:]}) == 1
    assert any(line.startswith("llama-4-maverick   401,583,781,376") for line in lines)
    p = subprocess.run([sys.executable, "-m", "inference_math", "models", "--json"],
                       capture_output=True, text=True, timeout=60, cwd=ROOT)  # fmt: skip
    rows = {r["name"]: r for r in json.loads(p.stdout)}
    assert rows["gpt-oss-120b"]["active_params"] == 5_711_982_912
    assert rows["gpt-oss-120b"]["stored_format"].startswith("MXFP4 experts")
    assert rows["gemma-3-27b"]["vision_params"] == 423_060_336
    assert rows["llama-2-70b"]["stored_format"] is None
