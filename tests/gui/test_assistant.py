"""The assistant in the real main window: findings, overlays, review and audit, with a real model and store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from radassist.core.audit import events as ev
from radassist.core.audit import open_store
from radassist.gui.assistant import install_assistant
from radassist.gui.findings_panel import percent
from radassist.gui.review_panel import UNSAVED_TEXT
from tests.gui import assistant_fixtures as af


@pytest.fixture
def assistant(main_window):
    a = install_assistant(main_window, loader=af.models, retry_ms=50)
    yield a
    a.shutdown()


@pytest.fixture
def cxr_file(tmp_path) -> Path:
    return af.write_cxr_dicom(tmp_path / "cxr.dcm")


def open_and_analyse(qtbot, window, assistant, path: Path):
    with qtbot.waitSignal(assistant.analysis.finished, timeout=30_000) as blocker:
        window.open_path(path)
    return blocker.args[0]


def pixels(view, tmp_path: Path, name: str) -> np.ndarray:
    out = view.export_png(tmp_path / f"{name}.png", with_overlays=True)
    img = QImage(str(out)).convertToFormat(QImage.Format.Format_RGBA8888)
    return np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.width(), 4).copy()


def store_events(**filters) -> list:
    with open_store() as s:
        return s.query(**filters)


def test_opening_an_image_loads_the_model_once_and_shows_findings(qtbot, main_window, assistant, cxr_file):
    seen = []
    assistant.analysis.loading.connect(lambda: seen.append(assistant.findings.status.text()))
    result = open_and_analyse(qtbot, main_window, assistant, cxr_file)
    assert seen and "Loading model…" in seen[0]
    panel = assistant.findings
    labels = list(af.engine().package.card.labels)
    assert panel.table.rowCount() == len(labels) and panel.cell_text(0, 0) == labels[0]
    f = result.analysis.findings[0]
    assert panel.cell_text(0, 1) == percent(f.probability) and "%" in percent(f.probability)
    assert panel.cell_text(0, 2) == percent(f.threshold)
    assert panel.cell_text(0, 3) == ("Positive" if f.positive else "Negative")
    card = af.engine().package.card
    assert f"{card.id} {card.version}" in panel.model_label.text() and "device cpu" in panel.model_label.text()
    kinds = [r.event.event_type for r in store_events()]
    assert kinds == [ev.IMAGE_OPENED, ev.PREDICTION_SHOWN]
    shown = store_events(event_types=[ev.PREDICTION_SHOWN])[0].event
    assert shown.pixel_sha256 == result.image.pixel_sha256
    assert shown.ai_output["findings"][0]["probability"] == pytest.approx(f.probability, abs=1e-6)
    # a second image reuses the loaded model
    second = af.write_cxr_dicom(cxr_file.parent / "second.dcm", af.chest_like(seed=3))
    assistant.analysis.loading.connect(lambda: seen.append("again"))
    open_and_analyse(qtbot, main_window, assistant, second)
    assert "again" not in seen


def test_probabilities_are_never_shown_as_certain():
    assert percent(0.99996) == "> 99.9 %" and percent(0.00001) == "< 0.1 %" and percent(0.912) == "91.2 %"


def test_heatmap_toggle_and_opacity_change_the_drawing(qtbot, main_window, assistant, cxr_file, tmp_path):
    result = open_and_analyse(qtbot, main_window, assistant, cxr_file)
    label = next(label for label, h in result.analysis.heatmaps.items() if not h.empty)
    view, overlays = main_window.view, assistant.overlays
    plain = pixels(view, tmp_path, "plain")
    assert store_events(event_types=[ev.HEATMAP_VIEWED]) == []
    overlays.act_heatmap.trigger()  # Ctrl+H
    assert overlays.act_heatmap.isChecked()
    shown = pixels(view, tmp_path, "heatmap")
    assert np.abs(shown.astype(int) - plain).mean() > 1.0
    viewed = store_events(event_types=[ev.HEATMAP_VIEWED])
    assert len(viewed) == 1 and viewed[0].event.details == {"label": label}
    overlays.heatmap_opacity.setValue(100)
    stronger = pixels(view, tmp_path, "stronger")
    assert np.abs(stronger.astype(int) - plain).mean() > np.abs(shown.astype(int) - plain).mean()
    assert overlays.cmap.currentText() == "inferno"  # perceptual by default (docs/heatmaps.md)
    overlays.cmap.setCurrentText("viridis")
    assert not np.array_equal(pixels(view, tmp_path, "viridis"), stronger)
    main_window.view.setFocus()
    qtbot.keyClick(main_window.view, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    assert not overlays.act_heatmap.isChecked()
    assert np.array_equal(pixels(view, tmp_path, "off"), plain)  # never burned into the image
    assert len(store_events(event_types=[ev.HEATMAP_VIEWED])) == 1  # once per image and finding
    assert "not a lesion outline" in overlays.legend.text()


def test_lung_toggle_changes_the_drawing(qtbot, main_window, assistant, tmp_path):
    """The bundled lung model on a real chest X-ray (test_assistant_overlays covers fresh clones)."""
    from tests.conftest import shared_path

    real = shared_path("data", "dicom_cr_chest", "SIIM_CXR_MONOCHROME2_IMPLE.dcm")
    result = open_and_analyse(qtbot, main_window, assistant, real)
    assert result.analysis.lung_mask is not None and result.analysis.lung_mask.area_px > 0
    view, overlays = main_window.view, assistant.overlays
    overlays.act_lungs.setChecked(False)
    plain = pixels(view, tmp_path, "plain")
    main_window.view.setFocus()
    qtbot.keyClick(main_window.view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert overlays.act_lungs.isChecked()
    contour = pixels(view, tmp_path, "contour")
    assert not np.array_equal(contour, plain)
    overlays.lung_style.setCurrentText("Fill")
    fill = pixels(view, tmp_path, "fill")
    changed = lambda a: np.count_nonzero(np.any(a != plain, axis=2))  # noqa: E731
    assert changed(fill) > changed(contour)  # a fill covers more pixels than an outline
    overlays.act_lungs.setChecked(False)
    assert np.array_equal(pixels(view, tmp_path, "off"), plain)


def test_accept_all_and_sign_off_from_the_keyboard(qtbot, main_window, assistant, cxr_file, monkeypatch):
    from radassist.gui import review_panel

    monkeypatch.setattr(review_panel, "confirm_sign_off", lambda *_: True)  # the confirmation answered
    open_and_analyse(qtbot, main_window, assistant, cxr_file)
    main_window.view.setFocus()
    qtbot.keyClick(main_window.view, Qt.Key.Key_A)
    qtbot.keyClick(main_window.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    kinds = [r.event.event_type for r in store_events()]
    assert kinds[-2:] == [ev.FINDING_ACCEPTED, ev.SIGNED_OFF]
    assert all(r.event.user == main_window.settings.reviewer for r in store_events())
    assert assistant.review_panel.closed


def test_reopening_an_image_shows_its_history(qtbot, main_window, assistant, cxr_file, tmp_path, monkeypatch):
    from radassist.gui import review_panel

    asked = []
    monkeypatch.setattr(review_panel, "confirm_sign_off", lambda _p, question, _d: asked.append(question) or True)
    open_and_analyse(qtbot, main_window, assistant, cxr_file)
    panel = assistant.review_panel
    label = panel.selected_label()
    panel.reason.setText("air bronchograms")
    ai = assistant.review.ai_value(label)
    assert panel.mark(label, "absent" if ai == "present" else "present")
    assert panel.sign_off()
    other = af.write_cxr_dicom(tmp_path / "other.dcm", af.chest_like(seed=5))
    open_and_analyse(qtbot, main_window, assistant, other)
    assert not any("air bronchograms" in line for line in panel.history_lines())
    open_and_analyse(qtbot, main_window, assistant, cxr_file)
    lines = panel.history_lines()
    assert any("corrected" in line and "air bronchograms" in line for line in lines)
    assert any("signed off" in line for line in lines)
    assert asked == [f"Sign off this review of {cxr_file.name}?"]
    # a signed-off image reopened is read-only: a change is an addendum, with a reason
    qtbot.waitUntil(lambda: panel.signed_label.isVisible(), timeout=5000)
    assert panel.signed_label.text().startswith("<b>Signed off by ")
    assert not panel.btn_accept_all.isEnabled() and not panel.btn_sign_off.isEnabled()
    assert not panel.mark(label, ai) and "addendum" in panel.message.text()
    panel.ask_addendum = lambda review: (label, ai, "agree with the AI after all")
    assert panel.add_addendum()
    assert assistant.review.current()[label].value == ai and assistant.review.signed_off
    kinds = [r.event.event_type for r in store_events(pixel_sha256=assistant.review.identity["pixel_sha256"])]
    assert kinds.count(ev.SIGNED_OFF) == 1 and kinds[-1] == ev.ADDENDUM


def test_failing_store_shows_not_yet_saved_and_saves_later(qtbot, main_window, assistant, cxr_file, tmp_path,
                                                           monkeypatch, radassist_home):
    """The store is read-only (a read-only SQLite URI that cannot be opened): nothing is lost, the user sees it."""
    monkeypatch.setenv("RADASSIST_AUDIT_URL", f"sqlite:///file:{tmp_path / 'later.sqlite3'}?mode=ro")
    assistant.retry_timer.setInterval(60_000)
    open_and_analyse(qtbot, main_window, assistant, cxr_file)
    assert assistant.pending_label.isVisible() and UNSAVED_TEXT in assistant.pending_label.text()
    assistant.review_panel.accept_all()
    assert UNSAVED_TEXT in assistant.review_panel.cell_text(0, 3)
    assert UNSAVED_TEXT in main_window.statusBar().currentMessage() or "not be" in \
        main_window.statusBar().currentMessage() or "kept" in main_window.statusBar().currentMessage()
    assert assistant.retry_timer.isActive()
    assert assistant.retry_pending() == 0  # still failing: kept
    assert assistant.pending_count() == 3
    monkeypatch.setenv("RADASSIST_AUDIT_URL", str(tmp_path / "later.sqlite3"))
    assistant.retry_timer.setInterval(20)
    qtbot.waitUntil(lambda: assistant.pending_count() == 0, timeout=5000)
    assert not assistant.pending_label.isVisible()
    assert assistant.review_panel.cell_text(0, 3) == "saved"
    with open_store(tmp_path / "later.sqlite3") as s:
        assert [r.event.event_type for r in s.query()] == [ev.IMAGE_OPENED, ev.PREDICTION_SHOWN,
                                                          ev.FINDING_ACCEPTED]
        assert s.verify().ok


def test_reviewer_name_is_shown_recorded_and_used(qtbot, main_window, assistant, cxr_file):
    from radassist.config import load_settings

    assert assistant.identity.label.text() == f"Reviewer: {main_window.settings.reviewer}"
    open_and_analyse(qtbot, main_window, assistant, cxr_file)
    assert assistant.identity.set_display_name("Dr. Ada Lovelace")
    assert assistant.identity.label.text() == "Reviewer: Dr. Ada Lovelace"
    assert load_settings().display_name == "Dr. Ada Lovelace"
    change = store_events(event_types=[ev.SETTINGS_CHANGED])[0].event
    assert change.details["display_name"] == "Dr. Ada Lovelace" and change.previous["display_name"] == ""
    assistant.review_panel.accept_all()
    assert store_events(event_types=[ev.FINDING_ACCEPTED])[0].event.user == "Dr. Ada Lovelace"


def test_model_card_in_help_and_about(qtbot, main_window, assistant, cxr_file):
    card = af.engine().package.card
    open_and_analyse(qtbot, main_window, assistant, cxr_file)
    dlg = assistant.show_model_card()
    qtbot.addWidget(dlg)
    text = dlg.text.toPlainText()
    assert card.id in text and card.intended_use[:30] in text and "Limitations" in text
    title, about = assistant.model_card_section()
    assert title == "Model" and card.version in about


def test_save_image_with_overlays_writes_a_png_and_audits_it(qtbot, main_window, assistant, cxr_file, tmp_path):
    open_and_analyse(qtbot, main_window, assistant, cxr_file)
    assistant.overlays.act_heatmap.setChecked(True)
    out = assistant.overlays.save(tmp_path / "with-overlays.png")
    assert out is not None and QImage(str(out)).size().toTuple() == (224, 256)
    export = store_events(event_types=[ev.EXPORT])[0].event
    assert export.details["what"] == "image_with_overlays" and export.pixel_sha256


def test_overlays_are_on_by_default_and_the_readers_choice_is_remembered(qtbot, radassist_home, cxr_file):
    from dataclasses import replace

    from radassist.config import Settings, load_settings
    from radassist.gui.main_window import MainWindow

    win = MainWindow(Settings())
    qtbot.addWidget(win)
    win.show()
    a = install_assistant(win, loader=af.models)
    result = open_and_analyse(qtbot, win, a, cxr_file)
    names = set(win.view.overlay_names())
    assert "lungs" in names and any(n.startswith("heatmap:") for n in names)
    viewed = store_events(event_types=[ev.HEATMAP_VIEWED])
    assert [r.event.pixel_sha256 for r in viewed] == [result.image.pixel_sha256]  # seen, so audited
    a.overlays.act_heatmap.setChecked(False)  # Ctrl+H
    assert load_settings().show_heatmap is False and load_settings().show_lungs is True
    a.shutdown()
    win.jobs.shutdown()
    win2 = MainWindow(replace(load_settings()))
    qtbot.addWidget(win2)
    a2 = install_assistant(win2, loader=af.models)
    assert not a2.overlays.act_heatmap.isChecked() and a2.overlays.act_lungs.isChecked()
    a2.shutdown()
    win2.jobs.shutdown()


def test_refused_image_shows_the_reason_and_no_probability(qtbot, main_window, cxr_file, tmp_path):
    """With the real OOD gate: a non-chest image (noise) is refused with a reason and no score."""
    assistant = install_assistant(main_window, loader=lambda: af.models(gate=True))
    noise = np.random.default_rng(1).integers(0, 4096, (256, 224)).astype(np.uint16)
    result = open_and_analyse(qtbot, main_window, assistant, af.write_cxr_dicom(tmp_path / "noise.dcm", noise))
    assistant.shutdown()
    assert result.analysis.status == "rejected"
    text = assistant.findings.text()
    assert "Not analysed" in text and "%" not in text and assistant.findings.table.rowCount() == 0
    assert not main_window.view.overlay_names()
    assert not assistant.review_panel.btn_accept_all.isEnabled()
    shown = store_events(event_types=[ev.PREDICTION_SHOWN])[0].event
    assert shown.ai_output["findings"] == [] and shown.ai_output["status"] == "rejected"


def test_next_and_previous_image_keys_step_the_worklist_review(qtbot, main_window, assistant, tmp_path):
    folder = tmp_path / "worklist"
    folder.mkdir()
    af.write_cxr_dicom(folder / "a.dcm", af.chest_like(seed=1))
    af.write_cxr_dicom(folder / "b.dcm", af.chest_like(seed=2))
    with qtbot.waitSignal(assistant.analysis.finished, timeout=30_000) as first:
        main_window.open_folder(folder)
    assert main_window.act_next in main_window.menu("Review").actions()
    main_window.view.setFocus()
    with qtbot.waitSignal(assistant.analysis.finished, timeout=30_000) as second:
        qtbot.keyClick(main_window.view, Qt.Key.Key_Right)
    assert second.args[0].image.pixel_sha256 != first.args[0].image.pixel_sha256
    assert assistant.review.identity["pixel_sha256"] == second.args[0].image.pixel_sha256
    with qtbot.waitSignal(assistant.analysis.finished, timeout=30_000) as back:
        qtbot.keyClick(main_window.view, Qt.Key.Key_Left)
    assert back.args[0].image.pixel_sha256 == first.args[0].image.pixel_sha256


def test_the_app_shows_findings_without_importing_tensorflow(cxr_file, tmp_path):
    """The real entry point (create_window + install_assistant, real OOD gate): LiteRT only on the CPU."""
    import os
    import subprocess
    import sys

    from tests.conftest import SHARED

    real = SHARED / "data" / "dicom_cr_chest" / "SIIM_CXR_MONOCHROME2_IMPLE.dcm"
    image = real if real.is_file() else cxr_file  # a generated image is refused by the gate: still no TF

    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from PySide6.QtCore import QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from radassist.gui.app import create_window\n"
        "app = QApplication([])\n"
        "win = create_window()\n"
        "win.show()\n"
        "a = win.assistant\n"
        "def done(r):\n"
        "    print('FINDINGS', len(r.analysis.findings), 'TF' if 'tensorflow' in sys.modules else 'NO-TF')\n"
        "    app.exit(0)\n"
        "a.analysis.finished.connect(done)\n"
        "a.analysis.failed.connect(lambda s, e: (print('FAILED', e), app.exit(1)))\n"
        "QTimer.singleShot(0, lambda: win.open_path(Path(sys.argv[1])))\n"
        "QTimer.singleShot(60000, lambda: app.exit(2))\n"
        "code = app.exec()\n"
        "a.shutdown()\n"
        "sys.exit(code)\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "RADASSIST_HOME": str(tmp_path / "home"),
           "RADASSIST_MODEL": str(af.classifier_dir()), "RADASSIST_DEVICE": "cpu"}
    proc = subprocess.run([sys.executable, "-c", script, str(image)], env=env, capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "NO-TF" in proc.stdout
    if image == real:
        assert "FINDINGS 1 NO-TF" in proc.stdout


def test_records_left_unsaved_by_an_earlier_session_are_shown_and_saved(qtbot, main_window, tmp_path):
    """The outbox spools what it could not write; the next start shows it as pending and saves it."""
    from radassist.core.audit.events import AuditEvent
    from radassist.core.audit.outbox import Outbox
    from radassist.core.errors import AuditWriteError

    earlier = Outbox(lambda: open_store(f"sqlite:///file:{tmp_path / 'missing.sqlite3'}?mode=ro"))
    with pytest.raises(AuditWriteError):
        earlier.append(AuditEvent(ev.NOTE_ADDED, "dr-earlier", pixel_sha256="c" * 64, details={"note": "kept"}))
    assistant = install_assistant(main_window, loader=af.models, retry_ms=20)
    assert assistant.pending_count() == 1 and assistant.pending_label.isVisibleTo(main_window)
    qtbot.waitUntil(lambda: assistant.pending_count() == 0, timeout=5000)
    assert not assistant.pending_label.isVisibleTo(main_window)
    assert [r.event.user for r in store_events(event_types=[ev.NOTE_ADDED])] == ["dr-earlier"]
    assistant.shutdown()
