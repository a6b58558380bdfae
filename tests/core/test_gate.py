"""The out-of-distribution gate: refuses what is not a frontal chest X-ray, flags inverted ones, says why."""

from __future__ import annotations

import csv
import json

import cv2
import numpy as np
import pytest

from radassist.core import errors
from radassist.core import gate as ood
from radassist.training import export
from radassist.training.gate import fit
from tests.conftest import shared_path


@pytest.fixture(scope="module")
def gate() -> ood.OodGate:
    return ood.OodGate.load()


def generated_non_cxr(seed: int = 123) -> dict[str, np.ndarray]:
    """Fresh generated images (other seeds and shapes than the development set's synthetic ones)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:300, 0:420]
    text = np.full((300, 420), 255, np.uint8)
    for i in range(12):
        cv2.putText(text, f"Report line {i}: lorem ipsum {rng.integers(1e6)}", (8, 22 + 23 * i),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.5, 0, 1)
    checker = (((yy // 25) + (xx // 25)) % 2 * 255).astype(np.uint8)
    return {
        "gaussian_noise": np.clip(rng.normal(128, 60, (300, 420)), 0, 255).astype(np.uint8),
        "blank_black": np.zeros((256, 256), np.uint8),
        "blank_white": np.full((333, 250), 255, np.uint8),
        "gradient": (xx * 255 / 419).astype(np.uint8),
        "checkerboard": checker,
        "text_document": text,
        "colour_blobs": cv2.GaussianBlur(rng.integers(0, 256, (300, 420, 3), dtype=np.uint8), (0, 0), 9),
    }


# --- the fitted parts, on generated features (fresh clone) ----------------------------------------------
def _clusters(n=200, d=40, seed=0):
    centre = np.random.default_rng(0).normal(0, 1, d)  # the same "chest X-ray" kind for every seed
    rng = np.random.default_rng(seed + 1)
    cxr = centre + rng.normal(0, 0.3, (n, d))
    other = rng.normal(0, 1, (n // 2, d)) * 2.0
    inverted = -centre + rng.normal(0, 0.3, (n, d))
    return cxr, other, inverted


def test_logistic_regression_separates_and_is_regularised():
    rng = np.random.default_rng(1)
    x = rng.normal(0, 1, (400, 3))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(float)
    beta = fit.fit_logistic(x, y, l2=1.0)
    acc = ((ood.sigmoid(np.hstack([x, np.ones((400, 1))]) @ beta) >= 0.5) == y).mean()
    assert acc > 0.95 and beta[0] > beta[1] > abs(beta[2])
    assert np.abs(fit.fit_logistic(x, y, l2=1e4)[:3]).sum() < np.abs(beta[:3]).sum() / 10


def test_logistic_fit_is_the_optimum_of_the_objective_the_gate_was_fitted_with():
    """sum_i w_i logloss_i + l2/2 |w|^2, bias unpenalised (what the Newton fit of the shipped params.json
    minimised): the gradient is zero at the returned [w..., b]."""
    rng = np.random.default_rng(2)
    x = rng.normal(0, 1, (300, 5))
    y = (x[:, 0] - x[:, 3] + rng.normal(0, 1, 300) > 0.5).astype(float)
    w = fit.balanced_weights(y)
    for l2 in (0.1, 10.0):
        beta = fit.fit_logistic(x, y, l2=l2, weights=w)
        xb = np.hstack([x, np.ones((300, 1))])
        grad = xb.T @ ((ood.sigmoid(xb @ beta) - y) * w) + np.r_[np.full(5, l2), 0.0] * beta
        assert np.abs(grad).max() < 1e-6


def test_decisions_and_reasons_on_generated_features():
    cxr, other, inverted = _clusters()
    feats = np.vstack([cxr, other])
    y = np.r_[np.zeros(len(cxr)), np.ones(len(other))]
    params = fit.fit_params(feats, y, inverted, components=8, l2=1.0)
    t_cxr, t_other, t_inv = _clusters(seed=7)  # unseen samples of each kind
    assert np.mean([d.accepted for d in ood.decide(params, t_cxr)]) > 0.97
    refused = ood.decide(params, t_other)
    assert not any(d.accepted for d in refused)
    assert all(d.reason for d in refused)
    assert any("not look like a frontal chest X-ray" in d.reason for d in refused)
    flagged = ood.decide(params, t_inv)
    assert all(d.inverted and not d.accepted and "inverted" in d.reason for d in flagged)
    far = ood.decide(params, t_cxr[:3] + 50.0)  # far from everything: the distance cap refuses
    assert not any(d.accepted for d in far)


def test_params_survive_json():
    cxr, other, inverted = _clusters(n=60, d=10)
    params = fit.fit_params(np.vstack([cxr, other]), np.r_[np.zeros(60), np.ones(30)], inverted, components=4)
    again = ood.params_from_json(json.loads(json.dumps(fit.params_to_json(params))))
    a, b = ood.score_features(params, cxr), ood.score_features(again, cxr)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_allclose(x, y, atol=1e-5)
    with pytest.raises(errors.ModelError, match=r"(?i)refit"):
        ood.params_from_json({"mu": [0.0]})


def test_group_folds_keep_near_duplicates_together(tmp_path):
    samples = [fit.GateSample(tmp_path / f"{i}.png", i % 2 == 0, "rej" if i % 2 == 0 else "cxr",
                              f"{i % 2}-g{i // 6}") for i in range(120)]
    folds = fit.assign_folds(samples, k=5, seed=0)
    for g in {s.group for s in samples}:
        assert len({int(f) for s, f in zip(samples, folds, strict=True) if s.group == g}) == 1
    assert len(set(folds.tolist())) == 5
    for cat in ("rej", "cxr"):  # every fold holds its share of each category
        assert np.bincount([f for s, f in zip(samples, folds, strict=True) if s.category == cat]).tolist() == [12] * 5
    assert np.array_equal(folds, fit.assign_folds(samples, k=5, seed=0))
    assert fit._group_key("c", "r", "images/nejmc2001573_f1a.jpeg") == fit._group_key("c", "r", "images/nejmc2001573_f1b.jpeg")


# --- the bundled gate --------------------------------------------------------------------------------------
def test_bundled_gate_package_is_verified_and_small(gate):
    card = gate.package.card
    assert card.task == "ood" and set(card.files) == {"tflite", "params"}
    assert gate.package.path("tflite").stat().st_size < 6_000_000
    cv = card.metrics["cross_validation"]
    assert cv["non_cxr_refused"]["rate"] >= 0.99 and cv["cxr_accepted"]["rate"] >= 0.97
    assert card.base_weights["sha256"] == "d42a456ded3f5732b97bb61693a19bd29cd42f0e3c830508f515d593fed59a88"


@pytest.mark.parametrize("kind", sorted(generated_non_cxr()))
def test_generated_non_cxr_images_are_refused(gate, kind):
    image = generated_non_cxr()[kind]
    d = gate.check(image)
    assert not d.accepted and d.reason
    assert d.to_record()["accepted"] is False and "probability" not in d.to_record()


def _heldout_kermany(n: int) -> list[np.ndarray]:
    """Kermany images of patients the gate's seeded one-per-patient sample did not use."""
    root = shared_path("data", "kermany_train")
    used = {s.path.name for s in fit.gate_samples(root.parent, kermany_n=300, seed=0) if "kermany" in s.group}
    with open(root / "labels.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["path"].split("/")[-1] not in used]
    rows = rows[:: max(1, len(rows) // n)][:n]
    return [cv2.imread(str(root / r["path"]), cv2.IMREAD_GRAYSCALE) for r in rows]


def test_heldout_chest_xrays_are_accepted_and_their_inversions_flagged(gate):
    images = _heldout_kermany(40)
    upright = gate.check_many(images)
    assert np.mean([d.accepted for d in upright]) >= 0.97
    assert not any(d.inverted for d in upright)
    inverted = gate.check_many([255 - im for im in images])
    assert np.mean([d.inverted and not d.accepted for d in inverted]) >= 0.95
    assert all("inverted" in d.reason for d in inverted if d.inverted)


def test_dicom_chest_radiographs_accepted_other_modalities_refused(gate):
    cr = shared_path("data", "dicom_cr_chest")
    from radassist.core.image import read as io
    for name in ("RG1_J2KR.dcm", "RG1_JPEG8.dcm", "SIIM_CXR_MONOCHROME1.dcm", "SIIM_CXR_MONOCHROME2.dcm"):
        d = gate.check(io.load_image(cr / name))
        assert d.accepted and not d.inverted, name
    for name in ("RG3_J2KR.dcm", "edge_CT_slice.dcm", "edge_multi_window_overlay_MR.dcm"):  # tibia, CT, MR
        assert not gate.check(io.load_image(cr / name)).accepted, name


def test_gate_loads_once_per_package():
    assert ood.OodGate.load() is ood.OodGate.load("ood-gate")


def synthetic_body(seed: int, shape=(320, 300)) -> np.ndarray:
    """A generated, radiograph-like picture (dark paired ovals in a bright body): the in-distribution kind of
    the site-specific gate below, for fresh clones without ../shared."""
    rng = np.random.default_rng(seed)
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w] / np.array([h, w])[:, None, None]
    body = 170 + 40 * np.exp(-((xx - 0.5) ** 2) / 0.08)
    for cx in (0.32 + rng.normal(0, 0.02), 0.68 + rng.normal(0, 0.02)):
        body -= 110 * np.exp(-(((xx - cx) / 0.13) ** 2 + ((yy - 0.5) / 0.3) ** 2))
    return np.clip(body + rng.normal(0, 6, shape), 0, 255).astype(np.uint8)


def generated_gate_package(out_dir) -> str:
    """A real gate package (the bundled feature extractor, parameters fitted here) whose in-distribution is
    ``synthetic_body``: lets the suite exercise the accepted path with generated images only."""
    bundled = ood.OodGate.load()
    ok = [synthetic_body(s) for s in range(40)]
    bad = list(generated_non_cxr(5).values()) + [np.clip(np.random.default_rng(s).normal(128, 50, (200, 200)), 0, 255)
                                                 .astype(np.uint8) for s in range(10)]
    f_ok, f_bad = bundled.features(ok), bundled.features(bad)
    params = fit.fit_params(np.vstack([f_ok, f_bad]), np.r_[np.zeros(len(ok)), np.ones(len(bad))],
                            bundled.features([255 - im for im in ok]), components=8, l2=10.0)
    params_path = out_dir / "params.json"
    params_path.write_text(json.dumps(fit.params_to_json(params)))
    card = {**bundled.package.card.to_json(), "id": "test-gate", "version": "0.0.1", "metrics": {}}
    del card["files"], card["created"]
    return str(export.write_package(out_dir / "gate", card, {"tflite": bundled.package.path("tflite"),
                                                               "params": params_path}))


def test_a_site_gate_package_accepts_its_own_kind(tmp_path):
    g = ood.OodGate.load(generated_gate_package(tmp_path))
    assert all(d.accepted for d in g.check_many([synthetic_body(s) for s in range(100, 105)]))
    assert not g.check(generated_non_cxr(9)["text_document"]).accepted


def test_cross_validation_reports_heldout_rates_per_category(tmp_path):
    cxr, other, inverted = _clusters(n=120, d=20)
    samples = ([fit.GateSample(tmp_path / f"c{i}.png", False, "cxr", f"cxr|{i // 2}") for i in range(120)]
               + [fit.GateSample(tmp_path / f"o{i}.png", True, "photo" if i < 30 else "synthetic_noise", f"o|{i}")
                  for i in range(60)])
    feats = np.vstack([cxr, other])
    inv = np.vstack([inverted, -other])
    folds = fit.assign_folds(samples, k=4, seed=0)
    cv = fit.cross_validate(samples, feats, inv, folds, components=6, l2=1.0)
    assert set(cv["per_category"]) == {"cxr", "photo", "synthetic_noise"}
    assert cv["per_category"]["photo"]["expected"] == "reject" and cv["per_category"]["photo"]["n"] == 30
    assert cv["cxr_accepted"]["rate"] > 0.95 and cv["non_cxr_refused"]["rate"] > 0.95
    lo, hi = cv["cxr_accepted"]["ci95"]
    assert lo <= cv["cxr_accepted"]["rate"] <= hi
    assert cv["inverted_cxr_flagged"]["rate"] > 0.95
    novel = fit.novel_category_check(samples, feats, inv, components=6, l2=1.0)
    assert set(novel["per_family"]) == {"photo", "synthetic"} and novel["n"] == 60


@pytest.mark.parametrize(("tags", "words"), [
    ({"Modality": "CT"}, "a CT image"),
    ({"Modality": "MR"}, "an MR image"),
    ({"ViewPosition": "LL"}, "lateral view"),
    ({"ViewPosition": "RL"}, "lateral view"),
    ({"BodyPartExamined": "HAND"}, "hand"),
    ({"BodyPartExamined": "EXTREMITY", "ViewPosition": "AP"}, "extremity"),
])
def test_the_dicom_header_refuses_what_is_plainly_not_a_frontal_chest_film(tmp_path, tags, words):
    from radassist.core.image import load_image
    from tests.fixtures.dicom_factory import write_dicom

    d = ood.header_decision(load_image(write_dicom(tmp_path / "x.dcm", **tags)))
    assert d is not None and not d.accepted and d.by == "header" and words in d.reason
    assert d.to_record()["by"] == "header"


@pytest.mark.parametrize("tags", [{}, {"Modality": "CR", "ViewPosition": "PA", "BodyPartExamined": "CHEST"},
                                  {"Modality": "DX", "ViewPosition": "AP", "BodyPartExamined": "THORAX"},
                                  {"Modality": "OT", "BodyPartExamined": "PORT CHEST"},
                                  {"ViewPosition": "LLD"}, {"BodyPartExamined": "SOMETHING VENDOR"}])
def test_a_compatible_or_silent_header_leaves_the_decision_to_the_image(tmp_path, tags):
    from radassist.core.image import load_image
    from tests.fixtures.dicom_factory import write_dicom

    assert ood.header_decision(load_image(write_dicom(tmp_path / "x.dcm", **tags))) is None
    assert ood.header_decision(np.zeros((8, 8), np.uint8)) is None  # bare pixels have no header
