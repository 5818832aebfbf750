#!/usr/bin/env python3
"""Fake revisited Oxford/Paris ground truth (`gnd_roxford5k.pkl` structure) and reference metrics
for `mirror eval roxford5k|rparis6k`, from an implementation written here in NumPy, independent of
the Swift code.

The real files (revisitop project, Radenović et al., CVPR 2018) are dicts
  {'imlist': [str], 'qimlist': [str], 'gnd': [{'bbx': [x1, y1, x2, y2], 'easy': [int],
                                              'hard': [int], 'junk': [int]}, ...]}
with indices into `imlist`. Two fakes are written with Python's own `pickle`:
  gnd_fake_p2.pkl  protocol 2, plain lists of ints, bbx tuples, one bbx None;
  gnd_fake_p4.pkl  protocol 4, NumPy int64/int32 arrays and lists of NumPy scalars, a float64 bbx.
Both contain queries without easy, without hard, and without any positive images.

Protocol (the revisited paper, §4): Easy — positives easy, junk junk ∪ hard; Medium — positives
easy ∪ hard, junk junk; Hard — positives hard, junk junk ∪ easy. Junk is removed from the ranked
list; AP is the trapezoid over the ranks of the positives that remain (INRIA's
score_ap_from_ranks_1) divided by the number of positives; mP@k counts positives among the first
k' = min(k, rank of the last retrieved positive) entries, divided by k' (0 when none is
retrieved). Queries without positives in a setting are left out of that setting's means.

Per fake: ranked_<v>.npy ([queries, N] int16, -1 padded: some lists are truncated so positives
can be missing), ap_<v>.npy ([queries, 3] float64, NaN where skipped; E, M, H),
summary_<v>.npy ([3, 4]: mAP, mP@1, mP@5, mP@10 per setting).

Run: /work/venv/bin/python Fixtures/scripts/make_revisited_fixtures.py   (writes Fixtures/revisited/)
"""
import os
import pickle
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "revisited"))
KS = (1, 5, 10)


def fake_ground_truth(rng, n_db, n_q, numpy_style):
    imlist = ["img_%04d" % i for i in range(n_db)]
    qimlist = ["query_%02d" % q for q in range(n_q)]
    gnd = []
    for q in range(n_q):
        labelled = rng.permutation(n_db)[: int(rng.integers(3, 40))]
        cut1, cut2 = sorted(rng.integers(0, len(labelled) + 1, size=2))
        easy, hard, junk = labelled[:cut1], labelled[cut1:cut2], labelled[cut2:]
        if q == 1:
            easy = labelled[:0]                      # no easy: skipped in Easy
        if q == 2:
            hard = labelled[:0]                      # no hard: skipped in Hard
        if q == 3:
            easy, hard = labelled[:0], labelled[:0]  # nothing positive: skipped everywhere
        x1, y1 = rng.uniform(0, 300, size=2)
        bbx = (float(x1), float(y1), float(x1 + rng.uniform(20, 400)), float(y1 + rng.uniform(20, 400)))
        if numpy_style:
            entry = {"bbx": np.array(bbx, dtype=np.float64),
                     "easy": np.array(easy, dtype=np.int64),
                     "hard": [np.int64(i) for i in hard],
                     "junk": np.array(junk, dtype=np.int32)}
        else:
            entry = {"bbx": None if q == 4 else bbx,
                     "easy": [int(i) for i in easy], "hard": [int(i) for i in hard], "junk": [int(i) for i in junk]}
        gnd.append(entry)
    return {"gnd": gnd, "imlist": imlist, "qimlist": qimlist}


