"""Pipeline: one immutable record of everything shown for an image, JSON-safe and free of patient ids, and
one policy for a missing or damaged gate or lung package."""

from __future__ import annotations

import json

import numpy as np
import pytest

from radassist.core import models
from radassist.core.analysis import NO_GATE_NOTE, Pipeline
from radassist.core.classify import Engine
from radassist.core.gate import OodGate
from tests.core.models.test_package import exported_classifier
from tests.core.test_gate import generated_gate_package, generated_non_cxr, synthetic_body


@pytest.fixture(scope="module")
def engine():
    return Engine(models.load_package(exported_classifier()), device="cpu")


@pytest.fixture(scope="module")
def site_gate(tmp_path_factory):
    return OodGate.load(generated_gate_package(tmp_path_factory.mktemp("gate")))


def _lungs():
    from radassist.core.lungs import LungSegmenter

    return LungSegmenter.load()  # committed: a missing package must fail here, not skip


def test_accepted_image_gets_findings_heatmaps_and_identity(engine, site_gate):
    image = synthetic_body(200, shape=(410, 333))
    a = Pipeline(engine, site_gate).analyze(image)
    assert a.status == "ok" and a.accepted and a.ood.accepted
    (f,) = a.findings
    assert 0.0 <= f.probability <= 1.0 and f.label == "pneumonia"
    assert a.heatmaps["pneumonia"].values.shape == (410, 333)
    assert a.model == engine.identity and a.device == "cpu" and a.runtime == "litert"
    assert {"ood", "preprocess", "inference", "heatmap", "total"} <= set(a.timings_ms)
    assert any("No lung mask" in n for n in a.notes)
    rec = a.to_record()
    json.dumps(rec)  # JSON-safe: no arrays
    assert rec["findings"][0]["probability"] == pytest.approx(f.probability, abs=1e-6)
    assert rec["ood"]["accepted"] is True and rec["ood"]["model"]["id"] == "test-gate"
    assert rec["heatmaps"] == {"pneumonia": None} and rec["lung_mask"] is None


def test_refused_image_has_a_reason_and_no_probability(engine, site_gate):
    a = Pipeline(engine, site_gate).analyze(generated_non_cxr()["text_document"])
    assert a.status == "rejected" and not a.findings and not a.heatmaps
    assert a.message and a.message == a.ood.reason
    rec = a.to_record()
    assert rec["findings"] == [] and rec["message"] == a.message and "probability" not in json.dumps(rec)


def test_without_a_gate_the_record_says_so(engine):
    a = Pipeline(engine).analyze(synthetic_body(3), explain=False)
    assert a.status == "ok" and a.ood is None and not a.heatmaps
    assert any("No out-of-distribution gate" in n for n in a.notes)


def test_batch_matches_single_and_keeps_order(engine, site_gate):
    images = [synthetic_body(10), generated_non_cxr()["gaussian_noise"], synthetic_body(11)]
    many = Pipeline(engine, site_gate).analyze_many(images, explain=False)
    assert [a.status for a in many] == ["ok", "rejected", "ok"]
    one = Pipeline(engine, site_gate).analyze(images[2], explain=False)
    assert one.findings[0].probability == pytest.approx(many[2].findings[0].probability, abs=1e-5)


def test_dicom_record_has_uids_and_no_patient_fields(engine):
    from tests.conftest import shared_path

    path = shared_path("data", "dicom_cr_chest", "SIIM_CXR_MONOCHROME2.dcm")
    from radassist.core.image import read as io
    image = io.load_image(path)
    a = Pipeline(engine, OodGate.load()).analyze(image)
    rec = json.dumps(a.to_record())
    assert a.status == "ok" and a.sop_instance_uid and a.image_sha256 == image.pixel_sha256
    assert a.heatmaps["pneumonia"].values.shape == image.shape
    for key in ("PatientName", "PatientID"):  # (short fields like an age could match any number)
        value = str(image.meta.patient.get(key, ""))
        assert len(value) >= 4 and value not in rec


def test_lung_mask_and_heatmap_share(engine, site_gate):
    segmenter = _lungs()
    a = Pipeline(engine, site_gate, segmenter).analyze(synthetic_body(21, shape=(256, 256)))
    assert a.lung_mask is not None and a.lung_mask.mask.shape == (256, 256)
    share = a.heatmap_in_lungs["pneumonia"]
    assert 0.0 <= share <= 1.0
    rec = a.to_record()
    assert rec["findings"][0]["heatmap_in_lungs"] == pytest.approx(share, abs=1e-4)
    assert rec["lung_area"]["pixels"] == int(np.count_nonzero(a.lung_mask.mask))


