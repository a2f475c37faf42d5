"""inference_math: the arithmetic of serving large language models.

Every number in the book "What a Token Costs" is computed here. Bytes, FLOPs, seconds and US
dollars internally; ``core.units`` turns them into prose.

    >>> import inference_math as im
    >>> im.get_model("llama-2-70b").params
    68976648192

The package is a house of rooms, each a folder, in the order of the book's argument. A module
may import from its own room and from the rooms before it, never from a later one
(tests/library/test_layers.py checks the order below and that no import makes a circle):

- ``core``: units, input checks, the data files;
- ``model``: what a model is, its parameters, its bytes and FLOPs per token, config.json;
- ``hardware``: what a GPU does: the catalog, the roofline, the efficiencies servers reach;
- ``serving``: how long a step takes and how a server batches: a deployment, its steps,
  static and continuous batching, ``estimate``, memory, speculative decoding, queueing;
- ``economics``: what it costs: prices, break-even, workloads, token counts, quantization;
- ``lab``: a numpy Llama to measure on one's own machine (chapter 7);
- ``evidence``: the source article, its appendix, public measurements and the fits to them;
- ``symbolic``: the formulas in sympy, in the book's notation;
- ``book``: what only the book's pages need: glue, the what-if figures, the exercises and
  the article's errata;

then the command line (``cli``) and this front door, which re-exports the public names the
chapters use: ``im.estimate``, ``im.deployment``, ``im.kv_bytes_per_token``, ...
"""

ROOMS = (
    "core",
    "model",
    "hardware",
    "serving",
    "economics",
    "lab",
    "evidence",
    "symbolic",
    "book",
)

# ----- model: catalogs, bytes and FLOPs --------------------------------------------------------
from .model.spec import Model, param_breakdown
from .model.catalog import MODELS, get_model
from .model.families import FAMILIES, HYBRIDS, SUPPORTED
from .model.hfconfig import from_hf_config
from .model.formats import (
    BYTES_PER_PARAM,
    FP4_DTYPES,
    KV_DTYPES,
    bytes_per_param,
    dtype_name,
    kv_dtype_name,
)
from .model.windows import (
    attended_tokens,
    context_for_attended_tokens,
    prefill_attended_tokens,
)
from .model.flops import (
    attention_flops_per_attended_token,
    attention_flops_per_token,
    attention_share_context,
    flops_per_token,
    matmul_intensity,
    prefill_attention_flops,
    prefill_flops,
)
from .model.sizes import (
    deployment_weights,
    expected_experts_touched,
    kv_bytes_per_sequence,
    kv_bytes_per_token,
    model_summary,
    stored_weight_bytes,
    stored_weight_bytes_read,
    weight_bytes,
    weight_bytes_read,
)
from .model.stored import Scheme, StoredFormat

# ----- hardware: GPUs, the roofline, efficiencies -------------------------------------------
from .hardware.gpus import GPU, GPUS, QUOTED_GPUS, SPARSE_2_4_SPEEDUP, get_gpu
from .hardware.roofline import (
    attainable_flops,
    decode_intensity,
    matmul_rate,
    ops_per_byte,
    prefill_intensity,
)
from .hardware.efficiency import server_efficiency

# ----- serving: a deployment, its steps, batching, one entry point --------------------------
from .serving.deployment import (
    DEFAULT_MBU,
    DEFAULT_MFU,
    DEFAULT_USABLE_MEMORY,
    SCENARIO_SOURCE,
    SCENARIOS,
    STEP_MODELS,
    Deployment,
    deployment,
)
from .serving.engines import ENGINES, get_engine
from .serving.estimator import INTERVAL_KEYS
from .serving.table import tensor_splits
from .serving.steps import (
    aggregate_tokens_per_s,
    allreduce_time,
    compute_bound_batch,
    compute_bound_prompt,
    decode_step_time,
    decode_terms,
    mean_decode_step_time,
    mean_of_max_attended,
    mean_of_max_linear,
    memory_bound_context,
    prefill_time,
    weight_products_time,
)
from .serving.batching import BATCHING, continuous_batch, static_batch
from .serving.workload import WORKLOADS, Workload, get_workload
from .serving.estimator import ESTIMATE_KEYS, ContextLengthWarning, estimate, fit_problem
from .serving.memory import decode_bytes_read, max_batch, min_gpus
from .serving.queueing import erlang_c, max_utilisation, mean_wait, wait_quantile
from .serving.speculative import (
    expected_tokens_per_step,
    optimal_draft_tokens,
    speculative_flops_factor,
    speculative_speedup,
    speculative_time_per_token,
    verify_step_time,
)

# ----- economics: prices, what a token costs, workloads -------------------------------------
from .economics.prices import (
    API_DISCOUNTS,
    API_LATENCY,
    API_PRICES,
    ARTICLE_API,
    GPU_HOUR_QUOTES,
    ApiDiscount,
    ApiLatency,
    ApiPrice,
    GpuHourQuote,
    get_api_latency,
    get_api_price,
)
from .economics.breakeven import (
    break_even_batch,
    completion_cost_floor,
    usd_per_1k_completion,
    usd_per_1k_prompt,
)
from .economics.workloads import (
    BURSTY_UTILISATION,
    WorkloadPrice,
    api_meets_targets,
    api_usd_per_request,
    break_even_completion,
    max_feasible_batch,
    meets_targets,
    price_workload,
    self_hosted_cost,
    usd_at_utilisation,
)
from .economics.token_counts import (
    PUBLISHED_CHARS_PER_TOKEN,
    PublishedCompression,
    TokenCount,
    load_token_counts,
    token_counts_path,
    tokens_ratio,
)
from .economics.quant_quality import QUANT_RECOVERY, QuantRecovery, get_quant_recovery
from .economics.price_tiers import (
    GPU_PRICE_TIERS,
    H100_OWNED_INPUTS,
    TIERS,
    GpuPrice,
    OwnedInputs,
    gpu_prices,
    owned_usd_per_gpu_hour,
)
from .economics.api_history import (
    API_PRICE_HISTORY,
    ApiPeriod,
    api_periods,
    api_price_on,
    date_gap,
)
from .economics.verdicts import Verdict, cost_verdict, tokenizer_ratios

# ----- evidence: the source article, its measurements, the fits -----------------------------
from .evidence.article import ARTICLE_CLAIMS, Claim, article_claim
from .evidence.appendix import APPENDIX_COLUMNS, APPENDIX_SOURCE, appendix_path, load_appendix
from .evidence.calibration import ARTICLE_REFINED, ARTICLE_ROOFLINE_FIT, Calibration
from .evidence.gpu_run import (
    GPU_RUN_COLUMNS,
    GPUProfile,
    GPURun,
    gpu_run_from_rows,
    load_gpu_profile,
    load_gpu_run,
)

# ----- book: the errata page, the self-checking exercises -------------------------------------
from .book.errata import Erratum, article_errata
from .book.exercises import check

# Modules the chapters reach by name: im.units.fmt_sig, im.efficiency.ceiling, im.lab.Llama, ...
from .core import units
from .hardware import efficiency
from .serving import queueing
from . import lab
from .evidence import calibration
from .book import exercises

__version__ = "0.2.0"
