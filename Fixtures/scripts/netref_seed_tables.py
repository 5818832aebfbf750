"""The seed's ResNet-50 and GoogLeNet layer tables (SPEC §7), without TensorFlow.

Shared by netref_seed_tf.py (TensorFlow graphs) and trainref_torch.py (PyTorch training reference).
"""

# ResNet-50: (stage, block letters, bottleneck width C, stride of block "a"); output width 4C.
RESNET50_STAGES = [(2, "abc", 64, 1), (3, "abcd", 128, 2), (4, "abcdef", 256, 2), (5, "abc", 512, 2)]

# GoogLeNet inception modules: name, (1x1, 3x3_reduce, 3x3, 5x5_reduce, 5x5, pool_proj).
GOOGLENET_MODULES = [
    ("3a", (64, 96, 128, 16, 32, 32)), ("3b", (128, 128, 192, 32, 96, 64)),
    ("4a", (192, 96, 208, 16, 48, 64)), ("4b", (160, 112, 224, 24, 64, 64)),
    ("4c", (128, 128, 256, 24, 64, 64)), ("4d", (112, 144, 288, 32, 64, 64)),
    ("4e", (256, 160, 320, 32, 128, 128)), ("5a", (256, 160, 320, 32, 128, 128)),
    ("5b", (384, 192, 384, 48, 128, 128)),
]
