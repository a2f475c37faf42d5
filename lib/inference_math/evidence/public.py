"""Published measurements of real servers (chapter 10): what engines' authors, benchmark
suites, vendors and clouds printed, row by row, with the publication each row comes from.

``data/public-measurements.csv`` holds the rows: a model, its format, the GPUs and how
attention is split across them, the engine (and, where a source or its launch script states
them, the cache's format, the share of memory the server may fill and the decode steps
between its scheduler's polls), the load (a static batch, clients that keep
requests in flight, or every request at once), the lengths, and one printed value: time to
first token, time between tokens, tokens per second (per user, per GPU or in all) or a
request's whole latency. ``data/public-measurement-sources.csv`` holds the publications: each
with its **group** (versions of one page or one suite, which are not independent of each
other and are held out together), publisher, date and pinned address.

Both files are read strictly (``core.datafiles``): a repeated row, an unknown source, a
value that is not a positive number is refused naming the file and the line.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass

from ..core.datafiles import data_path, no_repeats, number, read_csv
from ..hardware.gpus import GPUS
from ..model.catalog import MODELS
from ..model.formats import dtype_name

PUBLIC_FILE = "public-measurements.csv"
SOURCES_FILE = "public-measurement-sources.csv"
ROW_COLUMNS = (
    "source_id", "engine", "engine_version", "model", "dtype", "kv_dtype", "usable_memory",
    "recv_interval", "gpu", "gpus", "attention", "batch_or_concurrency", "concurrency_kind",
    "served_as", "prompt_tokens", "completion_tokens", "metric", "value", "unit", "statistic",
    "notes",
)  # fmt: skip
SOURCE_COLUMNS = ("source_id", "group", "publisher", "date", "harness", "length_share",
                  "title", "url", "notes")  # fmt: skip
HARNESSES = ("server", "engine")
# What a printed metric measures, for scoring: "ttft", "itl" (time between tokens, or its
# inverse per user), "throughput" (tokens or requests per second) or "e2e" (one request).
METRIC_KINDS = {
    "ttft_s": "ttft",
    "itl_s": "itl",
    "tokens_per_s_per_user": "itl",
    "output_tokens_per_s": "throughput",
    "output_tokens_per_s_per_gpu": "throughput",
    "total_tokens_per_s": "throughput",
    "total_tokens_per_s_per_gpu": "throughput",
    "requests_per_s": "throughput",
    "e2e_latency_s": "e2e",
}
SERVED_AS = ("static", "continuous", "offline")
# The file's rows run to a few megabytes; the library's general limit is for config files.
MAX_BYTES = 8_000_000


@dataclass(frozen=True)
class Source:
    """One publication of measurements (chapter 10)."""

    source_id: str
    group: str
    publisher: str
    date: str
    harness: str  # server: an HTTP client timed it; engine: the engine's own process
    length_share: float
    title: str
    url: str
    notes: str


@dataclass(frozen=True)
class Measurement:
    """One published figure: a row of ``data/public-measurements.csv``, typed, with its
    publication's group and date (chapter 10)."""

    source: str
    group: str
    date: str
    harness: str
    engine: str
    version: str
    model: str
    dtype: str
    kv_dtype: str
    usable_memory: float | None  # the server's stated share of memory; None: not stated
    recv_interval: int  # decode steps between the scheduler's polls for requests (1: every)
    gpu: str
    gpus: int
    attention: str
    batch: int
    load: str  # single, batch, concurrency, offline or qps
    served_as: str
    prompt: float | None  # mean tokens, the source's nominal length times its length share
    completion: float | None
    metric: str
    value: float
    statistic: str
    notes: str

    @property
    def metric_kind(self) -> str:
        """ "ttft", "itl", "throughput", "e2e", or the metric itself where it is not scored."""
        return METRIC_KINDS.get(self.metric, self.metric)

    @property
    def why_not_modelled(self) -> str | None:
        """None if the library can predict this row, else the reason it cannot."""
        if self.model not in MODELS:
            return f"model {self.model} is not in the catalog"
        if self.gpu not in GPUS:
            return f"GPU {self.gpu} is not in the catalog"
        try:
            dtype_name(self.dtype)
        except ValueError:
            return f"number format {self.dtype} is not one the library models"
        if not self.served_as:
            return "an open-loop request rate or a dataset of varied lengths"
        if self.prompt is None or self.completion is None:
            return "prompt or completion length not stated"
        if self.metric_kind not in ("ttft", "itl", "throughput", "e2e"):
            return f"metric {self.metric} is reported, not scored"
        return None


