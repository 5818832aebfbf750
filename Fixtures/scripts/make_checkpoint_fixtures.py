#!/usr/bin/env python3
"""Writes the checkpoint-reader fixtures into Fixtures/checkpoints/ with TensorFlow and PyTorch.

Run (from the repository root; needs tensorflow-cpu, torch and numpy, only for this script):
    /work/venv/bin/python Fixtures/scripts/make_checkpoint_fixtures.py

Each fixture folder holds the checkpoint plus its expectation, written independently of mirror:
  expected.tsv  one row per tensor: name, dtype, shape, start, count[, extra columns]
  expected.npy  float32 1-D: every tensor's values, read back by TensorFlow/PyTorch themselves,
                cast to float32 (NumPy astype: round-to-nearest-even) and concatenated in row order
                (rows [start, start+count)). String tensors have count 0 and hex-encoded elements.

TensorFlow fixtures (all values from numpy.random.default_rng with fixed seeds):
  tf_resnet50_thin/   tf.compat.v1.train.Saver, the seed's 266 ResNet-50 names and ranks with tiny
                      channel counts (conv1 biased) + global_step=720000 + Momentum slots;
                      `checkpoint` file with a relative model_checkpoint_path.
  tf_googlenet_thin/  Saver, the seed's 120 GoogLeNet names + global_step, Adam slots,
                      beta1_power/beta2_power and an ExponentialMovingAverage shadow.
  tf_worked_example/  Saver, the 9-entry 369-byte index whose bytes SPEC §6.2 quotes.
  tf_dtypes/          raw SaveV2: float specials, double, half, bfloat16, int8/16/32/64, uint8,
                      bool, string vector and scalar, empty and rank-5 tensors.
  tf_sharded/         three SaveV2 shards merged by MergeV2Checkpoints (what Saver(sharded=True)
                      does): 3 data files and an index with more than one ~256 KiB data block.
PyTorch fixtures:
  torch_zip/zip_sd.pth        torch.save (zip): transposed (HWIO-stored) conv, transposed fc,
                              storage-offset views sharing one storage, an expanded (stride 0)
                              view, a Parameter, int/bool/half/bfloat16/double tensors, _metadata.
  torch_legacy/legacy_sd.pth  torch.save(..., _use_new_zipfile_serialization=False), same kinds.
"""
import collections
import os
import shutil
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402
import torch  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "checkpoints")


def fresh(folder):
    path = os.path.join(ROOT, folder)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def write_expected(folder, rows):
    """rows: (name, dtype, shape, values-or-None, strings-or-None, extra-columns)."""
    blob, lines, start = [], [], 0
    for name, dtype, shape, values, strings, extra in rows:
        shape_text = ",".join(str(d) for d in shape)
        if strings is not None:
            cols = [name, dtype, shape_text, str(start), "0", ",".join(s.hex() for s in strings)]
        else:
            with np.errstate(over="ignore"):  # 1e300 → inf, as a float32 cast should
                flat = np.asarray(values).astype(np.float32).reshape(-1)
            blob.append(flat)
            cols = [name, dtype, shape_text, str(start), str(flat.size)]
            start += flat.size
        lines.append("\t".join(cols + list(extra)))
    data = np.concatenate(blob) if blob else np.zeros(0, np.float32)
    np.save(os.path.join(folder, "expected.npy"), data.astype(np.float32))
    with open(os.path.join(folder, "expected.tsv"), "w") as f:
        f.write("# name\tdtype\tshape\tstart\tcount\t[strings hex | stride\tstorage_offset]"
                " (values: expected.npy[start:start+count], float32)\n")
        f.write("\n".join(lines) + "\n")


def expected_from_tf(folder, prefix):
    """Reads the checkpoint back with TensorFlow's own reader and records every tensor."""
    reader = tf.train.load_checkpoint(prefix)
    dtypes = reader.get_variable_to_dtype_map()
    shapes = reader.get_variable_to_shape_map()
    rows = []
    for name in sorted(dtypes, key=lambda s: s.encode()):
        dtype = dtypes[name]
        value = reader.get_tensor(name)
        if dtype == tf.string:
            elems = [value] if np.ndim(value) == 0 else list(np.asarray(value).reshape(-1))
            rows.append((name, dtype.name, shapes[name], None, [bytes(e) for e in elems], []))
        else:
            rows.append((name, dtype.name, shapes[name], np.asarray(value), None, []))
    write_expected(folder, rows)


