"""The dark theme's text colours reach WCAG AA contrast (>= 4.5:1) on the backgrounds they are drawn on."""

from __future__ import annotations

import pytest

from radassist.gui import palette
from radassist.gui.palette import TEXT_PAIRS, contrast_ratio


def test_the_contrast_formula_is_wcags():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#777777") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the well-known AA grey
    # the colours this replaced: the "about 2.3:1 and 1.8:1"
    assert contrast_ratio("#a05000", palette.WINDOW) == pytest.approx(2.3, abs=0.05)
    assert contrast_ratio("#b00020", palette.WINDOW) == pytest.approx(1.8, abs=0.05)


@pytest.mark.parametrize(("what", "fg", "bg"), TEXT_PAIRS, ids=[p[0] for p in TEXT_PAIRS])
def test_every_text_colour_reaches_aa_on_its_background(what, fg, bg):
    assert contrast_ratio(fg, bg) >= 4.5, f"{what}: {fg} on {bg} is {contrast_ratio(fg, bg):.2f}:1"


def test_the_theme_and_the_findings_panel_use_the_palette(qapp):
    from PySide6.QtGui import QPalette

    from radassist.gui.app import apply_theme
    from radassist.gui.findings_panel import NEGATIVE_COLOUR, POSITIVE_COLOUR, FindingsPanel

    before = qapp.palette()
    try:
        apply_theme(qapp)
        p = qapp.palette()
        assert p.color(QPalette.ColorRole.Window).name() == palette.WINDOW
        assert p.color(QPalette.ColorRole.Base).name() == palette.BASE
        assert p.color(QPalette.ColorRole.WindowText).name() == palette.TEXT
        assert p.color(QPalette.ColorRole.Highlight).name() == palette.HIGHLIGHT
    finally:
        qapp.setPalette(before)
    assert POSITIVE_COLOUR.name() == palette.POSITIVE_CALL and NEGATIVE_COLOUR.name() == palette.NEGATIVE_CALL
    panel = FindingsPanel()
    assert palette.WARNING_TEXT in panel.warnings.styleSheet() and palette.WARNING_TEXT in panel.caveats.styleSheet()
