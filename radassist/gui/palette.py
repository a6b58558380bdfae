"""The dark theme's colours, defined once: backgrounds, text, and the safety colours (warning, error, calls).

Every text colour here reaches WCAG 2.x AA contrast (>= 4.5:1, :func:`contrast_ratio`) on the background
it is drawn on; ``tests/gui/test_palette.py`` computes each pair. Plain hex strings, so a style sheet, a
``QColor`` and the test all read the same value.
"""

from __future__ import annotations

# --- backgrounds (QPalette roles of the dark Fusion theme, gui.app.apply_theme) ----------------------
WINDOW = "#2b2f33"  # panels, docks, labels
BASE = "#1e2124"  # tables, text fields
ALTERNATE_BASE = "#262a2e"
BUTTON = "#33383d"
TOOLTIP = "#3a3f44"
HIGHLIGHT = "#127565"  # was #18a58f (3.1:1 under white text)

# --- text ------------------------------------------------------------------------------------------
TEXT = "#e6e6e6"
TOOLTIP_TEXT = "#f0f0f0"
PLACEHOLDER_TEXT = "#9aa0a6"  # was #8a9096 (4.2:1 on the window)
DISABLED_TEXT = "#6f757b"  # disabled controls are exempt from the contrast minimum (WCAG 1.4.3)
LINK = "#4fc3b0"
HIGHLIGHTED_TEXT = "#ffffff"

# --- safety colours: a warning or an error must be read, not guessed from its hue ---------------------
WARNING_TEXT = "#ffb74d"  # amber; was #a05000 (2.3:1 on the window)
ERROR_TEXT = "#ff8a80"  # light red; was #b00020 (1.8:1 on the window)
POSITIVE_CALL = "#ff8a80"  # was rgb(190, 30, 30) (2.6:1 on a table)
NEGATIVE_CALL = "#81c784"  # was rgb(30, 120, 50) (2.9:1 on a table)
BRIGHT_TEXT = "#ff6b6b"

#: (what, text colour, background) for every text colour the GUI draws on the dark theme
TEXT_PAIRS: tuple[tuple[str, str, str], ...] = (
    ("text on window", TEXT, WINDOW),
    ("text on table", TEXT, BASE),
    ("text on alternate rows", TEXT, ALTERNATE_BASE),
    ("button text", TEXT, BUTTON),
    ("tooltip", TOOLTIP_TEXT, TOOLTIP),
    ("placeholder", PLACEHOLDER_TEXT, BASE),
    ("link", LINK, WINDOW),
    ("selected text", HIGHLIGHTED_TEXT, HIGHLIGHT),
    ("warning on window", WARNING_TEXT, WINDOW),
    ("warning on table", WARNING_TEXT, BASE),
    ("error on window", ERROR_TEXT, WINDOW),
    ("error on table", ERROR_TEXT, BASE),
    ("positive call on table", POSITIVE_CALL, BASE),
    ("negative call on table", NEGATIVE_CALL, BASE),
    ("bright text on window", BRIGHT_TEXT, WINDOW),
)

WARNING_STYLE = f"color: {WARNING_TEXT};"
ERROR_STYLE = f"color: {ERROR_TEXT};"


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour ``#rrggbb``."""
    h = hex_colour.lstrip("#")
    if len(h) != 6:
        raise ValueError(f"expected #rrggbb, got {hex_colour!r}")
    channels = []
    for i in (0, 2, 4):
        c = int(h[i:i + 2], 16) / 255.0
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG contrast ratio (L1 + 0.05) / (L2 + 0.05), from 1 (same colour) to 21 (black on white)."""
    a, b = sorted((relative_luminance(foreground), relative_luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)
