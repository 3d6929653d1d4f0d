import threading

import numpy as np
import pytest

import streamopt


class BufferSteps(streamopt.AbrController):
    """Rung by buffer level; counts its calls."""

    name = "buffer_steps"

    def __init__(self, manifest=None):
        super().__init__(manifest)
        self.calls = {"reset": 0, "decide": 0, "on_download": 0}

    def reset(self):
        self.calls["reset"] += 1

    def on_download(self, report):
        assert report.download_time_s > 0
        self.calls["on_download"] += 1

    def decide(self, state):
        self.calls["decide"] += 1
        return streamopt.Decision(rung=min(5, int(state.buffer_s // 4)), rule="steps")


def test_a_python_controller_runs_inside_the_simulator(trace, manifest):
    abr = BufferSteps()
    r = streamopt.simulate(trace, manifest, abr)
    assert abr.calls == {"reset": 1, "decide": 49, "on_download": 49}
    assert r["rung"][0] == 0
    assert r["rung"].max() > 0


def test_it_matches_the_same_rule_written_in_cpp(trace, manifest):
    class Fixed(streamopt.AbrController):
        def decide(self, state):
            return 2  # a plain int is a rung

    ours = streamopt.simulate(trace, manifest, Fixed(), mode="pensieve")
    builtin = streamopt.simulate(trace, manifest, "fixed:rung=2", mode="pensieve")
    np.testing.assert_array_equal(ours["rung"][1:], builtin["rung"][1:])
    assert ours["stats"]["qoe_sum"] == builtin["stats"]["qoe_sum"]


def test_python_controllers_run_in_evaluate_beside_cpp_ones(trace, manifest):
    table = streamopt.evaluate({"a": [trace, trace]}, manifest, ["bba", BufferSteps, ("fixed2", lambda m: streamopt.make_abr("fixed:rung=2", m))],
                               threads=2)
    assert [r["algorithm"] for r in table] == ["bba", "buffer_steps", "fixed2"]
    assert all(r["sessions"] == 2 for r in table)


def test_errors_in_python_controllers_surface_as_streamopt_errors(trace, manifest):
    class Broken(streamopt.AbrController):
        def decide(self, state):
            raise RuntimeError("boom")

    with pytest.raises(streamopt.Error, match="Broken.decide: RuntimeError: boom"):
        streamopt.simulate(trace, manifest, Broken())

    class OutOfRange(streamopt.AbrController):
        def decide(self, state):
            return 17

    with pytest.raises(streamopt.Error, match="rung 17"):
        streamopt.simulate(trace, manifest, OutOfRange())

    class WrongType(streamopt.AbrController):
        def decide(self, state):
            return "high"

    with pytest.raises(streamopt.Error, match="must return a Decision or an int"):
        streamopt.simulate(trace, manifest, WrongType())
    with pytest.raises(streamopt.Error, match="Broken.decide"):
        streamopt.evaluate([trace], manifest, [Broken])


@pytest.mark.slow
def test_long_calls_release_the_gil(manifest):
    # A Python thread keeps counting while C++ evaluates the oracle.
    long_trace = streamopt.Trace.from_arrays(np.arange(0, 400.0), np.full(400, 2.5e6) + np.sin(np.arange(400)) * 1e6)
    ticks = []
    done = threading.Event()

    def count():
        while not done.is_set():
            ticks.append(1)
            done.wait(0.001)

    thread = threading.Thread(target=count)
    thread.start()
    streamopt.evaluate([long_trace] * 4, manifest, ["oracle"], threads=1)
    done.set()
    thread.join()
    assert len(ticks) > 10
