"""Lung segmentation: post-processing, area, heatmap-in-lung share, the U-Net, and the bundled package."""

from __future__ import annotations

import json
import shutil

import cv2
import numpy as np
import pytest

from radassist.core import lungs as segmentation
from radassist.core.errors import ModelCardError, ModelIntegrityError
from radassist.core.explain import Heatmap, empty_heatmap
from radassist.core.lungs import LungMask, area_of, postprocess, share_inside
from radassist.training.segmentation import unet
from tests.conftest import shared_path
from tests.core.models.signing import sign_for_tests

BUNDLED = segmentation.default_package_dir()


def _blobs(shape=(100, 120)) -> np.ndarray:
    """Probability map with a big blob (with a hole), a medium one and a small (but not tiny) third one."""
    p = np.zeros(shape, np.float32)
    cv2.ellipse(p, (30, 50), (15, 35), 0, 0, 360, 0.9, -1)  # "right lung"
    cv2.circle(p, (30, 50), 5, 0.1, -1)  # a hole inside it
    cv2.ellipse(p, (90, 50), (12, 30), 0, 0, 360, 0.8, -1)  # "left lung"
    cv2.circle(p, (60, 92), 5, 0.95, -1)  # third component
    return p


# --- post-processing ----------------------------------------------------------------------------------
def test_postprocess_keeps_the_two_largest_components_fills_holes_and_returns_the_original_size():
    mask = postprocess(_blobs(), (400, 480))
    assert mask.shape == (400, 480) and mask.dtype == bool
    n, _ = cv2.connectedComponents(mask.astype(np.uint8))
    assert n - 1 == 2
    assert mask[200, 120]  # the hole's centre (30, 50) * 4, now filled
    assert not mask[368, 240]  # the third blob (60, 92) * 4 was dropped
    assert not mask[200, 240]  # the mediastinum between the lungs is not filled


def test_a_small_second_component_is_a_speck_not_a_lung():
    p = np.zeros((100, 100), np.float32)
    cv2.circle(p, (40, 50), 30, 1.0, -1)
    cv2.circle(p, (90, 90), 3, 1.0, -1)  # ~1 % of the big one
    mask = postprocess(p, (100, 100))
    assert cv2.connectedComponents(mask.astype(np.uint8))[0] - 1 == 1 and not mask[90, 90]


def test_postprocess_of_nothing_is_an_empty_mask_and_thresholds_at_one_half():
    assert not postprocess(np.full((8, 8), 0.49, np.float32), (16, 16)).any()
    assert postprocess(np.full((8, 8), 0.51, np.float32), (16, 16)).all()


# --- area ---------------------------------------------------------------------------------------------
def test_area_in_cm2_only_with_a_patient_plane_pixel_spacing():
    mask = np.zeros((100, 100), bool)
    mask[:50, :40] = True
    px, cm2, label = area_of(mask, (0.5, 0.5))
    assert px == 2000 and cm2 == pytest.approx(5.0) and label == "5.0 cm²"  # 2000 x 0.25 mm²
    px, cm2, label = area_of(mask, None)
    assert px == 2000 and cm2 is None and "px" in label and "no patient-plane pixel spacing" in label


def test_area_of_a_reduced_resolution_image_scales_the_spacing():
    mask = np.ones((10, 10), bool)
    assert area_of(mask, (1.0, 1.0), downscale=2)[1] == pytest.approx(4.0)


def test_lung_mask_to_uint8_is_0_or_255():
    lm = LungMask(np.array([[True, False]]), 1, None, "1 px")
    assert lm.to_uint8().tolist() == [[255, 0]] and lm.shape == (1, 2)


# --- heatmap share inside the lungs -------------------------------------------------------------------
def test_share_inside_is_the_heatmap_mass_inside_the_mask():
    values = np.zeros((10, 10), np.float32)
    values[:, :5] = 1.0
    values[:, 5:] = 0.5
    hm = Heatmap(values, False, (0, 0))
    mask = np.zeros((10, 10), bool)
    mask[:, :5] = True
    assert share_inside(hm, mask) == pytest.approx(2 / 3)
    assert share_inside(hm, np.ones((10, 10), bool)) == pytest.approx(1.0)
    assert share_inside(hm, LungMask(~mask, 50, None, "")) == pytest.approx(1 / 3)


