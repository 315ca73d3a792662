#!/usr/bin/env bash
# The sweep behind results/: the paper's Tables 1-4 under its protocol, and MNIST and
# Fashion-MNIST under the clean protocol, seeds 42, 1 and 2 (126 runs). Two shards run side by
# side, one core each: the same seed gives the same bits on any core count, and a second core
# speeds one run up by 1.0-1.5x only. Resumable: run it again after an interruption and every
# run continues from its last checkpoint; finished runs are skipped.
#   bash results/sweep.sh            # from the repository root; hours, see README
set -euo pipefail
cd "$(dirname "$0")/.."
# Every run is made by this commit's code, however many sittings the sweep takes: the binary
# is built from a worktree at it and records it in each result.json.
commit=${SWEEP_COMMIT:-3fc85ff3fb}
src=/tmp/lightzoo-sweep-src
bin=/tmp/lightzoo-sweep-compare
# A clone, not a worktree: go build stamps the commit only where .git is a directory.
if [ ! -d "$src/.git" ]; then rm -rf "$src"; git worktree prune; git clone -q --no-checkout . "$src"; fi
git -C "$src" fetch -q origin
git -C "$src" checkout -q --detach "$commit"
go build -C "$src" -buildvcs=true -o "$bin" ./examples/compare
mkdir -p runs/sweep
# Runs finished in earlier sittings are kept in results/runs (runs/ is not in the repository):
# put their results back so that they are not made again.
for kept in results/runs/*/; do
  name=$(basename "$kept")
  if [ -f "$kept/result.json" ] && [ ! -f "runs/sweep/$name/result.json" ]; then
    mkdir -p "runs/sweep/$name" && cp "$kept"/*.json* "$kept/command.txt" "runs/sweep/$name/"
  fi
done
for shard in 0/2 1/2; do
  (
    GOMAXPROCS=1 "$bin" -shard "$shard" -models mnist,fashion-mnist -protocols paper,clean -seeds 42,1,2 -runs runs/sweep
    GOMAXPROCS=1 "$bin" -shard "$shard" -models cifar10,cifar100 -protocols paper -seeds 42,1,2 -runs runs/sweep
  ) >> "runs/sweep/shard-${shard%/*}.log" 2>&1 &
done
wait
"$bin" -report -models mnist,fashion-mnist,cifar10,cifar100 -protocols paper,clean -seeds 42,1,2 -runs runs/sweep -out results
