#!/usr/bin/python3
"""Runs lightzoo's and PyTorch's benchmarks alternately --rounds times on this machine and
prints a markdown table of the medians and their ratio (ours / PyTorch), per model and variant.

    /usr/bin/python3 bench/compare.py --rounds 3 > bench/RESULTS.md

Needs Go and Debian's python3-torch. Both measure training at batch 64 and inference at batch
128 on random images, each a median of timed repetitions after warm-up.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run(cmd, env=None):
    print("+", " ".join(cmd), file=sys.stderr)
    return json.loads(subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True, env=env).stdout)


# This workplace sets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for old OpenBLAS builds; they slow
# the BLAS PyTorch may use, so its benchmark runs without them (lightzoo's uses no OpenBLAS).
TORCH_ENV = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}


def torch_version():
    return subprocess.run(["/usr/bin/python3", "-c", "import torch; print(torch.__version__)"],
                          capture_output=True, text=True).stdout.strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reps", type=int, default=9)
    args = ap.parse_args()
    subprocess.run(["go", "build", "-o", "/tmp/lightzoo-bench", "./examples/bench"], cwd=ROOT, check=True)
    params = subprocess.run(["go", "run", "./examples/params", "-json"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    with open("/tmp/lightzoo-params.json", "w") as f:
        f.write(params)
    ours, torch = {}, {}
    for _ in range(args.rounds):
        for r in run(["/tmp/lightzoo-bench", "-json", "-reps", str(args.reps)]):
            ours.setdefault((r["model"], r["variant"]), []).append(r)
        for r in run(["/usr/bin/python3", os.path.join(HERE, "pytorch_bench.py"), "--threads", "2",
                      "--reps", str(args.reps), "--warmup", "5", "--params", "/tmp/lightzoo-params.json"], TORCH_ENV):
            torch.setdefault((r["model"], r["variant"]), []).append(r)
    med = lambda rows, key: statistics.median(r[key] for r in rows)
    print(f"Measured by `/usr/bin/python3 bench/compare.py --rounds {args.rounds} --reps {args.reps}` on "
          f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}; PyTorch {torch_version()} with 2 threads "
          f"(OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset). "
          f"Images/s, median of {args.rounds} alternating rounds (each a median of {args.reps} timed "
          f"repetitions); ratio = lightzoo / PyTorch.\n")
    print("| model | variant | train lightzoo | train PyTorch | ratio | infer lightzoo | infer PyTorch | ratio | peak RSS MB (lightzoo) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for key, rows in ours.items():
        t = torch[key]
        tr, ttr = med(rows, "train_images_per_second"), med(t, "train_images_per_second")
        inf, tinf = med(rows, "infer_images_per_second"), med(t, "infer_images_per_second")
        print(f"| {key[0]} | {key[1]} | {tr:.0f} | {ttr:.0f} | {tr / ttr:.2f} | {inf:.0f} | {tinf:.0f} | "
              f"{inf / tinf:.2f} | {max(r['peak_rss_mb'] for r in rows):.0f} |")


if __name__ == "__main__":
    main()