def test_share_inside_of_an_empty_heatmap_is_zero_and_masks_of_another_size_are_resized():
    assert share_inside(empty_heatmap((10, 10)), np.ones((10, 10), bool)) == 0.0
    values = np.zeros((20, 20), np.float32)
    values[:10] = 1.0
    mask = np.zeros((10, 10), bool)
    mask[:5] = True
    assert share_inside(Heatmap(values, False, (0, 0)), mask) == pytest.approx(1.0)
    assert 0 < segmentation.LOW_SHARE_WARNING < 1 and "lungs" in segmentation.LOW_SHARE_MESSAGE


# --- U-Net and data split -----------------------------------------------------------------------------
def test_unet_maps_an_image_to_a_probability_map_of_the_same_size():
    pytest.importorskip("tensorflow")
    model = unet.build_unet(size=64, base_filters=4, levels=3)
    out = model.predict(np.random.default_rng(0).random((2, 64, 64, 1), np.float32), verbose=0)
    assert model.input_shape == (None, 64, 64, 1) and out.shape == (2, 64, 64, 1)
    assert out.min() >= 0 and out.max() <= 1
    assert any(layer.name.startswith("skip") for layer in model.layers)
    with pytest.raises(ValueError):
        unet.build_unet(size=60, levels=3)


def test_the_default_unet_is_cpu_sized():
    pytest.importorskip("tensorflow")
    assert 1_000_000 <= unet.build_unet().count_params() <= 2_500_000


def _pairs(n_per_source=10):
    return [unet.Pair(f"images/{s}{i}.png", f"masks/{s}{i}.png", s, f"{s}_{i // 2}", "tb" if i % 2 else "normal")
            for s in ("Montgomery", "Shenzhen", "JSRT") for i in range(n_per_source)]


def test_split_keeps_patients_together_covers_every_source_and_is_seeded():
    a = unet.split_by_patient(_pairs(), 0.2, seed=1)
    for pid in {p.patient_id for p in a}:
        assert len({p.split for p in a if p.patient_id == pid}) == 1
    val_sources = {p.source for p in a if p.split == "val"}
    assert val_sources == {"Montgomery", "Shenzhen", "JSRT"}
    assert [p.split for p in a] == [p.split for p in unet.split_by_patient(_pairs(), 0.2, seed=1)]
    assert len({p.patient_id for p in a if p.split == "val"}) == 3  # 20 % of 15 patients
    assert [p.split for p in a] != [p.split for p in unet.split_by_patient(_pairs(), 0.2, seed=2)]
    assert "split" in unet.manifest_csv(a).splitlines()[0]


def test_augmentation_moves_image_and_mask_together():
    rng = np.random.default_rng(0)
    x = np.zeros((4, 64, 64, 1), np.float32)
    x[:, 20:44, 10:30] = 0.6
    y = (x > 0.3).astype(np.float32)
    xa, ya = unet.Augment(brightness=0, contrast=0, gamma=0).apply(x, y, rng)
    assert not np.array_equal(xa, x)
    for i in range(4):
        d, _ = unet.dice_iou(xa[i, ..., 0] > 0.3, ya[i, ..., 0] > 0.5)
        assert d > 0.95


def test_dice_iou_and_bootstrap_ci():
    a = np.zeros((10, 10), bool)
    a[:5] = True
    b = np.zeros((10, 10), bool)
    b[:5, :5] = True
    assert unet.dice_iou(a, b) == pytest.approx((2 * 25 / 75, 25 / 50))
    assert unet.dice_iou(np.zeros(3, bool), np.zeros(3, bool)) == (1.0, 1.0)
    ci = unet.mean_ci([0.9, 0.95, 1.0])
    assert ci["mean"] == pytest.approx(0.95) and ci["ci95"][0] <= 0.95 <= ci["ci95"][1] and ci["n"] == 3
    # two images of each patient, one good and one bad: resampling patients cannot move the mean
    by_patient = unet.mean_ci([0.8, 1.0] * 5, groups=[f"p{i // 2}" for i in range(10)])
    assert by_patient["mean"] == 0.9 and by_patient["ci95"] == [0.9, 0.9]
    assert unet.mean_ci([0.8, 1.0] * 5)["ci95"][0] < 0.9  # resampling images can


