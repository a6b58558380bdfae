"""The evaluation report: ``report.json`` (every figure), ``report.md`` and ``report.html`` with a ROC
curve, a reliability diagram and a confusion matrix drawn as inline SVG (no plotting dependency)."""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

W, H, PAD = 320, 320, 40


def _fmt(v: float | None, digits: int = 3) -> str:
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{digits}f}"


def _rate(r: dict) -> str:
    return f"{_fmt(r['value'])} ({_fmt(r['lower'])}-{_fmt(r['upper'])}; {r['k']}/{r['n']})"


def _axes(title: str, xlabel: str, ylabel: str) -> list[str]:
    s = W - 2 * PAD
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect x="{PAD}" y="{PAD}" width="{s}" height="{s}" fill="white" stroke="#333"/>',
           f'<text x="{W / 2}" y="18" text-anchor="middle" font-size="13">{html.escape(title)}</text>',
           f'<text x="{W / 2}" y="{H - 6}" text-anchor="middle">{html.escape(xlabel)}</text>',
           f'<text x="12" y="{H / 2}" text-anchor="middle" transform="rotate(-90 12 {H / 2})">{html.escape(ylabel)}</text>']
    for k in range(6):
        v = k / 5
        x, y = PAD + v * s, H - PAD - v * s
        out.append(f'<line x1="{x:.1f}" y1="{H - PAD}" x2="{x:.1f}" y2="{H - PAD + 4}" stroke="#333"/>'
                   f'<text x="{x:.1f}" y="{H - PAD + 15}" text-anchor="middle">{v:.1f}</text>'
                   f'<line x1="{PAD - 4}" y1="{y:.1f}" x2="{PAD}" y2="{y:.1f}" stroke="#333"/>'
                   f'<text x="{PAD - 6}" y="{y + 4:.1f}" text-anchor="end">{v:.1f}</text>')
    out.append(f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - PAD}" y2="{PAD}" stroke="#bbb" stroke-dasharray="4 3"/>')
    return out


def _xy(u: float, v: float) -> tuple[float, float]:
    s = W - 2 * PAD
    return PAD + u * s, H - PAD - v * s


def roc_svg(m: dict[str, Any], label: str) -> str:
    out = _axes(f"ROC: {label} (AUROC {_fmt(m['auroc']['value'])})", "1 - specificity", "sensitivity")
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (_xy(f, t) for f, t in zip(m["roc"]["fpr"], m["roc"]["tpr"],
                                                                              strict=True)))
    out.append(f'<polyline points="{pts}" fill="none" stroke="#1f5fbf" stroke-width="2"/>')
    op = m["operating_point"]
    x, y = _xy(1 - op["specificity"]["value"], op["sensitivity"]["value"])
    out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#d62728"><title>threshold {op["threshold"]:.4f}'
               f'</title></circle>')
    out.append(f'<text x="{x + 6:.1f}" y="{y + 14:.1f}" fill="#d62728">t = {op["threshold"]:.3f}</text></svg>')
    return "".join(out)


def reliability_svg(m: dict[str, Any], label: str) -> str:
    out = _axes(f"Reliability: {label} (ECE {_fmt(m['ece_calibrated'])})", "predicted probability",
                "observed frequency")
    s = W - 2 * PAD
    n = sum(b["count"] for b in m["reliability"]) or 1
    for b in m["reliability"]:
        if not b["count"]:
            continue
        x0, _ = _xy(b["lower"], 0)
        bw = (b["upper"] - b["lower"]) * s
        _, y = _xy(0, b["frequency"])
        out.append(f'<rect x="{x0 + 1:.1f}" y="{y:.1f}" width="{bw - 2:.1f}" height="{H - PAD - y:.1f}" '
                   f'fill="#1f5fbf" fill-opacity="{0.25 + 0.75 * min(1.0, 5 * b["count"] / n):.2f}">'
                   f'<title>{b["count"]} images, mean p {b["confidence"]:.3f}, observed {b["frequency"]:.3f}</title></rect>')
        cx, cy = _xy(b["confidence"], b["frequency"])
        out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="2.5" fill="#d62728"/>')
    out.append("</svg>")
    return "".join(out)


def confusion_svg(m: dict[str, Any], label: str) -> str:
    c = m["confusion"]
    cells = [("TP", c["tp"], 0, 0), ("FN", c["fn"], 1, 0), ("FP", c["fp"], 0, 1), ("TN", c["tn"], 1, 1)]
    total = max(1, sum(v for _, v, _, _ in cells))
    size, x0, y0 = 100, 90, 50
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="320" height="280" viewBox="0 0 320 280" '
           'font-family="sans-serif" font-size="12">',
           f'<text x="160" y="18" text-anchor="middle" font-size="13">Confusion: {html.escape(label)} '
           f'(t = {m["operating_point"]["threshold"]:.3f})</text>',
           f'<text x="{x0 + size / 2}" y="{y0 - 6}" text-anchor="middle">predicted +</text>',
           f'<text x="{x0 + 1.5 * size}" y="{y0 - 6}" text-anchor="middle">predicted -</text>',
           f'<text x="{x0 - 6}" y="{y0 + size / 2}" text-anchor="end">actual +</text>',
           f'<text x="{x0 - 6}" y="{y0 + 1.5 * size}" text-anchor="end">actual -</text>']
    for name, v, col, row in cells:
        x, y = x0 + col * size, y0 + row * size
        shade = 0.15 + 0.85 * v / total
        good = name in ("TP", "TN")
        colour = "#2ca02c" if good else "#d62728"
        out.append(f'<rect x="{x}" y="{y}" width="{size}" height="{size}" fill="{colour}" fill-opacity="{shade:.2f}" '
                   f'stroke="#333"/><text x="{x + size / 2}" y="{y + size / 2}" text-anchor="middle">{name}</text>'
                   f'<text x="{x + size / 2}" y="{y + size / 2 + 18}" text-anchor="middle" font-size="15">{v}</text>')
    out.append("</svg>")
    return "".join(out)


