"""Reference training step of `mirror train` (SPEC §8.4-8.6) in PyTorch autograd.

Written from SPEC §2, §7, §8 and the brief of the training fixtures, independently of mirror's
Swift code and of the seed's TensorFlow code. Used by make_train_fixtures.py.

Parameters are held as {TF-style name: leaf tensor} in mirror's layouts (conv kernels HWIO
[kh, kw, in, out], depthwise [k, k, 1, C]); the graphs permute them to PyTorch's OIHW inside the
autograd graph, so gradients come out in HWIO directly. Activations are NCHW internally.

Graphs
  SeedResNet50(divisor)  the seed's ResNet-50 (SPEC §7) with every channel width / divisor; taps:
                         every conv's raw output (before its BN) under the conv's name.
  SeedGoogLeNet(divisor) the seed's GoogLeNet (SPEC §7) with every conv width / divisor,
                         including the auxiliary `inception_4a_loss`, `inception_4d_loss`
                         (3×3/2 SAME, biased, no ReLU) and `inception_5b_loss` (1×1, biased,
                         no ReLU); taps: every conv output (after ReLU where there is one).
  Lite0Graph             EfficientNet-Lite0 = netref_lite0.Lite0 fed with mirror-named HWIO
                         parameters; tap `head` (after head BN + ReLU6).

All BatchNorms are frozen (running statistics); TF SAME padding (extra pad bottom/right);
explicit pad 3 + VALID for the seed's 7×7/2 conv1; SAME max-pools pad with -inf.
"""
import math

import numpy as np
import torch
import torch.nn.functional as F

import netref_lite0 as lite
import netref_seed_tables as tables

SEED_BN_EPSILON = float(np.float32(1.001e-5))     # TF 1.x effective epsilon (SPEC §2), as float32
LRN_RADIUS, LRN_ALPHA, LRN_BETA, LRN_BIAS = 2, float(np.float32(2e-5)), 0.75, 1.0


# Optional recorder of the graph's non-smooth points (ReLU, ReLU6, max-pool windows): a list that
# receives (kind, input, output, k, s) tuples while set; see kink_margins().
PROBE = None


def _record(kind, x, y, k=0, s=0):
    if PROBE is not None and y.requires_grad:
        y.retain_grad()
        PROBE.append((kind, x, y, k, s))
    return y


# Optional perturbation for robustness studies: (torch.Generator, eps) adds eps * rms_c(y) * N(0, 1)
# to every conv, BN and LRN output (rms_c: the rms of the element's channel), imitating the
# rounding of another float32 implementation.
NOISE = None


def perturb(y):
    if NOISE is None:
        return y
    gen, eps = NOISE
    noise = torch.randn(y.shape, generator=gen, dtype=y.dtype)
    return y + eps * y.detach().pow(2).mean(dim=(0, 2, 3), keepdim=True).sqrt() * noise


def rectify(x):
    return _record("relu", x, F.relu(x))


def hwio_to_oihw(kernel):
    return kernel.permute(3, 2, 0, 1)


def same_pad(x, k, s, value=0.0):
    """TF SAME padding of an NCHW tensor for a k×k/s window: before = total // 2, rest after."""
    top, bottom = lite.same_pads(x.shape[-2], k, s)
    left, right = lite.same_pads(x.shape[-1], k, s)
    if top == bottom == left == right == 0:
        return x
    return F.pad(x, (left, right, top, bottom), value=value)


