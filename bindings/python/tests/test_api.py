import itertools

import numpy as np
import pytest

import streamopt


def test_manifest_from_arrays_and_properties():
    sizes = np.array([[100, 200], [110, 220], [120, 240]])
    m = streamopt.Manifest.from_arrays([1e6, 2e6], 2.0, sizes_bytes=sizes)
    assert m.rung_count == 2 and m.segment_count == 3 and m.segment_duration_s == 2.0
    assert m.sizes_bytes.tolist() == sizes.tolist()
    assert m.bitrates_bps.dtype == np.float64
    plain = streamopt.Manifest.from_arrays([1e6], 4.0, segment_count=5)
    assert plain.sizes_bytes[0, 0] == 500000


def test_manifest_errors_carry_the_library_message(tmp_path):
    with pytest.raises(streamopt.Error, match="not above"):
        streamopt.Manifest.from_arrays([2e6, 1e6], 2.0, segment_count=3)
    with pytest.raises(streamopt.Error, match=r"expected a \(segments, 2\) array"):
        streamopt.Manifest.from_arrays([1e6, 2e6], 2.0, sizes_bytes=np.ones((3, 3)))
    with pytest.raises(streamopt.Error, match="ladder.json"):
        streamopt.Manifest.load(tmp_path)
    assert issubclass(streamopt.Error, ValueError)


def test_traces_load_as_numpy_arrays(tmp_path):
    path = tmp_path / "t.log"
    path.write_text("0 1\n1 2.5\n3 0\n")
    t = streamopt.load_trace(path)
    assert t.name == "t.log" and len(t) == 3
    np.testing.assert_allclose(t.time_s, [0, 1, 3])
    np.testing.assert_allclose(t.throughput_bps, [1e6, 2.5e6, 0])
    assert t.stats()["outage_s"] == 2.0
    t.write(tmp_path / "t.json", "sabre")
    assert streamopt.load_trace(tmp_path / "t.json").duration_s == 3.0
    path.write_text("0 1\n1 oops\n")
    with pytest.raises(streamopt.Error, match=r"t.log:2: throughput 'oops' is not a number"):
        streamopt.load_trace(path)


def plan_qoe_lin(manifest, plan, buffer_s, last_rung, bandwidth_bps, first_segment):
    """QoE_lin of fetching `plan` at a constant bandwidth, worked out here (MPC's model: 60 s buffer cap)."""
    bitrates, sizes = manifest.bitrates_bps, manifest.sizes_bytes
    total = 0.0
    for k, rung in enumerate(plan):
        download_s = sizes[first_segment + k, rung] * 8 / bandwidth_bps
        total += bitrates[rung] / 1e6 - 4.3 * max(0.0, download_s - buffer_s) - abs(bitrates[rung] - bitrates[last_rung]) / 1e6
        buffer_s = min(60.0, max(0.0, buffer_s - download_s) + manifest.segment_duration_s)
        last_rung = rung
    return total


def test_make_abr_with_keyword_options(manifest):
    abr = streamopt.make_abr("robust_mpc", manifest, horizon=3, buffer_step_s=0)
    abr.on_download(streamopt.DownloadReport(segment=0, rung=1, size_bytes=1_000_000, download_time_s=4.0))
    d = abr.decide(streamopt.PlayerState(buffer_s=5.0, next_segment=1, segments_left=48, last_rung=1))
    assert isinstance(d, streamopt.Decision)
    assert d.estimate_bps == pytest.approx(2e6)
    assert d.rule == "robust_mpc"
    assert abr.name == "robust_mpc"
    # horizon=3 took effect, and the plan is the best of all 6^3 plans when
    # each is scored here, independently of the library's search.
    assert len(d.plan) == 3
    scored = {plan: plan_qoe_lin(manifest, plan, 5.0, 1, d.conservative_bps, 1)
              for plan in itertools.product(range(manifest.rung_count), repeat=3)}
    best = max(scored.values())
    assert d.objective == pytest.approx(best, abs=1e-9)
    assert scored[tuple(d.plan)] == pytest.approx(best, abs=1e-9)
    # With less buffer it must not choose a higher rung.
    low = abr.decide(streamopt.PlayerState(buffer_s=0.5, next_segment=1, segments_left=48, last_rung=1))
    assert low.rung <= d.rung


def test_bad_specs_raise_with_the_message(manifest):
    with pytest.raises(streamopt.Error, match="unknown ABR controller 'bolla'"):
        streamopt.make_abr("bolla", manifest)
    with pytest.raises(streamopt.Error, match="unknown option 'gamma'"):
        streamopt.make_abr("bola", manifest, gamma=1)
    with pytest.raises(streamopt.Error, match="given twice"):
        streamopt.make_abr("bola:variant=e", manifest, variant="basic")
    with pytest.raises(streamopt.Error, match="window"):
        streamopt.make_predictor("harmonic", window=0)


def test_predictors_and_registry_listing():
    p = streamopt.make_predictor("harmonic", window=2)
    assert not p.predict().valid
    p.observe(streamopt.DownloadReport(size_bytes=1_000_000, download_time_s=8.0))
    p.observe(streamopt.DownloadReport(size_bytes=1_000_000, download_time_s=2.0))
    assert p.predict().estimate_bps == pytest.approx(1.6e6)
    names = dict(streamopt.abr_names())
    assert {"bba", "bola", "robust_mpc"} <= set(names)
    assert "ewma" in dict(streamopt.predictor_names())


def test_player_state_last_rung_is_none_before_the_first_segment():
    s = streamopt.PlayerState()
    assert s.last_rung is None
    s.last_rung = 2
    assert s.last_rung == 2
