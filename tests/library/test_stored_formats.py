"""Weights as checkpoints store them (issue 19): quantized matrices at their bits with their
scales, zero points and index tables, the rest in 16 bits, checked against published sizes.

Published sizes and their sources:
- gpt-oss-120b: 60.8 GiB (OpenAI's model card, arXiv 2508.10925).
- DeepSeek-R1 (fp8 blocks): the Hub's safetensors parameter counts by dtype, as recorded by a
  third party and already used by the catalog's DeepSeek-V3 entry: 3,918,786,560 bf16,
  680,571,043,840 fp8 and 684,531,386,000 in all, so 41,555,600 fp32; in bytes
  688,574,839,360, the multi-token-prediction module included.
- Llama-2-70B in AWQ int4, groups of 128: 36.61 GB (TheBloke's Synthia-70B-v1.2b-AWQ model
  card, a Llama-2-70B fine-tune; copy in a public repository the code index does not name).
- Llama-2-70B in GPTQ int4: 36.65 GB with groups of 128 and act-order, 35.33 GB without
  groups (TheBloke's Xwin-LM-70B-V0.1-GPTQ, vigogne-2-70B-chat-GPTQ and StableBeluga2-70B-GPTQ
  model cards, all Llama-2-70B fine-tunes).
- Qwen3-32B-FP8: about 34 GB (the issue's figure).
- MiniMax-M1, unquantized: model.safetensors.index.json's total_size 912,210,767,872 (the
  official MiniMax-AI/MiniMax-M1 repository at 2abb4f45), 2 bytes a parameter of
  transformers' 456,089,655,296 but for 80 routers stored in fp32.
"""

from __future__ import annotations

import dataclasses
import json
import math
import pathlib

import pytest

import inference_math as im
from inference_math.model import architecture
from inference_math.model.quantconfig import read_stored_format
from inference_math.model.sizes import (
    deployment_weights,
    stored_weight_bytes,
    stored_weight_bytes_read,
)
from inference_math.model.stored import Scheme, StoredFormat, stored_bytes_by_component

ROOT = pathlib.Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "tests" / "data" / "configs"
GiB = 2**30
LLAMA_2_70B = {  # Meta's Llama-2-70b-hf config.json fields (as tests/library/test_models.py)
    "model_type": "llama", "hidden_size": 8192, "intermediate_size": 28672,
    "max_position_embeddings": 4096, "num_attention_heads": 64, "num_hidden_layers": 80,
    "num_key_value_heads": 8, "vocab_size": 32000, "tie_word_embeddings": False,
    "torch_dtype": "float16",
}  # fmt: skip
# TheBloke's AWQ block, as transformers' docs/source/en/quantization/awq.md shows it
AWQ = {"quant_method": "awq", "zero_point": True, "group_size": 128, "bits": 4, "version": "gemm"}
GPTQ = {"quant_method": "gptq", "bits": 4, "group_size": 128, "desc_act": True, "sym": True}


def load(folder):
    return im.from_hf_config(CONFIGS / folder / "config.json")


def test_gpt_oss_120b_is_the_model_cards_60_8_gib():
    m = load("gpt-oss-120b")
    assert m.stored.dtype == "mxfp4" and m.stored.quantized == ("experts",)
    nbytes = stored_weight_bytes(m)
    experts = 36 * 128 * 3 * 2880 * 2880  # MXFP4: 4 bits + one byte per 32
    assert nbytes == experts * 4.25 / 8 + (m.params - experts) * 2 == 65_248_815_744
    assert round(nbytes / GiB, 1) == 60.8 and abs(nbytes / (60.8 * GiB) - 1) < 0.05
    # the catalog's entry carries the same format
    assert stored_weight_bytes("gpt-oss-120b") == nbytes
    # everything in mxfp4 would be smaller: attention and the embeddings stay in bf16
    assert im.weight_bytes(m, "mxfp4") < nbytes < im.weight_bytes(m, "bf16") / 3.5
    small = load("gpt-oss-20b")
    assert round(stored_weight_bytes(small) / GiB, 2) == 12.82


