"""analyze(): one immutable record of everything shown for an image, JSON-safe and free of patient ids."""

from __future__ import annotations

import json

import numpy as np
import pytest

from radassist.core import models
from radassist.core.analysis import analyze, analyze_many
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
    from radassist.core.lungs import LungSegmenter, default_package_dir

    if not (default_package_dir() / models.CARD_NAME).is_file():
        pytest.skip("the lung-unet package is not bundled yet")
    return LungSegmenter.load()


def test_accepted_image_gets_findings_heatmaps_and_identity(engine, site_gate):
    image = synthetic_body(200, shape=(410, 333))
    a = analyze(image, engine=engine, gate=site_gate)
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
    a = analyze(generated_non_cxr()["text_document"], engine=engine, gate=site_gate)
    assert a.status == "rejected" and not a.findings and not a.heatmaps
    assert a.message and a.message == a.ood.reason
    rec = a.to_record()
    assert rec["findings"] == [] and rec["message"] == a.message and "probability" not in json.dumps(rec)


def test_without_a_gate_the_record_says_so(engine):
    a = analyze(synthetic_body(3), engine=engine, gate=None, explain=False)
    assert a.status == "ok" and a.ood is None and not a.heatmaps
    assert any("No out-of-distribution gate" in n for n in a.notes)


def test_batch_matches_single_and_keeps_order(engine, site_gate):
    images = [synthetic_body(10), generated_non_cxr()["gaussian_noise"], synthetic_body(11)]
    many = analyze_many(images, engine=engine, gate=site_gate, explain=False)
    assert [a.status for a in many] == ["ok", "rejected", "ok"]
    one = analyze(images[2], engine=engine, gate=site_gate, explain=False)
    assert one.findings[0].probability == pytest.approx(many[2].findings[0].probability, abs=1e-5)


def test_dicom_record_has_uids_and_no_patient_fields(engine):
    from tests.conftest import shared_path

    path = shared_path("data", "dicom_cr_chest", "SIIM_CXR_MONOCHROME2.dcm")
    from radassist.core.image import read as io
    image = io.load_image(path)
    a = analyze(image, engine=engine, gate=OodGate.load())
    rec = json.dumps(a.to_record())
    assert a.status == "ok" and a.sop_instance_uid and a.image_sha256 == image.pixel_sha256
    assert a.heatmaps["pneumonia"].values.shape == image.shape
    for key in ("PatientName", "PatientID"):  # (short fields like an age could match any number)
        value = str(image.meta.patient.get(key, ""))
        assert len(value) >= 4 and value not in rec


def test_lung_mask_and_heatmap_share(engine, site_gate):
    segmenter = _lungs()
    a = analyze(synthetic_body(21, shape=(256, 256)), engine=engine, gate=site_gate, segmenter=segmenter)
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
    a = analyze(load_image(rg1), engine=Engine(device="cpu"))
    assert a.accepted and a.findings and any("adult" in n for n in a.notes)


def test_a_header_that_says_ct_is_refused_before_any_model_runs(engine, site_gate, tmp_path):
    from radassist.core.image import load_image
    from tests.fixtures.dicom_factory import write_dicom

    ct = load_image(write_dicom(tmp_path / "ct.dcm", Modality="CT"))
    chest = load_image(write_dicom(tmp_path / "cr.dcm", Modality="CR", ViewPosition="PA"))
    a_ct, a_cr = analyze_many([ct, chest], engine=engine, gate=site_gate)
    assert a_ct.status == "rejected" and "CT image" in a_ct.message and not a_ct.findings
    assert a_ct.to_record()["ood"]["by"] == "header" and "probability" not in json.dumps(a_ct.to_record())
    assert a_cr.ood.by == "image"  # the image-based gate decided this one
    alone = analyze(ct, engine=engine)  # no gate package: the header rule still applies
    assert alone.status == "rejected"
