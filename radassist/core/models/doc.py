"""A model card as a readable Markdown page (``docs/models/<id>.md``, ``radassist models doc``).

Generated from the card alone (plus the package's validation report, when it ships one), so the page
cannot drift from what the app loads: prose that no field holds lives in the card's ``notes_md``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from radassist.core.models.card import ModelCard
from radassist.core.models.package import load_package

#: the package file whose text becomes a classifier page's validation report
REPORT_ROLE = "validation_report_md"


def _f(v: Any, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    return f"{v:.{digits}f}"


def _pct(v: float) -> str:
    return f"{100 * v:.1f}%"


def _rate(r: dict[str, Any]) -> str:
    return f"{_f(r['value'])} ({_f(r['lower'])}-{_f(r['upper'])}; {r['k']}/{r['n']})"


def _mean_ci(m: dict[str, Any]) -> str:
    return f"{m['mean']:.4f} [{m['ci95'][0]:.4f}, {m['ci95'][1]:.4f}]"


def _kn(r: dict[str, Any]) -> str:
    return f"{r['k']}/{r['n']} = {_pct(r['rate'])} (95% CI {_pct(r['ci95'][0])}-{_pct(r['ci95'][1])})"


# --- per task ---------------------------------------------------------------------------------------------
def _classification(card: ModelCard, report_md: str) -> list[str]:
    lines = ["## Calibration and operating point", "",
             f"- temperature (per label): {', '.join(f'{t:.4f}' for t in card.temperature)} "
             "(calibrated probability = sigmoid(logit / T))",
             f"- thresholds: {', '.join(f'{k} {t:.4f}' for k, t in card.thresholds.items())}",
             f"- policy: {card.threshold_policy}", ""]
    tr = card.metrics.get("training") or {}
    if tr:
        lines += ["## Training run", "",
                  f"- images: {tr.get('train_images')} training, {tr.get('val_images')} validation; best epoch "
                  f"{tr.get('best_epoch')} of {tr.get('epochs_run')}; wall time {tr.get('wall_seconds')} s"]
        if tr.get("calibrated_from_saved_fit"):
            lines.append("- calibration, threshold, report and export were redone from this run's fitted weights "
                         "with the same command plus `--reuse-fit` (no refit)")
        if tr.get("epochs"):
            lines += ["", "| epoch | phase | loss | train AUROC | val loss | val AUROC | seconds |",
                      "|---|---|---|---|---|---|---|"]
            nan = float("nan")
            lines += [f"| {e['epoch']}{' *' if e.get('best') else ''} | {e.get('phase', '')} | "
                      f"{e.get('loss', nan):.4f} | {e.get('auroc', nan):.4f} | {e.get('val_loss', nan):.4f} | "
                      f"{e.get('val_auroc', nan):.4f} | {e.get('seconds')} |" for e in tr["epochs"]]
            lines += ["", "(* = improved validation AUROC; the last starred epoch's weights are shipped. Per-epoch "
                      "val AUROC here is Keras' 1000-threshold estimate; the report below is exact.)"]
        lines.append("")
    v = card.metrics.get("validation") or {}
    if report_md:  # the package's own report: also has the reliability table
        body = report_md.split("\n", 1)[1] if report_md.startswith("# ") else report_md
        lines += ["## Validation report", "", body.replace("\n## ", "\n### ").strip(), ""]
    elif v.get("labels"):
        lines += ["## Validation", "", f"Images: {v.get('n_images')}, patients: {v.get('n_patients')}. "
                  f"Calibration: {v.get('calibration_source')}; threshold: {v.get('threshold_source')}.", ""]
        for label, m in v["labels"].items():
            op, a = m["operating_point"], m["auroc"]
            lines += [f"### {label}", "", "| metric | value (95% CI) |", "|---|---|",
                      f"| AUROC | {_f(a['value'], 4)} ({_f(a['ci95'][0], 4)}-{_f(a['ci95'][1], 4)}) |",
                      f"| threshold | {op['threshold']:.4f} |",
                      *(f"| {k} | {_rate(op[k])} |" for k in ("sensitivity", "specificity", "ppv", "npv")),
                      f"| ECE calibrated / T = 1 | {_f(m['ece_calibrated'], 4)} / {_f(m['ece_uncalibrated'], 4)} |",
                      ""]
    return lines


def _segmentation(card: ModelCard) -> list[str]:
    lines: list[str] = []
    arch = card.extra.get("architecture") or {}
    post = card.extra.get("postprocessing") or {}
    tr = card.extra.get("training") or {}
    if arch or post:
        lines += ["## Architecture and post-processing", ""]
        if arch:
            lines.append(f"- {arch.get('name')}: {arch.get('levels')} levels, {arch.get('base_filters')} base filters, "
                         f"{arch.get('parameters'):,} parameters; output {arch.get('output')}")
        lines += [f"- {k}: {v}" for k, v in post.items()]
        lines.append("")
    if tr:
        split = tr.get("split") or {}
        lines += ["## Training run", "", f"- data: {tr.get('data')}",
                  "- split: " + "; ".join(f"{part} " + ", ".join(f"{s} {n}" for s, n in counts.items())
                                          for part, counts in split.items()),
                  f"- split rule: {tr.get('split_rule')}", f"- loss: {tr.get('loss')}; optimizer: {tr.get('optimizer')}; "
                  f"batch size {tr.get('batch_size')}",
                  "- augmentation: " + ", ".join(f"{k} {v}" for k, v in (tr.get("augmentation") or {}).items())
                  + f"; flips: {tr.get('flips')}",
                  f"- epochs run {tr.get('epochs_run')}, best epoch {tr.get('best_epoch')}, stopped by "
                  f"{tr.get('stopped_by')}", ""]
    v = card.metrics.get("validation") or {}
    if v.get("dice"):
        lines += ["## Validation", "", f"Split `{v.get('split')}`, {v.get('n')} images, evaluated at "
                  f"{v.get('evaluated_at')}; mean with 95% bootstrap CI.", "",
                  "| source | n | Dice | IoU |", "|---|---|---|---|"]
        lines += [f"| {s} | {m['dice']['n']} | {_mean_ci(m['dice'])} | {_mean_ci(m['iou'])} |"
                  for s, m in (v.get("per_source") or {}).items()]
        lines += [f"| **all** | **{v['dice']['n']}** | **{_mean_ci(v['dice'])}** | **{_mean_ci(v['iou'])}** |", ""]
        if v.get("worst_cases"):
            lines += ["Worst cases: " + ", ".join(f"{c['image']} ({c['source']}, Dice {c['dice']:.3f})"
                                                  for c in v["worst_cases"]) + ".", ""]
    return lines


_CV_ROWS = (("non_cxr_refused", "non-CXR images refused"), ("cxr_accepted", "real chest X-rays accepted"),
            ("inverted_cxr_flagged", "inverted chest X-rays flagged"),
            ("upright_cxr_flagged_inverted", "upright chest X-rays wrongly flagged inverted"))


def _ood(card: ModelCard) -> list[str]:
    lines: list[str] = []
    method = card.extra.get("method") or {}
    if method:
        lines += ["## Method", ""] + [f"- **{k}**: {v}" for k, v in method.items()] + [""]
    cv = card.metrics.get("cross_validation") or {}
    if cv:
        lines += [f"## Validation: {cv.get('method', 'cross-validation')}", "", "| what | result |", "|---|---|"]
        lines += [f"| {label} | {_kn(cv[key])} |" for key, label in _CV_ROWS if key in cv]
        per = cv.get("per_category") or {}
        if per:
            lines += ["", "### Per category", "", "| category | images | expected | errors | error rate (95% CI) |",
                      "|---|---|---|---|---|"]
            lines += [f"| {c} | {m['n']} | {m['expected']} | {m['errors']} | {_pct(m['error_rate'])} "
                      f"({_pct(m['error_rate_ci95'][0])}-{_pct(m['error_rate_ci95'][1])}) |" for c, m in per.items()]
        lines.append("")
    novel = card.metrics.get("novel_category_leave_one_family_out") or {}
    parity = card.metrics.get("float16_parity") or {}
    fitted = card.metrics.get("n_fit") or {}
    if novel or parity or fitted:
        lines += ["## Other checks", ""]
        if novel:
            missed = [f"{f} {m['refused']}/{m['n']}" for f, m in (novel.get("per_family") or {}).items()
                      if m["refused"] < m["n"]]
            lines.append(f"- **never-seen kinds of image** (leave one family out: the gate is fitted without any image "
                         f"of that kind, then scores it): refused {novel['refused']}/{novel['n']} = {_pct(novel['rate'])} "
                         f"(95% CI {_pct(novel['ci95'][0])}-{_pct(novel['ci95'][1])})"
                         + (f"; not every one refused: {', '.join(missed)}." if missed else "."))
        if parity:
            lines.append(f"- **float16 export parity**: decisions agree on {parity['decisions_agree']}/{parity['n']} "
                         f"images; largest score difference {parity['max_abs_score_diff']:.3f}.")
        if fitted:
            lines.append(f"- **fitted on**: {fitted.get('cxr')} chest X-rays and {fitted.get('non_cxr')} other images.")
        lines.append("")
    return lines


# --- the page ---------------------------------------------------------------------------------------------
def _io_table(card: ModelCard) -> list[str]:
    rows = [("input", t) for t in card.inputs] + [("output", t) for t in card.outputs]
    return ["| | name | shape | dtype | range | meaning |", "|---|---|---|---|---|---|",
            *(f"| {kind} | `{t.name}` | {t.shape_text} | {t.dtype} | {t.range_text} | {t.description} |"
              for kind, t in rows),
            "", "N = batch, L = number of labels; `radassist models verify` runs the model on a dummy input and "
            "checks every output against this table."]


def card_markdown(card: ModelCard, report_md: str = "", comparison_md: str = "") -> str:
    """The page for ``card``: identity, use and limits, inputs/outputs, task figures, training, files,
    the card's ``notes_md`` (and ``comparison_md``), provenance, files, licences, changelog. ``report_md``
    (the package's validation report) replaces the short validation table of a classifier."""
    heading = f"# Model card: `{card.id}` {card.version}" + (f" — {card.title}" if card.title else "")
    lines = [heading, "",
             f"*Generated by `radassist models doc` from `radassist/resources/models/{card.id}/model_card.json`; "
             "edit the card, not this page.*", "",
             f"Task: {card.task}; labels (output order): {', '.join(card.labels)}; created {card.created}.", "",
             "## Intended use", "", card.intended_use, ""]
    pop = card.extra.get("intended_population") or {}
    if pop:
        lo, hi = (pop.get("age_years") or [None, None])[:2]
        lines += [f"Intended population (card field `intended_population`): {pop.get('description', '')}"
                  + (f"; ages {lo} to under {hi} years." if lo is not None and hi is not None else "."), ""]
    lines += ["## Limitations", "", *(f"- {x}" for x in card.limitations), "",
              "## Inputs and outputs", "",
              f"- image: {card.input_size[0]}x{card.input_size[1]}, {card.input.get('channels', 3)} channel(s)",
              f"- preprocessing: {card.input.get('preprocessing', '')}", "", *_io_table(card), ""]
    if card.task == "classification":
        lines += _classification(card, report_md)
    elif card.task == "segmentation":
        lines += _segmentation(card)
    elif card.task == "ood":
        lines += _ood(card)
    for extra in (card.notes_md, comparison_md):
        if extra.strip():
            lines += [extra.strip(), ""]
    bw = card.base_weights or {}
    ex = card.exporter
    lines += ["## Provenance", "", "Reproduce:", "```", card.training_command, "```", "",
              f"- machine: {card.machine}",
              f"- base weights: {bw.get('name')} (sha256 `{bw.get('sha256')}`)" if bw else
              "- base weights: none (trained from scratch)",
              f"- data manifest sha256: `{card.data_manifest_sha256}`",
              f"- exported with: TensorFlow {ex.get('tensorflow')}, Keras {ex.get('keras')}, LiteRT {ex.get('litert')}"
              + (f" ({ex['source']})" if ex.get("source") else ""),
              f"- parent model: {card.parent or 'none'}", "",
              "## Files", "", "| role | file | sha256 | dtype |", "|---|---|---|---|",
              *(f"| {r} | {f.path} | `{f.sha256}` | {f.dtype} |" for r, f in card.files.items()), "",
              "## Licences", "", *(f"- {x}" for x in card.licenses), "",
              "## Changelog", ""]
    for c in card.changelog:
        lines += [f"- **{c.version}** ({c.date})"] + [f"  - {x}" for x in c.changes]
    return "\n".join(lines) + "\n"


def package_markdown(pkg_dir: str | Path) -> str:
    """The page ``docs/models/<id>.md`` holds: the package's card, plus its validation report if it ships one
    (hash-checked like any package file)."""
    pkg = load_package(pkg_dir, require_trust=False)  # a page describes a card; it runs nothing
    report = pkg.path(REPORT_ROLE).read_text(encoding="utf-8") if pkg.has(REPORT_ROLE) else ""
    return card_markdown(pkg.card, report_md=report)
