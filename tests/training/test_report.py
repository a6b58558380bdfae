"""The report: JSON with every figure, Markdown, and an HTML page with three inline SVG plots."""

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
    svgs = [page[i:page.index("</svg>", i) + 6] for i in range(len(page)) if page.startswith("<svg", i)]
    assert len(svgs) == 3
    titles = [ET.fromstring(s).find("{http://www.w3.org/2000/svg}text").text for s in svgs]
    assert titles[0].startswith("ROC") and titles[1].startswith("Reliability") and titles[2].startswith("Confusion")


def test_card_thresholds_are_used_as_given_on_new_data():
    y = np.array([[1], [0], [1], [0]])
    result = evaluate_arrays(["pneumonia"], np.array([[2.0], [-2.0], [0.5], [1.0]]), y, temperature=[2.0],
                             thresholds={"pneumonia": 0.6}, n_boot=50)
    m = result["labels"]["pneumonia"]
    assert m["temperature"] == 2.0 and m["operating_point"]["threshold"] == 0.6
    # p = sigmoid(logit / 2) = 0.73, 0.27, 0.56, 0.62: 0.56 (positive) falls below 0.6, 0.62 (negative) above
    assert m["confusion"] == {"tp": 1, "fp": 1, "tn": 1, "fn": 1}
    assert result["threshold_source"] == "model card"
