"""The report: JSON with every figure, Markdown and HTML pages, and three matplotlib SVG charts per label."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import numpy as np

from radassist.training.evaluate import evaluate_arrays
from radassist.training.report import write_report


def test_report_files_have_the_figures_and_plots(tmp_path):
    rng = np.random.default_rng(0)
    true_logit = rng.normal(0, 3, 600)
    y = (rng.random(600) < 1 / (1 + np.exp(-true_logit))).astype(int)
    logits = 3 * true_logit  # over-confident by a factor 3
    result = evaluate_arrays(["pneumonia"], logits[:, None], y[:, None], np.arange(600) // 2, n_boot=200)
    m = result["labels"]["pneumonia"]
    assert m["operating_point"]["sensitivity"]["value"] >= 0.95
    assert m["temperature"] > 2.0
    assert m["ece_calibrated"] < m["ece_uncalibrated"]
    assert result["calibration_source"] == "fitted on this set"
    write_report(tmp_path, result, title="test")
    data = json.loads((tmp_path / "report.json").read_text())  # strict JSON: no NaN
    assert data["labels"]["pneumonia"]["auroc"]["ci95"][0] <= data["labels"]["pneumonia"]["auroc"]["value"]
    md = (tmp_path / "report.md").read_text()
    assert "| AUROC |" in md and "| sensitivity |" in md and "actual +" in md
    page = (tmp_path / "report.html").read_text()
    assert "<svg" not in page  # the charts are files beside the page, not strings built into it
    names = data["charts"]["pneumonia"]
    assert names == {"roc": "roc_pneumonia.svg", "reliability": "reliability_pneumonia.svg",
                     "confusion": "confusion_pneumonia.svg"}
    for kind, want in (("roc", "ROC: pneumonia"), ("reliability", "Reliability: pneumonia"),
                       ("confusion", "Confusion: pneumonia")):
        assert f'<img src="{names[kind]}"' in page and f"]({names[kind]})" in md
        svg = ET.parse(tmp_path / names[kind]).getroot()
        assert svg.tag == "{http://www.w3.org/2000/svg}svg"
        texts = ["".join(t.itertext()) for t in svg.iter("{http://www.w3.org/2000/svg}text")]
        assert any(t.startswith(want) for t in texts), texts
    # the AUROC in the ROC chart's title is the report's
    roc_texts = ["".join(t.itertext()) for t in ET.parse(tmp_path / names["roc"]).getroot().iter(
        "{http://www.w3.org/2000/svg}text")]
    assert any(f"AUROC {m['auroc']['value']:.3f}" in t for t in roc_texts)
    # the same result writes byte-identical charts (no dates or random ids in the SVG)
    first = (tmp_path / names["roc"]).read_bytes()
    write_report(tmp_path, result, title="test")
    assert (tmp_path / names["roc"]).read_bytes() == first


def test_card_thresholds_are_used_as_given_on_new_data():
    y = np.array([[1], [0], [1], [0]])
    result = evaluate_arrays(["pneumonia"], np.array([[2.0], [-2.0], [0.5], [1.0]]), y, temperature=[2.0],
                             thresholds={"pneumonia": 0.6}, n_boot=50)
    m = result["labels"]["pneumonia"]
    assert m["temperature"] == 2.0 and m["operating_point"]["threshold"] == 0.6
    # p = sigmoid(logit / 2) = 0.73, 0.27, 0.56, 0.62: 0.56 (positive) falls below 0.6, 0.62 (negative) above
    assert m["confusion"] == {"tp": 1, "fp": 1, "tn": 1, "fn": 1}
    assert result["threshold_source"] == "model card"
