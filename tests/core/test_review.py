"""The review model: accept or correct each finding, note, sign off; every step audited, nothing erased."""

from __future__ import annotations

import pytest

from radassist.core.audit import Outbox, open_store
from radassist.core.errors import AuditWriteError, ReviewError
from radassist.core.review import Review, history
from tests.core.audit._factory import analysis_record


def _record(p: float = 0.83, *, labels=("pneumonia",)) -> dict:
    rec = analysis_record(3)
    rec["findings"] = [{"label": lab, "probability": p, "threshold": 0.42, "positive": p >= 0.42} for lab in labels]
    return rec


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "audit.sqlite3")
    yield s
    s.close()


@pytest.fixture
def box(store, tmp_path):
    return Outbox(store, spool_path=tmp_path / "spool.jsonl")


def test_accepting_records_what_was_shown_and_decided(box, store):
    rec = _record()
    review = Review(rec, "dr.alice", box, workstation="ws-7")
    review.image_opened()
    review.prediction_shown()
    d = review.accept("pneumonia")
    assert d.kind == "finding_accepted" and d.value == "present" and d.ai_value == "present" and d.saved
    opened, shown, accepted = store.query()
    assert [r.event.event_type for r in (opened, shown, accepted)] == ["image_opened", "prediction_shown",
                                                                        "finding_accepted"]
    e = accepted.event
    assert (e.user, e.workstation) == ("dr.alice", "ws-7")
    assert (e.pixel_sha256, e.sop_instance_uid, e.study_instance_uid) == (
        rec["image"]["pixel_sha256"], rec["image"]["sop_instance_uid"], rec["image"]["study_instance_uid"])
    assert e.model == {"id": "pneumonia-mnv2", "version": "1.0.0", "sha256": "ab" * 32, "signer": "bundled",
                       "thresholds": {"pneumonia": 0.42}}
    assert e.ai_output == rec == shown.event.ai_output  # the AI output as shown, unchanged
    assert e.decision["value"] == "present" and e.decision["action"] == "accept"
    assert e.previous == {"value": "present", "source": "ai", "probability": 0.83, "threshold": 0.42}
    assert e.reason == ""


def test_disagreeing_needs_a_reason(box, store):
    review = Review(_record(0.83), "dr.alice", box)
    with pytest.raises(ReviewError, match=r"reason"):
        review.correct("pneumonia", "absent", "")
    with pytest.raises(ReviewError, match=r"reason"):
        review.decide("pneumonia", False)
    assert store.query() == []  # nothing half-recorded
    d = review.correct("pneumonia", False, "rib overlap, not consolidation")
    assert (d.kind, d.value, d.ai_value, d.reason) == ("finding_corrected", "absent", "present",
                                                        "rib overlap, not consolidation")
    [r] = store.query()
    assert r.event.decision["action"] == "correct" and r.event.reason == "rib overlap, not consolidation"


def test_marking_what_the_ai_said_is_an_acceptance(box):
    review = Review(_record(0.1), "dr.alice", box)  # AI: absent
    d = review.decide("pneumonia", "absent")
    assert d.kind == "finding_accepted"


def test_a_later_correction_supersedes_but_never_erases(box, store):
    rec = _record(0.83)  # AI: present
    first = Review(rec, "dr.alice", box)
    first.correct("pneumonia", "absent", "rib overlap")
    reopened = Review(rec, "dr.bob", box)  # reopening (before any sign-off) shows the history
    assert [d.kind for d in reopened.decisions] == ["finding_corrected"]
    assert reopened.current()["pneumonia"].value == "absent"
    with pytest.raises(ReviewError, match=r"Changing pneumonia from absent .decided by dr.alice. needs a reason"):
        reopened.accept("pneumonia")  # agrees with the AI, but overturns a colleague
    assert reopened.accept_all() == []  # "accept all" never overturns an earlier decision
    d = reopened.decide("pneumonia", "present", "consolidation on the lateral view")
    assert d.kind == "finding_accepted"
    assert d.previous["source"] == "reviewer" and d.previous["user"] == "dr.alice"
    assert d.previous["value"] == "absent" and d.previous["sequence"] == 1

    h = history(store, rec["image"]["pixel_sha256"])
    assert [(x.kind, x.user, x.value, x.superseded) for x in h] == [
        ("finding_corrected", "dr.alice", "absent", True),
        ("finding_accepted", "dr.bob", "present", False),
    ]
    assert store.verify().ok


