#!/usr/bin/env python3
"""Reference values for `mirror train`'s objective and solver (SPEC §8.5–8.6), from a float64
NumPy transcription written here from the SPEC, independent of the Swift code.

Losses: for a few seeded batches of pooled triplet features (float32 [B, C] anchors, positives,
negatives) the script evaluates, unweighted,
  - the softmin loss of the seed's `softmin_loss_layer`: D = sqrt(|a|^2 - 2 a.p + |p|^2 + 1e-6)
    as full B x B matrices, the column and row terms softplus(clip(d_j - D, -10, 10)) with
    log 2 subtracted on the diagonal, /(B-1), mean over k of col_k + row_k; the weak term on
    D(a, n); the hard term mean_i softplus(clip(d_i - sqrt(|a_i - n_i|^2 + 1e-6))); accuracies
    counting clipped arguments > 0;
  - the hinge loss of the seed's `hinge_loss_layer`: L2-normalised features
    (x / sqrt(max(|x|^2, 1e-12))), squared distances in the expanded form, max(0.5 + d_j - S, 0)
    with the diagonal set to 0, the mean halved; hard term = max_i of max(0.5 + S_ii - |a_i - n_i|^2, 0);
    accuracies counting nonzero entries.
Each case is checked to be robust: no argument lies within 1e-6 of a point where the count or the
clip changes (0 and +-10 for softmin, -0.5 for hinge), so float rounding cannot change a count.

Solver: a few steps of TF's MomentumOptimizer and AdamOptimizer update rules (float64) on fixed
data gradients, with the continuous exponential learning-rate decay, weight decay wd*w added to
the gradient and a 10x learning-rate multiplier on the second parameter.

Run (repository root): /work/venv/bin/python Fixtures/scripts/make_softmin_loss_fixtures.py
Writes Fixtures/loss/: <case>.{anchors,positives,negatives}.npy (float32), expected.tsv, and
optimizer.{initial,gradients,multipliers}.npy (float32) with optimizer.{momentum,adam}.npy
(float64). NumPy only; the output is byte-identical from run to run.
"""
import os
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "Fixtures", "loss")
CLIP = 10.0
EPS = 1e-6
MARGIN = 0.5
ROBUST = 1e-6


def softplus(x):
    return np.log(np.exp(x) + 1.0)


def check_robust(args, kinks, what):
    for k in kinks:
        gap = np.min(np.abs(args - k))
        assert gap > ROBUST, f"{what}: an argument lies {gap:.3g} from {k}; choose another seed"


def softmin_structured(dist, what):
    """Structured softmin term on a B x B distance matrix: (loss, accuracy, violations)."""
    b = dist.shape[0]
    diag = np.diag(dist)
    col_args = diag[np.newaxis, :] - dist          # [i, j] = d_j - D[i, j]
    row_args = diag[:, np.newaxis] - dist          # [i, j] = d_i - D[i, j]
    off = ~np.eye(b, dtype=bool)
    check_robust(col_args[off], [0.0, CLIP, -CLIP], what)
    check_robust(row_args[off], [0.0, CLIP, -CLIP], what)
    col_clipped = np.clip(col_args, -CLIP, CLIP)
    row_clipped = np.clip(row_args, -CLIP, CLIP)
    violations = int(np.count_nonzero(np.maximum(col_clipped, 0)) + np.count_nonzero(np.maximum(row_clipped, 0)))
    omit = np.diag(np.full(b, np.log(2.0)))
    col_loss = (softplus(col_clipped) - omit).sum(axis=0) / (b - 1.0)
    row_loss = (softplus(row_clipped) - omit).sum(axis=1) / (b - 1.0)
    loss = np.mean(col_loss + row_loss)
    accuracy = 1.0 - violations / b / (b - 1) / 2.0
    return loss, accuracy, violations


