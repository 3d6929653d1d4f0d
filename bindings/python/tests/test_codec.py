import pytest

import streamopt

pytestmark = pytest.mark.skipif(not streamopt.HAVE_CODECS, reason="built without the codec component")


def test_encode_ladder_writes_a_manifest_the_simulator_loads(tmp_path):
    out = tmp_path / "title"
    segments = streamopt.encode_ladder([], "64x48@80,128x96@250", out, segment_s=1.0, synthetic=(128, 96, 25, 50))
    assert len(segments) == 4
    assert {s["keyframe"] for s in segments} == {"idr"}
    assert all(s["mean_psnr_db"] > 20 and 0 < s["ssim"] <= 1 for s in segments)
    m = streamopt.Manifest.load(out)
    assert m.rung_count == 2 and m.segment_count == 2
    points = streamopt.ladder_rate_psnr(out)
    assert len(points) == 2 and points[0][0] < points[1][0]
    with pytest.raises(streamopt.Error, match="not an empty directory"):
        streamopt.encode_ladder([], "128x96@250", out, segment_s=1.0, synthetic=(128, 96, 25, 50))
    with pytest.raises(streamopt.Error, match="no such file"):
        streamopt.encode_ladder([tmp_path / "missing.mp4"], "128x96@250", tmp_path / "x")


def test_encode_live_and_bd_rate():
    r = streamopt.encode_live([], "vp8", [(0.0, 600e3), (1.0, 200e3)], backend="libvpx", synthetic=(160, 96, 25, 50))
    assert r["fps"] == 25 and len(r["bytes"]) == 50
    assert r["target_bps"][49] == 200e3
    ref = [(1e5 * 10 ** ((q - 30) / 12), q) for q in (30, 33, 36, 39)]
    assert streamopt.bd_rate(ref, [(0.5 * b, q) for b, q in ref]) == pytest.approx(-50.0)


def test_encode_hull_marks_the_hull_and_picks_rungs():
    points, rungs = streamopt.encode_hull([], [(64, 48), (128, 96)], [24, 36], preset="veryfast",
                                          targets_bps=[100e3, 400e3], synthetic=(128, 96, 25, 10))
    assert len(points) == 4
    assert any(p["on_hull"] for p in points)
    assert len(rungs.split(",")) == 2 and rungs.endswith("@400")
