"""Model packages: card validation, hash check, registry, and the classifier export (keras + tflite)."""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest

from radassist.core import errors, models
from radassist.core.digest import sha256_file
from radassist.core.errors import ModelCardError, ModelIntegrityError, ModelNotFoundError
from radassist.training import export
from tests.conftest import SHARED
from tests.core.models.signing import sign_for_tests, suite_signer, trust_test_key

WEIGHTS = SHARED / "weights" / "mobilenet_v2_1.0_224_no_top.rebuilt_from_tf_slim.h5"


def card_dict(**over) -> dict:
    card = {"id": "test-cls", "version": "0.1.0", "task": "classification", "labels": ["pneumonia"],
            "input": {"size": [224, 224], "channels": 3, "preprocessing": "preprocess.model_input"},
            "temperature": [1.5], "thresholds": {"pneumonia": 0.5}, "threshold_policy": "test",
            "intended_use": "tests only", "limitations": ["not trained"], "base_weights": None,
            "data_manifest_sha256": None, "training_command": "tests", "metrics": {}, "licenses": ["test"]}
    card.update(over)
    return card


#: what a fake weights blob declares (it is no .tflite, so write_package cannot read a signature from it)
FAKE_IO = {"inputs": [{"name": "image", "shape": ["N", 224, 224, 3], "dtype": "float32", "range": [-1, 1]}],
           "outputs": [{"name": "logits", "shape": ["N", "L"], "dtype": "float32", "range": [None, None]}]}


def raw_card(**over) -> dict:
    """A complete card as found on disk (with files, created, changelog and exporter)."""
    return card_dict(**{"files": {"tflite": {"path": "m.tflite", "sha256": "0" * 64}}, "created": "2026-01-01T00:00:00Z",
                        "changelog": [{"version": "0.1.0", "date": "2026-01-01", "changes": ["test"]}],
                        "exporter": {"tensorflow": "unknown", "keras": "unknown", "litert": "unknown"},
                        **FAKE_IO, **over})


@functools.cache
def exported_classifier() -> Path:
    """A real MobileNetV2 classifier (shared ImageNet weights when present, else random init), exported once
    per machine state and shared between test processes (the export takes ~20 s)."""
    weights = WEIGHTS if WEIGHTS.is_file() else None
    key = hashlib.sha256(f"{weights}|{Path(models.__file__).stat().st_mtime_ns}".encode()).hexdigest()[:12]
    root = Path(tempfile.gettempdir()) / "radassist-test-models"
    root.mkdir(exist_ok=True)
    out = root / f"cls-{key}"
    with open(root / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / models.CARD_NAME).is_file():
            from radassist.training.classifier.model import build_classifier

            model = build_classifier(weights=weights, seed=0)
            tmp = root / f"tmp-{key}-{os.getpid()}"
            shutil.rmtree(tmp, ignore_errors=True)
            export.export_classifier_package(model, tmp, card_dict(
                base_weights={"name": weights.name if weights else "random", "sha256": None}))
            tmp.rename(out)
        if not (out / models.SIGNATURE_NAME).is_file():
            sign_for_tests(out)
    trust_test_key()
    return out


# --- card ----------------------------------------------------------------------------------------------
def _write_pkg(tmp_path: Path, **over) -> Path:
    """A small package with a fake weights blob, signed by the trusted test key."""
    blob = tmp_path / "weights.bin"
    blob.write_bytes(b"\x00\x01weights" * 100)
    pkg = export.write_package(tmp_path / "pkg", card_dict(**{**FAKE_IO, **over}), {"tflite": blob})
    return sign_for_tests(pkg, check_files=False)  # no file hashed yet: the tests count the first checks


def test_card_round_trip(tmp_path):
    pkg = models.load_package(_write_pkg(tmp_path))
    assert pkg.card.labels == ("pneumonia",) and pkg.card.temperature == (1.5,)
    assert pkg.card.input_size == (224, 224)
    assert pkg.card.created.endswith("Z") and pkg.card.machine
    # write_package fills the exporter versions and a changelog entry for the card's version
    assert set(pkg.card.exporter) >= {"tensorflow", "keras", "litert"}
    assert pkg.card.exporter["tensorflow"] not in ("", "unknown")  # this environment has TensorFlow
    assert [c.version for c in pkg.card.changelog] == ["0.1.0"]
    again = models.ModelCard.from_json(pkg.card.to_json())
    assert again == pkg.card


