"""tf.data input: the same pixels as preprocess.model_input, and augmentation that stays bounded."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from radassist.core.preprocess import model_input
from radassist.training.classifier.pipeline import Augment, augment_batch, make_dataset
from tests.conftest import shared_path
from tests.training._fixtures import synthetic_chest


@pytest.fixture(scope="module")
def pngs(tmp_path_factory):
    d = tmp_path_factory.mktemp("png")
    rng = np.random.default_rng(0)
    paths = []
    for i, shape in enumerate([(300, 250), (224, 224), (120, 200), (96, 80)]):
        p = d / f"img{i}.png"
        cv2.imwrite(str(p), synthetic_chest(rng, i % 2 == 0, shape))
        paths.append(p)
    return paths


def test_pipeline_equals_model_input_for_any_size(pngs):
    x = next(iter(make_dataset(pngs, batch_size=4))).numpy()
    ref = np.stack([model_input(cv2.imread(str(p), cv2.IMREAD_GRAYSCALE)) for p in pngs])
    assert x.shape == (4, 224, 224, 3) and x.dtype == np.float32
    np.testing.assert_array_equal(x, ref)


def test_pipeline_decodes_kermany_jpegs_like_opencv():
    root = shared_path("data", "kermany_train")
    paths = sorted((root / "NORMAL").glob("*.jpeg"))[:3] + sorted((root / "PNEUMONIA").glob("*.jpeg"))[:3]
    x = next(iter(make_dataset(paths, batch_size=6))).numpy()
    ref = np.stack([model_input(cv2.imread(str(p), cv2.IMREAD_GRAYSCALE)) for p in paths])
    np.testing.assert_array_equal(x, ref)


def test_batches_carry_targets_and_sizes(pngs):
    y = np.array([[1], [0], [1], [0]], np.float32)
    batches = list(make_dataset(pngs, y, size=(64, 64), batch_size=3))
    assert [b[0].shape for b in batches] == [(3, 64, 64, 3), (1, 64, 64, 3)]
    np.testing.assert_array_equal(np.concatenate([b[1].numpy() for b in batches]), y)


def test_augmentation_is_bounded_random_and_not_a_flip(pngs):
    import tensorflow as tf

    x = next(iter(make_dataset(pngs, batch_size=4))).numpy()[..., :1]
    ramp = np.linspace(0.0, 0.8, 224, dtype=np.float32)[None, None, :, None]  # left-right asymmetry
    u8 = tf.constant(np.round(np.clip((x + 1.0) * 0.5 * 0.6 + ramp, 0, 1) * 255).astype(np.uint8))
    out = augment_batch(u8, Augment(), tf.constant([7, 0], tf.int64)).numpy()
    assert out.min() >= 0.0 and out.max() <= 255.0 and out.shape == (4, 224, 224, 1)
    src = u8.numpy().astype(np.float32)
    assert np.abs(out - src).mean() > 1.0  # it did something
    for a, b in zip(out[..., 0], src[..., 0], strict=True):
        # a modest warp keeps the image far closer to itself than to its mirror image
        a, b = cv2.resize(a, (28, 28), interpolation=cv2.INTER_AREA), cv2.resize(b, (28, 28), interpolation=cv2.INTER_AREA)
        same = np.corrcoef(a.ravel(), b.ravel())[0, 1]
        mirrored = np.corrcoef(a.ravel(), b[:, ::-1].ravel())[0, 1]
        assert same > 0.6 and same > mirrored + 0.2, (same, mirrored)
    again = augment_batch(u8, Augment(), tf.constant([7, 0], tf.int64)).numpy()
    np.testing.assert_array_equal(out, again)  # seeded
    none = augment_batch(u8, Augment(0, 0, 0, 0, 0), tf.constant([7, 0], tf.int64)).numpy()
    np.testing.assert_allclose(none, src, atol=1e-3)


def test_augmented_training_batches_stay_in_model_range(pngs):
    y = np.ones((4, 1), np.float32)
    xb, _yb = next(iter(make_dataset(pngs, y, batch_size=4, shuffle=True, augment=Augment(), seed=1)))
    assert xb.shape == (4, 224, 224, 3)
    assert float(np.min(xb)) >= -1.0 and float(np.max(xb)) <= 1.0
    np.testing.assert_array_equal(xb[..., 0], xb[..., 2])


def test_dicom_files_go_through_the_app_loader_and_display_pipeline(pngs):
    from radassist.core.image import load_image

    dcm = shared_path("data", "dicom_cr_chest", "RG1_RLE.dcm")
    x = next(iter(make_dataset([dcm, pngs[0]], batch_size=2))).numpy()
    np.testing.assert_array_equal(x[0], model_input(load_image(dcm)))
    np.testing.assert_array_equal(x[1], model_input(cv2.imread(str(pngs[0]), cv2.IMREAD_GRAYSCALE)))
