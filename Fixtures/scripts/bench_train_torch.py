"""PyTorch CPU timing of the training step `mirror bench --task train` times (Docs/BENCHMARKS.md,
"Training step"). Prints one JSON line with the field names of mirror's record, engine "pytorch".

    /work/venv/bin/python Fixtures/scripts/bench_train_torch.py --net resnet-50 --img-size 224 \
        --batch-size 8 --threads 2 --repeats 5 --warmup 1

The step, as mirror's `TrainingStep.run` (SPEC §8.4-8.6), on 3B images [anchors; positives; negatives]:
  forward     BatchNorm frozen at its running statistics (γ, β trainable), up to the loss stage:
              ResNet-50 the raw output of conv `res5c_branch2c` (before bn5c_branch2c; nothing
              after it is built), EfficientNet-Lite0 `head` after its BN + ReLU6;
  loss        global max-pool → [3B, C], the seed's softmin loss with the weak and hard terms
              (stage weight 1), in float64 like mirror;
  backward    autograd, into every kernel, bias and BN γ/β;
  update      non-finite check, the weight-decay loss wd·Σ‖w‖²/2 (wd 1e-4), momentum SGD 0.9 with
              weight decay in the gradient (acc ← 0.9·acc + g + wd·w; w ← w − lr·acc), 10× lr for
              the stage layer, the continuous lr schedule 0.002·0.9^(step/10000).
All four phases sit in one timed region per step; ms_forward … ms_update split it (median each).
Weights and images are the synthetic ones of netref_synthetic (mirror's `SyntheticWeights`):
ResNet-50 gets mirror's exact values (same names), Lite0 the same formula under its PyTorch key
names; timing does not depend on values. Peak RSS includes the Python and PyTorch runtime.

The networks: EfficientNet-Lite0 is netref_lite0.Lite0, with SAME padding folded into conv2d where
it is symmetric (stride 1; the stride-2 convs keep netref_lite0's explicit pad, as the bottom/right
extra cannot be folded). ResNet-50 is the seed's topology (SPEC §2, §7), written here over the
layer table of netref_seed_tables: conv1 7×7/2 biased with pad 3, BN, ReLU, max-pool 3×3/2 SAME
(the extra row and column at the bottom/right), bottlenecks with the stride on the 1×1 branch2a
and branch1, BN ε 1.001e-5.

`--show-loss` writes each step's loss terms to stderr (a sanity check: with features of similar
size the data loss is about (2 + 2 + 1)·log 2 ≈ 3.47).
"""
import argparse
import json
import math
import os
import resource
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netref_lite0 as lite  # noqa: E402
import netref_seed_tables as tables  # noqa: E402
import netref_synthetic as synth  # noqa: E402

NETS = ("efficientnet-lite0", "resnet-50")
WEIGHT_DECAY = 1e-4
MOMENTUM = 0.9
BASE_LR, LR_GAMMA, LR_STEPVALUE = 0.002, 0.9, 10000     # SPEC §8.6 defaults
STAGE_LR_MULTIPLIER = 10.0
DISTANCE_EPSILON = 1e-6
CLIP = 10.0
SEED_BN_EPSILON = float(np.float32(1.001e-5))           # SPEC §2: TF 1.x effective ε


# --- networks -----------------------------------------------------------------------------------

class Net:
    """A parameter table {name: tensor} (NCHW/OIHW) and `forward(x) -> stage map`.
    `trainable` and `stage` list parameter names (the stage layer's get 10× lr)."""

    params: dict
    trainable: list
    stage: list


