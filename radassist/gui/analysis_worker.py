"""Run the AI off the UI thread: load the models once, lazily, then analyse each opened image.

The first image triggers ``core.analysis.Pipeline.load`` (the findings panel says "Loading model…"); later
images reuse its engine, OOD gate and lung segmenter. One worker thread serialises loading and analysing, so
two images never race for one interpreter, and a result for an image no longer on screen is dropped.
Nothing here imports TensorFlow: on the CPU the engine runs LiteRT.
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
    from radassist.core.analysis import Analysis, Pipeline
    from radassist.core.image import XRayImage

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class AnalysisResult:
    """One image's analysis as the GUI shows it, with its record (what the audit stores)."""

    image: XRayImage
    analysis: Analysis
    record: dict
    pipeline: Pipeline
    seconds: float


def load_pipeline(settings: Any = None) -> Pipeline:
    """Worker body: ``core.analysis.Pipeline.load`` (the classifier required, the gate and lungs optional,
    one policy for all front doors) for the window's settings."""
    from radassist.core.analysis import Pipeline

    return Pipeline.load(settings)


def run_analysis(pipeline: Pipeline, image: XRayImage) -> AnalysisResult:
    """Worker body: one image through the pipeline (gate, model, heatmaps, lungs)."""
    t0 = time.perf_counter()
    analysis = pipeline.analyze(image)
    record = analysis.to_record()
    return AnalysisResult(image, analysis, record, pipeline, time.perf_counter() - t0)


class AnalysisService(QObject):
    """Queue ``analyze(image)``; signals arrive on the UI thread, tagged with the image's pixel SHA-256."""

    #: the model load started (the first image)
    loading = Signal()
    #: the core.analysis.Pipeline, once loaded
    loaded = Signal(object)
    #: AnalysisResult for the image most recently asked for
    finished = Signal(object)
    #: (pixel_sha256, exception): loading or analysing failed
    failed = Signal(object, object)

    def __init__(self, parent: QObject | None = None,
                 loader: Callable[[], Pipeline] | None = None) -> None:
        super().__init__(parent)
        self.jobs = JobRunner(self, threads=1)
        self._loader = loader or load_pipeline
        self._pipeline: Pipeline | None = None
        self._lock = threading.Lock()
        self._gen = 0
        self._loading = False

    @property
    def pipeline(self) -> Pipeline | None:
        """The loaded ``core.analysis.Pipeline``; None before the first image."""
        return self._pipeline

    @property
    def busy(self) -> bool:
        return self.jobs.active > 0

    def analyze(self, image: XRayImage) -> None:
        """Analyse ``image`` on the worker; an earlier request still waiting is dropped."""
        self._gen += 1
        self.jobs.cancel_all()  # only the image on screen matters
        if self._pipeline is None and not self._loading:
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
    def _ensure_pipeline(self, report: Callable[[Any], None]) -> Pipeline:
        with self._lock:
            if self._pipeline is None:
                t0 = time.perf_counter()
                pipeline = self._loader()
                self._pipeline = pipeline
                log.info("models loaded in %.0f ms", (time.perf_counter() - t0) * 1000)
                report(pipeline)  # dropped when cancelled; ``loaded`` is then emitted with the next result
            return self._pipeline

    def _work(self, report: Callable[[Any], None], cancelled: Callable[[], bool], image: XRayImage):
        pipeline = self._ensure_pipeline(report)
        if cancelled():
            return None
        return run_analysis(pipeline, image)

    # --- UI side -----------------------------------------------------------------------------------
    def _on_progress(self, _tag: tuple, pipeline: Pipeline) -> None:
        if self._loading:
            self._loading = False
            self.loaded.emit(pipeline)

    def _on_result(self, tag: tuple, result: AnalysisResult | None) -> None:
        if self._loading and self._pipeline is not None:
            self._loading = False
            self.loaded.emit(self._pipeline)
        if result is not None and tag[0] == self._gen:
            self.finished.emit(result)

    def _on_error(self, tag: tuple, exc: BaseException) -> None:
        if self._pipeline is None:
            self._loading = False  # the next image tries loading again
        if tag[0] == self._gen:
            log.warning("analysis of %s… failed: %s", tag[1][:12], exc)
            self.failed.emit(tag[1], exc)
