"""The Engine: LiteRT and compiled TensorFlow agree, devices are chosen as documented, loading happens once."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading

import cv2
import numpy as np
import pytest

from radassist.core import classify as inference
from radassist.core import errors, models
from radassist.core.classify import Engine
from radassist.core.errors import ConfigError, DeviceUnavailableError
from tests.conftest import REPO, SHARED
from tests.core.models.test_package import exported_classifier


def real_images() -> list[np.ndarray]:
    """Kermany JPEGs and CR DICOMs (through core.io) when ../shared is present, generated images otherwise."""
    images: list = []
    kermany = SHARED / "data" / "kermany_train"
    for sub in ("NORMAL", "PNEUMONIA"):
        for p in sorted((kermany / sub).glob("*.jpeg"))[:3]:
            images.append(cv2.imread(str(p), cv2.IMREAD_GRAYSCALE))
    cr = SHARED / "data" / "dicom_cr_chest"
    if cr.is_dir():
        try:
            from radassist.core.image import load_image
        except ImportError:
            load_image = None
        if load_image is not None:
            images += [load_image(cr / n) for n in ("RG1_UNCR.dcm", "SIIM_CXR_MONOCHROME1.dcm")]
    if not images:
        rng = np.random.default_rng(0)
        yy, xx = np.mgrid[0:512, 0:480]
        for k in range(4):
            base = 120 + 80 * np.cos(xx / (40 + 10 * k)) * np.sin(yy / (55 + 7 * k))
            images.append(np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8))
    return images


@pytest.fixture(scope="module")
def package():
    return models.load_package(exported_classifier())


@pytest.fixture(scope="module")
def litert(package):
    return Engine(package, device="cpu").load()


@pytest.fixture(scope="module")
def tensorflow_cpu(package):
    return Engine(package, device="cpu", runtime="tensorflow").load()


def _parity(a: Engine, b: Engine, images) -> None:
    pa, pb = a.predict(images), b.predict(images)
    for x, y in zip(pa, pb, strict=True):
        for fx, fy in zip(x.findings, y.findings, strict=True):
            assert abs(fx.probability - fy.probability) < 1e-3
            assert fx.positive == fy.positive
        np.testing.assert_allclose(x.cam, y.cam, atol=2e-3 * max(1.0, float(np.abs(y.cam).max())))
        np.testing.assert_allclose(x.features, y.features, atol=1e-3 * max(1.0, float(np.abs(y.features).max())))


def test_litert_and_tensorflow_agree_on_real_images(litert, tensorflow_cpu):
    assert (litert.runtime, tensorflow_cpu.runtime) == ("litert", "tensorflow")
    _parity(litert, tensorflow_cpu, real_images())


def test_bundled_classifier_parity():
    pkg = models.load_package(models.bundled_dir() / models.DEFAULT_MODEL_ID)  # committed: must not skip
    _parity(Engine(pkg, device="cpu"), Engine(pkg, device="cpu", runtime="tensorflow"), real_images())


def test_prediction_is_calibrated_and_thresholded(litert, package):
    p = litert.predict([real_images()[0]])[0]
    (f,) = p.findings
    t = package.card.temperature[0]
    assert f.probability == pytest.approx(1 / (1 + np.exp(-p.logits[0] / t)), abs=1e-6)
    assert f.threshold == package.card.thresholds["pneumonia"]
    assert f.positive == (f.probability >= f.threshold)
    assert p.device == "cpu" and p.model == package.identity
    assert p.cam.shape == (7, 7, 1) and p.features.shape == (1280,)
    assert set(p.timings_ms) == {"preprocess", "inference"}


def test_batches_give_the_same_answers_as_single_images(package):
    images = real_images()[:5]
    engine = Engine(package, device="cpu", batch_size=2)
    together = engine.predict(images)
    for img, p in zip(images, together, strict=True):
        assert engine.predict_one(img).findings[0].probability == pytest.approx(p.findings[0].probability, abs=1e-5)


# --- device policy ----------------------------------------------------------------------------------------
def test_requested_device_precedence(radassist_home):
    """The engine asks config (one rule: flag, RADASSIST_DEVICE, settings file, auto); see tests/test_config."""
    from radassist.config import Settings, load_settings, save_settings

    save_settings(Settings(device="gpu"))
    assert load_settings().device == "gpu"
    env = {"RADASSIST_HOME": str(radassist_home)}
    pkg = exported_classifier()
    assert Engine(pkg, env=env).requested == "gpu"  # the setting
    assert Engine(pkg, env={**env, "RADASSIST_DEVICE": "cpu"}).requested == "cpu"  # env beats setting
    assert Engine(pkg, device="auto", env={**env, "RADASSIST_DEVICE": "cpu"}).requested == "auto"  # flag beats env
    with pytest.raises(ConfigError):
        Engine(pkg, device="tpu", env=env)


def test_cpu_only_machine_auto_means_cpu_and_gpu_is_an_error():
    assert not inference.gpu_probe()  # this machine (and CI) has no NVIDIA device node
    assert inference.choose_device("auto") == "cpu"
    assert inference.choose_device("cpu") == "cpu"
    with pytest.raises(DeviceUnavailableError, match="GPU"):
        inference.choose_device("gpu")
    with pytest.raises(DeviceUnavailableError):
        Engine(exported_classifier(), device="gpu").load()


def test_cuda_visible_devices_hides_gpus():
    assert not inference.gpu_probe({"CUDA_VISIBLE_DEVICES": "-1"})
    assert not inference.gpu_probe({"CUDA_VISIBLE_DEVICES": ""})


def test_auto_does_not_import_tensorflow():
    code = ("import sys, numpy as np; from radassist.core.classify import Engine; "
            f"e = Engine({str(exported_classifier())!r}, device='auto'); "
            "p = e.predict([np.zeros((64, 64), np.uint8)])[0]; "
            "print(p.device, p.runtime, 'tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["cpu", "litert", "False"], out.stderr[-2000:]


def test_failing_gpu_falls_back_to_cpu_with_a_warning(monkeypatch, caplog, package):
    # A machine whose NVIDIA device node exists but where TensorFlow cannot use a GPU (broken driver or a
    # CPU-only wheel): the real TensorFlow runtime refuses to start on "gpu" and the engine falls back.
    monkeypatch.setattr(inference, "gpu_probe", lambda env=None: True)
    caplog.set_level(logging.WARNING, logger="radassist.core.classify")
    engine = Engine(package, device="auto").load()
    assert engine.device == "cpu" and engine.runtime == "litert"
    assert engine.fallback_reason and "GPU" in engine.fallback_reason
    assert any("Falling back to the CPU" in r.getMessage() for r in caplog.records)
    assert engine.predict([real_images()[0]])[0].device == "cpu"
    # asked for explicitly, a GPU that is not there is an error, not a silent fallback
    with pytest.raises(DeviceUnavailableError, match="TensorFlow sees no GPU"):
        Engine(package, device="gpu").load()


# --- loading ----------------------------------------------------------------------------------------------
def test_engine_is_lazy_and_loads_once_under_concurrency(package, caplog):
    images = real_images()[:4]
    want = [p.findings[0].probability for p in Engine(package, device="cpu").predict(images)]
    caplog.set_level(logging.INFO, logger="radassist.core.classify")
    caplog.clear()
    engine = Engine(package, device="cpu")
    assert not engine.loaded
    results: dict[int, list[float]] = {}
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            results[k] = [p.findings[0].probability for p in engine.predict(images)]
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert all(np.allclose(r, want, atol=1e-6) for r in results.values()) and len(results) == 6
    assert len([r for r in caplog.records if r.getMessage().startswith("loaded ")]) == 1


def test_unknown_runtime_is_a_config_error():
    with pytest.raises(ConfigError):
        Engine(exported_classifier(), runtime="onnx")


def test_non_classifier_package_is_refused():
    with pytest.raises(errors.ModelError, match="not a classifier"):
        Engine("ood-gate", device="cpu").load()


def test_model_comes_from_env_or_setting_when_not_given(radassist_home, monkeypatch):
    monkeypatch.setenv("RADASSIST_MODEL", str(exported_classifier()))
    assert Engine(device="cpu").package.root == exported_classifier().resolve()
    monkeypatch.setenv("RADASSIST_MODEL", "no-such-model")
    with pytest.raises(errors.ModelNotFoundError):
        Engine(device="cpu").load()
