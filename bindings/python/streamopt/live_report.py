"""Plot the latency / quality trade-off of a live evaluation.

    python3 -m streamopt.live_report RESULTS_DIR [-o RESULTS_DIR/live.png] [--target-latency-s 3]

Reads ``results.csv`` of ``streamopt evaluate --mode live --out RESULTS_DIR``
(its live columns) and draws one panel per trace set: each controller at its
mean live latency (x) and mean bitrate (y), the marker's area proportional to
its rebuffer ratio, the target latency as a dashed line. Needs matplotlib
only (not the compiled module). ``python3 -m streamopt.report --live DIR``
puts the plot and the live table in the evaluation report.
"""
import argparse
import csv
import os
import sys
from collections import OrderedDict
from typing import List, Optional

LIVE_COLUMNS = ("live_latency_mean_s", "live_latency_p95_s", "time_at_target", "playback_rate_changes")


class LiveReportError(Exception):
    """The live results are missing or malformed."""


def read_live_rows(results_dir: str) -> List[dict]:
    """The rows of ``results_dir/results.csv``; raises LiveReportError unless it has the live columns."""
    path = os.path.join(results_dir, "results.csv")
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        raise LiveReportError(f"{path}: {e.strerror} (is it an 'evaluate --out' directory?)") from e
    if not rows:
        raise LiveReportError(f"{path} has no rows")
    missing = [c for c in LIVE_COLUMNS if c not in rows[0]]
    if missing:
        raise LiveReportError(f"{path} has no {', '.join(missing)}: evaluate with --mode live")
    return rows


def plot_live(results_dir: str, path: str, target_latency_s: Optional[float] = None) -> str:
    """Draws the latency / bitrate trade-off of ``results_dir`` into the PNG ``path``; returns ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = read_live_rows(results_dir)
    sets = OrderedDict()
    for r in rows:
        sets.setdefault(r["trace_set"], []).append(r)
    fig, axes = plt.subplots(1, len(sets), figsize=(6.5 * len(sets), 4.8), squeeze=False)
    try:
        for ax, (name, group) in zip(axes[0], sets.items()):
            for r in group:
                x = float(r["live_latency_mean_s"])
                y = float(r["mean_bitrate_bps"]) / 1000.0
                area = 30 + 4000 * float(r["rebuffer_ratio"])
                ax.scatter([x], [y], s=area, alpha=0.6)
                ax.annotate(r["algorithm"], (x, y), textcoords="offset points", xytext=(6, 4), fontsize=8)
            if target_latency_s:
                ax.axvline(target_latency_s, color="grey", linestyle="--", linewidth=1)
            ax.set_title(f"{name}: latency vs bitrate (marker area = rebuffer ratio)")
            ax.set_xlabel("mean live latency (s)")
            ax.set_ylabel("mean bitrate (kbit/s)")
            ax.grid(alpha=0.3)
    except (KeyError, ValueError) as e:
        plt.close(fig)
        raise LiveReportError(f"{results_dir}/results.csv: unexpected content ({e})") from e
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def live_table(results_dir: str) -> str:
    """The live columns of ``results_dir`` as a Markdown table."""
    rows = read_live_rows(results_dir)
    out = ("| algorithm | traces | bitrate kbps | rebuffer % | latency mean s | latency p95 s | time at target % "
           "| rate changes |\n|---|---|---:|---:|---:|---:|---:|---:|\n")
    for r in rows:
        out += (f"| {r['algorithm']} | {r['trace_set']} | {float(r['mean_bitrate_bps']) / 1000:.0f} | "
                f"{100 * float(r['rebuffer_ratio']):.2f} | {float(r['live_latency_mean_s']):.2f} | "
                f"{float(r['live_latency_p95_s']):.2f} | {100 * float(r['time_at_target']):.1f} | "
                f"{float(r['playback_rate_changes']):.1f} |\n")
    return out


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m streamopt.live_report", description=__doc__.split("\n\n")[0])
    parser.add_argument("results_dir", help="directory written by `streamopt evaluate --mode live --out`")
    parser.add_argument("-o", "--out", help="PNG to write [default: RESULTS_DIR/live.png]")
    parser.add_argument("--target-latency-s", type=float, help="draw the target latency")
    args = parser.parse_args(argv)
    try:
        path = plot_live(args.results_dir, args.out or os.path.join(args.results_dir, "live.png"),
                         args.target_latency_s)
    except (LiveReportError, OSError) as e:
        print(f"streamopt.live_report: error: {e}", file=sys.stderr)
        return 1
    print(f"plot written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