def test_a_signed_off_review_is_read_only_and_changes_only_by_an_addendum(box, store):
    rec = _record(0.83, labels=("pneumonia", "effusion"))  # AI: present, present
    first = Review(rec, "dr.alice", box)
    first.correct("pneumonia", "absent", "rib overlap")
    first.accept("effusion")
    first.add_note("compare with last week")
    signed = first.sign_off()
    assert first.signed_off and first.sign_off_decision.event_id == signed.event_id
    with pytest.raises(ReviewError, match=r"signed off .*addendum"):
        first.sign_off()  # never signed twice

    reopened = Review(rec, "dr.bob", box)  # another session: the sign-off from the store closes the review
    assert reopened.signed_off and reopened.sign_off_decision.user == "dr.alice"
    for step in (lambda: reopened.accept("effusion"), lambda: reopened.accept_all(),
                 lambda: reopened.decide("pneumonia", "present", "second look"),
                 lambda: reopened.correct("effusion", "absent", "artefact"),
                 lambda: reopened.add_note("late note"), lambda: reopened.sign_off()):
        with pytest.raises(ReviewError, match=r"signed off .*addendum") as info:
            step()
        assert "addendum" in (info.value.hint or "").lower()
    with pytest.raises(ReviewError, match=r"reason"):
        reopened.addendum("pneumonia", "present", "  ")
    with pytest.raises(ReviewError, match=r"nothing to amend"):
        reopened.addendum("pneumonia", "absent", "same value")
    with pytest.raises(ReviewError, match=r"No finding 'edema'"):
        reopened.addendum("edema", "present", "not a finding of this model")
    count = store.count()
    assert [r.event.event_type for r in store.query()][-1] == "signed_off" and count == 4  # nothing written

    a = reopened.addendum("pneumonia", "present", "consolidation on the lateral view")
    assert a.kind == "addendum" and a.saved and a.reason == "consolidation on the lateral view"
    assert reopened.current()["pneumonia"].value == "present"  # the addendum is in force ...
    assert reopened.signed_off and reopened.sign_off_decision.event_id == signed.event_id  # ... still signed off
    stored = store.query(event_types=["addendum"])[0].event
    assert stored.decision["action"] == "addendum" and stored.decision["value"] == "present"
    assert stored.previous["value"] == "absent" and stored.previous["user"] == "dr.alice"
    assert stored.previous["signed_off"]["event_id"] == signed.event_id and stored.user == "dr.bob"

    h = history(store, rec["image"]["pixel_sha256"])
    assert [(x.kind, x.user, x.value, x.superseded) for x in h] == [
        ("finding_corrected", "dr.alice", "absent", True),  # superseded by the addendum, never erased
        ("finding_accepted", "dr.alice", "present", False),
        ("note_added", "dr.alice", "", False),
        ("signed_off", "dr.alice", "", False),  # the sign-off stays in force
        ("addendum", "dr.bob", "present", False),
    ]
    again = Review(rec, "dr.carol", box)
    assert again.current()["pneumonia"].value == "present" and again.signed_off
    assert again.addendum("pneumonia", "absent", "third reader").previous["source"] == "reviewer"
    assert store.verify().ok


def test_an_addendum_needs_a_signed_off_review(box):
    review = Review(_record(0.83), "dr.alice", box)
    with pytest.raises(ReviewError, match=r"still open"):
        review.addendum("pneumonia", "absent", "too early")


def test_a_review_reopened_before_addenda_existed_stays_open():
    """Histories written by 0.3 and earlier: a plain decision after a sign-off superseded it (reopened)."""
    from radassist.core.audit import events as ev
    from radassist.core.review import Decision, sign_off_in_force

    def d(kind, n):
        return Decision(kind=kind, user="dr", timestamp="", event_id=str(n), label="pneumonia" if n != 1 else "",
                        value="absent", sequence=n)

    legacy = [d(ev.FINDING_ACCEPTED, 0), d(ev.SIGNED_OFF, 1), d(ev.FINDING_CORRECTED, 2)]
    assert sign_off_in_force(legacy) is None
    amended = [d(ev.FINDING_ACCEPTED, 0), d(ev.SIGNED_OFF, 1), d(ev.ADDENDUM, 2)]
    assert sign_off_in_force(amended).event_id == "1"


