"""Heatmaps: the CAM -> Heatmap conversion, colouring, and Grad-CAM on models whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from radassist.core import explain
from radassist.core.explain import Heatmap, blend, cam_to_heatmap, colorize
from radassist.training import gradcam
from tests.conftest import shared_path


# --- cam_to_heatmap -----------------------------------------------------------------------------------
def test_cam_is_upsampled_to_the_image_size_normalised_with_its_peak_where_the_cam_peaks():
    cam = np.zeros((7, 7), np.float32)
    cam[1, 5] = 3.0
    cam[4, 2] = 1.0
    hm = cam_to_heatmap(cam, (700, 350))
    assert hm.values.shape == (700, 350) and hm.values.dtype == np.float32
    assert not hm.empty
    assert hm.values.min() >= 0.0 and hm.values.max() == pytest.approx(1.0)
    r, c = hm.peak
    assert 100 <= r < 200 and 250 <= c < 300  # the (1, 5) cell of a 7x7 grid over 700x350
    assert hm.values[r, c] == hm.values.max()


def test_negative_parts_are_cut_off():
    cam = np.full((7, 7), -2.0, np.float32)
    cam[3, 3] = 1.0
    hm = cam_to_heatmap(cam, (70, 70))
    assert hm.values[0, 0] == 0.0 and hm.values[35, 35] == pytest.approx(1.0)


@pytest.mark.parametrize("cam", [np.zeros((7, 7)), -np.ones((7, 7)), np.full((7, 7), np.nan),
                                 np.where(np.eye(7) > 0, 1e-12, -5.0)])
def test_zero_negative_or_nan_maps_give_an_empty_all_zero_heatmap(cam):
    hm = cam_to_heatmap(cam, (40, 30))
    assert hm.empty and hm.peak is None
    assert hm.values.shape == (40, 30)
    assert not np.isnan(hm.values).any() and not hm.values.any()


def test_nan_cells_count_as_zero():
    cam = np.zeros((4, 4), np.float32)
    cam[0, 0] = np.nan
    cam[2, 2] = 1.0
    hm = cam_to_heatmap(cam, (4, 4))
    assert not np.isnan(hm.values).any() and hm.peak == (2, 2)


def test_cam_to_heatmap_rejects_a_non_2d_map():
    with pytest.raises(ValueError):
        cam_to_heatmap(np.zeros((2, 7, 7)), (10, 10))


def test_heatmap_to_uint8_is_the_raw_map_in_8_bit():
    hm = cam_to_heatmap(np.array([[0.0, 0.5], [1.0, 0.25]]), (2, 2))
    assert hm.to_uint8().tolist() == [[0, 128], [255, 64]]


# --- colorize / blend ---------------------------------------------------------------------------------
@pytest.mark.parametrize("cmap", ["jet", "inferno", "viridis"])
def test_colorize_gives_rgba_with_alpha_proportional_to_the_value(cmap):
    hm = cam_to_heatmap(np.array([[0.0, 1.0], [0.5, 0.25]]), (2, 2))
    rgba = colorize(hm, cmap)
    assert rgba.shape == (2, 2, 4) and rgba.dtype == np.uint8
    assert rgba[..., 3].tolist() == [[0, 255], [128, 64]]
    assert not np.array_equal(rgba[0, 0, :3], rgba[0, 1, :3])


def test_colorize_rejects_an_unknown_colormap():
    with pytest.raises(ValueError, match="colormap"):
        colorize(explain.empty_heatmap((2, 2)), "rainbow")


def test_jet_shows_the_hot_region_red():
    rgba = colorize(cam_to_heatmap(np.ones((2, 2)), (2, 2)), "jet")
    r, g, b = (int(v) for v in rgba[0, 0, :3])
    assert r > 100 and r > g and r > b


def test_blend_leaves_the_image_untouched_where_the_heatmap_is_zero_and_tints_where_it_is_hot():
    gray = np.full((60, 80), 100, np.uint8)
    values = np.zeros((60, 80), np.float32)
    values[:30, :40] = 1.0
    hm = Heatmap(values, False, (0, 0))
    out = blend(gray, hm, alpha=0.5, cmap="jet")
    assert out.shape == (60, 80, 3) and out.dtype == np.uint8
    assert (out[40:, 50:] == 100).all()
    r, g, b = (int(v) for v in out[10, 10])
    assert r > 100 and g < 60 and b < 60  # half gray, half jet's dark red


def test_blend_resizes_a_heatmap_of_another_size_and_empty_blends_to_gray():
    gray = np.arange(100, dtype=np.uint8).reshape(10, 10)
    out = blend(gray, explain.empty_heatmap((5, 5)))
    assert out.shape == (10, 10, 3) and (out == gray[..., None]).all()


# --- grad_cam on a model whose answer is known -----------------------------------------------------------
def _quadrant_model():
    """Output depends only on the top-left quadrant: conv features are multiplied by a fixed quadrant mask
    before global average pooling. Findings: 0 positive weights, 1 negative weights, 2 zero weights."""
    import keras

    class QuadrantMask(keras.layers.Layer):
        def call(self, x):
            h, w = x.shape[1], x.shape[2]
            m = np.zeros((1, h, w, 1), np.float32)
            m[:, : h // 2, : w // 2] = 1.0
            return x * m

    inp = keras.Input((32, 32, 1), name="image")
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="conv")(inp)
    x = QuadrantMask(name="quadrant")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    logits = keras.layers.Dense(3, name="logits")(x)
    model = keras.Model(inp, keras.layers.Activation("sigmoid", name="probs")(logits))
    conv = model.get_layer("conv")
    k = np.zeros((3, 3, 1, 4), np.float32)
    k[1, 1, 0, :] = [1.0, 0.5, 2.0, 1.5]
    conv.set_weights([k, np.zeros(4, np.float32)])
    dense = np.zeros((4, 3), np.float32)
    dense[:, 0], dense[:, 1] = 1.0, -1.0
    model.get_layer("logits").set_weights([dense, np.array([5.0, 0.0, 0.0], np.float32)])
    return model


@pytest.fixture(scope="module")
def quadrant():
    pytest.importorskip("tensorflow")
    rng = np.random.default_rng(0)
    return _quadrant_model(), rng.uniform(0.2, 1.0, (32, 32, 1)).astype(np.float32)


def test_grad_cam_mass_sits_in_the_quadrant_the_output_depends_on(quadrant):
    model, x = quadrant
    hm = gradcam.grad_cam(model, x, 0, out_shape=(64, 64))
    assert hm.values.shape == (64, 64) and not hm.empty
    assert hm.values.min() >= 0.0 and hm.values.max() == pytest.approx(1.0)
    share = hm.values[:32, :32].sum() / hm.values.sum()
    assert share > 0.97
    assert hm.peak[0] < 32 and hm.peak[1] < 32


def test_grad_cam_is_deterministic_and_defaults_to_the_input_size(quadrant):
    model, x = quadrant
    a = gradcam.grad_cam(model, x, 0)
    b = gradcam.grad_cam(model, x[None], 0)
    assert a.values.shape == (32, 32)
    assert np.array_equal(a.values, b.values)


def test_default_finding_is_the_predicted_one(quadrant):
    model, x = quadrant
    assert int(np.argmax(model.predict(x[None], verbose=0)[0])) == 0
    default = gradcam.grad_cam(model, x)
    assert np.array_equal(default.values, gradcam.grad_cam(model, x, finding_index=0).values)


@pytest.mark.parametrize("index", [1, 2])
def test_negative_or_zero_gradients_give_an_empty_heatmap_without_nan(quadrant, index):
    model, x = quadrant
    hm = gradcam.grad_cam(model, x, index, out_shape=(16, 16))
    assert hm.empty and hm.peak is None and not np.isnan(hm.values).any() and not hm.values.any()


def test_grad_cam_never_modifies_the_model(quadrant):
    model, x = quadrant
    before = [w.copy() for w in model.get_weights()]
    names = [layer.name for layer in model.layers]
    pred = model.predict(x[None], verbose=0)
    gradcam.grad_cam(model, x, 0, layer="conv")
    assert [layer.name for layer in model.layers] == names
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))
    assert np.array_equal(pred, model.predict(x[None], verbose=0))
    assert model.get_layer("probs").get_config()["activation"] == "sigmoid"


def test_grad_cam_rejects_unknown_layers_non_spatial_layers_and_bad_indices(quadrant):
    model, x = quadrant
    with pytest.raises(ValueError, match="not found"):
        gradcam.grad_cam(model, x, 0, layer="nope")
    with pytest.raises(ValueError, match="4-D"):
        gradcam.grad_cam(model, x, 0, layer="gap")
    with pytest.raises(ValueError, match="out of range"):
        gradcam.grad_cam(model, x, 3)


# --- fast CAM path == gradient path on the real classifier ---------------------------------------------
@pytest.fixture(scope="module")
def classifier():
    pytest.importorskip("tensorflow")
    weights = shared_path("weights", "mobilenet_v2_1.0_224_no_top.rebuilt_from_tf_slim.h5")
    from radassist.training.classifier import model as model_mod
    model = model_mod.build_classifier(labels=("pneumonia", "other"), weights=weights, seed=7)
    rng = np.random.default_rng(7)
    dense = model.get_layer("logits")
    # a head whose maps are partly positive, partly negative, like a trained one
    dense.set_weights([rng.normal(0, 0.05, (1280, 2)).astype(np.float32), np.zeros(2, np.float32)])
    return model


def _kermany(n: int):
    import cv2

    root = shared_path("data", "kermany_train")
    files = sorted((root / "PNEUMONIA").glob("*.jpeg"))[:n] + sorted((root / "NORMAL").glob("*.jpeg"))[:n]
    return [cv2.imread(str(f), cv2.IMREAD_GRAYSCALE) for f in files]


def test_fast_cam_output_equals_grad_cam_at_the_last_conv_layer_on_real_images(classifier):
    from radassist.core.preprocess import model_input
    from radassist.training.export import build_inference_model

    inference = build_inference_model(classifier)
    compared = 0
    for u8 in _kermany(2):
        x = model_input(u8)
        cam = inference(x[None], training=False)["cam"].numpy()[0]
        for idx in range(cam.shape[-1]):
            fast = cam_to_heatmap(cam[..., idx], u8.shape)
            slow = gradcam.grad_cam(classifier, x, idx, out_shape=u8.shape)
            assert fast.empty == slow.empty
            if fast.empty:
                continue
            r = np.corrcoef(fast.values.ravel(), slow.values.ravel())[0, 1]
            assert r >= 0.999
            assert fast.peak == slow.peak
            compared += 1
    assert compared >= 3


def test_grad_cam_finds_the_backbone_by_itself_and_accepts_a_nested_layer(classifier):
    x = np.zeros((224, 224, 3), np.float32)
    auto = gradcam.grad_cam(classifier, x, 0)
    named = gradcam.grad_cam(classifier, x, 0, layer="backbone")
    assert np.array_equal(auto.values, named.values)
    inner = gradcam.grad_cam(classifier, x, 0, layer="backbone/block_16_project")
    assert inner.values.shape == (224, 224) and not np.isnan(inner.values).any()


# --- defaults: a perceptual colormap, and no heatmap drawn for a negative call -------------------------
def _lightness(rgb: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.cvtColor(rgb.reshape(1, -1, 3).astype(np.uint8), cv2.COLOR_RGB2LAB)[0, :, 0].astype(int)


def test_the_default_colormap_is_perceptual_its_lightness_rises_with_the_value():
    assert explain.CMAPS[0] == explain.DEFAULT_CMAP and explain.DEFAULT_CMAP != "jet"
    ramp = Heatmap(np.linspace(0.0, 1.0, 256, dtype=np.float32)[None, :], False, (0, 255))
    default = _lightness(colorize(ramp)[0, :, :3])
    assert np.all(np.diff(default) >= -1) and default[-1] - default[0] > 150  # monotonic, dark -> bright
    jet = _lightness(colorize(ramp, "jet")[0, :, :3])
    assert jet.max() - jet[-1] > 30  # jet is not: its brightest band sits mid-scale, its top is darker
    gray = np.full((4, 4), 50, np.uint8)
    hot = Heatmap(np.ones((4, 4), np.float32), False, (0, 0))
    assert np.array_equal(blend(gray, hot), blend(gray, hot, cmap=explain.DEFAULT_CMAP))


def test_a_negative_calls_heatmap_is_not_shown_by_default():
    assert explain.shown_by_default(True) and not explain.shown_by_default(False)
    assert "negative" in explain.NEGATIVE_CALL_HIDDEN and "lesion" in explain.NEGATIVE_CALL_HIDDEN
