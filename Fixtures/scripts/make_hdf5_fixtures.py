#!/usr/bin/env python3
"""Writes the HDF5 fixtures into Fixtures/hdf5/ with h5py (an HDF5 writer independent of mirror).

h5py_weights.h5  a valid mirror weight file as another tool would write it: float32, float64 and
                 float16 datasets under nested groups, a scalar, root attributes in several
                 spellings (vlen str, fixed-length bytes, float64 array, float64 scalar), and a
                 content_sha256 computed here with hashlib over the byte sequence in
                 Docs/FORMATS.md, so reading it checks mirror's hash against this independent one.
tampered.h5      the same file with conv1/kernel[0,0,0,0] changed and the hash left as it was.
odd_types.h5     objects a weight reader must reject or convert: int64, float16 and string
                 datasets, an empty dataset, and string/int/matrix attributes.

Values follow v[i] = ((i*37 + salt*11) % 101 - 50) / 8 (exact in float16/32/64) except
fc1000/bias = i/3 in float64 (not exact in float32, so the conversion rounding is exercised).
Run: /work/venv/bin/python Fixtures/scripts/make_hdf5_fixtures.py
"""
import hashlib
import os
import shutil
import struct

import h5py
import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hdf5")

# name, shape, dtype, salt (the Swift test keeps the same table)
DATASETS = [
    ("conv1/kernel", (3, 3, 3, 2), "<f4", 1),
    ("conv1/bias", (2,), "<f8", 2),
    ("bn_conv1/gamma", (2,), "<f4", 3),
    ("bn_conv1/moving_mean", (2,), "<f2", 4),
    ("res2a_branch2a/kernel", (1, 1, 2, 4), "<f4", 5),
    ("fc1000/kernel", (4, 3), "<f8", 6),
    ("global_scale", (), "<f4", 7),
]


def values(shape, dtype, salt):
    n = int(np.prod(shape)) if shape else 1
    i = np.arange(n)
    return (((i * 37 + salt * 11) % 101 - 50) / 8.0).astype(dtype).reshape(shape)


def content_sha256(tensors):
    """The byte sequence of Docs/FORMATS.md, built independently of mirror's Swift code."""
    h = hashlib.sha256()
    for name in sorted(tensors, key=lambda s: s.encode("utf-8")):
        a = np.asarray(tensors[name], dtype="<f4")
        h.update(struct.pack("<Q", len(name.encode("utf-8"))) + name.encode("utf-8"))
        h.update(struct.pack("<Q", a.ndim) + b"".join(struct.pack("<Q", d) for d in a.shape))
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def write_weights(path):
    tensors = {}
    with h5py.File(path, "w") as f:
        for name, shape, dtype, salt in DATASETS:
            f[name] = values(shape, dtype, salt)
            tensors[name] = f[name][()]
        f["fc1000/bias"] = np.arange(3, dtype="<f8") / 3.0
        tensors["fc1000/bias"] = f["fc1000/bias"][()]
        f.attrs["architecture"] = "tiny-test"
        f.attrs["mean"] = np.array([124.0, 117.0, 104.0])
        f.attrs["std"] = np.ones(3, dtype="<f4")
        f.attrs["channel_order"] = "RGB"
        f.attrs["bn_epsilon"] = 1.001e-5
        f.attrs["source"] = np.bytes_(b"h5py fixture (Fixtures/scripts/make_hdf5_fixtures.py)")
        f.attrs["content_sha256"] = content_sha256(tensors)


def write_odd_types(path):
    with h5py.File(path, "w") as f:
        f["ints"] = np.arange(6, dtype="<i8").reshape(2, 3) - 2
        f["half"] = np.array([0.5, -1.25, 65504.0, 2.0 ** -24], dtype="<f2")
        f["text"] = "not a tensor"
        f["empty"] = np.zeros((0, 3), dtype="<f4")
        f.attrs["fixed"] = np.bytes_(b"padded")
        f.attrs["vlen"] = "grüße"
        f.attrs["count"] = np.int32(7)
        f.attrs["matrix"] = np.ones((2, 2), dtype="<f4")


def main():
    os.makedirs(OUT, exist_ok=True)
    weights = os.path.join(OUT, "h5py_weights.h5")
    write_weights(weights)
    tampered = os.path.join(OUT, "tampered.h5")
    shutil.copyfile(weights, tampered)
    with h5py.File(tampered, "r+") as f:
        f["conv1/kernel"][0, 0, 0, 0] += 1
    write_odd_types(os.path.join(OUT, "odd_types.h5"))


if __name__ == "__main__":
    main()