class ResNet50(Net):
    """The seed's ResNet-50 up to conv res5c_branch2c (its raw output is the stage map)."""

    def __init__(self):
        self.params, self.trainable = {}, []
        self._conv_params("conv1", 7, 3, 64, biased=True)
        self._bn_params("bn_conv1", 64)
        cin = 64
        for stage, letters, width, _ in tables.RESNET50_STAGES:
            for letter in letters:
                block = f"{stage}{letter}"
                if letter == "a":
                    self._conv_params(f"res{block}_branch1", 1, cin, 4 * width)
                    self._bn_params(f"bn{block}_branch1", 4 * width)
                self._conv_params(f"res{block}_branch2a", 1, cin, width)
                self._bn_params(f"bn{block}_branch2a", width)
                self._conv_params(f"res{block}_branch2b", 3, width, width)
                self._bn_params(f"bn{block}_branch2b", width)
                self._conv_params(f"res{block}_branch2c", 1, width, 4 * width)
                if block != "5c":                # the stage map is taken before bn5c_branch2c
                    self._bn_params(f"bn{block}_branch2c", 4 * width)
                cin = 4 * width
        self.stage = [n for n in self.trainable if "res5c_branch2c" in n]

    def _add(self, name, value, trainable=True):
        self.params[name] = torch.from_numpy(np.ascontiguousarray(value))
        if trainable:
            self.trainable.append(name)

    def _conv_params(self, name, k, cin, cout, biased=False):
        # Synthetic values under the seed's HWIO name (mirror's values), stored OIHW.
        self._add(f"{name}/kernel", synth.tensor(f"{name}/kernel", (k, k, cin, cout)).transpose(3, 2, 0, 1))
        if biased:
            self._add(f"{name}/bias", synth.tensor(f"{name}/bias", (cout,)))

    def _bn_params(self, name, c):
        for field, trainable in (("gamma", True), ("beta", True), ("moving_mean", False), ("moving_variance", False)):
            self._add(f"{name}/{field}", synth.tensor(f"{name}/{field}", (c,)), trainable)

    def _conv(self, x, name, stride, padding=0):
        P = self.params
        return F.conv2d(x, P[f"{name}/kernel"], P.get(f"{name}/bias"), stride=stride, padding=padding)

    def _bn(self, x, name, relu):
        P = self.params
        y = F.batch_norm(x, P[f"{name}/moving_mean"], P[f"{name}/moving_variance"], P[f"{name}/gamma"],
                         P[f"{name}/beta"], training=False, eps=SEED_BN_EPSILON)
        return F.relu(y) if relu else y

    @staticmethod
    def _max_pool_same(x, k, s):
        """TF SAME max-pool (padded cells never win). With no padding before, torch's ceil_mode
        clips the last window at the bottom/right edge exactly as SAME's extra cells do."""
        (top, bottom), (left, right) = lite.same_pads(x.shape[-2], k, s), lite.same_pads(x.shape[-1], k, s)
        out = (math.ceil(x.shape[-2] / s), math.ceil(x.shape[-1] / s))
        if top == left == 0:
            y = F.max_pool2d(x, k, s, ceil_mode=True)
            if tuple(y.shape[-2:]) == out:
                return y
        return F.max_pool2d(F.pad(x, (left, right, top, bottom), value=-math.inf), k, s)

    def forward(self, x):
        x = self._conv(x, "conv1", 2, padding=3)      # the seed's tf.pad 3 + VALID
        x = self._max_pool_same(self._bn(x, "bn_conv1", True), 3, 2)
        for stage, letters, _, first_stride in tables.RESNET50_STAGES:
            for letter in letters:
                block = f"{stage}{letter}"
                stride = first_stride if letter == "a" else 1
                shortcut = x
                if letter == "a":
                    shortcut = self._bn(self._conv(x, f"res{block}_branch1", stride), f"bn{block}_branch1", False)
                y = self._bn(self._conv(x, f"res{block}_branch2a", stride), f"bn{block}_branch2a", True)
                y = self._bn(self._conv(y, f"res{block}_branch2b", 1, padding=1), f"bn{block}_branch2b", True)
                y = self._conv(y, f"res{block}_branch2c", 1)
                if block == "5c":
                    return y
                x = F.relu(shortcut + self._bn(y, f"bn{block}_branch2c", False))
        raise AssertionError("no res5c")


class _FoldedPadLite0(lite.Lite0):
    """netref_lite0.Lite0 with symmetric SAME padding passed to conv2d instead of copied by F.pad."""

    def _same_conv(self, x, weight, k, s, static_in, groups=1):
        h, w = (static_in, static_in) if static_in is not None else (x.shape[-2], x.shape[-1])
        (top, bottom), (left, right) = lite.same_pads(h, k, s), lite.same_pads(w, k, s)
        if top == bottom and left == right:
            return F.conv2d(x, weight, stride=s, padding=(top, left), groups=groups)
        return super()._same_conv(x, weight, k, s, static_in, groups)