def test_deepseek_r1_fp8_blocks_match_the_hubs_bytes_exactly():
    m = load("deepseek-r1")
    fmt = m.stored
    assert fmt.scheme == Scheme(8, "block", group=128, block_rows=128, scale_bytes=4)
    assert "router" not in fmt.quantized and "lm_head" not in fmt.quantized

    def quantized(layer):
        return [(r, c, n) for role, r, c, n in architecture.layer_matrices(m, layer)
                if fmt.quantizes(role, layer)]  # fmt: skip

    scales = sum(fmt.scheme.scales(r, c) * n for i in range(61) for r, c, n in quantized(i))
    mtp_scales = sum(fmt.scheme.scales(r, c) * n for r, c, n in quantized(3))
    # the Hub's fp32 tensors are the block scales (576-row kv_a rounds up to 5 blocks) and
    # 59 x 256 router biases: the main model's scales and one more mixture layer's (the MTP)
    assert scales + mtp_scales + 59 * 256 == 684_531_386_000 - 3_918_786_560 - 680_571_043_840
    main = stored_weight_bytes(m)
    assert main == 673_150_552_416
    params = sum(r * c * n for r, c, n in quantized(3))
    mtp = sum(fmt.scheme.matrix_bytes(r, c) * n for r, c, n in quantized(3))
    mtp += (m.mtp_params - params) * 2 + 2 * 129280 * 7168 * 2 + 59 * 256 * 4
    assert main + mtp == 3_918_786_560 * 2 + 680_571_043_840 + 41_555_600 * 4
    assert abs(main / 688_574_839_360 - 1) < 0.05  # the main model alone, 2.2% less


def test_qwen3_32b_fp8_is_about_34_gb():
    m = load("qwen3-32b-fp8")
    per_layer_blocks = 64 * 40 + 2 * 8 * 40 + 40 * 64 + 3 * 200 * 40
    linear = 64 * (8192 * 5120 + 2 * 1024 * 5120 + 5120 * 8192 + 3 * 25600 * 5120)
    expected = linear + 64 * per_layer_blocks * 4 + (m.params - linear) * 2
    assert stored_weight_bytes(m) == expected == 34_326_243_328
    assert abs(expected / 34e9 - 1) < 0.05


def test_llama_2_70b_awq_is_thebloke_s_36_61_gb():
    m = im.from_hf_config({**LLAMA_2_70B, "quantization_config": AWQ}, name="awq")
    assert m.stored.dtype == "int4" and "lm_head" not in m.stored.quantized
    linear = 80 * (2 * 8192 * 8192 + 2 * 1024 * 8192 + 3 * 8192 * 28672)
    groups = linear // 128  # an fp16 scale and a 4-bit zero point each
    nbytes = stored_weight_bytes(m)
    assert nbytes == linear / 2 + groups * 2.5 + (m.params - linear) * 2 == 36_613_668_864
    assert round(nbytes / 1e9, 2) == 36.61
    # the article's int4 (half a byte for every parameter) is 6% lighter
    assert im.weight_bytes(m, "int4") / nbytes == pytest.approx(0.942, abs=0.001)


def test_llama_2_70b_gptq_matches_thebloke_s_branches():
    m = im.from_hf_config({**LLAMA_2_70B, "quantization_config": GPTQ}, name="gptq")
    columns = 80 * (6 * 8192 + 28672)  # g_idx: one int32 per input column of each matrix
    awq = im.from_hf_config({**LLAMA_2_70B, "quantization_config": AWQ}, name="awq")
    assert stored_weight_bytes(m) == stored_weight_bytes(awq) + 4 * columns
    assert abs(stored_weight_bytes(m) / 36.65e9 - 1) < 0.001
    no_groups = {**GPTQ, "group_size": -1}
    rowwise = im.from_hf_config({**LLAMA_2_70B, "quantization_config": no_groups})
    assert rowwise.stored.scheme.layout == "row"
    assert abs(stored_weight_bytes(rowwise) / 35.33e9 - 1) < 0.001


