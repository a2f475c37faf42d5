"""How many tokens different tokenizers make of the same text (chapter 13).

A price per token is a price per *its* token. Llama 2 splits English text with a 32K-entry
SentencePiece vocabulary, gpt-3.5-turbo with OpenAI's cl100k_base (about 100K entries), later
OpenAI models with o200k_base, Llama 3 with a 128K vocabulary whose first 100K entries are
tiktoken's. The same text is a different number of tokens under each, so two per-token prices
compare only after conversion to the same text.

``data/tokenizer-counts.csv`` holds counts measured by ``tools/tokenizer_counts.mjs`` (this
repository) on two English licence texts; ``load_token_counts`` reads it strictly and
``tokens_ratio`` turns it into a conversion factor. ``PUBLISHED_CHARS_PER_TOKEN`` keeps what
Meta published about its own two tokenizers, for comparison.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass

from ..core.checks import canonical
from ..core.datafiles import data_path, no_repeats, number, read_csv

TOKEN_COUNT_COLUMNS = ("text", "text_sha256", "chars", "words", "tokenizer", "package", "tokens")


@dataclass(frozen=True)
class TokenCount:
    """The tokens one tokenizer made of one text, as measured. Chapter 13 uses it."""

    text: str  # the file measured
    sha256: str
    chars: int
    words: int  # whitespace-separated runs
    tokenizer: str  # "llama-2", "llama-3", "cl100k_base", "o200k_base"
    package: str  # the package and version that counted
    tokens: int

    @property
    def tokens_per_word(self) -> float:
        return self.tokens / self.words

    @property
    def chars_per_token(self) -> float:
        return self.chars / self.tokens


def token_counts_path() -> pathlib.Path:
    """``data/tokenizer-counts.csv``, where the measured counts live. Chapter 13 uses it."""
    return data_path("tokenizer-counts.csv")


def load_token_counts(path=None) -> list[TokenCount]:
    """The measured token counts, one per (text, tokenizer), in the file's order. Every count
    must be a positive whole number, each (text, tokenizer) pair must appear once, and a
    text's characters, words and hash must agree across its rows; anything else raises a
    ValueError naming the file and the line. Chapter 13 uses it."""
    p = pathlib.Path(path) if path is not None else token_counts_path()
    where = str(p)
    _, rows = read_csv(p, "token counts file", TOKEN_COUNT_COLUMNS)
    if not rows:
        raise ValueError(f"{where}: no token counts")
    no_repeats(where, rows, lambda r: (r["text"], r["tokenizer"]))
    counts, texts = [], {}
    for r in rows:
        c = TokenCount(
            r["text"],
            r["text_sha256"],
            number(where, r, "chars", int, strictly_above=0),
            number(where, r, "words", int, strictly_above=0),
            r["tokenizer"],
            r["package"],
            number(where, r, "tokens", int, strictly_above=0),
        )
        same = texts.setdefault(c.text, (c.sha256, c.chars, c.words))
        if same != (c.sha256, c.chars, c.words):
            raise ValueError(
                f"{where}, line {r.line}: text {c.text!r} has another hash, length or word "
                "count than on its first line"
            )
        counts.append(c)
    return counts


def tokens_ratio(tokenizer: str, reference: str, text: str | None = None, counts=None):
    """Tokens of ``tokenizer`` per token of ``reference`` on the same text: multiply a price
    per ``tokenizer`` token by it to get the price per ``reference`` token of the same text.
    With ``text`` (a measured file's path or name), that text's ratio (a float); without, a
    dict of every measured text's.
    ``counts``: a list of ``TokenCount`` (default: ``load_token_counts()``). Llama-2 against
    cl100k_base on the GPL-3 text: 8,707 / 7,455 = 1.168. Chapter 13 uses it."""
    counts = load_token_counts() if counts is None else counts
    by_key = {(c.text, c.tokenizer): c.tokens for c in counts}
    names = {c.tokenizer.lower(): c.tokenizer for c in counts}
    t = names[canonical("tokenizer", tokenizer, names)]
    ref = names[canonical("tokenizer", reference, names)]
    texts = {c.text.lower(): c.text for c in counts}  # by the file's path or its name
    texts |= {pathlib.PurePath(c.text).name.lower(): c.text for c in counts}
    every = list(dict.fromkeys(c.text for c in counts))
    chosen = every if text is None else [texts[canonical("text", text, texts)]]
    ratios = {}
    for name in chosen:
        if (name, t) not in by_key or (name, ref) not in by_key:
            raise ValueError(f"text {name!r} was not measured with both {t!r} and {ref!r}")
        ratios[name] = by_key[name, t] / by_key[name, ref]
    return ratios if text is None else ratios[chosen[0]]


@dataclass(frozen=True)
class PublishedCompression:
    """Characters per token that a tokenizer's makers published for a sample of text.
    Chapter 13 uses it."""

    tokenizer: str
    chars_per_token: float
    sample: str
    date: str
    source: str


_LLAMA3_PAPER = (
    "Llama Team, AI @ Meta, 'The Llama 3 Herd of Models', arXiv:2407.21783 (v1, 2024-07-31), "
    "section 3.2: the Llama 3 tokenizer 'improves compression rates on a sample of English "
    "data from 3.17 to 3.94 characters per token' compared with Llama 2's"
)
# fmt: off
PUBLISHED_CHARS_PER_TOKEN: dict[str, PublishedCompression] = {p.tokenizer: p for p in [
    PublishedCompression("llama-2", 3.17, "a sample of English data (not published)",
                         "2024-07-31", _LLAMA3_PAPER),
    PublishedCompression("llama-3", 3.94, "a sample of English data (not published)",
                         "2024-07-31", _LLAMA3_PAPER),
]}
# fmt: on
