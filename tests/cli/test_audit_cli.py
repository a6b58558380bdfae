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


def test_verify_never_creates_a_store(tmp_path, capsys, radassist_home):
    """A wrong path is an error (exit 1), not "intact: 0 records" over a database it just created."""
    wrong = tmp_path / "typo" / "audit.sqlite3"
    assert main(["audit", "verify", "--url", str(wrong)]) == 1
    assert "no audit database" in capsys.readouterr().err.lower()
    assert not wrong.exists() and not wrong.parent.exists()
    assert main(["audit", "export", "--url", str(wrong)]) == 1  # export neither
    assert not wrong.exists()
    # nothing named and nothing recorded yet on this workstation: said so, exit 0, still nothing created
    assert main(["audit", "verify"]) == 0
    assert "no audit trail yet" in capsys.readouterr().out
    assert not (radassist_home / "data" / "audit.sqlite3").exists()


def test_verify_reports_anchoring_and_the_checkpoint(audit_db, capsys):
    assert main(["audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert "intact: 40 records" in out and "anchored from #1" in out and "last checkpoint #40" in out


def test_verify_names_records_deleted_from_the_end_and_the_writer_refuses(audit_db, capsys):
    _tamper(audit_db, "DELETE FROM audit_log WHERE sequence > 37")
    from radassist.core.errors import AuditAppendRefusedError
    from tests.core.audit._factory import event

    with open_store(audit_db) as s, pytest.raises(AuditAppendRefusedError):
        s.append(event(99))
    assert main(["audit", "verify"]) == 1
    out, err = capsys.readouterr()
    assert "first bad record: 38" in out and "38-40 is missing" in err


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


@pytest.mark.postgres
def test_a_password_in_the_url_is_never_printed_nor_logged(pg_server, capsys, radassist_home):
    """``user:pass@`` and ``?password=``: not in verify's output, not on stderr, not in the log (debug level),
    also when the connection fails."""
    import logging

    from radassist.log import configure_logging

    configure_logging(level=logging.DEBUG, stderr=True)
    url = pg_server.new_database()
    secret1, secret2 = "Hunter2-in-userinfo", "Sw0rdfish-in-query"
    with_userinfo = url.replace("postgres@", f"postgres:{secret1}@")
    with_param = f"{url}?password={secret2}&connect_timeout=5"
    with open_store(with_param) as s:  # the test server trusts loopback: any password is accepted
        s.append_many(events(3))
        assert secret2 not in s.location
    printed = ""
    for u in (with_userinfo, with_param):
        assert main(["audit", "verify", "--url", u]) == 0
        assert main(["audit", "export", "--url", u, "--format", "csv"]) == 0
        c = capsys.readouterr()
        printed += c.out + c.err
    bad_port = with_userinfo.replace(f":{pg_server.port}/", ":1/")
    assert main(["audit", "verify", "--url", bad_port]) == 1
    c = capsys.readouterr()
    printed += c.out + c.err
    assert "***" in printed and "intact" in printed
    log_text = (radassist_home / "logs" / "radassist.log").read_text(encoding="utf-8")
    for secret in (secret1, secret2):
        assert secret not in printed and secret not in log_text


@pytest.mark.postgres
def test_postgres_statements_are_parameterised(pg_server, radassist_home):
    """A reviewer name or reason that is SQL is stored verbatim and breaks nothing (every value is bound)."""
    from radassist.core.audit import AuditEvent

    url = pg_server.new_database()
    evil = "'); DROP TABLE audit_log; --"
    with open_store(url) as s:
        s.append_many(events(2))
        rec = s.append(AuditEvent("finding_corrected", evil, reason=evil, workstation=f"ws{evil}",
                                  decision={"label": evil, "value": "absent"}))
        assert s.query(user=evil) == [rec]  # also a query filter
        assert s.query(user=evil)[0].event.reason == evil and s.verify().ok and s.count() == 3
    assert main(["audit", "verify", "--url", url]) == 0


# --- radassist review ------------------------------------------------------------------------------------
def test_review_rejects_a_malformed_finding(radassist_home, capsys):
    assert main(["review", "x.dcm", "--finding", "pneumonia=maybe"]) == 2
    assert main(["review", "x.dcm"]) == 2


@pytest.fixture(scope="module")
def review_models(tmp_path_factory):
    """A real exported classifier and a real gate fitted to the generated body images (see test_ood)."""
    from tests.core.models.test_package import exported_classifier
    from tests.core.test_gate import generated_gate_package

    return str(exported_classifier()), str(generated_gate_package(tmp_path_factory.mktemp("gate")))


@pytest.fixture
def chest_dicom(tmp_path) -> Path:
    from tests.core.test_gate import synthetic_body
    from tests.fixtures.dicom_factory import write_dicom

    # an identity window keeps the generated body's contrast, which the generated gate was fitted to
    return write_dicom(tmp_path / "DOE_JANE.dcm", pixels=synthetic_body(7, shape=(300, 260)), bits_allocated=8,
                       bits_stored=8, windows=[(128, 256)], patient={"PatientName": "DOE^JANE", "PatientID": "MRN-4711",
                                               "PatientBirthDate": "19610203"})


def test_review_records_what_the_app_records_and_no_patient_identifier(review_models, chest_dicom,
                                                                       radassist_home, tmp_path, capsys):
    """Prediction + decisions as the findings panel records them; the patient's name and ID appear neither
    in the audit store nor in the debug log."""
    import logging

    from radassist.config import Settings
    from radassist.core.analysis import Pipeline
    from radassist.core.image import load_image
    from radassist.log import configure_logging

    configure_logging(level=logging.DEBUG)  # main() keeps this (idempotent): everything is logged
    model, gate = review_models
    db = tmp_path / "audit.sqlite3"
    image = load_image(chest_dicom)
    # the one pipeline, as the app loads it for these settings
    expected = Pipeline.load(Settings(device="cpu", model=model, ood_gate=gate)).analyze(image).to_record()
    assert expected["status"] == "ok" and expected["lung_area"]["pixels"] > 0
    ai = "present" if expected["findings"][0]["positive"] else "absent"
    other = "absent" if ai == "present" else "present"

    argv = ["review", str(chest_dicom), "--model", model, "--gate", gate, "--device", "cpu", "--url", str(db),
            "--user", "dr.alice"]
    assert main([*argv, "--finding", f"pneumonia={other}"]) == 1  # disagreeing without a reason
    assert "give a reason" in capsys.readouterr().err
    assert main([*argv, "--finding", f"pneumonia={other}", "--reason", "rib overlap",
                 "--note", "compare with prior", "--sign-off"]) == 0
    out = capsys.readouterr().out
    assert "finding_corrected" in out and "signed_off" in out and "NOT YET SAVED" not in out

    with open_store(db) as s:
        assert s.verify().ok
        recs = s.query()
    kinds = [r.event.event_type for r in recs]
    # the failed attempt still recorded the opening and the prediction shown, as the app would
    assert kinds == ["image_opened", "prediction_shown", "image_opened", "prediction_shown",
                     "finding_corrected", "note_added", "signed_off"]
    shown, corrected = recs[3].event, recs[4].event
    assert shown.pixel_sha256 == image.pixel_sha256 and shown.sop_instance_uid == image.sop_instance_uid
    assert shown.ai_output["findings"] == expected["findings"]  # the AI output as shown
    assert shown.ai_output["lung_area"] == expected["lung_area"] and shown.ai_output["notes"] == expected["notes"]
    assert shown.model["id"] == expected["model"]["id"] and "pneumonia" in shown.model["thresholds"]
    assert (corrected.decision["value"], corrected.decision["ai_value"], corrected.reason) == (other, ai, "rib overlap")
    assert corrected.previous["source"] == "ai" and corrected.user == "dr.alice"

    log_text = (radassist_home / "logs" / "radassist.log").read_text(encoding="utf-8")
    assert "DEBUG" in log_text or "INFO" in log_text  # the log was written, so the check below means something
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("audit.sqlite3*"))
    for secret in ("DOE^JANE", "DOE_JANE", "MRN-4711", "19610203"):
        assert secret not in log_text and secret.encode() not in stored and secret not in out


def test_review_of_an_unsaveable_decision_says_not_yet_saved(review_models, chest_dicom, radassist_home,
                                                             tmp_path, capsys):
    model, gate = review_models
    db = tmp_path / "audit.sqlite3"
    open_store(db).close()
    assert main(["review", str(chest_dicom), "--model", model, "--gate", gate, "--device", "cpu",
                 "--url", f"file:{db}?mode=ro", "--accept-all"]) == 1
    captured = capsys.readouterr()
    assert "not yet saved" in captured.err and "NOT YET SAVED" in captured.out
    spool = tmp_path / "audit.sqlite3-pending.jsonl"  # beside the database it belongs to, not in logs/
    assert len(spool.read_text().splitlines()) == 3  # opened, shown, accepted: kept for the retry
    assert not (radassist_home / "logs" / "audit-pending.jsonl").exists()
    assert main(["review", str(chest_dicom), "--model", model, "--gate", gate, "--device", "cpu",
                 "--url", str(db), "--sign-off"]) == 0  # the next run flushes them first
    with open_store(db) as s:
        kinds = [r.event.event_type for r in s.query()]
    assert kinds[:3] == ["image_opened", "prediction_shown", "finding_accepted"] and kinds[-1] == "signed_off"
    assert not spool.exists()


def test_review_of_a_finding_the_model_does_not_have_is_a_usage_error(chest_dicom, radassist_home, tmp_path,
                                                                      capsys):
    db = tmp_path / "audit.sqlite3"
    assert main(["review", str(chest_dicom), "--device", "cpu", "--url", str(db),
                 "--finding", "pneumothorax=present", "--reason", "seen"]) == 2
    err = capsys.readouterr().err
    assert "no finding 'pneumothorax'" in err and "its findings: pneumonia" in err
    assert not db.exists()  # a usage error records nothing


def test_audit_export_since_explains_the_date_forms(tmp_path, capsys):
    db = tmp_path / "audit.sqlite3"
    open_store(db).close()
    assert main(["audit", "export", "--url", str(db), "--since", "yesterday"]) == 2
    err = capsys.readouterr().err
    assert "--since 'yesterday' is not a date or time" in err
    assert "YYYY-MM-DD" in err and "2024-05-01T14:30+02:00" in err
    assert main(["audit", "export", "--url", str(db), "--until", "2024-13-01"]) == 2
    assert "--until '2024-13-01'" in capsys.readouterr().err
    assert main(["audit", "export", "--url", str(db), "--since", "2024-05-01T14:30+02:00"]) == 0
    with pytest.raises(SystemExit):
        main(["audit", "export", "--help"])
    assert "YYYY-MM-DD" in " ".join(capsys.readouterr().out.split())
