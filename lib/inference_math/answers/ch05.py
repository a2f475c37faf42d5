"""Chapter 5, Prompt processing is compute-bound and cheap."""

from ..exercises import register
from ..serving import (compute_bound_prompt, deployment, dep_flops_per_token, estimate,
                       prefill_time)


def _h100_ttft() -> float:
    return float(prefill_time(deployment("llama-2-70b", "h100-sxm", 2), 1536))


def _batched_crossover(batch: int = 8) -> float:
    """The weights are read once per step, so B prompts share the crossover: N* / B."""
    return float(compute_bound_prompt(deployment(scenario="article-2023"))) / batch


def _short_prompt_mfu(prompt: int = 32) -> float:
    dep = deployment(scenario="article-2023")
    seconds = float(prefill_time(dep, prompt))
    return prompt * dep_flops_per_token(dep) / seconds / (float(dep.gpus) * dep.gpu.bf16_flops)


def _h100_prompt_cost() -> float:
    return float(estimate("llama-2-70b", "h100-sxm", 2, prompt=1536, completion=0)
                 ["usd_per_1k_prompt"])


register("ch05-h100-ttft", 5, "Prefill on two H100s", "prefill time at a given MFU; "
         "checking the compute-bound regime", "compute", 1, 5, _h100_ttft, 0.005, "s")
register("ch05-batched-crossover", 5, "The crossover with a batch of prompts",
         "solving compute = memory with B prompts per step", "derive", 2, 10,
         _batched_crossover, 0.005, "tokens")
register("ch05-short-prompt-mfu", 5, "What a short prompt leaves idle",
         "achieved FLOP/s in the memory-bound regime", "explain", 2, 10, _short_prompt_mfu,
         0.005, "")
register("ch05-h100-cost", 5, "Prompt tokens on H100s", "cost per 1K prompt tokens from "
         "prefill time and a GPU-hour price", "extend", 2, 10, _h100_prompt_cost, 0.005,
         "USD per 1K tokens")
