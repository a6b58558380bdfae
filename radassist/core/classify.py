"""The inference engine: one ``Engine`` over two runtimes that give the same results.

- **LiteRT** (``ai_edge_litert``, XNNPACK) runs the package's ``.tflite`` on the CPU. It imports in
  milliseconds, so the app and ``predict`` never wait for TensorFlow (about 4 s to import).
- **TensorFlow** runs the package's ``.keras`` model through one compiled ``tf.function`` (never eager per
  image) for the GPU, and on request on the CPU (parity checks, benchmarks).

Device policy: ``auto`` uses the GPU when TensorFlow is installed and sees one, else LiteRT on the CPU;
``cpu``; ``gpu`` (DeviceUnavailableError when there is none). ``auto`` checks cheaply first (is TensorFlow
installed at all, is there an NVIDIA device node) so a CPU-only workstation never imports TensorFlow. A
GPU that fails falls back to the CPU with a logged warning. Every prediction says which device ran it.
"""

from __future__ import annotations

import glob
import logging
import os
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from radassist.config import resolve_device, resolve_model
from radassist.core.errors import ConfigError, DeviceUnavailableError, ModelError
from radassist.core.models import ModelPackage, load_package, resolve
from radassist.core.numeric import calibrate
from radassist.core.preprocess import model_input
from radassist.core.runtimes import Runtime
from radassist.core.runtimes.tensorflow import GPU_INSTALL_HINT, tensorflow_installed

log = logging.getLogger(__name__)

RUNTIMES = ("litert", "tensorflow")


# --- device policy ------------------------------------------------------------------------------------
def gpu_probe(env: Mapping[str, str] | None = None) -> bool:
    """Cheap guess whether a GPU could be there, without importing TensorFlow."""
    env = os.environ if env is None else env
    cvd = env.get("CUDA_VISIBLE_DEVICES")
    if cvd is not None and cvd.strip() in ("", "-1"):
        return False
    return bool(glob.glob("/dev/nvidia[0-9]*")) or bool(glob.glob("/dev/dxg"))  # Linux / WSL2


def gpu_available(env: Mapping[str, str] | None = None) -> bool:
    """TensorFlow installed AND a device node present AND TensorFlow lists a GPU (imports TF only then)."""
    if not tensorflow_installed() or not gpu_probe(env):
        return False
    from radassist.core.runtimes.tensorflow import tensorflow_gpus

    try:
        return bool(tensorflow_gpus())
    except Exception as exc:  # noqa: BLE001 - a broken CUDA install fails in many ways; none may stop the CPU
        log.warning("TensorFlow could not list GPUs (%s); using the CPU", exc)
        return False


def choose_device(requested: str, env: Mapping[str, str] | None = None) -> str:
    """``cpu`` or ``gpu`` for a requested ``auto|cpu|gpu``."""
    if requested == "cpu":
        return "cpu"
    if requested == "gpu":
        if not tensorflow_installed():
            raise DeviceUnavailableError("The GPU was requested but TensorFlow is not installed.", hint=GPU_INSTALL_HINT)
        if not gpu_probe(env):
            raise DeviceUnavailableError("The GPU was requested but this machine has no usable GPU "
                                         "(no NVIDIA device, or CUDA_VISIBLE_DEVICES hides it).", hint=GPU_INSTALL_HINT)
        return "gpu"
    # auto: a GPU only when one is cheaply plausible; the TensorFlow runtime confirms it when it loads
    return "gpu" if tensorflow_installed() and gpu_probe(env) else "cpu"


# --- records ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    label: str
    probability: float  # calibrated: sigmoid(logit / T)
    threshold: float
    positive: bool

    def to_record(self) -> dict[str, Any]:
        return {"label": self.label, "probability": round(float(self.probability), 6),
                "threshold": float(self.threshold), "positive": bool(self.positive)}


@dataclass(frozen=True, eq=False)
class Prediction:
    """One image's model output. ``cam`` (h, w, L) is feature map x dense kernel (CAM = Grad-CAM here)."""

    findings: tuple[Finding, ...]
    logits: np.ndarray  # (L,)
    cam: np.ndarray | None  # (h, w, L) float32
    features: np.ndarray | None  # (C,) pooled backbone features
    device: str  # "cpu" or "gpu": what actually ran it
    runtime: str  # "litert" or "tensorflow"
    model: dict[str, str]  # id, version, sha256
    timings_ms: dict[str, float]


# --- runtimes -----------------------------------------------------------------------------------------
def make_runtime(package: ModelPackage, device: str, runtime: str | None = None, *,
                 num_threads: int = 2) -> Runtime:
    runtime = runtime or ("tensorflow" if device == "gpu" else "litert")
    if runtime == "litert":
        from radassist.core.runtimes.litert import LiteRTRuntime

        if device == "gpu":
            raise DeviceUnavailableError("LiteRT runs on the CPU here.", hint="Use --device cpu or the TensorFlow runtime.")
        return LiteRTRuntime(package, num_threads=num_threads)
    if runtime == "tensorflow":
        from radassist.core.runtimes.tensorflow import TensorFlowRuntime

        return TensorFlowRuntime(package, device=device)
    raise ConfigError(f"Unknown runtime {runtime!r}.", hint=f"Use one of: {', '.join(RUNTIMES)}.")


