"""Writing model packages: Keras -> TFLite export, hashes into the card (TensorFlow)."""

from __future__ import annotations

import json
import os
import platform
import shutil
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from radassist.core.digest import sha256_file
from radassist.core.errors import ModelError
from radassist.core.models import CARD_NAME, SIGNATURE_NAME, ModelCard
from radassist.core.models.trust import note_exported


# --- writing packages ---------------------------------------------------------------------------------
def utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not on every platform
        return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return " ".join(line.split(":", 1)[1].split())
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def gpu_names() -> list[str] | None:
    """Names of the GPUs TensorFlow sees ([] none), or None when TensorFlow is not installed."""
    try:
        import tensorflow as tf
    except ImportError:
        return None
    names = []
    for dev in tf.config.list_physical_devices("GPU"):
        try:
            names.append(tf.config.experimental.get_device_details(dev).get("device_name") or dev.name)
        except (RuntimeError, ValueError):
            names.append(dev.name)
    return names


def machine_description() -> str:
    """The one description of the machine a model was trained/exported on: CPU model and count, memory,
    the GPUs TensorFlow sees, OS and Python (a card's ``machine``)."""
    mem = _memory_bytes()
    gpus = gpu_names()
    gpu = ("GPU: unknown (TensorFlow not installed)" if gpus is None else
           f"{len(gpus)} GPU(s): {', '.join(gpus)}" if gpus else "no GPU visible to TensorFlow")
    parts = [f"{os.cpu_count()}-core CPU ({_cpu_model()})"]
    if mem:
        parts.append(f"{mem / 2**30:.1f} GiB RAM")
    parts.append(gpu)
    return (", ".join(parts) + f"; {platform.system()} {platform.release()} {platform.machine()}, "
            f"Python {platform.python_version()}")


def _installed_version(*dists: str) -> str:
    for name in dists:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "unknown"


def exporter_versions() -> dict[str, str]:
    """The card's ``exporter``: versions installed where the package is written ("unknown" if absent)."""
    return {"tensorflow": _installed_version("tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tf-nightly"),
            "keras": _installed_version("keras"), "litert": _installed_version("ai-edge-litert"),
            "python": platform.python_version(),
            "source": "installed package versions where radassist.training.export.write_package ran"}


def signature_tensors(tflite_path: str | Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Declared ``inputs`` and ``outputs`` read from a .tflite signature: name, shape (a dynamic first size is
    the batch "N"), dtype; the range is unknown (null) - callers that know it declare it themselves."""
    from ai_edge_litert.interpreter import Interpreter

    try:
        runner = Interpreter(model_path=str(tflite_path)).get_signature_runner()
    except (ValueError, RuntimeError) as exc:
        raise ModelError(f"Cannot read the signature of {tflite_path}: {exc}",
                         hint="Declare 'inputs' and 'outputs' in the card.") from exc

    def specs(details: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        for name, d in sorted(details.items()):
            shape = [int(x) if x > 0 else ("N" if i == 0 else f"d{i}") for i, x in enumerate(d["shape_signature"])]
            out.append({"name": name, "shape": shape, "dtype": str(np.dtype(d["dtype"])), "range": [None, None]})
        return out

    return specs(runner.get_input_details()), specs(runner.get_output_details())


def _default_changelog(card: dict[str, Any]) -> list[dict[str, Any]]:
    log = list(card.get("changelog") or [])
    if not any(isinstance(e, dict) and e.get("version") == card.get("version") for e in log):
        what = "exported by radassist.training.export.write_package"
        if card.get("parent"):
            what += f" (retrained from {card['parent']})"
        log.append({"version": card.get("version"), "date": utc_now()[:10], "changes": [what]})
    return log


def write_package(out_dir: str | Path, card: dict[str, Any], files: dict[str, str | Path]) -> Path:
    """Copy ``files`` (role -> path) into ``out_dir``, record their hashes in the card, validate, write it.

    A file already inside ``out_dir`` stays where it is. Fills, when absent: ``created``, ``machine``,
    ``exporter`` (installed TensorFlow/Keras/LiteRT versions), a ``changelog`` entry for the card's version,
    and ``inputs``/``outputs`` from the .tflite signature (range unknown: declare it where it is known).
    The package is unsigned: this process may run it (to measure it), anyone else once the site's
    administrator has signed it (``radassist models sign``); a signature left by an earlier export is removed.
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
    card.setdefault("exporter", exporter_versions())
    card["changelog"] = _default_changelog(card)
    if ("inputs" not in card or "outputs" not in card) and "tflite" in entries:
        inputs, outputs = signature_tensors(out / entries["tflite"]["path"])
        card.setdefault("inputs", inputs)
        card.setdefault("outputs", outputs)
    validated = ModelCard.from_json(card, source=f"card for {out}")
    raw = (json.dumps(validated.to_json(), indent=2, sort_keys=False) + "\n").encode("utf-8")
    tmp = out / (CARD_NAME + ".tmp")
    tmp.write_bytes(raw)
    # a signature is over the card's bytes: one left from an earlier export vouches for nothing now
    (out / SIGNATURE_NAME).unlink(missing_ok=True)
    tmp.replace(out / CARD_NAME)
    note_exported(raw)  # this process may measure what it wrote; anyone else needs it signed
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


def classifier_outputs(tflite_path: str | Path) -> list[dict[str, Any]]:
    """The declared outputs of ``build_inference_model``'s graph, shapes as the exported signature returns them
    (the last size of ``logits`` and ``cam`` is the label count "L", which ``models verify`` checks)."""
    _, found = signature_tensors(tflite_path)
    shape = {o["name"]: o["shape"] for o in found}
    meaning = {"logits": "one logit per label; calibrated probability = sigmoid(logit / T)",
               "cam": "class activation map per label (last feature map x logits kernel; its mean + bias = the logit)",
               "features": "global-average-pooled backbone features"}
    return [{"name": name, "shape": [*shape[name][:-1], "L"] if name != "features" else shape[name],
             "dtype": "float32", "range": [None, None], "description": text} for name, text in meaning.items()]


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
    card.setdefault("inputs", [{"name": "image", "shape": ["N", *model.input_shape[1:]], "dtype": "float32",
                                "range": [-1, 1], "description": "preprocess.model_input: u8 / 127.5 - 1"}])
    card.setdefault("outputs", classifier_outputs(tflite_path))
    return write_package(out, card, {"keras": keras_path, "tflite": tflite_path})