def test_review_state_new_reviewed_signed_off_and_not_yet_saved(box, store):
    from radassist.core.review import NEW, REVIEWED, SIGNED_OFF, UNSAVED, review_state

    review = Review(_record(0.83), "dr.alice", box)
    assert review_state(review.decisions) == NEW
    review.image_opened()  # not a decision: still new
    assert review_state(review.decisions) == NEW
    review.accept("pneumonia")
    assert review_state(review.decisions) == REVIEWED
    store._conn.execute("PRAGMA query_only = ON")
    with pytest.raises(AuditWriteError):
        review.sign_off()
    assert review_state(review.decisions) == UNSAVED  # taken, waiting for the store
    store._conn.execute("PRAGMA query_only = OFF")
    review.retry()
    assert review_state(review.decisions) == SIGNED_OFF
    assert review_state(history(store, review.identity["pixel_sha256"])) == SIGNED_OFF


def test_natural_order_and_the_ai_call_of_a_worklist_row():
    from radassist.core.worklist import ai_call, natural_path_key, natural_sorted, row_matches

    names = ["person1000_virus.jpeg", "person10_bacteria.jpeg", "person100_virus.jpeg", "person1_virus.jpeg",
             "IM2", "im10", "person01_virus.jpeg"]
    assert natural_sorted(names) == ["IM2", "im10", "person01_virus.jpeg", "person1_virus.jpeg",
                                     "person10_bacteria.jpeg", "person100_virus.jpeg", "person1000_virus.jpeg"]
    assert sorted(["b/x10", "a9/z", "b/x9", "a10/z"], key=natural_path_key) == ["a9/z", "a10/z", "b/x9", "b/x10"]
    rec = _record(0.912, labels=("pneumonia",))
    assert ai_call(rec) == "pneumonia 0.91 ▲"
    assert ai_call(_record(0.1)) == "pneumonia 0.10"
    assert ai_call(None) == "—" and ai_call({"status": "rejected", "findings": []}) == "no call"
    assert row_matches(["person100.dcm", "pneumonia 0.91 ▲"], "PNEU 100")
    assert not row_matches(["person100.dcm"], "person2")
    assert row_matches(["x"], "", "signed off", "signed off")
    assert not row_matches(["x"], "", "reviewed", "signed off")
    assert row_matches(["x"], "", "reviewed", "not signed off") and row_matches(["x"], "", "", "not opened yet")


def test_sign_off_needs_every_finding_decided(box, store):
    review = Review(_record(0.9, labels=("pneumonia", "effusion")), "dr.alice", box)
    review.accept("pneumonia")
    with pytest.raises(ReviewError, match=r"effusion"):
        review.sign_off()
    review.add_note("compare with the film from last week")
    assert review.accept_all()[0].label == "effusion"
    s = review.sign_off()
    assert review.signed_off and s.kind == "signed_off"
    last = store.query()[-1].event
    assert last.decision == {"findings": {"pneumonia": "present", "effusion": "present"}}
    note = store.query(event_types=["note_added"])[0].event
    assert note.details == {"note": "compare with the film from last week"}


def test_unknown_finding_and_missing_reviewer_are_refused(box):
    with pytest.raises(ReviewError):
        Review(_record(), "  ", box)
    with pytest.raises(ReviewError, match=r"No finding 'edema'"):
        Review(_record(), "dr.alice", box).accept("edema")
    with pytest.raises(ReviewError, match=r"image identity"):
        Review({"findings": []}, "dr.alice", box)


def test_no_patient_identifier_reaches_the_audit_store(box, store, tmp_path):
    rec = _record()
    rec["PatientName"] = "DOE^JANE"
    rec["image"]["PatientID"] = "MRN-4711"
    rec["meta"] = {"patient": {"PatientName": "DOE^JANE"}, "Modality": "CR"}
    review = Review(rec, "dr.alice", box)
    review.prediction_shown()
    review.correct("pneumonia", "absent", "artefact")
    review.sign_off()
    store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("audit.sqlite3*"))
    assert b"DOE^JANE" not in raw and b"MRN-4711" not in raw and b"Modality" in raw