@pytest.mark.parametrize(("patient", "warned"), [({"PatientAge": "064Y"}, True), ({"PatientAge": "004Y"}, False),
                                                 ({"PatientBirthDate": "19400305"}, True), ({}, False)])
def test_a_patient_outside_the_intended_population_gets_a_note_not_a_hidden_finding(engine, tmp_path, patient,
                                                                                   warned):
    """The bundled card is for children; an adult's film still gets its probability, with a warning."""
    from dataclasses import replace

    from radassist.core.analysis import population_notes
    from radassist.core.image import load_image
    from tests.fixtures.dicom_factory import write_dicom

    card = replace(engine.package.card, extra={**engine.package.card.extra, "intended_population": {
        "age_years": [0, 18], "description": "children"}})
    image = load_image(write_dicom(tmp_path / "cxr.dcm", patient={"PatientName": "Doe^Jane", **patient},
                                   StudyDate="20040826"))
    notes = population_notes(image, card)
    assert bool(notes) is warned
    if warned:
        assert "adult" in notes[0] and "children" in notes[0] and "64" not in notes[0]
    assert population_notes(image, replace(card, extra={})) == []  # a card without a population: no rule
    assert population_notes(np.zeros((8, 8), np.uint8), card) == []  # bare pixels carry no age


def test_the_bundled_classifier_warns_on_an_adult_film():
    """End to end with the shipped package: RG1 (born 1940, studied 2004) is an adult."""
    from radassist.core.image import load_image
    from tests.conftest import shared_path

    rg1 = shared_path("data", "dicom_cr_chest", "RG1_UNCR.dcm")
    a = Pipeline(Engine(device="cpu")).analyze(load_image(rg1))
    assert a.accepted and a.findings and any("adult" in n for n in a.notes)


def test_a_header_that_says_ct_is_refused_before_any_model_runs(engine, site_gate, tmp_path):
    from radassist.core.image import load_image
    from tests.fixtures.dicom_factory import write_dicom

    ct = load_image(write_dicom(tmp_path / "ct.dcm", Modality="CT"))
    chest = load_image(write_dicom(tmp_path / "cr.dcm", Modality="CR", ViewPosition="PA"))
    a_ct, a_cr = Pipeline(engine, site_gate).analyze_many([ct, chest])
    assert a_ct.status == "rejected" and "CT image" in a_ct.message and not a_ct.findings
    assert a_ct.to_record()["ood"]["by"] == "header" and "probability" not in json.dumps(a_ct.to_record())
    assert a_cr.ood.by == "image"  # the image-based gate decided this one
    alone = Pipeline(engine).analyze(ct)  # no gate package: the header rule still applies
    assert alone.status == "rejected"


# --- Pipeline.load: one policy for a missing or damaged package, for the GUI, predict and review ------------
def _damaged_copy(tmp_path, package_id: str, weights: str):
    """A copy of a bundled package whose weights file no longer matches the card's sha256."""
    import shutil

    from radassist.config import RESOURCES_DIR

    pkg = tmp_path / package_id
    shutil.copytree(RESOURCES_DIR / "models" / package_id, pkg)
    with open(pkg / weights, "r+b") as f:
        f.seek(2000)
        f.write(b"\x00\x01\x02\x03")
    return pkg


@pytest.fixture(scope="module")
def bundled_pipeline():
    from radassist.config import Settings

    return Pipeline.load(Settings(device="cpu"))


def test_the_bundled_pipeline_loads_every_part_and_gives_the_full_record(bundled_pipeline):
    from radassist.core.image import load_image
    from tests.conftest import shared_path

    p = bundled_pipeline
    assert p.gate is not None and p.segmenter is not None and p.notes == ()
    assert p.engine.package.card.id == models.DEFAULT_MODEL_ID
    image = load_image(shared_path("data", "dicom_cr_chest", "SIIM_CXR_MONOCHROME2.dcm"))
    rec = p.analyze(image).to_record()
    assert rec["status"] == "ok" and rec["ood"]["model"]["id"] == "ood-gate"
    assert 0.0 <= rec["findings"][0]["heatmap_in_lungs"] <= 1.0 and rec["lung_area"]["pixels"] > 0
    assert not any("No lung mask" in n or "No out-of-distribution" in n for n in rec["notes"])


