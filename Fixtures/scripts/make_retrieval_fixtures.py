#!/usr/bin/env python3
"""Writes the retrieval fixtures into Fixtures/retrieval/ (see Docs/FIXTURES.md, "Retrieval fixtures").

An independent NumPy/SciPy implementation of SPEC §4 — read_feature, normalize + nan_to_num,
PCA whitening (the seed's randomized recipe, sklearn exact PCA), match_gpu in float32, tf.nn.top_k
order, query expansion and the match_pairs format — run on small synthetic feature sets:

  a/        24 images, R=7,  D=48  (one zero region in img_03, a NaN in img_05)
  queries/   6 images, R=7,  D=48  (noisy views of database scenes)
  b/        40 images, R=15, D=64  (600 rows > 500: sklearn 0.20 picks the randomized solver)
  c/        12 images, R=5,  D=600 (60 rows < D: the transposed randomized path)

Outputs: the feature .npy files and list files, expected/<case>.txt (match_pairs text, exactly as
the seed writes it), whitened/<name>.npy (float32 whitened vectors), pca/*.npy (seed-format PCA
dicts, one written by NumPy, one hand-assembled as Python 2's protocol-2 pickle), and cases.tsv.

It also checks (and aborts otherwise) that:
  * sklearn's PCA(svd_solver='randomized', random_state=0) still follows the seed recipe
    implemented here (components equal up to sign, variances equal, to 1e-10);
  * np.sum over the contiguous region axis equals the pairwise-summation emulation bit for bit;
  * every ranking used is robust: neighbouring scores differ by > 2e-5 or are exactly equal,
    so float32 rounding differences between BLAS builds cannot reorder them.

Run: /work/venv/bin/python Fixtures/scripts/make_retrieval_fixtures.py
"""
import os
import struct
import numpy as np
import scipy.linalg
from sklearn.decomposition import PCA

OUT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "retrieval"))
GAP = 2e-5


# ----------------------------------------------------------------------------- synthetic features
def make_set(rng, name, images, regions, dims, scenes, noise):
    """Images are views of a few scenes: the scene's region vectors in a shuffled order, a random
    gain per region, noise, and ReLU (features are max-pooled activations)."""
    bases = rng.gamma(1.0, 1.0, size=(scenes, regions, dims))
    paths = []
    os.makedirs(os.path.join(OUT, name), exist_ok=True)
    for n in range(images):
        scene = n % scenes
        order = rng.permutation(regions)
        gain = rng.uniform(0.6, 1.4, size=(regions, 1))
        rows = bases[scene][order] * gain + rng.normal(0, noise, size=(regions, dims))
        rows = np.maximum(rows, 0).astype(np.float32)        # [R, D]
        paths.append((f"{name}/img_{n:02d}.npy", rows))
    return paths


def save_set(items, edit=None):
    for path, rows in items:
        arr = rows.T.copy()                                   # stored as [D, R], C order
        if edit:
            edit(path, arr)
        np.save(os.path.join(OUT, path), arr)
    return [p for p, _ in items]


def write_list(name, paths):
    with open(os.path.join(OUT, name), "w") as f:
        f.write("\n".join(paths) + "\n")


# ----------------------------------------------------------------------------- SPEC §4 in NumPy
def read_feature(paths, mode="regional"):
    rows = []
    regions = None
    for p in paths:
        a = np.squeeze(np.load(os.path.join(OUT, p))).T
        if mode == "rmac":
            a = np.sum(a, axis=0)
        elif mode == "mac":
            a = a[0, :]
        if a.ndim == 1:
            a = a[None, :]
        regions = regions or a.shape[0]
        rows.append(a.astype(np.float64))
    return regions, np.vstack(rows)


def normalize(x):
    """nan_to_num(sklearn.preprocessing.normalize(x)) with sklearn 0.20's zero handling."""
    norms = np.sqrt(np.einsum("ij,ij->i", x, x))
    norms[norms == 0] = 1
    with np.errstate(invalid="ignore", divide="ignore"):
        y = x / norms[:, None]
    return np.nan_to_num(y)