# --- the engine ---------------------------------------------------------------------------------------
class Engine:
    """Lazy, thread-safe, load-once model runner. Nothing is read from disk until the first use."""

    def __init__(self, model: str | Path | ModelPackage | None = None, *, device: str | None = None,
                 runtime: str | None = None, batch_size: int = 16, num_threads: int = 2,
                 env: Mapping[str, str] | None = None) -> None:
        self._model_ref = model
        # the one precedence rule (flag, environment, settings file, default) lives in config
        self._requested = resolve_device(device, env=env)
        self._runtime_name = runtime
        if runtime is not None and runtime not in RUNTIMES:
            raise ConfigError(f"Unknown runtime {runtime!r}.", hint=f"Use one of: {', '.join(RUNTIMES)}.")
        self._env = env
        self.batch_size = max(1, int(batch_size))
        self.num_threads = num_threads
        self._lock = threading.Lock()
        self._package: ModelPackage | None = None
        self._runtime: Runtime | None = None
        self.load_ms: float | None = None
        self.fallback_reason: str | None = None

    # loading -------------------------------------------------------------------------------------
    @property
    def requested(self) -> str:
        return self._requested

    @property
    def loaded(self) -> bool:
        return self._runtime is not None

    def load(self) -> Engine:
        """Load the package and the runtime once; later and concurrent calls wait and reuse it."""
        if self._runtime is not None:
            return self
        with self._lock:
            if self._runtime is None:
                t0 = time.perf_counter()
                package = self._model_ref if isinstance(self._model_ref, ModelPackage) else \
                    load_package(resolve(self._model_ref or resolve_model(env=self._env)))
                if package.card.task != "classification":
                    raise ModelError(f"{package.card.ref} is a {package.card.task} model, not a classifier.",
                                     hint="Choose a classification package with --model.")
                device = choose_device(self._requested, self._env)
                runtime = self._start_runtime(package, device)
                self._package = package  # before _runtime: other threads test _runtime without the lock
                self._runtime = runtime
                self.load_ms = (time.perf_counter() - t0) * 1000
                log.info("loaded %s on %s (%s) in %.0f ms", package.card.ref, runtime.device, runtime.name,
                         self.load_ms)
        return self

    def _parts(self) -> tuple[ModelPackage, Runtime]:
        """The loaded package and runtime (loading them on first use)."""
        self.load()
        if self._package is None or self._runtime is None:  # load() sets both or raises
            raise ModelError("The model engine did not load.")
        return self._package, self._runtime

    def _start_runtime(self, package: ModelPackage, device: str) -> Runtime:
        if device != "gpu":
            return make_runtime(package, "cpu", self._runtime_name, num_threads=self.num_threads)
        try:
            return make_runtime(package, "gpu", self._runtime_name)
        except Exception as exc:  # a broken CUDA stack can fail in many ways; none may stop the CPU path
            if self._requested == "gpu" and isinstance(exc, DeviceUnavailableError):
                raise
            return self._fall_back(package, exc)

    def _fall_back(self, package: ModelPackage, exc: BaseException) -> Runtime:
        self.fallback_reason = f"GPU failed ({exc}); using the CPU"
        log.warning("GPU runtime failed for %s: %s. Falling back to the CPU (LiteRT).", package.card.ref, exc)
        runtime = "litert" if package.has("tflite") else "tensorflow"
        return make_runtime(package, "cpu", runtime, num_threads=self.num_threads)

    @property
    def package(self) -> ModelPackage:
        return self._parts()[0]

    @property
    def device(self) -> str:
        return self._parts()[1].device

    @property
    def runtime(self) -> str:
        return self._parts()[1].name

    @property
    def identity(self) -> dict[str, str]:
        return self.package.identity

    # running -------------------------------------------------------------------------------------
    def run_batch(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Raw outputs for preprocessed inputs (N, H, W, 3); a GPU failure falls back to the CPU once."""
        package, runtime = self._parts()
        try:
            return runtime.run(x)
        except Exception as exc:
            if runtime.device != "gpu":
                raise ModelError(f"The model failed to run: {exc}") from exc
            with self._lock:
                if self._runtime is runtime:  # one thread falls back; the others reuse its CPU runtime
                    self._runtime = self._fall_back(package, exc)
            return self._parts()[1].run(x)

    def preprocess(self, image: Any) -> np.ndarray:
        return model_input(image, self.package.card.input_size)

    def predict(self, images: Sequence[Any]) -> list[Prediction]:
        """Calibrated, thresholded findings (+ CAM and pooled features) for XRayImages or uint8 arrays."""
        package, _ = self._parts()
        card = package.card
        out: list[Prediction] = []
        for start in range(0, len(images), self.batch_size):
            chunk = images[start:start + self.batch_size]
            t0 = time.perf_counter()
            x = np.stack([self.preprocess(im) for im in chunk])
            t1 = time.perf_counter()
            raw = self.run_batch(x)
            t2 = time.perf_counter()
            logits = np.asarray(raw["logits"], dtype=np.float32).reshape(len(chunk), -1)
            probs = calibrate(logits, card.temperature)
            cams = raw.get("cam")
            feats = raw.get("features")
            n = len(chunk)
            timings = {"preprocess": (t1 - t0) * 1000 / n, "inference": (t2 - t1) * 1000 / n}
            for i in range(n):
                findings = tuple(
                    Finding(label, float(probs[i, j]), card.thresholds[label], bool(probs[i, j] >= card.thresholds[label]))
                    for j, label in enumerate(card.labels))
                out.append(Prediction(
                    findings=findings, logits=logits[i],
                    cam=None if cams is None else np.asarray(cams[i], dtype=np.float32),
                    features=None if feats is None else np.asarray(feats[i], dtype=np.float32),
                    device=self.device, runtime=self.runtime, model=package.identity,
                    timings_ms={k: round(v, 3) for k, v in timings.items()}))
        return out

    def predict_one(self, image: Any) -> Prediction:
        return self.predict([image])[0]
