"""The model card's JSON Schema: the bundled cards conform, each kind of violation names its field, and
write_package fills what the schema asks (exporter, changelog, declared inputs/outputs)."""

from __future__ import annotations

import json

import pytest

from radassist.core import models
from radassist.core.errors import ModelCardError
from radassist.training import export
from tests.core.models.test_package import card_dict, raw_card

BUNDLED = ("cxr-pneumonia", "lung-unet", "ood-gate")


@pytest.mark.parametrize("pkg", BUNDLED)
def test_bundled_cards_conform_and_round_trip_byte_for_byte(pkg):
    path = models.bundled_dir() / pkg / models.CARD_NAME
    data = json.loads(path.read_text(encoding="utf-8"))
    assert models.schema_errors(data) == []
    card = models.ModelCard.from_json(data)
    assert card.changelog[-1].version == card.version
    assert card.inputs and card.outputs and set(card.exporter) >= {"tensorflow", "keras", "litert"}
    assert "--out resources/" not in card.training_command  # the folder is radassist/resources/models/...
    # the committed card is exactly what write_package would write from it
    assert json.dumps(card.to_json(), indent=2) + "\n" == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(("change", "named"), [
    ({"version": "1.0"}, "version"),
    ({"created": "yesterday"}, "created"),
    ({"outputs": [{"name": "logits", "shape": ["N", "L"], "dtype": "float32"}]}, "outputs[0].range"),
    ({"outputs": [{"name": "logits", "shape": ["N", 0], "dtype": "float32", "range": [None, None]}]},
     "outputs[0].shape[1]"),
    ({"outputs": [{"name": "logits", "shape": ["N"], "dtype": "float99", "range": [None, None]}]}, "outputs[0].dtype"),
    ({"exporter": {"tensorflow": "2.21.0", "keras": "3.x", "litert": "unknown"}}, "exporter.keras"),
    ({"changelog": [{"version": "0.1.0", "date": "2026-01-01", "changes": []}]}, "changelog[0].changes"),
    ({"files": {"tflite": {"path": "m.tflite", "sha256": "abc"}}}, "files.tflite.sha256"),
    ({"task": "detection"}, "task"),
])
def test_schema_violations_name_the_field(change, named):
    with pytest.raises(ModelCardError, match=r"model card schema") as err:
        models.ModelCard.from_json(raw_card(**change))
    assert f"{named}:" in str(err.value)


def test_exporter_may_say_unknown_but_not_leave_a_version_out():
    assert models.ModelCard.from_json(raw_card()).exporter["keras"] == "unknown"
    with pytest.raises(ModelCardError, match=r"exporter.litert: required field missing"):
        models.ModelCard.from_json(raw_card(exporter={"tensorflow": "2.21.0", "keras": "3.15.1"}))


def test_the_changelog_must_cover_the_card_version():
    with pytest.raises(ModelCardError, match=r"no entry for version 0.2.0"):
        models.ModelCard.from_json(raw_card(version="0.2.0"))


def test_declared_ranges_and_names_are_checked_beyond_the_schema():
    two = [{"name": "x", "shape": ["N"], "dtype": "float32", "range": [None, None]}] * 2
    with pytest.raises(ModelCardError, match=r"names x more than once"):
        models.ModelCard.from_json(raw_card(outputs=two))
    with pytest.raises(ModelCardError, match=r"min above max"):
        models.ModelCard.from_json(raw_card(outputs=[{"name": "x", "shape": ["N"], "dtype": "float32",
                                                      "range": [1, 0]}]))


def test_write_package_reads_inputs_and_outputs_from_the_tflite(tmp_path):
    gate = models.bundled_dir() / "ood-gate"
    card = card_dict(task="ood", version="0.0.1")
    out = export.write_package(tmp_path / "pkg", card, {"tflite": gate / "features.tflite"})
    written = models.read_card(out)
    assert [(t.name, t.shape, t.dtype) for t in written.inputs] == [("image", ("N", 160, 160, 3), "float32")]
    assert [(t.name, t.shape, t.range) for t in written.outputs] == [("features", ("N", 1280), (None, None))]
    assert written.changelog[0].version == "0.0.1" and written.exporter["litert"] != ""


def test_machine_description_names_cores_memory_and_gpus():
    text = export.machine_description()
    assert "-core CPU" in text and "GiB RAM" in text and "GPU" in text and "Python" in text
