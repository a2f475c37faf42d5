"""What the source article states, figure by figure, so that a chapter can set each claim beside
the book's computation without typing it into the prose.

Sanger, "Why GPT-3.5 is (mostly) cheaper than Llama 2", Cursor blog, 20 July 2023. Its
modelling assumptions (70e9 parameters, 80e9 bytes and "2 TB/s" per A100, 200 TFLOP/s and
1.3 TB/s achieved) live in ``serving.deployment.SCENARIOS["article-2023"]``. The claims here are the
figures it states as architecture or as results, the wrong ones included; the chapters compute
the right value beside each. Values are in base units (bytes, tokens, sequences), with the unit
the article wrote them in and a description in our words.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.checks import lookup
from ..serving.deployment import SCENARIO_SOURCE


@dataclass(frozen=True)
class Claim:
    """One figure the source article states, with where it says it. Chapter 2 uses it first."""

    value: float  # in base units: bytes, tokens, heads, sequences
    unit: str  # the unit the article wrote the figure in
    what: str  # what the article says, paraphrased
    source: str = SCENARIO_SOURCE


# fmt: off
ARTICLE_CLAIMS: dict[str, Claim] = {
    # The configuration says 8192 (4096 is Llama-2-7B's width).
    "d_model": Claim(4096, "", "Llama-2-70B's hidden dimension, in the primer's architecture"),
    # Multi-head attention would give each of the 64 query heads its own key/value head.
    "mha_heads": Claim(128, "heads", "the heads multi-head attention would cache"),
    "kv_bytes_per_token": Claim(320e3, "KB", "KV-cache bytes per token, written 320 KB"),
    "kv_bytes_per_token_mb": Claim(320e6, "MB", "the same per-token figure, once written 320 MB"),
    "weight_bytes_low": Claim(135e9, "GB", "the bf16 weights, counted as 135 GB in one place"),
    "kv_bytes_per_sequence": Claim(1.3e9, "GB", "KV cache of one 4096-token sequence"),
    "kv_sequence_tokens": Claim(4096, "tokens", "the sequence length of that figure"),
    "memory_left_low": Claim(20e9, "GB", "memory left for the cache on two A100-80GB, low end"),
    "memory_left_high": Claim(25e9, "GB", "memory left for the cache on two A100-80GB, high end"),
    "batch_cap_two_gpus": Claim(8, "sequences", "the batch long sequences cap two A100-80GB at"),
    # Its 512-token figure, "about 170 ms", is a slip: errata.SLIP_CLAIMS["prefill_512_s"].
    "prefill_1536_s": Claim(0.530, "ms", "batch-1 prefill of 1536 tokens on two A100-80GB"),
}
# fmt: on


def article_claim(key: str) -> Claim:
    """One of the article's stated figures, by key (close matches suggested). Chapter 2 uses it."""
    return lookup("article claim", key, ARTICLE_CLAIMS)
