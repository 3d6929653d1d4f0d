import os
import subprocess
import sys

import pytest

from streamopt import edge_report, report

pytestmark = pytest.mark.slow  # runs the CLI and draws with matplotlib


@pytest.fixture
def edge_dir(tmp_path):
    cli = os.environ.get("STREAMOPT_CLI")
    if not cli:
        pytest.skip("STREAMOPT_CLI (the streamopt tool) is not set; ctest sets it")
    traces = tmp_path / "traces"
    subprocess.run([cli, "traces", "synth", "--kind", "markov", "--count", "2", "--seed", "3", "--out", str(traces)],
                   check=True, capture_output=True)
    out = tmp_path / "edge"
    done = subprocess.run([cli, "edge", "simulate", "--traces", str(traces), "--sessions", "6", "--duration-s", "60",
                           "--allocator", "none,qoe_fair", "--priors", "both", "--out", str(out), "--quiet"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "| qoe_fair | on |" in done.stdout
    return out


def test_edge_plot_and_report_section(edge_dir, tmp_path, manifest, trace):
    png = edge_report.plot_edge(str(edge_dir), str(tmp_path / "edge.png"))
    data = open(png, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    import streamopt
    results = tmp_path / "results"
    streamopt.evaluate({"steps": [trace]}, manifest, ["bba"]).write(results)
    index = report.write_report(str(results), str(tmp_path / "report"), edge_dir=str(edge_dir))
    page = open(index).read()
    assert "edge.png" in page and "Edge allocation" in page and "qoe_fair" in page
    assert (tmp_path / "report" / "edge.png").exists()


def test_edge_report_errors_are_clear(tmp_path):
    done = subprocess.run([sys.executable, "-m", "streamopt.edge_report", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 1
    assert "allocation.csv" in done.stderr and "edge simulate --out" in done.stderr
    (tmp_path / "allocation.csv").write_text("allocator,priors\n")
    (tmp_path / "sessions.csv").write_text("")
    (tmp_path / "timeseries.csv").write_text("")
    with pytest.raises(edge_report.EdgeReportError, match="no rows"):
        edge_report.plot_edge(str(tmp_path), str(tmp_path / "x.png"))