class SeedGraph:
    """Common pieces of the two seed nets: parameter table and layer helpers."""

    def __init__(self, divisor):
        self.divisor = divisor
        self.specs = []          # [(name, shape)] in creation order (the seed's)
        self.trainable = []      # names of kernels, biases, gammas, betas
        self._build_specs()

    def w(self, n):
        if n % self.divisor:
            raise ValueError(f"width {n} not divisible by {self.divisor}")
        return n // self.divisor

    def _add(self, name, shape, trainable=True):
        self.specs.append((name, tuple(int(d) for d in shape)))
        if trainable:
            self.trainable.append(name)

    def _conv_spec(self, name, k, cin, cout, biased):
        self._add(f"{name}/kernel", (k, k, cin, cout))
        if biased:
            self._add(f"{name}/bias", (cout,))

    def _bn_spec(self, name, c):
        self._add(f"{name}/gamma", (c,))
        self._add(f"{name}/beta", (c,))
        self._add(f"{name}/moving_mean", (c,), trainable=False)
        self._add(f"{name}/moving_variance", (c,), trainable=False)

    # --- ops ---
    @staticmethod
    def conv(P, x, name, stride, relu, biased, pad=None):
        kernel = P[f"{name}/kernel"]
        k = kernel.shape[0]
        x = F.pad(x, (pad,) * 4) if pad is not None else same_pad(x, k, stride)
        y = perturb(F.conv2d(x, hwio_to_oihw(kernel), P[f"{name}/bias"] if biased else None, stride=stride))
        return rectify(y) if relu else y

    @staticmethod
    def batch_norm(P, x, name, relu):
        y = F.batch_norm(x, P[f"{name}/moving_mean"], P[f"{name}/moving_variance"], P[f"{name}/gamma"],
                         P[f"{name}/beta"], training=False, eps=SEED_BN_EPSILON)
        y = perturb(y)
        return rectify(y) if relu else y

    @staticmethod
    def max_pool(x, k, s):
        padded = same_pad(x, k, s, value=-math.inf)
        return _record("max_pool", padded, F.max_pool2d(padded, k, s), k, s)

    @staticmethod
    def lrn(x):
        """TF local_response_normalization: x / (bias + alpha * sum_{|c'-c|<=r} x_c'^2)^beta."""
        c = x.shape[1]
        sq = F.pad((x * x).unsqueeze(1), (0, 0, 0, 0, LRN_RADIUS, LRN_RADIUS)).squeeze(1)
        window = sum(sq[:, d:d + c] for d in range(2 * LRN_RADIUS + 1))
        return perturb(x / (LRN_BIAS + LRN_ALPHA * window) ** LRN_BETA)


class SeedResNet50(SeedGraph):
    """Seed ResNet-50 (Caffe v1 layout) to pool5; conv taps are raw conv outputs before BN."""

    name = "resnet50"

    def _build_specs(self):
        stem = self.w(64)
        self._conv_spec("conv1", 7, 3, stem, biased=True)
        self._bn_spec("bn_conv1", stem)
        cin = stem
        for stage, letters, width, _ in tables.RESNET50_STAGES:
            width = self.w(width)
            for letter in letters:
                block = f"{stage}{letter}"
                if letter == "a":
                    self._conv_spec(f"res{block}_branch1", 1, cin, 4 * width, biased=False)
                    self._bn_spec(f"bn{block}_branch1", 4 * width)
                self._conv_spec(f"res{block}_branch2a", 1, cin, width, biased=False)
                self._bn_spec(f"bn{block}_branch2a", width)
                self._conv_spec(f"res{block}_branch2b", 3, width, width, biased=False)
                self._bn_spec(f"bn{block}_branch2b", width)
                self._conv_spec(f"res{block}_branch2c", 1, width, 4 * width, biased=False)
                self._bn_spec(f"bn{block}_branch2c", 4 * width)
                cin = 4 * width

    def forward(self, P, x):
        taps = {}

        def conv(x, name, stride, biased=False, pad=None):
            y = self.conv(P, x, name, stride, relu=False, biased=biased, pad=pad)
            taps[name] = y
            return y

        x = conv(x, "conv1", 2, biased=True, pad=3)
        x = self.max_pool(self.batch_norm(P, x, "bn_conv1", relu=True), 3, 2)
        for stage, letters, _, first_stride in tables.RESNET50_STAGES:
            for letter in letters:
                block = f"{stage}{letter}"
                stride = first_stride if letter == "a" else 1
                if letter == "a":
                    shortcut = self.batch_norm(P, conv(x, f"res{block}_branch1", stride), f"bn{block}_branch1", False)
                else:
                    shortcut = x
                y = self.batch_norm(P, conv(x, f"res{block}_branch2a", stride), f"bn{block}_branch2a", True)
                y = self.batch_norm(P, conv(y, f"res{block}_branch2b", 1), f"bn{block}_branch2b", True)
                y = self.batch_norm(P, conv(y, f"res{block}_branch2c", 1), f"bn{block}_branch2c", False)
                x = rectify(shortcut + y)
                taps[f"res{block}"] = x
        if min(x.shape[-2:]) >= 7:        # pool5 (avg 7x7/1 VALID) needs >= 7x7; training never uses it
            taps["pool5"] = F.avg_pool2d(x, 7, 1)
        return taps


