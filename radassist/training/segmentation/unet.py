"""The lung-segmentation U-Net: architecture, data (split by patient), augmentation and training.

Training only: TensorFlow/Keras are imported inside the functions, never at import time. The shipped
model runs on LiteRT through :mod:`radassist.core.lungs`.

Preprocessing is the one model-input rule of RadAssist, for a single gray channel: 8-bit display image
-> squashed to the model size with INTER_AREA -> /255 (see :func:`unet_input`).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from radassist.core.digest import sha256_file
from radassist.core.errors import DatasetError, TrainingError
from radassist.core.lungs import unet_input
from radassist.training.metrics import bootstrap_ci
from radassist.training.split import patient_holdout

SOURCES_ORDER = ("Montgomery", "Shenzhen", "JSRT")


# --- architecture -------------------------------------------------------------------------------------
def build_unet(size: int = 256, base_filters: int = 16, levels: int = 4, dropout: float = 0.1) -> Any:
    """U-Net (Ronneberger et al. 2015): ``levels`` down-sampling steps of two 3x3 conv + BatchNorm + ReLU,
    a bottleneck, and a mirrored decoder with transposed-conv up-sampling and skip connections.

    Input "image" (size, size, 1) in [0, 1]; output "lungs" (size, size, 1) sigmoid probability.
    """
    import keras
    from keras import layers

    if size % (2 ** levels):
        raise ValueError(f"size {size} must be divisible by 2**levels = {2 ** levels}")

    def block(x, filters, name):
        for i in (1, 2):
            x = layers.Conv2D(filters, 3, padding="same", use_bias=False, kernel_initializer="he_normal",
                              name=f"{name}_conv{i}")(x)
            x = layers.BatchNormalization(name=f"{name}_bn{i}")(x)
            x = layers.ReLU(name=f"{name}_relu{i}")(x)
        return x

    inp = keras.Input((size, size, 1), name="image")
    x = inp
    skips = []
    for lvl in range(levels):
        x = block(x, base_filters * 2 ** lvl, f"enc{lvl}")
        skips.append(x)
        x = layers.MaxPooling2D(2, name=f"pool{lvl}")(x)
    x = block(x, base_filters * 2 ** levels, "bottleneck")
    if dropout:
        x = layers.SpatialDropout2D(dropout, name="bottleneck_dropout")(x)
    for lvl in reversed(range(levels)):
        f = base_filters * 2 ** lvl
        x = layers.Conv2DTranspose(f, 2, strides=2, padding="same", name=f"up{lvl}")(x)
        x = layers.Concatenate(name=f"skip{lvl}")([x, skips[lvl]])
        x = block(x, f, f"dec{lvl}")
    out = layers.Conv2D(1, 1, activation="sigmoid", dtype="float32", name="lungs")(x)
    return keras.Model(inp, out, name="lung_unet")


def mask_target(mask_u8: np.ndarray, size: int) -> np.ndarray:
    """{0,255} mask -> float32 (size, size, 1) area fraction: soft edges carry sub-pixel boundary position."""
    import cv2

    m = (np.asarray(mask_u8) > 127).astype(np.float32)
    return cv2.resize(m, (size, size), interpolation=cv2.INTER_AREA)[..., None]


# --- data ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pair:
    image: str  # relative to the data folder
    mask: str
    source: str
    patient_id: str
    label: str
    split: str = ""
    image_sha256: str = ""
    mask_sha256: str = ""


def read_pairs(data_dir: Path) -> list[Pair]:
    csv_path = Path(data_dir) / "pairs.csv"
    if not csv_path.is_file():
        raise DatasetError(f"{csv_path} not found.",
                           hint="Point --data at a folder with pairs.csv, images/ and masks/.")
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    need = {"image", "mask", "source", "patient_id"}
    if not rows or not need <= set(rows[0]):
        raise DatasetError(f"{csv_path} is empty or lacks columns {sorted(need)}.")
    return [Pair(r["image"], r["mask"], r["source"], r["patient_id"], r.get("label", "")) for r in rows]


def split_by_patient(pairs: list[Pair], val_fraction: float, seed: int) -> list[Pair]:
    """Assign "train"/"val" per patient (all rows of a patient together), stratified by source and label."""
    val = patient_holdout([p.patient_id for p in pairs], [(p.source, p.label) for p in pairs],
                          val_fraction=val_fraction, seed=seed)
    return [Pair(**{**p.__dict__, "split": "val" if v else "train"}) for p, v in zip(pairs, val, strict=True)]


def manifest_csv(pairs: list[Pair]) -> str:
    """The split manifest (one row per pair, with file hashes); its SHA-256 goes into the model card."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["image", "mask", "source", "patient_id", "label", "split", "image_sha256", "mask_sha256"])
    for p in pairs:
        w.writerow([p.image, p.mask, p.source, p.patient_id, p.label, p.split, p.image_sha256, p.mask_sha256])
    return buf.getvalue()