def pairwise_sum_f32(v):
    """NumPy's pairwise summation (8 partial sums for 8..128 values), float32."""
    n = len(v)
    if n < 8:
        s = np.float32(0)
        for x in v:
            s = np.float32(s + x)
        return s
    if n <= 128:
        r = [np.float32(v[j]) for j in range(8)]
        i = 8
        while i < n - n % 8:
            for j in range(8):
                r[j] = np.float32(r[j] + v[i + j])
            i += 8
        s = np.float32(np.float32(np.float32(r[0] + r[1]) + np.float32(r[2] + r[3]))
                       + np.float32(np.float32(r[4] + r[5]) + np.float32(r[6] + r[7])))
        while i < n:
            s = np.float32(s + v[i])
            i += 1
        return s
    half = n // 2
    half -= half % 8
    return np.float32(pairwise_sum_f32(v[:half]) + pairwise_sum_f32(v[half:]))


def svd_flip_rows(vectors):
    """Sign of each row's largest-magnitude entry (first on ties), as svd_flip computes it."""
    idx = np.argmax(np.abs(vectors), axis=1)
    s = np.sign(vectors[np.arange(vectors.shape[0]), idx])
    s[s == 0] = 1
    return s


def seed_randomized_pca(x, k):
    """sklearn 0.20 PCA(n_components=k, random_state=0) randomized solver, step by step."""
    rows, dims = x.shape
    mean = x.mean(axis=0)
    xc = x - mean
    transpose = rows < dims
    m = xc.T if transpose else xc
    n_iter = 7 if k < 0.1 * min(rows, dims) else 4
    q = np.random.RandomState(0).normal(size=(m.shape[1], k + 10))
    for _ in range(n_iter):
        q, _ = scipy.linalg.lu(m @ q, permute_l=True)
        q, _ = scipy.linalg.lu(m.T @ q, permute_l=True)
    q, _ = scipy.linalg.qr(m @ q, mode="economic")
    uhat, s, vt = scipy.linalg.svd(q.T @ m, full_matrices=False)
    u = q @ uhat
    if transpose:                      # svd_flip(U, V, u_based_decision=False); PCA gets U[:, :k].T
        signs = svd_flip_rows(vt)[:k]
        components = (u[:, :k] * signs).T
    else:                              # svd_flip(U, V); PCA gets V[:k]
        signs = svd_flip_rows(u.T)[:k]
        components = vt[:k] * signs[:, None]
    return mean, components, s[:k] ** 2 / (rows - 1)


def seed_full_pca(x, keep):
    """sklearn 0.20 svd_solver='full': svd(Xc), u-based svd_flip, S²/(rows−1); keep(ev) → k."""
    rows = x.shape[0]
    mean = x.mean(axis=0)
    u, s, vt = scipy.linalg.svd(x - mean, full_matrices=False)
    ev = s ** 2 / (rows - 1)
    k = keep(ev)
    signs = svd_flip_rows(u.T)[:k]
    return mean, vt[:k] * signs[:, None], ev[:k]


def threshold_keep(t):
    def keep(ev):
        ratio = ev / ev.sum()
        return min(int(np.searchsorted(np.cumsum(ratio), t, side="left")) + 1, len(ev))
    return keep


def whiten(x, mean, components, ev):
    return normalize(((x - mean) @ components.T) / np.sqrt(ev))


