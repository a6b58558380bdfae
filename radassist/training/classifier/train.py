"""Two-phase transfer learning, then calibration, validation report and the model package.

Phase 1 trains the head on a frozen ImageNet backbone (large LR: only 1,281 weights per label move).
Phase 2 unfreezes the top of the backbone (from ``block_13_expand``: the 7x7/14x14 blocks, whose
features are the most ImageNet-specific) with a 10x lower LR so the pretrained filters are adapted, not
erased; it stops early when validation AUROC has not improved for ``patience`` epochs, and the best
weights over both phases are kept. Class imbalance: each image is weighted so both classes weigh the
same in the loss (per label). Everything is seeded; the split goes into a manifest whose sha256 is in
the card.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from radassist.core.errors import DatasetError, TrainingError
from radassist.training.classifier.model import (
    FINETUNE_FROM,
    build_classifier,
    is_pretrained,
    set_backbone_trainable,
    verify_weights,
)
from radassist.training.datasets import Dataset, load_dataset
from radassist.training.split import TRAIN, VAL, Split, patient_split, write_manifest

log = logging.getLogger(__name__)


#: who the Kermany-trained classifier is for; core.analysis warns when a file's patient age is outside it
INTENDED_POPULATION = {"age_years": [0, 18],
                       "description": "children (the training images are of children aged 1-5 from one hospital)"}


@dataclass(frozen=True)
class TrainConfig:
    data: str
    out: str
    csv: str | None = None
    backbone: str = "mobilenet_v2"
    weights: str | None = None
    epochs_frozen: int = 4
    epochs_finetune: int = 6
    lr_frozen: float = 1e-3
    lr_finetune: float = 1e-4
    batch_size: int = 32
    seed: int = 0
    val_fraction: float = 0.2
    patience: int = 2
    finetune_from: str = FINETUNE_FROM
    input_size: int = 224
    alpha: float = 1.0
    dropout: float = 0.2
    train_subsample: float = 1.0
    class_weights: bool = True
    #: above the 0.95 goal: a threshold placed exactly at 0.95 on validation misses it on new images half the time
    target_sensitivity: float = 0.97
    labels: tuple[str, ...] | None = None
    model_id: str = "cxr-pneumonia"
    model_version: str = "1.0.0"
    export: bool = True
    float16: bool = False
    reuse_fit: bool = False
    verbose: int = 2


@dataclass(frozen=True)
class TrainResult:
    out: Path
    package: Path | None
    manifest_sha256: str
    epochs: list[dict[str, Any]] = field(default_factory=list)
    best_epoch: int = 0
    wall_s: float = 0.0
    report: dict[str, Any] = field(default_factory=dict)


def class_weighted_samples(targets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-label weights (pos, neg) that give both classes equal total weight, and the per-image weight
    (mean over labels of the weight of its class) used for single-label sample weighting."""
    t = np.asarray(targets, np.float64)
    n = len(t)
    pos = t.sum(axis=0)
    if np.any(pos == 0) or np.any(pos == n):
        raise DatasetError("Every label needs positive and negative training images.",
                           hint="Check the class folders / CSV labels.")
    w_pos, w_neg = n / (2.0 * pos), n / (2.0 * (n - pos))
    per_image = (t * w_pos + (1 - t) * w_neg).mean(axis=1)
    return w_pos, w_neg, per_image


def weighted_bce(w_pos: np.ndarray, w_neg: np.ndarray) -> Callable:
    """Binary cross-entropy on probabilities with per-label class weights."""
    import keras
    from keras import ops

    wp = ops.convert_to_tensor(np.asarray(w_pos, np.float32))
    wn = ops.convert_to_tensor(np.asarray(w_neg, np.float32))

    def loss(y_true, y_pred):
        p = ops.clip(y_pred, keras.config.epsilon(), 1.0 - keras.config.epsilon())
        y = ops.cast(y_true, p.dtype)
        per = -(wp * y * ops.log(p) + wn * (1.0 - y) * ops.log(1.0 - p))
        return ops.mean(per, axis=-1)

    return loss


