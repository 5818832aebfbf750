#!/usr/bin/env python3
"""Writes the .npy reader fixtures into Fixtures/npy/ with NumPy itself.

Every array holds the values v[i] = (i*37 % 101) - 50 + i/4 (i = C-order flat index), cast to
its dtype, so the Swift test recomputes the expectation from the same formula. Versions 1.0,
2.0 and 3.0 are forced through numpy.lib.format; Fortran order, big-endian, 1-D, scalar and
3-D cases are included. Run: python3 Fixtures/scripts/make_npy_fixtures.py
"""
import os
import numpy as np
from numpy.lib import format as npformat

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "npy")


def values(shape, dtype):
    n = int(np.prod(shape)) if shape else 1
    i = np.arange(n, dtype=np.float64)
    v = (np.arange(n) * 37 % 101) - 50 + i / 4
    if np.dtype(dtype).kind in "iu":
        v = np.floor(v)
        if np.dtype(dtype).kind == "u":
            v = np.abs(v)
    return v.astype(dtype).reshape(shape)


def save(name, arr, version, fortran=False):
    if fortran:
        arr = np.asfortranarray(arr)
    path = os.path.join(OUT, name)
    with open(path, "wb") as f:
        npformat.write_array(f, arr, version=version)
    return name


def main():
    os.makedirs(OUT, exist_ok=True)
    rows = []
    cases = [
        ("f4_2x3_v1.npy", (2, 3), "<f4", (1, 0), False),
        ("f4_2048x3_v2.npy", (2048, 3), "<f4", (2, 0), False),
        ("f8_4x5_v3.npy", (4, 5), "<f8", (3, 0), False),
        ("f4_3x4x2_fortran_v1.npy", (3, 4, 2), "<f4", (1, 0), True),
        ("f8_5_v1.npy", (5,), "<f8", (1, 0), False),
        ("f4_scalar_v1.npy", (), "<f4", (1, 0), False),
        ("u1_7x3_v1.npy", (7, 3), "|u1", (1, 0), False),
        ("i8_2x2_v1.npy", (2, 2), "<i8", (1, 0), False),
        ("i4_3x2_fortran_v2.npy", (3, 2), "<i4", (2, 0), True),
        ("f4_be_2x3_v1.npy", (2, 3), ">f4", (1, 0), False),
        ("f2_6_v1.npy", (6,), "<f2", (1, 0), False),
        ("f4_0x4_v1.npy", (0, 4), "<f4", (1, 0), False),
    ]
    for name, shape, dtype, version, fortran in cases:
        save(name, values(shape, dtype), version, fortran)
        rows.append(f"{name}\t{dtype}\t{','.join(map(str, shape))}\t{version[0]}\t{int(fortran)}")
    with open(os.path.join(OUT, "manifest.tsv"), "w") as f:
        f.write("# file\tdescr\tshape\tversion\tfortran (values: (i*37 % 101) - 50 + i/4, C-order i, cast)\n")
        f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
