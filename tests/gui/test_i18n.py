"""Translations: the committed source catalogue is what lupdate extracts today, and a real QTranslator with a
compiled catalogue changes the widgets' texts (English stays built in)."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QLibraryInfo, QLocale

from radassist.gui import app
from tests.conftest import REPO

BIN = Path(sys.executable).parent
CATALOGUE = REPO / "radassist" / "resources" / "i18n" / "radassist_en.ts"
#: the options of ``make translations`` (a catalogue made by hand with other options would still compare)
LUPDATE_OPTIONS = ("-locations", "none", "-no-obsolete", "-source-language", "en")


def _tool(name: str) -> str:
    path = BIN / name
    assert path.exists(), f"{name} is installed with PySide6 beside the interpreter"
    return str(path)


def messages(ts: Path) -> set[tuple[str, str, str]]:
    """(context, source text, disambiguation) of every message in a .ts file."""
    root = ET.parse(ts).getroot()
    return {(ctx.findtext("name", ""), msg.findtext("source", ""), msg.findtext("comment", ""))
            for ctx in root.iter("context") for msg in ctx.iter("message")}


def test_the_committed_catalogue_is_current(tmp_path):
    fresh = tmp_path / "radassist_en.ts"
    sources = sorted(str(p) for p in (REPO / "radassist" / "gui").glob("*.py"))
    run = subprocess.run([_tool("pyside6-lupdate"), *LUPDATE_OPTIONS, *sources, "-ts", str(fresh)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    committed, extracted = messages(CATALOGUE), messages(fresh)
    assert extracted - committed == set(), "new strings: run `make translations` and commit the catalogue"
    assert committed - extracted == set(), "strings no longer in the code: run `make translations`"
    # a menu title (Overlays), a dialog's main action and a module function's text are all extracted
    assert ("OverlayControls", "Show &Heatmap", "") in committed
    assert ("AuditViewer", "&Apply filters", "") in committed
    assert ("app", "Some settings were not used", "") in committed


def _compile(tmp_path: Path, lang: str, translations: dict[tuple[str, str], str]) -> Path:
    """A tiny translated catalogue compiled with pyside6-lrelease into ``tmp_path/radassist_<lang>.qm``."""
    root = ET.Element("TS", version="2.1", language=lang, sourcelanguage="en")
    for context in sorted({c for c, _ in translations}):
        ctx = ET.SubElement(root, "context")
        ET.SubElement(ctx, "name").text = context
        for (c, source), text in translations.items():
            if c == context:
                msg = ET.SubElement(ctx, "message")
                ET.SubElement(msg, "source").text = source
                ET.SubElement(msg, "translation").text = text
    ts = tmp_path / f"radassist_{lang}.ts"
    ET.ElementTree(root).write(ts, encoding="utf-8", xml_declaration=True)
    qm = ts.with_suffix(".qm")
    run = subprocess.run([_tool("pyside6-lrelease"), str(ts), "-qm", str(qm)], capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0 and qm.exists(), run.stdout + run.stderr
    return qm


@pytest.fixture
def translators(qapp):
    """Translators installed by a test are removed after it: the other tests read English."""
    installed: list = []
    yield installed
    for t in installed:
        qapp.removeTranslator(t)


def test_a_translator_for_the_locale_changes_the_widgets_texts(qtbot, qapp, tmp_path, monkeypatch, translators):
    from radassist.gui.tag_browser import TagBrowser
    from tests.gui.test_tag_browser import ROWS

    _compile(tmp_path, "de", {("TagBrowser", "DICOM tags — {file}"): "DICOM-Elemente — {file}",
                              ("TagBrowser", "{shown} of {total} elements"): "{shown} von {total} Elementen",
                              ("TagBrowser", "Keyword"): "Schlüsselwort",
                              ("TagBrowser", "Search DICOM tags"): "DICOM-Elemente durchsuchen"})
    monkeypatch.setattr(app, "I18N_DIR", tmp_path)
    translators.extend(app.install_translators(qapp, QLocale("de_DE")))  # de_DE falls back to radassist_de.qm
    assert translators, "radassist_de.qm was not loaded"
    dlg = TagBrowser(ROWS, "x.dcm")
    qtbot.addWidget(dlg)
    assert dlg.windowTitle() == "DICOM-Elemente — x.dcm"
    assert dlg.count_label.text() == "4 von 4 Elementen"
    assert dlg.tree.headerItem().text(1) == "Schlüsselwort"
    assert dlg.search.accessibleName() == "DICOM-Elemente durchsuchen"
    assert dlg.tree.headerItem().text(0) == "Tag"  # untranslated strings stay English
    if (Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)) / "qtbase_de.qm").exists():
        assert dlg.close_button.text() != "Close"  # with ours, Qt's own catalogue: no half-English buttons


def test_english_is_built_in(qtbot, qapp, tmp_path, monkeypatch, translators):
    from radassist.gui.tag_browser import TagBrowser
    from tests.gui.test_tag_browser import ROWS

    monkeypatch.setattr(app, "I18N_DIR", tmp_path)  # no catalogue at all
    translators.extend(app.install_translators(qapp, QLocale("fr_FR")))
    assert translators == []
    translators.extend(app.install_translators(qapp, QLocale("en_US")))
    assert translators == []
    dlg = TagBrowser(ROWS, "x.dcm")
    qtbot.addWidget(dlg)
    assert dlg.count_label.text() == "4 of 4 elements" and dlg.close_button.text() == "Close"


def test_the_catalogues_travel_inside_the_package():
    """pyproject's package data ("resources/**/*") carries radassist/resources/i18n into the wheel."""
    import tomllib

    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "resources/**/*" in data["tool"]["setuptools"]["package-data"]["radassist"]
    assert app.I18N_DIR == REPO / "radassist" / "resources" / "i18n" and CATALOGUE.is_file()


def test_translated_menu_titles_never_make_a_second_menu(qtbot, qapp, tmp_path, monkeypatch, translators,
                                                         radassist_home):
    """Menus are found by their English source text: with a translation a dock still lands in the one View
    menu, and new menus still go before Help."""
    from radassist.config import Settings
    from radassist.gui.main_window import MainWindow

    _compile(tmp_path, "de", {("MainWindow", "&View"): "&Ansicht", ("MainWindow", "&Help"): "&Hilfe"})
    monkeypatch.setattr(app, "I18N_DIR", tmp_path)
    translators.extend(app.install_translators(qapp, QLocale("de_DE")))
    win = MainWindow(Settings())
    qtbot.addWidget(win)
    from PySide6.QtWidgets import QLabel

    win.add_dock(QLabel("x"), "Extra")
    win.menu("&Tools")
    titles = [a.text() for a in win.menuBar().actions()]
    assert titles.count("&Ansicht") == 1 and "&View" not in titles
    assert titles[-1] == "&Hilfe"
