"""Live mode and abandonment from Python: settings, state fields, columns, statistics."""
import numpy as np
import pytest

import streamopt


@pytest.fixture
def fast():
    return streamopt.Trace.from_arrays([0, 300], [20e6, 20e6], name="fast")


def test_live_simulate_reports_latency_and_rates(fast, manifest):
    r = streamopt.simulate(fast, manifest, "bola", mode="live", target_latency_s=2.0, chunk_s=0.5)
    assert r["stats"]["live_latency_mean_s"] == pytest.approx(2.0, abs=0.5)
    assert r["stats"]["live_latency_p95_s"] >= r["stats"]["live_latency_mean_s"]
    assert np.all(r["transfer_time_s"] <= r["download_time_s"])
    assert np.all(r["latency_s"] > 0)
    np.testing.assert_allclose(
        r["qoe"], r["utility"] - r["rebuffer_penalty"] - r["smoothness_penalty"] - r["latency_penalty"]
        - r["speed_penalty"])
    # A VoD session has no live statistics.
    assert "live_latency_mean_s" not in streamopt.simulate(fast, manifest, "bola")["stats"]


class SlowDown:
    """Asks for 0.8x playback and watches the live state."""

    def __init__(self):
        self.states = []

    def on_download(self, report):
        pass

    def decide(self, state):
        self.states.append(state)
        return streamopt.Decision(rung=0, playback_rate=0.8)

    def reset(self):
        self.states = []


def test_python_controller_sets_the_playback_rate(fast, manifest):
    c = SlowDown()
    r = streamopt.simulate(fast, manifest, c, mode="live", min_playback_rate=0.9)
    assert r["playback_rate"][-1] == pytest.approx(0.9)  # clamped to the allowed range
    assert all(s.live for s in c.states)
    assert c.states[-1].latency_s > c.states[1].latency_s  # playing slower than real time
    assert c.states[-1].target_latency_s == pytest.approx(3.0)
    with pytest.raises(streamopt.Error, match="unknown simulator setting 'latency'"):
        streamopt.simulate(fast, manifest, "bola", mode="live", latency=3)
    with pytest.raises(streamopt.Error, match="target_latency_s"):
        streamopt.simulate(fast, manifest, "bola", mode="live", target_latency_s=0)


class Abandoner:
    """Abandons every first request for rung 0 once a second has passed."""

    def __init__(self):
        self.progress = []

    def on_download(self, report):
        pass

    def decide(self, state):
        return 1

    def should_abandon(self, progress):
        self.progress.append(progress.elapsed_s)
        return 0 if progress.elapsed_s >= 1.0 else None

    def reset(self):
        self.progress = []


def test_python_controller_can_abandon(manifest):
    slow = streamopt.Trace.from_arrays([0, 1000], [0.4e6, 0.4e6], name="slow")
    c = Abandoner()
    r = streamopt.simulate(slow, manifest, c, segment_count=5, progress_interval_s=0.25)
    assert np.all(r["abandoned_rung"] == 1)
    assert np.all(r["rung"] == 0)
    assert np.all(r["abandoned_bytes"] > 0)
    assert c.progress[:4] == pytest.approx([0.25, 0.5, 0.75, 1.0])
    r = streamopt.simulate(slow, manifest, Abandoner(), segment_count=5, progress_interval_s=0)
    assert np.all(r["abandoned_rung"] == -1)


@pytest.mark.slow  # draws with matplotlib
def test_live_report_plots_latency_against_bitrate(tmp_path, fast, manifest):
    from streamopt.live_report import LiveReportError, live_table, plot_live

    table = streamopt.evaluate({"fast": [fast]}, manifest, ["bola", "l2a"], mode="live")
    table.write(tmp_path / "live")
    png = plot_live(str(tmp_path / "live"), str(tmp_path / "live.png"), 3.0)
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    md = live_table(str(tmp_path / "live"))
    assert "| l2a | fast |" in md and "latency mean s" in md
    table = streamopt.evaluate({"fast": [fast]}, manifest, ["bola"])
    table.write(tmp_path / "vod")
    with pytest.raises(LiveReportError, match="--mode live"):
        plot_live(str(tmp_path / "vod"), str(tmp_path / "x.png"))
