#!/usr/bin/python3
"""Runs lightzoo's and PyTorch's benchmarks in alternating rounds on this machine and prints a
markdown table of the medians: each row's ratio to the faster PyTorch twin of its architecture
(MNIST and Fashion-MNIST share one, CIFAR-10 and CIFAR-100 another), lightzoo's speed on one
core against two, and each variant's speed relative to Conv2D beside its share of the FLOPs;
below it, how far each row's rounds were apart (the host's noise, which the medians hide).

    /usr/bin/python3 bench/compare.py --rounds 3 --reps 15 > bench/RESULTS.md

Needs Go and Debian's python3-torch. Both sides train at batch 64 and infer at batch 128 on
random images, each a median of timed repetitions after warm-up. PyTorch runs with glibc's
malloc told to keep its memory (the effect PyTorch's CPU tuning guide gets from tcmalloc or
jemalloc): without it each step frees and re-maps large buffers and PyTorch runs 2-5x slower
in some runs, which is not a fair peer.
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

# This workplace sets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for old OpenBLAS builds; they slow
# the BLAS PyTorch may use, so its benchmark runs without them (lightzoo's uses no OpenBLAS).
TUNABLES = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967295"
TORCH_ENV = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
TORCH_ENV["GLIBC_TUNABLES"] = TUNABLES
TWIN = {"mnist": "fashion-mnist", "fashion-mnist": "mnist", "cifar10": "cifar100", "cifar100": "cifar10"}


def run(cmd, env=None):
    print("+", " ".join(cmd), file=sys.stderr)
    return json.loads(subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True, env=env).stdout)


def torch_version():
    return subprocess.run(["/usr/bin/python3", "-c", "import torch; print(torch.__version__)"],
                          capture_output=True, text=True, env=TORCH_ENV).stdout.strip()


def collect(rounds, reps):
    subprocess.run(["go", "build", "-o", "/tmp/lightzoo-bench", "./examples/bench"], cwd=ROOT, check=True)
    params = subprocess.run(["go", "run", "./examples/params", "-json"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    with open("/tmp/lightzoo-params.json", "w") as f:
        f.write(params)
    ours, one, torch = {}, {}, {}
    for _ in range(rounds):
        # each configuration on two cores, then at once on one, so that the host's slow and
        # fast phases fall on both alike
        for r in run(["/tmp/lightzoo-bench", "-json", "-reps", str(reps), "-procs", "2,1"]):
            store = ours if r["gomaxprocs"] == 2 else one
            store.setdefault((r["model"], r["variant"]), []).append(r)
        for r in run(["/usr/bin/python3", os.path.join(HERE, "pytorch_bench.py"), "--threads", "2",
                      "--reps", str(reps), "--warmup", "5", "--params", "/tmp/lightzoo-params.json"], TORCH_ENV):
            torch.setdefault((r["model"], r["variant"]), []).append(r)
    return ours, one, torch


def med(rows, key):
    return statistics.median(r[key] for r in rows)


def table(ours, one, torch):
    train, infer = "train_images_per_second", "infer_images_per_second"
    print("| model | variant | FLOPs vs Conv2D | train lightzoo | 1 core | 2 cores / 1 | train PyTorch "
          "| vs faster PyTorch twin | speed vs Conv2D (target) | infer lightzoo | infer PyTorch "
          "| vs faster PyTorch twin | speed vs Conv2D (target) | peak RSS MB (training) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for (model, variant), rows in ours.items():
        base = ours[(model, "conv2d")]
        flop_share = med(rows, "flops_per_image") / med(base, "flops_per_image")
        target = min(0.75 / flop_share, 2.5)
        cells = [model, variant, f"{flop_share:.2f}"]
        for key in (train, infer):
            mine = med(rows, key)
            peer = max(med(torch[(m, variant)], key) for m in (model, TWIN[model]) if (m, variant) in torch)
            rel = mine / med(base, key)
            goal = "" if variant == "conv2d" else f" ({target:.2f})"
            if key == train:
                single = med(one[(model, variant)], key)
                cells += [f"{mine:.0f}", f"{single:.0f}", f"{mine / single:.2f}", f"{med(torch[(model, variant)], key):.0f}"]
            else:
                cells += [f"{mine:.0f}", f"{med(torch[(model, variant)], key):.0f}"]
            cells += [f"{mine / peer:.2f}", f"{rel:.2f}{goal}"]
        cells.append(f"{max(r['peak_rss_mb'] for r in rows):.0f} ({max(r.get('train_peak_rss_mb', 0) for r in rows):.0f})")
        print("| " + " | ".join(cells) + " |")


def spread(stores, key):
    """The round-to-round spread of each row (its largest round over its smallest, minus one),
    summarized over the rows as smallest, median and largest percentages."""
    per_row = [max(r[key] for r in rows) / min(r[key] for r in rows) - 1 for rows in stores.values()]
    return f"{100 * min(per_row):.0f}-{100 * max(per_row):.0f}% (median {100 * statistics.median(per_row):.0f}%)"


def noise(ours, one, torch, rounds):
    if rounds < 2:
        return
    train, infer = "train_images_per_second", "infer_images_per_second"
    print(f"\nHow much a row moved between rounds (largest over smallest of its {rounds} rounds): lightzoo "
          f"training {spread(ours, train)} on 2 cores, {spread(one, train)} on 1, inference {spread(ours, infer)}; "
          f"PyTorch training {spread(torch, train)}, inference {spread(torch, infer)}.")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reps", type=int, default=9)
    args = ap.parse_args()
    if args.rounds < 1 or args.reps < 1:
        sys.exit("compare.py: --rounds and --reps must be at least 1")
    ours, one, torch = collect(args.rounds, args.reps)
    commit = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=10"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip() or "unknown"
    print(f"Measured at commit {commit} by `/usr/bin/python3 bench/compare.py --rounds {args.rounds} --reps {args.reps}` on "
          f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}; PyTorch {torch_version()} with 2 threads, "
          f"GLIBC_TUNABLES={TUNABLES} (malloc keeps its memory), OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset. "
          f"Images/s, median of {args.rounds} alternating rounds (each a median of {args.reps} timed repetitions); "
          f"lightzoo on 2 cores unless said; \"vs faster PyTorch twin\" divides by the faster of the two data sets that "
          f"share the architecture; \"speed vs Conv2D\" is the variant's images/s over Conv2D's, with the target "
          f"0.75 x (Conv2D FLOPs / variant FLOPs), capped at 2.5, in brackets.\n")
    table(ours, one, torch)
    noise(ours, one, torch, args.rounds)


if __name__ == "__main__":
    main()
