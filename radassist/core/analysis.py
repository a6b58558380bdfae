"""One image's complete AI result: gate, findings, heatmaps, lungs, as one immutable ``Analysis``, from the
one ``Pipeline`` (``Pipeline.load(settings)`` -> ``pipeline.analyze(image)``) every front door uses.

The GUI draws it, ``predict --json`` prints ``to_record()``, and the audit log stores that same record as
"the AI output as shown". The record carries the image identity (pixel SHA-256, SOP/Study UIDs) and never
a patient name or ID.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from radassist.core.classify import Engine, Finding, Prediction

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Analysis:
    status: str  # "ok" or "rejected"
    image_sha256: str
    sop_instance_uid: str
    study_instance_uid: str
    image_shape: tuple[int, int]
    model: dict[str, str]  # id, version, sha256 (sha256 of the model card, which pins every weight file)
    device: str
    runtime: str
    ood: Any | None  # ood.OodDecision, None when no gate ran
    gate_model: dict[str, str] | None
    findings: tuple[Finding, ...] = ()
    heatmaps: dict[str, Any] = field(default_factory=dict)  # label -> explain.Heatmap
    lung_mask: Any | None = None  # segmentation.LungMask
    heatmap_in_lungs: dict[str, float] = field(default_factory=dict)
    timings_ms: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    message: str = ""  # the refusal reason when rejected
    #: label -> the notes (each also in ``notes``) that change how to read that finding: the population,
    #: an unreliable lung outline, a heatmap mostly outside the lungs. Shown with the finding, not below.
    caveats: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return self.status == "ok"

    def caveats_for(self, label: str) -> tuple[str, ...]:
        """The notes to read with finding ``label`` (empty when none)."""
        return tuple(self.caveats.get(label, ()))

    def finding(self, label: str) -> Finding:
        for f in self.findings:
            if f.label == label:
                return f
        raise KeyError(label)

    def to_record(self, *, heatmap_paths: dict[str, str] | None = None, mask_path: str | None = None) -> dict[str, Any]:
        """JSON-safe (no arrays, no patient identifiers). A refused image carries no probability."""
        findings = []
        for f in self.findings:
            finding = f.to_record()
            if f.label in self.heatmap_in_lungs:
                finding["heatmap_in_lungs"] = round(float(self.heatmap_in_lungs[f.label]), 4)
            findings.append(finding)
        rec: dict[str, Any] = {
            "status": self.status,
            "image_sha256": self.image_sha256,
            "sop_instance_uid": self.sop_instance_uid or None,
            "study_instance_uid": self.study_instance_uid or None,
            "image_shape": list(self.image_shape),
            "model": dict(self.model),
            "device": self.device,
            "runtime": self.runtime,
            "findings": findings,
            "ood": None if self.ood is None else {**self.ood.to_record(), "model": self.gate_model},
            "heatmaps": {lb: (heatmap_paths or {}).get(lb) for lb in self.heatmaps},
            "heatmap_empty": {lb: bool(h.empty) for lb, h in self.heatmaps.items()},
            "lung_mask": mask_path,
            "lung_area": None if self.lung_mask is None else {
                "pixels": int(self.lung_mask.area_px),
                "cm2": None if self.lung_mask.area_cm2 is None else round(float(self.lung_mask.area_cm2), 2),
                "label": self.lung_mask.area_label,
                "outline_reliable": bool(getattr(self.lung_mask, "reliable", True))},
            "timings_ms": {k: round(float(v), 3) for k, v in self.timings_ms.items()},
            "notes": list(self.notes),
        }
        if self.message:
            rec["message"] = self.message
        return rec


def _shape(image: Any) -> tuple[int, int]:
    if isinstance(image, np.ndarray):
        return (int(image.shape[0]), int(image.shape[1]))
    return image.shape


def _identity(image: Any) -> tuple[str, str, str]:
    if isinstance(image, np.ndarray):
        import hashlib

        return hashlib.sha256(np.ascontiguousarray(image).data).hexdigest(), "", ""
    return image.pixel_sha256, image.sop_instance_uid, image.study_instance_uid


def population_notes(image: Any, card: Any) -> list[str]:
    """A note when the file's patient age lies outside the model card's ``intended_population``: the
    probability is then shown with a warning (the reader decides), never hidden. The age itself is not
    repeated (the note goes into the audit record)."""
    population = card.extra.get("intended_population") or {}
    low, high = population.get("age_years") or (None, None)
    age = None if isinstance(image, np.ndarray) else image.meta.age_years
    if age is None or low is None or high is None or float(low) <= age < float(high):
        return []
    who = "an adult (18 years or older)" if age >= 18 >= float(high) else f"outside {low:g}-{high:g} years"
    return [f"The file gives the patient's age as {who}: this model is meant for "
            f"{population.get('description', f'patients aged {low:g}-{high:g} years')} and was not validated "
            "on this age group. Treat the finding with extra caution."]


def _spacing(image: Any) -> tuple[tuple[float, float] | None, int]:
    """(patient-plane spacing in mm, downscale) for the lung area; none for a bare array."""
    if isinstance(image, np.ndarray):
        return None, 1
    return image.meta.patient_spacing_mm, image.downscale


#: said on every image analysed without an OOD gate / without a lung model (``Pipeline.load`` says why)
NO_GATE_NOTE = "No out-of-distribution gate ran: the input was not checked to be a frontal chest X-ray."
NO_LUNGS_NOTE = "No lung mask: lung segmentation was not run, so there is no lung area or heatmap share in the lungs."


@dataclass(frozen=True, eq=False)
class Pipeline:
    """The models one analysis runs: the classifier, the OOD gate and the lung segmenter, loaded once.

    ``Pipeline.load(settings)`` is the one way the GUI, ``predict`` and ``review`` get it, with one policy:

    - classifier missing: ``ModelNotFoundError``; damaged or not a classifier: ``ModelIntegrityError`` /
      ``ModelCardError`` / ``ModelError``; device unavailable: ``DeviceUnavailableError``. Nothing is analysed.
    - gate or lung package missing (``ModelNotFoundError``): analysis proceeds without it and every
      ``Analysis`` carries a note saying it is not installed.
    - gate or lung package damaged or unusable (any other ``ModelError``: hash mismatch, bad card, wrong task,
      LiteRT refuses it): analysis proceeds without it and every ``Analysis`` carries a note saying it was
      refused and why (the reason is also logged as a warning).

    The notes are part of ``Analysis.notes``, so the GUI shows them, ``predict --json`` prints them and the
    audit log records them. Build a ``Pipeline(engine, gate, segmenter)`` directly to run given parts.
    """

    engine: Engine
    gate: Any | None = None  # gate.OodGate
    segmenter: Any | None = None  # lungs.LungSegmenter
    #: why there is no gate / no lung model (set by ``load``); empty = the generic note
    gate_note: str = ""
    lungs_note: str = ""

    @classmethod
    def load(cls, settings: Any = None, *, model: str | None = None, device: str | None = None) -> Pipeline:
        """Load the classifier (required), the gate and the lung model named by ``settings`` (a
        ``config.Settings``; default ``load_settings()``). ``model``/``device`` are command-line flags: they
        beat the settings (``config.resolve_model``/``resolve_device``)."""
        from radassist.config import load_settings, resolve_device, resolve_model
        from radassist.core.gate import OodGate
        from radassist.core.lungs import LungSegmenter
        from radassist.core.models import DEFAULT_MODEL_ID

        settings = load_settings() if settings is None else settings
        # these settings decide, not a second read of the file: an empty model is the bundled default
        engine = Engine(resolve_model(model, settings) or DEFAULT_MODEL_ID,
                        device=resolve_device(device, settings)).load()
        gate, gate_note = _optional_part(lambda: OodGate.load(settings.ood_gate or None),
                                         "out-of-distribution gate", NO_GATE_NOTE)
        segmenter, lungs_note = _optional_part(lambda: LungSegmenter.load(settings.lung_model or None),
                                               "lung segmentation", NO_LUNGS_NOTE)
        return cls(engine, gate, segmenter, gate_note, lungs_note)

    @property
    def notes(self) -> tuple[str, ...]:
        """What is missing from every analysis this pipeline gives, in words (empty when all loaded)."""
        out = []
        if self.gate is None:
            out.append(self.gate_note or NO_GATE_NOTE)
        if self.segmenter is None:
            out.append(self.lungs_note or NO_LUNGS_NOTE)
        return tuple(out)

    def analyze(self, image: Any, *, explain: bool = True) -> Analysis:
        """Gate -> classifier (+ CAM) -> heatmaps -> lungs for one XRayImage (or 8-bit array)."""
        return self.analyze_many([image], explain=explain)[0]

    def analyze_many(self, images: Sequence[Any], *, explain: bool = True) -> list[Analysis]:
        """The same for several images, batching the gate and the classifier (folder prediction).
        ``explain=False`` skips the heatmaps (a partial record, for tests and benchmarks)."""
        return _analyze_many(self, images, explain)


def _optional_part(loader: Any, what: str, consequence: str) -> tuple[Any | None, str]:
    """(the loaded part, "") or (None, the note that says why it is missing) under ``Pipeline``'s policy."""
    from radassist.core.errors import ModelError, ModelNotFoundError

    try:
        return loader(), ""
    except ModelNotFoundError as exc:
        log.info("%s not installed: %s", what, exc)
        return None, f"{consequence} The {what} package is not installed: {exc}"
    except ModelError as exc:
        log.warning("%s package refused: %s", what, exc)
        return None, f"{consequence} The {what} package was refused as damaged or unusable: {exc}"


