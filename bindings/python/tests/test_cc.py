import json
import math

import numpy as np
import pytest

import streamopt


def test_registry_lists_congestion_controllers_and_cases():
    names = dict(streamopt.cc_names())
    assert {"gcc", "nada", "bbr"} <= set(names)
    assert "rfc8867-5.1" in streamopt.cc_case_names()


def test_controller_events_and_update():
    cc = streamopt.make_cc("gcc", start_rate_bps=500e3, min_rate_bps=100e3, max_rate_bps=3e6, profile="draft02")
    assert cc.name == "gcc:profile=draft02"
    seq = 0
    for rnd in range(40):
        packets = []
        for k in range(5):
            send = rnd * 0.05 + k * 0.01
            cc.on_packet_sent(seq, 1200, send)
            packets.append((seq, 1200, send, False, send + 0.05))
            seq += 1
        now = rnd * 0.05 + 0.1
        cc.on_feedback(now, packets)
        cc.on_rtt(0.1, now)
        cc.on_tick(now)
    u = cc.update()
    assert 500e3 < u["target_rate_bps"] <= 3e6
    assert u["phase"] in ("increase", "increase_additive", "hold", "decrease")
    with pytest.raises(streamopt.Error, match="does not increase"):
        cc.on_feedback(3.0, [(5, 1200, 1.0, False, 1.1), (4, 1200, 1.0, False, 1.1)])
    with pytest.raises(streamopt.Error, match="unknown congestion controller"):
        streamopt.make_cc("cubic")
    with pytest.raises(streamopt.Error, match="profile"):
        streamopt.make_cc("gcc", profile="nope")


def test_run_case_returns_metrics_and_numpy_series(tmp_path):
    r = streamopt.run_cc_case("rfc8867-5.1", "nada", time_scale=0.2, keep_packets=True, out=tmp_path)
    assert 0.3 < r["utilisation"] <= 1.0
    assert r["flows"][0]["label"].startswith("nada")
    iv = r["intervals"]
    assert isinstance(iv["target_bps"], np.ndarray) and len(iv["target_bps"]) == len(iv["time_s"])
    assert np.all(iv["target_bps"] >= 150e3 - 1e-6)
    pk = r["packets"]
    delivered = ~np.isnan(pk["arrival_s"])
    assert np.all(pk["arrival_s"][delivered] >= pk["send_s"][delivered])
    assert "| 0 | nada" in r["table"]
    doc = json.loads((tmp_path / "metrics.json").read_text())
    assert doc["case"] == "rfc8867-5.1"
    assert math.isclose(doc["utilisation"], r["utilisation"])


def test_run_trace_and_tcp_ratio(trace):
    r = streamopt.run_cc_trace(trace, "bbr", duration_s=30)
    assert r["flows"][0]["throughput_bps"] > 0.5e6
    tcp = streamopt.run_cc_case("rfc8867-5.6-300ms", "gcc", time_scale=0.2)
    assert tcp["media_tcp_ratio"] is not None and tcp["media_tcp_ratio"] > 0
    assert tcp["flows"][1]["label"] == "tcp"
    with pytest.raises(streamopt.Error, match="unknown cc case"):
        streamopt.run_cc_case("rfc0", "gcc")
