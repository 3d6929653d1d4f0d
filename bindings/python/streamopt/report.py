"""Turns the output of ``streamopt evaluate --out DIR [--logs]`` into a report.

    python3 -m streamopt.report RESULTS_DIR -o REPORT_DIR [--session TRACE]
                                [--trace-set NAME] [--traces DIR] [--edge DIR] [--live DIR]

Writes, into REPORT_DIR: ``qoe_cdf.png`` (CDF of per-session QoE per
controller), ``qoe_parts.png`` (mean QoE per segment with its utility,
rebuffer and smoothness parts, and % of the oracle), ``session.png`` (for one
session: throughput, chosen bitrate and buffer over time, one line per
controller; needs the per-session logs of ``--logs``), ``index.html`` and
``report.md`` showing them with the table; with ``--edge DIR`` (the output of
``streamopt edge simulate --out DIR``) also ``edge.png`` and the allocation
table; with ``--live DIR`` (the output of ``streamopt evaluate --mode live
--out DIR``) also ``live.png`` (latency vs bitrate) and the live table. Uses
matplotlib (Agg backend).
"""
from __future__ import annotations

import argparse
import html
import json
import os
import sys
from collections import OrderedDict
from typing import Dict, List, Optional

LOG_COLUMNS = ("time_s", "bitrate_kbps", "buffer_s", "rebuffer_s", "chunk_bytes", "delay_ms", "reward")


class ReportError(Exception):
    """Bad or missing input for the report."""


def load_results(results_dir: str) -> dict:
    """Reads RESULTS_DIR/results.json as written by ``streamopt evaluate --out``."""
    path = os.path.join(results_dir, "results.json")
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except FileNotFoundError:
        raise ReportError(f"{path}: not found (run `streamopt evaluate --out {results_dir}` first)") from None
    except json.JSONDecodeError as e:
        raise ReportError(f"{path}: invalid JSON: {e}") from None
    if not isinstance(doc, dict) or "rows" not in doc or "sessions" not in doc:
        raise ReportError(f"{path}: expected an object with 'rows' and 'sessions'")
    return doc


def read_log(path: str) -> Dict[str, List[float]]:
    """Reads a Pensieve 7-column session log into columns."""
    columns: Dict[str, List[float]] = {name: [] for name in LOG_COLUMNS}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) < 7:
                raise ReportError(f"{path}:{number}: expected 7 columns, got {len(fields)}")
            try:
                values = [float(x) for x in fields[:7]]
            except ValueError:
                raise ReportError(f"{path}:{number}: non-numeric field") from None
            for name, value in zip(LOG_COLUMNS, values):
                columns[name].append(value)
    return columns


def _algorithms(doc: dict) -> List[str]:
    return list(OrderedDict.fromkeys(row["algorithm"] for row in doc["rows"]))


def _trace_sets(doc: dict) -> List[str]:
    return list(OrderedDict.fromkeys(row["trace_set"] for row in doc["rows"]))


def _styles(algorithms: List[str]) -> Dict[str, dict]:
    """One distinct colour per controller (tab20 has 20); the oracle black and dashed."""
    import matplotlib

    palette = matplotlib.colormaps["tab20"].colors
    styles = {}
    for i, algorithm in enumerate(a for a in algorithms if a != "oracle"):
        styles[algorithm] = {"color": palette[(2 * i) % 20 if i < 10 else (2 * i + 1) % 20]}
    styles["oracle"] = {"color": "black", "linestyle": "--"}
    return styles