def _epoch_log(progress: Callable[[str], None], phase: str, rows: list[dict[str, Any]], best: dict[str, Any]):
    """A Keras callback that prints one line per epoch and records it in ``rows``; ``best`` (value, epoch)
    marks the epochs that improved validation AUROC (early stopping and best weights are Keras' own)."""
    import keras

    class EpochLog(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self._t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            logs = dict(logs or {})
            auc = float(logs.get("val_auroc", float("nan")))
            row = {"epoch": len(rows) + 1, "phase": phase, "seconds": round(time.perf_counter() - self._t0, 1),
                   **{k: round(float(v), 5) for k, v in logs.items() if isinstance(v, (int, float, np.floating))}}
            row["best"] = improved = not math.isnan(auc) and auc > best["value"]
            if improved:
                best.update(value=auc, epoch=row["epoch"])
            rows.append(row)
            progress(f"epoch {row['epoch']:>2} [{phase}] loss {logs.get('loss', float('nan')):.4f}  "
                     f"auroc {logs.get('auroc', float('nan')):.4f}  val_loss {logs.get('val_loss', float('nan')):.4f}  "
                     f"val_auroc {auc:.4f}{'  *best' if improved else ''}  ({row['seconds']:.0f} s)")

    return EpochLog()


def logits_model(model: Any) -> Any:
    import keras

    return keras.Model(model.input, model.get_layer("logits").output, name="classifier_logits")


def predict_logits(model: Any, dataset: Any) -> np.ndarray:
    """Logits for every batch of a tf.data set of images (compiled once, no dropout)."""
    import tensorflow as tf

    lm = logits_model(model)
    fn = tf.function(lambda x: lm(x, training=False), reduce_retracing=True)
    out = [fn(x).numpy() for x in dataset]
    return np.concatenate(out, axis=0) if out else np.zeros((0, model.output_shape[-1]), np.float32)


def save_without_optimizer(model: Any, path: Path) -> None:
    """A .keras file of the weights and graph only (no optimizer slots: 3x smaller)."""
    import keras

    # A new, never-compiled Model over the same layers: shares the weights, carries no optimizer or loss.
    keras.Model(model.inputs, model.outputs, name=model.name).save(path)


def _subsample_patients(records, fraction: float, seed: int):
    if fraction >= 1.0:
        return records
    patients = sorted({r.patient for r in records})
    rng = np.random.default_rng(seed + 1)
    keep = set(rng.choice(patients, size=max(2, round(fraction * len(patients))), replace=False))
    return tuple(r for r in records if r.patient in keep)


def fit(cfg: TrainConfig, progress: Callable[[str], None] = print) -> tuple[Any, Split, str, dict[str, Any]]:
    """Phases 1 and 2; returns (model with the best weights, split, manifest sha256, training log)."""
    import keras

    from radassist.training.classifier.pipeline import Augment, make_dataset

    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(cfg.seed)
    ds: Dataset = load_dataset(cfg.data, cfg.csv, cfg.labels)
    for note in ds.notes:
        progress(f"note: {note}")
    split = patient_split(ds, cfg.val_fraction, cfg.seed)
    manifest_sha = write_manifest(split, out / "manifest.json")
    train_recs = _subsample_patients(split.records(TRAIN), cfg.train_subsample, cfg.seed)
    val_recs = split.records(VAL)
    if not train_recs or not val_recs:
        raise DatasetError("The split left a fold empty.", hint="Use more images or another --val-fraction.")
    y_tr = np.array([r.targets for r in train_recs], np.float32)
    y_va = np.array([r.targets for r in val_recs], np.float32)
    progress(f"data: {len(ds.records)} images, labels {list(ds.labels)}; train {len(train_recs)} images "
             f"({len({r.patient for r in train_recs})} patients), val {len(val_recs)} images "
             f"({len({r.patient for r in val_recs})} patients); manifest sha256 {manifest_sha}")
    if cfg.class_weights:
        w_pos, w_neg, _ = class_weighted_samples(y_tr)
    else:
        w_pos = w_neg = np.ones(len(ds.labels))
    size = (cfg.input_size, cfg.input_size)
    train_ds = make_dataset([ds.abspath(r) for r in train_recs], y_tr, size=size, batch_size=cfg.batch_size,
                            shuffle=True, augment=Augment(), seed=cfg.seed)
    val_ds = make_dataset([ds.abspath(r) for r in val_recs], y_va, size=size, batch_size=cfg.batch_size)

    model = build_classifier(cfg.backbone, ds.labels, cfg.weights, cfg.input_size, cfg.dropout,
                             alpha=cfg.alpha, seed=cfg.seed)
    loss = weighted_bce(w_pos, w_neg)
    rows: list[dict[str, Any]] = []
    best: dict[str, Any] = {"value": -1.0, "epoch": 0, "weights": None}

    pretrained = is_pretrained(cfg.backbone, cfg.weights)
    if not pretrained:
        progress("random initialisation: the whole backbone, BatchNorm included, trains in both phases "
                 "(freezing random features would teach nothing); the schedule is otherwise the same")

    def run_phase(phase: str, epochs: int, lr: float, finetune_from: str | None, patience: int | None) -> None:
        if epochs <= 0:
            return
        if pretrained:
            n_trainable = set_backbone_trainable(model, finetune_from)
        else:
            n_trainable = set_backbone_trainable(model, model.get_layer("backbone").layers[1].name, train_bn=True)
        auc = keras.metrics.AUC(num_thresholds=1000, multi_label=len(ds.labels) > 1,
                                num_labels=len(ds.labels) if len(ds.labels) > 1 else None, name="auroc")
        model.compile(optimizer=keras.optimizers.Adam(lr), loss=loss, metrics=[auc])
        progress(f"phase {phase}: {epochs} epoch(s) at LR {lr:g}, trainable backbone layers {n_trainable}, "
                 f"{sum(int(np.prod(w.shape)) for w in model.trainable_weights):,} trainable weights")
        # Keras keeps this phase's best weights and stops it early; the baseline is the best so far, so a
        # fine-tune that never beats the frozen phase stops after ``patience`` epochs and is discarded.
        stop = keras.callbacks.EarlyStopping(monitor="val_auroc", mode="max", patience=patience or epochs,
                                             baseline=best["value"] if best["weights"] is not None else None,
                                             restore_best_weights=True)
        before = best["value"]
        model.fit(train_ds, validation_data=val_ds, epochs=epochs, verbose=cfg.verbose, shuffle=False,
                  callbacks=[stop, _epoch_log(progress, phase, rows, best)])
        if best["value"] > before:
            best["weights"] = model.get_weights()  # EarlyStopping restored this phase's best epoch
        elif best["weights"] is not None:
            model.set_weights(best["weights"])
        if patience is not None and stop.stopped_epoch > 0:
            progress(f"early stop: val AUROC has not improved for {patience} epochs "
                     f"(best {best['value']:.4f} at epoch {best['epoch']})")

    t0 = time.perf_counter()
    run_phase("frozen", cfg.epochs_frozen, cfg.lr_frozen, None, None)
    run_phase("finetune", cfg.epochs_finetune, cfg.lr_finetune, cfg.finetune_from, cfg.patience)
    if best["weights"] is None:
        raise TrainingError("No epoch produced a validation AUROC.", hint="Check that validation has both classes.")
    set_backbone_trainable(model, None)
    train_log = {"epochs": rows, "best_epoch": best["epoch"], "best_val_auroc": best["value"],
                 "fit_seconds": round(time.perf_counter() - t0, 1), "class_weights": {"pos": list(map(float, w_pos)),
                 "neg": list(map(float, w_neg))}, "train_images": len(train_recs), "val_images": len(val_recs),
                 "train_prevalence": [float(v) for v in y_tr.mean(axis=0)], "config": asdict(cfg),
                 "pretrained_backbone": pretrained, "manifest_sha256": manifest_sha}
    progress(f"best epoch {best['epoch']} (val AUROC {best['value']:.4f}); fit took "
             f"{train_log['fit_seconds']:.0f} s")
    (out / "training_log.json").write_text(json.dumps(train_log, indent=2, default=str) + "\n")
    save_without_optimizer(model, out / "classifier.keras")
    return model, split, manifest_sha, train_log


#: settings that shape the fitted weights: --reuse-fit refuses a run folder fitted with other values
FIT_SETTINGS = ("data", "csv", "backbone", "weights", "epochs_frozen", "epochs_finetune", "lr_frozen", "lr_finetune",
                "batch_size", "seed", "val_fraction", "patience", "finetune_from", "input_size", "alpha", "dropout",
                "train_subsample", "class_weights", "labels")


def load_fit(cfg: TrainConfig, progress: Callable[[str], None] = print) -> tuple[Any, Split, str, dict[str, Any]]:
    """The fitted classifier of an earlier run in ``cfg.out`` (same fit settings, same data manifest), so
    calibration, threshold, report and export can be redone without refitting."""
    import keras

    out = Path(cfg.out)
    log_path, model_path = out / "training_log.json", out / "classifier.keras"
    if not log_path.is_file() or not model_path.is_file():
        raise TrainingError(f"--reuse-fit needs {log_path.name} and {model_path.name} in {out}.",
                            hint="Run the same command without --reuse-fit first.")
    train_log = json.loads(log_path.read_text())
    before = train_log.get("config", {})
    now = asdict(cfg)
    differ = [k for k in FIT_SETTINGS if json.dumps(before.get(k), default=str) != json.dumps(now[k], default=str)]
    if differ:
        raise TrainingError(f"--reuse-fit: {out} was fitted with other settings ({', '.join(differ)}).",
                            hint="Use the same fit options, or refit without --reuse-fit.")
    ds = load_dataset(cfg.data, cfg.csv, cfg.labels)
    split = patient_split(ds, cfg.val_fraction, cfg.seed)
    manifest_sha = write_manifest(split, out / "manifest.json")
    if train_log.get("manifest_sha256") not in (None, manifest_sha):
        raise TrainingError("--reuse-fit: the data changed since the fit (manifest sha256 differs).",
                            hint="Refit without --reuse-fit.")
    progress(f"reusing the fitted classifier in {model_path} (best epoch {train_log['best_epoch']}, "
             f"val AUROC {train_log['best_val_auroc']:.4f}); manifest sha256 {manifest_sha}")
    return keras.models.load_model(model_path, compile=False), split, manifest_sha, train_log


def train(cfg: TrainConfig, command: str, progress: Callable[[str], None] = print) -> TrainResult:
    """Fit, calibrate on validation, write the validation report and (``cfg.export``) the model package."""
    from radassist.training.calibrate import prior_shift
    from radassist.training.classifier.pipeline import make_dataset
    from radassist.training.evaluate import evaluate_arrays
    from radassist.training.report import write_report

    t0 = time.perf_counter()
    if cfg.reuse_fit:
        model, split, manifest_sha, train_log = load_fit(cfg, progress)
        t0 -= train_log["fit_seconds"]
    else:
        model, split, manifest_sha, train_log = fit(cfg, progress)
    ds = split.dataset
    out = Path(cfg.out)
    # Balanced class weights taught the logits a 50 % prior; move them back to the training prevalence.
    if cfg.class_weights:
        dense = model.get_layer("logits")
        kernel, bias = dense.get_weights()
        shift = np.array([prior_shift(p) for p in train_log["train_prevalence"]], np.float32)
        dense.set_weights([kernel, bias + shift])
        train_log["prior_shift"] = shift.tolist()
    val_recs = split.records(VAL)
    val_ds = make_dataset([ds.abspath(r) for r in val_recs], size=(cfg.input_size, cfg.input_size),
                          batch_size=cfg.batch_size)
    logits = predict_logits(model, val_ds)
    y = np.array([r.targets for r in val_recs], np.int64)
    groups = np.array([r.patient for r in val_recs])
    result = evaluate_arrays(ds.labels, logits, y, groups, temperature=None, thresholds=None,
                             target_sensitivity=cfg.target_sensitivity, seed=cfg.seed)
    np.savez_compressed(out / "val_predictions.npz", logits=logits, y=y, patients=groups,
                        paths=np.array([r.path for r in val_recs]))
    wall = round(time.perf_counter() - t0, 1)
    title = f"{cfg.model_id} {cfg.model_version}: validation (patient-level split, {cfg.val_fraction:.0%} of patients)"
    report = write_report(out / "report", result, title=title, extra={"training": {
        "epochs": train_log["epochs"], "best_epoch": train_log["best_epoch"], "wall_seconds": wall,
        "command": command}})
    package = None
    if cfg.export:
        package = export_package(model, cfg, command, ds.labels, manifest_sha, result, train_log, wall,
                                 out / "package", report_dir=out / "report")
        progress(f"model package written to {package}")
    progress(_summary(result))
    return TrainResult(out, package, manifest_sha, train_log["epochs"], train_log["best_epoch"], wall, report)


def _summary(result: dict[str, Any]) -> str:
    def f(v: Any, d: int = 4) -> str:
        return "n/a" if v is None else f"{v:.{d}f}"

    lines = []
    for label, m in result["labels"].items():
        a, op = m["auroc"], m["operating_point"]
        lines.append(f"{label}: AUROC {f(a['value'])} (95% CI {f(a['ci95'][0])}-{f(a['ci95'][1])}); at threshold "
                     f"{f(op['threshold'])}: sensitivity {f(op['sensitivity']['value'], 3)}, specificity "
                     f"{f(op['specificity']['value'], 3)}; ECE {f(m['ece_calibrated'])} (T = 1: "
                     f"{f(m['ece_uncalibrated'])}); T = {f(m['temperature'], 3)}")
    return "\n".join(lines)


KERMANY_LICENSE = ("Training data: Kermany D, Zhang K, Goldbaum M. Labeled Optical Coherence Tomography (OCT) and "
                   "Chest X-Ray Images for Classification. Mendeley Data v2, 2018, doi:10.17632/rscbjbr9sj.2, "
                   "CC BY 4.0. Cite: Kermany DS et al., Cell 2018;172(5):1122-1131.e9, "
                   "doi:10.1016/j.cell.2018.02.010.")
WEIGHTS_LICENSE = ("Base weights: MobileNetV2 ImageNet (TF-slim checkpoint mobilenet_v2_1.0_224, Google), "
                   "Apache-2.0; rebuilt to Keras HDF5 from JonathanCMitchell/mobilenet_v2_keras (MIT).")


def export_package(model: Any, cfg: TrainConfig, command: str, labels: tuple[str, ...], manifest_sha: str,
                   result: dict[str, Any], train_log: dict[str, Any], wall: float, out_dir: Path,
                   report_dir: Path | None = None) -> Path:
    """The model package (model.keras + model.tflite + card, + validation report and data manifest)."""
    import shutil

    from radassist.core.models import CARD_NAME
    from radassist.training import export

    weights_sha = verify_weights(cfg.weights) if cfg.weights and cfg.backbone == "mobilenet_v2" else None
    card = {
        "id": cfg.model_id, "version": cfg.model_version, "task": "classification", "labels": list(labels),
        "input": {"size": [cfg.input_size, cfg.input_size], "channels": 3,
                  "preprocessing": "radassist.core.preprocess.model_input: display pipeline default window to 8 bit, "
                                   "cv2.INTER_AREA squash to the input size WITHOUT keeping the aspect ratio, "
                                   "x = u8 / 127.5 - 1, gray replicated to 3 channels"},
        "temperature": [result["labels"][lb]["temperature"] for lb in labels],
        "thresholds": {lb: result["labels"][lb]["operating_point"]["threshold"] for lb in labels},
        "threshold_policy": f"best specificity on the patient-level validation split with sensitivity >= "
                            f"{cfg.target_sensitivity:g} (calibrated probability; the threshold lies halfway between "
                            f"two validation scores); positive when probability >= threshold. "
                            + "; ".join(f"{lb}: validation sensitivity {op['sensitivity']['value']:.3f}, "
                                        f"Wilson 95% lower bound {op['sensitivity']['lower']:.3f}"
                                        for lb, op in ((lb, result['labels'][lb]['operating_point'])
                                                       for lb in labels)),
        "intended_use": "Decision support for clinicians reading frontal pediatric chest radiographs: flags images "
                        "suggestive of pneumonia and shows where the model looked. Not for standalone diagnosis; "
                        "a clinician makes and owns every decision.",
        "intended_population": INTENDED_POPULATION,
        "limitations": [
            "Trained on pediatric (ages 1-5) frontal chest X-rays from one hospital (Guangzhou Women and Children's "
            "Medical Center); not validated on adults, other hospitals, other scanners or portable films.",
            "Training images were 224x224 squashed without keeping the aspect ratio; inference squashes the same way.",
            "Binary pneumonia present/absent only; does not distinguish bacterial from viral pneumonia or detect "
            "other findings.",
            "Validation figures come from a patient-level split of the training data set (same hospital, same "
            "period); expect lower performance on other populations.",
            "Probabilities are calibrated to the validation prevalence "
            f"({result['labels'][labels[0]]['prevalence']:.0%} positive); at other prevalences PPV/NPV differ.",
        ],
        "base_weights": ({"name": Path(cfg.weights).name, "sha256": weights_sha, "source": "ImageNet MobileNetV2"}
                         if weights_sha else {"name": "random initialisation", "sha256": None}),
        "data_manifest_sha256": manifest_sha,
        "training_command": command,
        "machine": export.machine_description(),
        "metrics": {"validation": {**result, "labels": {lb: {k: v for k, v in m.items() if k not in ("roc", "reliability")}
                                                         for lb, m in result["labels"].items()}},
                    "training": {
            "best_epoch": train_log["best_epoch"], "epochs_run": len(train_log["epochs"]),
            "epochs": train_log["epochs"], "wall_seconds": wall, "fit_seconds": train_log["fit_seconds"],
            "train_images": train_log["train_images"], "val_images": train_log["val_images"],
            "class_weights": train_log["class_weights"], "prior_shift": train_log.get("prior_shift"),
            "calibrated_from_saved_fit": cfg.reuse_fit}},
        "licenses": [KERMANY_LICENSE, WEIGHTS_LICENSE] if weights_sha else [KERMANY_LICENSE],
        "parent": None,
        "explain": {"last_conv_layer": "backbone", "cam_output": "cam"},
    }
    if out_dir.exists():
        shutil.rmtree(out_dir)
    export.export_classifier_package(model, out_dir, card, float16=cfg.float16)
    extra: dict[str, Path] = {"data_manifest": Path(cfg.out) / "manifest.json"}
    if report_dir is not None:  # the report and the charts its pages show
        for path in sorted(report_dir.glob("report.*")) + sorted(report_dir.glob("*.svg")):
            extra[f"validation_{path.name.replace('.', '_')}"] = path
    written = json.loads((out_dir / CARD_NAME).read_text())
    files = {role: out_dir / entry["path"] for role, entry in written["files"].items()}
    files.update(extra)
    export.write_package(out_dir, written, files)
    return out_dir