def _analyze_many(pipeline: Pipeline, images: Sequence[Any], explain: bool) -> list[Analysis]:
    if not len(images):
        return []
    from radassist.core.preprocess import to_uint8

    engine, gate, segmenter = pipeline.engine, pipeline.gate, pipeline.segmenter
    t0 = time.perf_counter()
    pictures = [to_uint8(im) for im in images]  # one render through the display pipeline, shared by all models
    t_render = (time.perf_counter() - t0) * 1000 / len(images)
    from radassist.core.gate import header_decision

    t0 = time.perf_counter()
    decisions = [header_decision(im) for im in images]  # the DICOM header may already say "not a chest film"
    to_check = [i for i, d in enumerate(decisions) if d is None]
    if gate is not None and to_check:
        for i, d in zip(to_check, gate.check_many([pictures[i] for i in to_check]), strict=True):
            decisions[i] = d
    t_gate = (time.perf_counter() - t0) * 1000 / len(images)
    accepted = [i for i, d in enumerate(decisions) if d is None or d.accepted]
    preds: dict[int, Prediction] = {}
    if accepted:
        for i, p in zip(accepted, engine.predict([pictures[i] for i in accepted]), strict=True):
            preds[i] = p
    base_notes: list[str] = []
    if gate is None:
        base_notes.append(pipeline.gate_note or NO_GATE_NOTE)
    gate_model = gate.identity if gate is not None else None
    out = []
    for i, image in enumerate(images):
        sha, sop, study = _identity(image)
        d = decisions[i]
        # the refusal record; an accepted image's record is the same identity with the findings added
        refused = Analysis(status="rejected", image_sha256=sha, sop_instance_uid=sop, study_instance_uid=study,
                           image_shape=_shape(image), model=engine.identity, device=engine.device,
                           runtime=engine.runtime, ood=d, gate_model=gate_model,
                           message=d.reason if d is not None else "", notes=tuple(base_notes),
                           timings_ms={"render": round(t_render, 3), "ood": round(t_gate, 3),
                                       "total": round(t_render + t_gate, 3)})
        if i not in preds:
            out.append(refused)
            continue
        p = preds[i]
        timings = {"render": t_render, "ood": t_gate, **p.timings_ms}
        population = population_notes(image, engine.package.card)
        notes = list(base_notes) + population
        caveats: dict[str, list[str]] = {f.label: list(population) for f in p.findings}
        heatmaps: dict[str, Any] = {}
        lung_mask, shares = None, {}
        if explain:
            t1 = time.perf_counter()
            heatmaps = _heatmaps(p, engine, _shape(image), notes)
            timings["heatmap"] = (time.perf_counter() - t1) * 1000
        if segmenter is not None:
            t1 = time.perf_counter()
            lung_mask = segmenter.segment_u8(pictures[i], *_spacing(image))
            timings["lungs"] = (time.perf_counter() - t1) * 1000
            shares = _lung_notes(lung_mask, heatmaps, notes, caveats)
        else:
            notes.append(pipeline.lungs_note or NO_LUNGS_NOTE)
        timings["total"] = sum(v for k, v in timings.items() if k != "total")
        out.append(replace(refused, status="ok", message="", findings=p.findings, heatmaps=heatmaps,
                           lung_mask=lung_mask, heatmap_in_lungs=shares,
                           timings_ms={k: round(v, 3) for k, v in timings.items()}, notes=tuple(notes),
                           caveats={lb: tuple(c) for lb, c in caveats.items() if c}))
    return out


