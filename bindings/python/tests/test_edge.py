"""Bandwidth allocators and the multi-player edge simulator from Python."""
import math

import pytest

import streamopt

PHONE = {"bitrates_bps": [0.5e6, 1e6]}
TABLET = {"bitrates_bps": [1e6, 5e6]}
TV = {"bitrates_bps": [1e6, 5e6, 10e6]}


def test_allocator_names_list_the_builtins():
    names = dict(streamopt.allocator_names())
    assert {"none", "equal", "proportional", "maxmin", "qoe_fair", "utility"} <= set(names)
    assert all(summary for summary in names.values())


def test_maxmin_water_fills_the_demands():
    # Demands 1, 5 and 10 Mbit/s on 12: the two smaller are met, the third gets what is left.
    a = streamopt.make_allocator("maxmin:headroom=1")
    assert a.name == "maxmin"
    caps = [cap for cap, _ in a.allocate(12e6, [PHONE, TABLET, TV])]
    assert caps == pytest.approx([1e6, 5e6, 6e6])
    # A screen cap lowers the TV's demand to 5.
    capped = dict(TV, max_rung=1)
    assert a.allocate(12e6, [PHONE, TABLET, capped])[2] == pytest.approx((5e6, 5e6))
    assert a.allocate(12e6, []) == []


def test_equal_shares_with_headroom_and_keyword_options():
    for a in [streamopt.make_allocator("equal:headroom=0.9"), streamopt.make_allocator("equal", headroom=0.9)]:
        out = a.allocate(9e6, [PHONE, TABLET, TV])
        assert len(out) == 3 and all(isinstance(x, tuple) for x in out)
        assert [cap for cap, _ in out] == pytest.approx([2.7e6] * 3)


def test_every_optional_key_is_accepted():
    session = {"bitrates_bps": [1e6, 2e6], "utilities": [1.0, 1.5], "max_rung": None, "buffer_s": 8.0,
               "rung": 1, "throughput_bps": 3e6, "weight": 2.0}
    for name, _ in streamopt.allocator_names():
        out = streamopt.make_allocator(name).allocate(4e6, [session, dict(session, rung=None, utilities=None)])
        assert len(out) == 2
        for cap, rate in out:
            assert cap > 0 and rate >= 0 and not math.isnan(cap)


def test_allocator_errors_name_the_session_and_key():
    a = streamopt.make_allocator("equal")
    with pytest.raises(streamopt.Error, match=r"sessions\[1\]: unknown key 'bitrate'"):
        a.allocate(9e6, [PHONE, {"bitrate": [1e6]}])
    with pytest.raises(streamopt.Error, match=r"sessions\[0\]: bitrates_bps is required"):
        a.allocate(9e6, [{"buffer_s": 3.0}])
    with pytest.raises(streamopt.Error, match=r"session 1: bitrates_bps\[1\] = .* is not above the rung below"):
        a.allocate(9e6, [PHONE, {"bitrates_bps": [2e6, 1e6]}])
    with pytest.raises(streamopt.Error, match=r"sessions\[0\]\.buffer_s = 'full' is not a number"):
        a.allocate(9e6, [dict(PHONE, buffer_s="full")])
    with pytest.raises(streamopt.Error, match=r"sessions\[2\]\.max_rung = -1 is not a rung index"):
        a.allocate(9e6, [PHONE, PHONE, dict(PHONE, max_rung=-1)])
    with pytest.raises(streamopt.Error, match=r"session 0: max_rung 5 is outside the 2-rung ladder"):
        a.allocate(9e6, [dict(PHONE, max_rung=5)])
    with pytest.raises(streamopt.Error, match=r"session 0: weight"):
        a.allocate(9e6, [dict(PHONE, weight=0)])
    with pytest.raises(streamopt.Error, match=r"sessions\[0\] is not a dict"):
        a.allocate(9e6, [[1e6, 2e6]])
    with pytest.raises(streamopt.Error, match="capacity_bps"):
        a.allocate(float("nan"), [PHONE])
    with pytest.raises(streamopt.Error, match="unknown allocator 'fairest'"):
        streamopt.make_allocator("fairest")
    with pytest.raises(streamopt.Error, match="headroom"):
        streamopt.make_allocator("maxmin", headroom=2)


