#!/usr/bin/env python3
"""Reference values for `mirror eval`'s metrics (SPEC §5), from an implementation written here in
NumPy, independent of the Swift code.

Oxford/Paris: for each of the 55 real Oxford queries (ground truth read from
Fixtures/reference-data/oxford/groundtruth) several random ranked lists over the real 5,063-image
list, mixing positives (good ∪ ok), junk and negatives. AP follows the seed's compute_ap: float32
state, junk skipped without advancing the rank, trapezoid from (0, 1.0); the per-query value is then
printed with 6 significant digits (C++ `cout`) and parsed back, as oxford_bench.py does.
Holidays: random result lists over the real image list (Fixtures/reference-data/holidays), the query
itself sometimes returned (rank shift), AP = Σ (p0+p1)/(2·n_gt).
GL3D: synthetic ground-truth pairs over the real 9,368-image list (the real gl3d_gt_pairs is not
public in the snapshot), with duplicates and self pairs; AP over the returned list.

Run: python3 Fixtures/scripts/make_metric_fixtures.py   (writes Fixtures/metrics/)
"""
import os
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
REF = os.path.join(ROOT, "Fixtures", "reference-data")
OUT = os.path.join(ROOT, "Fixtures", "metrics")
PAD = -1


def read_lines(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def oxford_ap(pos, junk, ranked):
    f32 = np.float32
    old_recall, old_precision, ap = f32(0), f32(1), f32(0)
    inter, j = 0, 0
    for name in ranked:
        if name in junk:
            continue
        if name in pos:
            inter += 1
        recall = f32(np.float32(inter) / np.float32(len(pos)))  # size_t / (float)n: float division
        precision = f32(inter / (j + 1.0))                   # double division, stored in float
        step = np.float64(f32(recall - old_recall)) * (np.float64(f32(old_precision + precision)) / 2.0)
        ap = f32(np.float64(ap) + step)
        old_recall, old_precision = recall, precision
        j += 1
    return ap


def cout6(value):
    """C++ `cout << float` with the default precision: %g with 6 significant digits."""
    return float("%g" % float(value))


def holidays_ap(tp_ranks, n_gt):
    ap = 0.0
    for k, rank in enumerate(tp_ranks):
        p0 = 1.0 if rank == 0 else k / float(rank)
        p1 = (k + 1) / float(rank + 1)
        ap += (p1 + p0) * (1.0 / n_gt) / 2.0
    return ap


def gl3d_ap(gt_list, res_list):
    old_recall, old_precision, ap, inter = 0.0, 1.0, 0.0, 0
    for i, item in enumerate(res_list):
        if item in gt_list:
            inter += 1
        recall = inter / float(len(gt_list))
        precision = inter / (i + 1.0)
        ap += (recall - old_recall) * (old_precision + precision) / 2.0
        old_recall, old_precision = recall, precision
    return ap


def pad_rows(rows, width):
    out = np.full((len(rows), width), PAD, dtype=np.int16)
    for r, row in enumerate(rows):
        out[r, :len(row)] = row
    return out


def oxford(rng):
    names = read_lines(os.path.join(REF, "oxford", "image_list.txt"))
    index = {n: i for i, n in enumerate(names)}
    queries = read_lines(os.path.join(REF, "oxford", "query_list.txt"))
    gt_dir = os.path.join(REF, "oxford", "groundtruth")
    lists, query_ids, aps = [], [], []
    for qi, q in enumerate(queries):
        good = set(read_lines(os.path.join(gt_dir, q + "_good.txt")))
        ok = set(read_lines(os.path.join(gt_dir, q + "_ok.txt")))
        junk = set(read_lines(os.path.join(gt_dir, q + "_junk.txt")))
        pos = good | ok
        special = [index[n] for n in sorted(pos | junk)]
        for variant in range(4):
            length = int(rng.integers(1, 400))
            others = rng.choice(len(names), size=length, replace=False).tolist()
            take = rng.choice(special, size=min(len(special), int(rng.integers(0, len(special) + 1))), replace=False).tolist()
            ranked = list(dict.fromkeys(take + others))
            rng.shuffle(ranked)
            if variant == 0:   # a near-perfect list: positives first
                ranked = [index[n] for n in sorted(pos)] + ranked
                ranked = list(dict.fromkeys(ranked))
            ranked = ranked[:400]
            lists.append(ranked)
            query_ids.append(qi)
            aps.append(cout6(oxford_ap(pos, junk, [names[i] for i in ranked])))
    np.save(os.path.join(OUT, "oxford_ranked.npy"), pad_rows(lists, 400))
    np.save(os.path.join(OUT, "oxford_query.npy"), np.array(query_ids, dtype=np.int32))
    np.save(os.path.join(OUT, "oxford_ap.npy"), np.array(aps, dtype=np.float64))


def holidays(rng):
    names = read_lines(os.path.join(REF, "holidays", "holidays_images.dat"))
    numbers = [int(n[:-4]) for n in names]
    queries = [i for i, n in enumerate(numbers) if n % 100 == 0]
    gt = {}
    for i, n in enumerate(numbers):
        if n % 100 == 0:
            current = gt.setdefault(i, [])
        else:
            current.append(i)
    lists, aps = [], []
    for q in queries:
        length = int(rng.integers(1, 60))
        others = rng.choice(len(names), size=length, replace=False).tolist()
        pool = gt[q] + ([q] if rng.random() < 0.7 else [])
        take = [i for i in pool if rng.random() < 0.8]
        ranked = list(dict.fromkeys(take + others))
        rng.shuffle(ranked)
        ranked = ranked[:80]
        lists.append(ranked)
        tp, shift = [], 0
        for rank, item in enumerate(ranked):
            if item == q:
                shift = -1
            elif item in gt[q]:
                tp.append(rank + shift)
        aps.append(holidays_ap(tp, len(gt[q])))
    np.save(os.path.join(OUT, "holidays_query.npy"), np.array(queries, dtype=np.int32))
    np.save(os.path.join(OUT, "holidays_ranked.npy"), pad_rows(lists, 80))
    np.save(os.path.join(OUT, "holidays_ap.npy"), np.array(aps, dtype=np.float64))


def gl3d(rng):
    n = len(read_lines(os.path.join(REF, "gl3d", "eval_img_list.txt")))
    images = rng.choice(n, size=300, replace=False)
    pairs, results = [], []
    for i in images:
        for _ in range(int(rng.integers(0, 12))):
            pairs.append((int(i), int(rng.integers(0, n)) if rng.random() < 0.5 else int(rng.choice(images))))
        if rng.random() < 0.3:
            pairs.append((int(i), int(i)))                       # self pair, dropped
        if pairs and rng.random() < 0.2:
            pairs.append(pairs[-1])                              # duplicate, counts twice
        gt_i = [b for a, b in pairs if a == i and b != i]
        res = list(dict.fromkeys(gt_i[: int(rng.integers(0, len(gt_i) + 1))]
                                 + rng.choice(images, size=int(rng.integers(0, 30))).tolist()))
        rng.shuffle(res)
        if rng.random() < 0.5:
            res = [int(i)] + res                                 # the seed's self pair, dropped
        for j in res:
            results.append((int(i), int(j)))
    np.save(os.path.join(OUT, "gl3d_gt_pairs.npy"), np.array(pairs, dtype=np.int32))
    np.save(os.path.join(OUT, "gl3d_results.npy"), np.array(results, dtype=np.int32))
    gt_vec, res_vec = {}, {}
    for a, b in pairs:
        if a != b:
            gt_vec.setdefault(a, []).append(b)
    for a, b in results:
        if a != b:
            res_vec.setdefault(a, []).append(b)
    aps = [gl3d_ap(gt_vec[i], res_vec.get(i, [])) for i in sorted(gt_vec)]
    raw = {}
    for a, b in results:
        raw.setdefault(a, []).append(b)
    for k in (5, 20):
        # --top K keeps the first K returned entries, then self pairs are dropped.
        aps_k = [gl3d_ap(gt_vec[i], [b for b in raw.get(i, [])[:k] if b != i]) for i in sorted(gt_vec)]
        np.save(os.path.join(OUT, f"gl3d_map_at_{k}.npy"), np.array([np.mean(aps_k)], dtype=np.float64))
    np.save(os.path.join(OUT, "gl3d_map.npy"), np.array([sum(aps) / len(aps), len(aps)], dtype=np.float64))


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20181203)
    # The SPEC's worked examples, as a self-check of this reference.
    assert cout6(oxford_ap({"A", "B", "C"}, {"J"}, list("AJXBYC"))) == 0.711111
    assert cout6(oxford_ap({"A", "B", "C"}, {"J"}, list("JABC"))) == 1
    assert cout6(oxford_ap({"A", "B", "C"}, {"J"}, list("XA"))) == 0.0833333
    assert abs(holidays_ap([0, 2], 2) - 0.791667) < 1e-6
    assert abs(gl3d_ap([1, 2, 3], [1, 5, 3, 4]) - 0.527778) < 1e-6
    oxford(rng)
    holidays(rng)
    gl3d(rng)


if __name__ == "__main__":
    main()
