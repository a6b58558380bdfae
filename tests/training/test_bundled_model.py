"""The bundled cxr-pneumonia package: verified, small, and its card carries what the contract asks."""

from __future__ import annotations

import hashlib
import json

from radassist.core.digest import sha256_file
from radassist.core.models import bundled_dir, load_package
from tests.conftest import shared_path

PKG = bundled_dir() / "cxr-pneumonia"


def test_bundled_package_verifies_and_is_small():
    pkg = load_package(PKG)
    assert pkg.card.labels == ("pneumonia",) and pkg.card.input_size == (224, 224)
    assert {"keras", "tflite", "data_manifest"} <= set(pkg.card.files)
    assert sum(p.stat().st_size for p in PKG.iterdir()) < 30 * 2**20


def test_card_records_weights_data_calibration_and_validation_with_cis():
    card = load_package(PKG).card
    assert card.base_weights["sha256"] == "d42a456ded3f5732b97bb61693a19bd29cd42f0e3c830508f515d593fed59a88"
    assert sha256_file(PKG / card.files["data_manifest"].path) == card.data_manifest_sha256
    assert card.training_command.startswith("python -m radassist train ") and "--seed" in card.training_command
    assert 0 < card.thresholds["pneumonia"] < 1 and card.temperature[0] > 0
    assert "not for standalone diagnosis" in card.intended_use.lower()
    assert any("CC BY 4.0" in lic for lic in card.licenses)
    m = card.metrics["validation"]["labels"]["pneumonia"]
    lo, hi = m["auroc"]["ci95"]
    assert lo <= m["auroc"]["value"] <= hi
    assert m["operating_point"]["sensitivity"]["value"] >= 0.95
    assert card.metrics["validation"]["auroc_ci"].endswith("patients")


def test_manifest_hashes_match_the_shared_training_images():
    root = shared_path("data", "kermany_train")
    files = json.loads((PKG / "manifest.json").read_text())["files"]
    assert len(files) == 5232
    for f in files[::700]:
        assert hashlib.sha256((root / f["path"]).read_bytes()).hexdigest() == f["sha256"]
    folds = {}
    for f in files:
        folds.setdefault(f["patient"], set()).add(f["fold"])
    assert all(len(v) == 1 for v in folds.values())
