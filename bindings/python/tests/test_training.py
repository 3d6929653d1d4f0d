import json
import os
import subprocess

import pytest

import streamopt
import streamopt.training as training


def _title(root):
    """The synthetic manifest written as a ladder.json directory."""
    m = streamopt.Manifest.synthetic()
    sizes = m.sizes_bytes
    os.makedirs(root / "sizes")
    rungs = []
    for r, bps in enumerate(m.bitrates_bps):
        column = sizes[:, r]  # segments x rungs
        (root / "sizes" / f"video_size_{r}").write_text("".join(f"{int(s)}\n" for s in column))
        rungs.append({"bitrate_kbps": float(bps) / 1000, "sizes_file": f"sizes/video_size_{r}"})
    (root / "ladder.json").write_text(json.dumps({"name": "synthetic", "segment_duration_s": m.segment_duration_s,
                                                  "segments": m.segment_count, "codec": "h264",
                                                  "rungs": rungs}))
    return root


@pytest.fixture
def learn_cli(tmp_path):
    path = os.environ.get("STREAMOPT_CLI")
    if not path:
        pytest.skip("STREAMOPT_CLI is not set (ctest sets it)")
    if "ppo" not in subprocess.run([path, "train", "--help"], capture_output=True, text=True).stdout:
        pytest.skip("the streamopt tool was built without the learn component")
    traces = tmp_path / "traces"
    subprocess.run([path, "traces", "synth", "--kind", "markov", "--count", "3", "--seed", "4", "--duration-s", "120",
                    "--out", str(traces)], check=True, capture_output=True)
    return path, traces, _title(tmp_path / "video")


def test_train_ppo_returns_its_progress_and_writes_a_model_evaluate_runs(tmp_path, learn_cli):
    cli, traces, video = learn_cli
    lines = []
    history = training.train("ppo", [str(traces)], str(video), str(tmp_path / "p.sopt"), cli=cli, iterations=4,
                             validate_every=2, sessions=4, hidden=8, threads=1, progress=lines.append)
    assert [h["iteration"] for h in history] == [2, 4]
    assert all(h["best_val_qoe"] >= h["val_qoe"] for h in history)
    assert any(line.startswith("iteration 4/4") for line in lines)
    m = streamopt.Manifest.load(str(video))
    table = streamopt.evaluate(str(traces), m, [f"ppo:model={tmp_path / 'p.sopt'}"])
    assert len(table) == 1


def test_train_imitation_of_a_registry_controller(tmp_path, learn_cli):
    cli, traces, video = learn_cli
    history = training.train("imitation", [str(traces)], str(video), str(tmp_path / "i.sopt"), cli=cli,
                             expert="robust_mpc:horizon=4", iterations=2, epochs=4, hidden=8, threads=1)
    assert [h["iteration"] for h in history] == [1, 2]
    assert history[1]["samples"] > history[0]["samples"]  # DAgger aggregates the labels
    m = streamopt.Manifest.load(str(video))
    assert len(streamopt.evaluate(str(traces), m, [f"imitation:model={tmp_path / 'i.sopt'}"])) == 1
    with pytest.raises(training.TrainingError, match="no_such_abr"):
        training.train("imitation", [str(traces)], str(video), str(tmp_path / "x.sopt"), cli=cli,
                       expert="no_such_abr")


def test_train_reports_the_tools_error(tmp_path, learn_cli):
    cli, traces, video = learn_cli
    with pytest.raises(training.TrainingError, match="--epochs"):
        training.train("ppo", [str(traces)], str(video), str(tmp_path / "p.sopt"), cli=cli, epochs=3)
    assert not (tmp_path / "p.sopt").exists()
    with pytest.raises(training.TrainingError, match="algo 'sgd'"):
        training.train("sgd", [str(traces)], str(video), str(tmp_path / "p.sopt"), cli=cli)
    with pytest.raises(training.TrainingError, match="no streamopt tool"):
        training.train("ppo", [str(traces)], str(video), str(tmp_path / "p.sopt"), cli=str(tmp_path / "none"))
