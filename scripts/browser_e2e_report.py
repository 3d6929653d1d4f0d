#!/usr/bin/env python3
"""Summarises scripts/browser_e2e.sh: the browser sessions (OUT/browser/TRACE/ABR.json,
what the page recorded) and the simulator's (OUT/sim/sessions.csv) into
OUT/sessions.csv, OUT/report.md and, with matplotlib, OUT/gap.png.

Browser QoE is streamopt's QoE_lin computed from the recorded segments, as the
simulator computes it: per segment k, bitrate_k (Mbit/s, the ladder's nominal
rate of the rung played) - 4.3 x the stall while segment k was awaited -
|bitrate_k - bitrate_k-1|; qoe_per_segment sums segments 2..N over N - 1 (the
Pensieve score); start-up is not a stall."""
import argparse
import csv
import json
import os
import statistics
import sys


def browser_row(path, bitrates, n_wanted):
    with open(path) as f:
        r = json.load(f)
    if r is None or r.get("error"):
        raise ValueError(f"{path}: the session failed: {r.get('error') if r else 'no result'}")
    segs = r["segments"]
    n = min(len(segs), n_wanted) if n_wanted > 0 else len(segs)
    if n < 2:
        raise ValueError(f"{path}: only {n} segments recorded")
    segs = segs[:n]
    if any(s["rung"] < 0 for s in segs):
        raise ValueError(f"{path}: a segment's Representation is not in the ladder")
    stall = [0.0] * n
    for s in r["stalls"]:
        if 0 <= s["segment"] < n:
            stall[s["segment"]] += s["duration_s"]
    q = [bitrates[s["rung"]] / 1e6 for s in segs]
    qoe = [q[k] - 4.3 * stall[k] - (abs(q[k] - q[k - 1]) if k > 0 else 0.0) for k in range(n)]
    return {
        "segments": n,
        "qoe_per_segment": sum(qoe[1:]) / (n - 1),
        "mean_bitrate_bps": sum(q) / n * 1e6,
        "rebuffer_s": sum(stall),
        "switches": sum(1 for k in range(1, n) if segs[k]["rung"] != segs[k - 1]["rung"]),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--abr", required=True, help="';'-separated, as run")
    ap.add_argument("--player", choices=["dashjs", "hlsjs"], default="dashjs")
    ap.add_argument("--segments", type=int, default=0)
    ap.add_argument("--rtt-ms", default="80")
    ap.add_argument("--buffer-s", default="20")
    a = ap.parse_args()
    manifest = json.load(open(a.manifest))
    bitrates = manifest["bitrates_bps"]
    abrs = [x for x in a.abr.split(";") if x]
    own = a.player + "-default"  # the player's own ABR; streamopt's model of it in the simulator
    player_title = {"dashjs": "dash.js 5", "hlsjs": "hls.js 1"}[a.player]
    safe = lambda s: "".join(c if c.isalnum() or c in "_.=-" else "_" for c in s)

    sim = {}
    with open(os.path.join(a.out, "sim", "sessions.csv")) as f:
        for row in csv.DictReader(f):
            sim[(row["trace"], row["algorithm"])] = row

    rows, gaps, problems = [], {}, []
    traces = sorted(os.listdir(os.path.join(a.out, "browser")))
    for trace in traces:
        for abr in abrs:
            sim_name = a.player if abr == own else abr
            path = os.path.join(a.out, "browser", trace, safe(abr) + ".json")
            try:
                b = browser_row(path, bitrates, a.segments)
            except (OSError, ValueError, KeyError) as e:
                problems.append(str(e))
                continue
            rows.append({"trace": trace, "abr": abr, "mode": "browser", **b})
            s = sim.get((trace, sim_name))
            if s is None:
                problems.append(f"no simulated session for {trace} / {sim_name}")
                continue
            srow = {"trace": trace, "abr": abr, "mode": "sim", "segments": int(s["segments"]),
                    "qoe_per_segment": float(s["qoe_per_segment"]), "mean_bitrate_bps": float(s["mean_bitrate_bps"]),
                    "rebuffer_s": float(s["rebuffer_s"]), "switches": int(s["switches"])}
            rows.append(srow)
            gaps.setdefault(abr, []).append((trace, b["qoe_per_segment"], srow["qoe_per_segment"]))

    cols = ["trace", "abr", "mode", "segments", "qoe_per_segment", "mean_bitrate_bps", "rebuffer_s", "switches"]
    with open(os.path.join(a.out, "sessions.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        for r in rows:
            w.writerow({k: (repr(r[k]) if isinstance(r[k], float) else r[k]) for k in cols})

    lines = [f"# Browser end-to-end: {player_title} in headless Chromium vs the simulator", "",
             f"{len(traces)} trace(s), controllers {', '.join(abrs)}; segments: {a.segments or 'all'}; "
             f"RTT {a.rtt_ms} ms; buffer target {a.buffer_s} s. QoE_lin per segment (Pensieve score).", "",
             "| controller | sessions | browser QoE (mean) | sim QoE (mean) | median abs gap | worst abs gap | median rel. gap | browser bitrate (kbit/s) | browser rebuffer (s, mean) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for abr in abrs:
        g = gaps.get(abr, [])
        if not g:
            lines.append(f"| {abr} | 0 | | | | | | | |")
            continue
        absg = [abs(b - s) for _, b, s in g]
        rel = [abs(b - s) / abs(s) for _, b, s in g if abs(s) > 0.05]
        br = [r for r in rows if r["abr"] == abr and r["mode"] == "browser"]
        lines.append(
            f"| {abr} | {len(g)} | {statistics.mean(b for _, b, _ in g):.3f} | {statistics.mean(s for _, _, s in g):.3f} | "
            f"{statistics.median(absg):.3f} | {max(absg):.3f} | {(statistics.median(rel) * 100 if rel else float('nan')):.1f}% | "
            f"{statistics.mean(r['mean_bitrate_bps'] for r in br) / 1e3:.0f} | {statistics.mean(r['rebuffer_s'] for r in br):.2f} |")
    if own in gaps:
        base = {t: b for t, b, _ in gaps[own]}
        lines += ["", f"Browser QoE against {player_title}'s own ABR on the same traces:", ""]
        for abr in abrs:
            if abr == own or abr not in gaps:
                continue
            wins = sum(1 for t, b, _ in gaps[abr] if t in base and b > base[t])
            common = sum(1 for t, _, _ in gaps[abr] if t in base)
            lines.append(f"- {abr}: higher QoE than {own} on {wins} of {common} traces")
    if problems:
        lines += ["", "Problems:", ""] + [f"- {p}" for p in problems]
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(6, 5))
        for abr, g in gaps.items():
            ax.scatter([s for _, _, s in g], [b for _, b, _ in g], label=abr, s=18)
        allv = [v for g in gaps.values() for _, b, s in g for v in (b, s)]
        if allv:
            lo, hi = min(allv), max(allv)
            ax.plot([lo, hi], [lo, hi], "k--", lw=0.8)
        ax.set_xlabel("simulator QoE per segment")
        ax.set_ylabel("browser QoE per segment")
        ax.set_title(f"{player_title} in Chromium vs the streamopt simulator")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(os.path.join(a.out, "gap.png"), dpi=100)
        lines += ["", "![browser vs simulator QoE](gap.png)"]
    except ImportError:
        lines += ["", "(matplotlib not installed: no plot)"]
    with open(os.path.join(a.out, "report.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
