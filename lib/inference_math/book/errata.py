"""The source article's slips, each set beside the figure the library computes.

Sanger (2023) is careful where it matters (its conclusions survive every correction here),
but a reader who checks its arithmetic trips over a handful of slips. ``article_errata()``
lists them: what the article says (from ``article.ARTICLE_CLAIMS`` and ``SLIP_CLAIMS``, the
article's own figures), the corrected figure computed by the library now, and why they
differ. Chapter 10 prints the list as a table; nothing in it is typed twice.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..core import units
from ..evidence.appendix import load_appendix
from ..evidence.article import Claim, article_claim
from ..model.flops import attention_flops_per_token
from ..model.sizes import kv_bytes_per_token, weight_bytes
from ..hardware.gpus import get_gpu
from ..model.catalog import get_model
from ..economics.prices import ARTICLE_API, get_api_price
from ..serving.deployment import SCENARIOS, deployment
from ..serving.estimator import estimate

# Figures the article states that ``article.ARTICLE_CLAIMS`` does not hold (base units).
SLIP_CLAIMS: dict[str, Claim] = {
    "memory_8_gpus": Claim(1.28e12, "TB", "the memory of eight A100-80GB, written 1.28 TB"),
    "prefill_512_s": Claim(0.170, "ms", "batch-1 prefill of 512 tokens, 'about 170 ms'"),
    "usd_per_s": Claim(0.0012, "$/s", "two A100-80GB at $4.42/hour, rounded per second"),
    "usd_per_1k_prompt": Claim(0.00042, "$", "USD per 1K prompt tokens on 2 x A100-80GB"),
    "long_sequence_a": Claim(7584, "tokens", "prompt length of two appendix runs"),
    "long_sequence_b": Claim(8192, "tokens", "a sequence length the article uses"),
    "text_bandwidth": Claim(2e12, "TB/s", "the A100's memory bandwidth, '2 TB/s', in the text"),
    "batch_64": Claim(64, "sequences", "the batch at which it says pricing beats 'GPT-4'"),
}


@dataclass(frozen=True)
class Erratum:
    """One slip of the source article: what it says, what is right, and why (chapter 10)."""

    key: str
    topic: str
    article: str  # what the article says, formatted
    correct: str  # the corrected figure, computed and formatted
    why: str
    article_value: float  # base units; NaN where the slip is a word, not a number
    correct_value: float


def appendix_bandwidth_divisor(runs=None) -> float:
    """The bandwidth the appendix's memory-utilisation column divides by, in bytes/s: the
    median over runs of decode TB/s per GPU over the utilisation (1.5e12, where the text says
    2 TB/s and the A100-80GB SXM's datasheet 2.039 TB/s)."""
    runs = load_appendix() if runs is None else runs
    return float(np.median(runs["decode_tb_per_s_per_gpu"] / runs["decode_mem_util"])) * 1e12


def article_errata() -> list[Erratum]:
    """Every slip, in the order a reader meets them; corrected values computed now.
    Chapter 10 uses it."""
    llama = get_model("llama-2-70b")
    scenario = SCENARIOS["article-2023"]
    out = []

    d_claim = article_claim("d_model").value
    ctx = llama.max_context
    right = float(attention_flops_per_token(llama, ctx))
    wrong = right * d_claim / (llama.n_heads * llama.head_dim)
    out.append(
        Erratum(
            "hidden-size",
            "Llama-2-70B's hidden size",
            f"{units.fmt_int(d_claim)}, so attention scores at {units.fmt_int(ctx)} tokens of "
            f"context cost {units.fmt_si(wrong, 'FLOP', 'G')} a token",
            f"{units.fmt_int(llama.d_model)}: {units.fmt_si(right, 'FLOP', 'G')} a token",
            f"Llama-2-7B's width is {units.fmt_int(get_model('llama-2-7b').d_model)}; attention "
            f"FLOPs scale with the width, so the estimate is {units.fmt_ratio(right / wrong, 1)} "
            "low",
            d_claim,
            float(llama.d_model),
        )
    )

    heads = article_claim("mha_heads").value
    mha = dataclasses.replace(llama, n_kv_heads=llama.n_heads)
    mha_wrong = dataclasses.replace(llama, n_heads=int(heads), n_kv_heads=int(heads))
    out.append(
        Erratum(
            "mha-heads",
            "heads a multi-head cache would hold",
            f"{units.fmt_int(heads)}: {units.fmt_bytes(kv_bytes_per_token(mha_wrong), 'MB')} of "
            "KV per token",
            f"{units.fmt_int(llama.n_heads)}: {units.fmt_bytes(kv_bytes_per_token(mha), 'MB')} per "
            f"token, {units.fmt_ratio(llama.n_heads / llama.n_kv_heads, 1)} the grouped-query "
            "cache",
            f"multi-head attention gives each of the {units.fmt_int(llama.n_heads)} query heads "
            "its own key/value head",
            heads,
            float(llama.n_heads),
        )
    )

    kv = kv_bytes_per_token(llama)
    mb = article_claim("kv_bytes_per_token_mb").value
    kb = article_claim("kv_bytes_per_token").value
    out.append(
        Erratum(
            "kv-mb",
            "KV cache per token",
            f"{units.fmt_bytes(mb, 'MB')} (once; {units.fmt_bytes(kb, 'KB')} elsewhere)",
            f"{units.fmt_int(kv)} B = {units.fmt_bytes(kv, 'KiB')} = {units.fmt_bytes(kv, 'KB')}",
            f"MB for KB, {units.fmt_ratio(mb / kv, 3)} too large; and "
            f"{units.fmt_sig(kv / units.KiB)} is the count in KiB, not KB",
            mb,
            kv,
        )
    )

    gpu = scenario["gpu"]
    mem8 = SLIP_CLAIMS["memory_8_gpus"].value
    gib8 = 8 * get_gpu("a100-80gb-sxm").memory_bytes
    out.append(
        Erratum(
            "memory-8",
            "memory of eight A100-80GB",
            units.fmt_bytes(mem8, "TB"),
            f"{units.fmt_bytes(8 * gpu.memory_bytes, 'GB')} "
            f"({units.fmt_bytes(gib8, 'GB')} reading 80 GB as GiB)",
            f"{units.fmt_bytes(mem8, 'TB')} is "
            f"{units.fmt_int(round(mem8 / gpu.memory_bytes))} GPUs' worth",
            mem8,
            8 * gpu.memory_bytes,
        )
    )

    exact = weight_bytes(llama, "bf16")
    low = article_claim("weight_bytes_low").value
    nominal = scenario["params"] * 2
    out.append(
        Erratum(
            "weights",
            "bf16 weights",
            f"{units.fmt_bytes(nominal, 'GB', sig=3)} in one place, "
            f"{units.fmt_bytes(low, 'GB', sig=3)} in another",
            f"{units.fmt_bytes(exact, 'GB', decimals=2)} ({units.fmt_int(llama.params)} parameters "
            "x 2 bytes)",
            f"{units.fmt_bytes(nominal, 'GB', sig=3)} is 2 bytes x the rounded "
            f"{units.fmt_sig(scenario['params'] / 1e9, 2)}B parameters; "
            f"{units.fmt_bytes(low, 'GB', sig=3)} is {units.fmt_percent(1 - low / exact)} below "
            "the exact count",
            low,
            exact,
        )
    )

    api = get_api_price(ARTICLE_API)
    b64 = int(SLIP_CLAIMS["batch_64"].value)
    price64 = float(
        estimate(deployment(scenario="article-2023"), batch=b64, prompt=0, completion=1)[
            "usd_per_1k_completion"
        ]
    )
    out.append(
        Erratum(
            "gpt-4",
            f"batch-{b64} pricing 'better than GPT-4'",
            "better pricing than GPT-4",
            f"{units.fmt_usd(price64, 3)} per 1K completion tokens, under {api.name}'s "
            f"{units.fmt_usd(api.usd_per_1k_output, 1)}",
            "the comparison throughout is with GPT-3.5",
            float("nan"),
            price64,
        )
    )

    long_a = SLIP_CLAIMS["long_sequence_a"].value
    long_b = SLIP_CLAIMS["long_sequence_b"].value
    runs = load_appendix()
    total = runs["prompt_tokens"] + runs["completion_tokens"]
    start_beyond = int(np.sum(runs["prompt_tokens"] > ctx))
    end_beyond = total[(total > ctx) & (runs["prompt_tokens"] <= ctx)]
    out.append(
        Erratum(
            "context",
            "sequence lengths",
            f"{units.fmt_int(long_a)} and {units.fmt_int(long_b)} tokens",
            f"at most {units.fmt_int(ctx)} (Llama-2's context): {start_beyond} appendix runs start "
            f"beyond it, and {end_beyond.size} more end {units.fmt_int(end_beyond.max() - ctx)} "
            "tokens past it",
            f"Llama-2 was trained on sequences of up to {units.fmt_int(ctx)} tokens; beyond that "
            "the arithmetic still runs, but the output is not to be trusted",
            long_a,
            float(ctx),
        )
    )

    divisor = appendix_bandwidth_divisor(runs)
    text_bw = SLIP_CLAIMS["text_bandwidth"].value
    sheet = get_gpu("a100-80gb-sxm").bandwidth_bytes_per_s
    row = 0
    util = runs["decode_tb_per_s_per_gpu"][row] * 1e12 / sheet
    out.append(
        Erratum(
            "mem-util",
            "the appendix's memory utilisation",
            f"computed against {units.fmt_si(divisor, 'B/s', 'T', sig=2)} (text: "
            f"{units.fmt_si(text_bw, 'B/s', 'T', sig=1)}); first run: "
            f"{units.fmt_percent(runs['decode_mem_util'][row], 3)}",
            f"against the datasheet's {units.fmt_si(sheet, 'B/s', 'T', sig=4)}: "
            f"{units.fmt_percent(util, 3)}",
            f"{units.fmt_si(divisor, 'B/s', 'T', sig=2)} is near the A100-40GB's "
            f"{units.fmt_si(get_gpu('a100-40gb-sxm').bandwidth_bytes_per_s, 'B/s', 'T', sig=4)}, "
            "not the 80GB's",
            divisor,
            sheet,
        )
    )

    per_s = SLIP_CLAIMS["usd_per_s"].value
    quoted = SLIP_CLAIMS["usd_per_1k_prompt"].value
    p2048 = estimate(deployment(scenario="article-2023"), batch=1, prompt=2048, completion=1)
    exact_usd = float(p2048["usd_per_1k_prompt"])
    usd_h = scenario["gpus"] * scenario["usd_per_gpu_hour"]
    out.append(
        Erratum(
            "prompt-price",
            "USD per 1K prompt tokens",
            f"{units.fmt_usd(quoted)}, from {units.fmt_usd(usd_h, 3)}/hour rounded to "
            f"{units.fmt_usd(per_s)}/s",
            f"{units.fmt_usd(exact_usd)} unrounded ({units.fmt_usd(usd_h / 3600, 3)}/s)",
            "rounding the per-second price down by "
            f"{units.fmt_percent(1 - per_s / (usd_h / 3600))} moves the result's second digit",
            quoted,
            exact_usd,
        )
    )

    art = deployment(scenario="article-2023")
    t512 = float(
        estimate(deployment(scenario="article-2023"), batch=1, prompt=512, completion=1)["ttft_s"]
    )
    out.append(
        Erratum(
            "prefill-512",
            "batch-1 prefill of 512 tokens",
            f"about {units.fmt_seconds(SLIP_CLAIMS['prefill_512_s'].value)}",
            f"{units.fmt_seconds(t512)} from the article's own assumptions",
            f"{units.fmt_int(512)} tokens x {units.fmt_si(art.flops_per_token, 'FLOP', 'G')} at "
            f"{units.fmt_si(art.achieved_flops, 'FLOP/s', 'T')}; the quoted figure is "
            f"{units.fmt_percent(1 - SLIP_CLAIMS['prefill_512_s'].value / t512)} short",
            SLIP_CLAIMS["prefill_512_s"].value,
            t512,
        )
    )
    return out
