#!/usr/bin/env python3
"""Compares two `match_pairs` files of the same queries (e.g. a float32 and a float16 index).

Prints the largest score change over the (query, result) pairs both hold, how many queries rank
their results in another order (and how many within the top 10), and, over every pair of results
the two files order differently, the largest gap between their scores in the first file: if
that gap is below the score change, the differing orders are near-ties that rounding decides.

    python3 Fixtures/scripts/compare_rankings.py A/match_pairs B/match_pairs
"""
import sys

import numpy as np


def ranked(path):
    lists = {}
    for query, result, score in np.loadtxt(path, ndmin=2):
        lists.setdefault(int(query), []).append((int(result), float(score)))
    return lists


def main(first_path, second_path):
    first, second = ranked(first_path), ranked(second_path)
    if first.keys() != second.keys():
        sys.exit("the files hold different queries")
    score_change = 0.0
    differing, differing_top10, swapped, widest_gap = 0, 0, 0, 0.0
    for query, results in first.items():
        score_a = dict(results)
        score_b = dict(second[query])
        for result in score_a.keys() & score_b.keys():
            score_change = max(score_change, abs(score_a[result] - score_b[result]))
        order_a = [r for r, _ in results]
        order_b = [r for r, _ in second[query]]
        if order_a == order_b:
            continue
        differing += 1
        differing_top10 += order_a[:10] != order_b[:10]
        position_b = {r: k for k, r in enumerate(order_b)}
        for i, x in enumerate(order_a):
            for y in order_a[i + 1:]:
                if x in position_b and y in position_b and position_b[x] > position_b[y]:
                    swapped += 1
                    widest_gap = max(widest_gap, score_a[x] - score_a[y])
    print(f"queries {len(first)}, largest score change {score_change:.3g}, "
          f"queries ordered differently {differing} (in the top 10: {differing_top10}), "
          f"result pairs swapped {swapped}, widest score gap of a swapped pair {widest_gap:.3g}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