class SeedGoogLeNet(SeedGraph):
    """Seed GoogLeNet to inception_5b_output plus the three auxiliary *_loss convs."""

    name = "googlenet"

    def _build_specs(self):
        w = self.w
        self._conv_spec("conv1_7x7_s2", 7, 3, w(64), True)
        self._conv_spec("conv2_3x3_reduce", 1, w(64), w(64), True)
        self._conv_spec("conv2_3x3", 3, w(64), w(192), True)
        cin = w(192)
        for module, (w1, w3r, w3, w5r, w5, wp) in tables.GOOGLENET_MODULES:
            p = f"inception_{module}"
            self._conv_spec(f"{p}_1x1", 1, cin, w(w1), True)
            self._conv_spec(f"{p}_3x3_reduce", 1, cin, w(w3r), True)
            self._conv_spec(f"{p}_3x3", 3, w(w3r), w(w3), True)
            self._conv_spec(f"{p}_5x5_reduce", 1, cin, w(w5r), True)
            self._conv_spec(f"{p}_5x5", 5, w(w5r), w(w5), True)
            self._conv_spec(f"{p}_pool_proj", 1, cin, w(wp), True)
            cin = w(w1) + w(w3) + w(w5) + w(wp)
            if module in ("4a", "4d"):
                self._conv_spec(f"inception_{module}_loss", 3, cin, w(512), True)
        self._conv_spec("inception_5b_loss", 1, cin, w(512), True)

    def forward(self, P, x):
        taps = {}

        def conv(x, name, stride=1, relu=True, pad=None):
            y = self.conv(P, x, name, stride, relu=relu, biased=True, pad=pad)
            taps[name] = y
            return y

        x = conv(x, "conv1_7x7_s2", 2, pad=3)
        x = self.lrn(self.max_pool(x, 3, 2))
        x = conv(conv(x, "conv2_3x3_reduce"), "conv2_3x3")
        x = self.max_pool(self.lrn(x), 3, 2)
        for module, _ in tables.GOOGLENET_MODULES:
            p = f"inception_{module}"
            branches = [conv(x, f"{p}_1x1"),
                        conv(conv(x, f"{p}_3x3_reduce"), f"{p}_3x3"),
                        conv(conv(x, f"{p}_5x5_reduce"), f"{p}_5x5"),
                        conv(self.max_pool(x, 3, 1), f"{p}_pool_proj")]
            x = torch.cat(branches, dim=1)
            taps[f"{p}_output"] = x
            if module in ("4a", "4d"):
                conv(x, f"{p}_loss", 2, relu=False)       # after the seed's (no-op) dropout
            if module in ("3b", "4e"):
                x = self.max_pool(x, 3, 2)
        conv(x, "inception_5b_loss", 1, relu=False)
        return taps


# --- EfficientNet-Lite0 -------------------------------------------------------------------------