def softmin(a, p, n, what):
    b = a.shape[0]
    na = (a * a).sum(axis=1)[:, np.newaxis]
    np_ = (p * p).sum(axis=1)[np.newaxis, :]
    nn = (n * n).sum(axis=1)[np.newaxis, :]
    easy_dist = np.sqrt(na - 2.0 * a @ p.T + np_ + EPS)
    weak_dist = np.sqrt(na - 2.0 * a @ n.T + nn + EPS)
    easy = softmin_structured(easy_dist, what + " easy")
    weak = softmin_structured(weak_dist, what + " weak")
    hard_args = np.diag(easy_dist) - np.sqrt(((a - n) ** 2).sum(axis=1) + EPS)
    check_robust(hard_args, [0.0, CLIP, -CLIP], what + " hard")
    clipped = np.clip(hard_args, -CLIP, CLIP)
    hard_violations = int(np.count_nonzero(np.maximum(clipped, 0)))
    hard = (np.mean(softplus(clipped)), 1.0 - 1.0 * hard_violations / b, hard_violations)
    clip_count = int(np.sum(np.abs(easy_dist.diagonal()[np.newaxis, :] - easy_dist) > CLIP))
    return easy, weak, hard, clip_count


def hinge_structured(dist, what):
    b = dist.shape[0]
    diag = np.diag(dist)
    off = ~np.eye(b, dtype=bool)
    col_args = MARGIN + diag[np.newaxis, :] - dist
    row_args = MARGIN + diag[:, np.newaxis] - dist
    check_robust(col_args[off], [0.0], what)
    check_robust(row_args[off], [0.0], what)
    col = np.maximum(col_args, 0.0)
    row = np.maximum(row_args, 0.0)
    np.fill_diagonal(col, 0.0)
    np.fill_diagonal(row, 0.0)
    violations = int(np.count_nonzero(col) + np.count_nonzero(row))
    loss = np.mean(col.sum(axis=0) / (b - 1.0) + row.sum(axis=1) / (b - 1.0)) / 2.0
    accuracy = 1.0 - violations / b / (b - 1) / 2.0
    return loss, accuracy, violations


def l2_normalize(x):
    return x / np.sqrt(np.maximum((x * x).sum(axis=1, keepdims=True), 1e-12))


def hinge(a, p, n, what):
    a, p, n = l2_normalize(a), l2_normalize(p), l2_normalize(n)
    b = a.shape[0]
    na = (a * a).sum(axis=1)[:, np.newaxis]
    easy_sq = na - 2.0 * a @ p.T + (p * p).sum(axis=1)[np.newaxis, :]
    weak_sq = na - 2.0 * a @ n.T + (n * n).sum(axis=1)[np.newaxis, :]
    easy = hinge_structured(easy_sq, what + " easy")
    weak = hinge_structured(weak_sq, what + " weak")
    hard_args = MARGIN + np.diag(easy_sq) - ((a - n) ** 2).sum(axis=1)
    check_robust(hard_args, [0.0], what + " hard")
    per_triplet = np.maximum(hard_args, 0.0)
    top = np.sort(per_triplet)[-2:]
    assert top[1] == 0.0 or top[1] - top[0] > ROBUST, what + " hard: tied maximum"
    hard_violations = int(np.count_nonzero(per_triplet))
    hard = (np.max(per_triplet), 1.0 - 1.0 * hard_violations / b, hard_violations)
    return easy, weak, hard


def features(rng, b, c, row_scales, nonnegative):
    """float32 [b, c]; row i scaled by row_scales[i % len] so that some differences clip."""
    x = rng.uniform(0.0 if nonnegative else -1.0, 1.0, size=(b, c))
    scales = np.array([row_scales[i % len(row_scales)] for i in range(b)])[:, np.newaxis]
    return (x * scales).astype(np.float32)


# name, seed, B, C, row scales, non-negative (like ReLU'd max-pooled maps); the scales make
# distance differences beyond +-10 in the "clip" cases so the clip is exercised.
CASES = [
    ("b2_c4_small", 11, 2, 4, [1.0], False),
    ("b3_c6_clip", 12, 3, 6, [1.0, 6.0, 14.0], True),
    ("b8_c16_mixed", 13, 8, 16, [0.5, 2.0, 5.0, 9.0], False),
    ("b8_c32_relu_clip", 14, 8, 32, [1.0, 3.0, 8.0], True),
    ("b16_c48_relu", 15, 16, 48, [1.0, 1.5, 2.0], True),
]


