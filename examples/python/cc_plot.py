#!/usr/bin/env python3
"""Run congestion controllers on an RFC 8867 case and plot what they did.

    PYTHONPATH=build/default/bindings/python python3 examples/python/cc_plot.py \
        [--case rfc8867-5.1] [--cc gcc,nada,bbr] [--time-scale 1] [-o out/cc-plot.png]

One row of plots per controller: capacity, the controller's target and the
received rate over time, and the mean queuing delay of the flow's packets.
"""
import argparse
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import streamopt  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", default="rfc8867-5.1", choices=streamopt.cc_case_names())
    parser.add_argument("--cc", default="gcc,nada,bbr", help="comma-separated controller specs")
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("-o", "--out", default="out/cc-plot.png")
    args = parser.parse_args()

    specs = [s for s in args.cc.split(",") if s]
    fig, axes = plt.subplots(len(specs), 2, figsize=(12, 3 * len(specs)), squeeze=False)
    for row, spec in enumerate(specs):
        r = streamopt.run_cc_case(args.case, spec, time_scale=args.time_scale)
        iv = r["intervals"]
        first = iv["flow"] == 0
        t = iv["time_s"][first]
        rate_ax, delay_ax = axes[row]
        rate_ax.plot(t, iv["capacity_bps"][first] / 1e6, "k--", label="capacity")
        rate_ax.plot(t, iv["target_bps"][first] / 1e6, label="target (flow 0)")
        rate_ax.plot(t, iv["received_bps"][first] / 1e6, alpha=0.6, label="received (flow 0)")
        rate_ax.set_ylabel("Mbit/s")
        rate_ax.set_title(f"{r['flows'][0]['label']}: utilisation {100 * r['utilisation']:.1f} %")
        rate_ax.legend(loc="upper right", fontsize="small")
        delay_ax.plot(t, np.nan_to_num(iv["queue_delay_s"][first]) * 1e3)
        delay_ax.set_ylabel("queuing delay, ms")
        p95 = r["flows"][0]["queue_delay_p95_s"]
        delay_ax.set_title(f"p95 {1e3 * p95:.0f} ms" if p95 is not None else "no packets")
        print(f"{spec}: utilisation {100 * r['utilisation']:.1f} %, queuing delay p95 {1e3 * (p95 or 0):.0f} ms")
    for ax in axes[-1]:
        ax.set_xlabel("time, s")
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    fig.savefig(args.out, dpi=90)
    print(f"plot written to {args.out}")


if __name__ == "__main__":
    main()
