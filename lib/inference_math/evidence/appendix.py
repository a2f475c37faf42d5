"""The source article's measured appendix: 28 runs of Llama-2-70B on 2 x A100-80GB.

Sanger (2023) served Llama-2-70B in 16-bit on two A100-80GB with a fork of Hugging Face
text-generation-inference and printed, for each run, the batch, the prompt and completion
lengths, the time to first token, the completion time, and figures derived from them. The
file ``data/article-appendix.csv`` (at the repository root, beside ``lib/``) holds that table
with its source in ``#`` comment lines; this module reads it into numpy arrays, one per column,
so that chapter 10 can set the roofline against measurement.

Two facts to keep in mind wherever the runs are used:

- the article prints one time to first token as "3015"; it is 3.015 s (its TFLOP/s and price
  columns are computed from 3.015);
- the two runs with 7584-token prompts exceed Llama-2's 4096-token context. They are kept as
  measured (the arithmetic of a forward pass does not care), but they are not runs a correct
  deployment would serve.
"""

from __future__ import annotations

import pathlib

import numpy as np

from ..core.datafiles import data_path, no_repeats, number, read_csv

APPENDIX_SOURCE = (
    'Aman Sanger, "Why GPT-3.5 is (mostly) cheaper than Llama 2", Cursor blog, '
    "20 July 2023, Appendix (28 runs, 2 x A100-80GB, a fork of Hugging Face "
    "text-generation-inference)"
)

# Column name -> (dtype, meaning). Units are in the names; "per_gpu" figures divide by two GPUs.
APPENDIX_COLUMNS: dict[str, tuple[type, str]] = {
    "batch": (int, "sequences decoded together"),
    "prompt_tokens": (int, "prompt tokens per sequence"),
    "completion_tokens": (int, "completion tokens per sequence"),
    "ttft_s": (float, "time to first token (the prefill), seconds"),
    "completion_s": (float, "time to generate the completion, seconds"),
    "tokens_per_s_per_sequence": (float, "completion_tokens / completion_s"),
    "prompt_tflops_per_gpu": (float, "batch x prompt x 140e9 / ttft_s / 2, in TFLOP/s"),
    "decode_tb_per_s_per_gpu": (float, "tokens_per_s_per_sequence x 140e9 / 2, in TB/s"),
    "prompt_flops_util": (float, "prompt_tflops_per_gpu / 312"),
    "decode_mem_util": (float, "decode_tb_per_s_per_gpu / 1.5 (the article's text says 2 TB/s)"),
    "usd_per_1k_prompt": (float, "ttft_s x $4.42/3600 / (batch x prompt / 1000)"),
    "usd_per_1k_completion": (float, "completion_s x $4.42/3600 / (batch x completion / 1000)"),
}

APPENDIX_ROWS = 28


def appendix_path() -> pathlib.Path:
    """Where the appendix CSV lives: ``data/article-appendix.csv``. Chapter 10 uses it."""
    return data_path("article-appendix.csv")


def load_appendix(path=None) -> dict[str, np.ndarray]:
    """The appendix as a dict of numpy arrays, one per column (``APPENDIX_COLUMNS``), in the
    article's row order: integer arrays for batch and token counts, floats for the rest.

    Lines starting with ``#`` (the source) are skipped. The file must hold exactly the
    article's 28 runs, each once (repeated configurations are separate runs with their own
    times; an identical line twice is a paste), every value a finite number, counts whole and
    positive (completion tokens and times above zero). Anything else raises a ValueError that
    names the file and the line.
    Chapter 10 uses it."""
    p = pathlib.Path(path) if path is not None else appendix_path()
    where = str(p)
    _, rows = read_csv(p, "appendix file", list(APPENDIX_COLUMNS))
    if len(rows) != APPENDIX_ROWS:
        raise ValueError(
            f"{where}: {len(rows)} runs; the article's appendix has "
            f"{APPENDIX_ROWS} (a truncated or extended file?)"
        )
    no_repeats(where, rows, lambda r: tuple(r[c] for c in APPENDIX_COLUMNS))
    out = {}
    for name, (kind, _) in APPENDIX_COLUMNS.items():
        values = [number(where, r, name, kind, strictly_above=0) for r in rows]
        out[name] = np.array(values, dtype=int if kind is int else float)
    return out
