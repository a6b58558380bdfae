"""The evaluation report: ``report.json`` (every figure), ``report.md`` and ``report.html``, and per label a
ROC curve, a reliability diagram and a confusion matrix drawn by matplotlib (imported when a report is
written; a bare ``Figure``, so no GUI backend or global pyplot state) as SVG files beside them."""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path
from typing import Any

#: chart kind -> file name stem; one SVG per (kind, label), e.g. ``roc_pneumonia.svg``
CHART_KINDS = ("roc", "reliability", "confusion")
_SVG_RC = {"svg.fonttype": "none", "svg.hashsalt": "radassist-report"}  # text stays text; stable ids


def _fmt(v: float | None, digits: int = 3) -> str:
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{digits}f}"


def _rate(r: dict) -> str:
    return f"{_fmt(r['value'])} ({_fmt(r['lower'])}-{_fmt(r['upper'])}; {r['k']}/{r['n']})"


def chart_name(kind: str, label: str) -> str:
    return f"{kind}_{re.sub(r'[^0-9A-Za-z_-]+', '_', label)}.svg"


def _square_axes(title: str, xlabel: str, ylabel: str) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4.2, 4.2), layout="constrained")
    ax = fig.add_subplot()
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel, xlim=(0, 1), ylim=(0, 1), aspect="equal")
    ax.plot([0, 1], [0, 1], ls="--", lw=1, color="#bbbbbb")
    ax.grid(True, lw=0.5, alpha=0.5)
    return fig, ax


def roc_figure(m: dict[str, Any], label: str) -> Any:
    fig, ax = _square_axes(f"ROC: {label} (AUROC {_fmt(m['auroc']['value'])})", "1 - specificity", "sensitivity")
    ax.plot(m["roc"]["fpr"], m["roc"]["tpr"], color="#1f5fbf", lw=2, label="ROC")
    op = m["operating_point"]
    if op["specificity"]["value"] is not None and op["sensitivity"]["value"] is not None:
        ax.plot([1 - op["specificity"]["value"]], [op["sensitivity"]["value"]], "o", color="#d62728",
                label=f"threshold {op['threshold']:.3f}")
    ax.legend(loc="lower right")
    return fig


def reliability_figure(m: dict[str, Any], label: str) -> Any:
    fig, ax = _square_axes(f"Reliability: {label} (ECE {_fmt(m['ece_calibrated'])})", "predicted probability",
                           "observed frequency")
    bins = [b for b in m["reliability"] if b["count"]]
    ax.bar([b["lower"] for b in bins], [b["frequency"] for b in bins],
           width=[b["upper"] - b["lower"] for b in bins], align="edge", color="#1f5fbf", alpha=0.45,
           edgecolor="white", label="observed")
    ax.plot([b["confidence"] for b in bins], [b["frequency"] for b in bins], "o", color="#d62728", ms=4,
            label="bin mean p")
    ax.legend(loc="upper left")
    return fig


def confusion_figure(m: dict[str, Any], label: str) -> Any:
    from matplotlib.figure import Figure

    c = m["confusion"]
    cells = [[c["tp"], c["fn"]], [c["fp"], c["tn"]]]
    fig = Figure(figsize=(4.2, 3.8), layout="constrained")
    ax = fig.add_subplot()
    top = max(1, max(map(max, cells)))
    ax.imshow(cells, cmap="Blues", vmin=0, vmax=top)
    names = [["TP", "FN"], ["FP", "TN"]]
    for row in range(2):
        for col in range(2):
            ax.text(col, row, f"{names[row][col]}\n{cells[row][col]}", ha="center", va="center", fontsize=13,
                    color="white" if cells[row][col] > top / 2 else "black")
    ax.set(title=f"Confusion: {label} (t = {m['operating_point']['threshold']:.3f})", xticks=[0, 1],
           yticks=[0, 1], xticklabels=["predicted +", "predicted -"], yticklabels=["actual +", "actual -"])
    return fig


_FIGURES = {"roc": roc_figure, "reliability": reliability_figure, "confusion": confusion_figure}


