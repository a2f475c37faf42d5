"""The model catalog: the architectures the book prices, each with its published parameter
count, source and date (chapter 1), and ``get_model``, which also reads a config.json.

GPT-3.5's architecture is not public, so it is not here: anything the book says about its
size is a labelled scenario, never a catalog entry.
"""

from __future__ import annotations

import os
from dataclasses import fields

from ..core.checks import lookup
from .hfconfig import from_hf_config
from .spec import Model

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
