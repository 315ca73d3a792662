#!/usr/bin/env python3
"""A/B a change's speed: one package's Go benchmarks at two revisions, run alternately.

On a shared virtual machine two runs of one binary minutes apart can differ by 20-30%, so a
benchmark of the old code followed by one of the new measures the machine, not the change.
This builds the package's test binary at both revisions, runs them in alternating rounds
(the order flips each round) and reports, per benchmark, each side's fastest and median
round and the speed-up new/old of both; a change is only as real as its agreement across
the two columns and across reruns.

    python3 bench/ab.py --old HEAD --pkg ./light/internal/ops \
        --bench 'ConvKernels/16to5_32x32/forward' --rounds 12 --procs 1

--new defaults to the work tree (uncommitted changes included).
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

LINE = re.compile(r"^(Benchmark\S+)\s+\d+\s+([\d.]+) ns/op")


def build(rev, pkg, out, repo):
    """Writes the test binary of pkg at rev (None: the work tree) to out."""
    if rev is None:
        subprocess.run(["go", "test", "-c", "-o", out, pkg], cwd=repo, check=True)
        return
    with tempfile.TemporaryDirectory() as tree:
        subprocess.run(["git", "worktree", "add", "-q", "--detach", tree, rev], cwd=repo, check=True)
        try:
            subprocess.run(["go", "test", "-c", "-o", out, pkg], cwd=tree, check=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", tree], cwd=repo, check=True)


def run(binary, args):
    """Runs one round of binary's benchmarks; returns {name: ns/op}."""
    env = dict(os.environ, GOMAXPROCS=str(args.procs))
    out = subprocess.run([binary, "-test.run", "^$", "-test.bench", args.bench, "-test.benchtime", args.benchtime],
                         env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"ab: {binary} failed:\n{out.stdout}{out.stderr}")
    times = {}
    for line in out.stdout.splitlines():
        m = LINE.match(line)
        if m:
            times[m.group(1)] = float(m.group(2))
    if not times:
        sys.exit(f"ab: no benchmark matches {args.bench!r}")
    return times


def report(rounds):
    """Prints each benchmark's fastest and median round per side, and new/old speed-ups."""
    print(f"{'benchmark':56s} {'old min':>9s} {'new min':>9s} {'speed-up':>8s}   {'old med':>9s} {'new med':>9s} {'speed-up':>8s}")
    for name in rounds["old"]:
        o, n = rounds["old"][name], rounds["new"].get(name)
        if not n:
            continue
        omin, nmin, omed, nmed = min(o), min(n), statistics.median(o), statistics.median(n)
        print(f"{name:56s} {omin/1e3:8.0f}µ {nmin/1e3:8.0f}µ {omin/nmin:8.3f}   {omed/1e3:8.0f}µ {nmed/1e3:8.0f}µ {omed/nmed:8.3f}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--old", required=True, help="the revision to compare against")
    p.add_argument("--new", help="the new revision (default: the work tree)")
    p.add_argument("--pkg", required=True, help="the package, e.g. ./light/internal/ops")
    p.add_argument("--bench", required=True, help="the -test.bench regular expression")
    p.add_argument("--rounds", type=int, default=12)
    p.add_argument("--benchtime", default="0.2s")
    p.add_argument("--procs", type=int, default=1, help="GOMAXPROCS of the runs")
    args = p.parse_args()
    if args.rounds < 2:
        sys.exit("ab: --rounds must be at least 2, so that each side runs first once")
    repo = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=True).stdout.strip()
    for rev in (args.old, args.new):
        if rev is not None and subprocess.run(["git", "rev-parse", "--verify", "--quiet", rev + "^{commit}"],
                                              cwd=repo, capture_output=True).returncode != 0:
            sys.exit(f"ab: {rev!r} is not a commit of this repository; give a commit, branch or tag")
    with tempfile.TemporaryDirectory() as tmp:
        bins = {"old": os.path.join(tmp, "old.test"), "new": os.path.join(tmp, "new.test")}
        for side, rev in (("old", args.old), ("new", args.new)):
            try:
                build(rev, args.pkg, bins[side], repo)
            except subprocess.CalledProcessError:
                sys.exit(f"ab: building {args.pkg}'s tests at {rev or 'the work tree'} failed (its errors are above)")
        rounds = {"old": {}, "new": {}}
        for r in range(args.rounds):
            for side in (("old", "new") if r % 2 == 0 else ("new", "old")):
                for name, ns in run(bins[side], args).items():
                    rounds[side].setdefault(name, []).append(ns)
    print(f"{args.rounds} alternating rounds, GOMAXPROCS={args.procs}, -benchtime {args.benchtime}; "
          f"old {args.old}, new {args.new or 'work tree'}")
    report(rounds)


if __name__ == "__main__":
    main()
