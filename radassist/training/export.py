"""Writing model packages: Keras -> TFLite export, hashes into the card (TensorFlow)."""

from __future__ import annotations

import json
import platform
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from radassist.core.digest import sha256_file
from radassist.core.errors import ModelError
from radassist.core.models import CARD_NAME, ModelCard


# --- writing packages ---------------------------------------------------------------------------------
def utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def machine_description() -> str:
    return f"{platform.system()} {platform.machine()}, Python {platform.python_version()}"


def write_package(out_dir: str | Path, card: dict[str, Any], files: dict[str, str | Path]) -> Path:
    """Copy ``files`` (role -> path) into ``out_dir``, record their hashes in the card, validate, write it.

    A file already inside ``out_dir`` stays where it is. Fills ``created`` and ``machine`` when absent.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    card = dict(card)
    previous = card.get("files") or {}
    entries = {}
    for role, src in files.items():
        src = Path(src)
        if not src.is_file():
            raise ModelError(f"Cannot package {role}: {src} is not a file.")
        dest = out / src.name
        if src.resolve() != dest.resolve():
            shutil.copyfile(src, dest)
        dtype = (previous.get(role) or {}).get("dtype", "")
        entries[role] = {"path": src.name, "sha256": sha256_file(dest), "dtype": dtype}
    card["files"] = entries
    card.setdefault("created", utc_now())
    card.setdefault("machine", machine_description())
    card.setdefault("parent", None)
    card.setdefault("explain", {})
    validated = ModelCard.from_json(card, source=f"card for {out}")
    tmp = out / (CARD_NAME + ".tmp")
    tmp.write_text(json.dumps(validated.to_json(), indent=2, sort_keys=False) + "\n", encoding="utf-8")
    tmp.replace(out / CARD_NAME)
    return out


def build_inference_model(keras_model: Any) -> Any:
    """From the trained classifier (nested "backbone", "gap", "logits"), a model with dict outputs
    {"logits" (N,L), "cam" (N,h,w,L), "features" (N,C)}.

    cam = einsum(feature_map, logits kernel): with a GAP -> dense head, that is Grad-CAM at the last conv
    layer (d logit / d A_k = w_k / hw), so the heatmap comes out of the same forward pass. Dropout and the
    sigmoid are left out: calibration (sigmoid(logit / T)) is applied by the engine.
    """
    import keras

    try:
        backbone = keras_model.get_layer("backbone")
        gap = keras_model.get_layer("gap")
        dense = keras_model.get_layer("logits")
    except ValueError as exc:
        raise ModelError(f"The classifier lacks a layer the export needs ({exc}).",
                         hint="Build it with training.model.build_classifier (layers backbone, gap, logits).") from exc
    kernel = dense.get_weights()[0]  # (C, L)
    inp = keras.Input(shape=tuple(keras_model.input_shape[1:]), name="image", dtype="float32")
    fmap = backbone(inp, training=False)
    features = gap(fmap)
    logits = dense(features)
    cam_layer = keras.layers.EinsumDense("nhwc,cl->nhwl", output_shape=(None, None, kernel.shape[1]),
                                         name="cam")
    cam = cam_layer(fmap)
    cam_layer.set_weights([kernel])
    # Identity activations give the outputs stable layer names in the saved model.
    outputs = {"logits": keras.layers.Activation("linear", name="logits_out")(logits),
               "cam": keras.layers.Activation("linear", name="cam_out")(cam),
               "features": keras.layers.Activation("linear", name="features_out")(features)}
    return keras.Model(inp, outputs, name="radassist_inference")


def convert_to_tflite(model: Any, out_path: Path, *, float16: bool = False) -> Path:
    """TFLite with one ``serving_default`` signature: input "image", outputs named as the model's dict keys."""
    import tensorflow as tf

    # from_keras_model keeps the dict output names in the signature and a dynamic batch dimension.
    # (Converting a hand-made tf.function over the Keras 3 model gave NaNs in TF 2.21: avoid it.)
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if float16:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    import contextlib
    import io

    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the converter prints every captured variable
            blob = converter.convert()
    except Exception as exc:  # converter errors are long and technical; keep them but say what failed
        raise ModelError(f"TFLite conversion failed: {exc}") from exc
    out_path.write_bytes(blob)
    return out_path


def export_classifier_package(keras_model: Any, out_dir: str | Path, card: dict[str, Any], *,
                              float16: bool = False) -> Path:
    """Write model.keras (inference graph, no optimizer) + model.tflite + model_card.json into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model = build_inference_model(keras_model)
    keras_path = out / "model.keras"
    model.save(keras_path)  # never compiled: no optimizer state
    tflite_path = convert_to_tflite(model, out / "model.tflite", float16=float16)
    card = dict(card)
    card.setdefault("task", "classification")
    card.setdefault("explain", {"last_conv_layer": "backbone", "cam_output": "cam"})
    card["files"] = {"keras": {"dtype": "float32"}, "tflite": {"dtype": "float16" if float16 else "float32"}}
    return write_package(out, card, {"keras": keras_path, "tflite": tflite_path})
