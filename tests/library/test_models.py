import json

import pytest

import inference_math as im

PUBLISHED = {
    "llama-2-7b": 6_738_415_616,
    "llama-2-13b": 13_015_864_320,
    "llama-2-70b": 68_976_648_192,
    "llama-3-8b": 8_030_261_248,
    "llama-3-70b": 70_553_706_496,
    "llama-3.1-8b": 8_030_261_248,
    "llama-3.1-70b": 70_553_706_496,
    "llama-3.3-70b": 70_553_706_496,
    "mistral-7b": 7_241_732_096,
    "mixtral-8x7b": 46_702_792_704,
    # 2024-2026 (issue 12): computed from each config, equal to transformers' count and to the
    # Hub's or Keras Hub's recorded count (sources in the catalog)
    "llama-3.1-405b": 405_853_388_800,
    "qwen2.5-7b": 7_615_616_512,
    "qwen2.5-72b": 72_706_203_648,
    "gemma-2-9b": 9_241_705_984,
    "gemma-2-27b": 27_227_128_320,
    "deepseek-v3": 671_026_404_352,
    "qwen3-30b-a3b": 30_532_122_624,
    # 2025 (issue 19): computed from each config, equal to transformers 5.25.0's count of the
    # model it builds; the published figures they round to are checked in
    # tests/library/test_families_2025.py
    "gpt-oss-120b": 116_829_156_672,
    "gpt-oss-20b": 20_914_757_184,
    "llama-4-scout": 108_641_793_536,
    "llama-4-maverick": 401_583_781_376,
    "gemma-3-27b": 27_432_406_640,
    "kimi-k2": 1_026_408_209_408,
    "olmo-2-32b": 32_234_279_936,
}


@pytest.mark.parametrize("name,count", PUBLISHED.items())
def test_parameter_counts_equal_published(name, count):
    assert im.get_model(name).params == count


def test_gpt3_is_175b_within_half_a_percent():
    assert abs(im.get_model("gpt-3-175b").params / 175.0e9 - 1) < 0.005


def test_catalog_has_the_issue_names_and_no_gpt35():
    assert set(im.MODELS) == set(PUBLISHED) | {"gpt-3-175b"}
    assert not any("3.5" in n or "gpt-35" in n for n in im.MODELS)


def test_every_model_has_source_and_date():
    for m in im.MODELS.values():
        assert m.source and m.date, m.name


def test_breakdown_sums_to_total():
    for m in im.MODELS.values():
        assert sum(im.param_breakdown(m).values()) == m.params


def test_llama_2_70b_breakdown_exact():
    parts = im.param_breakdown(im.get_model("llama-2-70b"))
    assert parts["embedding"] == parts["lm_head"] == 32000 * 8192
    assert parts["attention"] == 80 * (2 * 8192 * 8192 + 2 * 8192 * 1024)
    assert parts["ffn"] == 80 * 3 * 8192 * 28672
    assert parts["norms"] == 161 * 8192


def test_every_catalog_model_has_its_published_count_and_kv_bytes():
    # exact bf16 KV bytes per token: 2 L K d_h x 2, or L (r_kv + d_rope) x 2 under MLA
    kv = {"llama-3.1-405b": 516_096, "qwen2.5-7b": 57_344, "qwen2.5-72b": 327_680,
          "gemma-2-9b": 344_064, "gemma-2-27b": 376_832, "deepseek-v3": 70_272,
          "qwen3-30b-a3b": 98_304, "mistral-7b": 131_072}  # fmt: skip
    for name, per_token in kv.items():
        m = im.get_model(name)
        assert m.published_params == m.params == PUBLISHED[name]
        assert im.kv_bytes_per_token(m) == per_token


def test_active_parameters_of_the_new_mixtures():
    assert im.get_model("deepseek-v3").active_params == 37_552_282_624  # "37B activated"
    assert im.get_model("qwen3-30b-a3b").active_params == 3_353_032_704  # "3.3B activated"


def test_mistral_carries_its_window():
    m = im.get_model("mistral-7b")
    assert m.sliding_window == 4096 and m.sliding_layers == "all"


def test_mixtral_active_parameters():
    m = im.get_model("mixtral-8x7b")
    assert m.active_params == 12_879_925_248  # 2 of 8 experts per layer
    assert m.expert_params == 3 * 4096 * 14336


def test_matmul_params_leave_out_embedding_lookup_and_norms():
    m = im.get_model("llama-2-70b")
    assert m.matmul_params == m.params - 32000 * 8192 - 161 * 8192


def test_gated_ffn_matters():
    # A two-matrix calculator undercounts Llama-2-70B's feed-forward by a third.
    m = im.get_model("llama-2-70b")
    import dataclasses

    two = dataclasses.replace(m, gated_ffn=False)
    assert m.params - two.params == 80 * 8192 * 28672


LLAMA_70B_CONFIG = {
    "architectures": ["LlamaForCausalLM"],
    "hidden_size": 8192,
    "intermediate_size": 28672,
    "max_position_embeddings": 4096,
    "model_type": "llama",
    "num_attention_heads": 64,
    "num_hidden_layers": 80,
    "num_key_value_heads": 8,
    "rms_norm_eps": 1e-05,
    "tie_word_embeddings": False,
    "vocab_size": 32000,
}


def test_from_hf_config_dict_and_file(tmp_path):
    m = im.from_hf_config(LLAMA_70B_CONFIG, name="x")
    assert m.params == PUBLISHED["llama-2-70b"]
    path = tmp_path / "config.json"
    path.write_text(json.dumps(LLAMA_70B_CONFIG))
    assert im.from_hf_config(path).params == PUBLISHED["llama-2-70b"]
    assert im.get_model(str(path)).params == PUBLISHED["llama-2-70b"]


def test_from_hf_config_reads_head_dim_when_present():
    # Models such as Gemma set head_dim different from hidden / heads.
    cfg = dict(LLAMA_70B_CONFIG, head_dim=256)
    m = im.from_hf_config(cfg)
    assert m.head_dim == 256
    assert im.kv_bytes_per_token(m) == 2 * 80 * 8 * 256 * 2


def test_from_hf_config_mixtral():
    cfg = {
        "model_type": "mixtral",
        "hidden_size": 4096,
        "intermediate_size": 14336,
        "max_position_embeddings": 32768,
        "num_attention_heads": 32,
        "num_hidden_layers": 32,
        "num_key_value_heads": 8,
        "num_local_experts": 8,
        "num_experts_per_tok": 2,
        "vocab_size": 32000,
        "tie_word_embeddings": False,
    }
    assert im.from_hf_config(cfg).params == PUBLISHED["mixtral-8x7b"]


def test_from_hf_config_defaults_kv_heads_to_heads():
    cfg = {k: v for k, v in LLAMA_70B_CONFIG.items() if k != "num_key_value_heads"}
    assert im.from_hf_config(cfg).n_kv_heads == 64


def test_tied_embeddings_drop_the_lm_head():
    cfg = dict(LLAMA_70B_CONFIG, tie_word_embeddings=True)
    assert im.from_hf_config(cfg).params == PUBLISHED["llama-2-70b"] - 32000 * 8192
