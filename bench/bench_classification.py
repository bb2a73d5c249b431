"""Natural breaks: mapclassify.FisherJenks (pure Python here: numba is not a dependency) against
domain.classification.fisher_jenks_bins, same data, same run.

    .venv/bin/python bench/bench_classification.py                  # n = 100 … 1,200, 5 repeats
    .venv/bin/python bench/bench_classification.py --sizes 100 600 10416 --repeat 1

Data: lognormal (skewed, like WOZ or area), seeded. CPU seconds, medians; ratio = ours / mapclassify.
mapclassify is O(k·n²) Python: 10,416 values take about 6 minutes, so big sizes are opt-in.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
warnings.filterwarnings("ignore")

import mapclassify
import numpy as np

from domain.classification import classify, fisher_jenks_bins


def _cpu(callable_) -> float:
    start = time.process_time()
    callable_()
    return time.process_time() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 600, 1200])
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"k = {args.k}; CPU seconds, medians of {args.repeat}\n")
    print("| values | mapclassify.FisherJenks | fisher_jenks_bins | ratio | same bins | classify(natural_breaks) |")
    print("|---|---|---|---|---|---|")
    for n in args.sizes:
        x = np.random.default_rng(n).lognormal(3, 1, n)
        theirs, ours, whole = [], [], []
        for _ in range(args.repeat):
            theirs.append(_cpu(lambda x=x: mapclassify.FisherJenks(x, k=args.k)))
            ours.append(_cpu(lambda x=x: fisher_jenks_bins(x, args.k)))
            whole.append(_cpu(lambda x=x: classify(list(x), "natural_breaks", args.k)))
        same = sorted({float(b) for b in mapclassify.FisherJenks(x, k=args.k).bins}) == fisher_jenks_bins(x, args.k)
        a, b = statistics.median(theirs), statistics.median(ours)
        print(f"| {n} | {a:.3f} s | {b:.4f} s | {b / a:.4f} | {'yes' if same else 'NO'} "
              f"| {statistics.median(whole):.4f} s |")


if __name__ == "__main__":
    main()