def load_arrays(data_dir: Path, pairs: list[Pair], size: int) -> tuple[list[Pair], np.ndarray, np.ndarray]:
    """Read every pair (hashing the files) into (N, size, size, 1) image and target arrays."""
    import cv2

    data_dir = Path(data_dir)
    xs, ys, out = [], [], []
    for p in pairs:
        ip, mp = data_dir / p.image, data_dir / p.mask
        img = cv2.imread(str(ip), cv2.IMREAD_GRAYSCALE)
        msk = cv2.imread(str(mp), cv2.IMREAD_GRAYSCALE)
        if img is None or msk is None:
            raise DatasetError(f"Cannot read the pair {ip} / {mp}.", hint="Check the files listed in pairs.csv.")
        if img.shape != msk.shape:
            raise DatasetError(f"{ip} and its mask differ in size ({img.shape} vs {msk.shape}).")
        xs.append(unet_input(img, size))
        ys.append(mask_target(msk, size))
        out.append(Pair(**{**p.__dict__, "image_sha256": sha256_file(ip), "mask_sha256": sha256_file(mp)}))
    return out, np.stack(xs), np.stack(ys)


# --- augmentation -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Augment:
    """Geometric (same warp for image and mask) and photometric (image only) jitter.

    No flips: left/right anatomy is not symmetric (heart on the left) and flipped films do not occur in a
    correctly oriented PA/AP study, so a flip would teach the model a view it never sees.
    """

    rotation_deg: float = 10.0
    shift: float = 0.06
    zoom: float = 0.10
    brightness: float = 0.10
    contrast: float = 0.20
    gamma: float = 0.25

    def apply(self, x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        import cv2

        n, h, w = x.shape[:3]
        xo = np.empty_like(x)
        yo = np.empty_like(y)
        for i in range(n):
            ang = rng.uniform(-self.rotation_deg, self.rotation_deg)
            sc = rng.uniform(1 - self.zoom, 1 + self.zoom)
            tx, ty = rng.uniform(-self.shift, self.shift, 2) * (w, h)
            m = cv2.getRotationMatrix2D((w / 2, h / 2), ang, sc)
            m[:, 2] += (tx, ty)
            xi = cv2.warpAffine(x[i, ..., 0], m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
            yi = cv2.warpAffine(y[i, ..., 0], m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
            g = math.exp(rng.uniform(-self.gamma, self.gamma))
            xi = np.clip(xi, 0, 1) ** g
            c = rng.uniform(1 - self.contrast, 1 + self.contrast)
            b = rng.uniform(-self.brightness, self.brightness)
            xi = np.clip((xi - 0.5) * c + 0.5 + b, 0.0, 1.0)
            xo[i, ..., 0] = xi
            yo[i, ..., 0] = yi
        return xo, yo


# --- loss and metrics ---------------------------------------------------------------------------------
def dice_bce_loss(y_true, y_pred):
    """BCE (pixel-wise calibration) + soft Dice (overlap, insensitive to the lung/background imbalance)."""
    import keras
    from keras import ops

    eps = 1.0
    bce = ops.mean(keras.losses.binary_crossentropy(y_true, y_pred))
    inter = ops.sum(y_true * y_pred, axis=(1, 2, 3))
    denom = ops.sum(y_true, axis=(1, 2, 3)) + ops.sum(y_pred, axis=(1, 2, 3))
    dice = (2.0 * inter + eps) / (denom + eps)
    return bce + 1.0 - ops.mean(dice)


def dice_iou(pred: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Dice and IoU of two boolean masks (1.0 both when both are empty)."""
    p, t = np.asarray(pred, bool), np.asarray(truth, bool)
    inter = float(np.logical_and(p, t).sum())
    s = float(p.sum() + t.sum())
    union = float(np.logical_or(p, t).sum())
    if s == 0:
        return 1.0, 1.0
    return 2 * inter / s, inter / union


def mean_ci(values: list[float], *, groups: list[str] | None = None, seed: int = 0,
            n_boot: int = 2000) -> dict[str, Any]:
    """Mean with a 95 % percentile-bootstrap confidence interval (patients resampled when ``groups``)."""
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        return {"mean": float("nan"), "ci95": [float("nan"), float("nan")], "n": 0}
    lo, hi = bootstrap_ci(lambda idx: float(v[idx].mean()), v.size, groups=groups, n_boot=n_boot, seed=seed)
    return {"mean": round(float(v.mean()), 4), "ci95": [round(lo, 4), round(hi, 4)], "n": int(v.size)}


def dice_metric(name: str = "dice") -> Any:
    """Keras metric: mean over images of the Dice of (prediction > 0.5) and (target > 0.5), as
    :func:`dice_iou` counts it (1 when both are empty); on validation it is ``val_dice``."""
    import keras
    from keras import ops

    class HardDice(keras.metrics.Mean):
        def update_state(self, y_true, y_pred, sample_weight=None):
            t = ops.cast(y_true > 0.5, "float32")
            p = ops.cast(y_pred > 0.5, "float32")
            inter = ops.sum(t * p, axis=(1, 2, 3))
            total = ops.sum(t, axis=(1, 2, 3)) + ops.sum(p, axis=(1, 2, 3))
            dice = ops.where(total > 0, 2.0 * inter / ops.maximum(total, 1.0), 1.0)
            return super().update_state(dice, sample_weight=sample_weight)

    return HardDice(name=name)


# --- training -----------------------------------------------------------------------------------------
@dataclass
class TrainConfig:
    data: Path
    out: Path
    epochs: int = 40
    seed: int = 20261122
    size: int = 256
    base_filters: int = 16
    levels: int = 4
    batch_size: int = 8
    learning_rate: float = 1e-3
    val_fraction: float = 0.15
    patience: int = 8
    limit: int = 0  # use only the first N pairs (smoke tests)
    augment: Augment = field(default_factory=Augment)
    time_budget_s: float = 0.0  # stop after the epoch that crosses it (0 = none)
    checkpoint: Path | None = None  # best weights so far (.weights.h5), written on every improvement


@dataclass(frozen=True)
class TrainResult:
    model: Any
    pairs: list[Pair]
    history: list[dict[str, float]]
    best_epoch: int
    stopped: str


def _augmented_batches(x: np.ndarray, y: np.ndarray, augment: Augment, batch_size: int, seed: int) -> Any:
    """A ``keras.utils.PyDataset`` of freshly augmented, reshuffled training batches every epoch; a batch is
    a pure function of (seed, epoch, index), so runs repeat exactly."""
    import keras

    class Batches(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.epoch = 0

        def __len__(self):
            return math.ceil(len(x) / batch_size)

        def __getitem__(self, idx):
            order = np.random.default_rng((seed, self.epoch)).permutation(len(x))
            pick = order[idx * batch_size:(idx + 1) * batch_size]
            return augment.apply(x[pick], y[pick], np.random.default_rng((seed, self.epoch, idx)))

        def on_epoch_end(self):
            self.epoch += 1

    return Batches()


def _epoch_callback(cfg: TrainConfig, history: list[dict[str, Any]],
                    progress: Callable[[dict[str, Any]], None] | None) -> Any:
    """Records one row per epoch (loss, val Dice, LR, seconds), reports it, and stops after the epoch that
    crosses ``cfg.time_budget_s`` (early stopping and the LR plateau are Keras' own callbacks)."""
    import keras

    class EpochLog(keras.callbacks.Callback):
        best, best_epoch, out_of_time = -1.0, 0, False

        def on_train_begin(self, logs=None):
            self._start = time.perf_counter()

        def on_epoch_begin(self, epoch, logs=None):
            self._t0 = time.perf_counter()
            self._lr = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            rec = {"epoch": epoch + 1, "loss": float(logs.get("loss", float("nan"))),
                   "val_dice": float(logs.get("val_dice", float("nan"))), "lr": self._lr,
                   "seconds": time.perf_counter() - self._t0}
            history.append(rec)
            if rec["val_dice"] > self.best:
                self.best, self.best_epoch = rec["val_dice"], rec["epoch"]
            if progress:
                progress({**rec, "epochs": cfg.epochs, "best": self.best, "best_epoch": self.best_epoch})
            if cfg.time_budget_s and time.perf_counter() - self._start > cfg.time_budget_s:
                self.out_of_time = True
                self.model.stop_training = True

    return EpochLog()


def train(cfg: TrainConfig, progress: Callable[[dict[str, float]], None] | None = None) -> TrainResult:
    """Train with Adam on Dice+BCE; Keras stops early on validation Dice (best weights kept) and halves the
    learning rate on a plateau. Seeded."""
    import keras

    keras.utils.set_random_seed(cfg.seed)
    pairs = read_pairs(cfg.data)
    if cfg.limit:
        pairs = pairs[: cfg.limit]
    pairs = split_by_patient(pairs, cfg.val_fraction, cfg.seed)
    if not any(p.split == "val" for p in pairs) or not any(p.split == "train" for p in pairs):
        raise DatasetError("The split left no training or no validation pairs.",
                           hint="Use more pairs or another --val-fraction.")
    pairs, x, y = load_arrays(cfg.data, pairs, cfg.size)
    tr = np.array([p.split == "train" for p in pairs])
    model = build_unet(cfg.size, cfg.base_filters, cfg.levels)
    model.compile(optimizer=keras.optimizers.Adam(cfg.learning_rate), loss=dice_bce_loss, metrics=[dice_metric()])
    history: list[dict[str, Any]] = []
    stop = keras.callbacks.EarlyStopping(monitor="val_dice", mode="max", patience=cfg.patience,
                                         restore_best_weights=True)
    callbacks = [keras.callbacks.TerminateOnNaN(), stop,
                 keras.callbacks.ReduceLROnPlateau(monitor="val_dice", mode="max", factor=0.5,
                                                   patience=max(1, cfg.patience // 2), min_delta=0.0)]
    if cfg.checkpoint:
        callbacks.append(keras.callbacks.ModelCheckpoint(str(cfg.checkpoint), monitor="val_dice", mode="max",
                                                         save_best_only=True, save_weights_only=True))
    log = _epoch_callback(cfg, history, progress)
    model.fit(_augmented_batches(x[tr], y[tr], cfg.augment, cfg.batch_size, cfg.seed),
              validation_data=(x[~tr], y[~tr]), validation_batch_size=16, epochs=cfg.epochs, verbose=0,
              callbacks=[*callbacks, log])
    if history and not np.isfinite(history[-1]["loss"]):
        raise TrainingError(f"The loss became {history[-1]['loss']} at epoch {history[-1]['epoch']}.",
                            hint="Lower --lr or check the data.")
    stopped = "early stopping" if stop.stopped_epoch else "time budget" if log.out_of_time else "epochs"
    return TrainResult(model, pairs, history, log.best_epoch, stopped)


# --- packaging and evaluation -------------------------------------------------------------------------
PACKAGE_ID = "lung-unet"
LICENSES = [
    "Montgomery County and Shenzhen Hospital chest X-ray sets: U.S. National Library of Medicine; cite "
    "Jaeger S, Candemir S, Antani S, Wang YXJ, Lu PX, Thoma G. Two public chest X-ray datasets for "
    "computer-aided screening of pulmonary diseases. Quant Imaging Med Surg 2014;4(6):475-477. Montgomery "
    "masks: Candemir S et al., IEEE TMI 2014;33(2):577-590; Jaeger S et al., IEEE TMI 2014;33(2):233-245. "
    "NLM asks users not to share the sets outside their research group or organisation.",
    "Shenzhen lung masks: Stirenko S et al., Chest X-Ray Analysis of Tuberculosis by Deep Learning with "
    "Segmentation and Augmentation, IEEE ELNANO 2018 (arXiv:1803.01199); licensed CC BY-NC-SA 4.0 "
    "(non-commercial, share-alike). This model is trained on them, so it is for non-commercial use.",
    "JSRT: Shiraishi J et al., AJR 2000;174:71-74, research use under the JSRT database terms "
    "(db.jsrt.or.jp). Lung contours from SCR: van Ginneken B, Stegmann MB, Loog M, Med Image Anal "
    "2006;10(1):19-40, via Gaggion N et al., IEEE TMI 2022 (doi:10.1109/TMI.2022.3224660).",
]
INTENDED_USE = ("Outline both lung fields on frontal (PA/AP) adult chest radiographs, to show where the lungs "
                "are, to estimate lung area and to check how much of a classifier heatmap falls inside the "
                "lungs. A display aid for clinicians; not a diagnostic device and not for measurements that "
                "drive treatment.")
LIMITATIONS = [
    "Trained on 3 public sources (Montgomery, Shenzhen, JSRT), 8-bit images of at most 512 px; not "
    "validated on other hospitals, portable/ICU films, children, lateral views or post-operative chests.",
    "Mask conventions differ by source: Montgomery draws the anatomical boundary over pathology, "
    "JSRT/SCR the visible lung field (following the heart border), Shenzhen masks are coarser; dense "
    "consolidation or effusion may be left out of the mask.",
    "The area in cm² is only as good as the PixelSpacing of the file; without a patient-plane spacing the "
    "area is given in pixels.",
    "Non-commercial use only (CC BY-NC-SA 4.0 training masks).",
]
PREPROCESSING = ("display.render_uint8(image) with the default window (PNG/JPEG: the 8-bit gray image) -> "
                 "cv2.resize to HxW with INTER_AREA, squashing without keeping the aspect ratio -> /255, "
                 "one channel")


def _save_clean(model: Any, cfg: TrainConfig, path: Path) -> Path:
    """model.keras without optimizer state or the custom loss: a fresh, uncompiled copy of the weights."""
    clean = build_unet(cfg.size, cfg.base_filters, cfg.levels)
    clean.set_weights(model.get_weights())
    clean.save(path)
    return path


def evaluate_package(pkg_dir: Path, data_dir: Path, pairs: list[Pair], *, split: str = "val",
                     seed: int = 0) -> dict[str, Any]:
    """Dice and IoU of the packaged model (LiteRT + post-processing) at the mask files' resolution,
    per source and overall, mean with bootstrap 95 % CI."""
    import cv2

    from radassist.core.lungs import LungSegmenter

    seg = LungSegmenter.load(pkg_dir)
    per: dict[str, dict[str, list[Any]]] = {}
    cases, patients = [], []
    for p in pairs:
        if split and p.split != split:
            continue
        img = cv2.imread(str(Path(data_dir) / p.image), cv2.IMREAD_GRAYSCALE)
        truth = cv2.imread(str(Path(data_dir) / p.mask), cv2.IMREAD_GRAYSCALE) > 127
        d, j = dice_iou(seg.segment_u8(img).mask, truth)
        src = per.setdefault(p.source, {"dice": [], "iou": [], "patients": []})
        src["dice"].append(d)
        src["iou"].append(j)
        src["patients"].append(p.patient_id)
        patients.append(p.patient_id)
        cases.append({"image": p.image, "source": p.source, "dice": round(d, 4), "iou": round(j, 4)})
    every = {"dice": [c["dice"] for c in cases], "iou": [c["iou"] for c in cases], "patients": patients}
    src_keys = [s for s in SOURCES_ORDER if s in per] + sorted(set(per) - set(SOURCES_ORDER))
    return {
        "split": split, "n": len(cases),
        "evaluated_at": "mask file resolution (longer side 512 px), after post-processing, LiteRT",
        "ci": "percentile bootstrap over patients, 2000 resamples",
        "dice": mean_ci(every["dice"], groups=every["patients"], seed=seed),
        "iou": mean_ci(every["iou"], groups=every["patients"], seed=seed),
        "per_source": {s: {m: mean_ci(per[s][m], groups=per[s]["patients"], seed=seed) for m in ("dice", "iou")}
                       for s in src_keys},
        "worst_cases": sorted(cases, key=lambda c: c["dice"])[:5],
    }


def write_segmentation_package(result: TrainResult, cfg: TrainConfig, out: Path, *, command: str,
                               version: str = "1.0.0", model_id: str = PACKAGE_ID) -> Path:
    """model.keras + model.tflite + split_manifest.csv + model_card.json (with validation metrics)."""
    from radassist.training import export

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    keras_path = _save_clean(result.model, cfg, out / "model.keras")
    with contextlib.redirect_stdout(io.StringIO()):  # the converter prints the whole traced signature
        tflite_path = export.convert_to_tflite(result.model, out / "model.tflite")
    manifest = manifest_csv(result.pairs)
    manifest_path = out / "split_manifest.csv"
    manifest_path.write_text(manifest, encoding="utf-8")
    counts: dict[str, dict[str, int]] = {}
    for p in result.pairs:
        counts.setdefault(p.split, {}).setdefault(p.source, 0)
        counts[p.split][p.source] += 1
    card: dict[str, Any] = {
        "id": model_id, "version": version, "task": "segmentation", "labels": ["lungs"],
        "input": {"size": [cfg.size, cfg.size], "channels": 1, "preprocessing": PREPROCESSING},
        "inputs": [{"name": "image", "shape": ["N", cfg.size, cfg.size, 1], "dtype": "float32", "range": [0, 1],
                    "description": "lungs.unet_input: the 8-bit picture squashed to the model size, / 255"}],
        "outputs": [{"name": "output_0", "shape": ["N", cfg.size, cfg.size, 1], "dtype": "float32", "range": [0, 1],
                     "description": "per-pixel lung probability (sigmoid)"}],
        "intended_use": INTENDED_USE, "limitations": LIMITATIONS,
        "base_weights": None,  # trained from scratch (He-normal init), no pretrained encoder
        "data_manifest_sha256": hashlib.sha256(manifest.encode("utf-8")).hexdigest(),
        "training_command": command, "metrics": {}, "licenses": LICENSES, "explain": {},
        "files": {"keras": {"dtype": "float32"}, "tflite": {"dtype": "float32"}, "split_manifest": {"dtype": "csv"}},
        "architecture": {"name": "U-Net", "levels": cfg.levels, "base_filters": cfg.base_filters,
                         "parameters": int(result.model.count_params()), "output": "lungs (sigmoid)"},
        "postprocessing": {"threshold": 0.5, "resize": "probabilities bilinear to the original size",
                           "components": "at most 2 (second kept if >= 10% of the largest)",
                           "holes": "filled per lung"},
        "training": {"data": "lung_masks (Montgomery, Shenzhen, JSRT; 338 pairs)", "split": counts,
                     "split_rule": f"by patient_id (split.patient_holdout, StratifiedGroupKFold), stratified by source "
                                   f"and label, val fraction "
                                   f"{cfg.val_fraction}, seed {cfg.seed}",
                     "loss": "BCE + soft Dice", "optimizer": f"Adam lr {cfg.learning_rate}, halved after {max(1, cfg.patience // 2)} epochs without a "
                                      "better validation Dice (ReduceLROnPlateau)",
                     "augmentation": {k: getattr(cfg.augment, k) for k in cfg.augment.__dataclass_fields__},
                     "flips": "none (anatomy is not left/right symmetric)",
                     "epochs_run": len(result.history), "best_epoch": result.best_epoch,
                     "stopped_by": result.stopped, "batch_size": cfg.batch_size,
                     "history": [{k: round(v, 4) if isinstance(v, float) else v for k, v in h.items()}
                                 for h in result.history]},
    }
    files = {"keras": keras_path, "tflite": tflite_path, "split_manifest": manifest_path}
    export.write_package(out, card, files)
    card["metrics"] = {"validation": evaluate_package(out, cfg.data, result.pairs, seed=cfg.seed)}
    return export.write_package(out, card, files)
