#!/usr/bin/env python3
"""Evaluate two built-in controllers and one written in Python, then save a report.

    PYTHONPATH=build/default/bindings/python python3 examples/python/compare.py [TRACE_DIR] [-o OUT]

Without TRACE_DIR, 20 synthetic Markov traces are generated. The report
(plots and index.html) is written to OUT/report (default out/python-example).
"""
import argparse
import os
import tempfile

import numpy as np

import streamopt
from streamopt import report


class HarmonicThroughput(streamopt.AbrController):
    """A simple rule: the highest rung under 85% of the harmonic mean of the last
    three downloads, and the lowest rung while the buffer is under one segment."""

    name = "py_harmonic"

    def __init__(self, manifest):
        super().__init__(manifest)
        self.bitrates = manifest.bitrates_bps
        self.samples = []

    def reset(self):
        self.samples = []

    def on_download(self, report):
        self.samples = (self.samples + [report.throughput_bps])[-3:]

    def decide(self, state):
        if not self.samples or state.buffer_s < self.manifest.segment_duration_s:
            return streamopt.Decision(rung=0, rule="low_buffer")
        estimate = len(self.samples) / sum(1.0 / s for s in self.samples)
        fitting = np.nonzero(self.bitrates <= 0.85 * estimate)[0]
        return streamopt.Decision(rung=int(fitting[-1]) if len(fitting) else 0, rule="harmonic")


def synthetic_traces(count):
    rng = np.random.default_rng(7)
    traces = []
    for i in range(count):
        levels = rng.choice([0.4e6, 1.0e6, 2.0e6, 3.5e6, 5.0e6], size=40)
        times = np.arange(0, 8 * 40 + 1, 8.0)
        traces.append(streamopt.Trace.from_arrays(times, np.concatenate([[levels[0]], levels]), name=f"synthetic_{i:02d}"))
    return traces


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("traces", nargs="?", help="directory of traces (default: synthetic)")
    parser.add_argument("-o", "--out", default="out/python-example")
    args = parser.parse_args()
    traces = args.traces if args.traces else {"synthetic": synthetic_traces(20)}
    manifest = streamopt.Manifest.synthetic()
    table = streamopt.evaluate(traces, manifest, ["bola", "robust_mpc", HarmonicThroughput, "oracle"], logs=True)
    print(table.markdown)
    results = os.path.join(args.out, "results")
    table.write(results)
    index = report.write_report(results, os.path.join(args.out, "report"))
    print(f"report written to {index}")


if __name__ == "__main__":
    main()