# --- the bundled package ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def segmenter():
    return segmentation.LungSegmenter.load()


def test_bundled_package_is_a_segmentation_model_with_licences_and_metrics(segmenter):
    card = segmenter.package.card
    assert card.task == "segmentation" and card.labels == ("lungs",)
    text = " ".join(card.licenses)
    assert "CC BY-NC-SA 4.0" in text and "Jaeger" in text and "Stirenko" in text and "JSRT" in text
    assert card.metrics["validation"]["dice"]["mean"] >= 0.9
    assert set(card.metrics["validation"]["per_source"]) == {"Montgomery", "Shenzhen", "JSRT"}
    assert segmenter.identity["id"] == "lung-unet"


def test_segment_returns_a_mask_at_the_original_resolution(segmenter):
    img = np.full((300, 260), 200, np.uint8)
    cv2.ellipse(img, (80, 150), (40, 100), 0, 0, 360, 40, -1)
    cv2.ellipse(img, (180, 150), (40, 100), 0, 0, 360, 40, -1)
    lm = segmenter.segment(img)
    assert lm.mask.shape == (300, 260) and lm.mask.dtype == bool
    assert lm.area_cm2 is None and lm.area_px == int(lm.mask.sum())
    lm2 = segmenter.segment_u8(img, spacing_mm=(0.2, 0.2))
    assert lm2.area_cm2 == pytest.approx(lm2.area_px * 0.04 / 100)


def test_segment_accepts_an_xray_image(segmenter):
    from pathlib import Path

    from radassist.core.image import DisplayInfo, ImageMeta, Source, XRayImage

    px = np.full((128, 128), 3000, np.uint16)
    image = XRayImage(px, DisplayInfo("MONOCHROME2", 12, pixel_min=0, pixel_max=4095),
                      ImageMeta(fields={"PixelSpacing": [0.5, 0.5]}), "0" * 64, Source(Path("x.dcm"), "DICOM"))
    lm = segmenter.segment(image)
    assert lm.mask.shape == (128, 128)
    assert lm.area_cm2 == pytest.approx(lm.area_px * 0.25 / 100) and "cm²" in lm.area_label


def test_a_damaged_package_is_refused(tmp_path):
    pkg = tmp_path / "lung-unet"
    shutil.copytree(BUNDLED, pkg)
    with open(pkg / "model.tflite", "r+b") as f:
        f.seek(1000)
        f.write(b"\x00\x01\x02")
    with pytest.raises(ModelIntegrityError, match=r"model.tflite"):
        segmentation.LungSegmenter.load(pkg)


def test_a_classifier_package_is_not_a_lung_model(tmp_path):
    pkg = tmp_path / "pkg"
    shutil.copytree(BUNDLED, pkg)
    card = json.loads((pkg / "model_card.json").read_text())
    card.update(task="classification", labels=["lungs"], temperature=[1.0], thresholds={"lungs": 0.5},
                threshold_policy="x")
    (pkg / "model_card.json").write_text(json.dumps(card))
    sign_for_tests(pkg)  # an edited card is used only once signed by a trusted key
    with pytest.raises(ModelCardError, match=r"not a lung segmentation model"):
        segmentation.LungSegmenter.load(pkg)


def test_bundled_model_dice_on_validation_pairs(segmenter):
    """A floor on held-back validation pairs (the card reports all of them with CIs)."""
    data = shared_path("data", "lung_masks")
    rows = [line.split(",") for line in (BUNDLED / "split_manifest.csv").read_text().splitlines()[1:]]
    val = [r for r in rows if r[5] == "val"]
    picked = [next(r for r in val if r[2] == s) for s in ("Montgomery", "Shenzhen", "JSRT")]
    for image, mask, *_ in picked:
        img = cv2.imread(str(data / image), cv2.IMREAD_GRAYSCALE)
        truth = cv2.imread(str(data / mask), cv2.IMREAD_GRAYSCALE) > 127
        dice, _ = unet.dice_iou(segmenter.segment(img).mask, truth)
        assert dice >= 0.90, image


