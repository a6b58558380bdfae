"""tf.data input: decode -> squash to the model size -> (augment) -> scale to [-1, 1], 3 channels.

This is ``preprocess.model_input`` written as TensorFlow ops (a test checks they agree): grayscale
decode, INTER_AREA squash without keeping the aspect ratio (done by ``preprocess.resize_u8`` itself
when a file is not already at the model size), then ``u8 / 127.5 - 1`` replicated to three channels.
DICOM files go through ``core.io.load_image`` and the display pipeline, as in the app.

Augmentation, on the fly and on the 8-bit intensity scale before scaling: one random affine warp per
image (rotation within +-7 degrees, shift within +-5% of the side, zoom 0.9-1.1; outside is black,
as a collimated border is), then brightness +-10% and contrast 0.9-1.1, clipped back to [0, 255].
There is deliberately NO horizontal flip: a chest radiograph has a fixed laterality (heart and aortic
knob on the patient's left, liver on the right, the side marker); a flipped film is a different,
rare anatomy (situs inversus, dextrocardia) or a mislabelled one, not a plausible variant of the
same finding, and a model that learns "either side" loses the side-specific cues radiologists use.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from radassist.core.image import DICOM_SUFFIXES

#: a file name the DICOM branch decodes (RE2 syntax, for tf.strings.regex_full_match)
_DICOM_NAME = ".*(" + "|".join(re.escape(s) for s in DICOM_SUFFIXES) + ")"


@dataclass(frozen=True)
class Augment:
    rotation_deg: float = 7.0
    shift: float = 0.05
    zoom: float = 0.10
    brightness: float = 0.10
    contrast: float = 0.10


def _dicom_u8(path: bytes, size: tuple[int, int]) -> np.ndarray:
    from radassist.core.image import load_image
    from radassist.core.preprocess import resize_u8, to_uint8

    return resize_u8(to_uint8(load_image(path.decode())), size)[:, :, None]


def _resize_u8(u8: np.ndarray, h: np.ndarray, w: np.ndarray) -> np.ndarray:
    from radassist.core.preprocess import resize_u8

    return resize_u8(u8[:, :, 0], (int(h), int(w)))[:, :, None]


def decode_u8(path: Any, size: tuple[int, int]) -> Any:
    """A file path tensor -> uint8 (H, W, 1) at ``size``, squashed exactly as ``preprocess.resize_u8``."""
    import tensorflow as tf

    h, w = size
    raw = tf.io.read_file(path)
    # INTEGER_ACCURATE is libjpeg's ISLOW IDCT, what OpenCV uses: the same pixels as the app decodes.
    img = tf.cond(tf.io.is_jpeg(raw),
                  lambda: tf.io.decode_jpeg(raw, channels=1, dct_method="INTEGER_ACCURATE"),
                  lambda: tf.io.decode_image(raw, channels=1, dtype=tf.uint8, expand_animations=False))
    img = tf.ensure_shape(img, [None, None, 1])
    same = tf.logical_and(tf.equal(tf.shape(img)[0], h), tf.equal(tf.shape(img)[1], w))
    img = tf.cond(same, lambda: img,
                  lambda: tf.numpy_function(_resize_u8, [img, tf.constant(h), tf.constant(w)], tf.uint8))
    return tf.reshape(img, [h, w, 1])


def scale(u8_or_float: Any) -> Any:
    """uint8/float (..., H, W, 1) on the 0-255 scale -> float32 (..., H, W, 3) in [-1, 1]."""
    import tensorflow as tf

    x = tf.cast(u8_or_float, tf.float32) / 127.5 - 1.0
    return tf.concat([x, x, x], axis=-1)


def augment_batch(u8: Any, aug: Augment, seed: Any) -> Any:
    """Random affine warp + brightness/contrast on a batch (N, H, W, 1); float32 0-255 out."""
    import math

    import tensorflow as tf

    x = tf.cast(u8, tf.float32)
    n = tf.shape(x)[0]
    h = tf.cast(tf.shape(x)[1], tf.float32)
    w = tf.cast(tf.shape(x)[2], tf.float32)
    seeds = tf.random.experimental.stateless_split(seed, 6)
    theta = tf.random.stateless_uniform([n], seeds[0], -1.0, 1.0) * (aug.rotation_deg * math.pi / 180.0)
    zoom = 1.0 + tf.random.stateless_uniform([n], seeds[1], -aug.zoom, aug.zoom)
    tx = tf.random.stateless_uniform([n], seeds[2], -aug.shift, aug.shift) * w
    ty = tf.random.stateless_uniform([n], seeds[3], -aug.shift, aug.shift) * h
    # Output pixel (x, y) samples input at A @ (x - c) + c + t, with A = R(theta) / zoom.
    cos, sin = tf.cos(theta) / zoom, tf.sin(theta) / zoom
    cx, cy = (w - 1.0) / 2.0, (h - 1.0) / 2.0
    a0, a1 = cos, -sin
    b0, b1 = sin, cos
    a2 = cx - a0 * cx - a1 * cy + tx
    b2 = cy - b0 * cx - b1 * cy + ty
    zeros = tf.zeros_like(a0)
    transforms = tf.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)
    x = tf.raw_ops.ImageProjectiveTransformV3(images=x, transforms=transforms, output_shape=tf.shape(x)[1:3],
                                              fill_value=0.0, interpolation="BILINEAR", fill_mode="CONSTANT")
    bright = tf.random.stateless_uniform([n, 1, 1, 1], seeds[4], -aug.brightness, aug.brightness) * 255.0
    contrast = 1.0 + tf.random.stateless_uniform([n, 1, 1, 1], seeds[5], -aug.contrast, aug.contrast)
    mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
    x = (x - mean) * contrast + mean + bright
    return tf.clip_by_value(x, 0.0, 255.0)


def make_dataset(paths: Sequence[str | Path], targets: np.ndarray | None = None, *, size: tuple[int, int] = (224, 224),
                 batch_size: int = 32, shuffle: bool = False, augment: Augment | None = None, seed: int = 0,
                 sample_weights: np.ndarray | None = None, repeat: bool = False) -> Any:
    """Batches of ``x`` (N, H, W, 3) in [-1, 1] (plus targets and sample weights when given)."""
    import tensorflow as tf

    names = [str(p) for p in paths]

    def load(p):
        if not any(q.lower().endswith(DICOM_SUFFIXES) for q in names):
            return decode_u8(p, size)
        return tf.cond(tf.strings.regex_full_match(tf.strings.lower(p), _DICOM_NAME),
                       lambda: tf.reshape(tf.numpy_function(lambda q: _dicom_u8(q, size), [p], tf.uint8),
                                          [size[0], size[1], 1]),
                       lambda: decode_u8(p, size))

    parts: list[Any] = [tf.constant(names)]
    if targets is not None:
        parts.append(tf.constant(np.asarray(targets, np.float32)))
    if sample_weights is not None:
        parts.append(tf.constant(np.asarray(sample_weights, np.float32)))
    ds = tf.data.Dataset.from_tensor_slices(tuple(parts))
    if shuffle:
        ds = ds.shuffle(len(names), seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    ds = ds.map(lambda p, *rest: (load(p), *rest), num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    ds = ds.batch(batch_size)
    if augment is not None:
        counter = tf.data.Dataset.counter()
        ds = tf.data.Dataset.zip((ds, counter))
        ds = ds.map(lambda b, i: (augment_batch(b[0], augment, tf.stack([tf.cast(seed, tf.int64), i])), *b[1:]),
                    num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    ds = ds.map(lambda x, *rest: (scale(x), *rest) if rest else scale(x), num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)