# ---------------------------------------------------------------- seed-named TF checkpoints

def resnet50_thin_shapes():
    """The seed's ResNet-50 variables (SPEC §7) with channel counts 4 → C = 2, 2, 3, 4 per stage."""
    shapes = collections.OrderedDict()

    def bn(name, c):
        for p in ("gamma", "beta", "moving_mean", "moving_variance"):
            shapes[f"{name}/{p}"] = [c]

    shapes["conv1/kernel"] = [7, 7, 3, 4]
    shapes["conv1/bias"] = [4]
    bn("bn_conv1", 4)
    cin = 4
    for stage, (blocks, c) in zip((2, 3, 4, 5), ((3, 2), (4, 2), (6, 3), (3, 4))):
        for b in "abcdef"[:blocks]:
            block = f"{stage}{b}"
            if b == "a":
                shapes[f"res{block}_branch1/kernel"] = [1, 1, cin, 4 * c]
                bn(f"bn{block}_branch1", 4 * c)
            shapes[f"res{block}_branch2a/kernel"] = [1, 1, cin, c]
            bn(f"bn{block}_branch2a", c)
            shapes[f"res{block}_branch2b/kernel"] = [3, 3, c, c]
            bn(f"bn{block}_branch2b", c)
            shapes[f"res{block}_branch2c/kernel"] = [1, 1, c, 4 * c]
            bn(f"bn{block}_branch2c", 4 * c)
            cin = 4 * c
    assert len(shapes) == 266, len(shapes)
    return shapes


