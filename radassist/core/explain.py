"""Heatmaps of what influenced the model: CAM/Grad-CAM maps, colouring and blending for display.

Two ways to a heatmap, equal for the shipped classifier (tests check it):

- the fast path: the packaged model returns ``cam`` = last feature map x dense kernel in the same forward
  pass; :func:`cam_to_heatmap` turns it into a map at the image's size (no TensorFlow at run time);
- the gradient path: :func:`grad_cam` on a Keras model, for any layer or model (TensorFlow imported lazily).

With a global-average-pooling -> dense head, d logit / d A_k = w_k / (h w), so Grad-CAM at the last conv
layer is CAM up to a positive factor that the normalisation removes.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np

#: colormaps offered for overlays (OpenCV names)
CMAPS = ("jet", "inferno")
#: a map whose positive part is below this share of its largest magnitude is treated as empty (noise)
_EMPTY_RELATIVE = 1e-6


@dataclass(frozen=True, eq=False)
class Heatmap:
    """A saliency map at an image's size: float32 values in [0, 1], 1 at the most influential region.

    ``empty`` is True when nothing pushed the score up (all-zero or negative map): the values are all zero
    and the UI should say "no salient region". ``peak`` is the (row, col) of the maximum, None when empty.
    """

    values: np.ndarray
    empty: bool
    peak: tuple[int, int] | None

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.values.shape[0]), int(self.values.shape[1]))

    def to_uint8(self) -> np.ndarray:
        """The raw map as 8-bit grayscale (what ``predict --heatmap-dir`` writes as ``<stem>_<label>.png``)."""
        return np.rint(self.values * 255.0).astype(np.uint8)


def empty_heatmap(out_shape: tuple[int, int]) -> Heatmap:
    return Heatmap(np.zeros(tuple(int(s) for s in out_shape), np.float32), True, None)


def cam_to_heatmap(cam_hw: np.ndarray, out_shape: tuple[int, int]) -> Heatmap:
    """A class activation map (any scale, e.g. 7x7) -> Heatmap at ``out_shape`` (H, W).

    ReLU, then normalise by the maximum, then cubic upsampling (clipped, renormalised). NaN/inf count as
    zero; an all-zero or all-negative map gives an all-zero Heatmap with ``empty=True``, never NaN.
    """
    import cv2

    cam = np.asarray(cam_hw, dtype=np.float32)
    if cam.ndim == 3 and cam.shape[-1] == 1:
        cam = cam[..., 0]
    if cam.ndim != 2 or cam.size == 0:
        raise ValueError(f"cam_to_heatmap needs a 2-D map, got shape {cam.shape}")
    h, w = int(out_shape[0]), int(out_shape[1])
    cam = np.where(np.isfinite(cam), cam, 0.0).astype(np.float32)
    scale = float(np.abs(cam).max())
    pos = np.maximum(cam, 0.0)
    top = float(pos.max())
    if top <= 0.0 or top <= _EMPTY_RELATIVE * scale:
        return empty_heatmap((h, w))
    small = pos / top
    if small.shape != (h, w):
        # cubic: smooth at the 32x upsampling of a 7x7 map; its overshoot is clipped below
        up = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
        np.clip(up, 0.0, None, out=up)
        top_up = float(up.max())
        if top_up <= 0.0:
            return empty_heatmap((h, w))
        up /= top_up
        np.clip(up, 0.0, 1.0, out=up)
    else:
        up = small
    flat = int(np.argmax(up))
    return Heatmap(up.astype(np.float32, copy=False), False, (flat // w, flat % w))


def _colormap_rgb(values: np.ndarray, cmap: str) -> np.ndarray:
    import cv2

    codes = {"jet": cv2.COLORMAP_JET, "inferno": cv2.COLORMAP_INFERNO}
    if cmap not in codes:
        raise ValueError(f"unknown colormap {cmap!r}; use one of {', '.join(CMAPS)}")
    u8 = np.rint(np.clip(values, 0.0, 1.0) * 255.0).astype(np.uint8)
    return cv2.cvtColor(cv2.applyColorMap(u8, codes[cmap]), cv2.COLOR_BGR2RGB)


def colorize(heatmap: Heatmap, cmap: str = "jet") -> np.ndarray:
    """RGBA uint8 (H, W, 4) for an overlay layer: colour from the colormap, alpha proportional to the value,
    so regions that did not influence the model stay transparent (the GUI multiplies in its opacity)."""
    rgb = _colormap_rgb(heatmap.values, cmap)
    alpha = np.rint(np.clip(heatmap.values, 0.0, 1.0) * 255.0).astype(np.uint8)
    return np.dstack([rgb, alpha])


def blend(gray_u8: np.ndarray, heatmap: Heatmap, alpha: float = 0.4, cmap: str = "jet") -> np.ndarray:
    """RGB uint8 image with the heatmap blended over the grayscale image (``<stem>_<label>_overlay.png``).

    Per-pixel weight ``alpha * value``, as the GUI draws :func:`colorize` at opacity ``alpha``; a heatmap of
    another size (a reduced first paint) is resized to the image.
    """
    import cv2

    gray = np.asarray(gray_u8)
    if gray.ndim == 3:
        gray = gray[..., 0]
    values = heatmap.values
    if values.shape != gray.shape:
        values = cv2.resize(values, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    colour = _colormap_rgb(values, cmap).astype(np.float32)
    weight = (float(np.clip(alpha, 0.0, 1.0)) * np.clip(values, 0.0, 1.0))[..., None]
    base = np.repeat(gray.astype(np.float32)[..., None], 3, axis=2)
    return np.rint(base * (1.0 - weight) + colour * weight).clip(0, 255).astype(np.uint8)


# --- gradient path ------------------------------------------------------------------------------------
#: per model: {layer path: compiled function}. Weak keys: the cache never keeps a model alive.
_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _rank(tensor: Any) -> int:
    return len(tensor.shape) if hasattr(tensor, "shape") else -1


def _tap(model: Any, path: list[str], score_name: str | None) -> tuple[Any, str | None]:
    """A new Keras model sharing ``model``'s layers (weights) with outputs [target feature map, score].

    ``path`` names the target layer, nested models separated by "/" (e.g. ``backbone/Conv_1``); an empty
    path picks the last top-level layer with a 4-D output. The score is the output of the layer
    ``score_name`` when the model has one (pre-activation logits), else the model's first output. The
    original model is not modified: clone_model with an identity clone_function re-calls the same layers.
    """
    import keras

    seen: list[tuple[str, Any]] = []
    sub_targets: dict[str, Any] = {}

    def call(layer, *args, **kwargs):
        if path and layer.name == path[0] and len(path) > 1:
            inner, _ = _tap(layer, path[1:], None)
            fmap, out = inner(*args, **kwargs)
            sub_targets[layer.name] = fmap
            seen.append((layer.name, out))
            return out
        out = layer(*args, **kwargs)
        seen.append((layer.name, out))
        return out

    if isinstance(model, keras.Sequential):
        inp = keras.Input(shape=tuple(model.input_shape[1:]), dtype=model.inputs[0].dtype)
        x = inp
        for layer in model.layers:
            x = call(layer, x)
        inputs, outputs = [inp], x
    else:
        clone = keras.models.clone_model(model, clone_function=lambda layer: layer, call_function=call)
        inputs, outputs = clone.inputs, clone.outputs
    named = dict(seen)
    if path:
        fmap = sub_targets.get(path[0]) if len(path) > 1 else named.get(path[0])
        if fmap is None:
            raise ValueError(f"layer {'/'.join(path)!r} not found in model {model.name!r}")
        chosen = "/".join(path)
    else:
        cands = [(n, t) for n, t in seen if _rank(t) == 4]
        if not cands:
            raise ValueError(f"model {model.name!r} has no layer with a 4-D output to explain")
        chosen, fmap = cands[-1]
    if score_name is not None and score_name in named:
        score = named[score_name]
    else:
        outs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        if isinstance(outputs, dict):
            outs = list(outputs.values())
        score = outs[0]
    if _rank(fmap) != 4:
        raise ValueError(f"layer {chosen!r} has a {_rank(fmap)}-D output; Grad-CAM needs a 4-D feature map")
    return keras.Model(inputs, [fmap, score], name=f"gradcam_{model.name}"), chosen


def _compiled(model: Any, layer: str | None):
    """The tf.function for (model, layer), built once; later calls reuse the traced graph."""
    import tensorflow as tf

    key = layer or ""
    with _LOCK:
        per_model = _COMPILED.setdefault(model, {})
        if key in per_model:
            return per_model[key]
        tapped, _ = _tap(model, [p for p in key.split("/") if p], "logits")

        @tf.function(reduce_retracing=True)
        def run(x, index):
            with tf.GradientTape() as tape:
                fmap, score = tapped(x, training=False)
                if len(score.shape) > 2:  # a dense map output (e.g. segmentation): explain its spatial mean
                    score = tf.reduce_mean(score, axis=list(range(1, len(score.shape) - 1)))
                idx = tf.where(index < 0, tf.cast(tf.argmax(score[0]), tf.int32), index)
                target = score[:, idx]
            grads = tape.gradient(target, fmap)
            weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)  # alpha_k = mean gradient per channel
            cam = tf.reduce_sum(weights * fmap, axis=-1)[0]
            return cam, idx

        per_model[key] = (run, int(tapped.outputs[1].shape[-1]))
        return per_model[key]


def grad_cam(model: Any, x: np.ndarray, finding_index: int | None = None, layer: str | None = None, *,
             out_shape: tuple[int, int] | None = None) -> Heatmap:
    """Grad-CAM of one preprocessed image ``x`` ((H, W, C) or (1, H, W, C)) for one finding.

    ``finding_index`` None = the highest-scoring finding. ``layer`` (the model card's
    ``explain.last_conv_layer``; nested layers as "backbone/Conv_1") defaults to the last layer with a 4-D
    output ("backbone" for the classifier). The map is returned at ``out_shape`` (the original image's
    size; default the model input size). Compiled with tf.function; the model is never modified.
    """
    import tensorflow as tf

    arr = np.asarray(x, dtype=np.float32)
    if arr.ndim == 3:
        arr = arr[None]
    if arr.ndim != 4 or arr.shape[0] != 1:
        raise ValueError(f"grad_cam explains one image (H, W, C); got shape {arr.shape}")
    run, n_out = _compiled(model, layer)
    if finding_index is not None and not 0 <= int(finding_index) < n_out:
        raise ValueError(f"finding_index {finding_index} is out of range for a model with {n_out} outputs")
    cam, _ = run(tf.constant(arr), tf.constant(-1 if finding_index is None else int(finding_index), tf.int32))
    shape = out_shape or (arr.shape[1], arr.shape[2])
    return cam_to_heatmap(cam.numpy(), shape)