def write_charts(out_dir: Path, result: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The three charts of every label as SVG files in ``out_dir``; label -> kind -> file name."""
    import matplotlib

    written: dict[str, dict[str, str]] = {}
    with matplotlib.rc_context(_SVG_RC):
        for label, m in result["labels"].items():
            written[label] = {}
            for kind in CHART_KINDS:
                name = chart_name(kind, label)
                _FIGURES[kind](m, label).savefig(Path(out_dir) / name, format="svg", metadata={"Date": None})
                written[label][kind] = name
    return written


def markdown(result: dict[str, Any], title: str, charts: dict[str, dict[str, str]] | None = None) -> str:
    lines = [f"# {title}", "",
             f"Images: {result['n_images']}" + (f", patients: {result['n_patients']}" if result.get("n_patients") else ""),
             f"Calibration: {result['calibration_source']}; threshold: {result['threshold_source']}.",
             f"AUROC 95% CI: {result['auroc_ci']}; rates: {result['rate_ci']} intervals; ECE over "
             f"{result['ece_bins']} equal-width bins.", ""]
    for label, m in result["labels"].items():
        op = m["operating_point"]
        a = m["auroc"]
        lines += [f"## {label}", "",
                  "| metric | value (95% CI) |", "|---|---|",
                  f"| images (positive) | {m['n']} ({m['positives']}, prevalence {m['prevalence']:.1%}) |",
                  f"| AUROC | {_fmt(a['value'], 4)} ({_fmt(a['ci95'][0], 4)}-{_fmt(a['ci95'][1], 4)}) |",
                  f"| threshold (calibrated probability) | {op['threshold']:.4f} |",
                  f"| sensitivity | {_rate(op['sensitivity'])} |",
                  f"| specificity | {_rate(op['specificity'])} |",
                  f"| PPV | {_rate(op['ppv'])} |", f"| NPV | {_rate(op['npv'])} |",
                  f"| accuracy | {_rate(op['accuracy'])} |",
                  f"| temperature T | {m['temperature']:.4f} |",
                  f"| ECE (15 bins), calibrated / T = 1 | {_fmt(m['ece_calibrated'], 4)} / {_fmt(m['ece_uncalibrated'], 4)} |",
                  f"| NLL, calibrated / T = 1 | {_fmt(m['nll_calibrated'], 4)} / {_fmt(m['nll_uncalibrated'], 4)} |",
                  "", "Confusion matrix (rows actual, columns predicted):", "",
                  "| | predicted + | predicted - |", "|---|---|---|",
                  f"| actual + | {op['tp']} | {op['fn']} |", f"| actual - | {op['fp']} | {op['tn']} |", "",
                  "Reliability (15 bins; bins with images):", "", "| bin | images | mean p | observed |", "|---|---|---|---|"]
        lines += [f"| {b['lower']:.2f}-{b['upper']:.2f} | {b['count']} | {b['confidence']:.3f} | {b['frequency']:.3f} |"
                  for b in m["reliability"] if b["count"]]
        lines.append("")
        if charts and label in charts:
            lines += [" ".join(f"![{kind}: {label}]({name})" for kind, name in charts[label].items()), ""]
    return "\n".join(lines) + "\n"


def html_page(result: dict[str, Any], title: str, charts: dict[str, dict[str, str]] | None = None) -> str:
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             "<style>body{font-family:sans-serif;max-width:1050px;margin:2em auto}img{margin:4px;width:320px}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>",
             f"<p>Images: {result['n_images']}; calibration: {html.escape(result['calibration_source'])}; threshold: "
             f"{html.escape(result['threshold_source'])}; AUROC CI: {html.escape(result['auroc_ci'])}.</p>"]
    for label, m in result["labels"].items():
        op = m["operating_point"]
        rows = [("AUROC", f"{_fmt(m['auroc']['value'], 4)} ({_fmt(m['auroc']['ci95'][0], 4)}-"
                          f"{_fmt(m['auroc']['ci95'][1], 4)})"),
                ("threshold", f"{op['threshold']:.4f}"), ("sensitivity", _rate(op["sensitivity"])),
                ("specificity", _rate(op["specificity"])), ("PPV", _rate(op["ppv"])), ("NPV", _rate(op["npv"])),
                ("temperature", f"{m['temperature']:.4f}"),
                ("ECE calibrated / T=1", f"{_fmt(m['ece_calibrated'], 4)} / {_fmt(m['ece_uncalibrated'], 4)}")]
        parts.append(f"<h2>{html.escape(label)}</h2><table>" +
                     "".join(f"<tr><th>{k}</th><td>{html.escape(v)}</td></tr>" for k, v in rows) + "</table>")
        if charts and label in charts:
            parts.append("<div>" + "".join(f'<img src="{html.escape(name)}" alt="{html.escape(kind)}: '
                                           f'{html.escape(label)}">' for kind, name in charts[label].items())
                         + "</div>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(out_dir: Path, result: dict[str, Any], *, title: str, extra: dict[str, Any] | None = None) -> dict:
    """Write report.json / report.md / report.html and the chart SVGs into ``out_dir``; return the JSON
    written (its ``charts`` names the SVG files per label)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    charts = write_charts(out_dir, result)
    data = {"title": title, **result, **(extra or {}), "charts": charts}
    (out_dir / "report.json").write_text(json.dumps(data, indent=1, default=_default, allow_nan=True) + "\n")
    (out_dir / "report.md").write_text(markdown(result, title, charts))
    (out_dir / "report.html").write_text(html_page(result, title, charts))
    return data


def _default(o: Any) -> Any:
    import numpy as np

    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)

