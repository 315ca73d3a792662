#!/usr/bin/env bash
# The frontier behind results/frontier.md (issue 13): accuracy against parameters under the
# clean protocol, made by one commit's code over as many sittings as it takes. Resumable: run
# it again after an interruption; finished runs are skipped, the others continue from their
# last checkpoints.
#   bash results/frontier.sh                      # every model, seeds 42, 1 and 2
#   bash results/frontier.sh mnist,fashion-mnist 42   # a part of it
#   bash results/frontier.sh --keep               # copy finished runs into results/ (to commit)
# Two shards run side by side on one core each (the same bits as on any core count).
set -euo pipefail
cd "$(dirname "$0")/.."
# keep copies the finished runs into results/frontier-runs: their results, metrics and
# commands, the compressions' starting weights (init.safetensors, which their commands read),
# and the Conv2D runs' best weights, which the compressions start from.
keep() {
  for run in runs/frontier/*/; do
    name=$(basename "$run")
    [ -f "$run/result.json" ] || continue
    mkdir -p "results/frontier-runs/$name"
    for f in result.json command.txt metrics.jsonl init.safetensors; do   # a run has only some:
      if [ -f "$run/$f" ]; then cp "$run/$f" "results/frontier-runs/$name/"; fi   # see above
    done
    case "$name" in *-conv2d-seed*) cp "$run/best.safetensors" "results/frontier-runs/$name/" ;; esac
  done
}
if [ "${1:-}" = --keep ]; then keep; exit; fi
models=${1:-mnist,fashion-mnist,cifar10,cifar100}
seeds=${2:-42,1,2}
# MNIST and Fashion-MNIST were made by 6ccf255 (and the later rows by theirs), before the
# arithmetic changes of 299b700 and b19d522; the CIFAR rows by b19d522 (a CIFAR-10 light5
# step 29% faster on one core than at ed7c0dd, the pin before; Conv2D's the same), one
# commit for every CIFAR run.
commit=${FRONTIER_COMMIT:-b19d522}
src=/tmp/lightzoo-frontier-src
bin=/tmp/lightzoo-frontier
# A clone, not a worktree: go build stamps the commit only where .git is a directory.
if [ ! -d "$src/.git" ]; then rm -rf "$src"; git worktree prune; git clone -q --no-checkout . "$src"; fi
git -C "$src" fetch -q origin
git -C "$src" checkout -q --detach "$commit"
go build -C "$src" -buildvcs=true -o "$bin" ./examples/frontier
mkdir -p runs/frontier
# Finished runs of earlier sittings are kept in results/frontier-runs (runs/ is not in the
# repository), with the Conv2D weights the compressions start from: put them back.
for kept in results/frontier-runs/*/; do
  [ -d "$kept" ] || continue
  name=$(basename "$kept")
  if [ -f "$kept/result.json" ] && [ ! -f "runs/frontier/$name/result.json" ]; then
    mkdir -p "runs/frontier/$name" && cp "$kept"/* "runs/frontier/$name/"
  fi
done
# A compression waits for its seed's Conv2D run, which the other shard may be making: each
# shard makes a second pass for what it left waiting.
for shard in 0/2 1/2; do
  for pass in 1 2; do
    GOMAXPROCS=1 "$bin" -shard "$shard" -models "$models" -seeds "$seeds" -runs runs/frontier
  done >> "runs/frontier/shard-${shard%/*}.log" 2>&1 &
done
wait
keep
# The report is this checkout's (it reads the runs; it does no arithmetic on weights).
go run ./examples/frontier -report -models mnist,fashion-mnist,cifar10,cifar100 -seeds 42,1,2 -runs runs/frontier -out results
