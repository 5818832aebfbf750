#!/usr/bin/env python3
"""Writes the preprocessing parity fixtures into Fixtures/preprocess/ with TensorFlow as reference.

What it reproduces (SPEC §1.1–1.5): the seed's `center_crop_preserving_aspect(img_size=S)` —
decode with TF's IFAST JPEG decoder, float32 target size with ceil, TF1 legacy bilinear resize
(align_corners=False, no half-pixel centres), integer-floor centre crop — then `data_preprocess`
(subtract the RGB mean [124,117,104]) and `multi_scale_feature`'s legacy resizes of the
mean-subtracted crop to S//2 and S//4.

Outputs (all small; see Docs/FIXTURES.md, section "Preprocessing parity"):
  <image>.jpg|.png           source photos cut from scikit-image's bundled data (CC0 / public domain)
  <image>.pixels.npy         uint8 [H,W,3]: TF's decode of those bytes (what the seed's graph sees)
  positions.<n>.npy          int32 [K]: fixed flat indices into an [n,n,3] tensor (corners + random)
  <image>.s<S>.values.npy    float32 [levels,K]: TF's values at positions.<n_level> per scale level
  <image>.s<S>.stats.npy     float64 [levels,5]: sum, sum of squares, mean R, mean G, mean B
  manifest.tsv               one row per (image, S): geometry, level sizes, zlib CRC-32 of each
                             level's full float32 tensor (little-endian bytes, C order)

Run:  /work/venv/bin/python Fixtures/scripts/make_preprocess_fixtures.py [--rebuild-images]
Without --rebuild-images the committed photos are reused (so references never drift with Pillow).
"""
import argparse
import io
import os
import zlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import tensorflow as tf
from PIL import Image
import skimage.data

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "preprocess")
MEAN = np.array([124.0, 117.0, 104.0], dtype=np.float32)  # the seed's spec.mean, RGB
SAMPLES = 1024  # values kept per scale level; full tensors are covered by stats + hash

# name, file, skimage source, crop box (top, left, height, width) or None, output (H, W), mode.
# Short sides 102 and 104 take the float32 ceil to S+1 for S = 896, 448 and 224 (SPEC §1.2).
IMAGES = [
    ("chelsea_landscape", "jpg", "chelsea", None, (97, 146), "RGB"),
    ("astronaut_portrait", "jpg", "astronaut", (0, 110, 512, 300), (160, 94), "RGB"),
    ("coffee_square", "jpg", "coffee", (0, 100, 400, 400), (112, 112), "RGB"),
    ("rocket_short102", "jpg", "rocket", None, (102, 153), "RGB"),
    ("camera_gray", "jpg", "camera", (100, 0, 384, 512), (90, 120), "L"),
    ("coffee_cmyk", "jpg", "coffee", None, (88, 132), "CMYK"),
    ("astronaut_narrow104", "png", "astronaut", (0, 120, 512, 383), (139, 104), "RGB"),
]
# S values per image: the seed's 896 (three scales) and 224 (one scale), 448 (two scales) once,
# and 64, which no seed run uses but which exercises the downscaling branch of the same kernel.
SIZES = {name: [896, 224, 64] for name, *_ in IMAGES}
SIZES["chelsea_landscape"].insert(1, 448)
# The seed's multi_scale_feature: 896/1024 → 3 scales, 448 → 2, 224 → 1 (else NotImplementedError).
SCALE_COUNT = {896: 3, 1024: 3, 448: 2, 224: 1}


def make_image(name, ext, source, box, size, mode):
    pixels = getattr(skimage.data, source)()
    if box is not None:
        top, left, h, w = box
        pixels = pixels[top:top + h, left:left + w]
    img = Image.fromarray(pixels).convert("RGB").resize((size[1], size[0]), Image.LANCZOS)
    path = os.path.join(OUT, f"{name}.{ext}")
    if ext == "png":
        img.save(path, "PNG", optimize=True)
    else:
        img.convert(mode).save(path, "JPEG", quality=90)  # CMYK: Pillow writes an Adobe marker
    return path


def decode(path):
    data = tf.io.read_file(path)
    if path.endswith(".png"):
        return tf.io.decode_png(data, channels=3)
    # The seed's decode_jpeg default dct_method '' is libjpeg IFAST (SPEC §1.1).
    return tf.io.decode_jpeg(data, channels=3, dct_method="INTEGER_FAST")


