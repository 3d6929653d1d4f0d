import json
import subprocess
import sys

import pytest

import streamopt
from streamopt import report

pytestmark = pytest.mark.slow  # evaluates the oracle and draws with matplotlib


def make_results(tmp_path, manifest, trace, logs=True):
    table = streamopt.evaluate({"steps": [trace]}, manifest, ["bba", "robust_mpc", "oracle"], logs=logs)
    table.write(tmp_path / "results")
    return tmp_path / "results"


def test_report_writes_plots_and_pages(tmp_path, manifest, trace):
    results = make_results(tmp_path, manifest, trace)
    index = report.write_report(str(results), str(tmp_path / "report"))
    out = tmp_path / "report"
    for name in ["qoe_cdf.png", "qoe_parts.png", "session.png"]:
        data = (out / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
        assert name in (out / "index.html").read_text()
        assert name in (out / "report.md").read_text()
    page = (out / "index.html").read_text()
    assert "<td>robust_mpc</td>" in page and "% of oracle" in page
    assert index.endswith("index.html")


def test_report_cli_without_logs_explains_the_missing_session_plot(tmp_path, manifest, trace):
    results = make_results(tmp_path, manifest, trace, logs=False)
    done = subprocess.run([sys.executable, "-m", "streamopt.report", str(results), "-o", str(tmp_path / "r")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "report written to" in done.stdout
    assert not (tmp_path / "r" / "session.png").exists()
    assert "--logs" in (tmp_path / "r" / "report.md").read_text()


def test_report_errors_are_clear(tmp_path):
    done = subprocess.run([sys.executable, "-m", "streamopt.report", str(tmp_path), "-o", str(tmp_path / "r")],
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert "results.json: not found" in done.stderr
    (tmp_path / "results.json").write_text("{broken")
    with pytest.raises(report.ReportError, match="invalid JSON"):
        report.write_report(str(tmp_path), str(tmp_path / "r"))


def test_report_rejects_an_unknown_session(tmp_path, manifest, trace):
    results = make_results(tmp_path, manifest, trace)
    with pytest.raises(report.ReportError, match="session 'nope'"):
        report.write_report(str(results), str(tmp_path / "r"), session="nope")