def test_nvfp4_from_hf_quant_config_beside_the_file():
    m = load("nvidia-deepseek-v3.1-nvfp4")
    fmt = m.stored
    assert fmt.source == "hf_quant_config.json" and fmt.dtype == "nvfp4"
    # exclude_modules lists every layer's latent projections (and the MTP layer 61*)
    assert fmt.quantized == ("o", "ffn", "shared", "experts") and fmt.kept_layers == ()
    parts = stored_bytes_by_component(m)
    experts = 58 * 256 * 3 * 7168 * 2048
    assert parts["experts"] == experts * 4.5 / 8 + 58 * 256 * 3 * 8  # two fp32 per tensor
    one = architecture.layer_matrices(m, 0)
    attention = sum(r * c * n for role, r, c, n in one if role not in ("o", "ffn"))
    o_proj = 7168 * 16384
    assert parts["attention"] == 61 * (attention * 2 + o_proj * 4.5 / 8 + 8)
    assert parts["lm_head"] == 129280 * 7168 * 2  # excluded, bf16
    # the same config without the file beside it: its config.json names no quantization
    alone = json.loads((CONFIGS / "nvidia-deepseek-v3.1-nvfp4" / "config.json").read_text())
    assert im.from_hf_config(alone).stored.scheme is None


def test_modelopt_fp8_per_tensor_keeps_the_excluded_lm_head():
    m = load("nvidia-llama-3.1-70b-instruct-fp8")
    assert m.stored.dtype == "fp8" and "lm_head" not in m.stored.quantized
    linear = 80 * (2 * 8192 * 8192 + 2 * 1024 * 8192 + 3 * 8192 * 28672)
    assert stored_weight_bytes(m) == linear + 80 * 7 * 8 + (m.params - linear) * 2


def test_compressed_tensors_fp8_channel_leaves_its_ignore_list_in_bf16():
    m = load("llama-4-scout-17b-16e-instruct-fp8-dynamic")
    fmt = m.stored
    assert fmt.dtype == "fp8" and fmt.quantized == ("shared", "experts")
    parts = stored_bytes_by_component(m)
    # the ignore list names every layer's q, k, v, o and router: bf16
    assert parts["attention"] == 48 * 2 * (2 * 5120 * 5120 + 2 * 1024 * 5120)
    experts = 48 * 16 * 3 * 5120 * 8192
    rows = 48 * 16 * (2 * 8192 + 5120)  # one bf16 scale per output row
    assert parts["experts"] == experts + rows * 2
    assert parts["vision"] == 871_932_416 * 2 and parts["lm_head"] == 202048 * 5120 * 2


def test_bitsandbytes_nf4_and_int8():
    nf4 = {"quant_method": "bitsandbytes", "load_in_4bit": True, "bnb_4bit_quant_type": "nf4",
           "bnb_4bit_use_double_quant": True}  # fmt: skip
    m = im.from_hf_config({**LLAMA_2_70B, "quantization_config": nf4})
    linear = 80 * (2 * 8192 * 8192 + 2 * 1024 * 8192 + 3 * 8192 * 28672)
    absmax = 1 + 4 / 256  # 8-bit absmax per 64, an fp32 scale per 256 of those
    assert stored_weight_bytes(m) == pytest.approx(
        linear / 2 + linear / 64 * absmax + (m.params - linear) * 2, rel=1e-12
    )
    assert m.stored.dtype == "int4" and "nf4" in m.stored.name
    int8 = {"quant_method": "bitsandbytes", "load_in_8bit": True}
    m8 = im.from_hf_config({**LLAMA_2_70B, "quantization_config": int8})
    rows = 80 * (8192 + 2 * 1024 + 8192 + 2 * 28672 + 8192)
    assert stored_weight_bytes(m8) == linear + rows * 4 + (m.params - linear) * 2


