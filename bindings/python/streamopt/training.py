"""Train learned controllers and predictors from Python.

    import streamopt.training as training
    history = training.train("ppo", ["../shared/traces/fcc-hsdpa/train"], "../shared/video/envivio",
                             "my_ppo.sopt", init="models/imitation.sopt", minutes=5,
                             progress=print)

Training runs in the ``streamopt`` command-line tool (``streamopt train``,
built with the learn component on LibTorch), so the Python module itself links
no LibTorch: ``train`` starts the tool, passes every progress line to
``progress`` as it comes, and returns the policy trainers' progress log (one
dict per validation). The trained file is then used by name, e.g.
``streamopt.evaluate(..., ["ppo:model=my_ppo.sopt"])``. The tool is ``cli``,
else ``$STREAMOPT_CLI``, else ``streamopt`` on ``PATH``.
"""
import csv
import os
import shutil
import subprocess
import tempfile
from typing import Callable, Dict, List, Optional, Sequence

POLICY_ALGOS = ("imitation", "ppo", "dqn")
PREDICTOR_ALGOS = ("rf", "gbdt", "mlp", "ttp")


class TrainingError(Exception):
    """The tool is missing, refused the options or failed (the message is its error)."""


def find_cli(cli: Optional[str] = None) -> str:
    """The streamopt tool to run; raises TrainingError when there is none."""
    path = cli or os.environ.get("STREAMOPT_CLI") or shutil.which("streamopt")
    if not path or not os.access(path, os.X_OK):
        raise TrainingError("no streamopt tool: pass cli=, set STREAMOPT_CLI or put streamopt on PATH")
    return path


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def train(algo: str, traces: Sequence[str], video: str, out: str, *, cli: Optional[str] = None,
          progress: Optional[Callable[[str], None]] = None, **options) -> List[Dict[str, float]]:
    """Runs ``streamopt train --algo ALGO`` and returns its progress log.

    ``options`` are the tool's options with underscores (``minutes=5``,
    ``init="models/imitation.sopt"``, ``val=[dir]``, ``seed=2``); lists are
    joined with commas. For imitation, ppo and dqn the result has one dict
    per validation (iteration, samples, elapsed_s, loss, train_qoe, val_qoe,
    best_val_qoe); for the predictors it is empty. Raises TrainingError with
    the tool's message when it fails; nothing is written to ``out`` then."""
    if algo not in POLICY_ALGOS + PREDICTOR_ALGOS:
        raise TrainingError(f"algo {algo!r}: expected one of {', '.join(POLICY_ALGOS + PREDICTOR_ALGOS)}")
    if isinstance(traces, str):
        traces = [traces]
    args = [find_cli(cli), "train", "--algo", algo, "--traces", ",".join(map(str, traces)), "--video", str(video),
            "--out", str(out)]
    for name, value in options.items():
        if value is None:
            continue
        if name == "log":
            raise TrainingError("log: train() writes and reads the progress log itself")
        if isinstance(value, (list, tuple)):
            value = ",".join(map(str, value))
        args += [_flag(name), str(value)]
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "progress.csv")
        if algo in POLICY_ALGOS:
            args += ["--log", log]
        lines: List[str] = []
        with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
            assert proc.stdout is not None
            for line in proc.stdout:
                line = line.rstrip("\n")
                lines.append(line)
                if progress:
                    progress(line)
        if proc.returncode != 0:
            errors = [l for l in lines if "error" in l] or lines[-3:]
            raise TrainingError("; ".join(errors) or f"streamopt train exited with {proc.returncode}")
        if algo not in POLICY_ALGOS:
            return []
        with open(log, newline="", encoding="utf-8") as f:
            return [{k: (v if k == "algo" else float(v)) for k, v in row.items()} for row in csv.DictReader(f)]
