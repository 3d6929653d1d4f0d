#!/usr/bin/python3
"""Run Sabre (UMass-LIDS/sabre, sabre.py) on every network trace of a folder and
write a CSV of its summary metrics; optionally compare with streamopt's
`evaluate --mode sabre --per-session` output.

Usage:
  sabre_compare.py --sabre PATH/sabre.py [--traces DIR] [--movie FILE]
                   [--out tests/data/sabre_reference.csv]
                   [--streamopt BUILD/tools/streamopt/streamopt]

Without --streamopt it only regenerates the reference CSV. With it, it runs
streamopt's sabre mode for each algorithm and prints the side-by-side table.
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile

# Sabre ABR name -> streamopt controller spec.
ALGORITHMS = {
    "bola": "bola:preset=sabre",
    "bolae": "bola:preset=sabre_e",
    "dynamic": "dynamic:preset=sabre",
    "throughput": "rate:preset=sabre",
}


def run_sabre(sabre, trace, movie, algo):
    out = subprocess.run(["/usr/bin/python3", sabre, "-n", trace, "-m", movie, "-a", algo],
                         check=True, capture_output=True, text=True).stdout
    values = {}
    for line in out.splitlines():
        key, sep, val = line.rpartition(": ")
        if sep:
            values[key.strip()] = val.strip()
    return {
        "bitrate_kbps": float(values["time average played bitrate"]),
        "rebuffer_s": float(values["total rebuffer"]),
        "switches_kbps": float(values["total bitrate change"]),
        "score": float(values["time average score"]),
    }


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    ap = argparse.ArgumentParser()
    ap.add_argument("--sabre", help="path to sabre.py (omit to compare with the existing --out CSV)")
    ap.add_argument("--traces", default="/work/shared/traces/sabre-4g")
    ap.add_argument("--movie", default="/work/shared/video/bbb-sabre/movie.json")
    ap.add_argument("--out", default=os.path.join(root, "tests/data/sabre_reference.csv"))
    ap.add_argument("--commit", default="09b03bb0f4f90660a2504a6b2fb48d2f06333706")
    ap.add_argument("--streamopt", default=None)
    args = ap.parse_args()

    if not args.sabre:
        if not args.streamopt:
            ap.error("give --sabre, --streamopt or both")
        with open(args.out) as f:
            rows = [dict(r, **{k: float(r[k]) for k in ("bitrate_kbps", "rebuffer_s", "switches_kbps", "score")})
                    for r in csv.DictReader(l for l in f if not l.startswith("#"))]
        compare(args, rows)
        return
    traces = sorted(f for f in os.listdir(args.traces) if f.endswith(".json"))
    rows = []
    for algo in ALGORITHMS:
        for t in traces:
            m = run_sabre(args.sabre, os.path.join(args.traces, t), args.movie, algo)
            rows.append({"algorithm": algo, "trace": t, **m})
    with open(args.out, "w", newline="") as f:
        f.write("# Sabre (github.com/UMass-LIDS/sabre, commit %s, sabre.py) summary output,\n"
                "# one row per (algorithm, trace): /usr/bin/python3 sabre.py -n TRACE -m MOVIE -a ALGO\n"
                "# traces: sabre-4g, movie: bbb-sabre/movie.json; regenerate with scripts/sabre_compare.py\n"
                "# bitrate_kbps = 'time average played bitrate', rebuffer_s = 'total rebuffer',\n"
                "# switches_kbps = 'total bitrate change', score = 'time average score'\n" % args.commit)
        w = csv.DictWriter(f, fieldnames=["algorithm", "trace", "bitrate_kbps", "rebuffer_s",
                                          "switches_kbps", "score"], lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: ("%.6f" % v if isinstance(v, float) else v) for k, v in r.items()})
    print("wrote %s (%d rows)" % (args.out, len(rows)))
    if args.streamopt:
        compare(args, rows)


def compare(args, rows):
    print("%-10s %-32s %12s %12s %8s %10s %10s %8s" % ("algorithm", "trace", "sabre_kbps",
          "ours_kbps", "diff_%", "sabre_rb_s", "ours_rb_s", "diff_s"))
    for algo, spec in ALGORITHMS.items():
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "out")
            proc = subprocess.run([args.streamopt, "evaluate", "--mode", "sabre", "--traces", args.traces,
                                   "--video", args.movie, "--abr", spec, "--per-session", "--out", out],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                print("warning: streamopt exited with %d: %s" % (proc.returncode, proc.stderr.strip()),
                      file=sys.stderr)
            d = out
            ours = {}
            with open(os.path.join(d, "sessions.csv")) as f:
                for r in csv.DictReader(l for l in f if not l.startswith("#")):
                    ours[os.path.basename(r["trace"])] = r
        ok = 0
        n = 0
        for r in rows:
            if r["algorithm"] != algo:
                continue
            o = ours.get(r["trace"]) or ours.get(os.path.splitext(r["trace"])[0])
            if o is None:
                print("%-10s %-32s missing in streamopt output" % (algo, r["trace"]))
                continue
            b = float(o["mean_bitrate_bps"]) / 1000.0
            rb = float(o["rebuffer_s"])
            db = 100.0 * abs(b - r["bitrate_kbps"]) / r["bitrate_kbps"]
            dr = abs(rb - r["rebuffer_s"])
            n += 1
            ok += db <= 1.0 and dr <= 0.05
            print("%-10s %-32s %12.1f %12.1f %8.3f %10.3f %10.3f %8.3f" % (
                algo, r["trace"], r["bitrate_kbps"], b, db, r["rebuffer_s"], rb, dr))
        print("%s: %d/%d traces within tolerance" % (algo, ok, n))


if __name__ == "__main__":
    sys.exit(main())
