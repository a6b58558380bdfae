"""The spool is not trusted: only authentic events, for this store, from this account, are ever stored.

Planted lines (0.1's plain format, a made-up MAC, a back-dated sign-off in another user's name), lines
meant for another database and lines spooled by another account are moved to the quarantine file with the
reason and logged as errors: never stored, never silently dropped.
"""

from __future__ import annotations

import json
import stat

import pytest

from radassist.core.audit import AuditEvent, Outbox, canonical, open_store
from radassist.core.audit import events as ev
from radassist.core.audit.anchor import load_key
from radassist.core.errors import AuditWriteError
from tests.core.audit._factory import event


def _spooled_outbox(db, e):
    """An outbox that could not write ``e`` (the database read-only), leaving it in the spool."""
    read_only = open_store(f"file:{db}?mode=ro")
    box = Outbox(read_only)
    with pytest.raises(AuditWriteError):
        box.append(e)
    read_only.close()
    return box


def _back_dated_sign_off() -> AuditEvent:
    return AuditEvent(ev.SIGNED_OFF, "dr.bob", workstation="ws-01", timestamp="2020-01-01T00:00:00.000000Z",
                      pixel_sha256="a" * 64, decision={"findings": {"pneumonia": "absent"}})


def _quarantined(box: Outbox) -> list[dict]:
    return [json.loads(line) for line in box.quarantine_path.read_text().splitlines()]


def test_the_spool_lives_beside_its_database_private_and_bound(tmp_path):
    db = tmp_path / "site" / "audit.sqlite3"
    open_store(db).close()
    e = event(1)
    box = _spooled_outbox(db, e)
    assert box.spool_path == tmp_path / "site" / "audit.sqlite3-pending.jsonl"
    assert stat.S_IMODE(box.spool_path.stat().st_mode) == 0o600
    (line,) = [json.loads(x) for x in box.spool_path.read_text().splitlines()]
    assert line["store"] == f"sqlite:{db.resolve()}" and line["writer"]["os_user"] and len(line["mac"]) == 64
    again = Outbox(open_store(db))  # the next session stores it
    assert [r.event for r in again.flush()] == [e] and not again.spool_path.exists()
    again.close()


@pytest.mark.parametrize("forge", ["plain 0.1 line", "made-up MAC", "edited after spooling"])
def test_a_planted_or_edited_spool_line_is_quarantined_not_stored(tmp_path, caplog, forge):
    db = tmp_path / "audit.sqlite3"
    open_store(db).close()
    box = _spooled_outbox(db, event(1))
    genuine = json.loads(box.spool_path.read_text())
    planted = _back_dated_sign_off()
    if forge == "plain 0.1 line":
        line = canonical.dumps(planted.to_dict())
    elif forge == "made-up MAC":
        line = canonical.dumps({**genuine, "event": planted.to_dict(), "mac": "ab" * 32})
    else:
        line = canonical.dumps({**genuine, "event": {**genuine["event"], "user": "dr.bob"}})
    with open(box.spool_path, "a") as f:
        f.write(line + "\n")
    nxt = Outbox(open_store(db))
    stored = nxt.flush()
    assert [r.event.user for r in stored] == ["dr.alice"]  # the genuine one only
    with open_store(db) as s:
        assert "dr.bob" not in {r.event.user for r in s.query()}
    (q,) = _quarantined(nxt)
    assert q["line"] == line and ("not authentic" in q["reason"] or "not authenticated" in q["reason"])
    assert "NOT stored" in caplog.text and str(nxt.quarantine_path) in caplog.text
    assert stat.S_IMODE(nxt.quarantine_path.stat().st_mode) == 0o600
    nxt.close()


def test_events_spooled_for_one_database_never_reach_another(tmp_path):
    a, b = tmp_path / "a" / "audit.sqlite3", tmp_path / "b" / "audit.sqlite3"
    open_store(a).close()
    open_store(b).close()
    box = _spooled_outbox(a, event(1))
    b_spool = b.with_name(b.name + "-pending.jsonl")
    b_spool.write_text(box.spool_path.read_text())  # the spool copied (or moved) beside another database
    other = Outbox(open_store(b))
    assert other.pending() == [] and other.flush() == []
    (q,) = _quarantined(other)
    assert "another audit store" in q["reason"]
    other.close()
    # an outbox whose opener returns another database keeps A's spooled events for A
    tricked = Outbox(lambda: open_store(b), location=a)
    assert len(tricked.pending()) == 1
    assert tricked.flush() == []
    assert box.spool_path.is_file() and len(box.spool_path.read_text().splitlines()) == 1
    tricked.close()
    with open_store(b) as s:
        assert s.count() == 0
    home = Outbox(open_store(a))  # where they belong, they are stored
    assert [r.sequence for r in home.flush()] == [1]
    home.close()


def test_an_event_spooled_by_another_account_is_quarantined(tmp_path):
    """The binding to the writer: an authentic line, but spooled by another OS account or workstation."""
    db = tmp_path / "audit.sqlite3"
    open_store(db).close()
    box = _spooled_outbox(db, event(1))
    d = json.loads(box.spool_path.read_text())
    d.pop("mac")
    d["writer"] = {"os_user": "someone-else", "workstation": "ws-99"}
    key = load_key(box.key_path, create=False)
    assert key is not None
    box.spool_path.write_text(canonical.dumps({**d, "mac": key.spool_mac(d)}) + "\n")
    nxt = Outbox(open_store(db))
    assert nxt.flush() == []
    assert "another account" in _quarantined(nxt)[0]["reason"]
    nxt.close()


def test_the_0_1_spool_under_logs_is_quarantined(radassist_home, caplog):
    from radassist.config import app_paths

    paths = app_paths().ensure()
    legacy = paths.log_dir / "audit-pending.jsonl"
    legacy.write_text(canonical.dumps(_back_dated_sign_off().to_dict()) + "\n")
    box = Outbox(lambda: open_store())
    assert box.pending() == [] and not legacy.exists()
    (q,) = _quarantined(box)
    assert "0.1 spool" in q["reason"] and q["from"] == str(legacy)
    assert box.flush() == []
    assert "NOT stored" in caplog.text
    box.close()