def googlenet_thin_shapes():
    """The seed's GoogLeNet variables (SPEC §7) with branch widths of 1–3 channels."""
    shapes = collections.OrderedDict()

    def conv(name, k, cin, cout):
        shapes[f"{name}/kernel"] = [k, k, cin, cout]
        shapes[f"{name}/bias"] = [cout]

    conv("conv1_7x7_s2", 7, 3, 4)
    conv("conv2_3x3_reduce", 1, 4, 4)
    conv("conv2_3x3", 3, 4, 6)
    cin = 6
    widths = {}
    for i, m in enumerate(("3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b")):
        w = (2 + i % 2, 1, 2, 1, 1 + i % 3 // 2, 1)  # 1x1, 3x3_reduce, 3x3, 5x5_reduce, 5x5, pool_proj
        p = f"inception_{m}"
        conv(f"{p}_1x1", 1, cin, w[0])
        conv(f"{p}_3x3_reduce", 1, cin, w[1])
        conv(f"{p}_3x3", 3, w[1], w[2])
        conv(f"{p}_5x5_reduce", 1, cin, w[3])
        conv(f"{p}_5x5", 5, w[3], w[4])
        conv(f"{p}_pool_proj", 1, cin, w[5])
        cin = w[0] + w[2] + w[4] + w[5]
        widths[m] = cin
    conv("inception_4a_loss", 3, widths["3b"], 2)
    conv("inception_4d_loss", 3, widths["4c"], 2)
    conv("inception_5b_loss", 1, widths["5b"], 2)
    assert len(shapes) == 120, len(shapes)
    return shapes


def save_seed_like(folder, shapes, step, seed, optimizer):
    out = fresh(folder)
    rng = np.random.default_rng(seed)
    graph = tf.Graph()
    with graph.as_default():
        variables = {}
        for name, shape in shapes.items():
            value = rng.standard_normal(shape).astype(np.float32)
            if name.endswith("moving_variance"):
                value = np.abs(value) + np.float32(0.5)
            variables[name] = tf.compat.v1.get_variable(name, initializer=value)
        global_step = tf.compat.v1.train.get_or_create_global_step()
        trained = [variables[n] for n in list(shapes)[:3]]
        loss = tf.add_n([tf.reduce_sum(tf.square(v)) for v in trained])
        if optimizer == "momentum":
            opt = tf.compat.v1.train.MomentumOptimizer(0.01, momentum=0.9)
            train = opt.minimize(loss, var_list=trained)
        else:
            opt = tf.compat.v1.train.AdamOptimizer(0.01)
            train = opt.minimize(loss, var_list=trained)
            ema = tf.compat.v1.train.ExponentialMovingAverage(0.99)
            with tf.control_dependencies([train]):
                train = ema.apply([trained[1]])
        saver = tf.compat.v1.train.Saver(tf.compat.v1.global_variables(), save_relative_paths=True)
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            sess.run(train)
            sess.run(global_step.assign(step))
            prefix = saver.save(sess, os.path.join(out, "model.ckpt"), global_step=step,
                                write_meta_graph=False)
    expected_from_tf(out, prefix)
    return prefix


def save_worked_example():
    """The 9-entry, 369-byte index of SPEC §6.2's worked bytes: bn_conv1/* [4], conv1/bias [4],
    conv1/kernel [7,7,3,4], global_step and a string variable zz_str, saved by Saver."""
    out = fresh("tf_worked_example")
    rng = np.random.default_rng(5)
    graph = tf.Graph()
    with graph.as_default():
        for name in ("bn_conv1/beta", "bn_conv1/gamma", "bn_conv1/moving_mean", "bn_conv1/moving_variance",
                     "conv1/bias"):
            tf.compat.v1.get_variable(name, initializer=rng.standard_normal(4).astype(np.float32))
        tf.compat.v1.get_variable("conv1/kernel", initializer=rng.standard_normal((7, 7, 3, 4)).astype(np.float32))
        tf.compat.v1.train.get_or_create_global_step()
        tf.compat.v1.Variable(b"mirror", name="zz_str")
        saver = tf.compat.v1.train.Saver(tf.compat.v1.global_variables(), save_relative_paths=True)
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            prefix = saver.save(sess, os.path.join(out, "model.ckpt"), write_meta_graph=False)
    expected_from_tf(out, prefix)


# ---------------------------------------------------------------- raw SaveV2 checkpoints

def save_dtypes():
    out = fresh("tf_dtypes")
    rng = np.random.default_rng(7)
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1.4e-45, 3.4028235e38,
                         1.1754944e-38, 1.0, -2.5], dtype=np.float32)
    tensors = {
        "float/specials": tf.constant(specials),
        "float/scalar": tf.constant(np.float32(3.25)),
        "float/rank5": tf.constant(rng.standard_normal((2, 1, 3, 2, 2)).astype(np.float32)),
        "float/empty": tf.constant(np.zeros((0, 3), np.float32)),
        "double/values": tf.constant(np.concatenate([
            rng.standard_normal(6), [1e300, -1e300, 1e-320, np.pi, 0.1, np.nan]]).astype(np.float64)),
        "half/values": tf.constant(np.array(
            [0.0, -0.0, 65504.0, -65504.0, 6e-8, 6.1e-5, np.inf, -np.inf, 0.333, -1.5, 1024.0],
            dtype=np.float16)),
        "bfloat16/values": tf.cast(tf.constant(np.array(
            [0.0, -0.0, 1.0, -3.0, 3.0e38, 1e-40, np.inf, 0.1, 255.5], dtype=np.float32)), tf.bfloat16),
        "int32/values": tf.constant(np.array([0, 1, -1, 2**31 - 1, -2**31, 16777217], dtype=np.int32)),
        "int64/values": tf.constant(np.array([0, -7, 2**24 + 1, 2**53 + 1, 2**63 - 1, -2**63],
                                             dtype=np.int64)),
        "int64/step": tf.constant(np.int64(720000)),
        "int16/values": tf.constant(np.array([-32768, 32767, 5], dtype=np.int16)),
        "int8/values": tf.constant(np.array([-128, 127, 0, -1], dtype=np.int8)),
        "uint8/values": tf.constant(np.array([0, 1, 254, 255], dtype=np.uint8).reshape(2, 2)),
        "bool/values": tf.constant(np.array([True, False, True])),
        "string/vector": tf.constant([b"mirror", b"", b"\x00\xffbytes" * 30]),
        "string/scalar": tf.constant(b"model_checkpoint_path"),
    }
    names = sorted(tensors)
    tf.raw_ops.SaveV2(prefix=os.path.join(out, "dtypes"), tensor_names=names,
                      shape_and_slices=[""] * len(names), tensors=[tensors[n] for n in names])
    expected_from_tf(out, os.path.join(out, "dtypes"))


