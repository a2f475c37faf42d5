"""The GPU run shipped in data/ (benchmarks/gpu_roofline.py on an H100, read back by
inference_math.evidence.gpu_run): what it holds, that it is physically sound, and clear errors for a
bad file. Nothing here needs a GPU or PyTorch."""

import numpy as np
import pytest

import inference_math as im

RUN = im.load_gpu_run()
PROFILE = im.load_gpu_profile()
LLAMA7 = im.get_model("llama-2-7b")
H100 = im.get_gpu("h100-sxm")


def test_run_names_its_gpu_date_and_model():
    assert RUN.gpu == "NVIDIA H100 80GB HBM3" and RUN.catalog_gpu == "h100-sxm"
    assert RUN.date == "2026-11-26"
    assert (RUN.model, RUN.dtype) == ("llama-2-7b", "bf16")
    notes = "\n".join(RUN.notes)
    assert "model: llama-2-7b architecture, random weights, bf16, 6738415616 parameters" in notes
    assert LLAMA7.params == 6_738_415_616
    assert "torch 2.11.0" in notes and "driver" in notes


def test_run_holds_every_point_plain_and_compiled():
    assert RUN.prompts.tolist() == [16, 32, 64, 128, 256, 512, 1024, 2048, 4096]
    assert RUN.prompts_compiled.tolist() == RUN.prompts.tolist()
    assert RUN.contexts == [16, 128, 2048]
    expected = {
        16: [2**i for i in range(11)],
        128: [2**i for i in range(10)],
        2048: [2**i for i in range(6)],
    }
    for series in (RUN.decode, RUN.decode_compiled):
        assert {c: b.tolist() for c, (b, _) in series.items()} == expected
    assert RUN.kernels == {"eager": 1386, "compiled": 426}


def test_measured_ceilings_lie_below_the_datasheet():
    # a measurement above the vendor's peak would mean a timing or counting error
    assert 0.6 * H100.bf16_flops < RUN.flops < H100.bf16_flops
    assert 0.6 * H100.bandwidth_bytes_per_s < RUN.bandwidth < H100.bandwidth_bytes_per_s
    assert RUN.copy_bandwidth < RUN.bandwidth


def test_no_step_beats_the_roofline_of_its_measured_ceilings():
    dep = RUN.deployment()
    for series in (RUN.decode, RUN.decode_compiled):
        for context, (batches, seconds) in series.items():
            assert np.all(im.decode_step_time(dep, batches, context) < seconds)
    assert np.all(im.prefill_time(dep, RUN.prompts, 1) < RUN.prefill_s)
    assert np.all(im.prefill_time(dep, RUN.prompts_compiled, 1) < RUN.prefill_compiled_s)


def test_run_shows_the_roofline_shapes():
    dep = RUN.deployment()
    b, s = RUN.decode_compiled[16]
    # flat below the ridge: 64 times the work for well under twice the time
    assert s[b == 64][0] / s[0] < 1.5 and float(im.compute_bound_batch(dep, 16)) > 256
    # linear above it
    assert s[-1] / s[-2] == pytest.approx(2, rel=0.15)
    # prefill: linear in the prompt beyond the ridge
    assert RUN.prefill_compiled_s[-1] / RUN.prefill_compiled_s[-2] == pytest.approx(2, rel=0.15)
    # compiling fuses kernels and makes every step faster; the graph beats eager dispatch
    for context in RUN.contexts:
        assert np.all(RUN.decode_compiled[context][1] < RUN.decode[context][1])
    assert RUN.decode_eager_s > 2 * RUN.decode[16][1][0]


def test_profile_splits_one_step():
    assert (PROFILE.batch, PROFILE.context) == (1024, 16)
    assert set(PROFILE.seconds) == {"plain", "compiled"}
    plain, fused = PROFILE.kernels["plain"], PROFILE.kernels["compiled"]
    # the same products and attention; compiling fuses only the small kernels
    assert plain["products"] == fused["products"] == 4 * 32 + 1  # four per layer, LM head
    assert plain["attention"] == fused["attention"] == 32
    assert fused["other"] < plain["other"] / 3
    # the products ran at about the measured FLOP/s: their FLOPs over their time
    flops = PROFILE.batch * im.flops_per_token(LLAMA7)
    assert flops / PROFILE.seconds["compiled"]["products"] == pytest.approx(RUN.flops, rel=0.1)


