"""Chapter 8, Prompt tokens are cheap."""

from inference_math import API_PRICES, ARTICLE_API, GPU_HOUR_QUOTES, deployment, usd_per_1k_prompt
from inference_math.exercises import exercise

_SCENARIO = "article-2023"
_LONG_PROMPT = 2048  # the chapter's long prompt: compute-bound, so any long length gives the same


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
