"""Check the primer's claims on your own machine (chapter 7).

Three modules: ``model`` (a Llama in numpy, nanoGPT-shaped), ``probes`` (this machine's
ceilings: bandwidth, matrix-product rate, the BLAS and its threads) and ``check`` (the whole
roofline check that chapter 7 and benchmarks/cpu_roofline.py run). The names a reader needs
are here.
"""

from .check import SKINNY_BATCHES, SWEEPS, RooflineCheck, Sweep, check_roofline, fill_cache
from .model import (
    LAB_CONFIGS,
    LAB_SIZES,
    NUMPY_DTYPES,
    RMS_EPS,
    ROPE_THETA,
    FlopCounter,
    KVCache,
    Layer,
    Llama,
    apply_rope,
    lab_config,
    linear,
    rms_norm,
    rope_tables,
    silu,
    softmax,
)
from .probes import (
    Measurement,
    bandwidth_probe,
    blas_info,
    describe_blas,
    lab_threads,
    last_level_cache_bytes,
    load_average,
    matmul_probe,
    measure_bandwidth,
    measure_matmul_flops,
    measured_deployment,
    measured_gpu,
    probe_matrix,
    seconds,
    set_blas_threads,
)