def test_rows_build_a_run():
    rows = [
        dict(
            measurement="matmul",
            batch=0,
            tokens=8,
            median_s=1.0,
            min_s=1,
            max_s=1,
            repeats=1,
            work=1e12,
        ),
        dict(
            measurement="matvec",
            batch=1,
            tokens=8,
            median_s=0.5,
            min_s=1,
            max_s=1,
            repeats=1,
            work=1e12,
        ),
        dict(
            measurement="copy",
            batch=0,
            tokens=8,
            median_s=1.0,
            min_s=1,
            max_s=1,
            repeats=1,
            work=2e12,
        ),
        dict(
            measurement="prefill",
            batch=1,
            tokens=4,
            median_s=0.1,
            min_s=1,
            max_s=1,
            repeats=1,
            work="",
        ),
        dict(
            measurement="decode",
            batch=2,
            tokens=8,
            median_s=0.2,
            min_s=1,
            max_s=1,
            repeats=1,
            work="",
        ),
    ]
    run = im.gpu_run_from_rows(rows, ["gpu: Some GPU, 1 GiB", "source: x run 2030-01-02 10:00"])
    assert (run.gpu, run.date, run.model, run.dtype) == ("Some GPU", "2030-01-02", None, None)
    with pytest.raises(ValueError, match="no catalog entry is known for the GPU 'Some GPU'"):
        run.catalog_gpu
    with pytest.raises(ValueError, match="pass model= and dtype="):
        run.deployment()
    # what the run's deployment predicts: the measured rate and bandwidth, nothing else
    dep = run.deployment("llama-2-7b", "bf16")
    assert im.matmul_rate(dep.gpu, "bf16") == 1e12 and dep.gpu.bandwidth_bytes_per_s == 2e12
    assert (dep.mfu, dep.mbu) == (1.0, 1.0)
    assert (run.flops, run.bandwidth, run.copy_bandwidth) == (1e12, 2e12, 2e12)
    assert run.decode[8][0].tolist() == [2] and run.decode_eager_s is None
    assert run.kernels == {} and run.prompts_compiled.size == 0


def write(tmp_path, body, name="run.csv"):
    p = tmp_path / name
    p.write_text(body, encoding="utf-8")
    return p


HEADER = "measurement,batch,tokens,median_s,min_s,max_s,repeats,work\n"


def test_bad_run_files_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="no GPU run .*at .*nope.csv"):
        im.load_gpu_run(tmp_path / "nope.csv")
    with pytest.raises(ValueError, match="line 2: measurement 'warp'; allowed: matmul"):
        im.load_gpu_run(write(tmp_path, HEADER + "warp,1,1,1,1,1,1,\n"))
    with pytest.raises(ValueError, match="missing column.s. work"):
        im.load_gpu_run(write(tmp_path, HEADER.replace(",work", "") + "matmul,1,1,1,1,1,1\n"))
    with pytest.raises(ValueError, match="line 2, column median_s: 'fast' is not a number"):
        im.load_gpu_run(write(tmp_path, HEADER + "matmul,1,1,fast,1,1,1,1\n"))
    with pytest.raises(ValueError, match="line 2, column median_s: '0' must be above 0"):
        im.load_gpu_run(write(tmp_path, HEADER + "matmul,1,1,0,1,1,1,1\n"))
    with pytest.raises(ValueError, match="no matvec, copy, prefill, decode rows"):
        im.load_gpu_run(write(tmp_path, HEADER + "matmul,1,1,1,1,1,1,1\n"))


def test_bad_profile_files_are_clear_errors(tmp_path):
    head = "variant,batch,context,category,gpu_s,kernels\n"
    with pytest.raises(ValueError, match="no GPU profile .*nope.csv"):
        im.load_gpu_profile(tmp_path / "nope.csv")
    with pytest.raises(ValueError, match="line 2: category 'memcpy'; allowed: products, attention"):
        im.load_gpu_profile(write(tmp_path, head + "plain,1,1,memcpy,1,1\n"))
    with pytest.raises(ValueError, match="missing column.s. context, category, gpu_s, kernels"):
        im.load_gpu_profile(write(tmp_path, "variant,batch\nplain,1\n"))
    with pytest.raises(ValueError, match="from 2 .batch, context. points; one expected"):
        im.load_gpu_profile(write(tmp_path, head + "plain,1,1,other,1,1\nplain,2,1,products,1,1\n"))


def test_committed_run_matches_the_committed_script():
    # the script needs PyTorch, so read its sweep constants from its source instead of
    # importing it: the data in data/ must be what this script measures
    import ast
    import pathlib

    source = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "gpu_roofline.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    consts = {
        t.id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        for t in node.targets
        if isinstance(t, ast.Name)
    }
    prompts = ast.literal_eval(consts["PROMPTS"])
    sweeps = ast.literal_eval(consts["DECODE_SWEEPS"])
    assert list(prompts) == RUN.prompts.tolist()
    assert {c: list(b) for c, b in sweeps.items()} == {
        c: b.tolist() for c, (b, _) in RUN.decode.items()
    }
