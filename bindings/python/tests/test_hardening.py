"""Hostile inputs through the Python API: each is a clean streamopt.Error
(a ValueError) naming the field or option, never a crash, a hang, NaN or a
silently spliced option."""
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import streamopt


def report(seconds, rung=1, size_bytes=1_000_000):
    return streamopt.DownloadReport(segment=0, rung=rung, size_bytes=size_bytes, download_time_s=seconds)


def state(**kw):
    args = dict(buffer_s=12.0, next_segment=1, segments_left=48, last_rung=1)
    args.update(kw)
    return streamopt.PlayerState(**args)


def test_errors_are_value_errors():
    assert issubclass(streamopt.Error, ValueError)


@pytest.mark.parametrize("name", sorted(dict(streamopt.abr_names())))
def test_out_of_range_last_rung_is_an_error_not_a_crash(manifest, name):
    abr = streamopt.make_abr(name, manifest)
    abr.on_download(report(4.0))
    with pytest.raises(streamopt.Error, match=r"state\.last_rung = 1000000000 is not a rung of this 6-rung ladder"):
        abr.decide(state(last_rung=10**9))
    # The controller is still usable afterwards.
    assert 0 <= abr.decide(state()).rung < manifest.rung_count


def test_other_state_fields_are_checked(manifest):
    abr = streamopt.make_abr("mpc", manifest)
    abr.on_download(report(4.0))
    with pytest.raises(streamopt.Error, match=r"state\.buffer_s = nan"):
        abr.decide(state(buffer_s=math.nan))
    with pytest.raises(streamopt.Error, match=r"state\.next_segment = 1000000000"):
        abr.decide(state(next_segment=10**9))
    with pytest.raises(streamopt.Error, match=r"report\.rung = 99"):
        abr.on_download(report(1.0, rung=99))


def test_deeply_nested_specs_are_refused(manifest):
    deep = "rate:predictor=" + "robust:inner=" * 200 + "harmonic"
    with pytest.raises(streamopt.Error, match="nested"):
        streamopt.make_abr(deep, manifest)
    with pytest.raises(streamopt.Error, match="nested"):
        streamopt.make_predictor("robust:inner=" * 200 + "last")
    # A few levels are fine.
    assert streamopt.make_abr("rate:predictor=robust:inner=robust:inner=last", manifest).name


def test_overlong_specs_are_refused(manifest):
    with pytest.raises(streamopt.Error, match="longer than the limit"):
        streamopt.make_abr("bba:" + "x" * 100_000, manifest)


@pytest.mark.parametrize("value", ["e,min_buffer_s=1", "e;min_buffer_s=1"])
def test_keyword_options_cannot_inject_options(manifest, value):
    with pytest.raises(streamopt.Error, match=r"variant='e.min_buffer_s=1': a value may not contain ',' or ';'"):
        streamopt.make_abr("bola", manifest, variant=value)
    with pytest.raises(streamopt.Error, match="may not contain"):
        streamopt.make_abr("rate", manifest, predictor="last," + value)


@pytest.mark.parametrize("name", sorted(dict(streamopt.abr_names())))
@pytest.mark.parametrize("seconds", [5e-324, 0.0, -1.0, math.nan, math.inf])
def test_controllers_reject_absurd_download_times(manifest, name, seconds):
    abr = streamopt.make_abr(name, manifest)
    with pytest.raises(streamopt.Error, match=r"report\.download_time_s"):
        abr.on_download(report(seconds))
    # Nothing of it was kept: the next decision is still finite.
    abr.on_download(report(4.0))
    d = abr.decide(state())
    assert 0 <= d.rung < manifest.rung_count and math.isfinite(d.delay_s)


@pytest.mark.parametrize("name", sorted(dict(streamopt.predictor_names())))
def test_predictors_ignore_a_denormal_download_time(name):
    p = streamopt.make_predictor(name)
    p.observe(report(1.0))  # 8 Mbps
    before = p.predict()
    p.observe(report(5e-324))
    after = p.predict()
    assert after.valid
    assert math.isfinite(after.estimate_bps) and math.isfinite(after.conservative_bps)
    assert after.estimate_bps == pytest.approx(before.estimate_bps)
    # And stays finite for the rest of the session.
    p.observe(report(2.0))
    assert math.isfinite(p.predict().estimate_bps) and p.predict().estimate_bps > 0


def test_mpc_plans_in_the_session_qoe_units(manifest):
    # From rung 1 with 12 s of buffer at 2 Mbps, plans starting at rung 0 are
    # best as (0, 0), which never stalls: QoE_hd 1 - |1 - 2| + 1 = 1 (utilities
    # 1, 2, 3, 12, 15, 20), QoE_lin 0.3 - 0.45 + 0.3 = 0.15 (Mbps).
    scores = {}
    for qoe in ["hd", "lin"]:
        abr = streamopt.make_abr("mpc", manifest, qoe=qoe, horizon=2)
        abr.on_download(report(4.0))
        scores[qoe] = abr.decide(state()).scores
    assert scores["hd"][0] == pytest.approx(1.0)
    assert scores["lin"][0] == pytest.approx(0.15)
    assert max(scores["hd"]) > 12  # hd's top rungs are worth 12 to 20 per segment
    with pytest.raises(streamopt.Error, match="unknown QoE model"):
        streamopt.make_abr("mpc", manifest, qoe="nope")


def test_search_work_is_bounded(manifest):
    with pytest.raises(streamopt.Error, match="buffer_step_s"):
        streamopt.make_abr("robust_mpc", manifest, buffer_step_s=1e-6)


def load_in_subprocess(path):
    """Loads a trace in a child process, so that a hang fails the test instead of blocking it."""
    code = ("import sys, streamopt\n"
            "try:\n    streamopt.load_trace(sys.argv[1])\nexcept streamopt.Error as e:\n    print(e); sys.exit(3)\n")
    return subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=30,
                          env=os.environ.copy())


def test_fifos_and_devices_are_not_read_as_traces(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for path in [fifo, "/dev/zero"]:
        done = load_in_subprocess(path)
        assert done.returncode == 3, done.stderr
        assert "not a regular file" in done.stdout


def test_bad_trace_files_get_messages_that_say_why(tmp_path):
    binary = tmp_path / "binary.log"
    binary.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(streamopt.Error, match=r"binary\.log:1: .*NUL byte"):
        streamopt.load_trace(binary)
    bom = tmp_path / "bom.log"
    bom.write_bytes(b"\xef\xbb\xbf0.0 1\n1 2\n")
    with pytest.raises(streamopt.Error, match=r"bom\.log:1: .*byte-order mark"):
        streamopt.load_trace(bom)


def test_absurd_arrays_are_refused_with_the_field_named():
    with pytest.raises(streamopt.Error, match="throughput 1e\\+308"):
        streamopt.Trace.from_arrays([0, 1], [1e308, 1e308])
    for duration in [1e-300, 1e300, math.nan]:
        with pytest.raises(streamopt.Error, match="segment duration"):
            streamopt.Manifest.from_arrays([1e6, 2e6], duration, segment_count=3)
    # NaN sizes are refused (numpy casts them to uint64 on the way in, so the
    # message names the cast value, or pybind11 refuses the cast outright).
    with pytest.raises((streamopt.Error, TypeError)):
        with np.errstate(invalid="ignore"):
            streamopt.Manifest.from_arrays([1e6, 2e6], 2.0, sizes_bytes=np.array([[np.nan, 1.0], [1.0, 2.0]]))
