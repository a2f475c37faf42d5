"""Chapter 8, Prompt tokens are cheap."""

from inference_math import API_PRICES, ARTICLE_API, GPU_HOUR_QUOTES, deployment, usd_per_1k_prompt
from inference_math.book.exercises import exercise

_SCENARIO = "article-2023"
_LONG_PROMPT = 2048  # the chapter's long prompt: compute-bound, so any long length gives the same
_GROQ = "groq/llama-3.3-70b-versatile"  # the same model, hosted, 2026


@exercise(
    "ch08-h100-prompt",
    title="Prompt tokens on H100s at a 2023 price",
    practises="the prompt-cost formula with another GPU's peak and price; scenario overrides; "
    "comparing GPU prices of one provider and date",
    kind="compute",
    difficulty=1,
    minutes=10,
    rel_tol=0.01,
    unit="USD per 1K prompt tokens",
)
def _h100_prompt() -> float:
    # AWS's p5 price of the article's month (the chapter's table uses the catalog's later one)
    quote = next(q for q in GPU_HOUR_QUOTES if q.gpu == "h100-sxm" and q.date == "2023-07")
    dep = deployment(scenario=_SCENARIO, gpu="h100-sxm", usd_per_gpu_hour=quote.usd_per_gpu_hour)
    return float(usd_per_1k_prompt(dep, _LONG_PROMPT))


@exercise(
    "ch08-even-price",
    title="The H100 price at which prompts cost the same",
    practises="solving the sympy prompt-cost formula for the GPU-hour price; it scales with "
    "the peak",
    kind="derive",
    difficulty=2,
    minutes=15,
    rel_tol=0.01,
    unit="USD per GPU-hour",
)
def _even_price(gpu: str = "h100-sxm") -> float:
    # USD per 1K = 1000 c_h f / (3600 F MFU), solved for c_h at the API's input price, with the
    # GPU's own peak F (the chapter shows the A100's). The cost is proportional to the price,
    # so scale the scenario's price by the ratio.
    dep = deployment(scenario=_SCENARIO, gpu=gpu)
    per_1k = float(usd_per_1k_prompt(dep, _LONG_PROMPT))
    return float(dep.usd_per_gpu_hour) * API_PRICES[ARTICLE_API].usd_per_1k_input / per_1k


@exercise(
    "ch08-one-token",
    title="One-token prompts, eight at a time",
    practises="why a memory-bound prefill costs what a decode step of the same batch costs",
    kind="explain",
    difficulty=2,
    minutes=10,
    rel_tol=0.01,
    unit="USD per 1K prompt tokens",
)
def _one_token(batch: int = 8) -> float:
    # one-token prompts prefilled eight at a time (the chapter shows batch 1)
    return float(usd_per_1k_prompt(deployment(scenario=_SCENARIO), 1, batch))


@exercise(
    "ch08-later-api",
    title="Against gpt-3.5-turbo-0125",
    practises="comparing against a later, dated API price",
    kind="extend",
    difficulty=2,
    minutes=15,
    rel_tol=0.01,
    unit="x",
)
def _later_api_ratio() -> float:
    per_1k = float(usd_per_1k_prompt(deployment(scenario=_SCENARIO), _LONG_PROMPT))
    return API_PRICES["gpt-3.5-turbo-0125"].usd_per_1k_input / per_1k


def _same_day(gpu: str):
    # the chapter's one provider of one day (Hyperstack, 2026-08-26)
    return next(q for q in GPU_HOUR_QUOTES if q.provider == "Hyperstack" and q.gpu == gpu)


@exercise(
    "ch08-napkin-405b",
    title="Prompt tokens of a 405B model, on paper",
    practises="napkin math with the prompt-cost formula: twice the parameters at the price of "
    "a FLOP over MFU; the GPU count never enters",
    kind="estimate",
    difficulty=1,
    minutes=10,
    rel_tol=0.2,
    unit="USD per 1K prompt tokens",
)
def _napkin_405b() -> float:
    # the article's arithmetic (MFU, attention ignored) for Llama-3.1-405B on eight H200s at
    # the same-day price; the exact value the reader's estimate is checked against
    quote = _same_day("h200-sxm")
    dep = deployment(
        scenario=_SCENARIO,
        model="llama-3.1-405b",
        gpu="h200-sxm",
        gpus=8,
        usd_per_gpu_hour=quote.usd_per_gpu_hour,
    )
    return float(usd_per_1k_prompt(dep, _LONG_PROMPT))


@exercise(
    "ch08-long-prompt",
    title="How long a prompt stays cheap",
    practises="combining the prompt-cost formula with chapter 2's attention-score FLOPs; "
    "solving in sympy for the length at which a same-model API price catches up",
    kind="derive",
    difficulty=3,
    minutes=35,
    rel_tol=0.001,
    unit="tokens",
)
def _long_prompt() -> float:
    # Llama-3.3-70B on A100s at the same-day price, the article's MFU, attention counted.
    # A prompt of N tokens costs its mean FLOPs per token, f + A (N + 1) / 2 (token i attends
    # to i tokens at A = 4 L H d_h FLOPs each), at the price of a FLOP over MFU; solved for N
    # where that equals Groq's input price of the same model.
    quote = _same_day("a100-80gb-sxm")
    dep = deployment(
        scenario=_SCENARIO,
        model="llama-3.3-70b",
        gpu="a100-80gb-sxm",
        gpus=4,
        usd_per_gpu_hour=quote.usd_per_gpu_hour,
        attention=True,
    )
    p = API_PRICES[_GROQ].usd_per_1k_input
    usd_per_flop_1k = 1000 * dep.usd_per_gpu_hour / 3600 / (dep.peak_flops * dep.mfu)
    mean_flops = p / usd_per_flop_1k  # FLOPs per token at which a token costs p
    return float(2 * (mean_flops - dep.flops_per_token) / dep.attention_flops_per_context_token - 1)
