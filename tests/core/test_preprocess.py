"""Model preprocessing: render -> INTER_AREA squash (aspect NOT kept) -> u8/127.5-1 -> 3 channels."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from radassist.core.preprocess import model_input


def test_output_is_float32_hw3_in_minus1_1():
    u8 = np.random.default_rng(0).integers(0, 256, (300, 500), dtype=np.uint8)
    x = model_input(u8)
    assert x.shape == (224, 224, 3) and x.dtype == np.float32
    assert x.min() >= -1.0 and x.max() <= 1.0
    assert np.array_equal(x[..., 0], x[..., 1]) and np.array_equal(x[..., 0], x[..., 2])


def test_extremes_map_to_minus_one_and_one():
    x = model_input(np.array([[0, 255], [255, 0]], dtype=np.uint8), size=(2, 2))
    assert x[0, 0, 0] == -1.0 and x[0, 1, 0] == 1.0


def test_squashes_without_keeping_aspect_ratio():
    # a wide image: left half black, right half white. Squashed, the boundary stays at the middle column;
    # a letterbox/crop would move it or add borders.
    u8 = np.zeros((100, 400), np.uint8)
    u8[:, 200:] = 255
    x = model_input(u8)[..., 0]
    assert np.all(x[:, :112] == -1.0) and np.all(x[:, 112:] == 1.0)


def test_equals_the_documented_pipeline():
    u8 = np.random.default_rng(1).integers(0, 256, (517, 389), dtype=np.uint8)
    want = cv2.resize(u8, (160, 128), interpolation=cv2.INTER_AREA).astype(np.float32) / 127.5 - 1.0
    got = model_input(u8, size=(128, 160))
    assert got.shape == (128, 160, 3)
    np.testing.assert_array_equal(got[..., 2], want)


def test_same_size_input_is_not_resampled():
    u8 = np.random.default_rng(2).integers(0, 256, (224, 224), dtype=np.uint8)
    np.testing.assert_array_equal(model_input(u8)[..., 0], u8.astype(np.float32) / 127.5 - 1)


def test_rgb_arrays_become_gray():
    rgb = np.zeros((10, 10, 3), np.uint8)
    rgb[..., 1] = 200
    x = model_input(rgb, size=(10, 10))
    assert np.allclose(x[..., 0], cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY) / 127.5 - 1)


def test_refuses_non_uint8_arrays():
    with pytest.raises(TypeError):
        model_input(np.zeros((10, 10), np.float32))


def test_xray_image_goes_through_the_display_pipeline():
    from radassist.core import display
    from radassist.core.image import DisplayInfo, ImageMeta, Source, XRayImage

    px = np.linspace(0, 4095, 64 * 48, dtype=np.float32).reshape(64, 48)
    image = XRayImage(px, DisplayInfo("MONOCHROME1", 12, pixel_min=0.0, pixel_max=4095.0), ImageMeta(), "0" * 64,
                      Source(path=__import__("pathlib").Path("x.dcm"), format="DICOM"))
    want = cv2.resize(display.render_uint8(image), (224, 224), interpolation=cv2.INTER_AREA)
    np.testing.assert_array_equal(model_input(image)[..., 0], want.astype(np.float32) / 127.5 - 1)
