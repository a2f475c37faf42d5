"""Chapter 5, Prompt processing is compute-bound and cheap."""

from inference_math import compute_bound_prompt, deployment, estimate, prefill_time
from inference_math.exercises import exercise


@exercise(
    "ch05-h100-ttft",
    title="Prefill on two H100s",
    practises="prefill time at a given MFU; checking the compute-bound regime",
    kind="compute",
    difficulty=1,
    minutes=5,
    rel_tol=0.005,
    unit="s",
)
def _h100_ttft() -> float:
    return float(prefill_time(deployment("llama-2-70b", "h100-sxm", 2, step_model="article"), 1536))


@exercise(
    "ch05-batched-crossover",
    title="The crossover with a batch of prompts",
    practises="solving compute = memory with B prompts per step",
    kind="derive",
    difficulty=2,
    minutes=10,
    rel_tol=0.005,
    unit="tokens",
)
def _batched_crossover(batch: int = 8) -> float:
    """The weights are read once per step, so B prompts share the crossover: N* / B."""
    return float(compute_bound_prompt(deployment(scenario="article-2023"))) / batch


@exercise(
    "ch05-short-prompt-mfu",
    title="What a short prompt leaves idle",
    practises="achieved FLOP/s in the memory-bound regime",
    kind="explain",
    difficulty=2,
    minutes=10,
    rel_tol=0.005,
    unit="",
)
def _short_prompt_mfu(prompt: int = 32) -> float:
    dep = deployment(scenario="article-2023")
    seconds = float(prefill_time(dep, prompt))
    return prompt * dep.flops_per_token / seconds / (float(dep.gpus) * dep.gpu.bf16_flops)


@exercise(
    "ch05-h100-cost",
    title="Prompt tokens on H100s",
    practises="cost per 1K prompt tokens from prefill time and a GPU-hour price",
    kind="extend",
    difficulty=2,
    minutes=10,
    rel_tol=0.005,
    unit="USD per 1K tokens",
)
def _h100_prompt_cost() -> float:
    return float(
        estimate("llama-2-70b", "h100-sxm", 2, prompt=1536, completion=0, step_model="article")[
            "usd_per_1k_prompt"
        ]
    )