def lite0_shapes():
    """{PyTorch key: shape} of every tensor netref_lite0 reads (BN counters left out)."""
    shapes = {}

    def conv(key, cout, cin, k):
        shapes[key] = (cout, cin, k, k)

    def bn(prefix, c):
        for field in ("weight", "bias", "running_mean", "running_var"):
            shapes[f"{prefix}.{field}"] = (c,)

    stem_out = lite.STAGES[0][4]
    conv("_conv_stem.weight", stem_out, 3, 3)
    bn("_bn0", stem_out)
    for i, k, s, e, cin, cout in lite.block_table():
        p, mid = f"_blocks.{i}.", cin * e
        if e != 1:
            conv(p + "_expand_conv.weight", mid, cin, 1)
            bn(p + "_bn0", mid)
        conv(p + "_depthwise_conv.weight", mid, 1, k)
        bn(p + "_bn1", mid)
        conv(p + "_project_conv.weight", cout, mid, 1)
        bn(p + "_bn2", cout)
    head = 1280
    conv("_conv_head.weight", head, lite.STAGES[-1][5], 1)
    bn("_bn1", head)
    shapes["_fc.weight"], shapes["_fc.bias"] = (1000, head), (1000,)
    missing = set(shapes) ^ {key for key in lite.expected_keys() if not key.endswith(".num_batches_tracked")}
    assert not missing, f"Lite0 key table differs from netref_lite0.expected_keys: {sorted(missing)}"
    return shapes


class Lite0(Net):
    """EfficientNet-Lite0 to `head` (after BN + ReLU6). netref_lite0's forward also runs its tiny
    classifier (mean-pool + 1280→1000 linear); no loss reaches it, so it gets no backward pass."""

    def __init__(self):
        self.params = {key: torch.from_numpy(synth.tensor(key, shape)) for key, shape in lite0_shapes().items()}
        self.trainable = [key for key in self.params
                          if not key.startswith("_fc.") and not key.endswith(("running_mean", "running_var"))]
        self.stage = ["_conv_head.weight", "_bn1.weight", "_bn1.bias"]   # mirror's head/conv, head/bn
        self.module = _FoldedPadLite0(self.params)
        self.module.w = self.params      # the very leaf tensors the optimizer updates

    def forward(self, x):
        record = {}
        self.module.forward(x, record)
        return record["head"]


def build(net):
    return ResNet50() if net == "resnet-50" else Lite0()


# --- loss (SPEC §8.5), in float64 as mirror's SoftminLoss -------------------------------------------

def softplus(x):
    return torch.log(torch.exp(x) + 1)


def distances(x, y):
    """D[i, j] = sqrt(|x_i|² − 2 x_i·y_j + |y_j|² + 1e-6), the squared part clamped at 0 (mirror)."""
    squared = (x * x).sum(1, keepdim=True) - 2 * (x @ y.t()) + (y * y).sum(1)[None, :]
    return torch.sqrt(squared.clamp_min(0) + DISTANCE_EPSILON)


def structured(D):
    """mean_k(col_k + row_k): column and row softmin terms, diagonal minus log 2, ÷ (B − 1)."""
    B = D.shape[0]
    d = torch.diagonal(D)
    diagonal = math.log(2) * torch.eye(B, dtype=D.dtype)
    col = (softplus(torch.clamp(d[None, :] - D, -CLIP, CLIP)) - diagonal).sum(0) / (B - 1)
    row = (softplus(torch.clamp(d[:, None] - D, -CLIP, CLIP)) - diagonal).sum(1) / (B - 1)
    return (col + row).mean()


def stage_loss(stage_map):
    """Global max-pool of the [3B, C, h, w] map, then easy + weak + hard (stage weight 1)."""
    pooled = stage_map.amax(dim=(2, 3)).double()
    B = pooled.shape[0] // 3
    a, p, n = pooled[:B], pooled[B:2 * B], pooled[2 * B:]
    D = distances(a, p)
    easy = structured(D)
    weak = structured(distances(a, n))
    negative = torch.sqrt(((a - n) ** 2).sum(1) + DISTANCE_EPSILON)
    hard = softplus(torch.clamp(torch.diagonal(D) - negative, -CLIP, CLIP)).mean()
    return easy + weak + hard, {"easy": easy, "weak": weak, "hard": hard}


# --- the step -------------------------------------------------------------------------------------

def synthetic_images(batch, size):
    """3B slots of mirror's synthetic input, slot s scaled by 1 + 0.01 s (TrainBench), NCHW."""
    one = synth.input_image(size, size)[0].transpose(2, 0, 1)
    scales = np.float32(1) + np.float32(0.01) * np.arange(3 * batch, dtype=np.float32)
    return torch.from_numpy(np.ascontiguousarray(one[None] * scales[:, None, None, None]))