def lite0_name(key):
    """(mirror name, layout) of a PyTorch Lite0 key (the rule table of WeightNameMapping.swift,
    restated); None for BN counters and for the classifier."""
    if key.endswith(".num_batches_tracked") or key.startswith("_fc."):
        return None
    bn = {"weight": "gamma", "bias": "beta", "running_mean": "moving_mean", "running_var": "moving_variance"}
    parts = key.split(".")
    if key == "_conv_stem.weight":
        return "stem/conv/kernel", "hwio"
    if key == "_conv_head.weight":
        return "head/conv/kernel", "hwio"
    if parts[0] == "_bn0":
        return f"stem/bn/{bn[parts[1]]}", "same"
    if parts[0] == "_bn1":
        return f"head/bn/{bn[parts[1]]}", "same"
    if parts[0] == "_blocks":
        i, layer, field = parts[1], parts[2], parts[3]
        conv_scope = {"_expand_conv": "expand", "_depthwise_conv": "depthwise", "_project_conv": "project"}
        bn_scope = {"_bn0": "expand", "_bn1": "depthwise", "_bn2": "project"}
        if layer in conv_scope:
            return f"blocks_{i}/{conv_scope[layer]}/conv/kernel", "hwio"
        return f"blocks_{i}/{bn_scope[layer]}/bn/{bn[field]}", "same"
    raise ValueError(f"unknown Lite0 key {key}")


class _ProbedLite0(lite.Lite0):
    """netref_lite0.Lite0 whose BN + ReLU6 also reports to PROBE and takes NOISE (same arithmetic
    when both are off)."""

    def _bn(self, x, prefix, relu6):
        y = perturb(super()._bn(x, prefix, False))
        return _record("relu6", y, y.clamp(0.0, 6.0)) if relu6 else y


class Lite0Graph:
    """netref_lite0.Lite0 driven by mirror-named HWIO parameters; tap `head`."""

    name = "lite0"

    def __init__(self, state):
        self.keys = {}           # mirror name -> PyTorch key
        self.specs, self.trainable, self.values = [], [], {}
        for key in lite.expected_keys():
            mapped = lite0_name(key)
            if mapped is None:
                continue
            name, layout = mapped
            value = state[key].detach().to(torch.float32).numpy()
            if layout == "hwio":
                value = value.transpose(2, 3, 1, 0)
            self.keys[name] = key
            self.specs.append((name, value.shape))
            self.values[name] = np.ascontiguousarray(value)
            if not name.endswith(("/moving_mean", "/moving_variance")):
                self.trainable.append(name)
        self.module = _ProbedLite0({}, torch.float32)

    def forward(self, P, x):
        w = {}
        for name, key in self.keys.items():
            w[key] = hwio_to_oihw(P[name]) if name.endswith("/kernel") else P[name]
        # Lite0.forward ends with the classifier, which training does not use: give it zeros.
        w["_fc.weight"] = torch.zeros(1, 1280, dtype=x.dtype)
        w["_fc.bias"] = torch.zeros(1, dtype=x.dtype)
        self.module.w = w
        record = {}
        self.module.forward(x, record)
        return record


# --- loss (SPEC §8.5) ---------------------------------------------------------------------------

LOG2 = math.log(2.0)


def softplus(x):
    """log(exp(x) + 1) literally, as the seed (no threshold approximation)."""
    return torch.log(torch.exp(x) + 1)


def pairwise_distance(a, b):
    """D[i, j] = sqrt(|a_i|^2 - 2 a_i.b_j + |b_j|^2 + 1e-6) (the expanded form of SPEC §8.5)."""
    sa = (a * a).sum(dim=1, keepdim=True)
    sb = (b * b).sum(dim=1, keepdim=True).t()
    return torch.sqrt(sa - 2 * (a @ b.t()) + sb + 1e-6)


def structured_loss(D):
    """Column + row softmin terms on a [B, B] distance matrix with positives on the diagonal.
    Returns (loss, accuracy, clipped column args, clipped row args)."""
    B = D.shape[0]
    d = torch.diagonal(D)
    eye = torch.eye(B, dtype=D.dtype)
    col_args = torch.clamp(d[None, :] - D, -10.0, 10.0)   # [i, j]: d_j - D[i, j]
    row_args = torch.clamp(d[:, None] - D, -10.0, 10.0)   # [i, j]: d_i - D[i, j]
    col = (softplus(col_args) - LOG2 * eye).sum(dim=0) / (B - 1)
    row = (softplus(row_args) - LOG2 * eye).sum(dim=1) / (B - 1)
    loss = (col + row).mean()
    wrong = int((col_args > 0).sum()) + int((row_args > 0).sum())
    return loss, 1.0 - wrong / (2 * B * (B - 1)), col_args, row_args