def plot_cdf(doc: dict, path: str) -> None:
    """CDF of per-session QoE per segment, one panel per trace set."""
    import matplotlib.pyplot as plt

    sets = _trace_sets(doc)
    styles = _styles(_algorithms(doc))
    fig, axes = plt.subplots(1, len(sets), figsize=(6 * len(sets), 4.5), squeeze=False)
    for ax, trace_set in zip(axes[0], sets):
        everything = []
        for algorithm in _algorithms(doc):
            values = sorted(s["qoe_per_segment"] for s in doc["sessions"]
                            if s["algorithm"] == algorithm and s["trace_set"] == trace_set)
            if values:
                everything += values
                ax.step(values, [(i + 1) / len(values) for i in range(len(values))], where="post", label=algorithm,
                        **styles[algorithm])
        if len(everything) > 20:
            # A few disastrous sessions would squash the rest: start the axis at the 2nd percentile.
            everything.sort()
            low, high = everything[len(everything) // 50], everything[-1]
            ax.set_xlim(low - 0.05 * (high - low), high + 0.05 * (high - low))
        ax.set_title(f"{trace_set}")
        ax.set_xlabel("session QoE per segment")
        ax.set_ylabel("CDF")
        ax.grid(alpha=0.3)
    axes[0][-1].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_parts(doc: dict, path: str) -> None:
    """Mean QoE per segment and its parts per controller, with % of the oracle."""
    import matplotlib.pyplot as plt

    sets = _trace_sets(doc)
    fig, axes = plt.subplots(len(sets), 1, figsize=(max(8, 1.1 * len(_algorithms(doc)) + 2), 4.2 * len(sets)),
                             squeeze=False)
    for ax, trace_set in zip(axes[:, 0], sets):
        rows = [r for r in doc["rows"] if r["trace_set"] == trace_set]
        x = list(range(len(rows)))
        utility = [r["utility_per_segment"] for r in rows]
        rebuffer = [-r["rebuffer_penalty_per_segment"] for r in rows]
        smooth = [-r["smoothness_penalty_per_segment"] for r in rows]
        ax.bar(x, utility, width=0.6, label="utility (bitrate)", color="#4c72b0")
        ax.bar(x, rebuffer, width=0.6, label="- rebuffer penalty", color="#c44e52")
        ax.bar(x, smooth, width=0.6, bottom=rebuffer, label="- smoothness penalty", color="#dd8452")
        qoe = [r["qoe_per_segment"] for r in rows]
        ax.plot(x, qoe, "kD", label="QoE per segment")
        for xi, r in zip(x, rows):
            pct = r.get("percent_of_oracle")
            label = f"{r['qoe_per_segment']:.2f}" + (f"\n{pct:.0f}% of oracle" if pct is not None else "")
            ax.annotate(label, (xi, max(r["utility_per_segment"], r["qoe_per_segment"])), textcoords="offset points",
                        xytext=(0, 4), ha="center", fontsize=7)
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xticks(x)
        ax.set_xticklabels([r["algorithm"] for r in rows], rotation=25, ha="right", fontsize=8)
        ax.set_ylabel("per segment")
        ax.set_title(f"{trace_set}: mean QoE and its parts")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _session_logs(results_dir: str, doc: dict, trace_set: Optional[str], session: Optional[str]):
    logs_dir = os.path.join(results_dir, "logs")
    if not os.path.isdir(logs_dir):
        return None, None, {}
    sets = _trace_sets(doc)
    trace_set = trace_set or sets[0]
    if trace_set not in sets:
        raise ReportError(f"trace set '{trace_set}' is not in the results (have: {', '.join(sets)})")
    names = [s["trace"] for s in doc["sessions"] if s["trace_set"] == trace_set]
    session = session or (names[0] if names else None)
    if session not in names:
        raise ReportError(f"session '{session}' is not in trace set '{trace_set}'")
    logs = OrderedDict()
    for algorithm in _algorithms(doc):
        path = os.path.join(logs_dir, algorithm, trace_set, session)
        if os.path.isfile(path):
            logs[algorithm] = read_log(path)
    return trace_set, session, logs


def plot_session(logs: Dict[str, Dict[str, List[float]]], title: str, path: str,
                 trace=None) -> None:
    """Throughput, chosen bitrate and buffer over time for one session."""
    import matplotlib.pyplot as plt

    styles = _styles(list(logs))
    fig, (ax_tp, ax_br, ax_buf) = plt.subplots(3, 1, figsize=(11, 8.5), sharex=True)
    if trace is not None:
        ax_tp.step(trace["time_s"], trace["mbps"], where="pre", color="0.6", linewidth=1.0, label="trace")
    for algorithm, log in logs.items():
        t = log["time_s"]
        measured = [b * 8 / (d / 1000.0) / 1e6 if d > 0 else 0.0 for b, d in zip(log["chunk_bytes"], log["delay_ms"])]
        style = styles[algorithm]
        ax_tp.plot(t, measured, ".", markersize=3, label=algorithm, color=style["color"])
        ax_br.step(t, [b / 1000.0 for b in log["bitrate_kbps"]], where="pre", label=algorithm, **style)
        ax_buf.plot(t, log["buffer_s"], label=algorithm, **style)
    ax_tp.set_ylabel("throughput (Mbps)\n(dots: measured per segment)")
    ax_tp.set_xlim(left=0)
    ax_br.set_ylabel("chosen bitrate (Mbps)")
    ax_buf.set_ylabel("buffer (s)")
    ax_buf.set_xlabel("session time (s)")
    for ax in (ax_tp, ax_br, ax_buf):
        ax.grid(alpha=0.3)
    ax_br.legend(fontsize=7, ncol=3, loc="upper right")
    ax_tp.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _fmt(value, digits: int) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _table_rows(doc: dict) -> List[List[str]]:
    return [[r["algorithm"], r["trace_set"], str(r["sessions"]), _fmt(r["qoe_per_segment"], 4),
             _fmt(r["percent_of_oracle"], 1), _fmt(r["utility_per_segment"], 3),
             _fmt(r["rebuffer_penalty_per_segment"], 3), _fmt(r["smoothness_penalty_per_segment"], 3),
             _fmt(r["mean_bitrate_bps"] / 1000 if r["mean_bitrate_bps"] is not None else None, 0),
             _fmt(100 * r["rebuffer_ratio"] if r["rebuffer_ratio"] is not None else None, 2),
             _fmt(r["switches"], 1)] for r in doc["rows"]]


HEADER = ["algorithm", "traces", "sessions", "QoE/segment", "% of oracle", "utility", "rebuffer pen.",
          "smoothness pen.", "bitrate kbps", "rebuffer %", "switches"]


def write_report(results_dir: str, out_dir: str, session: Optional[str] = None, trace_set: Optional[str] = None,
                 traces_dir: Optional[str] = None, edge_dir: Optional[str] = None,
                 live_dir: Optional[str] = None, training_logs: Optional[List[str]] = None) -> str:
    """Writes the plots, index.html and report.md; returns the index.html path.

    With ``edge_dir`` (an ``edge simulate --out`` directory) the report also
    shows its allocation table and ``edge.png``; with ``live_dir`` (an
    ``evaluate --mode live --out`` directory) its live table and ``live.png``;
    with ``training_logs`` (``streamopt train --log`` files) ``training.png``,
    validation QoE against training time."""
    import matplotlib

    matplotlib.use("Agg")
    doc = load_results(results_dir)
    if not doc["rows"]:
        raise ReportError(f"{results_dir}: the results hold no rows")
    os.makedirs(out_dir, exist_ok=True)
    images = [("qoe_cdf.png", "Per-session QoE per segment, CDF per controller"),
              ("qoe_parts.png", "Mean QoE per segment and its parts; % of the offline oracle")]
    plot_cdf(doc, os.path.join(out_dir, "qoe_cdf.png"))
    plot_parts(doc, os.path.join(out_dir, "qoe_parts.png"))
    chosen_set, chosen, logs = _session_logs(results_dir, doc, trace_set, session)
    note = ""
    if logs:
        trace = None
        if traces_dir:
            from . import load_trace  # needs the compiled module only for this overlay
            path = os.path.join(traces_dir, chosen)
            if os.path.isfile(path):
                t = load_trace(path)
                # Sessions loop over short traces: repeat it to the longest session's end.
                end_s = max(log["time_s"][-1] for log in logs.values())
                times, mbps, offset = [], [], 0.0
                while offset <= end_s and t.duration_s > 0:
                    times += list(t.time_s - t.time_s[0] + offset)
                    mbps += list(t.throughput_bps / 1e6)
                    offset += t.duration_s
                trace = {"time_s": times, "mbps": mbps}
        title = f"{chosen_set} / {chosen}"
        plot_session(logs, title, os.path.join(out_dir, "session.png"), trace)
        images.append(("session.png", f"One session ({title}): throughput, chosen bitrate and buffer"))
    else:
        note = "No per-session logs in the results (run `streamopt evaluate --logs`): no session plot."
    edge_table = ""
    if edge_dir:
        from .edge_report import EdgeReportError, plot_edge

        try:
            plot_edge(edge_dir, os.path.join(out_dir, "edge.png"))
            with open(os.path.join(edge_dir, "allocation.md"), encoding="utf-8") as f:
                edge_table = f.read()
        except (EdgeReportError, OSError) as e:
            raise ReportError(f"--edge {edge_dir}: {e}") from e
        images.append(("edge.png", "Edge: sessions sharing one link under each bandwidth allocator"))
    live_md = ""
    if live_dir:
        from .live_report import LiveReportError, live_table, plot_live

        try:
            plot_live(live_dir, os.path.join(out_dir, "live.png"))
            live_md = live_table(live_dir)
        except (LiveReportError, OSError) as e:
            raise ReportError(f"--live {live_dir}: {e}") from e
        images.append(("live.png", "Live: mean latency vs bitrate per controller (marker area = rebuffer ratio)"))
    if training_logs:
        from .training_report import TrainingReportError, plot_training

        try:
            plot_training(training_logs, os.path.join(out_dir, "training.png"))
        except (TrainingReportError, OSError) as e:
            raise ReportError(f"--training: {e}") from e
        images.append(("training.png", "Training: validation QoE per segment against wall-clock training time"))

    with open(os.path.join(out_dir, "report.md"), "w", encoding="utf-8") as f:
        f.write("# streamopt evaluation report\n\n")
        f.write(f"Results: `{os.path.abspath(results_dir)}`\n\n")
        f.write("| " + " | ".join(HEADER) + " |\n|" + "---|" * len(HEADER) + "\n")
        for row in _table_rows(doc):
            f.write("| " + " | ".join(row) + " |\n")
        f.write("\n")
        for name, caption in images:
            f.write(f"![{caption}]({name})\n\n")
        if edge_table:
            f.write("## Edge allocation\n\n" + edge_table + "\n")
        if live_md:
            f.write("## Live streaming\n\n" + live_md + "\n")
        if note:
            f.write(note + "\n")
    index = os.path.join(out_dir, "index.html")
    with open(index, "w", encoding="utf-8") as f:
        f.write("<!doctype html>\n<html><head><meta charset='utf-8'><title>streamopt report</title>\n"
                "<style>body{font-family:sans-serif;margin:2em;max-width:1200px}"
                "table{border-collapse:collapse;font-size:0.9em}td,th{border:1px solid #ccc;padding:3px 8px;"
                "text-align:right}td:first-child,td:nth-child(2){text-align:left}img{max-width:100%}</style>"
                "</head><body>\n<h1>streamopt evaluation report</h1>\n")
        f.write(f"<p>Results: <code>{html.escape(os.path.abspath(results_dir))}</code>. QoE per segment: sum over "
                "segments 2..N divided by N-1, mean over sessions.</p>\n<table><tr>")
        f.write("".join(f"<th>{html.escape(h)}</th>" for h in HEADER) + "</tr>\n")
        for row in _table_rows(doc):
            f.write("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>\n")
        f.write("</table>\n")
        for name, caption in images:
            f.write(f"<h2>{html.escape(caption)}</h2>\n<img src='{name}' alt='{html.escape(caption)}'>\n")
        if edge_table:
            f.write(f"<h2>Edge allocation</h2>\n<pre>{html.escape(edge_table)}</pre>\n")
        if live_md:
            f.write(f"<h2>Live streaming</h2>\n<pre>{html.escape(live_md)}</pre>\n")
        if note:
            f.write(f"<p>{html.escape(note)}</p>\n")
        f.write("</body></html>\n")
    return index


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m streamopt.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("results_dir", help="directory written by `streamopt evaluate --out` (with --logs for the session plot)")
    parser.add_argument("-o", "--out", required=True, help="report directory to write")
    parser.add_argument("--session", help="trace name of the session to plot (default: the first)")
    parser.add_argument("--trace-set", help="trace set of that session (default: the first)")
    parser.add_argument("--traces", help="directory holding the session's trace, to overlay its throughput")
    parser.add_argument("--edge", help="an `streamopt edge simulate --out` directory to add (table and plot)")
    parser.add_argument("--live", help="an `streamopt evaluate --mode live --out` directory to add (table and plot)")
    parser.add_argument("--training", help="progress logs of `streamopt train --log` to plot, comma-separated")
    args = parser.parse_args(argv)
    try:
        index = write_report(args.results_dir, args.out, args.session, args.trace_set, args.traces, args.edge,
                             args.live, args.training.split(",") if args.training else None)
    except (ReportError, OSError) as e:
        print(f"streamopt.report: error: {e}", file=sys.stderr)
        return 1
    print(f"report written to {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
