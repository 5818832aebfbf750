#!/usr/bin/env python3
"""Pair selection against ground truth, each list compared with plain top-k at the same number of pairs.

For every selection (a set of `mirror pairs` options) this runs `mirror pairs` on cached features,
then scores the list here, independently of `mirror eval pairs`: pairs, recall of matchable pairs
(overlap >= --min-overlap), images with a matchable partner left without one, connected components
of the pair graph, and the recall of *plain top-k at equal pairs*: every image's partners taken
rank by rank (all first partners, then all second partners, ...; within a rank by score) from a
scored list (`mirror pairs --top 50 --format tsv`) until the same number of distinct pairs is
reached. Prints a Markdown table for Docs/BENCHMARKS.md ("Pair selection").

    python3 Fixtures/scripts/selection_table.py --mirror .build/release/mirror \
        --images SET/images --overlaps SET --features FEAT --scored SET-top50.tsv \
        [--weights W] [--selection "top 5=--top 5" ...]

SET is a folder written by `mirror synth` or `mirror overlaps` (images.txt, pairs.tsv with
`i j overlap` rows). Without --selection, the table of issue #14 is measured.
"""
import argparse
import os
import subprocess
import tempfile

DEFAULT_SELECTIONS = [
    ("top 5", "--top 5"),
    ("top 10", "--top 10"),
    ("top 20 + --min-prob 0.5", "--top 20 --min-prob 0.5"),
    ("top 20 + --min-prob 0.5 + --min-degree 5", "--top 20 --min-prob 0.5 --min-degree 5"),
    ("top 20 + --min-prob 0.2 + --min-degree 5", "--top 20 --min-prob 0.2 --min-degree 5"),
    ("top 20 + --min-prob 0.05 + --min-degree 3", "--top 20 --min-prob 0.05 --min-degree 3"),
    ("--mutual top 10", "--top 10 --mutual"),
    ("--mutual top 10 + --min-degree 5", "--top 10 --mutual --min-degree 5"),
    ("top 5 + --connect", "--top 5 --connect"),
    ("top 20 + --min-degree 5 + --max-pairs 1500", "--top 20 --min-degree 5 --max-pairs 1500"),
    ("defaults", ""),
]


def read_ground_truth(folder, min_overlap):
    with open(os.path.join(folder, "images.txt")) as f:
        names = [os.path.basename(line.strip()) for line in f if line.strip()]
    matchable = set()
    with open(os.path.join(folder, "pairs.tsv")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            i, j, overlap = line.split("\t")[:3]
            if float(overlap) >= min_overlap:
                a, b = names[int(i)], names[int(j)]
                matchable.add((min(a, b), max(a, b)))
    return names, matchable


def read_pairs(path):
    pairs = set()
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            fields = line.split("\t") if "\t" in line else line.split()
            a, b = os.path.basename(fields[0]), os.path.basename(fields[1].strip())
            pairs.add((min(a, b), max(a, b)))
    return pairs


def top_k_order(scored_path):
    """Unordered pairs in the order plain top-k adds them: by rank in either image's list, then by score."""
    best = {}
    rank_in_query = {}
    with open(scored_path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            a, b, score = line.rstrip("\n").split("\t")[:3]
            rank = rank_in_query.get(a, 0)
            rank_in_query[a] = rank + 1
            key = (min(a, b), max(a, b))
            candidate = (rank, -float(score))
            if key not in best or candidate < best[key]:
                best[key] = candidate
    return [key for key, _ in sorted(best.items(), key=lambda item: (item[1], item[0]))]


def components(names, pairs):
    parent = {name: name for name in names}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    count = len(names)
    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
            count -= 1
    return count


def score(pairs, names, matchable):
    found = pairs & matchable
    with_partner = {n for pair in matchable for n in pair}
    served = {n for pair in found for n in pair}
    return {
        "pairs": len(pairs),
        "recall": len(found) / len(matchable),
        "missed": len(with_partner - served),
        "with_partner": len(with_partner),
        "components": components(names, pairs),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mirror", required=True)
    parser.add_argument("--images", required=True)
    parser.add_argument("--overlaps", required=True)
    parser.add_argument("--features", required=True)
    parser.add_argument("--scored", required=True, help="mirror pairs --top 50 --format tsv of the same images")
    parser.add_argument("--weights")
    parser.add_argument("--min-overlap", type=float, default=0.5)
    parser.add_argument("--selection", action="append", help='"label=options", repeatable')
    args = parser.parse_args()

    names, matchable = read_ground_truth(args.overlaps, args.min_overlap)
    order = top_k_order(args.scored)
    selections = [tuple(s.split("=", 1)) for s in args.selection] if args.selection else DEFAULT_SELECTIONS
    print("| selection | pairs | recall | images missed | components | plain top-k at equal pairs: recall | missed |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, "pairs.txt")
        for label, options in selections:
            command = [args.mirror, "pairs", args.images, "--features", args.features, "--out", out, "--quiet"]
            if args.weights:
                command += ["--weights", args.weights]
            subprocess.run(command + options.split(), check=True, stdout=subprocess.DEVNULL)
            pairs = read_pairs(out)
            s = score(pairs, names, matchable)
            baseline = score(set(order[: len(pairs)]), names, matchable)
            print(f"| {label} | {s['pairs']} | {s['recall']:.4f} | {s['missed']} of {s['with_partner']} | "
                  f"{s['components']} | {baseline['recall']:.4f} | {baseline['missed']} |", flush=True)


if __name__ == "__main__":
    main()
