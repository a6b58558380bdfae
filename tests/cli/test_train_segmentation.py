"""``radassist train-segmentation``: a tiny run on generated pairs writes a package that loads and segments."""

from __future__ import annotations

import csv
import hashlib
import json

import cv2
import numpy as np
import pytest

from radassist.cli import main

SOURCES = ("Montgomery", "Shenzhen", "JSRT")


def make_pairs(root, n: int = 12, shape=(96, 80)):
    """Generated chest-like pairs: a bright body with two dark elliptic "lungs" (the mask), noise, and a
    per-image jitter of position and size; pairs.csv in the shared folder's format."""
    rng = np.random.default_rng(3)
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    rows = []
    h, w = shape
    for i in range(n):
        img = np.full(shape, 190, np.uint8)
        mask = np.zeros(shape, np.uint8)
        dy, dx = (int(v) for v in rng.integers(-4, 5, 2))
        for cx in (w // 4 + 2, 3 * w // 4 - 2):
            axes = (int(w // 7 + rng.integers(0, 3)), int(h // 3 + rng.integers(0, 4)))
            cv2.ellipse(img, (cx + dx, h // 2 + dy), axes, 0, 0, 360, 60, -1)
            cv2.ellipse(mask, (cx + dx, h // 2 + dy), axes, 0, 0, 360, 255, -1)
        img = np.clip(img + rng.normal(0, 8, shape), 0, 255).astype(np.uint8)
        stem = f"case{i:03d}"
        cv2.imwrite(str(root / "images" / f"{stem}.png"), img)
        cv2.imwrite(str(root / "masks" / f"{stem}.png"), mask)
        src = SOURCES[i % 3]
        rows.append({"image": f"images/{stem}.png", "mask": f"masks/{stem}.png", "source": src,
                     "patient_id": f"{src}_{i // 3}", "orig_width": w, "orig_height": h, "label": "normal",
                     "width": w, "height": h, "src_width": w, "src_height": h})
    with open(root / "pairs.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return root


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    pytest.importorskip("tensorflow")
    data = make_pairs(tmp_path_factory.mktemp("pairs"))
    out = tmp_path_factory.mktemp("pkg") / "lung-unet"
    rc = main(["train-segmentation", "--data", str(data), "--out", str(out), "--epochs", "1", "--size", "64",
               "--base-filters", "4", "--levels", "2", "--val-fraction", "0.25", "--seed", "5", "--quiet"])
    return rc, data, out


def test_a_one_epoch_run_writes_a_package_that_loads_and_segments_at_the_original_size(trained):
    from radassist.core.lungs import LungSegmenter

    rc, data, out = trained
    assert rc == 0
    assert {p.name for p in out.iterdir()} == {"model.keras", "model.tflite", "model_card.json",
                                               "split_manifest.csv"}
    seg = LungSegmenter.load(out)
    assert seg.size == (64, 64)
    img = cv2.imread(str(data / "images" / "case000.png"), cv2.IMREAD_GRAYSCALE)
    lm = seg.segment(img)
    assert lm.mask.shape == (96, 80) and lm.area_cm2 is None


def test_the_card_records_split_manifest_metrics_command_and_licences(trained):
    _, _, out = trained
    card = json.loads((out / "model_card.json").read_text())
    manifest = (out / "split_manifest.csv").read_bytes()
    assert card["task"] == "segmentation" and card["input"]["size"] == [64, 64]
    assert card["data_manifest_sha256"] == hashlib.sha256(manifest).hexdigest()
    rows = list(csv.DictReader(manifest.decode().splitlines()))
    assert {r["split"] for r in rows} == {"train", "val"}
    for pid in {r["patient_id"] for r in rows}:
        assert len({r["split"] for r in rows if r["patient_id"] == pid}) == 1
    assert all(len(r["image_sha256"]) == 64 for r in rows)
    val = card["metrics"]["validation"]
    assert val["n"] == sum(r["split"] == "val" for r in rows)
    assert set(val["per_source"]) == set(SOURCES)
    assert 0.0 <= val["dice"]["mean"] <= 1.0 and len(val["dice"]["ci95"]) == 2
    assert card["training_command"].startswith("python -m radassist train-segmentation")
    assert "--epochs 1" in card["training_command"]
    assert any("CC BY-NC-SA 4.0" in lic for lic in card["licenses"])
    assert card["training"]["epochs_run"] == 1 and len(card["training"]["history"]) == 1


def test_usage_errors_exit_2(tmp_path):
    assert main(["train-segmentation", "--data", str(tmp_path), "--out", str(tmp_path / "o"),
                 "--size", "100", "--levels", "4"]) == 2


def test_a_folder_without_pairs_is_a_readable_error(tmp_path, capsys):
    pytest.importorskip("tensorflow")
    rc = main(["train-segmentation", "--data", str(tmp_path), "--out", str(tmp_path / "o"), "--epochs", "1",
               "--size", "64", "--quiet"])
    assert rc == 1
    assert "pairs.csv" in capsys.readouterr().err
