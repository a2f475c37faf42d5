"""inference_math: the arithmetic of serving large language models.

Every number in the book "What a Token Costs" is computed here. Bytes, FLOPs, seconds and US
dollars internally; ``units`` turns them into prose.

    >>> import inference_math as im
    >>> im.get_model("llama-2-70b").params
    68976648192

Modules, floor by floor (each imports only from the floors below it): units, checks and
datafiles; models (with architecture, the counting behind it), hfconfig, gpus, prices,
token_counts and quant_quality (catalogs and measured data, each entry with its
source and date);
formulas (bytes and FLOPs); roofline (peak rates, intensity); deployment (what a deployment
holds and how fast it runs, scenarios); steps (prefill and decode times); serving
(``estimate``); memory, breakeven, workloads, speculative and queueing (what fits, what it
costs, how long a request waits for a slot);
article, appendix, calibration, errata and gpu_run (the source article's figures and the
measurements); symbolic (the formulas in sympy); lab (a numpy Llama for chapter 7); exercises,
answers, book (the chapters' helpers) and cli.
"""

# Catalogs
from .models import MODELS, Model, get_model, param_breakdown
from .hfconfig import FAMILIES, SUPPORTED, from_hf_config
from .gpus import GPU, GPUS, QUOTED_GPUS, SPARSE_2_4_SPEEDUP, get_gpu
from .prices import (
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
from .token_counts import (
    PUBLISHED_CHARS_PER_TOKEN,
    PublishedCompression,
    TokenCount,
    load_token_counts,
    token_counts_path,
    tokens_ratio,
)
from .quant_quality import QUANT_RECOVERY, QuantRecovery, get_quant_recovery

# Bytes and FLOPs
from .formulas import (
    BYTES_PER_PARAM,
    KV_DTYPES,
    attended_tokens,
    attention_flops_per_attended_token,
    attention_flops_per_token,
    attention_share_context,
    bytes_per_param,
    context_for_attended_tokens,
    dtype_name,
    expected_experts_touched,
    flops_per_token,
    kv_bytes_per_sequence,
    kv_bytes_per_token,
    kv_dtype_name,
    matmul_intensity,
    model_summary,
    prefill_attended_tokens,
    prefill_attention_flops,
    prefill_flops,
    weight_bytes,
    weight_bytes_read,
)

# The roofline, a deployment, its steps, and one entry point
from .roofline import (
    attainable_flops,
    decode_intensity,
    matmul_rate,
    ops_per_byte,
    prefill_intensity,
)
from .deployment import (
    DEFAULT_MBU,
    DEFAULT_MFU,
    DEFAULT_USABLE_MEMORY,
    SCENARIO_SOURCE,
    SCENARIOS,
    STEP_MODELS,
    Deployment,
    deployment,
)
from .efficiency import server_efficiency
from .steps import (
    aggregate_tokens_per_s,
    allreduce_time,
    compute_bound_batch,
    compute_bound_prompt,
    decode_step_time,
    mean_decode_step_time,
    mean_of_max_attended,
    mean_of_max_linear,
    memory_bound_context,
    prefill_time,
    weight_products_time,
)
from .batching import BATCHING, continuous_batch, static_batch
from .serving import ESTIMATE_KEYS, ContextLengthWarning, estimate, fit_problem

# What fits, and what it costs
from .memory import decode_bytes_read, max_batch, min_gpus
from .breakeven import (
    break_even_batch,
    completion_cost_floor,
    usd_per_1k_completion,
    usd_per_1k_prompt,
)
from .workloads import (
    BURSTY_UTILISATION,
    WORKLOADS,
    Workload,
    WorkloadPrice,
    api_meets_targets,
    api_usd_per_request,
    break_even_completion,
    get_workload,
    max_feasible_batch,
    meets_targets,
    price_workload,
    self_hosted_cost,
    usd_at_utilisation,
)
from .queueing import erlang_c, max_utilisation, mean_wait, wait_quantile
from .speculative import (
    expected_tokens_per_step,
    optimal_draft_tokens,
    speculative_flops_factor,
    speculative_speedup,
    speculative_time_per_token,
    verify_step_time,
)

# The source article: its claims, its measurements, the model fitted to them
from .article import ARTICLE_CLAIMS, Claim, article_claim
from .appendix import APPENDIX_COLUMNS, APPENDIX_SOURCE, appendix_path, load_appendix
from .calibration import ARTICLE_REFINED, ARTICLE_ROOFLINE_FIT, Calibration
from .errata import Erratum, article_errata

# Measured on a GPU once (benchmarks/gpu_roofline.py), read back for chapter 7
from .gpu_run import (
    GPU_RUN_COLUMNS,
    GPUProfile,
    GPURun,
    gpu_run_from_rows,
    load_gpu_profile,
    load_gpu_run,
)

from . import calibration, efficiency, exercises, lab, measurements, queueing, units
from .exercises import check

__version__ = "0.1.0"