# --- plausibility: an outline that cannot be the lungs is said to be unreliable -----------------------
def _two_lungs(shape=(400, 400), left=(120, 200, 60, 140), right=(280, 200, 60, 140)) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    for cx, cy, ax, ay in (left, right):
        cv2.ellipse(m, (cx, cy), (ax, ay), 0, 0, 360, 1, -1)
    return m.astype(bool)


def test_two_ordinary_lungs_are_plausible():
    assert segmentation.plausibility_problems(_two_lungs()) == ()
    lm = LungMask(_two_lungs(), 1, None, "")
    assert lm.reliable and lm.note == "" and LungMask(np.zeros((2, 2), bool), 0, None, "").reliable  # default


@pytest.mark.parametrize(("mask", "words"), [
    (np.zeros((400, 400), bool), "no lung was found"),
    (_two_lungs(right=(300, 200, 12, 40)), "a sliver"),  # one lung a sliver next to the other
    (_two_lungs(right=(0, 0, 0, 0)) & (np.arange(400) < 200)[None, :], "a sliver"),  # one lung only
    (_two_lungs(left=(185, 200, 12, 150), right=(215, 200, 12, 150)), "midline"),  # along the spine
    (_two_lungs(left=(30, 200, 60, 140), right=(370, 200, 60, 140)), "image border"),  # cut by the border
    (_two_lungs(left=(185, 200, 4, 8), right=(215, 200, 4, 8)) | _two_lungs(left=(100, 200, 8, 12),
                                                                            right=(300, 200, 8, 12)), "cover"),
    (_two_lungs(left=(100, 200, 98, 190), right=(300, 200, 98, 190)), "cover"),  # the whole film
])
def test_each_implausible_outline_is_named(mask, words):
    problems = segmentation.plausibility_problems(mask)
    assert any(words in p for p in problems), problems
    note = LungMask(mask, int(mask.sum()), None, "", problems).note
    assert note.startswith("Lung outline unreliable: ") and words in note and "not meaningful" in note


def test_two_lungs_merged_into_one_component_are_still_two_lungs():
    m = _two_lungs(left=(150, 200, 60, 140), right=(250, 200, 60, 140))  # they touch: one component
    assert cv2.connectedComponents(m.astype(np.uint8))[0] - 1 == 1
    assert not any("sliver" in p for p in segmentation.plausibility_problems(m))


def test_the_bundled_model_does_not_flag_ordinary_real_films(segmenter):
    """No false alarms: 36 real frontal films of the three lung_masks sources and a real CR DICOM.
    (Over all 338 lung_masks films the bundled model's outline is flagged on none.)"""
    data = shared_path("data", "lung_masks")
    rows = [line.split(",") for line in (data / "pairs.csv").read_text().splitlines()[1:]]
    picked = [r for s in ("Montgomery", "Shenzhen", "JSRT") for r in [x for x in rows if x[2] == s][::9][:12]]
    assert len(picked) == 36
    flagged = []
    for image, *_ in picked:
        lm = segmenter.segment(cv2.imread(str(data / image), cv2.IMREAD_GRAYSCALE))
        if not lm.reliable:
            flagged.append((image, lm.problems))
    assert flagged == []
    from radassist.core.image import load_image

    lm = segmenter.segment(load_image(shared_path("data", "dicom_cr_chest", "SIIM_CXR_MONOCHROME2.dcm")))
    assert lm.reliable, lm.problems


def test_the_bundled_model_flags_a_real_film_whose_outline_misses_a_lung(segmenter):
    """A real portable film (NIH, labelled normal) where the model loses most of one lung."""
    film = shared_path("data", "adult_cxr", "images", "00001986_007.jpg")
    lm = segmenter.segment(cv2.imread(str(film), cv2.IMREAD_GRAYSCALE))
    assert not lm.reliable and any("sliver" in p for p in lm.problems)
