"""The findings panel: what the AI said about the image on screen, in words and numbers.

Per finding: the calibrated probability, the operating threshold and the call (positive/negative), with
the model id/version and the device that ran it. An image the out-of-distribution gate refuses shows the
reason and no probability at all. A caveat that changes how to read a finding (core's
``Analysis.caveats``: the population, an unreliable lung outline, a heatmap mostly outside the lungs; an
image that looks inverted) is shown directly under the findings, bold, in the warning colour, and marks
the call it belongs to; the other notes follow below the model line.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QProgressBar,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from radassist.gui import palette

POSITIVE_COLOUR = QColor(palette.POSITIVE_CALL)
NEGATIVE_COLOUR = QColor(palette.NEGATIVE_CALL)
INVERTED_WARNING = str(QT_TRANSLATE_NOOP("FindingsPanel", "This image looks inverted (a negative). Check the "
                                         "grey levels: the findings may not be reliable on an inverted image."))


@dataclass(frozen=True)
class FindingRow:
    label: str
    probability: float
    threshold: float
    positive: bool


@dataclass(frozen=True)
class FindingsView:
    """The panel's reading of an ``Analysis`` (the one place that knows its field names)."""

    refused: bool
    reason: str
    inverted: bool
    findings: tuple[FindingRow, ...]
    model: dict[str, str]
    device: str
    shares: dict[str, float] = field(default_factory=dict)
    empty_heatmaps: tuple[str, ...] = ()
    lung_area: str = ""
    ood_checked: bool = True
    #: the analysis's own notes (low heatmap share inside the lungs, no salient region, no gate, ...)
    notes: tuple[str, ...] = ()
    #: label -> the notes that change how to read that finding (core's ``Analysis.caveats``)
    caveats: dict[str, tuple[str, ...]] = field(default_factory=dict)


def percent(p: float) -> str:
    """A probability for the panel; never a rounded "100.0 %" or "0.0 %" (no model is that certain)."""
    if p >= 0.9995:
        return "> 99.9 %"
    if p < 0.0005:
        return "< 0.1 %"
    return f"{p * 100:.1f} %"


