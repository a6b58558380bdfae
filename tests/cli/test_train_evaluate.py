"""``radassist train`` end to end on a generated set, then ``radassist evaluate`` on the package."""

from __future__ import annotations

import hashlib
import json

import pytest

from radassist.cli import main
from radassist.core.models import load_package
from tests.training._fixtures import make_class_folders


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("train")
    data = make_class_folders(root / "data", n_per_class=20)
    out = root / "run"
    weights = base_weights(root / "weights")
    code = main(["train", "--data", str(data), "--out", str(out), "--weights", str(weights),
                 "--alpha", "0.35", "--input-size", "64", "--epochs-frozen", "1", "--epochs-finetune", "1",
                 "--batch-size", "8", "--seed", "1", "--val-fraction", "0.3", "--model-version", "0.0.1-test"])
    return code, data, out, weights


def base_weights(folder):
    """Stand-in 'pretrained' weights (a small random MobileNetV2) with the SHA256SUMS they are checked against,
    so the test takes the same path as the bundled model: frozen backbone, then the top blocks."""
    import hashlib

    import keras

    folder.mkdir()
    path = folder / "mobilenet_v2_0.35_64.weights.h5"
    keras.applications.MobileNetV2(input_shape=(64, 64, 3), alpha=0.35, include_top=False,
                                   weights=None).save_weights(path)
    (folder / "SHA256SUMS").write_text(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}\n")
    return path


def test_train_writes_a_verified_package_with_a_complete_card(trained, capsys):
    code, _, out, weights = trained
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
    assert card.base_weights["sha256"] == hashlib.sha256(weights.read_bytes()).hexdigest()
    for name in ("report.json", "report.md", "report.html", "roc_pneumonia.svg"):
        assert (out / "report" / name).is_file()
    # the package carries the charts its copy of the report page shows
    assert {"validation_report_html", "validation_roc_pneumonia_svg", "validation_reliability_pneumonia_svg",
            "validation_confusion_pneumonia_svg"} <= set(card.files)
    from radassist.training.export import machine_description

    assert json.loads((out / "package" / "model_card.json").read_text())["machine"] == machine_description()
    rows = card.metrics["training"]["epochs"]
    assert [e["epoch"] for e in rows if e["best"]][-1] == card.metrics["training"]["best_epoch"]
    assert hashlib.sha256((out / "manifest.json").read_bytes()).hexdigest() == card.data_manifest_sha256


def test_evaluate_writes_the_same_report_for_a_package(trained, tmp_path, capsys):
    code, data, out, _weights = trained
    assert code == 0
    assert main(["evaluate", "--model", str(out / "package"), "--data", str(data), "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "report.json").read_text())
    m = report["labels"]["pneumonia"]
    assert m["n"] == 40 and m["positives"] == 20
    assert report["threshold_source"] == "model card"
    assert m["operating_point"]["threshold"] == load_package(out / "package").card.thresholds["pneumonia"]
    page = (tmp_path / "report.html").read_text()
    for kind in ("roc", "reliability", "confusion"):
        assert f'<img src="{kind}_pneumonia.svg"' in page and (tmp_path / f"{kind}_pneumonia.svg").is_file()
    assert "AUROC" in capsys.readouterr().out


def test_train_without_epochs_is_a_usage_error(tmp_path):
    assert main(["train", "--data", str(tmp_path), "--out", str(tmp_path / "o"), "--epochs-frozen", "0",
                 "--epochs-finetune", "0"]) == 2


def test_train_on_a_missing_folder_fails_readably(tmp_path, capsys):
    assert main(["train", "--data", str(tmp_path / "none"), "--out", str(tmp_path / "o")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_reuse_fit_redoes_calibration_only_and_refuses_other_fit_settings(trained, capsys):
    code, data, out, weights = trained
    assert code == 0
    log_before = (out / "training_log.json").read_text()
    base = ["train", "--data", str(data), "--out", str(out), "--weights", str(weights), "--alpha", "0.35",
            "--input-size", "64", "--epochs-frozen", "1", "--epochs-finetune", "1", "--batch-size", "8",
            "--val-fraction", "0.3", "--no-export", "--reuse-fit"]
    assert main([*base, "--seed", "1", "--target-sensitivity", "0.5"]) == 0
    assert "reusing the fitted classifier" in capsys.readouterr().out
    assert (out / "training_log.json").read_text() == log_before
    assert main([*base, "--seed", "2"]) == 1
    assert "other settings (seed" in capsys.readouterr().err
