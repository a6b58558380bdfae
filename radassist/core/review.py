"""The clinician's review of one image: accept or correct each AI finding, add a note, sign off.

Every step becomes an audit event (through an ``Outbox``, so nothing is lost when the store is down)
carrying the image identity, the model identity and thresholds, the AI output exactly as shown, the
decision, the value it supersedes and the reason. Disagreeing with the AI, or changing an earlier human
decision, needs a reason. Nothing is ever overwritten: ``history`` returns every decision, a later one
marking the earlier one ``superseded``. Patient names and IDs never enter a review event.

A signed-off review is read-only: any later change is an ``addendum`` (a reason is required), which
supersedes the finding's earlier value while the sign-off stays in the history, and in force.

The GUI's findings panel and ``radassist review`` both drive this class, so they record the same events.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from radassist.core.audit import events as ev
from radassist.core.audit.events import AuditEvent, AuditRecord, strip_patient
from radassist.core.audit.outbox import Outbox
from radassist.core.audit.store import AuditStore
from radassist.core.errors import AuditError, ReviewError

log = logging.getLogger(__name__)

PRESENT, ABSENT = "present", "absent"
DECISION_EVENTS = (ev.FINDING_ACCEPTED, ev.FINDING_CORRECTED, ev.NOTE_ADDED, ev.SIGNED_OFF, ev.ADDENDUM)
#: the events that set a finding's value
FINDING_EVENTS = (ev.FINDING_ACCEPTED, ev.FINDING_CORRECTED, ev.ADDENDUM)

#: a worklist item's review state (``review_state``); UNKNOWN: not opened in this session yet
NEW, REVIEWED, SIGNED_OFF, UNSAVED, UNKNOWN = "new", "reviewed", "signed off", "not yet saved", ""
REVIEW_STATES = (NEW, REVIEWED, SIGNED_OFF, UNSAVED)


@dataclass(frozen=True)
class Decision:
    """One review step as the history shows it."""

    kind: str  # an event type from DECISION_EVENTS
    user: str  # the display name
    timestamp: str
    event_id: str
    label: str = ""
    value: str = ""  # present | absent (finding decisions)
    ai_value: str = ""
    previous: Mapping[str, Any] | None = None
    reason: str = ""
    note: str = ""
    sequence: int | None = None  # None while not yet saved
    superseded: bool = False
    #: the OS login behind ``user`` ("" for records written before 0.3)
    os_user: str = ""

    @property
    def saved(self) -> bool:
        return self.sequence is not None

    @classmethod
    def from_event(cls, event: AuditEvent, sequence: int | None) -> Decision:
        d = event.decision or {}
        return cls(kind=event.event_type, user=event.user, timestamp=event.timestamp, event_id=event.event_id,
                   label=str(d.get("label", "")), value=str(d.get("value", "")),
                   ai_value=str(d.get("ai_value", "")), previous=event.previous, reason=event.reason,
                   note=str((event.details or {}).get("note", "")), sequence=sequence, os_user=event.os_user)

    @property
    def signer(self) -> str:
        """Who, as the history shows it: the display name and, when it differs, the OS login."""
        return self.user if not self.os_user or self.os_user == self.user else f"{self.user} ({self.os_user})"


def mark_superseded(decisions: Iterable[Decision]) -> list[Decision]:
    """Flag each finding decision (an addendum included) followed by a later one on the same label, and
    each sign-off followed by a later plain finding decision (a review reopened before addenda existed).
    An addendum never supersedes the sign-off it amends. Nothing is dropped."""
    out = list(decisions)
    later_labels: set[str] = set()
    later_finding = False
    for i in range(len(out) - 1, -1, -1):
        d = out[i]
        if d.kind in FINDING_EVENTS:
            if d.label in later_labels:
                out[i] = replace(d, superseded=True)
            later_labels.add(d.label)
            later_finding = later_finding or d.kind != ev.ADDENDUM
        elif d.kind == ev.SIGNED_OFF and later_finding:
            out[i] = replace(d, superseded=True)
    return out


def history(store: AuditStore, pixel_sha256: str) -> list[Decision]:
    """Every review decision ever recorded for this image, oldest first; superseded ones are flagged."""
    records = store.query(pixel_sha256=pixel_sha256, event_types=DECISION_EVENTS)
    return mark_superseded(Decision.from_event(r.event, r.sequence) for r in records)


def current_values(decisions: Iterable[Decision]) -> dict[str, Decision]:
    """The decision in force for each finding label (an addendum's value once there is one)."""
    cur: dict[str, Decision] = {}
    for d in decisions:
        if d.kind in FINDING_EVENTS:
            cur[d.label] = d
    return cur


def sign_off_in_force(decisions: Iterable[Decision]) -> Decision | None:
    """The sign-off that closes this history (None while the review is open)."""
    found = None
    for d in mark_superseded(decisions):
        if d.kind == ev.SIGNED_OFF and not d.superseded:
            found = d
    return found


def review_state(decisions: Iterable[Decision]) -> str:
    """A worklist item's state from its history: ``not yet saved`` while any step waits for the store,
    else ``signed off``, ``reviewed`` (a decision or note, not signed off) or ``new``."""
    ds = list(decisions)
    if any(not d.saved for d in ds):
        return UNSAVED
    if sign_off_in_force(ds) is not None:
        return SIGNED_OFF
    return REVIEWED if ds else NEW



def open_failure_event(path: str | os.PathLike[str], exc: BaseException, user: str) -> AuditEvent:
    """The ``image_open_failed`` event: a digest of the path and the error's class and code, nothing the
    file name or the header could reveal about the patient."""
    from radassist.core.audit import new_event
    from radassist.core.image.failures import path_digest

    return new_event(ev.IMAGE_OPEN_FAILED, user=user,
                     details={"path_digest": path_digest(path), "error": type(exc).__name__,
                              "code": str(getattr(exc, "code", "") or "")})


#: the PAM service a sign-off password is checked against (the system's own login rules)
PAM_SERVICE = "login"


def check_os_password(login: str, password: str) -> None:
    """Re-authenticate ``login`` with its OS password; ReviewError when refused. The password goes
    straight to PAM (Linux, the ``pam`` extra) and is never stored, logged or put in an event."""
    import sys

    if not sys.platform.startswith("linux"):
        raise ReviewError("Sign-off with the OS password is supported on Linux (PAM) only.",
                          hint="Turn the setting sign_off_password off on this workstation.")
    try:
        import pam
    except ImportError as exc:
        raise ReviewError("Sign-off with the OS password needs python-pam.",
                          hint="Install it with: pip install 'radassist[pam]'.") from exc
    checker = pam.PamAuthenticator()
    if not password or not checker.authenticate(login, password, service=PAM_SERVICE):
        log.warning("sign-off refused: the OS password was not accepted")
        raise ReviewError(f"The password for {login} was not accepted: not signed off.",
                          hint="Type the password of the operating-system login shown.")


def identity_of(image: Any) -> dict[str, str]:
    """The audit identity of an ``XRayImage``: pixel SHA-256 and SOP/Study Instance UIDs, nothing else."""
    return {"pixel_sha256": image.pixel_sha256, "sop_instance_uid": image.sop_instance_uid,
            "study_instance_uid": image.study_instance_uid}


def record_image_opened(sink: Outbox | AuditStore, identity: Mapping[str, str], user: str, *,
                        details: Mapping[str, Any] | None = None) -> AuditRecord:
    """The ``image_opened`` event, for a viewer that opens an image before (or without) its analysis.

    ``details`` must not name the file: file names often carry the patient's name.
    """
    from radassist.core.audit import new_event

    return sink.append(new_event(ev.IMAGE_OPENED, user=user, details=details,
                                 pixel_sha256=str(identity.get("pixel_sha256", "")),
                                 sop_instance_uid=str(identity.get("sop_instance_uid", "")),
                                 study_instance_uid=str(identity.get("study_instance_uid", ""))))


def image_identity(record: Mapping[str, Any]) -> dict[str, str]:
    """Pixel SHA-256 and SOP/Study Instance UIDs from an analysis record (top level or a nested "image").

    ``Analysis.to_record()`` names the pixel hash ``image_sha256``; the audit calls it ``pixel_sha256``.
    """
    nested = record.get("image") if isinstance(record.get("image"), Mapping) else {}

    def pick(*keys: str) -> str:
        for src in (record, nested):
            for k in keys:
                if src.get(k):
                    return str(src[k])
        return ""

    ident = {"pixel_sha256": pick("pixel_sha256", "image_sha256"),
             "sop_instance_uid": pick("sop_instance_uid"), "study_instance_uid": pick("study_instance_uid")}
    if not ident["pixel_sha256"]:
        raise ReviewError("The analysis has no image identity (pixel SHA-256); it cannot be reviewed.")
    return ident


def model_identity(record: Mapping[str, Any]) -> dict[str, Any]:
    """Model id, version, sha256, who vouched for it (signer) and the thresholds the findings were called with."""
    model = record.get("model") if isinstance(record.get("model"), Mapping) else {}
    thresholds = {str(f["label"]): f.get("threshold") for f in _findings(record)}
    return {"id": model.get("id", ""), "version": model.get("version", ""), "sha256": model.get("sha256", ""),
            "signer": model.get("signer", ""), "thresholds": model.get("thresholds") or thresholds}


def _findings(record: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    findings = record.get("findings") or []
    return [f for f in findings if isinstance(f, Mapping) and "label" in f]


def _as_value(present: bool | str) -> str:
    if isinstance(present, str):
        v = present.strip().lower()
        if v not in (PRESENT, ABSENT):
            raise ReviewError(f"A finding is {PRESENT!r} or {ABSENT!r}, not {present!r}.")
        return v
    return PRESENT if present else ABSENT


class Review:
    """The review of one analysed image by one reviewer.

    ``sink`` is an ``Outbox`` (or a store, wrapped in one). A step is taken (listed, unsaved) before it is
    written; when the write fails it stays in ``unsaved()`` and the ``AuditWriteError`` propagates so the UI
    can tell the user; the outbox retries it (``retry()``). ``write(event)`` stores each event (default:
    ``outbox.append`` now, on the caller's thread; the GUI passes one that writes on a worker). ``prior=None`` reads the image's
    history now; a caller that reads it elsewhere passes ``prior=[]`` and then ``add_history``.
    """

    def __init__(self, analysis_record: Mapping[str, Any], reviewer: str, sink: Outbox | AuditStore, *,
                 workstation: str | None = None, app_version: str | None = None,
                 prior: Iterable[Decision] | None = None,
                 write: Callable[[AuditEvent], Any] | None = None, require_password: bool = False) -> None:
        from radassist import __version__
        from radassist.config import os_user
        from radassist.config import workstation as this_workstation

        if not reviewer or not reviewer.strip():
            raise ReviewError("A review needs the reviewer's name.", hint="Set a display name in the settings.")
        self.record = strip_patient(dict(analysis_record))  # the AI output as shown, minus any patient id
        self.reviewer = reviewer.strip()
        self.outbox = sink if isinstance(sink, Outbox) else Outbox(sink)
        self.identity = image_identity(self.record)
        self.model = model_identity(self.record)
        self.findings = {str(f["label"]): f for f in _findings(self.record)}
        # the OS login is read from the system for every review: a display name never stands in for it
        self._base = {"user": self.reviewer, "os_user": os_user(), "workstation": workstation or this_workstation(),
                      "app_version": app_version or __version__, **self.identity}
        self._write = write or self.outbox.append
        #: sign-off needs the OS login's password (``check_os_password``)
        self.require_password = require_password
        self._decisions: list[Decision] = list(prior) if prior is not None else self._load_prior()

    @property
    def os_user(self) -> str:
        return str(self._base["os_user"])

    def add_history(self, earlier: Iterable[Decision]) -> None:
        """Put the image's stored history (read on another thread) ahead of the steps taken since."""
        have = {d.event_id for d in self._decisions}
        self._decisions = [d for d in earlier if d.event_id not in have] + self._decisions

    # --- what the reviewer sees ----------------------------------------------------------------------
    @property
    def decisions(self) -> list[Decision]:
        """This image's review history, earlier sessions included, superseded ones flagged."""
        # a step taken while the store failed gets its sequence once any later flush stored it
        self._decisions = [replace(d, sequence=self.outbox.stored_sequence(d.event_id)) if d.sequence is None else d
                           for d in self._decisions]
        return mark_superseded(self._decisions)

    def current(self) -> dict[str, Decision]:
        return current_values(self.decisions)

    def undecided(self) -> list[str]:
        cur = self.current()
        return [label for label in self.findings if label not in cur]

    def unsaved(self) -> list[Decision]:
        return [d for d in self.decisions if not d.saved]

    @property
    def signed_off(self) -> bool:
        """Signed off (in this session or an earlier one, also while the sign-off is not yet saved):
        read-only, changes only by ``addendum``."""
        return self.sign_off_decision is not None

    @property
    def sign_off_decision(self) -> Decision | None:
        """The sign-off in force: who signed and when."""
        return sign_off_in_force(self.decisions)

    def summary(self) -> dict[str, str]:
        """Each decided finding's value in force (what a sign-off records)."""
        return {label: d.value for label, d in self.current().items()}

    def ai_value(self, label: str) -> str:
        return PRESENT if bool(self._finding(label).get("positive")) else ABSENT

    # --- events that are not decisions --------------------------------------------------------------
    def image_opened(self, details: Mapping[str, Any] | None = None) -> AuditRecord | None:
        return self._emit(ev.IMAGE_OPENED, details=details)

    def prediction_shown(self) -> AuditRecord | None:
        return self._emit(ev.PREDICTION_SHOWN, model=self.model, ai_output=self.record)

    def heatmap_viewed(self, label: str) -> AuditRecord | None:
        self._finding(label)
        return self._emit(ev.HEATMAP_VIEWED, model=self.model, details={"label": label})

    # --- decisions ----------------------------------------------------------------------------------
    def accept(self, label: str) -> Decision:
        """Agree with the AI's call for ``label``."""
        return self.decide(label, self.ai_value(label))

    def accept_all(self) -> list[Decision]:
        """Accept the AI's call for every finding not yet decided."""
        self._open_check()
        return [self.accept(label) for label in self.undecided()]

    def correct(self, label: str, present: bool | str, reason: str) -> Decision:
        """Mark ``label`` present/absent against the AI (or an earlier decision): ``reason`` is required."""
        return self.decide(label, present, reason)

    def decide(self, label: str, present: bool | str, reason: str = "") -> Decision:
        """Record the reviewer's value for ``label``: an acceptance when it matches the AI, else a correction."""
        self._open_check()
        finding = self._finding(label)
        value, ai = _as_value(present), self.ai_value(label)
        reason = (reason or "").strip()
        before = self.current().get(label)
        if before is not None:
            previous = {"value": before.value, "source": "reviewer", "user": before.user,
                        "sequence": before.sequence, "event_id": before.event_id, "timestamp": before.timestamp}
        else:
            previous = {"value": ai, "source": "ai", "probability": finding.get("probability"),
                        "threshold": finding.get("threshold")}
        if value != ai and not reason:
            raise ReviewError(f"Marking {label} {value} disagrees with the AI ({ai}): give a reason.")
        if before is not None and before.value != value and not reason:
            raise ReviewError(f"Changing {label} from {before.value} (decided by {before.user}) needs a reason.")
        kind = ev.FINDING_ACCEPTED if value == ai else ev.FINDING_CORRECTED
        decision = {"label": label, "value": value, "ai_value": ai, "action": "accept" if value == ai else "correct",
                    "probability": finding.get("probability"), "threshold": finding.get("threshold")}
        return self._decision(kind, model=self.model, ai_output=self.record, decision=decision,
                              previous=previous, reason=reason)

    def add_note(self, text: str) -> Decision:
        """A free-text note for the study (optional)."""
        self._open_check()
        text = (text or "").strip()
        if not text:
            raise ReviewError("The note is empty.")
        return self._decision(ev.NOTE_ADDED, details={"note": text})

    def sign_off(self, note: str = "", *, password: str | None = None) -> Decision:
        """Close the review: every finding must have a decision (accept all first to agree with the rest);
        with ``require_password``, the OS login's ``password`` too (checked, never kept)."""
        self._open_check()
        missing = self.undecided()
        if missing:
            raise ReviewError(f"Cannot sign off: no decision yet for {', '.join(missing)}.",
                              hint="Accept or correct each finding first.")
        if self.require_password:
            check_os_password(self.os_user, password or "")
        # also when the write fails the sign-off is taken (listed, pending, retried): never signed twice
        return self._decision(ev.SIGNED_OFF, model=self.model, ai_output=self.record,
                              decision={"findings": self.summary()}, details={"note": note} if note else None)

    def addendum(self, label: str, present: bool | str, reason: str) -> Decision:
        """Change ``label`` on a signed-off review: a new ``addendum`` event with the required ``reason``; it
        supersedes the value in force, the sign-off and every earlier step stay in the history."""
        signed = self.sign_off_decision
        if signed is None:
            raise ReviewError("An addendum amends a signed-off review; this one is still open.",
                              hint="Accept or correct the finding instead.")
        finding = self._finding(label)
        value, ai = _as_value(present), self.ai_value(label)
        reason = (reason or "").strip()
        if not reason:
            raise ReviewError(f"An addendum to {label} needs a reason.")
        before = self.current().get(label)
        if before is not None and before.value == value:
            raise ReviewError(f"{label} is already {value} in this review: nothing to amend.")
        previous: dict[str, Any] = {"value": before.value if before else ai,
                                    "source": "reviewer" if before else "ai",
                                    "signed_off": {"user": signed.user, "os_user": signed.os_user,
                                                   "event_id": signed.event_id, "sequence": signed.sequence,
                                                   "timestamp": signed.timestamp}}
        if before is not None:
            previous.update(user=before.user, sequence=before.sequence, event_id=before.event_id,
                            timestamp=before.timestamp)
        decision = {"label": label, "value": value, "ai_value": ai, "action": "addendum",
                    "probability": finding.get("probability"), "threshold": finding.get("threshold")}
        return self._decision(ev.ADDENDUM, model=self.model, ai_output=self.record, decision=decision,
                              previous=previous, reason=reason)

    def retry(self) -> list[AuditRecord]:
        """Retry the events not yet saved (raises AuditWriteError while the store still fails)."""
        return self.outbox.flush()

    # --- internals ---------------------------------------------------------------------------------------
    def _finding(self, label: str) -> Mapping[str, Any]:
        try:
            return self.findings[label]
        except KeyError:
            if self.record.get("status") == "rejected":
                raise ReviewError(f"The AI made no call on this image: {self.record.get('message') or 'refused'}.",
                                  hint="Record a note and sign off instead.") from None
            known = ", ".join(self.findings) or "none"
            raise ReviewError(f"No finding {label!r} in this analysis (findings: {known}).") from None

    def _open_check(self) -> None:
        signed = self.sign_off_decision
        if signed is not None:
            raise ReviewError(f"This review is signed off (by {signed.signer}): a change needs an addendum.",
                              hint="Record the change as an addendum with its reason (Review ▸ Add Addendum… in the app).")

    def _event(self, kind: str, **fields: Any) -> AuditEvent:
        return AuditEvent(event_type=kind, **self._base, **fields)

    def _emit(self, kind: str, **fields: Any) -> Any:
        """Append a non-decision event (through ``write``); AuditWriteError when it is pending."""
        return self._write(self._event(kind, **fields))

    def _decision(self, kind: str, **fields: Any) -> Decision:
        """Take the step (listed as not yet saved), then write it; ``decisions`` shows it saved once stored."""
        event = self._event(kind, **fields)
        decision = Decision.from_event(event, None)
        self._decisions.append(decision)
        self._write(event)  # AuditWriteError propagates: kept, retried
        return replace(decision, sequence=self.outbox.stored_sequence(event.event_id))

    def read_history(self) -> list[Decision]:
        """The image's stored decisions and those still pending in the outbox (store I/O: any thread)."""
        return self._load_prior()

    def _load_prior(self) -> list[Decision]:
        try:
            prior = history(self.outbox.store, self.identity["pixel_sha256"])
        except AuditError as exc:  # the store is unreachable: review anyway, history shown later
            log.warning("review history unavailable: %s", exc.message)
            prior = []
        pending = [Decision.from_event(e, None) for e in self.outbox.pending()
                   if e.pixel_sha256 == self.identity["pixel_sha256"] and e.event_type in DECISION_EVENTS]
        return prior + pending
