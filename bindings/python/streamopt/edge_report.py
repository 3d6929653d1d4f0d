"""Plot what ``streamopt edge simulate --out DIR`` wrote.

    python3 -m streamopt.edge_report DIR [-o DIR/edge.png]

Three panels: min / 10th percentile / mean session QoE per allocator; the
distribution (CDF) of per-session QoE per allocator; stalled sessions over
time in the first trace's run of each allocator. Reads allocation.csv,
sessions.csv and timeseries.csv; needs numpy and matplotlib only (not the
compiled module). ``python3 -m streamopt.report --edge DIR`` puts the plot
and the table in the evaluation report.
"""
import argparse
import csv
import os
import sys
from typing import List, Optional


class EdgeReportError(Exception):
    """The edge results are missing or malformed."""


def _read_csv(path: str) -> List[dict]:
    try:
        with open(path, newline="") as f:
            return list(csv.DictReader(f))
    except OSError as e:
        raise EdgeReportError(f"{path}: {e.strerror} (is it an 'edge simulate --out' directory?)") from e


def _label(row: dict) -> str:
    return row["allocator"] + (" +priors" if row["priors"] == "on" else "")


def plot_edge(edge_dir: str, path: str) -> str:
    """Draws the three panels of ``edge_dir`` into the PNG ``path``; returns ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    rows = _read_csv(os.path.join(edge_dir, "allocation.csv"))
    sessions = _read_csv(os.path.join(edge_dir, "sessions.csv"))
    series = _read_csv(os.path.join(edge_dir, "timeseries.csv"))
    if not rows:
        raise EdgeReportError(f"{edge_dir}/allocation.csv has no rows")
    try:
        return _draw(plt, np, rows, sessions, series, path)
    except (KeyError, ValueError) as e:
        raise EdgeReportError(f"{edge_dir}: unexpected content ({e})") from e


def _draw(plt, np, rows, sessions, series, path):
    names = [_label(r) for r in rows]

    fig, axes = plt.subplots(1, 3, figsize=(17, 4.8))
    x = np.arange(len(rows))
    for i, (key, title) in enumerate([("min_qoe", "min"), ("p10_qoe", "p10"), ("mean_qoe", "mean")]):
        axes[0].bar(x + (i - 1) * 0.27, [float(r[key]) for r in rows], 0.27, label=title)
    axes[0].set_xticks(x, names, rotation=30, ha="right")
    axes[0].axhline(0, color="black", linewidth=0.6)
    axes[0].set_ylabel("session QoE per segment (mean over traces)")
    axes[0].set_title(f"{rows[0]['sessions']} sessions: worst, p10 and mean session")
    axes[0].legend()

    for name in names:
        q = np.sort([float(s["qoe_per_segment"]) for s in sessions if _label(s) == name])
        if len(q):
            axes[1].plot(q, np.arange(1, len(q) + 1) / len(q), label=name)
    axes[1].set_xlabel("session QoE per segment")
    axes[1].set_ylabel("share of sessions")
    axes[1].set_xlim(left=max(-3.0, axes[1].get_xlim()[0]))
    axes[1].set_title("distribution of session QoE (all traces)")
    axes[1].legend(fontsize=8)

    first_trace = series[0]["trace"] if series else None
    for name in names:
        pts = [s for s in series if _label(s) == name and s["trace"] == first_trace]
        if pts:
            axes[2].plot([float(p["time_s"]) for p in pts], [int(p["stalled"]) for p in pts], label=name, linewidth=0.9)
    axes[2].set_xlabel("time (s)")
    axes[2].set_ylabel("sessions stalled")
    axes[2].set_title(f"stalls over time, trace {first_trace}")
    axes[2].legend(fontsize=8)

    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m streamopt.edge_report", description=__doc__.splitlines()[0])
    parser.add_argument("dir", help="the --out directory of streamopt edge simulate")
    parser.add_argument("-o", "--out", help="PNG to write [default: DIR/edge.png]")
    args = parser.parse_args(argv)
    try:
        print(plot_edge(args.dir, args.out or os.path.join(args.dir, "edge.png")))
    except EdgeReportError as e:
        print(f"streamopt.edge_report: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
