"""Audit events: known types only, UTC timestamps, frozen contents, never a patient identifier."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest

from radassist.core.audit import EVENT_TYPES, AuditEvent
from radassist.core.audit.events import strip_patient


def test_the_event_types_of_the_issue():
    assert set(EVENT_TYPES) == {"image_opened", "prediction_shown", "heatmap_viewed", "finding_accepted",
                                "finding_corrected", "note_added", "signed_off", "export", "settings_changed",
                                "audit_viewed", "image_open_failed", "addendum"}
    with pytest.raises(ValueError):
        AuditEvent("image_deleted", "alice")


def test_timestamp_and_id_are_filled_in_and_checked():
    e = AuditEvent("image_opened", "alice")
    assert e.timestamp.endswith("Z") and len(e.timestamp) == 27
    assert len(e.event_id) == 32 and e.event_id != AuditEvent("image_opened", "alice").event_id
    with pytest.raises(ValueError):
        AuditEvent("image_opened", "alice", timestamp="22/11/2026 05:00")


def test_event_is_frozen_and_does_not_share_the_callers_dict():
    output = {"findings": [{"label": "pneumonia", "probability": 0.7}]}
    e = AuditEvent("prediction_shown", "alice", ai_output=output)
    output["findings"][0]["probability"] = 0.1  # the caller changes its copy afterwards
    assert e.ai_output["findings"][0]["probability"] == 0.7
    with pytest.raises(FrozenInstanceError):
        e.user = "mallory"


def test_patient_identifiers_are_stripped_at_any_depth():
    e = AuditEvent("prediction_shown", "alice",
                   ai_output={"PatientName": "DOE^JANE", "meta": {"patient_id": "MRN123", "Modality": "CR",
                                                                  "patient": {"PatientBirthDate": "19700101"}},
                              "items": [{"Patient's Name": "DOE^JANE", "ok": 1}]},
                   details={"PatientID": "MRN123"})
    text = repr(e.to_dict())
    assert "DOE" not in text and "MRN123" not in text and "19700101" not in text
    assert e.ai_output == {"meta": {"Modality": "CR"}, "items": [{"ok": 1}]}
    assert strip_patient({"PatientSex": "F", "StudyInstanceUID": "1.2"}) == {"StudyInstanceUID": "1.2"}


def test_new_event_stamps_workstation_version_and_reviewer(monkeypatch, radassist_home):
    from radassist import __version__
    from radassist.config import workstation
    from radassist.core.audit import new_event

    monkeypatch.setenv("RADASSIST_USER", "Dr. Display Name")
    e = new_event("settings_changed", details={"device": ["auto", "cpu"]})
    assert (e.user, e.workstation, e.app_version) == ("Dr. Display Name", workstation(), __version__)
    assert new_event("audit_viewed", user="dr.bob").user == "dr.bob"