def test_a_decision_that_cannot_be_saved_stays_visible_and_is_retried(box, store):
    review = Review(_record(), "dr.alice", box)
    store._conn.execute("PRAGMA query_only = ON")
    with pytest.raises(AuditWriteError, match=r"not yet saved"):
        review.correct("pneumonia", "absent", "artefact")
    [unsaved] = review.unsaved()
    assert unsaved.value == "absent" and not unsaved.saved
    assert review.current()["pneumonia"].value == "absent"  # the UI shows it, marked "not yet saved"
    store._conn.execute("PRAGMA query_only = OFF")
    review.retry()
    assert review.unsaved() == [] and review.decisions[0].sequence == 1
    assert store.query()[0].event.reason == "artefact"


def test_a_sign_off_that_cannot_be_saved_still_closes_the_review_and_is_stored_once(box, store):
    review = Review(_record(), "dr.alice", box)
    review.accept("pneumonia")
    store._conn.execute("PRAGMA query_only = ON")
    with pytest.raises(AuditWriteError, match=r"not yet saved"):
        review.sign_off()
    assert review.signed_off  # taken: the UI shows it closed and "not yet saved", never asks to sign twice
    with pytest.raises(ReviewError, match=r"signed off"):
        review.sign_off()
    assert review.unsaved()[0].kind == "signed_off"
    store._conn.execute("PRAGMA query_only = OFF")
    review.retry()
    assert [r.event.event_type for r in store.query()] == ["finding_accepted", "signed_off"]


# --- who signed: the OS login beside the display name -------------------------------------------------
def test_every_review_event_carries_the_os_login_beside_the_display_name(box, store):
    from radassist.config import os_user

    review = Review(_record(), "Dr. Alice Display", box)
    review.image_opened()
    review.accept("pneumonia")
    review.sign_off("fine")
    rows = store.query()
    assert [r.event.os_user for r in rows] == [os_user()] * 3  # from the operating system, never typed
    assert {r.event.user for r in rows} == {"Dr. Alice Display"}
    assert rows[-1].event.details == {"note": "fine"}  # the login is its own field when read back
    assert history(store, review.identity["pixel_sha256"])[0].signer == f"Dr. Alice Display ({os_user()})"
    assert store.verify().ok


def test_the_os_login_is_hashed_and_older_records_without_it_still_verify(store):
    from radassist.core.audit import AuditEvent, new_event
    from radassist.core.audit import chain as audit_chain

    old = AuditEvent("note_added", "dr.before", details={"note": "written by 0.2"})  # no login: as 0.2 stored it
    assert "os_user" not in (old.to_dict()["details"] or {})
    new = new_event("note_added", user="dr.after", details={"note": "written now"})
    bare = new_event("audit_viewed", user="dr.after")  # no details of its own: only the login
    store.append(old)
    store.append(new)
    store.append(bare)
    assert store.verify().ok
    back = store.query()
    assert [r.event for r in back] == [old, new, bare]  # reads back exactly: same canonical form, same hash
    assert back[0].event.os_user == "" and back[1].event.os_user == new.os_user != ""
    # the login is inside the hashed record: changing it breaks the record's hash
    row = list(audit_chain.row_from_record(back[1]))
    row[audit_chain.COLUMNS.index("details")] = row[audit_chain.COLUMNS.index("details")].replace(
        new.os_user, "mallory")
    assert audit_chain.row_hash(row) != back[1].hash


def test_sign_off_with_the_os_password_refuses_a_wrong_one_and_without_the_setting_asks_nothing(box, store):
    """PAM for real: a wrong password for this login is refused and nothing is signed off."""
    pytest.importorskip("pam", reason="python-pam is the optional 'pam' extra")
    from radassist.core.audit import events as ev

    review = Review(_record(), "dr.pam", box, require_password=True)
    review.accept("pneumonia")
    with pytest.raises(ReviewError, match="not accepted"):
        review.sign_off(password="certainly-not-the-password-0x5f3759df")
    with pytest.raises(ReviewError, match="not accepted"):
        review.sign_off()  # no password at all
    assert not review.signed_off and store.query(event_types=[ev.SIGNED_OFF]) == []
    plain = Review(_record(), "dr.plain", box)  # the setting off (the default): no password involved
    assert not plain.undecided()  # the decision above is in this image's history
    assert plain.sign_off().saved
