"""Grad-CAM on a Keras model (the gradient path): any layer, any model; TensorFlow.

The run time uses the CAM fast path in ``core.explain``; tests check the two agree.
"""


from __future__ import annotations

import threading
import weakref
from typing import Any

import numpy as np

from radassist.core.explain import Heatmap, cam_to_heatmap

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
