#!/usr/bin/env python3
"""Writes PyTorch's max-pool gradients with ties into Fixtures/backward/ for the Swift engines.

Why: mirror's maxPoolBackward sends each output cell's gradient to the FIRST maximum of its
window in scan order (ky, then kx); this is PyTorch's max_pool2d rule, and these fixtures pin it
on inputs with many equal values. Inputs are small integers (lots of ties, all exact in float32),
output gradients are small integers too, so every accumulated gradient is an exact float32
integer and the Swift test compares exactly, whatever the summation order.

Padding that PyTorch's max_pool2d cannot express (TF SAME's asymmetric pads, explicit pads) is
applied first with F.pad(value=-inf), so padded cells never win, as in mirror. Arrays are stored
NHWC (mirror's layout); manifest.tsv lists each case's window, stride, mirror padding and the
pads applied here (for SAME, the Swift test checks them against Padding.resolve).

Run: /work/venv/bin/python Fixtures/scripts/make_pool_backward_fixtures.py   (torch 2.x, numpy)
"""
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "backward")


def same_pads(size, window, stride):
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def case(name, shape, window, stride, padding, low, high, seed, pads=None):
    n, h, w, c = shape
    if padding == "same":
        top, bottom = same_pads(h, window, stride)
        left, right = same_pads(w, window, stride)
    elif padding == "valid":
        top = bottom = left = right = 0
    else:
        top, bottom, left, right = pads
    rng = np.random.default_rng(seed)
    x_nhwc = rng.integers(low, high + 1, size=shape).astype(np.float32)
    x = torch.tensor(x_nhwc.transpose(0, 3, 1, 2).copy(), requires_grad=True)  # NCHW, contiguous
    padded = F.pad(x, (left, right, top, bottom), value=-math.inf)
    y = F.max_pool2d(padded, kernel_size=window, stride=stride)
    g = torch.tensor(rng.integers(-3, 4, size=tuple(y.shape)).astype(np.float32))
    y.backward(g)
    arrays = {
        "input": x_nhwc,
        "output": y.detach().numpy().transpose(0, 2, 3, 1),
        "grad_output": g.numpy().transpose(0, 2, 3, 1),
        "grad_input": x.grad.numpy().transpose(0, 2, 3, 1),
    }
    for key, value in arrays.items():
        np.save(os.path.join(OUT, f"maxpool_{name}_{key}.npy"), np.ascontiguousarray(value, dtype=np.float32))
    return f"{name}\t{window}\t{stride}\t{padding}\t{top}\t{bottom}\t{left}\t{right}"


def main():
    os.makedirs(OUT, exist_ok=True)
    rows = [
        # ResNet's pool1 geometry on odd sizes: SAME pads (1,1) rows, (0,1) columns.
        case("same_3x3_s2", (2, 9, 8, 5), 3, 2, "same", 0, 3, 1),
        # Overlapping windows on a 0/1 input: nearly every window is a tie.
        case("same_3x3_s1", (1, 7, 6, 4), 3, 1, "same", 0, 1, 2),
        # VALID with a column a stride skips.
        case("valid_2x2_s2", (1, 6, 7, 3), 2, 2, "valid", -1, 1, 3),
        # Explicit asymmetric pads on all-negative values: a zero-padding bug would win.
        case("explicit_3x3_s2", (1, 7, 6, 3), 3, 2, "explicit", -4, -1, 4, pads=(1, 0, 0, 2)),
        # SAME 4x4 (pads (1,2)) and a whole-map window.
        case("same_4x4_s1", (1, 5, 6, 2), 4, 1, "same", 0, 2, 5),
        case("valid_7x7_s1", (1, 7, 7, 4), 7, 1, "valid", 0, 2, 6),
    ]
    with open(os.path.join(OUT, "manifest.tsv"), "w") as f:
        f.write("case\twindow\tstride\tpadding\ttop\tbottom\tleft\tright\n")
        f.write("\n".join(rows) + "\n")
    print(f"wrote {len(rows)} cases to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
