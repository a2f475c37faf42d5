"""What quantization costs in quality, as others measured it (chapter 13).

The library prices a quantized model by its bytes and FLOPs; whether the quantized model still
answers as well is not arithmetic but measurement. ``QUANT_RECOVERY`` keeps published
recoveries: a quantized checkpoint's average score on a benchmark suite over the unquantized
model's score under the same evaluation, from the model cards of Neural Magic (now Red Hat
AI), whose methods and results Kurtic et al. (2024), "'Give Me BF16 or Give Me Death'?
Accuracy-Performance Trade-Offs in LLM Quantization", arXiv:2411.02355, report at length.
Cards were revised over time (Meta changed the chat template and the baselines were rerun), so
each entry names the card it was read from, and a recovery is only compared with its own
card's baseline.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.checks import lookup


@dataclass(frozen=True)
class QuantRecovery:
    """A quantized checkpoint's score and its unquantized baseline's, on one benchmark
    suite, as a model card published them. Chapter 13 uses it."""

    name: str  # the checkpoint
    model: str  # a key of models.MODELS
    dtype: str  # the library's weight format that prices it
    scheme: str  # as the card names it
    score: float
    baseline: float
    benchmark: str
    date: str  # the checkpoint's release date, as its card gives it
    source: str

    @property
    def recovery(self) -> float:
        """The quantized score over the baseline's: 1 means nothing measurable was lost."""
        return self.score / self.baseline


_OPENLLM = "OpenLLM leaderboard v1 average (six tasks; lm-evaluation-harness with vLLM)"
_CARD = "Neural Magic's model card on Hugging Face, huggingface.co/neuralmagic/{name}"
# fmt: off
QUANT_RECOVERY: dict[str, QuantRecovery] = {r.name.lower(): r for r in [
    QuantRecovery("Meta-Llama-3.1-8B-Instruct-quantized.w4a16", "llama-3.1-8b", "int4",
                  "W4A16: int4 weights (GPTQ, symmetric per channel), 16-bit activations",
                  67.57, 69.32, _OPENLLM, "2024-07-26",
                  _CARD.format(name="Meta-Llama-3.1-8B-Instruct-quantized.w4a16")
                  + ", revision 34fbd4c"),
    QuantRecovery("Meta-Llama-3.1-8B-Instruct-FP8", "llama-3.1-8b", "fp8",
                  "FP8 weights and activations (symmetric per tensor)",
                  73.44, 73.79, _OPENLLM, "2024-07-23",
                  _CARD.format(name="Meta-Llama-3.1-8B-Instruct-FP8")
                  + ", read in a verbatim copy on Hugging Face (yejingfu/"
                  "nmagic-Meta-Llama-3.1-8B-Instruct-FP8); the original card not retrieved"),
    QuantRecovery("Meta-Llama-3.1-70B-Instruct-quantized.w4a16", "llama-3.1-70b", "int4",
                  "W4A16: int4 weights (GPTQ, symmetric per channel), 16-bit activations",
                  78.54, 78.67, _OPENLLM, "2024-07-26",
                  _CARD.format(name="Meta-Llama-3.1-70B-Instruct-quantized.w4a16")
                  + ", as stored"),
    QuantRecovery("Meta-Llama-3.1-70B-Instruct-FP8", "llama-3.1-70b", "fp8",
                  "FP8 weights and activations (symmetric per tensor)",
                  84.29, 84.40, _OPENLLM, "2024-07-23",
                  "Red Hat AI's model card on Hugging Face, huggingface.co/RedHatAI/"
                  "Meta-Llama-3.1-70B-Instruct-FP8 (formerly under neuralmagic/)"),
]}
# fmt: on


def get_quant_recovery(name_or_record) -> QuantRecovery:
    """A published recovery by checkpoint name (close matches suggested), or a
    ``QuantRecovery`` as is. Chapter 13 uses it."""
    if isinstance(name_or_record, QuantRecovery):
        return name_or_record
    return lookup("quantized checkpoint", name_or_record, QUANT_RECOVERY)
