"""Run the AI off the UI thread: load the models once, lazily, then analyse each opened image.

The first image triggers the load (the findings panel says "Loading model…"); later images reuse the
loaded engine, OOD gate and lung segmenter. One worker thread serialises loading and analysing, so two
images never race for one interpreter, and a result for an image no longer on screen is dropped. Nothing
here imports TensorFlow: on the CPU the engine runs LiteRT.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from radassist.gui.workers import JobRunner

if TYPE_CHECKING:  # numpy (via core.image) loads with the first image, not at start-up
    from radassist.core.image import XRayImage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Models:
    """What ``analyze`` needs. ``gate``/``segmenter`` may be missing; ``notes`` say so in words."""

    engine: Any
    gate: Any | None = None
    segmenter: Any | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class AnalysisResult:
    """One image's analysis as the GUI shows it, with its record (what the audit stores)."""

    image: XRayImage
    analysis: Any  # core.analysis.Analysis
    record: dict
    models: Models
    seconds: float


def load_models(model: str | None = None, device: str | None = None) -> Models:
    """Worker body: the classifier (required), the OOD gate and the lung segmenter (each optional)."""
    from radassist.core.classify import Engine
    from radassist.core.errors import ModelNotFoundError, RadAssistError

    engine = Engine(model or None, device=device or None).load()
    notes: list[str] = []
    gate = segmenter = None
    try:
        from radassist.core.gate import OodGate

        gate = OodGate.load()
    except RadAssistError as exc:
        log.warning("OOD gate unavailable: %s", exc)
        if not isinstance(exc, ModelNotFoundError):  # "not installed" is said by the analysis itself
            notes.append(f"The out-of-distribution gate could not be loaded: {exc}")
    try:
        from radassist.core.lungs import LungSegmenter

        segmenter = LungSegmenter.load()
    except RadAssistError as exc:
        log.warning("lung segmenter unavailable: %s", exc)
        if not isinstance(exc, ModelNotFoundError):
            notes.append(f"The lung segmentation model could not be loaded: {exc}")
    return Models(engine, gate, segmenter, tuple(notes))


def run_analysis(models: Models, image: XRayImage) -> AnalysisResult:
    """Worker body: one image through ``core.analysis.analyze`` (gate, model, heatmaps, lungs)."""
    from radassist.core.analysis import analyze

    t0 = time.perf_counter()
    analysis = analyze(image, engine=models.engine, gate=models.gate, segmenter=models.segmenter)
    record = analysis.to_record()
    return AnalysisResult(image, analysis, record, models, time.perf_counter() - t0)


class AnalysisService(QObject):
    """Queue ``analyze(image)``; signals arrive on the UI thread, tagged with the image's pixel SHA-256."""

    #: the model load started (the first image)
    loading = Signal()
    #: Models, once loaded
    loaded = Signal(object)
    #: AnalysisResult for the image most recently asked for
    finished = Signal(object)
    #: (pixel_sha256, exception): loading or analysing failed
    failed = Signal(object, object)

    def __init__(self, parent: QObject | None = None,
                 loader: Callable[[], Models] | None = None) -> None:
        super().__init__(parent)
        self.jobs = JobRunner(self, threads=1)
        self._loader = loader or load_models
        self._models: Models | None = None
        self._lock = threading.Lock()
        self._gen = 0
        self._loading = False

    @property
    def models(self) -> Models | None:
        return self._models

    @property
    def busy(self) -> bool:
        return self.jobs.active > 0

    def analyze(self, image: XRayImage) -> None:
        """Analyse ``image`` on the worker; an earlier request still waiting is dropped."""
        self._gen += 1
        self.jobs.cancel_all()  # only the image on screen matters
        if self._models is None and not self._loading:
            self._loading = True
            self.loading.emit()
        self.jobs.submit(self._work, image, tag=(self._gen, image.pixel_sha256),
                         on_progress=self._on_progress, on_result=self._on_result, on_error=self._on_error)

    def cancel(self) -> None:
        self._gen += 1
        self.jobs.cancel_all()

    def shutdown(self) -> None:
        self.jobs.shutdown()

    # --- worker side -------------------------------------------------------------------------------
    def _ensure_models(self, report: Callable[[Any], None]) -> Models:
        with self._lock:
            if self._models is None:
                t0 = time.perf_counter()
                models = self._loader()
                self._models = models
                log.info("models loaded in %.0f ms", (time.perf_counter() - t0) * 1000)
                report(models)  # dropped when cancelled; ``loaded`` is then emitted with the next result
            return self._models

    def _work(self, report: Callable[[Any], None], cancelled: Callable[[], bool], image: XRayImage):
        models = self._ensure_models(report)
        if cancelled():
            return None
        return run_analysis(models, image)

    # --- UI side -----------------------------------------------------------------------------------
    def _on_progress(self, _tag: tuple, models: Models) -> None:
        if self._loading:
            self._loading = False
            self.loaded.emit(models)

    def _on_result(self, tag: tuple, result: AnalysisResult | None) -> None:
        if self._loading and self._models is not None:
            self._loading = False
            self.loaded.emit(self._models)
        if result is not None and tag[0] == self._gen:
            self.finished.emit(result)

    def _on_error(self, tag: tuple, exc: BaseException) -> None:
        if self._models is None:
            self._loading = False  # the next image tries loading again
        if tag[0] == self._gen:
            log.warning("analysis of %s… failed: %s", tag[1][:12], exc)
            self.failed.emit(tag[1], exc)