@pytest.mark.parametrize("field", ["id", "version", "labels", "files", "thresholds", "temperature", "intended_use",
                                   "inputs", "outputs", "changelog", "exporter"])
def test_card_missing_field_is_named(field):
    data = raw_card()
    del data[field]
    with pytest.raises(ModelCardError, match=rf"\b{field}: required field missing"):
        models.ModelCard.from_json(data)


def test_card_needs_a_threshold_and_temperature_per_label():
    with pytest.raises(ModelCardError, match=r"threshold for: viral"):
        models.ModelCard.from_json(raw_card(labels=["pneumonia", "viral"], temperature=[1, 1]))
    with pytest.raises(ModelCardError, match=r"temperature"):
        models.ModelCard.from_json(raw_card(temperature=[1.0, 2.0]))


def test_card_refuses_paths_outside_the_package():
    with pytest.raises(ModelCardError, match=r"inside the package"):
        models.ModelCard.from_json(raw_card(files={"tflite": {"path": "../evil.tflite", "sha256": "0" * 64}}))


def test_ood_cards_need_no_thresholds():
    data = raw_card(task="ood")
    del data["thresholds"], data["temperature"]
    assert models.ModelCard.from_json(data).task == "ood"


# --- integrity -----------------------------------------------------------------------------------------
def _flip_byte(target: Path, at: int = 17) -> None:
    data = bytearray(target.read_bytes())
    data[at] ^= 0xFF
    target.write_bytes(bytes(data))


def test_corrupted_byte_is_refused_with_both_hashes_before_the_file_is_handed_out(tmp_path):
    pkg_dir = _write_pkg(tmp_path)
    want = models.read_card(pkg_dir).files["tflite"].sha256
    target = pkg_dir / "weights.bin"
    _flip_byte(target)
    pkg = models.load_package(pkg_dir)  # the card is read and checked; the weights are not hashed yet
    with pytest.raises(ModelIntegrityError) as err:
        pkg.path("tflite")
    msg = str(err.value)
    assert "weights.bin" in msg and want in msg and sha256_file(target) in msg
    assert "Reinstall" in msg
    with pytest.raises(ModelIntegrityError):
        pkg.verify_all()


def test_a_file_is_hashed_once_and_again_when_it_changes(tmp_path, monkeypatch):
    from radassist.core.models import package as package_mod

    pkg = models.load_package(_write_pkg(tmp_path))
    hashed = []
    real = package_mod.sha256_file
    monkeypatch.setattr(package_mod, "sha256_file", lambda p: hashed.append(p) or real(p))
    assert pkg.path("tflite") == pkg.path("tflite") == models.load_package(pkg.root).path("tflite")
    assert len(hashed) == 1  # once per file per process, across ModelPackage objects
    _flip_byte(pkg.root / "weights.bin")  # replaced after the first check: the changed file is checked again
    with pytest.raises(ModelIntegrityError, match=r"damaged"):
        pkg.path("tflite")


