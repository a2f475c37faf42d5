"""Chapter 8, Prompt tokens are cheap."""

from ..breakeven import usd_per_1k_prompt
from ..exercises import register
from ..prices import API_PRICES, ARTICLE_API, GPU_HOUR_QUOTES
from ..serving import deployment

_SCENARIO = "article-2023"
_LONG_PROMPT = 2048   # the chapter's long prompt: compute-bound, so any long length gives the same


def _h100_prompt() -> float:
    # AWS's p5 price of the article's month (the chapter's table uses the catalog's later one)
    quote = next(q for q in GPU_HOUR_QUOTES if q.gpu == "h100-sxm" and q.date == "2023-07")
    dep = deployment(scenario=_SCENARIO, gpu="h100-sxm", usd_per_gpu_hour=quote.usd_per_gpu_hour)
    return float(usd_per_1k_prompt(dep, _LONG_PROMPT))


def _even_price(gpu: str = "h100-sxm") -> float:
    # USD per 1K = 1000 c_h f / (3600 F MFU), solved for c_h at the API's input price, with the
    # GPU's own peak F (the chapter shows the A100's). The cost is proportional to the price,
    # so scale the scenario's price by the ratio.
    dep = deployment(scenario=_SCENARIO, gpu=gpu)
    per_1k = float(usd_per_1k_prompt(dep, _LONG_PROMPT))
    return float(dep.usd_per_gpu_hour) * API_PRICES[ARTICLE_API].usd_per_1k_input / per_1k


def _one_token(batch: int = 8) -> float:
    # one-token prompts prefilled eight at a time (the chapter shows batch 1)
    return float(usd_per_1k_prompt(deployment(scenario=_SCENARIO), 1, batch))


def _later_api_ratio() -> float:
    per_1k = float(usd_per_1k_prompt(deployment(scenario=_SCENARIO), _LONG_PROMPT))
    return API_PRICES["gpt-3.5-turbo-0125"].usd_per_1k_input / per_1k


register("ch08-h100-prompt", 8, "Prompt tokens on H100s at a 2023 price",
         "the prompt-cost formula with another GPU's peak and price; scenario overrides; "
         "comparing GPU prices of one provider and date", "compute", 1, 10, _h100_prompt, 0.01,
         "USD per 1K prompt tokens")
register("ch08-even-price", 8, "The H100 price at which prompts cost the same",
         "solving the sympy prompt-cost formula for the GPU-hour price; it scales with the peak",
         "derive", 2, 15, _even_price, 0.01, "USD per GPU-hour")
register("ch08-one-token", 8, "One-token prompts, eight at a time",
         "why a memory-bound prefill costs what a decode step of the same batch costs",
         "explain", 2, 10, _one_token, 0.01, "USD per 1K prompt tokens")
register("ch08-later-api", 8, "Against gpt-3.5-turbo-0125",
         "comparing against a later, dated API price", "extend", 2, 15, _later_api_ratio, 0.01,
         "x")
