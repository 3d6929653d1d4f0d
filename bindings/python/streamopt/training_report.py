"""Plot validation QoE against wall-clock training time.

    python3 -m streamopt.training_report LOG.csv [LOG.csv ...] -o training.png [--ref NAME=QOE ...]

Reads the progress logs of ``streamopt train --algo imitation|ppo|dqn --log LOG.csv``
(one row per validation: algo, iteration, samples, elapsed_s, loss, train_qoe,
val_qoe, best_val_qoe) and draws each run's validation QoE per segment and its
best so far (the kept model) against minutes of training; ``--ref`` adds
horizontal lines (e.g. a classic controller's QoE on the same validation
traces). Needs matplotlib only (not the compiled module). ``python3 -m
streamopt.report --training LOG.csv,...`` puts the plot in the evaluation report.
"""
import argparse
import csv
import os
import sys
from typing import Dict, List, Optional, Tuple

COLUMNS = ("algo", "iteration", "elapsed_s", "val_qoe", "best_val_qoe")


class TrainingReportError(Exception):
    """A progress log is missing or malformed."""


def read_log(path: str) -> List[dict]:
    """The rows of one progress log, numbers parsed; raises TrainingReportError on a bad file."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        raise TrainingReportError(f"{path}: {e.strerror}") from e
    if not rows:
        raise TrainingReportError(f"{path} has no rows (is it a `streamopt train --log` file?)")
    missing = [c for c in COLUMNS if c not in rows[0]]
    if missing:
        raise TrainingReportError(f"{path} has no {', '.join(missing)} column (is it a `streamopt train --log` file?)")
    out = []
    for i, r in enumerate(rows, start=2):
        try:
            out.append({"algo": r["algo"], "iteration": int(r["iteration"]), "elapsed_s": float(r["elapsed_s"]),
                        "val_qoe": float(r["val_qoe"]), "best_val_qoe": float(r["best_val_qoe"])})
        except ValueError as e:
            raise TrainingReportError(f"{path}:{i}: {e}") from e
    return out


def parse_refs(refs: List[str]) -> List[Tuple[str, float]]:
    """``NAME=QOE`` pairs; raises TrainingReportError on a malformed one."""
    out = []
    for ref in refs:
        name, sep, value = ref.partition("=")
        try:
            out.append((name, float(value)))
        except ValueError:
            sep = ""
        if not sep or not name:
            raise TrainingReportError(f"--ref {ref!r}: expected NAME=QOE")
    return out


def plot_training(logs: List[str], path: str, refs: Optional[List[Tuple[str, float]]] = None) -> str:
    """Draws the runs of ``logs`` into the PNG ``path``; returns ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs: Dict[str, List[dict]] = {}
    for log in logs:
        rows = read_log(log)
        runs[f"{rows[0]['algo']} ({os.path.splitext(os.path.basename(log))[0]})"] = rows
    fig, ax = plt.subplots(figsize=(8, 4.8))
    try:
        for label, rows in runs.items():
            minutes = [r["elapsed_s"] / 60 for r in rows]
            line, = ax.plot(minutes, [r["val_qoe"] for r in rows], alpha=0.35)
            ax.plot(minutes, [r["best_val_qoe"] for r in rows], color=line.get_color(), label=label)
        for name, qoe in refs or []:
            ax.axhline(qoe, linestyle="--", color="grey", linewidth=1)
            ax.annotate(name, (0, qoe), textcoords="offset points", xytext=(4, 3), fontsize=8, color="grey")
        ax.set_xlabel("training time (minutes, wall clock)")
        ax.set_ylabel("validation QoE per segment")
        ax.set_title("Validation QoE while training (faint: each validation; solid: best so far, the kept model)")
        ax.title.set_fontsize(9)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(path, dpi=110)
    finally:
        plt.close(fig)
    return path


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m streamopt.training_report", description=__doc__.split("\n\n")[0])
    parser.add_argument("logs", nargs="+", help="progress logs of `streamopt train --log`")
    parser.add_argument("-o", "--out", required=True, help="PNG to write")
    parser.add_argument("--ref", action="append", default=[], help="a reference line NAME=QOE (repeatable)")
    args = parser.parse_args(argv)
    try:
        plot_training(args.logs, args.out, parse_refs(args.ref))
    except (TrainingReportError, OSError) as e:
        print(f"streamopt.training_report: error: {e}", file=sys.stderr)
        return 1
    print(f"plot written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