def save_sharded():
    """Three shards merged by MergeV2Checkpoints, and enough long keys for several index blocks."""
    out = fresh("tf_sharded")
    prefix = os.path.join(out, "sharded")
    temp = os.path.join(out, "sharded_temp", "part")
    rng = np.random.default_rng(11)
    names = []
    for i in range(1800):
        tag = int(rng.integers(0, 2**62)).to_bytes(8, "little").hex() * 10  # 160 chars, few shared
        names.append(f"layer_{tag[:16]}/{tag}/kernel_{i}")
    values = {n: rng.standard_normal(int(rng.integers(1, 5))).astype(np.float32) for n in names}
    values["big/kernel"] = rng.standard_normal((64, 256)).astype(np.float32)  # 64 KiB
    values["global_step"] = np.int64(31)
    ordered = sorted(values)
    groups = [ordered[0::3], ordered[1::3], ordered[2::3]]
    parts = []
    for shard, group in enumerate(groups):
        part = tf.raw_ops.ShardedFilename(basename=temp, shard=shard, num_shards=len(groups))
        tf.raw_ops.SaveV2(prefix=part, tensor_names=group, shape_and_slices=[""] * len(group),
                          tensors=[tf.constant(values[n]) for n in group])
        parts.append(part)
    tf.raw_ops.MergeV2Checkpoints(checkpoint_prefixes=tf.stack(parts), destination_prefix=prefix,
                                  delete_old_dirs=True)
    shutil.rmtree(os.path.dirname(temp), ignore_errors=True)
    expected_from_tf(out, prefix)


# ---------------------------------------------------------------- PyTorch state dicts

def torch_state_dict(seed, kind):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, bias=False), torch.nn.BatchNorm2d(4),
                                torch.nn.Flatten(), torch.nn.Linear(6, 5))
    sd = model.state_dict()  # an OrderedDict carrying _metadata (pickled via BUILD)
    hwio = torch.randn(3, 3, 3, 4)
    sd["0.weight"] = hwio.permute(3, 2, 0, 1)  # (O,I,kh,kw) view of HWIO storage, like lite0
    sd["3.weight"] = torch.randn(6, 5).t()  # (5,6) with stride (1,5), like lite0's _fc.weight
    sd["1.num_batches_tracked"] = torch.tensor(7, dtype=torch.int64)
    base = torch.randn(4, 5)
    sd["shared.base"] = base
    sd["shared.row"] = base[2]  # storage offset 10
    sd["shared.col"] = base[1:, 3]  # offset 8, stride (5,)
    sd["half.t"] = torch.randn(3, 2).half().t()
    sd["double"] = torch.randn(4, dtype=torch.float64) * 1e10
    sd["int32"] = torch.tensor([-5, 0, 2**31 - 1], dtype=torch.int32)
    sd["long"] = torch.tensor([2**53 + 1, -3], dtype=torch.int64)
    sd["bool"] = torch.tensor([True, False, True])
    sd["uint8"] = torch.tensor([0, 7, 255], dtype=torch.uint8)
    if kind == "zip":
        sd["bf16"] = torch.tensor([1.0, -2.5, 3e38, 0.1]).bfloat16()
        sd["int8"] = torch.tensor([-128, 127], dtype=torch.int8)
        sd["expanded"] = torch.arange(3.0).expand(2, 3)  # stride (0, 1)
        sd["param"] = torch.nn.Parameter(torch.randn(2))  # _rebuild_parameter
        sd["empty"] = torch.zeros(0, 3)
    return sd


def expected_from_torch(folder, path):
    sd = torch.load(path, weights_only=True)
    rows = []
    for name, t in sd.items():
        t = t.detach()
        rows.append((name, str(t.dtype).replace("torch.", ""), list(t.shape),
                     t.to(torch.float32).contiguous().numpy(), None,
                     [",".join(str(s) for s in t.stride()), str(t.storage_offset())]))
    write_expected(folder, rows)


def save_torch():
    out = fresh("torch_zip")
    path = os.path.join(out, "zip_sd.pth")
    torch.save(torch_state_dict(3, "zip"), path)
    expected_from_torch(out, path)

    out = fresh("torch_legacy")
    path = os.path.join(out, "legacy_sd.pth")
    torch.save(torch_state_dict(4, "legacy"), path, _use_new_zipfile_serialization=False)
    expected_from_torch(out, path)


def main():
    os.makedirs(ROOT, exist_ok=True)
    save_seed_like("tf_resnet50_thin", resnet50_thin_shapes(), 720000, 1, "momentum")
    save_seed_like("tf_googlenet_thin", googlenet_thin_shapes(), 5, 2, "adam")
    save_worked_example()
    save_dtypes()
    save_sharded()
    save_torch()
    total = 0
    for dirpath, _, files in os.walk(ROOT):
        for f in files:
            total += os.path.getsize(os.path.join(dirpath, f))
    print(f"wrote {ROOT} ({total} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