def hard_loss(a, p_dist_diag, n):
    """mean_i softplus(clip(d_i - sqrt(|a_i - n_i|^2 + 1e-6), -10, 10)); accuracy 1 - #{>0}/B."""
    dn = torch.sqrt(((a - n) ** 2).sum(dim=1) + 1e-6)
    args = torch.clamp(p_dist_diag - dn, -10.0, 10.0)
    B = a.shape[0]
    return softplus(args).mean(), 1.0 - int((args > 0).sum()) / B, args


def stage_losses(feature_map, weight, with_weak, with_hard):
    """Global max-pool of the NCHW tap, split into a/p/n, and the weighted loss terms.
    Returns {term: (weighted loss tensor, accuracy, raw clipped args list)}."""
    f = _record("global_max", feature_map, feature_map.amax(dim=(2, 3)))
    B = f.shape[0] // 3
    a, p, n = f[:B], f[B:2 * B], f[2 * B:]
    D = pairwise_distance(a, p)
    easy, acc, ca, ra = structured_loss(D)
    out = {"easy": (weight * easy, acc, [ca, ra])}
    if with_weak:
        weak, acc, ca, ra = structured_loss(pairwise_distance(a, n))
        out["weak"] = (weight * weak, acc, [ca, ra])
    if with_hard:
        hard, acc, args = hard_loss(a, torch.diagonal(D), n)
        out["hard"] = (weight * hard, acc, [args])
    return out


# --- solver (SPEC §8.6) -------------------------------------------------------------------------

def learning_rate(base_lr, gamma, stepvalue, step):
    """base_lr * gamma^(step / stepvalue), continuous; step 0 is the first update."""
    return base_lr * gamma ** (step / stepvalue)


def is_stage_variable(name, stages):
    return any(stage in name for stage in stages)


# --- robustness of the reference ----------------------------------------------------------------

def kink_margins(records):
    """For each recorded non-smooth op, the smallest distance to its kink among the elements
    whose output gradient is nonzero, relative to the rms of the op's input: |z| for ReLU,
    min(|z|, |z - 6|) for ReLU6, (largest - second largest) of the window for the 3x3 and the
    global max-pools. Exact ties are skipped: in the 3x3 pools they are ReLU zeros or copies of
    one value made by a preceding stride-2 pool, in the global pool Lite0's ReLU6 cells at 0 or 6;
    either way the gradient does not depend on which cell wins.
    Returns (smallest relative margin, its kind, [relative margins per record])."""
    out = []
    for kind, x, y, k, s in records:
        g = y.grad
        if g is None:
            continue
        live = g != 0
        if not bool(live.any()):
            continue
        z = x.detach()
        finite = z[torch.isfinite(z)]
        rms = float(torch.sqrt((finite * finite).mean()))
        if kind == "relu":
            dist = z.abs()
        elif kind == "relu6":
            dist = torch.minimum(z.abs(), (z - 6).abs())
        elif kind == "global_max":
            two = z.flatten(2).topk(2, dim=2).values
            dist = two[..., 0] - two[..., 1]
            saturated_tie = (dist == 0) & ((two[..., 0] == 0) | (two[..., 0] == 6))
            live = live & ~saturated_tie        # ReLU6 ties at 0 or 6: zero gradient either way
            if not bool(live.any()):
                continue
        else:
            n, c, h, w = z.shape
            win = F.unfold(z.reshape(n * c, 1, h, w), k, stride=s)          # [n*c, k*k, L]
            two = win.topk(2, dim=1).values
            dist = (two[:, 0] - two[:, 1]).reshape(y.shape)
            # Exact ties are ReLU zeros (no gradient either way) or copies of one value made by the
            # preceding stride-2 max-pool (the gradient reaches the same source cell either way).
            live = live & (dist != 0)
        out.append((float(dist[live].min()) / rms if rms else math.inf, kind))
    worst = min(out) if out else (math.inf, None)
    return worst[0], worst[1], out
