"""``radassist audit verify|export`` and ``radassist review``, through the real command line."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from radassist.cli import main
from radassist.core.audit import open_store
from radassist.core.audit.chain import verify_records
from radassist.core.audit.export import read_jsonl
from tests._postgres import server_fixture
from tests.core.audit._factory import events, pixel_sha

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pg_server():
    yield from server_fixture()


@pytest.fixture
def audit_db(radassist_home) -> Path:
    path = radassist_home / "data" / "audit.sqlite3"
    with open_store(path) as s:
        s.append_many(events(40))
    return path


def _tamper(path: Path, sql: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("DROP TRIGGER audit_log_no_delete")
    conn.execute(sql)
    conn.commit()
    conn.close()


def test_verify_intact_exits_0_with_the_count(audit_db):
    """Run as a user would: ``python -m radassist audit verify`` on the default store."""
    r = subprocess.run([sys.executable, "-m", "radassist", "audit", "verify"], capture_output=True, text=True,
                       cwd=REPO, env={**os.environ, "RADASSIST_HOME": str(audit_db.parents[1])}, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "intact: 40 records" in r.stdout


@pytest.mark.parametrize(("sql", "bad"), [
    ("UPDATE audit_log SET reason = 'nothing to see' WHERE sequence = 17", 17),
    ("DELETE FROM audit_log WHERE sequence = 23", 23),
    ("DELETE FROM audit_log WHERE sequence = 40", 40),
    ("UPDATE audit_log SET sequence = 1000 WHERE sequence = 5", 5),
])
def test_verify_names_the_first_bad_record(audit_db, capsys, sql, bad):
    _tamper(audit_db, sql)
    assert main(["audit", "verify"]) == 1
    out, err = capsys.readouterr()
    assert f"first bad record: {bad}" in out and f"at record {bad}:" in err


def test_verify_honours_url_and_env(tmp_path, capsys, monkeypatch, radassist_home):
    other = tmp_path / "other.sqlite3"
    with open_store(other) as s:
        s.append_many(events(3))
    assert main(["audit", "verify", "--url", str(other)]) == 0
    assert "3 records" in capsys.readouterr().out
    monkeypatch.setenv("RADASSIST_AUDIT_URL", str(other))
    assert main(["audit", "verify"]) == 0
    assert "3 records" in capsys.readouterr().out


def test_export_jsonl_verifies_offline_and_is_itself_audited(audit_db, tmp_path, capsys):
    out = tmp_path / "audit.jsonl"
    assert main(["audit", "export", "--format", "jsonl", "--out", str(out)]) == 0
    recs = list(read_jsonl(out))
    assert [r.sequence for r in recs] == list(range(1, 41)) and verify_records(recs).ok
    with open_store(audit_db) as s:
        last = s.query()[-1].event
        assert s.verify().ok and s.head()[0] == 41
    assert last.event_type == "export" and last.details["records"] == 40 and last.details["format"] == "jsonl"


def test_export_csv_with_filters_to_stdout(audit_db, capsys):
    assert main(["audit", "export", "--format", "csv", "--image", pixel_sha(0), "--event", "finding_corrected",
                 "--since", "2000-01-01"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 1 and rows[0]["event_type"] == "finding_corrected"
    assert rows[0]["pixel_sha256"] == pixel_sha(0) and json.loads(rows[0]["decision"])["value"] == "absent"
    assert main(["audit", "export", "--since", "2999-01-01"]) == 0
    assert capsys.readouterr().out == ""


def test_export_rejects_a_bad_date_or_event(audit_db, capsys):
    assert main(["audit", "export", "--since", "yesterday"]) == 2
    assert main(["audit", "export", "--event", "coffee_break"]) == 2


@pytest.mark.postgres
def test_verify_and_export_on_postgres(pg_server, capsys, radassist_home):
    url = pg_server.new_database()
    with open_store(url) as s:
        s.append_many(events(12))
    assert main(["audit", "verify", "--url", url]) == 0
    assert "12 records" in capsys.readouterr().out
    assert main(["audit", "export", "--url", url, "--format", "jsonl"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 12
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")
        conn.execute("UPDATE audit_log SET user_name = 'dr.eve' WHERE sequence = 6")
    assert main(["audit", "verify", "--url", url]) == 1
    assert "first bad record: 6" in capsys.readouterr().out


# --- radassist review ------------------------------------------------------------------------------------
def test_review_rejects_a_malformed_finding(radassist_home, capsys):
    assert main(["review", "x.dcm", "--finding", "pneumonia=maybe"]) == 2
    assert main(["review", "x.dcm"]) == 2
