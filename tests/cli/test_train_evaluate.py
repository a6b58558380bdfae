"""``radassist train`` end to end on a generated set, then ``radassist evaluate`` on the package."""

from __future__ import annotations

import json

import pytest

from radassist.cli import main
from radassist.core.models import load_package
from tests.core.training._fixtures import make_class_folders


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("train")
    data = make_class_folders(root / "data", n_per_class=20)
    out = root / "run"
    code = main(["train", "--data", str(data), "--out", str(out), "--backbone", "mobilenet_v2_scratch",
                 "--alpha", "0.35", "--input-size", "64", "--epochs-frozen", "1", "--epochs-finetune", "1",
                 "--batch-size", "8", "--seed", "1", "--val-fraction", "0.3", "--model-version", "0.0.1-test"])
    return code, data, out


def test_train_writes_a_verified_package_with_a_complete_card(trained, capsys):
    code, _, out = trained
    assert code == 0
    pkg = load_package(out / "package")  # verifies every file's sha256
    card = pkg.card
    assert card.labels == ("pneumonia",) and card.input_size == (64, 64)
    assert set(card.files) >= {"keras", "tflite", "data_manifest"}
    assert len(card.temperature) == 1 and card.temperature[0] > 0
    assert 0.0 <= card.thresholds["pneumonia"] <= 1.0
    assert "--epochs-frozen 1" in card.training_command and "train" in card.training_command
    assert card.metrics["validation"]["labels"]["pneumonia"]["auroc"]["value"] is not None
    epochs = card.metrics["training"]["epochs"]
    assert [e["phase"] for e in epochs] == ["frozen", "finetune"]
    for name in ("report.json", "report.md", "report.html"):
        assert (out / "report" / name).is_file()
    import hashlib

    assert hashlib.sha256((out / "manifest.json").read_bytes()).hexdigest() == card.data_manifest_sha256


def test_evaluate_writes_the_same_report_for_a_package(trained, tmp_path, capsys):
    code, data, out = trained
    assert code == 0
    assert main(["evaluate", "--model", str(out / "package"), "--data", str(data), "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "report.json").read_text())
    m = report["labels"]["pneumonia"]
    assert m["n"] == 40 and m["positives"] == 20
    assert report["threshold_source"] == "model card"
    assert m["operating_point"]["threshold"] == load_package(out / "package").card.thresholds["pneumonia"]
    assert "<svg" in (tmp_path / "report.html").read_text()
    assert "AUROC" in capsys.readouterr().out


def test_train_without_epochs_is_a_usage_error(tmp_path):
    assert main(["train", "--data", str(tmp_path), "--out", str(tmp_path / "o"), "--epochs-frozen", "0",
                 "--epochs-finetune", "0"]) == 2


def test_train_on_a_missing_folder_fails_readably(tmp_path, capsys):
    assert main(["train", "--data", str(tmp_path / "none"), "--out", str(tmp_path / "o")]) == 1
    assert "does not exist" in capsys.readouterr().err
