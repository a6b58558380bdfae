"""build_classifier: the shared architecture contract and the base-weights hash check."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from radassist.core.errors import ModelError, ModelIntegrityError
from radassist.training.classifier.model import build_classifier, set_backbone_trainable, verify_weights
from tests.conftest import shared_path


def test_classifier_has_the_contract_layer_names_and_output_shape():
    m = build_classifier("mobilenet_v2_scratch", labels=("pneumonia", "effusion"), input_size=64, alpha=0.35)
    assert [layer.name for layer in m.layers] == ["image", "backbone", "gap", "dropout", "logits", "probs"]
    assert m.output_shape == (None, 2)
    assert m.get_layer("backbone").output_shape[-1] == 1280
    p = np.asarray(m.predict(np.zeros((3, 64, 64, 3), np.float32), verbose=0))
    assert p.shape == (3, 2) and np.all((p > 0) & (p < 1))


def test_phase_two_unfreezes_only_the_top_blocks_and_never_batchnorm():
    m = build_classifier("mobilenet_v2_scratch", input_size=64, alpha=0.35)
    assert set_backbone_trainable(m, None) == 0
    assert not m.get_layer("backbone").trainable
    n = set_backbone_trainable(m, "block_13_expand")
    base = m.get_layer("backbone")
    assert n > 0
    assert not base.get_layer("block_12_expand").trainable
    assert base.get_layer("block_16_project").trainable
    assert not base.get_layer("block_16_project_BN").trainable


def test_a_random_backbone_trains_whole_with_its_batchnorm():
    m = build_classifier("mobilenet_v2_scratch", input_size=64, alpha=0.35)
    set_backbone_trainable(m, "Conv1", train_bn=True)
    base = m.get_layer("backbone")
    assert base.get_layer("bn_Conv1").trainable and base.get_layer("Conv1").trainable
    assert base.get_layer("bn_Conv1").momentum == 0.9  # learns its statistics within a short run


def test_wrong_weights_file_is_refused_before_loading(tmp_path):
    fake = tmp_path / "mobilenet.h5"
    fake.write_bytes(b"not the weights")
    (tmp_path / "SHA256SUMS").write_text(f"{'0' * 64}  mobilenet.h5\n")
    with pytest.raises(ModelIntegrityError, match="damaged or were replaced"):
        build_classifier(weights=fake)
    (tmp_path / "SHA256SUMS").write_text(f"{hashlib.sha256(b'x').hexdigest()}  other.h5\n")
    with pytest.raises(ModelIntegrityError, match="does not list"):
        verify_weights(fake)
    (tmp_path / "SHA256SUMS").unlink()
    with pytest.raises(ModelIntegrityError, match="no SHA256SUMS"):
        verify_weights(fake)


def test_unknown_backbone_is_a_model_error():
    with pytest.raises(ModelError, match="Unknown backbone"):
        build_classifier("resnet9000")


def test_shared_imagenet_weights_verify():
    weights = shared_path("weights", "mobilenet_v2_1.0_224_no_top.rebuilt_from_tf_slim.h5")
    assert verify_weights(weights) == "d42a456ded3f5732b97bb61693a19bd29cd42f0e3c830508f515d593fed59a88"