def target_geometry(height, width, size):
    """SPEC §1.2 in NumPy float32 — and, as a cross-check, in TF ops as the seed's graph does it."""
    h, w = np.float32(height), np.float32(width)
    r = np.float32(size) / min(h, w)
    rh, rw = int(np.ceil(np.float32(h * r))), int(np.ceil(np.float32(w * r)))
    th, tw = tf.cast(height, tf.float32), tf.cast(width, tf.float32)
    tr = size / tf.minimum(th, tw)  # Python int / float32 tensor → float32 division
    assert (rh, rw) == (int(tf.math.ceil(th * tr)), int(tf.math.ceil(tw * tr))), (height, width, size)
    return rh, rw, (rh - size) // 2, (rw - size) // 2


def legacy_resize(x, h, w):
    return tf.compat.v1.image.resize_bilinear(x[None], [h, w], align_corners=False,
                                              half_pixel_centers=False)[0].numpy()


def crc32(array):
    """zlib CRC-32 of the float32 tensor's little-endian bytes in C order (bit-exactness check)."""
    return f"{zlib.crc32(np.ascontiguousarray(array, dtype='<f4').tobytes()):08x}"


def positions(n):
    """Corner pixels (all channels) plus fixed pseudo-random flat indices into [n,n,3], sorted."""
    total = n * n * 3
    corners = [((y * n + x) * 3 + c) for y in (0, n - 1) for x in (0, n - 1) for c in range(3)]
    rng = np.random.default_rng(20181202 + n)
    rest = rng.choice(np.setdiff1d(np.arange(total), corners), SAMPLES - len(corners), replace=False)
    return np.sort(np.concatenate([corners, rest])).astype(np.int32)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild-images", action="store_true",
                        help="recreate the photos from skimage.data (changes every reference)")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    position_sets = {}
    rows = []
    for name, ext, source, box, size, mode in IMAGES:
        path = os.path.join(OUT, f"{name}.{ext}")
        if args.rebuild_images or not os.path.exists(path):
            make_image(name, ext, source, box, size, mode)
        pixels = decode(path)
        np.save(os.path.join(OUT, f"{name}.pixels.npy"), pixels.numpy())
        height, width = int(pixels.shape[0]), int(pixels.shape[1])
        for s in SIZES[name]:
            rh, rw, top, left = target_geometry(height, width, s)
            resized = legacy_resize(pixels, rh, rw)
            same = tf.compat.v1.image.resize_images(pixels, [rh, rw]).numpy()
            assert resized.dtype == np.float32 and np.array_equal(resized, same), "resize_images ≠ legacy"
            crop = resized[top:top + s, left:left + s] - MEAN
            levels = [crop]
            for i in range(SCALE_COUNT.get(s, 1) - 1):
                n = s // ((i + 1) * 2)
                scaled = legacy_resize(crop, n, n)
                step = s // n
                assert np.array_equal(scaled, crop[::step, ::step]), "multi-scale is not decimation"
                levels.append(scaled)
            values, stats, hashes = [], [], []
            for level in levels:
                n = level.shape[0]
                if n not in position_sets:
                    position_sets[n] = positions(n)
                    np.save(os.path.join(OUT, f"positions.{n}.npy"), position_sets[n])
                values.append(level.reshape(-1)[position_sets[n]])
                f64 = level.astype(np.float64)
                stats.append([f64.sum(), (f64 * f64).sum(), *f64.reshape(-1, 3).mean(axis=0)])
                hashes.append(crc32(level))
            np.save(os.path.join(OUT, f"{name}.s{s}.values.npy"), np.stack(values).astype(np.float32))
            np.save(os.path.join(OUT, f"{name}.s{s}.stats.npy"), np.array(stats, dtype=np.float64))
            rows.append([name, f"{name}.{ext}", s, height, width, rh, rw, top, left,
                         ",".join(str(level.shape[0]) for level in levels), ",".join(hashes)])
            print(f"{name:22s} {height}x{width} S={s}: resized {rh}x{rw} crop at ({top},{left}) "
                  f"levels {[level.shape[0] for level in levels]}")
    with open(os.path.join(OUT, "manifest.tsv"), "w") as f:
        f.write("# image\tfile\tsize\theight\twidth\tresized_height\tresized_width\ttop\tleft"
                "\tlevel_sizes\tlevel_crc32\n")
        for row in rows:
            f.write("\t".join(str(v) for v in row) + "\n")


if __name__ == "__main__":
    main()
