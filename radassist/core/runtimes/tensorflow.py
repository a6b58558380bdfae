"""The optional TensorFlow runtime (GPU): a package's ``.keras`` model in one compiled ``tf.function``.

The one place the run time may import TensorFlow; only chosen for the GPU or on request."""

from __future__ import annotations

import importlib.util
import logging
import threading

import numpy as np

from radassist.core.errors import DeviceUnavailableError, ModelError
from radassist.core.models import ModelPackage

log = logging.getLogger(__name__)

GPU_INSTALL_HINT = ("Install the GPU extra (pip install 'radassist[gpu]') on a machine with an NVIDIA GPU, "
                    "or use --device cpu.")


def tensorflow_installed() -> bool:
    return importlib.util.find_spec("tensorflow") is not None


def tensorflow_gpus() -> list[str]:
    import tensorflow as tf

    return [d.name for d in tf.config.list_physical_devices("GPU")]


class TensorFlowRuntime:
    """The package's .keras model in one compiled tf.function; on ``/GPU:0`` for the GPU."""

    name = "tensorflow"

    def __init__(self, package: ModelPackage, *, device: str = "cpu", role: str = "keras") -> None:
        if not tensorflow_installed():
            raise DeviceUnavailableError("The TensorFlow runtime was requested but TensorFlow is not installed.",
                                         hint=GPU_INSTALL_HINT)
        import keras
        import tensorflow as tf

        self.device = device
        if device == "gpu" and not tf.config.list_logical_devices("GPU"):
            raise DeviceUnavailableError("TensorFlow sees no GPU (driver, CUDA libraries or the "
                                         "tensorflow[and-cuda] install are missing).", hint=GPU_INSTALL_HINT)
        self._tf_device = "/GPU:0" if device == "gpu" else "/CPU:0"
        path = package.path(role)
        try:
            with tf.device(self._tf_device):
                model = keras.saving.load_model(path, compile=False)
        except Exception as exc:
            raise ModelError(f"TensorFlow cannot load {path}: {exc}", hint="Reinstall the model package.") from exc
        h, w = package.card.input_size
        spec = tf.TensorSpec((None, h, w, 3), tf.float32, name="image")

        @tf.function(input_signature=[spec], reduce_retracing=True)
        def serve(image):
            out = model(image, training=False)
            return out if isinstance(out, dict) else {"logits": out}

        self._model = model
        self._serve = serve
        self._tf = tf
        self._lock = threading.Lock()

    def run(self, x: np.ndarray) -> dict[str, np.ndarray]:
        with self._lock, self._tf.device(self._tf_device):
            out = self._serve(self._tf.constant(x, dtype=self._tf.float32))
        return {k: v.numpy() for k, v in out.items()}