def _attr(obj: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        if isinstance(obj, dict) and name in obj:
            return obj[name]
        if hasattr(obj, name):
            return getattr(obj, name)
    return default


def lung_mask_of(analysis: Any) -> Any:
    """The analysis's LungMask (or None when no segmenter ran)."""
    return _attr(analysis, "lungs", "lung_mask", "lung")


def heatmaps_of(analysis: Any) -> dict[str, Any]:
    return dict(_attr(analysis, "heatmaps", default=None) or {})


def view_of(analysis: Any) -> FindingsView:
    ood = _attr(analysis, "ood")
    accepted = bool(_attr(analysis, "accepted", default=True if ood is None else _attr(ood, "accepted")))
    findings = tuple(FindingRow(str(_attr(f, "label")), float(_attr(f, "probability")), float(_attr(f, "threshold")),
                                bool(_attr(f, "positive")))
                     for f in (_attr(analysis, "findings", default=()) or ()))
    model = _attr(analysis, "model", default={}) or {}
    if not isinstance(model, dict):
        model = {"id": str(_attr(model, "id", default="")), "version": str(_attr(model, "version", default=""))}
    shares = {str(k): float(v) for k, v in (_attr(analysis, "heatmap_in_lungs", default={}) or {}).items()
              if v is not None}
    empty = tuple(label for label, h in heatmaps_of(analysis).items() if bool(_attr(h, "empty", default=False)))
    mask = lung_mask_of(analysis)
    area = str(_attr(mask, "area_label", default="") or "") if mask is not None else ""
    if area and not bool(_attr(mask, "reliable", default=True)):
        area += " " + QCoreApplication.translate("FindingsPanel", "(lung outline unreliable: not a measurement)")
    reason = str(_attr(analysis, "message", default="") or (_attr(ood, "reason", default="") if ood else "") or "")
    return FindingsView(refused=not accepted, reason=reason,
                        inverted=bool(_attr(ood, "inverted", default=False)) if ood else False,
                        findings=() if not accepted else findings, model=dict(model),
                        device=str(_attr(analysis, "device", default="") or ""), shares=shares,
                        empty_heatmaps=empty, lung_area=area, ood_checked=ood is not None,
                        notes=tuple(str(n) for n in (_attr(analysis, "notes", default=()) or ())),
                        caveats={str(k): tuple(str(x) for x in v)
                                 for k, v in (_attr(analysis, "caveats", default={}) or {}).items()})


def fit_table_height(table: QTableWidget) -> None:
    """Make a short table exactly as tall as its rows (no inner vertical scrolling in a narrow dock)."""
    rows = sum(table.rowHeight(r) for r in range(table.rowCount()))
    bar = table.horizontalScrollBar().sizeHint().height()
    table.setFixedHeight(table.horizontalHeader().sizeHint().height() + rows + 2 * table.frameWidth() + bar)


class FindingsPanel(QWidget):
    """Shows one image's findings; the assistant drives its states."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setAccessibleName(self.tr("AI findings status"))
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(10)
        self.busy.setAccessibleName(self.tr("AI analysis in progress"))
        self.busy.hide()
        columns = (self.tr("Finding"), self.tr("Probability"), self.tr("Threshold"), self.tr("AI call"),
                   self.tr("In lungs"))
        self.table = QTableWidget(0, len(columns), self)
        self.table.setHorizontalHeaderLabels(columns)
        self.table.setAccessibleName(self.tr("AI findings"))
        self.table.setAccessibleDescription(self.tr("Per finding: probability, operating threshold, the AI call "
                                                    "and the share of the heatmap inside the lungs"))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        # reached with Tab (a screen reader then reads the cells), never by a click that would take the
        # image view's keys away
        self.table.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.table.setTabKeyNavigation(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeaderItem(4).setToolTip(self.tr("Share of the heatmap that lies inside the lungs"))
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        # directly under the calls, as prominent as they are: what changes how to read them
        self.caveats = QLabel(self)
        self.caveats.setWordWrap(True)
        self.caveats.setTextFormat(Qt.TextFormat.RichText)
        self.caveats.setStyleSheet(f"{palette.WARNING_STYLE} font-weight: bold;")
        self.caveats.setAccessibleName(self.tr("Caveats for these findings"))
        self.model_label = QLabel(self)
        self.model_label.setWordWrap(True)
        self.model_label.setAccessibleName(self.tr("Model and device"))
        self.warnings = QLabel(self)
        self.warnings.setWordWrap(True)
        self.warnings.setTextFormat(Qt.TextFormat.RichText)
        self.warnings.setStyleSheet(palette.WARNING_STYLE)
        self.warnings.setAccessibleName(self.tr("Notes on this analysis"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        for w in (self.status, self.busy, self.table, self.caveats, self.model_label, self.warnings):
            layout.addWidget(w)
        layout.addStretch(1)
        self.view: FindingsView | None = None
        self.show_idle()

    # --- states ------------------------------------------------------------------------------------
    def _reset(self, status: str, busy: bool = False) -> None:
        self.view = None
        self.status.setText(status)
        self.busy.setVisible(busy)
        self.table.setRowCount(0)
        self.table.hide()
        self.model_label.clear()
        self.caveats.clear()
        self.caveats.hide()
        self.warnings.clear()
        self.warnings.hide()

    def show_idle(self) -> None:
        self._reset(self.tr("Open a chest X-ray to see the AI's findings."))

    def show_loading_model(self) -> None:
        self._reset(self.tr("<b>Loading model…</b> (once per session)"), busy=True)

    def show_analysing(self) -> None:
        self._reset(self.tr("Analysing…"), busy=True)

    def show_error(self, exc: BaseException) -> None:
        from radassist.core.errors import RadAssistError

        if isinstance(exc, RadAssistError):
            text = html.escape(exc.message if hasattr(exc, "message") else str(exc))
            hint = getattr(exc, "hint", "")
            if hint:
                text += f"<br><i>{html.escape(hint)}</i>"
        else:  # a bug: the log has the traceback
            text = self.tr("An unexpected problem stopped the analysis; the log file has the details.")
        self._reset(self.tr("<b>No AI findings.</b> {reason}").format(reason=text))

    def show_result(self, analysis: Any, notes: tuple[str, ...] = ()) -> FindingsView:
        v = view_of(analysis)
        self._reset("")
        self.view = v
        model = " ".join(x for x in (v.model.get("id", ""), v.model.get("version", "")) if x)
        self.model_label.setText(self.tr("Model {model} · device {device}").format(
            model=model, device=v.device or self.tr("unknown")))
        warnings: list[str] = []
        if v.refused:
            reason = (v.reason or self.tr("the image does not look like a frontal chest X-ray")).rstrip(". ")
            self.status.setText(self.tr("<b>Not analysed — no probability is given.</b> {reason}.").format(
                reason=html.escape(reason[0].upper() + reason[1:])))
        else:
            self.status.setText(self.tr("<b>AI findings</b> — decision support, to be confirmed by the reader."))
            self._fill_table(v)
            self._show_caveats(v)
        shown = {c for cs in v.caveats.values() for c in cs} if not v.refused else set()
        # core's words: no salient region, no gate, ... (the caveats are already under the calls)
        warnings.extend(n for n in v.notes if n not in shown)
        if v.inverted and v.refused:
            warnings.insert(0, self.tr(INVERTED_WARNING))
        warnings.extend(notes)
        if v.lung_area and not v.refused:
            self.model_label.setText(self.model_label.text() + "\n" + self.tr("Lung area: {area}").format(area=v.lung_area))
        if warnings:
            self.warnings.setText("<br>".join(f"⚠ {html.escape(w)}" for w in warnings))
            self.warnings.show()
        return v

    def _show_caveats(self, v: FindingsView) -> None:
        """Each finding's caveats, under the calls: a caveat shared by every finding is said once."""
        labels = [f.label for f in v.findings]
        every = [c for c in v.caveats.get(labels[0], ()) if all(c in v.caveats.get(lb, ()) for lb in labels)] \
            if labels else []
        calls = self.tr("⚠ Read this call with care: {caveat}") if len(labels) == 1 \
            else self.tr("⚠ Read these calls with care: {caveat}")
        lines = [calls.format(caveat=html.escape(self.tr(INVERTED_WARNING)))] if v.inverted else []
        lines += [calls.format(caveat=html.escape(c)) for c in every]
        for lb in labels:
            lines += [self.tr("⚠ Read the {finding} call with care: {caveat}").format(
                finding=html.escape(lb), caveat=html.escape(c)) for c in v.caveats.get(lb, ()) if c not in every]
        if lines:
            self.caveats.setText("<br>".join(lines))
            self.caveats.show()

    def _fill_table(self, v: FindingsView) -> None:
        self.table.setRowCount(len(v.findings))
        for row, f in enumerate(v.findings):
            call = self.tr("Positive") if f.positive else self.tr("Negative")
            share = v.shares.get(f.label)
            cells = (f.label, percent(f.probability), percent(f.threshold), call,
                     "—" if share is None else f"{share * 100:.0f} %")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col in (1, 2, 4):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if col == 3:
                    item.setForeground(POSITIVE_COLOUR if f.positive else NEGATIVE_COLOUR)
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                    cav = ((self.tr(INVERTED_WARNING),) if v.inverted else ()) + v.caveats.get(f.label, ())
                    if cav:  # the call itself carries the mark: its caveat is right under the table
                        item.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning))
                        item.setToolTip("\n\n".join(cav))
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        fit_table_height(self.table)
        self.table.show()

    # --- for tests and the review panel --------------------------------------------------------------
    def cell_text(self, row: int, col: int) -> str:
        item = self.table.item(row, col)
        return item.text() if item is not None else ""

    def text(self) -> str:
        """Everything the panel says, as plain text (tests, screen readers)."""
        parts = [self.status.text()]
        for r in range(self.table.rowCount()):
            parts.append(" | ".join(self.cell_text(r, c) for c in range(self.table.columnCount())))
        parts += [self.caveats.text(), self.model_label.text(), self.warnings.text()]
        return "\n".join(p for p in parts if p)