def small_run(allocator="maxmin", **config):
    trace = streamopt.Trace.from_arrays([0, 20, 40, 60], [8e6, 8e6, 3e6, 6e6], name="steps")
    settings = dict(sessions=4, duration_s=60, mean_watch_s=30, seed=2)
    settings.update(config)
    return streamopt.simulate_edge(trace, [streamopt.Manifest.synthetic(seed=3)], allocator, **settings)


def test_simulate_edge_returns_a_sane_summary_sessions_and_samples():
    r = small_run()
    assert r["allocator"] == "maxmin" and r["trace"] == "steps"
    s = r["summary"]
    assert set(s) == {"sessions", "min_qoe", "p10_qoe", "mean_qoe", "jain_qoe", "rebuffer_ratio", "utilisation",
                      "mean_switches", "mean_bitrate_bps", "startup_qoe"}
    assert s["sessions"] == len(r["sessions"]) >= 4
    assert 0 < s["utilisation"] <= 1
    assert 0 < s["jain_qoe"] <= 1
    assert 0 <= s["rebuffer_ratio"] < 1
    assert s["min_qoe"] <= s["p10_qoe"] <= s["mean_qoe"]
    assert 300e3 <= s["mean_bitrate_bps"] <= 4300e3
    for e in r["sessions"]:
        assert e["departure_s"] > e["arrival_s"] >= 0
        assert e["stats"]["segments"] >= 5 and e["media_s"] == 4.0 * e["stats"]["segments"]
        assert 0.04 <= e["rtt_s"] <= 0.12
    times = [x["time_s"] for x in r["samples"]]
    assert len(times) >= 60 and times == sorted(times)
    assert max(x["active_sessions"] for x in r["samples"]) <= 4
    assert all(x["stalled"] <= x["active_sessions"] and x["capacity_bps"] > 0 for x in r["samples"])
    # Deterministic per seed.
    assert small_run()["summary"] == s


def test_simulate_edge_takes_a_single_manifest_and_a_trace_path(tmp_path):
    path = tmp_path / "c.log"
    path.write_text("".join(f"{t} 4\n" for t in range(0, 61)))
    r = streamopt.simulate_edge(path, streamopt.Manifest.synthetic(), "equal", sessions=2, duration_s=20,
                                mean_watch_s=20, phone_share=0)
    assert r["trace"] == "c.log" and r["summary"]["sessions"] >= 2
    assert not any(e["phone"] for e in r["sessions"])


def test_the_packet_level_link_runs_too():
    r = small_run(sharing="packet", queue_limit_s=0.2, sessions=2, duration_s=20)
    assert r["summary"]["sessions"] >= 2 and 0 < r["summary"]["utilisation"] <= 1
    with pytest.raises(streamopt.Error, match="sharing = 'tcp' is not 'fluid' or 'packet'"):
        small_run(sharing="tcp")


def test_priors_start_later_sessions_higher_on_a_fast_link():
    # robust_mpc starts at the lowest rung without a sample; with a prior from
    # the sessions already playing it starts near the link's rate.
    trace = streamopt.Trace.from_arrays([0, 100], [5e6, 5e6], name="constant")
    titles = [streamopt.Manifest.synthetic()]
    config = dict(sessions=6, capacity_scale=6, duration_s=300, mean_watch_s=30, phone_share=0)
    off = streamopt.simulate_edge(trace, titles, "none", **config)
    on = streamopt.simulate_edge(trace, titles, "none", priors=True, **config)
    assert on["summary"]["startup_qoe"] > off["summary"]["startup_qoe"] + 0.1


def test_simulate_edge_errors_name_the_setting():
    with pytest.raises(streamopt.Error, match="unknown edge setting 'session'"):
        small_run(session=3)
    with pytest.raises(streamopt.Error, match="phone_share"):
        small_run(phone_share=1.5)
    with pytest.raises(streamopt.Error, match="sessions = 'many' is not an int"):
        small_run(sessions="many")
    with pytest.raises(streamopt.Error, match="unknown ABR controller 'nope'"):
        small_run(abr="nope")
    with pytest.raises(streamopt.Error, match="unknown allocator"):
        small_run("fairest")
    with pytest.raises(streamopt.Error, match="no titles"):
        streamopt.simulate_edge(streamopt.Trace.from_arrays([0, 10], [1e6, 1e6]), [], "none")
