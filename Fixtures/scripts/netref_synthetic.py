"""Deterministic synthetic weights and inputs, shared bit for bit with Swift.

The Swift twin is Sources/MirrorModels/SyntheticWeights.swift; Fixtures/networks/README.md states
the formula. Every value depends only on the tensor's name, its C-order element index and (for
kernels) its shape, so any subset of a tensor can be regenerated without the rest.

    h    = FNV-1a-32(UTF-8 bytes of name)          offset 0x811C9DC5, prime 0x01000193
    x    = h XOR (index * 0x9E3779B1 mod 2^32)      index < 2^32
    x   ^= x >> 16; x *= 0x7FEB352D; x ^= x >> 15; x *= 0x846CA68B; x ^= x >> 16   (mod 2^32)
    u    = float32(x >> 8) * 2^-24                  exact, in [0, 1)
    t    = 2u - 1                                   exact float32, in [-1, 1)

Per-role float32 values (one rounding each, so an FMA cannot change the bits):
    kernel           t * float32(sqrt(3 / fan_in))   sqrt and division in float64, then rounded
    bias / beta      t * float32(0.1)
    gamma            0.5 + 0.5u
    moving_mean      t * float32(0.1)
    moving_variance  0.5 + u
    input            256u - 128                      exact, in [-128, 128)
"""
import numpy as np

FNV_OFFSET = 0x811C9DC5
FNV_PRIME = 0x01000193
GOLDEN = 0x9E3779B1
MASK32 = 0xFFFFFFFF


def fnv1a32(name):
    h = FNV_OFFSET
    for byte in name.encode("utf-8"):
        h = ((h ^ byte) * FNV_PRIME) & MASK32
    return h


def bits(name, index):
    """uint32 hash for the elements `index` (int or integer array) of tensor `name`."""
    i = np.asarray(index, dtype=np.uint64)
    if i.size and int(i.max()) > MASK32:
        raise ValueError("element index must be below 2^32")
    x = np.uint64(fnv1a32(name)) ^ ((i * np.uint64(GOLDEN)) & np.uint64(MASK32))
    x ^= x >> np.uint64(16)
    x = (x * np.uint64(0x7FEB352D)) & np.uint64(MASK32)
    x ^= x >> np.uint64(15)
    x = (x * np.uint64(0x846CA68B)) & np.uint64(MASK32)
    x ^= x >> np.uint64(16)
    return x.astype(np.uint32)


def unit(name, index):
    """u in [0, 1): the top 24 bits of the hash, exact in float32."""
    return (bits(name, index) >> np.uint32(8)).astype(np.float32) * np.float32(2.0 ** -24)


def kernel_fan_in(name, shape):
    """fan_in of a kernel tensor, from its naming convention (TF HWIO or PyTorch OIHW)."""
    if name.endswith("/depthwise_kernel"):          # TF depthwise [kh, kw, C, multiplier]
        return int(shape[0] * shape[1])
    if name.endswith("/kernel"):                    # TF conv [kh, kw, cin, cout] or dense [in, out]
        return int(np.prod(shape[:-1]))
    return int(np.prod(shape[1:]))                  # PyTorch conv [O, I, kh, kw] or linear [out, in]


def role(name, shape):
    """(role, fan_in or None) chosen by the name's suffix; raises for names with no role."""
    if name == "input":
        return "input", None
    if name.endswith("/kernel") or name.endswith("/depthwise_kernel"):
        return "kernel", kernel_fan_in(name, shape)
    if name.endswith(".weight"):
        if len(shape) >= 2:
            return "kernel", kernel_fan_in(name, shape)
        return "gamma", None
    for suffix, rl in (("/bias", "bias"), (".bias", "bias"), ("/beta", "bias"),
                       ("/gamma", "gamma"), ("/moving_mean", "moving_mean"),
                       (".running_mean", "moving_mean"), ("/moving_variance", "moving_variance"),
                       (".running_var", "moving_variance")):
        if name.endswith(suffix):
            return rl, None
    raise ValueError(f"no synthetic role for tensor name {name!r}")


def kernel_scale(fan_in):
    return np.float32(np.sqrt(3.0 / fan_in))


def values(name, shape, index):
    """float32 synthetic values of `name` (of `shape`) at C-order flat `index`."""
    rl, fan_in = role(name, shape)
    u = unit(name, index)
    t = np.float32(2) * u - np.float32(1)
    if rl == "kernel":
        return t * kernel_scale(fan_in)
    if rl in ("bias", "moving_mean"):
        return t * np.float32(0.1)
    if rl == "gamma":
        return np.float32(0.5) + np.float32(0.5) * u
    if rl == "moving_variance":
        return np.float32(0.5) + u
    return np.float32(256) * u - np.float32(128)     # input


def tensor(name, shape):
    """The whole float32 tensor, C order."""
    n = int(np.prod(shape))
    return values(name, shape, np.arange(n, dtype=np.uint64)).reshape(shape)


def input_image(height, width):
    """Synthetic NHWC input [1, H, W, 3] named "input"; index = C-order index of (y, x, c)."""
    return tensor("input", (1, height, width, 3))


def sample_positions(count, samples):
    """Fixed pseudo-random flat positions for activation samples: bits("sample", k) mod count."""
    return (bits("sample", np.arange(samples, dtype=np.uint64)).astype(np.int64)) % count
