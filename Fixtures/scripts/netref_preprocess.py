"""The seed's image preprocessing up to the crop (SPEC §1.1-1.3), in TensorFlow, for real photos.

decode:  tf.io.decode_jpeg(channels=3, dct_method="INTEGER_FAST")  (the seed's IFAST default)
size:    r = f32(S) / min(f32(h), f32(w)); H' = ceil(f32(h*r)), W' = ceil(f32(w*r))
resize:  tf.compat.v1.image.resize_bilinear(align_corners=False, half_pixel_centers=False)
crop:    top = (H'-S)//2, left = (W'-S)//2, S×S; float32 values on the 0..255 scale.
"""
import numpy as np
import tensorflow as tf


def decode_jpeg_ifast(data):
    return tf.io.decode_jpeg(data, channels=3, dct_method="INTEGER_FAST").numpy()


def seed_target(h, w, size):
    r = np.float32(size) / min(np.float32(h), np.float32(w))
    return int(np.ceil(np.float32(np.float32(h) * r))), int(np.ceil(np.float32(np.float32(w) * r)))


def seed_crop(pixels, size):
    """uint8 HWC → float32 [S, S, 3] by the seed's resize-then-centre-crop."""
    h, w = pixels.shape[:2]
    nh, nw = seed_target(h, w, size)
    resized = tf.compat.v1.image.resize_bilinear(
        pixels[None].astype(np.float32), [nh, nw], align_corners=False, half_pixel_centers=False)
    top, left = (nh - size) // 2, (nw - size) // 2
    return resized.numpy()[0, top:top + size, left:left + size, :].astype(np.float32)


def normalise_lite(x):
    """EfficientNet-Lite input: (x - 127) / 128 in float32 (one rounding; the division is exact)."""
    return (x - np.float32(127)) / np.float32(128)


def normalise_imagenet(x):
    """The alternative tested: (x / 255 - mean) / std with ImageNet mean/std, float32."""
    mean = np.array([0.485, 0.456, 0.406], np.float32)
    std = np.array([0.229, 0.224, 0.225], np.float32)
    return (x / np.float32(255) - mean) / std
