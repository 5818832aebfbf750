"""The seed's ResNet-50 (up to pool5) and GoogLeNet (up to inception_5b_output) as TF1 graphs.

Written from the topology of hlzz/mirror cnn_wrapper/{resnet,googlenet,network}.py (SPEC §2, §7),
NHWC, CPU, graph mode. Variables are created with tf.compat.v1.variable_scope + get_variable under
the seed's names (`conv1/kernel`, `bn_conv1/gamma`, ...); the ops are the ones tf.layers.conv2d /
batch_normalization / max_pooling2d call (tf.compat.v1.layers itself needs tf_keras under Keras 3).

Two precisions:
  float32  the seed's kernels: conv2d, bias_add, fused_batch_norm (epsilon 1.001e-5, the TF1
           effective value, SPEC §2), local_response_normalization, max/avg pool.
  float64  the same graph with BatchNorm and LRN written out elementwise (TF has no float64
           fused BN or LRN kernel); it is the accurate reference the float32 run is measured by.
"""
import numpy as np
import tensorflow as tf

import netref_synthetic as synth
from netref_seed_tables import GOOGLENET_MODULES, RESNET50_STAGES  # noqa: F401 (re-exported)

BN_EPSILON = np.float32(1.001e-5)
LRN_RADIUS, LRN_ALPHA, LRN_BETA, LRN_BIAS = 2, np.float32(2e-5), 0.75, 1.0


class Builder:
    """Creates seed-named variables and records every named activation in `self.layers`."""

    def __init__(self, dtype):
        self.dtype = dtype
        self.layers = {}
        self.variables = []

    def _var(self, scope, name, shape):
        with tf.compat.v1.variable_scope(scope):
            v = tf.compat.v1.get_variable(name, shape=shape, dtype=self.dtype,
                                          initializer=tf.compat.v1.zeros_initializer())
        self.variables.append(v)
        return v

    def conv(self, x, name, k, cout, stride, relu=True, biased=True, pad=None):
        """tf.layers.conv2d: SAME unless `pad` (explicit zeros each side, then VALID)."""
        cin = int(x.shape[-1])
        kernel = self._var(name, "kernel", [k, k, cin, cout])
        if pad is not None:
            x = tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]])
        y = tf.nn.conv2d(x, kernel, strides=[1, stride, stride, 1],
                         padding="VALID" if pad is not None else "SAME")
        if biased:
            y = tf.nn.bias_add(y, self._var(name, "bias", [cout]))
        if relu:
            y = tf.nn.relu(y)
        self.layers[name] = y
        return y

    def batch_norm(self, x, name, relu=False):
        """Inference BN with gamma and beta: y = (x - mean) * gamma / sqrt(var + eps) + beta."""
        c = int(x.shape[-1])
        gamma, beta = self._var(name, "gamma", [c]), self._var(name, "beta", [c])
        mean, var = self._var(name, "moving_mean", [c]), self._var(name, "moving_variance", [c])
        if self.dtype == tf.float32:
            y, _, _ = tf.compat.v1.nn.fused_batch_norm(x, gamma, beta, mean, var,
                                                       epsilon=float(BN_EPSILON), is_training=False)
        else:
            scale = gamma * tf.math.rsqrt(var + tf.constant(float(BN_EPSILON), self.dtype))
            y = (x - mean) * scale + beta
        if relu:
            y = tf.nn.relu(y)
        self.layers[name] = y
        return y

    def lrn(self, x, name):
        """sum over channels c-2..c+2 of x^2; y = x / (1 + alpha * sum)^0.75 (alpha = float32(2e-5))."""
        if self.dtype == tf.float32:
            y = tf.nn.local_response_normalization(x, depth_radius=LRN_RADIUS, bias=LRN_BIAS,
                                                   alpha=float(LRN_ALPHA), beta=LRN_BETA)
        else:
            c = int(x.shape[-1])
            sq = tf.pad(tf.square(x), [[0, 0], [0, 0], [0, 0], [LRN_RADIUS, LRN_RADIUS]])
            window = tf.add_n([sq[..., d:d + c] for d in range(2 * LRN_RADIUS + 1)])
            y = x / tf.pow(LRN_BIAS + float(LRN_ALPHA) * window, LRN_BETA)
        self.layers[name] = y
        return y

    def max_pool(self, x, name, k, stride, padding="SAME"):
        y = tf.nn.max_pool2d(x, k, stride, padding)
        self.layers[name] = y
        return y

    def avg_pool(self, x, name, k, stride, padding="VALID"):
        y = tf.nn.avg_pool2d(x, k, stride, padding)
        self.layers[name] = y
        return y

    def name(self, x, name):
        self.layers[name] = x
        return x