def test_concurrent_first_uses_hash_the_file_once(tmp_path, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from radassist.core.models import package as package_mod

    pkg = models.load_package(_write_pkg(tmp_path))
    hashed = []
    real = package_mod.sha256_file
    monkeypatch.setattr(package_mod, "sha256_file", lambda p: hashed.append(p) or real(p))
    with ThreadPoolExecutor(8) as pool:
        paths = list(pool.map(lambda _: pkg.path("tflite"), range(32)))
    assert len(set(paths)) == 1 and len(hashed) == 1


def test_install_checks_every_file(tmp_path, radassist_home):
    pkg_dir = _write_pkg(tmp_path)
    _flip_byte(pkg_dir / "weights.bin")
    with pytest.raises(ModelIntegrityError):
        models.install_package(pkg_dir)


def test_missing_file_is_refused(tmp_path):
    pkg_dir = _write_pkg(tmp_path)
    (pkg_dir / "weights.bin").unlink()
    with pytest.raises(ModelIntegrityError, match=r"missing"):
        models.load_package(pkg_dir)


def test_package_sha256_is_the_card_hash(tmp_path):
    pkg = models.load_package(_write_pkg(tmp_path))
    assert pkg.sha256 == sha256_file(pkg.root / models.CARD_NAME)
    assert pkg.identity == {"id": "test-cls", "version": "0.1.0", "sha256": pkg.sha256, "signer": suite_signer()}


# --- registry ------------------------------------------------------------------------------------------
def test_resolve_folder_id_and_version(tmp_path, radassist_home):
    src = _write_pkg(tmp_path)
    assert models.resolve(src) == src.resolve()
    with pytest.raises(ModelNotFoundError):
        models.resolve("test-cls")
    installed = models.install_package(src)
    assert installed == radassist_home.resolve() / "data" / "models" / "test-cls" / "0.1.0"
    assert models.resolve("test-cls") == installed
    assert models.resolve("test-cls@0.1.0") == installed
    newer = sign_for_tests(export.write_package(tmp_path / "v2", {**models.read_card(src).to_json(),
                                                                   "version": "0.10.0"},
                                                {"tflite": src / "weights.bin"}))
    assert [c.version for c in models.read_card(newer).changelog] == ["0.1.0", "0.10.0"]
    models.install_package(newer)
    assert models.resolve("test-cls").name == "0.10.0"  # numeric, not string, version order
    with pytest.raises(ModelNotFoundError, match=r"Available"):
        models.resolve("test-cls@9.9")
    with pytest.raises(errors.ModelError, match=r"already installed"):
        models.install_package(src)


def test_bundled_packages_resolve_by_id():
    path = models.resolve("ood-gate")
    assert path == models.bundled_dir() / "ood-gate"
    assert models.load_package(path).card.task == "ood"


def test_empty_folder_is_not_a_package(tmp_path):
    with pytest.raises(ModelNotFoundError, match=r"without model_card.json"):
        models.resolve(tmp_path)


# --- export ---------------------------------------------------------------------------------------------
def test_export_writes_both_runtimes_with_hashes():
    pkg = models.load_package(exported_classifier())
    assert set(pkg.card.files) == {"keras", "tflite"}
    for role in ("keras", "tflite"):
        assert pkg.card.files[role].sha256 == sha256_file(pkg.path(role))
    assert json.loads((pkg.root / models.CARD_NAME).read_text())["explain"]["cam_output"] == "cam"
    # the declared outputs are what the graph returns, and the exported .tflite passes `models verify`
    assert [o.name for o in pkg.card.outputs] == ["logits", "cam", "features"]
    assert pkg.card.output("cam").shape == ("N", 7, 7, "L")
    from radassist.core.models.verify import verify_package

    result = verify_package(pkg.root)
    assert result.ok, result.problems


def test_exported_cam_is_feature_map_times_kernel():
    import keras

    from radassist.training.classifier.model import build_classifier

    weights = WEIGHTS if WEIGHTS.is_file() else None
    model = build_classifier(weights=weights, seed=0)
    inference = export.build_inference_model(model)
    x = np.random.default_rng(3).uniform(-1, 1, (2, 224, 224, 3)).astype(np.float32)
    out = inference(x)
    fmap = np.asarray(model.get_layer("backbone")(x, training=False))
    kernel = model.get_layer("logits").get_weights()[0]
    bias = model.get_layer("logits").get_weights()[1]
    np.testing.assert_allclose(np.asarray(out["cam"]), np.einsum("nhwc,cl->nhwl", fmap, kernel), atol=1e-4)
    np.testing.assert_allclose(np.asarray(out["features"]), fmap.mean(axis=(1, 2)), atol=1e-5)
    # mean of the CAM + bias is the logit (GAP -> dense), and the sigmoid of it is the classifier's output
    np.testing.assert_allclose(np.asarray(out["cam"]).mean(axis=(1, 2)) + bias, np.asarray(out["logits"]), atol=1e-4)
    probs = np.asarray(model(x, training=False))
    np.testing.assert_allclose(1 / (1 + np.exp(-np.asarray(out["logits"]))), probs, atol=1e-5)
    assert isinstance(inference, keras.Model)


def test_exported_tflite_signature_names_outputs():
    from ai_edge_litert.interpreter import Interpreter

    pkg = models.load_package(exported_classifier())
    sig = Interpreter(model_path=str(pkg.path("tflite"))).get_signature_list()["serving_default"]
    assert sig["inputs"] == ["image"] and sorted(sig["outputs"]) == ["cam", "features", "logits"]