def _lung_notes(lung_mask: Any, heatmaps: dict[str, Any], notes: list[str],
                caveats: dict[str, list[str]]) -> dict[str, float]:
    """Heatmap shares inside the lungs; adds the lung caveats (an unreliable outline: every finding; a
    heatmap mostly outside a plausible outline: that finding) to ``notes`` and ``caveats``."""
    from radassist.core.lungs import LOW_SHARE_MESSAGE, LOW_SHARE_WARNING, share_inside

    if lung_mask.problems:  # an implausible outline: said once, and with every finding
        notes.append(lung_mask.note)
        for cav in caveats.values():
            cav.append(lung_mask.note)
    shares = {lb: float(share_inside(h, lung_mask)) for lb, h in heatmaps.items()}
    for lb, s in shares.items():
        # the share of a wrong outline says nothing: no warning then (the outline's own note stands)
        if not heatmaps[lb].empty and s < LOW_SHARE_WARNING and lung_mask.reliable:
            note = f"Only {s:.0%} of the {lb} heatmap lies inside the lungs. {LOW_SHARE_MESSAGE}"
            notes.append(note)
            caveats.setdefault(lb, []).append(note)
    return shares


def _heatmaps(p: Prediction, engine: Engine, shape: tuple[int, int], notes: list[str]) -> dict[str, Any]:
    """Per finding: CAM from the same forward pass (the fast path), upsampled to the image size."""
    if p.cam is None:
        notes.append("This model package returns no class activation map; no heatmap.")
        return {}
    from radassist.core.explain import cam_to_heatmap

    out = {}
    for j, f in enumerate(p.findings):
        out[f.label] = cam_to_heatmap(p.cam[..., j], shape)
        if out[f.label].empty:
            notes.append(f"No salient region for {f.label}.")
    return out