def test_unquantized_checkpoints_take_their_torch_dtype():
    olmo = load("olmo-2-0325-32b")  # float32 on the Hub
    assert olmo.stored.dtype == "fp32" and stored_weight_bytes(olmo) == 4 * olmo.params
    gemma = load("gemma-3-27b-it")  # image encoder included, in bf16
    assert stored_weight_bytes(gemma) == 2 * gemma.params
    # MiniMax-M1's config names no torch_dtype: no format is guessed, and the library's
    # default, bf16 for every parameter, is what its index's total_size records
    minimax = json.loads((CONFIGS / "minimax-m1" / "config.json").read_text())
    assert read_stored_format(minimax, "minimax-m1", 80) is None  # the hybrid is refused
    fmt = read_stored_format({**minimax, "torch_dtype": "bfloat16"}, "minimax-m1", 80)
    assert fmt == StoredFormat("bf16, unquantized", "bf16", source="torch_dtype")
    counted = 456_089_655_296  # transformers' count (the README's listing)
    total_size = 912_210_767_872
    assert total_size - counted * fmt.plain_bytes == 80 * 32 * 6144 * 2  # fp32 routers
    assert abs(counted * fmt.plain_bytes / total_size - 1) < 0.0001


def test_stored_bytes_account_for_every_parameter():
    for name in ("llama-2-70b", "deepseek-v3", "gpt-3-175b", "gpt-oss-120b", "llama-4-scout",
                 "gemma-3-27b", "olmo-2-32b"):  # fmt: skip
        m = im.get_model(name)
        plain = StoredFormat("bf16", "bf16")
        assert stored_weight_bytes(dataclasses.replace(m, stored=plain)) == 2 * m.params
        parts = stored_bytes_by_component(m, plain)
        assert parts["vision"] == 2 * m.vision_params
        assert sum(parts.values()) == 2 * m.params
    with pytest.raises(ValueError, match="has no stored format"):
        stored_weight_bytes("llama-2-70b")


def test_deployment_weights_says_where_its_bytes_come_from():
    nbytes, dtype, note = deployment_weights("gpt-oss-120b")
    assert (nbytes, dtype) == (65_248_815_744, "mxfp4")
    assert note.startswith("as the checkpoint stores them: MXFP4") and "\n" not in note
    nbytes, dtype, note = deployment_weights("gpt-oss-120b", "BF16")
    assert (nbytes, dtype) == (2 * 116_829_156_672, "bf16")
    assert "explicit dtype over the checkpoint's MXFP4" in note
    nbytes, dtype, note = deployment_weights("llama-2-70b")
    assert (nbytes, dtype) == (137_953_296_384, "bf16") and "no stored format" in note
    assert deployment_weights("kimi-k2")[1] == "fp8"
    with pytest.raises(ValueError, match="unknown dtype"):
        deployment_weights("llama-2-70b", "fp5")


def test_a_mixture_reads_its_routed_experts_as_stored():
    m = im.get_model("gpt-oss-120b")
    one = stored_weight_bytes_read(m, 1)
    all_ = stored_weight_bytes(m)
    expert = (3 * 2880 * 2880 * 4.25 / 8) + (3 * 2880) * 2  # MXFP4 matrices, bf16 biases
    assert one == pytest.approx(all_ - 36 * 124 * expert, rel=1e-12)
    assert stored_weight_bytes_read(m, 10**9) == pytest.approx(all_, rel=1e-9)
    scout = im.get_model("llama-4-scout")  # the image encoder is never read
    fp8 = dataclasses.replace(scout, stored=load("llama-4-scout-17b-16e-instruct-fp8-dynamic")
                              .stored)  # fmt: skip
    assert stored_weight_bytes_read(fp8, 10**9) == pytest.approx(
        stored_weight_bytes(fp8) - 2 * scout.vision_params, rel=1e-9
    )


# ----- malformed quantization configs: one ValueError naming the field ----------------------

