"""The clinician's review workflow end to end, in the real app window with a real model and audit store.

Open a DICOM -> findings shown -> correct a finding with a reason -> sign off (confirmed) -> the audit chain
verifies (``radassist audit verify``) -> a new session reopening the image shows the history, read-only, and
a change is an addendum. And: no patient identifier reaches the debug log, the audit store or its spool.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from radassist.core.audit import events as ev
from radassist.core.audit import open_store
from tests.conftest import shared_path
from tests.gui import assistant_fixtures as af

PATIENT_NAME, PATIENT_ID = "Doe^Jane", "PID-12345"


def _siim_with_known_patient(tmp_path: Path) -> Path:
    """A real chest X-ray DICOM (SIIM, uncompressed) relabelled with a known patient name and ID."""
    import pydicom

    ds = pydicom.dcmread(shared_path("data", "dicom_cr_chest", "SIIM_CXR_MONOCHROME2_IMPLE.dcm"))
    ds.PatientName, ds.PatientID = PATIENT_NAME, PATIENT_ID
    out = tmp_path / "siim-cxr.dcm"
    ds.save_as(out)
    return out


@pytest.fixture(params=["generated", "real-cxr-with-gate"])
def case(request, tmp_path):
    """(DICOM path, loader): a generated image without the gate (fresh clones), and a real chest X-ray
    through the real OOD gate (needs ../shared)."""
    if request.param == "generated":
        return af.write_cxr_dicom(tmp_path / "cxr.dcm", patient_name=PATIENT_NAME, patient_id=PATIENT_ID), af.models
    return _siim_with_known_patient(tmp_path), lambda: af.models(gate=True)


def _window(qtbot, loader):
    from radassist.config import load_settings
    from radassist.gui.assistant import install_assistant
    from radassist.gui.main_window import MainWindow

    win = MainWindow(load_settings())
    qtbot.addWidget(win)
    assistant = install_assistant(win, loader=loader)
    win.resize(1200, 800)
    win.show()
    qtbot.waitExposed(win)
    return win, assistant


def _open(qtbot, win, assistant, path):
    with qtbot.waitSignal(assistant.analysis.finished, timeout=30_000) as blocker:
        win.open_path(path)
    return blocker.args[0]


def test_integration_review_workflow(qtbot, radassist_home, case, capsys, monkeypatch):
    from radassist.cli import main as cli_main
    from radassist.gui import review_panel
    from radassist.log import configure_logging

    asked = []  # the sign-off confirmation (the UI boundary) answered "Sign off"
    monkeypatch.setattr(review_panel, "confirm_sign_off", lambda _p, question, _d: asked.append(question) or True)

    configure_logging(level=logging.DEBUG)
    path, loader = case
    win, assistant = _window(qtbot, loader)
    result = _open(qtbot, win, assistant, path)
    assert result.analysis.status == "ok", result.analysis.message  # a chest X-ray is accepted by the gate
    findings = assistant.findings
    assert findings.table.rowCount() >= 1 and "%" in findings.cell_text(0, 1)

    panel = assistant.review_panel
    label = panel.selected_label()
    ai = assistant.review.ai_value(label)
    other = "absent" if ai == "present" else "present"
    assert not panel.mark(label, other)  # disagreeing needs a reason
    panel.reason.setText("reviewed with the lateral film")
    assert panel.mark(label, other)
    panel.note.setText("follow-up in 6 weeks")
    assert panel.sign_off()
    assert asked == [f"Sign off this review of {path.name}?"]
    win.close()

    with open_store() as store:
        kinds = [r.event.event_type for r in store.query()]
        # the heatmap is on by default, so the reader seeing it is audited too
        assert kinds == [ev.IMAGE_OPENED, ev.PREDICTION_SHOWN, ev.HEATMAP_VIEWED, ev.FINDING_CORRECTED,
                         ev.SIGNED_OFF]
        corrected = store.query(event_types=[ev.FINDING_CORRECTED])[0].event
        assert corrected.reason == "reviewed with the lateral film" and corrected.previous["value"] == ai
        assert corrected.ai_output["findings"][0]["label"] == label
    capsys.readouterr()
    assert cli_main(["audit", "verify"]) == 0
    assert "5" in capsys.readouterr().out

    # a new session: reopening the image shows who decided what, read-only; a change is an addendum
    win2, assistant2 = _window(qtbot, loader)
    _open(qtbot, win2, assistant2, path)
    panel2 = assistant2.review_panel
    qtbot.waitUntil(lambda: panel2.signed_label.isVisible(), timeout=5000)
    assert "Signed off by " in panel2.signed_label.text() and not panel2.btn_present.isEnabled()
    lines = panel2.history_lines()
    assert any("corrected" in line and "reviewed with the lateral film" in line for line in lines)
    assert any("signed off" in line and "follow-up in 6 weeks" in line for line in lines)
    panel2.reason.setText("second opinion agrees with the AI")
    assert not panel2.mark(label, ai)  # refused: signed off
    panel2.ask_addendum = lambda review: (label, ai, "second opinion agrees with the AI")
    assert panel2.add_addendum()
    lines = panel2.history_lines()
    assert "ADDENDUM" in lines[0] and any("corrected" in line and "[superseded]" in line for line in lines)
    assert any("signed off" in line and "[superseded]" not in line for line in lines)
    assert asked == [f"Sign off this review of {path.name}?"]  # an addendum is not a second sign-off
    win2.close()
    with open_store() as store:
        assert store.verify().ok and store.count() == 9  # + image_opened, prediction_shown, heatmap, addendum
        assert store.query(event_types=[ev.ADDENDUM])[0].event.reason == "second opinion agrees with the AI"

    # no patient identifier in the debug log, the audit database or the pending spool
    from radassist.config import app_paths

    paths = app_paths()
    log_text = paths.log_file.read_text(encoding="utf-8")
    assert "opened" in log_text and "models loaded" in log_text  # the log was written, at debug level
    written = [*paths.log_dir.glob("*"), *paths.data_dir.glob("audit*")]  # log, database + WAL, spool
    assert paths.log_file in written and paths.audit_db in written
    for f in written:
        data = f.read_bytes()
        for needle in (PATIENT_NAME, PATIENT_ID, "Doe", "PID-"):
            assert needle.encode() not in data, f"{needle!r} found in {f}"