def test_a_missing_gate_or_lung_package_is_a_note_on_every_analysis(tmp_path):
    from radassist.config import Settings

    settings = Settings(device="cpu", model=str(exported_classifier()), ood_gate=str(tmp_path / "no-gate"),
                        lung_model=str(tmp_path / "no-lungs"))
    p = Pipeline.load(settings)
    assert p.gate is None and p.segmenter is None and len(p.notes) == 2
    a = p.analyze(synthetic_body(5))
    assert a.status == "ok" and a.findings and a.lung_mask is None and a.heatmap_in_lungs == {}
    gate_note, lungs_note = (n for n in a.notes if "package is not installed" in n)
    assert gate_note.startswith(NO_GATE_NOTE) and "no-gate" in gate_note
    assert lungs_note.startswith("No lung mask") and "no-lungs" in lungs_note
    rejected = p.analyze(generated_non_cxr()["text_document"])  # no gate: nothing refuses it but the note stays
    assert gate_note in rejected.notes


def test_a_damaged_gate_or_lung_package_is_refused_with_a_note(tmp_path, caplog):
    from radassist.config import Settings

    gate = _damaged_copy(tmp_path, "ood-gate", "features.tflite")
    lungs = _damaged_copy(tmp_path, "lung-unet", "model.tflite")
    p = Pipeline.load(Settings(device="cpu", model=str(exported_classifier()), ood_gate=str(gate),
                               lung_model=str(lungs)))
    assert p.gate is None and p.segmenter is None
    gate_note, lungs_note = p.notes
    assert "refused as damaged" in gate_note and "features.tflite" in gate_note and gate_note.startswith(NO_GATE_NOTE)
    assert "refused as damaged" in lungs_note and "model.tflite" in lungs_note
    assert set(p.analyze(synthetic_body(6)).notes) >= {gate_note, lungs_note}
    assert sum("refused" in r.getMessage() for r in caplog.records if r.levelname == "WARNING") == 2


def test_a_missing_or_damaged_classifier_stops_the_load(tmp_path):
    from radassist.config import Settings
    from radassist.core.errors import ModelIntegrityError, ModelNotFoundError

    with pytest.raises(ModelNotFoundError):
        Pipeline.load(Settings(device="cpu", model=str(tmp_path / "nothing-here")))
    with pytest.raises(ModelIntegrityError, match=r"model.tflite"):
        Pipeline.load(Settings(device="cpu", model=str(_damaged_copy(tmp_path, "cxr-pneumonia", "model.tflite"))))


def test_flags_beat_the_settings(tmp_path):
    from radassist.config import Settings

    p = Pipeline.load(Settings(device="gpu", model=str(tmp_path / "nothing-here")),
                      model=str(exported_classifier()), device="cpu")
    assert p.engine.device == "cpu" and p.engine.package.root == exported_classifier().resolve()


def test_caveats_that_change_how_to_read_a_finding_are_named_per_finding():
    """The shipped classifier on RG1 (an adult; the card is for children): the population note is a caveat
    of every finding, and each caveat is also one of the record's notes."""
    from radassist.core.image import load_image
    from tests.conftest import shared_path

    a = Pipeline(Engine(device="cpu"), None, _lungs()).analyze(load_image(
        shared_path("data", "dicom_cr_chest", "RG1_UNCR.dcm")))
    for f in a.findings:
        cav = a.caveats_for(f.label)
        assert any("adult" in c for c in cav) and set(cav) <= set(a.notes)
    assert a.caveats_for("no-such-finding") == ()


def test_an_unreliable_lung_outline_is_a_note_a_caveat_and_in_the_record():
    """A real portable film on which the bundled lung model loses most of one lung."""
    import cv2

    from radassist.core.lungs import UNRELIABLE_PREFIX
    from tests.conftest import shared_path

    film = cv2.imread(str(shared_path("data", "adult_cxr", "images", "00001986_007.jpg")), cv2.IMREAD_GRAYSCALE)
    a = Pipeline(Engine(device="cpu"), None, _lungs()).analyze(film)
    assert a.accepted and not a.lung_mask.reliable
    notes = [n for n in a.notes if n.startswith(UNRELIABLE_PREFIX)]
    assert len(notes) == 1 and "sliver" in notes[0]
    assert all(notes[0] in a.caveats_for(f.label) for f in a.findings)
    assert not any("lies inside the lungs" in n for n in a.notes)  # a share of a wrong outline says nothing
    rec = a.to_record()
    assert rec["lung_area"]["outline_reliable"] is False and notes[0] in rec["notes"]
    ok = Pipeline(Engine(device="cpu"), None, _lungs()).analyze(cv2.imread(str(shared_path(
        "data", "lung_masks", "images", "JPCNN033.png")), cv2.IMREAD_GRAYSCALE))
    assert ok.lung_mask.reliable and ok.to_record()["lung_area"]["outline_reliable"] is True
    assert not any(n.startswith(UNRELIABLE_PREFIX) for n in ok.notes)
