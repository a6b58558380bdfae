"""Realistic audit events for tests and benchmarks (a review's worth of fields, ~1 kB each)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from radassist.core.audit import AuditEvent
from radassist.core.audit import events as ev

_TYPES = (ev.IMAGE_OPENED, ev.PREDICTION_SHOWN, ev.HEATMAP_VIEWED, ev.FINDING_ACCEPTED, ev.FINDING_CORRECTED,
          ev.NOTE_ADDED, ev.SIGNED_OFF)


def analysis_record(i: int = 0) -> dict:
    """Shaped like ``Analysis.to_record()``: what the audit stores as "the AI output as shown"."""
    p = ((i * 7919) % 1000) / 1000.0
    return {
        "image": {"pixel_sha256": pixel_sha(i), "sop_instance_uid": f"1.2.826.0.1.3680043.8.498.{i}",
                  "study_instance_uid": f"1.2.826.0.1.3680043.8.498.{i}.1"},
        "model": {"id": "pneumonia-mnv2", "version": "1.0.0", "sha256": "ab" * 32, "signer": "bundled"},
        "device": "cpu",
        "ood": {"score": 0.12, "accepted": True, "reason": "", "inverted": False},
        "findings": [{"label": "pneumonia", "probability": p, "threshold": 0.42, "positive": p >= 0.42}],
        "lung_area_cm2": 612.5,
        "heatmap_in_lungs": {"pneumonia": 0.91},
        "timings_ms": {"decode": 12.5, "ood": 3.1, "classify": 6.8, "segment": 20.2, "explain": 0.4},
    }


def pixel_sha(i: int) -> str:
    return hashlib.sha256(f"image-{i}".encode()).hexdigest()


def event(i: int, *, user: str = "dr.alice") -> AuditEvent:
    rec = analysis_record(i // 7)
    kind = _TYPES[i % len(_TYPES)]
    corrected = kind == ev.FINDING_CORRECTED
    return AuditEvent(
        event_type=kind, user=user, workstation="ws-01", app_version="0.1.0",
        pixel_sha256=rec["image"]["pixel_sha256"], sop_instance_uid=rec["image"]["sop_instance_uid"],
        study_instance_uid=rec["image"]["study_instance_uid"],
        model={**rec["model"], "thresholds": {"pneumonia": 0.42}},
        ai_output=rec if kind != ev.IMAGE_OPENED else None,
        decision={"label": "pneumonia", "value": "absent" if corrected else "present", "ai_value": "present"}
        if kind in (ev.FINDING_ACCEPTED, ev.FINDING_CORRECTED) else None,
        previous={"value": "present", "source": "ai"} if corrected else None,
        reason="consolidation is a rib overlap" if corrected else "",
        details={"note": f"note {i} — ünïcode"} if kind == ev.NOTE_ADDED else None,
    )


def events(n: int, start: int = 0, **kw) -> Iterator[AuditEvent]:
    return (event(i, **kw) for i in range(start, start + n))