def build_resnet50(b, x):
    """Seed ResNet50 (Caffe v1 layout): returns pool5 [1, H, W, 2048]."""
    x = b.conv(x, "conv1", 7, 64, 2, relu=False, biased=True, pad=3)
    x = b.batch_norm(x, "bn_conv1", relu=True)
    x = b.max_pool(x, "pool1", 3, 2)
    for stage, letters, width, first_stride in RESNET50_STAGES:
        for letter in letters:
            block = f"{stage}{letter}"
            stride = first_stride if letter == "a" else 1
            if letter == "a":
                shortcut = b.conv(x, f"res{block}_branch1", 1, 4 * width, stride, relu=False, biased=False)
                shortcut = b.batch_norm(shortcut, f"bn{block}_branch1")
            else:
                shortcut = x
            y = b.conv(x, f"res{block}_branch2a", 1, width, stride, relu=False, biased=False)
            y = b.batch_norm(y, f"bn{block}_branch2a", relu=True)
            y = b.conv(y, f"res{block}_branch2b", 3, width, 1, relu=False, biased=False)
            y = b.batch_norm(y, f"bn{block}_branch2b", relu=True)
            y = b.conv(y, f"res{block}_branch2c", 1, 4 * width, 1, relu=False, biased=False)
            y = b.batch_norm(y, f"bn{block}_branch2c")
            x = b.name(tf.add_n([shortcut, y]), f"res{block}")
            x = b.name(tf.nn.relu(x), f"res{block}_relu")
    return b.avg_pool(x, "pool5", 7, 1, "VALID")


def inception(b, x, module, widths):
    w1, w3r, w3, w5r, w5, wp = widths
    p = f"inception_{module}"
    a = b.conv(x, f"{p}_1x1", 1, w1, 1)
    c3 = b.conv(b.conv(x, f"{p}_3x3_reduce", 1, w3r, 1), f"{p}_3x3", 3, w3, 1)
    c5 = b.conv(b.conv(x, f"{p}_5x5_reduce", 1, w5r, 1), f"{p}_5x5", 5, w5, 1)
    pp = b.conv(b.max_pool(x, f"{p}_pool", 3, 1), f"{p}_pool_proj", 1, wp, 1)
    return b.name(tf.concat([a, c3, c5, pp], axis=3), f"{p}_output")


def build_googlenet(b, x):
    """Seed GoogleNet: returns inception_5b_output [1, H, W, 1024]; also builds the *_loss convs
    (unused by the features, but their variables are part of the seed's checkpoint)."""
    x = b.conv(x, "conv1_7x7_s2", 7, 64, 2, pad=3)
    x = b.max_pool(x, "pool1_3x3_s2", 3, 2)
    x = b.lrn(x, "pool1_norm1")
    x = b.conv(x, "conv2_3x3_reduce", 1, 64, 1)
    x = b.conv(x, "conv2_3x3", 3, 192, 1)
    x = b.lrn(x, "conv2_norm2")
    x = b.max_pool(x, "pool2_3x3_s2", 3, 2)
    for module, widths in GOOGLENET_MODULES:
        x = inception(b, x, module, widths)
        if module == "3b":
            x = b.max_pool(x, "pool3_3x3_s2", 3, 2)
        elif module == "4a":
            b.conv(x, "inception_4a_loss", 3, 512, 2, relu=False)
        elif module == "4d":
            b.conv(x, "inception_4d_loss", 3, 512, 2, relu=False)
        elif module == "4e":
            x = b.max_pool(x, "pool4_3x3_s2", 3, 2)
    b.conv(x, "inception_5b_loss", 1, 512, 1, relu=False)
    return x


BUILDERS = {"resnet50": build_resnet50, "googlenet": build_googlenet}


def run(net, size, fetch_names, dtype, image=None):
    """Builds `net` at input size×size in `dtype`, loads synthetic weights and feeds `image`
    (NHWC [1, size, size, 3], float32 values; default: the synthetic input of that size), and
    returns ({variable name: shape}, {layer name: numpy activation})."""
    if image is None:
        image_value = synth.input_image(size, size)
    else:
        image_value = np.asarray(image)
        if image_value.shape != (1, size, size, 3):
            raise ValueError(f"input of shape {image_value.shape} for a {size}x{size} graph")
    graph = tf.Graph()          # graph mode inside this context, whatever the global mode
    with graph.as_default():
        image = tf.compat.v1.placeholder(dtype, [1, size, size, 3], name="data")
        b = Builder(dtype)
        BUILDERS[net](b, image)
        shapes = {v.op.name: tuple(v.shape.as_list()) for v in b.variables}
        with tf.compat.v1.Session(graph=graph) as session:
            for v in b.variables:
                value = synth.tensor(v.op.name, shapes[v.op.name])
                v.load(value.astype(dtype.as_numpy_dtype), session)
            feed = image_value.astype(dtype.as_numpy_dtype)
            outputs = session.run({n: b.layers[n] for n in fetch_names}, {image: feed})
    return shapes, outputs