class Step:
    def __init__(self, net):
        self.net = net
        names = net.trainable
        for name in names:
            net.params[name].requires_grad_(True)
        self.parameters = [net.params[n] for n in names]
        stage = [net.params[n] for n in names if n in net.stage]
        base = [net.params[n] for n in names if n not in net.stage]
        self.optimizer = torch.optim.SGD([{"params": base, "multiplier": 1.0},
                                          {"params": stage, "multiplier": STAGE_LR_MULTIPLIER}],
                                         lr=BASE_LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)

    def run(self, step, images):
        """One step; returns (data loss, its terms, weight-decay loss, phase seconds)."""
        t0 = time.perf_counter()
        stage_map = self.net.forward(images)
        t1 = time.perf_counter()
        loss, terms = stage_loss(stage_map)
        t2 = time.perf_counter()
        loss.backward()
        t3 = time.perf_counter()
        value = loss.item()
        grads = [p.grad for p in self.parameters]
        if not math.isfinite(value) or not torch.isfinite(torch.nn.utils.get_total_norm(grads)):
            raise SystemExit(f"step {step}: non-finite loss {value} or gradient")
        with torch.no_grad():
            decay = 0.5 * WEIGHT_DECAY * float(torch.nn.utils.get_total_norm(self.parameters)) ** 2
        rate = BASE_LR * LR_GAMMA ** (step / LR_STEPVALUE)
        for group in self.optimizer.param_groups:
            group["lr"] = rate * group["multiplier"]
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        t4 = time.perf_counter()
        return value, {k: v.item() for k, v in terms.items()}, decay, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--net", choices=NETS, default="resnet-50")
    parser.add_argument("--img-size", type=int, default=224)
    parser.add_argument("--batch-size", type=int, default=8, help="triplets per step (3B images)")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (interop threads: 1)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--channels-last", action="store_true",
                        help="run in channels_last (NHWC) memory format instead of NCHW")
    parser.add_argument("--show-loss", action="store_true", help="each step's loss terms on stderr")
    args = parser.parse_args()
    if args.batch_size < 2 or args.repeats < 1 or args.warmup < 0 or args.threads < 1:
        parser.error("needs --batch-size ≥ 2, --repeats ≥ 1, --warmup ≥ 0, --threads ≥ 1")

    torch.set_num_interop_threads(1)
    torch.set_num_threads(args.threads)
    memory_format = torch.channels_last if args.channels_last else torch.contiguous_format
    net = build(args.net)
    images = synthetic_images(args.batch_size, args.img_size).to(memory_format=memory_format)
    if args.channels_last:
        for name, value in net.params.items():
            if value.dim() == 4:
                net.params[name] = value.contiguous(memory_format=torch.channels_last)
        if isinstance(net, Lite0):
            net.module.w = net.params
    step = Step(net)

    samples, phases = [], []
    for index in range(args.warmup + args.repeats):
        start = time.perf_counter()
        loss, terms, decay, phase = step.run(index, images)
        seconds = time.perf_counter() - start
        if args.show_loss:
            print(f"step {index}: data loss {loss:.6f} ("
                  + ", ".join(f"{k} {v:.6f}" for k, v in terms.items())
                  + f"), weight decay {decay:.6f}; (2+2+1)·log 2 = {5 * math.log(2):.6f}", file=sys.stderr)
        if index >= args.warmup:
            samples.append(seconds)
            phases.append(phase)

    def median_ms(values):
        return statistics.median(values) * 1000

    record = {
        "task": "train", "engine": "pytorch", "net": args.net, "img_size": args.img_size,
        "batch_size": args.batch_size, "images_per_step": 3 * args.batch_size, "threads": args.threads,
        "ms_median": median_ms(samples), "ms_min": min(samples) * 1000, "ms_max": max(samples) * 1000,
        "images_per_second": 3 * args.batch_size / statistics.median(samples), "repeats": args.repeats,
        "ms_forward": median_ms([p[0] for p in phases]), "ms_loss": median_ms([p[1] for p in phases]),
        "ms_backward": median_ms([p[2] for p in phases]), "ms_update": median_ms([p[3] for p in phases]),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "torch_version": torch.__version__, "memory_format": "channels_last" if args.channels_last else "nchw",
    }
    print(json.dumps(record))


if __name__ == "__main__":
    main()
