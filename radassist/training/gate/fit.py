"""Fitting the out-of-distribution gate (``radassist train-ood``): features, logistic fits, folds."""


from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from radassist.core.gate import decide, design
from radassist.training.metrics import wilson
from radassist.training.split import patient_folds


def fit_logistic(x: np.ndarray, y: np.ndarray, *, l2: float = 10.0, weights: np.ndarray | None = None,
                 iterations: int = 100) -> np.ndarray:
    """L2-regularised logistic regression (scikit-learn, Newton-Cholesky); returns [w..., b], the layout
    ``params.json`` stores. Minimises sum_i weight_i * logloss_i + l2/2 * |w|^2 (bias unpenalised)."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=1.0 / l2, solver="newton-cholesky", tol=1e-10, max_iter=iterations)
    clf.fit(x, y, sample_weight=weights)
    return np.r_[clf.coef_.ravel(), clf.intercept_].astype(np.float64)


def balanced_weights(y: np.ndarray) -> np.ndarray:
    pos, neg = max(1, int((y == 1).sum())), max(1, int((y == 0).sum()))
    return np.where(y == 1, neg / pos, 1.0)


def fit_params(feats: np.ndarray, is_ood: np.ndarray, inv_feats: np.ndarray, *, components: int = 64,
               l2: float = 10.0, cap_quantile: float = 0.995, cap_margin: float = 0.25) -> dict[str, Any]:
    """Fit the gate on pooled features: ``feats`` (N, C), ``is_ood`` (N,) 1 for non-CXR, and ``inv_feats``:
    features of the in-distribution images with their grey levels inverted (positives of the inverted head)."""
    feats = np.asarray(feats, np.float64)
    y = np.asarray(is_ood, np.float64)
    mu = feats.mean(0)
    sd = feats.std(0) + 1e-6
    ind = (feats[y == 0] - mu) / sd
    centre = ind.mean(0)
    _, s, vt = np.linalg.svd(ind - centre, full_matrices=False)
    k = min(components, vt.shape[0])
    basis = vt[:k].T
    var = s[:k] ** 2 / max(1, len(ind) - 1)
    params: dict[str, Any] = {"mu": mu, "sd": sd, "centre": centre, "basis": basis, "var": var}
    x = design(params, feats)
    xm, xs = x.mean(0), x.std(0) + 1e-6
    params.update(xm=xm, xs=xs)
    params["gate"] = fit_logistic((x - xm) / xs, y, l2=l2, weights=balanced_weights(y))
    logd = x[:, -2]
    params["distance_cap"] = float(np.quantile(logd[y == 0], cap_quantile) + cap_margin)
    # inverted head: inverted chest X-rays (1) against upright chest X-rays and everything else (0)
    inv = np.asarray(inv_feats, np.float64)
    xi = np.vstack([x, design(params, inv)])
    yi = np.r_[np.zeros(len(x)), np.ones(len(inv))]
    params["inverted"] = fit_logistic((xi - xm) / xs, yi, l2=l2, weights=balanced_weights(yi))
    params.update(threshold=0.5, inverted_threshold=0.5, components=k)
    return params


def params_to_json(params: dict[str, Any]) -> dict[str, Any]:
    return {k: (np.round(v, 7).tolist() if isinstance(v, np.ndarray) else v) for k, v in params.items()}


# --- building the package (TensorFlow, used by ``radassist train-ood``) --------------------------------
def export_feature_extractor(weights: str | Path, out_path: Path, *, size: int = 160, float16: bool = True) -> Path:
    """ImageNet MobileNetV2 (verified weights) with global average pooling, as TFLite: input "image",
    output "features" (N, 1280)."""
    import keras

    from radassist.training.classifier.model import build_backbone
    from radassist.training.export import convert_to_tflite

    base = build_backbone("mobilenet_v2", weights, size)
    inp = keras.Input(shape=(size, size, 3), name="image", dtype="float32")
    pooled = keras.layers.GlobalAveragePooling2D(name="features_pool")(base(inp, training=False))
    model = keras.Model(inp, {"features": keras.layers.Activation("linear", name="features")(pooled)},
                        name="ood_features")
    return convert_to_tflite(model, Path(out_path), float16=float16)


# --- fitting from the shared data layout (``radassist train-ood``) -------------------------------------
@dataclass(frozen=True)
class GateSample:
    path: Path
    is_ood: bool
    category: str
    group: str  # near-duplicates (same patient / paper / CT series) share a group and never straddle folds


def _group_key(category: str, source: str, name: str) -> str:
    """Consecutive images of one case differ only in a trailing letter/number/day (``fig1a``, ``-b``)."""
    import re

    stem = re.sub(r"\.[a-z0-9]+$", "", name.rsplit("/", 1)[-1].lower())
    for _ in range(3):
        stem = re.sub(r"[-_ .]?(day\d+|fig\d+[a-z]?|[a-z]|\d{1,2})$", "", stem)
    return f"{category}|{source}|{stem[:12]}"


def gate_samples(data_root: Path, *, kermany_n: int = 300, seed: int = 0) -> list[GateSample]:
    """ood_dev accept/ + reject/, one image per patient from a seeded sample of kermany_train, and every
    lung_masks image (Montgomery, Shenzhen, JSRT), each with its category and group."""
    import csv
    import random

    from radassist.core.errors import DatasetError

    root = Path(data_root)
    manifest = root / "ood_dev" / "manifest.csv"
    if not manifest.is_file():
        raise DatasetError(f"{manifest} is missing.", hint="Point --data at the folder holding ood_dev/.")
    out = []
    with open(manifest, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            out.append(GateSample(root / "ood_dev" / r["file"], r["label"] == "reject", r["category"],
                                  _group_key(r["category"], r["source_repo"], r["source_path"])))
    labels = root / "kermany_train" / "labels.csv"
    if kermany_n and labels.is_file():
        with open(labels, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        random.Random(seed).shuffle(rows)
        seen: set[str] = set()
        for r in rows:
            if r["patient_id"] in seen:
                continue
            seen.add(r["patient_id"])
            out.append(GateSample(root / "kermany_train" / r["path"], False, "kermany_pediatric_cxr",
                                  f"kermany|{r['patient_id']}"))
            if len(seen) >= kermany_n:
                break
    pairs = root / "lung_masks" / "pairs.csv"
    if pairs.is_file():
        with open(pairs, newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                out.append(GateSample(root / "lung_masks" / r["image"], False, f"{r['source'].lower()}_cxr",
                                      f"lung_masks|{r['patient_id']}"))
    return out


def assign_folds(samples: Sequence[GateSample], k: int = 5, seed: int = 0) -> np.ndarray:
    """Group k-fold, stratified by category (:func:`radassist.training.split.patient_folds`)."""
    return patient_folds([s.group for s in samples], [s.category for s in samples], n_folds=k, seed=seed)


def cross_validate(samples: Sequence[GateSample], feats: np.ndarray, inv_feats: np.ndarray, folds: np.ndarray,
                   **fit_kw: Any) -> dict[str, Any]:
    """Out-of-fold decisions for every image (fitted without its fold), per category with Wilson CIs, plus
    the inverted head on the inverted versions of the held-out chest X-rays."""
    y = np.array([s.is_ood for s in samples], dtype=float)
    accepted = np.zeros(len(samples), bool)
    inv_flag = np.zeros(len(samples), bool)  # inverted chest X-ray flagged as inverted (CXR rows only)
    upright_flag = np.zeros(len(samples), bool)  # upright image wrongly flagged inverted
    for f in np.unique(folds):
        tr, te = folds != f, folds == f
        params = fit_params(feats[tr], y[tr], inv_feats[tr & (y == 0)], **fit_kw)
        dec = decide(params, feats[te])
        accepted[te] = [d.accepted for d in dec]
        upright_flag[te] = [d.inverted for d in dec]
        dec_inv = decide(params, inv_feats[te])
        inv_flag[te] = [d.inverted for d in dec_inv]
    per_cat: dict[str, Any] = {}
    for c in sorted({s.category for s in samples}):
        idx = np.array([s.category == c for s in samples])
        ood = bool(y[idx][0])
        errors = int((accepted[idx] if ood else ~accepted[idx]).sum())
        n = int(idx.sum())
        lo, hi = wilson(errors, n)
        per_cat[c] = {"n": n, "expected": "reject" if ood else "accept", "errors": errors,
                      "error_rate": round(errors / n, 4), "error_rate_ci95": [round(lo, 4), round(hi, 4)]}
    cxr, non = y == 0, y == 1

    def rate(mask_ok: np.ndarray, mask_all: np.ndarray) -> dict[str, Any]:
        k, n = int((mask_ok & mask_all).sum()), int(mask_all.sum())
        lo, hi = wilson(k, n)
        return {"k": k, "n": n, "rate": round(k / max(1, n), 4), "ci95": [round(lo, 4), round(hi, 4)]}

    return {
        "method": f"{len(np.unique(folds))}-fold group cross-validation (groups: patient / paper / series, "
                  "stratified by category); every image scored by a gate fitted without it",
        "non_cxr_refused": rate(~accepted, non), "cxr_accepted": rate(accepted, cxr),
        "inverted_cxr_flagged": rate(inv_flag, cxr), "upright_cxr_flagged_inverted": rate(upright_flag, cxr),
        "per_category": per_cat,
    }


def novel_category_check(samples: Sequence[GateSample], feats: np.ndarray, inv_feats: np.ndarray,
                         **fit_kw: Any) -> dict[str, Any]:
    """Leave one reject family out of fitting entirely and score it: how the gate meets a kind of image it
    never saw (the holdout is built from other sources)."""
    y = np.array([s.is_ood for s in samples], dtype=float)
    fam = np.array(["synthetic" if s.category.startswith("synthetic") else s.category for s in samples])
    out: dict[str, Any] = {}
    total = refused = 0
    for f in sorted(set(fam[y == 1])):
        test = (fam == f) & (y == 1)
        params = fit_params(feats[~test], y[~test], inv_feats[~test & (y == 0)], **fit_kw)
        dec = decide(params, feats[test])
        k = sum(not d.accepted for d in dec)
        out[f] = {"n": int(test.sum()), "refused": int(k)}
        total += int(test.sum())
        refused += k
    lo, hi = wilson(refused, total)
    return {"refused": refused, "n": total, "rate": round(refused / max(1, total), 4),
            "ci95": [round(lo, 4), round(hi, 4)], "per_family": out}