def ranked_lists(rng, gnd, n_db):
    lists = []
    for q, g in enumerate(gnd):
        positives = np.concatenate([np.asarray(g["easy"], dtype=np.int64), np.asarray(g["hard"], dtype=np.int64)])
        order = rng.permutation(n_db)
        if q % 3 == 0 and len(positives):
            # Pull the positives towards the top so the precisions are not all tiny.
            rest = order[~np.isin(order, positives)]
            order = np.concatenate([rng.permutation(positives)[: max(1, len(positives) // 2)], rest])
            order = np.concatenate([order, positives[~np.isin(positives, order)]])
        if q % 4 == 1:
            order = order[: int(rng.integers(5, n_db // 2))]   # truncated: some positives missing
        lists.append(order)
    return lists


def metrics(ranked, positives, junk):
    """AP and precision at KS of one ranked list (vectorised; independent of the Swift loop)."""
    ranked = np.asarray(ranked, dtype=np.int64)
    kept = ranked[~np.isin(ranked, np.asarray(list(junk), dtype=np.int64))]
    ranks = np.flatnonzero(np.isin(kept, np.asarray(list(positives), dtype=np.int64))).astype(np.float64)
    k = np.arange(len(ranks), dtype=np.float64)
    safe = np.where(ranks == 0, 1.0, ranks)
    p0 = np.where(ranks == 0, 1.0, k / safe)
    p1 = (k + 1.0) / (ranks + 1.0)
    ap = float(np.sum((p0 + p1) / 2.0) / len(positives))
    pos = ranks + 1.0
    precision = []
    for kk in KS:
        if len(pos) == 0:
            precision.append(0.0)
        else:
            kq = min(pos.max(), kk)
            precision.append(float(np.count_nonzero(pos <= kq) / kq))
    return ap, precision


def reference(gt, lists):
    n_q = len(gt["gnd"])
    aps = np.full((n_q, 3), np.nan)
    prs = np.full((n_q, 3, len(KS)), np.nan)
    for q, g in enumerate(gt["gnd"]):
        easy = set(int(i) for i in g["easy"])
        hard = set(int(i) for i in g["hard"])
        junk = set(int(i) for i in g["junk"])
        settings = [(easy, junk | hard), (easy | hard, junk), (hard, junk | easy)]
        for s, (positives, junk_s) in enumerate(settings):
            if not positives:
                continue
            aps[q, s], prs[q, s] = metrics(lists[q], positives, junk_s)
    summary = np.zeros((3, 1 + len(KS)))
    for s in range(3):
        valid = ~np.isnan(aps[:, s])
        summary[s, 0] = aps[valid, s].mean()
        summary[s, 1:] = prs[valid, s].mean(axis=0)
    return aps, summary


def write(name, gt, lists, protocol):
    with open(os.path.join(OUT, "gnd_fake_%s.pkl" % name), "wb") as f:
        pickle.dump(gt, f, protocol=protocol)
    width = max(len(x) for x in lists)
    padded = np.full((len(lists), width), -1, dtype=np.int16)
    for r, row in enumerate(lists):
        padded[r, : len(row)] = row
    aps, summary = reference(gt, lists)
    np.save(os.path.join(OUT, "ranked_%s.npy" % name), padded)
    np.save(os.path.join(OUT, "ap_%s.npy" % name), aps)
    np.save(os.path.join(OUT, "summary_%s.npy" % name), summary)


def main():
    os.makedirs(OUT, exist_ok=True)
    # Self-checks of the reference: the SPEC's Holidays example and a hand-computed precision.
    ap, pr = metrics([5, 1, 9, 2], {1, 2}, {9})
    assert abs(ap - ((0 + 0.5) / 2 + (0.5 + 2 / 3) / 2) / 2) < 1e-12 and pr == [0.0, 2 / 3, 2 / 3], (ap, pr)
    rng = np.random.default_rng(20180618)
    for name, protocol, numpy_style, n_db, n_q in (("p2", 2, False, 240, 12), ("p4", 4, True, 300, 10)):
        gt = fake_ground_truth(rng, n_db, n_q, numpy_style)
        write(name, gt, ranked_lists(rng, gt["gnd"], n_db), protocol)


if __name__ == "__main__":
    main()
