"""What the audit trail holds: an ``AuditEvent`` (what happened) sealed into an ``AuditRecord``.

The fields follow 21 CFR Part 11 §11.10(e) and DICOM PS3.15 A.5 / IHE ATNA: who (user, workstation), when
(UTC), what action (event type), with which software (app version), on which study (pixel SHA-256,
SOP/Study Instance UIDs), seeing which model output, deciding what, superseding what, and why. Patient
names and IDs are never needed and are stripped defensively from every nested value.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from radassist.core.audit import canonical

IMAGE_OPENED = "image_opened"
PREDICTION_SHOWN = "prediction_shown"
HEATMAP_VIEWED = "heatmap_viewed"
FINDING_ACCEPTED = "finding_accepted"
FINDING_CORRECTED = "finding_corrected"
NOTE_ADDED = "note_added"
SIGNED_OFF = "signed_off"
EXPORT = "export"
SETTINGS_CHANGED = "settings_changed"
AUDIT_VIEWED = "audit_viewed"
#: a file could not be opened: details carry a digest of its path and the error class, never the name
IMAGE_OPEN_FAILED = "image_open_failed"
#: a change to a signed-off review (reason required): supersedes the finding's value, never the sign-off record
ADDENDUM = "addendum"

EVENT_TYPES = (IMAGE_OPENED, PREDICTION_SHOWN, HEATMAP_VIEWED, FINDING_ACCEPTED, FINDING_CORRECTED,
               NOTE_ADDED, SIGNED_OFF, EXPORT, SETTINGS_CHANGED, AUDIT_VIEWED, IMAGE_OPEN_FAILED, ADDENDUM)

#: where ``AuditEvent.os_user`` is stored: inside the hashed ``details`` object, so the stored columns, the
#: canonical form of earlier records and the chain are unchanged (an older record reads back with "")
OS_USER_KEY = "os_user"

GENESIS_HASH = "0" * 64

# Keys that identify a patient (DICOM keywords and the spellings other code uses), compared after
# lower-casing and dropping "_", "-", " " and "'": removed wherever they appear in a nested value.
_PATIENT_KEYS = {"patientname", "patientid", "patientsname", "patientbirthdate", "patientsbirthdate",
                 "otherpatientids", "otherpatientnames", "otherpatientidssequence", "patientaddress",
                 "patientbirthname", "patientmothersbirthname", "patienttelephonenumbers",
                 "issuerofpatientid", "patient", "medicalrecordlocator", "patientsaddress",
                 # quasi-identifiers kept apart by core.image.PATIENT_FIELDS: not needed for an audit either
                 "patientsex", "patientssex", "patientage", "patientsage"}
_KEY_NOISE = re.compile(r"[\s_\-']")


def is_patient_key(key: str) -> bool:
    return _KEY_NOISE.sub("", key).lower() in _PATIENT_KEYS


def strip_patient(obj: Any) -> Any:
    """``obj`` without any mapping entry whose key names a patient identifier, at any depth."""
    if isinstance(obj, Mapping):
        return {k: strip_patient(v) for k, v in obj.items() if not is_patient_key(str(k))}
    if isinstance(obj, (list, tuple)):
        return [strip_patient(v) for v in obj]
    return obj


def _frozen_json(value: Any) -> Any:
    """A private, normalised, patient-free copy: later changes to the caller's dict cannot alter the event."""
    return None if value is None else canonical.normalize(strip_patient(value))


@dataclass(frozen=True)
class AuditEvent:
    """One thing that happened, before the store gives it a sequence number and seals it in the chain."""

    event_type: str
    #: the display name the reviewer chose (may change; what the history shows)
    user: str
    workstation: str = ""
    app_version: str = ""
    pixel_sha256: str = ""
    sop_instance_uid: str = ""
    study_instance_uid: str = ""
    #: {id, version, sha256, thresholds}
    model: Mapping[str, Any] | None = None
    #: the AI output exactly as shown (``Analysis.to_record()``)
    ai_output: Mapping[str, Any] | None = None
    #: the human decision, e.g. {label, value, ai_value, action}
    decision: Mapping[str, Any] | None = None
    #: the value this decision supersedes (the AI's call or an earlier decision)
    previous: Mapping[str, Any] | None = None
    reason: str = ""
    #: anything else (note text, export filters, changed settings)
    details: Mapping[str, Any] | None = None
    event_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    timestamp: str = field(default_factory=canonical.utc_timestamp)
    #: the operating-system login that made the event (``config.os_user()``, never typed); "" for records
    #: written before 0.3. Kept in ``details`` when stored (``to_dict``), lifted back out when read.
    os_user: str = ""

    def __post_init__(self) -> None:
        if self.event_type not in EVENT_TYPES:
            raise ValueError(f"unknown audit event type {self.event_type!r}")
        if isinstance(self.timestamp, datetime):
            object.__setattr__(self, "timestamp", canonical.utc_timestamp(self.timestamp))
        else:
            canonical.parse_timestamp(self.timestamp)  # raises ValueError when not canonical
        for name in ("model", "ai_output", "decision", "previous", "details"):
            object.__setattr__(self, name, _frozen_json(getattr(self, name)))
        for name in ("user", "workstation", "app_version", "pixel_sha256", "sop_instance_uid",
                     "study_instance_uid", "reason", "event_id", "os_user"):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise TypeError(f"AuditEvent.{name} must be a string, got {type(value).__name__}")
            object.__setattr__(self, name, canonical.clean_text(value))
        self._lift_os_user()

    def _lift_os_user(self) -> None:
        """Read back from storage: a non-empty ``details.os_user`` becomes the field (the inverse of
        ``to_dict``, so a stored record's canonical form, and with it its hash, is reproduced exactly)."""
        details = self.details
        if not isinstance(details, dict):
            return
        if self.os_user:
            if not details:  # {} and None would store the same way once the login is added
                object.__setattr__(self, "details", None)
            return
        login = details.get(OS_USER_KEY)
        if isinstance(login, str) and login:
            rest = {k: v for k, v in details.items() if k != OS_USER_KEY}
            object.__setattr__(self, "os_user", login)
            object.__setattr__(self, "details", rest or None)

    def to_dict(self) -> dict[str, Any]:
        """The stored form: the event's columns, the OS login inside ``details`` (see ``OS_USER_KEY``)."""
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "os_user"}
        if self.os_user:
            d["details"] = {**(self.details or {}), OS_USER_KEY: self.os_user}
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AuditEvent:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


@dataclass(frozen=True)
class AuditRecord:
    """A stored event: its place in the chain (sequence, previous hash) and its own SHA-256."""

    sequence: int
    event: AuditEvent
    prev_hash: str
    hash: str

    def to_dict(self) -> dict[str, Any]:
        """Flat, export-friendly: sequence, the event's fields (the OS login in ``details``), prev_hash, hash."""
        return {"sequence": self.sequence, **self.event.to_dict(), "prev_hash": self.prev_hash, "hash": self.hash}
