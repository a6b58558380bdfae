"""The U-Net trainer on Keras callbacks: early stopping keeps the best epoch, the LR halves on a plateau."""

from __future__ import annotations

import numpy as np
import pytest

from radassist.training.segmentation import unet
from tests.cli.test_train_segmentation import make_pairs


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    data = make_pairs(tmp_path_factory.mktemp("pairs"), n=12, shape=(48, 40))
    rows = []
    cfg = unet.TrainConfig(data=data, out=data, epochs=6, seed=3, size=32, base_filters=4, levels=2, batch_size=4,
                           learning_rate=3e-3, val_fraction=0.25, patience=2,
                           checkpoint=tmp_path_factory.mktemp("ckpt") / "best.weights.h5")
    return cfg, unet.train(cfg, rows.append), rows


def _val_dice(model, cfg, pairs):
    val = [p for p in pairs if p.split == "val"]
    _, x, y = unet.load_arrays(cfg.data, val, cfg.size)
    probs = model.predict(x, verbose=0)
    return float(np.mean([unet.dice_iou(probs[i, ..., 0] > 0.5, y[i, ..., 0] > 0.5)[0] for i in range(len(x))]))


def test_the_returned_model_is_the_best_epochs_and_the_history_says_why_it_stopped(run):
    cfg, result, rows = run
    dices = [h["val_dice"] for h in result.history]
    assert len(rows) == len(result.history) >= 1 and rows[-1]["epochs"] == 6
    assert result.best_epoch == int(np.argmax(dices)) + 1 == rows[-1]["best_epoch"]
    # the val_dice Keras watched is the Dice the project reports, and the weights are the best epoch's
    assert _val_dice(result.model, cfg, result.pairs) == pytest.approx(max(dices), abs=1e-5)
    if result.stopped == "early stopping":
        assert len(dices) < cfg.epochs and len(dices) - result.best_epoch >= cfg.patience
    else:
        assert result.stopped == "epochs" and len(dices) == cfg.epochs
    assert cfg.checkpoint.is_file()  # ModelCheckpoint wrote the best weights on the way


def test_the_learning_rate_halves_after_an_epoch_without_a_better_dice(run):
    _, result, _ = run
    best = -1.0
    for before, after in zip(result.history, result.history[1:], strict=False):
        improved = before["val_dice"] > best
        best = max(best, before["val_dice"])
        assert after["lr"] == pytest.approx(before["lr"] * (1.0 if improved else 0.5))
    assert result.history[0]["lr"] == pytest.approx(3e-3)


def test_augmented_batches_repeat_for_a_seed_and_change_every_epoch():
    rng = np.random.default_rng(0)
    x = rng.random((6, 16, 16, 1)).astype(np.float32)
    y = (x > 0.5).astype(np.float32)
    a, b = (unet._augmented_batches(x, y, unet.Augment(), 4, seed=1) for _ in range(2))
    assert len(a) == 2 and a[1][0].shape == (2, 16, 16, 1)
    first = a[0][0]
    np.testing.assert_array_equal(first, b[0][0])
    a.on_epoch_end()
    assert not np.array_equal(first, a[0][0])
