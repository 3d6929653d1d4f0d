import json

import numpy as np
import pytest

import streamopt


def test_simulate_returns_numpy_columns(trace, manifest):
    r = streamopt.simulate(trace, manifest, "bba:preset=pensieve", mode="pensieve")
    assert len(r["rung"]) == 48 and r["rung"].dtype == np.int64
    assert r["rung"][0] == 1
    assert np.all(r["buffer_s"] >= 0)
    assert np.all(np.diff(r["time_s"]) >= 0)
    np.testing.assert_allclose(r["qoe"], r["utility"] - r["rebuffer_penalty"] - r["smoothness_penalty"])
    assert r["stats"]["qoe_sum_pensieve"] == pytest.approx(r["qoe"][1:].sum())


def test_simulate_settings_and_errors(trace, manifest):
    r = streamopt.simulate(trace, manifest, "fixed:rung=0", segment_count=10, rtt_s=0.0, payload_fraction=1.0)
    assert len(r["rung"]) == 10
    np.testing.assert_allclose(r["download_time_s"], r["size_bytes"] * 8 / 3e6)
    with pytest.raises(streamopt.Error, match="unknown simulator setting 'rtt'"):
        streamopt.simulate(trace, manifest, "bba", rtt=0.1)
    with pytest.raises(streamopt.Error, match="unknown simulator mode"):
        streamopt.simulate(trace, manifest, "bba", mode="fast")


def test_simulate_agrees_with_the_cli(tmp_path, cli, manifest):
    trace_path = tmp_path / "m.log"
    cli("traces", "synth", "--kind", "markov", "--seed", "4", "--duration-s", "150", "--out", trace_path)
    for spec in ["bola", "robust_mpc:horizon=4"]:
        for mode in ["default", "pensieve"]:
            out = cli("simulate", "--abr", spec, "--traces", trace_path, "--mode", mode)
            cli_qoe = float(out.splitlines()[1].split()[2])
            py = streamopt.simulate(trace_path, streamopt.Manifest.synthetic(), spec, mode=mode)
            assert py["stats"]["qoe_per_segment"] == pytest.approx(cli_qoe, abs=5e-7)


@pytest.mark.slow
def test_evaluate_agrees_with_the_cli(tmp_path, cli):
    traces = tmp_path / "traces"
    cli("traces", "synth", "--kind", "markov", "--count", "4", "--seed", "9", "--duration-s", "120", "--out", traces)
    cli("evaluate", "--abr", "bba,rate,oracle", "--traces", traces, "--out", tmp_path / "out", "--quiet")
    expected = json.loads((tmp_path / "out" / "results.json").read_text())["rows"]
    table = streamopt.evaluate(traces, streamopt.Manifest.synthetic(), ["bba", "rate", "oracle"], threads=2)
    assert [r["algorithm"] for r in table] == [r["algorithm"] for r in expected]
    for ours, theirs in zip(table, expected):
        assert ours["qoe_per_segment"] == pytest.approx(theirs["qoe_per_segment"], rel=1e-12)
        if theirs["percent_of_oracle"] is None:  # undefined when the oracle's mean QoE is not positive
            assert ours["percent_of_oracle"] is None
        else:
            assert ours["percent_of_oracle"] == pytest.approx(theirs["percent_of_oracle"], rel=1e-12)
    assert len(table.sessions) == 12
    assert "| rate | traces | 4 |" in table.markdown


def test_evaluate_writes_the_cli_files(tmp_path, trace, manifest):
    table = streamopt.evaluate({"steps": [trace]}, manifest, ["bba"], logs=True)
    table.write(tmp_path / "out")
    for name in ["table.md", "results.csv", "results.json"]:
        assert (tmp_path / "out" / name).stat().st_size > 0
    assert len((tmp_path / "out" / "logs" / "bba" / "steps" / "steps").read_text().splitlines()) == 49


def test_evaluate_writes_one_sessions_csv_row_per_session(tmp_path, trace, manifest):
    table = streamopt.evaluate({"steps": [trace, trace]}, manifest, ["bba", "rate"])
    table.write(tmp_path / "out", per_session=True)
    rows = (tmp_path / "out" / "sessions.csv").read_text().splitlines()
    assert rows[0] == ("trace_set,trace,algorithm,segments,qoe_per_segment,mean_bitrate_bps,"
                       "rebuffer_s,rebuffer_ratio,switches,startup_s")
    assert len(rows) == 1 + 2 * 2
    by_algorithm = [r.split(",")[2].strip('"') for r in rows[1:]]
    assert sorted(by_algorithm) == ["bba", "bba", "rate", "rate"]
    qoe = {float(r.split(",")[4]) for r in rows[1:] if '"rate"' in r or r.split(",")[2] == "rate"}
    assert qoe == {s["qoe_per_segment"] for s in table.sessions if s["algorithm"] == "rate"}