BAD = [
    ({"bits": 4}, "missing key quant_method"),
    ({"quant_method": "hqq"}, "quant_method must be one of fp8, compressed-tensors"),
    ({"quant_method": "fp8", "weight_block_size": [128]}, "weight_block_size must be two"),
    ({"quant_method": "fp8", "fmt": "e3m4"}, "fmt must be 'e4m3' or 'e5m2'"),
    ({"quant_method": "awq", "bits": 3, "group_size": 128}, "bits must be one of (4,)"),
    ({"quant_method": "awq", "bits": 4}, "missing key group_size"),
    ({"quant_method": "awq", "bits": 4, "group_size": 0}, "group_size must be a positive"),
    ({"quant_method": "gptq", "bits": "4", "group_size": 128}, "bits must be one of (4, 8)"),
    ({"quant_method": "mxfp4", "modules_to_not_convert": "lm_head"},
     "modules_to_not_convert must be a list of module names"),
    ({"quant_method": "bitsandbytes"}, "exactly one of load_in_4bit and load_in_8bit"),
    ({"quant_method": "bitsandbytes", "load_in_4bit": True, "bnb_4bit_quant_type": "int4"},
     "bnb_4bit_quant_type must be 'nf4' or 'fp4'"),
    ({"quant_method": "compressed-tensors"}, "config_groups must be a non-empty JSON object"),
    ({"quant_method": "compressed-tensors",
      "config_groups": {"g": {"targets": ["Linear"], "weights": {"num_bits": 4}}}},
     "missing key strategy"),
    ({"quant_method": "compressed-tensors",
      "config_groups": {"a": {"targets": ["Linear"],
                              "weights": {"num_bits": 4, "strategy": "group", "group_size": 128}},
                        "b": {"targets": ["re:.*experts.*"],
                              "weights": {"num_bits": 8, "strategy": "channel"}}}},
     "2 different schemes"),
    ({"quant_method": "modelopt", "quant_algo": "INT4_AWQ"}, "quant_algo must be 'FP8' or"),
    ("awq", "quantization_config must be a JSON object"),
]  # fmt: skip


@pytest.mark.parametrize("block,message", BAD)
def test_malformed_quantization_config_is_one_error_naming_the_field(block, message):
    with pytest.raises(ValueError) as err:
        im.from_hf_config({**LLAMA_2_70B, "quantization_config": block})
    text = str(err.value)
    assert message in text and "\n" not in text, text


def test_malformed_torch_dtype_and_hf_quant_config(tmp_path):
    with pytest.raises(ValueError, match="torch_dtype must be one of bfloat16"):
        im.from_hf_config({**LLAMA_2_70B, "torch_dtype": "float8"})
    (tmp_path / "config.json").write_text(json.dumps(LLAMA_2_70B))
    (tmp_path / "hf_quant_config.json").write_text(json.dumps({"quantization": []}))
    with pytest.raises(ValueError, match=r"hf_quant_config.json\): quantization must be"):
        im.from_hf_config(tmp_path / "config.json")
    (tmp_path / "hf_quant_config.json").write_text("{not json")
    with pytest.raises(ValueError, match="hf_quant_config.json is not valid JSON"):
        im.from_hf_config(tmp_path / "config.json")


def test_scheme_and_format_refuse_what_no_checkpoint_stores():
    with pytest.raises(ValueError, match="Scheme layout must be one of"):
        Scheme(4, "diagonal")
    with pytest.raises(ValueError, match="Scheme group must be a positive size"):
        Scheme(4, "group")
    with pytest.raises(ValueError, match="quantized must be a tuple of roles"):
        StoredFormat("x", "int4", Scheme(4, "row", scale_bytes=2), ("attention",))
    with pytest.raises(ValueError, match="quantized names roles but scheme is None"):
        StoredFormat("x", "int4", None, ("ffn",))
    assert Scheme(4, "block", group=128, block_rows=128).scales(576, 7168) == 5 * 56
    assert math.isclose(Scheme(4, "flat", group=64, scale_bytes=4).matrix_bytes(8, 8), 36)