def write_losses(lines):
    for name, seed, b, c, scales, nonneg in CASES:
        rng = np.random.default_rng(seed)
        a = features(rng, b, c, scales, nonneg)
        p = features(rng, b, c, scales[::-1], nonneg)
        n = features(rng, b, c, scales, nonneg)
        for role, x in (("anchors", a), ("positives", p), ("negatives", n)):
            np.save(os.path.join(OUT, f"{name}.{role}.npy"), x)
        a64, p64, n64 = a.astype(np.float64), p.astype(np.float64), n.astype(np.float64)
        easy, weak, hard, clipped = softmin(a64, p64, n64, name + " softmin")
        if "clip" in name:
            assert clipped > 0, name + ": no clipped easy argument"
        lines.append(row(name, "softmin", b, c, easy, weak, hard))
        lines.append(row(name, "hinge", b, c, *hinge(a64, p64, n64, name + " hinge")))
        print(f"{name}: softmin easy {easy[0]:.6f} ({clipped} clipped), acc {easy[1]:.4f}")


def row(name, loss, b, c, easy, weak, hard):
    cells = [name, loss, str(b), str(c)]
    for value, accuracy, violations in (easy, weak, hard):
        cells += [repr(float(value)), repr(float(accuracy)), str(violations)]
    return "\t".join(cells)


# Solver fixture: parameter 0 ("conv1/kernel", 5 values, lr x1) and 1
# ("inception_5b_loss/kernel", 3 values, lr x10), 4 steps; the Swift test hard-codes the same
# hyperparameters.
BASE_LR, GAMMA, STEPVALUE = 0.01, 0.5, 2
WEIGHT_DECAY, MOMENTUM = 0.01, 0.9
BETA1, BETA2, ADAM_EPS = 0.9, 0.999, 1e-8
STEPS = 4


def write_solver():
    rng = np.random.default_rng(21)
    initial = rng.uniform(-1.0, 1.0, size=8).astype(np.float32)
    gradients = rng.uniform(-0.5, 0.5, size=(STEPS, 8)).astype(np.float32)
    multipliers = np.array([1.0] * 5 + [10.0] * 3, dtype=np.float32)
    np.save(os.path.join(OUT, "optimizer.initial.npy"), initial)
    np.save(os.path.join(OUT, "optimizer.gradients.npy"), gradients)
    np.save(os.path.join(OUT, "optimizer.multipliers.npy"), multipliers)

    def lr(step):
        return BASE_LR * GAMMA ** (step / STEPVALUE)

    w = initial.astype(np.float64)
    acc = np.zeros(8)
    momentum = []
    for step in range(STEPS):
        g = gradients[step].astype(np.float64) + WEIGHT_DECAY * w
        acc = MOMENTUM * acc + g
        w = w - lr(step) * multipliers * acc
        momentum.append(w.copy())
    np.save(os.path.join(OUT, "optimizer.momentum.npy"), np.array(momentum))

    w = initial.astype(np.float64)
    m, v = np.zeros(8), np.zeros(8)
    adam = []
    for step in range(STEPS):
        t = step + 1
        g = gradients[step].astype(np.float64) + WEIGHT_DECAY * w
        m = BETA1 * m + (1 - BETA1) * g
        v = BETA2 * v + (1 - BETA2) * g * g
        lr_t = lr(step) * multipliers * np.sqrt(1 - BETA2 ** t) / (1 - BETA1 ** t)
        w = w - lr_t * m / (np.sqrt(v) + ADAM_EPS)
        adam.append(w.copy())
    np.save(os.path.join(OUT, "optimizer.adam.npy"), np.array(adam))


def main():
    os.makedirs(OUT, exist_ok=True)
    header = ["case", "loss", "B", "C"]
    for term in ("easy", "weak", "hard"):
        header += [term, term + "_accuracy", term + "_violations"]
    lines = ["\t".join(header)]
    write_losses(lines)
    with open(os.path.join(OUT, "expected.tsv"), "w") as f:
        f.write("\n".join(lines) + "\n")
    write_solver()


if __name__ == "__main__":
    main()
