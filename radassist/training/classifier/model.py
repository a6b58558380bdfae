"""The classifier architecture every part of RadAssist relies on (the shared contract).

input "image" (H, W, 3) float32 in [-1, 1] -> nested backbone model "backbone" (last conv feature map)
-> GlobalAveragePooling2D "gap" -> Dropout "dropout" -> Dense "logits" -> sigmoid "probs".
A GAP -> dense head makes CAM equal Grad-CAM at the last conv layer, which the export relies on.
Base weights are checked against the ``SHA256SUMS`` that sits beside them before Keras reads them: a
swapped or damaged file would silently give a different model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from radassist.core.digest import sha256_file
from radassist.core.errors import ModelError, ModelIntegrityError

BACKBONES = ("mobilenet_v2", "mobilenet_v2_scratch")
#: the layer that starts the top of the MobileNetV2 backbone unfrozen in phase 2
FINETUNE_FROM = "block_13_expand"


def expectedsha256_file(weights: Path, sums: Path | None = None) -> str:
    """The hash ``SHA256SUMS`` (beside the weights unless given) lists for this file name."""
    sums = Path(sums) if sums is not None else weights.parent / "SHA256SUMS"
    if not sums.is_file():
        raise ModelIntegrityError(f"Cannot verify {weights}: no SHA256SUMS at {sums}.",
                                  hint="Keep base weights next to the SHA256SUMS that lists them.")
    for line in sums.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("*") == weights.name:
            return parts[0].lower()
    raise ModelIntegrityError(f"{sums} does not list {weights.name}.",
                              hint="Use the weights file named in SHA256SUMS.")


def verify_weights(weights: str | Path, sums: str | Path | None = None) -> str:
    """Return the file's sha256 if it matches SHA256SUMS; ModelIntegrityError otherwise."""
    path = Path(weights)
    if not path.is_file():
        raise ModelIntegrityError(f"Base weights {path} are missing.", hint="Check the --weights path.")
    want = expectedsha256_file(path, Path(sums) if sums is not None else None)
    have = sha256_file(path)
    if have != want:
        raise ModelIntegrityError(f"Base weights {path} are damaged or were replaced (sha256 {have}, "
                                  f"SHA256SUMS expects {want}). They will not be loaded.",
                                  hint="Restore the original weights file.")
    return have


def build_backbone(backbone: str = "mobilenet_v2", weights: str | Path | None = None, input_size: int = 224,
                   *, alpha: float = 1.0, sums: str | Path | None = None) -> Any:
    """A MobileNetV2 without top, named "backbone"; ImageNet weights from ``weights`` (verified) or random."""
    import keras

    if backbone not in BACKBONES:
        raise ModelError(f"Unknown backbone {backbone!r}.", hint=f"Choose one of: {', '.join(BACKBONES)}.")
    if backbone == "mobilenet_v2_scratch":
        weights = None
    if weights is not None:
        verify_weights(weights, sums)
    try:
        return keras.applications.MobileNetV2(
            input_shape=(input_size, input_size, 3), alpha=alpha, include_top=False,
            weights=str(weights) if weights is not None else None, name="backbone")
    except (ValueError, OSError) as exc:
        raise ModelError(f"Could not build the {backbone} backbone ({exc}).") from exc


def build_classifier(backbone: str = "mobilenet_v2", labels: tuple[str, ...] | list[str] = ("pneumonia",),
                     weights: str | Path | None = None, input_size: int = 224, dropout: float = 0.2,
                     *, alpha: float = 1.0, sums: str | Path | None = None, seed: int | None = None) -> Any:
    """The classifier (see module docstring): outputs "probs" (N, len(labels)).

    ``backbone="mobilenet_v2"`` with ``weights=None`` (or ``"mobilenet_v2_scratch"``) starts from random
    weights. A pretrained backbone is called with ``training=False`` so its BatchNorm layers keep their
    ImageNet statistics even when unfrozen for fine-tuning (the usual Keras transfer-learning recipe); a
    random one lets BatchNorm learn (it has no statistics worth keeping).
    """
    import keras

    labels = tuple(labels)
    if not labels:
        raise ModelError("A classifier needs at least one label.")
    if seed is not None:
        keras.utils.set_random_seed(seed)
    base = build_backbone(backbone, weights, input_size, alpha=alpha, sums=sums)
    inp = keras.Input(shape=(input_size, input_size, 3), name="image", dtype="float32")
    if is_pretrained(backbone, weights):
        fmap = base(inp, training=False)
    else:
        # Random weights: BatchNorm must learn its statistics, and fast (Keras' MobileNetV2 uses 0.999).
        for layer in base.layers:
            if isinstance(layer, keras.layers.BatchNormalization):
                layer.momentum = 0.9
        fmap = base(inp)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(fmap)
    x = keras.layers.Dropout(dropout, name="dropout")(x)
    logits = keras.layers.Dense(len(labels), name="logits")(x)
    probs = keras.layers.Activation("sigmoid", name="probs")(logits)
    return keras.Model(inp, probs, name="radassist_classifier")


def is_pretrained(backbone: str, weights: str | Path | None) -> bool:
    return backbone == "mobilenet_v2" and weights is not None


def set_backbone_trainable(model: Any, finetune_from: str | None, *, train_bn: bool = False) -> int:
    """Freeze the whole backbone (None) or unfreeze it from layer ``finetune_from`` on; returns the
    number of trainable backbone layers with weights. BatchNorm stays frozen unless ``train_bn``
    (pretrained statistics would be wrecked by small, augmented batches)."""
    import keras

    base = model.get_layer("backbone")
    if finetune_from is None:
        base.trainable = False
        return 0
    base.trainable = True
    names = [layer.name for layer in base.layers]
    if finetune_from not in names:
        raise ModelError(f"The backbone has no layer {finetune_from!r} to fine-tune from.")
    start = names.index(finetune_from)
    n = 0
    for i, layer in enumerate(base.layers):
        on = i >= start and (train_bn or not isinstance(layer, keras.layers.BatchNormalization))
        layer.trainable = on
        n += int(on and bool(layer.weights))
    return n