def markdown(result: dict[str, Any], title: str) -> str:
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
    return "\n".join(lines) + "\n"


def html_page(result: dict[str, Any], title: str, md: str) -> str:
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             "<style>body{font-family:sans-serif;max-width:1050px;margin:2em auto}svg{margin:4px}"
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
        parts.append(f"<div>{roc_svg(m, label)}{reliability_svg(m, label)}{confusion_svg(m, label)}</div>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(out_dir: Path, result: dict[str, Any], *, title: str, extra: dict[str, Any] | None = None) -> dict:
    """Write report.json / report.md / report.html into ``out_dir``; return the JSON written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = {"title": title, **result, **(extra or {})}
    (out_dir / "report.json").write_text(json.dumps(data, indent=1, default=_default, allow_nan=True) + "\n")
    md = markdown(result, title)
    (out_dir / "report.md").write_text(md)
    (out_dir / "report.html").write_text(html_page(result, title, md))
    return data


def _default(o: Any) -> Any:
    import numpy as np

    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def card_markdown(card: dict[str, Any], report_md: str = "", comparison_md: str = "") -> str:
    """A model card as a readable page: identity, intended use, limits, training, validation report."""
    v = card["metrics"].get("validation", {})
    tr = card["metrics"].get("training", {})
    lines = [f"# Model card: {card['id']} {card['version']}", "",
             f"Task: {card['task']}; labels (output order): {', '.join(card['labels'])}; created {card['created']}.", "",
             "## Intended use", "", card["intended_use"], "", "## Limitations", ""]
    lines += [f"- {x}" for x in card["limitations"]]
    bw = card.get("base_weights") or {}
    lines += ["", "## Input", "", f"- size {card['input']['size'][0]}x{card['input']['size'][1]}, "
              f"{card['input'].get('channels', 3)} channels", f"- preprocessing: {card['input'].get('preprocessing', '')}",
              "", "## Calibration and operating point", "",
              f"- temperature (per label): {', '.join(f'{t:.4f}' for t in card['temperature'])} "
              "(calibrated probability = sigmoid(logit / T))",
              f"- thresholds: {', '.join(f'{k} {t:.4f}' for k, t in card['thresholds'].items())}",
              f"- policy: {card['threshold_policy']}", "", "## Training", "",
              f"- command: `{card['training_command']}`",
              f"- machine: {card.get('machine', '')}",
              f"- base weights: {bw.get('name')} (sha256 `{bw.get('sha256')}`)",
              f"- data manifest sha256: `{card['data_manifest_sha256']}` (patient-level split; the manifest ships "
              "with the package)",
              f"- images: {tr.get('train_images')} training, {tr.get('val_images')} validation; best epoch "
              f"{tr.get('best_epoch')} of {tr.get('epochs_run')}; wall time {tr.get('wall_seconds')} s"]
    if tr.get("calibrated_from_saved_fit"):
        lines.append("- calibration, threshold, report and export were redone from this run's fitted weights with "
                     "the same command plus `--reuse-fit` (no refit)")
    lines += ["",
              "| epoch | phase | loss | train AUROC | val loss | val AUROC | seconds |", "|---|---|---|---|---|---|---|"]
    for e in tr.get("epochs", []):
        lines.append(f"| {e['epoch']}{' *' if e.get('best') else ''} | {e['phase']} | {e.get('loss', float('nan')):.4f} | "
                     f"{e.get('auroc', float('nan')):.4f} | {e.get('val_loss', float('nan')):.4f} | "
                     f"{e.get('val_auroc', float('nan')):.4f} | {e.get('seconds')} |")
    lines += ["", "(* = improved validation AUROC; the last starred epoch's weights are shipped. Per-epoch val "
              "AUROC here is Keras' 1000-threshold estimate; the report below is exact.)", ""]
    lines += ["## Files", "", "| role | file | sha256 | dtype |", "|---|---|---|---|"]
    lines += [f"| {r} | {f['path']} | `{f['sha256']}` | {f.get('dtype', '')} |" for r, f in card["files"].items()]
    lines += ["", "## Licences", ""] + [f"- {x}" for x in card["licenses"]]
    if v and not report_md:
        lines += ["", f"Validation: {v.get('n_images')} images."]
    if report_md:
        lines += ["", "## Validation report", "", report_md.replace("\n# ", "\n### ").replace("\n## ", "\n### ")
                  .split("\n", 1)[1] if report_md.startswith("# ") else report_md]
    if comparison_md:
        lines += ["", comparison_md]
    return "\n".join(lines) + "\n"