def load_sources(path=None) -> dict[str, Source]:
    """The publications of the measurements (``data/public-measurement-sources.csv``), by id."""
    p = pathlib.Path(path) if path is not None else data_path(SOURCES_FILE)
    _, rows = read_csv(p, "measurement sources", SOURCE_COLUMNS)
    no_repeats(p, rows, lambda r: r["source_id"])
    for r in rows:
        if r["harness"] not in HARNESSES:
            raise ValueError(f"{p}, line {r.line}, column harness: {r['harness']!r}; allowed: "
                             f"{', '.join(HARNESSES)}")  # fmt: skip
    return {
        r["source_id"]: Source(
            r["source_id"], r["group"], r["publisher"], r["date"], r["harness"],
            number(str(p), r, "length_share", strictly_above=0), r["title"], r["url"],
            r["notes"],
        )
        for r in rows
    }  # fmt: skip


def load_public_measurements(path=None, sources=None) -> list[Measurement]:
    """Every row of the published measurements, typed and checked; a bad value, a repeated
    row or a source missing from the sources file raises a ValueError naming the file and
    the line. Chapter 10 reads them."""
    p = pathlib.Path(path) if path is not None else data_path(PUBLIC_FILE)
    where = str(p)
    sources = load_sources() if sources is None else sources
    _, rows = read_csv(p, "public measurements", ROW_COLUMNS, max_bytes=MAX_BYTES)
    no_repeats(p, rows, lambda r: tuple(r[c] for c in ROW_COLUMNS[:-1]))
    out = []
    for r in rows:
        source = sources.get(r["source_id"])
        if source is None:
            raise ValueError(
                f"{where}, line {r.line}: source {r['source_id']!r} is not in {SOURCES_FILE}"
            )
        if r["served_as"] and r["served_as"] not in SERVED_AS:
            raise ValueError(
                f"{where}, line {r.line}, column served_as: {r['served_as']!r}; allowed: "
                f"{', '.join(SERVED_AS)} or empty"
            )
        share = source.length_share
        prompt = number(where, r, "prompt_tokens", minimum=0, empty_ok=True)
        completion = number(where, r, "completion_tokens", minimum=0, empty_ok=True)
        out.append(Measurement(
            source=r["source_id"], group=source.group, date=source.date,
            harness=source.harness, engine=r["engine"],
            version=r["engine_version"], model=r["model"], dtype=r["dtype"],
            kv_dtype=r["kv_dtype"],
            usable_memory=number(where, r, "usable_memory", strictly_above=0, maximum=1,
                                 empty_ok=True),
            recv_interval=number(where, r, "recv_interval", int, minimum=1, empty_ok=True) or 1,
            gpu=r["gpu"], gpus=number(where, r, "gpus", int, minimum=1),
            attention=r["attention"] or "tensor",
            # a request rate (qps, "inf" for all at once) is kept in the file, not modelled
            batch=0 if r["concurrency_kind"] == "qps" or r["batch_or_concurrency"] in ("", "inf")
            else number(where, r, "batch_or_concurrency", int, minimum=1),
            load=r["concurrency_kind"], served_as=r["served_as"],
            prompt=None if prompt is None else prompt * share,
            completion=None if completion is None else completion * share,
            metric=r["metric"], value=number(where, r, "value", strictly_above=0),
            statistic=r["statistic"], notes=r["notes"],
        ))  # fmt: skip
    return out


def scored(rows: list[Measurement], groups=None) -> list[Measurement]:
    """The rows the library models, from source ``groups`` (all when None)."""
    return [r for r in rows if r.why_not_modelled is None
            and (groups is None or r.group in groups)]  # fmt: skip