def match(queries, db, regions, top, aml=False, euclidean=False, label=""):
    """match_gpu: float32 PR-MAC, tf.nn.top_k order. Returns [(indices, float32 scores)] per query."""
    q32, d32 = queries.astype(np.float32), db.astype(np.float32)
    nd = d32.shape[0] // regions
    k = min(top, nd)
    norm_db = np.sum(d32 * d32, axis=1)
    results = []
    for i in range(q32.shape[0] // regions):
        q = q32[i * regions:(i + 1) * regions]
        if euclidean:
            norm_q = np.sum(q * q, axis=1).reshape(-1, 1)
            dist = (norm_q - np.float32(2) * (q @ d32.T)) + norm_db[None, :]
            seg = dist.reshape(regions, nd, regions).min(axis=2)
        else:
            seg = (q @ d32.T).reshape(regions, nd, regions).max(axis=2)
        if aml:
            score = seg.max(axis=0)
        else:
            score = seg[0].copy()
            for r in range(1, regions):
                score = score + seg[r]
        key = score if euclidean else -score
        order = np.lexsort((np.arange(nd), key))
        check_gaps(score[order], k, f"{label} query {i}")
        results.append((order[:k], score[order[:k]]))
    return results


def check_gaps(sorted_scores, k, label):
    upto = min(k + 1, len(sorted_scores))
    diffs = np.abs(np.diff(sorted_scores[:upto].astype(np.float64)))
    bad = diffs[(diffs > 0) & (diffs < GAP)]
    if bad.size:
        raise SystemExit(f"{label}: near-tie of {bad.min():.3g} among the top {k}; change the fixture seed")


def expand(queries, db, results, regions, qe):
    out = []
    for i, (inds, dists) in enumerate(results):
        single = queries[i * regions:(i + 1) * regions]
        for j in range(min(qe, len(inds))):
            weight = np.float64(dists[j]) / regions
            single = single + weight * db[inds[j] * regions:(inds[j] + 1) * regions]
        out.append(single)
    return normalize(np.vstack(out))


def match_pairs(results, regions):
    lines = []
    for i, (inds, dists) in enumerate(results):
        lines += [f"{i} {int(j)} {float(np.float64(d) / regions)!r}" for j, d in zip(inds, dists)]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- pca files
def py2_pickle_pca(mean, eigvec, eigval):
    """The bytes Python 2 + NumPy 1.x wrote for np.save(dict): protocol 2, str payloads as BINSTRING."""
    out = bytearray(b"\x80\x02")
    memo = {}

    def put(key):
        memo[key] = len(memo)
        out.extend(b"q" + bytes([memo[key]]))

    def get(key):
        out.extend(b"h" + bytes([memo[key]]))

    def short_str(s):
        b = s.encode("latin1")
        out.extend(b"U" + bytes([len(b)]) + b)

    out.extend(b"cnumpy.core.multiarray\n_reconstruct\n"); put("rec")
    out.extend(b"cnumpy\nndarray\n"); put("nd")
    out.extend(b"K\x00\x85"); short_str("b"); out.extend(b"\x87R(K\x01)")
    out.extend(b"cnumpy\ndtype\n"); put("dt")
    short_str("O8"); out.extend(b"K\x00K\x01\x87R(K\x03"); short_str("|")
    out.extend(b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK?tb\x89]}(")
    for key, arr in (("mean", mean), ("eigvec", eigvec), ("eigval", eigval)):
        short_str(key)
        get("rec"); get("nd"); out.extend(b"K\x00\x85"); short_str("b"); out.extend(b"\x87R(K\x01")
        for n in arr.shape:
            out.extend(b"K" + bytes([n]) if n < 256 else b"M" + struct.pack("<H", n))
        out.extend({1: b"\x85", 2: b"\x86"}[arr.ndim])
        get("dt"); short_str(arr.dtype.str[1:]); out.extend(b"K\x00K\x01\x87R(K\x03")
        short_str(arr.dtype.str[0])
        out.extend(b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb\x89")
        data = arr.tobytes()
        out.extend(b"T" + struct.pack("<I", len(data)) + data)
        out.extend(b"tb")
    out.extend(b"uatb.")
    return bytes(out)


def write_py2_npy(path, payload):
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (), }"
    header += " " * ((16 - (10 + len(header) + 1) % 16) % 16) + "\n"      # NumPy 1.x: 16-byte alignment
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1") + payload)


# ----------------------------------------------------------------------------- main
def main():
    rng = np.random.default_rng(int(os.environ.get("MIRROR_FIXTURE_SEED", "11")))
    for sub in ("a", "queries", "b", "c", "expected", "whitened", "pca"):
        os.makedirs(os.path.join(OUT, sub), exist_ok=True)

    def edit_a(path, arr):
        if path.endswith("img_03.npy"):
            arr[:, 2] = 0                       # an all-zero region
        if path.endswith("img_05.npy"):
            arr[7, 4] = np.nan                  # a NaN: that region becomes zero after normalisation

    a_items = make_set(rng, "a", 24, 7, 48, scenes=6, noise=0.35)
    a = save_set(a_items, edit_a)
    q_items = make_set(rng, "queries", 6, 7, 48, scenes=6, noise=0.5)
    queries = save_set(q_items)
    b = save_set(make_set(rng, "b", 40, 15, 64, scenes=8, noise=0.5))
    c = save_set(make_set(rng, "c", 12, 5, 600, scenes=4, noise=0.4))
    write_list("a.txt", a)
    write_list("a_finite.txt", [p for p in a if not p.endswith("img_05.npy")])
    write_list("queries.txt", queries)
    write_list("b.txt", b)
    write_list("c.txt", c)

    # NumPy's rmac sum is the pairwise sum along the contiguous region axis.
    for p in a[:4] + b[:2]:
        arr = np.load(os.path.join(OUT, p))
        got = np.sum(arr.T, axis=0)
        want = np.array([pairwise_sum_f32(arr[d]) for d in range(arr.shape[0])], dtype=np.float32)
        assert np.array_equal(got, want, equal_nan=True), f"pairwise emulation differs for {p}"

    cases = []
    out_lines = {}

    def case(name, db_list, query_list="-", top=10, aml=False, euclidean=False, mode="regional",
             out_dim="-", thresh="-", solver="-", pca_file="-", qe=0, et=0, results=None, regions=None):
        cases.append([name, db_list, query_list, str(top), str(int(aml)), str(int(euclidean)), mode,
                      str(out_dim), str(thresh), solver, pca_file, str(qe), str(et)])
        text = match_pairs(results, regions)
        with open(os.path.join(OUT, "expected", name + ".txt"), "w") as f:
            f.write(text)
        out_lines[name] = text

    # --- set a, no PCA
    R, fa = read_feature(a)
    na = normalize(fa)
    case("a_plain", "a.txt", results=match(na, na, R, 10, label="a_plain"), regions=R)
    case("a_aml", "a.txt", aml=True, results=match(na, na, R, 10, aml=True, label="a_aml"), regions=R)
    case("a_gated", "a.txt", out_dim=24, solver="seed", results=match(na, na, R, 10, label="a_gated"), regions=R)
    Rf, ff = read_feature([p for p in a if not p.endswith("img_05.npy")])
    case("a_euclidean", "a_finite.txt", euclidean=True,
         results=match(ff, ff, Rf, 10, euclidean=True, label="a_euclidean"), regions=Rf)
    case("a_euclidean_aml", "a_finite.txt", euclidean=True, aml=True,
         results=match(ff, ff, Rf, 10, euclidean=True, aml=True, label="a_euclidean_aml"), regions=Rf)
    for mode in ("rmac", "mac"):
        Rm, fm = read_feature(a, mode)
        nm = normalize(fm)
        case(f"a_{mode}", "a.txt", mode=mode, results=match(nm, nm, Rm, 10, label=f"a_{mode}"), regions=Rm)
    Rq, fq = read_feature(queries)
    nq = normalize(fq)
    first = match(nq, na, R, 8, label="a_query")
    case("a_query", "a.txt", "queries.txt", top=8, results=first, regions=R)
    result = first
    for et in (1, 2):
        result = match(expand(nq, na, result, R, 3), na, R, 8, label=f"a_qe{et}")
        case(f"a_qe{et}", "a.txt", "queries.txt", top=8, qe=3, et=et, results=result, regions=R)

    # --- set a with the seed solver below the randomized threshold (max(rows, D) ≤ 500: full SVD)
    mean, comp, ev = seed_full_pca(na, lambda ev: 16)
    wa = whiten(na, mean, comp, ev)
    case("a_seed16_full", "a.txt", out_dim=16, solver="seed", results=match(wa, wa, R, 10, label="a_seed16_full"), regions=R)

    # --- set b: PCA
    Rb, fb = read_feature(b)
    nb = normalize(fb)
    for k in (16, 5):
        mean, comp, ev = seed_randomized_pca(nb, k)
        sk = PCA(n_components=k, whiten=True, random_state=0, svd_solver="randomized").fit(nb)
        signs = np.sign(np.sum(sk.components_ * comp, axis=1))
        assert np.max(np.abs(sk.components_ * signs[:, None] - comp)) < 1e-10, "sklearn randomized PCA left the recipe"
        assert np.max(np.abs(sk.explained_variance_ - ev) / ev) < 1e-10
        wb = whiten(nb, mean, comp, ev)
        np.save(os.path.join(OUT, "whitened", f"b_seed{k}.npy"), wb.astype(np.float32))
        case(f"b_seed{k}", "b.txt", top=12, out_dim=k, solver="seed",
             results=match(wb, wb, Rb, 12, label=f"b_seed{k}"), regions=Rb)
    exact = PCA(n_components=16, whiten=True, svd_solver="full").fit(nb)
    ev_sorted = exact.explained_variance_
    assert np.min(-np.diff(np.append(ev_sorted, PCA(17, svd_solver="full").fit(nb).explained_variance_[16]))
                  / ev_sorted) > 1e-3, "near-degenerate eigenvalues make components ill-defined"
    we = normalize(exact.transform(nb))
    np.save(os.path.join(OUT, "whitened", "b_exact16.npy"), we.astype(np.float32))
    case("b_exact16", "b.txt", top=12, out_dim=16, solver="exact",
         results=match(we, we, Rb, 12, label="b_exact16"), regions=Rb)
    mean, comp, ev = seed_full_pca(nb, threshold_keep(0.8))
    wt = whiten(nb, mean, comp, ev)
    print(f"b_thresh: pca_thresh 0.8 keeps {comp.shape[0]} components")
    case("b_thresh", "b.txt", top=12, thresh=0.8, solver="seed", results=match(wt, wt, Rb, 12, label="b_thresh"), regions=Rb)
    case("b_thresh_exact", "b.txt", top=12, thresh=0.8, solver="exact",
         results=match(wt, wt, Rb, 12, label="b_thresh_exact"), regions=Rb)
    case("b_gated", "b.txt", top=12, out_dim=40, solver="seed", results=match(nb, nb, Rb, 12, label="b_gated"), regions=Rb)

    # --- seed-format PCA files: exact 16-component PCA, NumPy-written (float64) and Python 2 style (float32)
    pca64 = {"mean": exact.mean_, "eigvec": exact.components_, "eigval": exact.explained_variance_}
    np.save(os.path.join(OUT, "pca", "b_exact16.npy"), pca64)
    pca32 = {key: value.astype(np.float32) for key, value in pca64.items()}
    payload = py2_pickle_pca(pca32["mean"], pca32["eigvec"], pca32["eigval"])
    import pickle
    loaded = pickle.loads(payload, encoding="latin1").item()
    assert all(np.array_equal(loaded[key], pca32[key]) for key in pca32), "hand-made py2 pickle does not round-trip"
    write_py2_npy(os.path.join(OUT, "pca", "b_exact16_py2_f32.npy"), payload)
    for name, pca in (("b_pcafile", pca64), ("b_pcafile_py2", pca32)):
        p = {key: value.astype(np.float64) for key, value in pca.items()}
        wp = whiten(nb, p["mean"], p["eigvec"], p["eigval"])
        file = "pca/b_exact16.npy" if name == "b_pcafile" else "pca/b_exact16_py2_f32.npy"
        case(name, "b.txt", top=12, pca_file=file, results=match(wp, wp, Rb, 12, label=name), regions=Rb)

    # --- set c: the transposed randomized path (rows < D)
    Rc, fc = read_feature(c)
    ncf = normalize(fc)
    mean, comp, ev = seed_randomized_pca(ncf, 8)
    sk = PCA(n_components=8, whiten=True, random_state=0, svd_solver="randomized").fit(ncf)
    signs = np.sign(np.sum(sk.components_ * comp, axis=1))
    assert np.max(np.abs(sk.components_ * signs[:, None] - comp)) < 1e-10, "sklearn randomized PCA (transposed) left the recipe"
    wc = whiten(ncf, mean, comp, ev)
    np.save(os.path.join(OUT, "whitened", "c_seed8.npy"), wc.astype(np.float32))
    case("c_seed8", "c.txt", top=6, out_dim=8, solver="seed", results=match(wc, wc, Rc, 6, label="c_seed8"), regions=Rc)

    with open(os.path.join(OUT, "cases.tsv"), "w") as f:
        f.write("# name\tdb_list\tquery_list\ttop\taml\teuclidean\taggregation\tout_dim\tpca_thresh\tsolver\tpca_file\tqe\tet\n")
        for row in cases:
            f.write("\t".join(row) + "\n")
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
    print(f"wrote {len(cases)} cases to {OUT} ({total / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
