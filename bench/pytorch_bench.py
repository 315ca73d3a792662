#!/usr/bin/python3
"""The paper's networks in PyTorch, for comparing lightzoo's speed with PyTorch's on one CPU.

Same architectures, variants and parameter counts as lightzoo's zoo (checked against
`go run ./examples/params -json` with --params). Measures training throughput (forward,
backward and Adam, batch 64) and inference throughput (batch 128) on random images: the median
of --reps timed repetitions after --warmup untimed ones.

    go run ./examples/params -json > params.json
    /usr/bin/python3 bench/pytorch_bench.py --threads 2 --params params.json > pytorch.json

(/usr/bin/python3 is Debian's, with the package python3-torch.)
"""
import argparse
import json
import math
import statistics
import sys
import time

import torch
from torch import nn

SPECS = {
    "mnist": dict(input=(1, 28, 28), classes=10, filters=[8, 16, 32], shortcut=False),
    "fashion-mnist": dict(input=(1, 28, 28), classes=10, filters=[8, 16, 32], shortcut=False),
    "cifar10": dict(input=(3, 32, 32), classes=10, filters=[16, 32, 64], shortcut=True),
    "cifar100": dict(input=(3, 32, 32), classes=100, filters=[16, 32, 64], shortcut=True),
}


class LightConv2d(nn.Module):
    """The reference code's two-stage LightConv2D: kxk conv to k channels, bias, ReLU, kxk conv."""

    def __init__(self, cin, filters, kernel, rank):
        super().__init__()
        self.a = nn.Conv2d(cin, rank, kernel, padding=kernel // 2)
        self.b = nn.Conv2d(rank, filters, kernel, padding=kernel // 2)

    def forward(self, x):
        return self.b(torch.relu(self.a(x)))


class LightDense(nn.Module):
    """x·(s·W1)·(s·W2) + b with s = sqrt(2/units)."""

    def __init__(self, inputs, units, rank=8):
        super().__init__()
        self.w1 = nn.Parameter(torch.empty(inputs, rank).uniform_(-1, 1) * math.sqrt(6 / (inputs + rank)))
        self.w2 = nn.Parameter(torch.empty(rank, units).uniform_(-1, 1) * math.sqrt(6 / (rank + units)))
        self.b = nn.Parameter(torch.zeros(units))
        self.scale = 2.0 / units

    def forward(self, x):
        return (x @ self.w1) @ self.w2 * self.scale + self.b


class LowRankConv2d(nn.Module):
    """A true low-rank kernel W1 (kh*kw*Cin, k) * W2 (k, filters): a kxk conv to k channels
    without bias, then a 1x1 conv with bias (lightzoo's light<k>-lowrank)."""

    def __init__(self, cin, filters, kernel, rank):
        super().__init__()
        self.a = nn.Conv2d(cin, rank, kernel, padding=kernel // 2, bias=False)
        self.b = nn.Conv2d(rank, filters, 1)

    def forward(self, x):
        return self.b(self.a(x))


def parse(variant):
    """lightzoo's variant names: conv2d, separable, light<k>, light<k>-lowrank."""
    if variant in ("conv2d", "separable"):
        return variant, 0, False
    name, _, form = variant.partition("-")
    return "light", int(name[len("light"):]), form == "lowrank"


def conv(variant, cin, filters, kernel):
    kind, rank, lowrank = parse(variant)
    if kind == "conv2d":
        return nn.Conv2d(cin, filters, kernel, padding=kernel // 2)
    if kind == "separable":
        return nn.Sequential(nn.Conv2d(cin, cin, kernel, padding=kernel // 2, groups=cin, bias=False),
                             nn.Conv2d(cin, filters, 1))
    if lowrank:
        return LowRankConv2d(cin, filters, kernel, rank)
    return LightConv2d(cin, filters, kernel, rank)


def bn(c):
    return nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)  # Keras momentum 0.99


class Block(nn.Module):
    def __init__(self, variant, cin, f, shortcut):
        super().__init__()
        self.conv1, self.bn1 = conv(variant, cin, f, 3), bn(f)
        self.conv2, self.bn2 = conv(variant, f, f, 3), bn(f)
        self.shortcut = nn.Sequential(conv(variant, cin, f, 1), bn(f)) if shortcut else None

    def forward(self, x):
        h = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        if self.shortcut is not None:
            h = h + self.shortcut(x)
        return nn.functional.max_pool2d(torch.relu(h), 2, 2)


class Net(nn.Module):
    def __init__(self, spec, variant):
        super().__init__()
        blocks, cin = [], spec["input"][0]
        for f in spec["filters"]:
            blocks.append(Block(variant, cin, f, spec["shortcut"]))
            cin = f
        self.blocks = nn.Sequential(*blocks)
        last = spec["filters"][-1]
        light = parse(variant)[0] == "light"
        self.head = LightDense(last, spec["classes"]) if light else nn.Linear(last, spec["classes"])

    def forward(self, x):
        return self.head(self.blocks(x).mean(dim=(2, 3)))


# The variants measured: the paper's rows at the rank the README's tables use, in both forms
# (the same list as examples/bench).
VARIANTS = {False: ("conv2d", "separable", "light3", "light3-lowrank"),
            True: ("conv2d", "separable", "light5", "light5-lowrank")}


def counts(net):
    trainable = sum(p.numel() for p in net.parameters())
    stats = sum(b.numel() for n, b in net.named_buffers() if n.endswith(("running_mean", "running_var")))
    return trainable, trainable + stats


def median_time(fn, warmup, reps):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(name, variant, warmup, reps):
    spec = SPECS[name]
    torch.manual_seed(42)
    net = Net(spec, variant)
    trainable, total = counts(net)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    x = torch.rand(64, *spec["input"])
    y = torch.randint(0, spec["classes"], (64,))

    def step():
        opt.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        opt.step()

    net.train()
    train = 64 / median_time(step, warmup, reps)
    xi = torch.rand(128, *spec["input"])
    net.eval()
    with torch.no_grad():
        infer = 128 / median_time(lambda: net(xi), warmup, reps)
    return dict(model=name, variant=variant, trainable=trainable, total=total,
                train_images_per_second=train, infer_images_per_second=infer)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--params", help="JSON of `go run ./examples/params -json`: fail unless counts match")
    ap.add_argument("--model", help="only this model")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    ours = {}
    if args.params:
        for r in json.load(open(args.params)):
            ours[(r["model"], r["variant"])] = (r["trainable"], r["total"])
    rows = []
    for name, spec in SPECS.items():
        if args.model and name != args.model:
            continue
        for variant in VARIANTS[spec["shortcut"]]:
            r = measure(name, variant, args.warmup, args.reps)
            want = ours.get((name, r["variant"]))
            if want and want != (r["trainable"], r["total"]):
                sys.exit(f"{name} {r['variant']}: PyTorch counts {r['trainable']}/{r['total']}, lightzoo {want}")
            print(f"{name} {r['variant']}: train {r['train_images_per_second']:.0f} img/s, "
                  f"infer {r['infer_images_per_second']:.0f} img/s", file=sys.stderr)
            rows.append(r)
    json.dump(rows, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
