"""The out-of-distribution gate: is this a frontal chest X-ray the model can speak to, and is it upright?

Before any score is shown. Its own small package (``resources/models/ood-gate/``):

- ``features.tflite``: ImageNet MobileNetV2 (the shared weights, sha256-checked), pooled features at
  160x160, run by LiteRT. Same preprocessing as the classifier (``preprocess.model_input``).
- ``params.json``: everything fitted, in plain NumPy terms: a standardisation, a PCA subspace of the
  in-distribution features, and two logistic regressions on the PCA coordinates plus the log Mahalanobis
  and log residual distances: ``gate`` (1 = not a frontal chest X-ray) and ``inverted`` (1 = a chest X-ray
  whose grey levels are inverted). A distance cap refuses images far from every chest X-ray seen in fitting,
  whatever the regression says (a safety net for kinds of images nobody showed the gate).

A refused image gets a reason and no probability. ``radassist train-ood`` fits the package reproducibly.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from radassist.core.errors import ModelError
from radassist.core.models import ModelPackage, load_package, resolve
from radassist.core.preprocess import model_input
from radassist.core.training.metrics import wilson

GATE_ID = "ood-gate"


@dataclass(frozen=True)
class OodDecision:
    """``score`` = P(not a frontal chest X-ray) from the gate regression; ``accepted`` is the verdict."""

    score: float
    accepted: bool
    reason: str = ""
    inverted: bool = False
    inverted_score: float = 0.0
    distance: float = 0.0  # log Mahalanobis distance to the in-distribution features
    timings_ms: dict[str, float] = field(default_factory=dict)
    #: what decided: "image" (the fitted gate) or "header" (the DICOM file says it is not a frontal chest film)
    by: str = "image"

    def to_record(self) -> dict[str, Any]:
        return {"score": round(float(self.score), 6), "accepted": bool(self.accepted), "reason": self.reason,
                "inverted": bool(self.inverted), "inverted_score": round(float(self.inverted_score), 6),
                "by": self.by}


#: DICOM modalities that are never a chest radiograph (CT, MR, ultrasound, nuclear, mammography, angiography,
#: dental, ophthalmic, endoscopy); CR, DX, DR, OT and SC (a scanned or secondary-capture film) go to the gate
NOT_RADIOGRAPH_MODALITIES = frozenset({"CT", "MR", "US", "NM", "PT", "MG", "XA", "IO", "PX", "OP", "ES", "IVUS"})
#: ViewPosition values of a lateral projection (decubitus LLD/RLD are frontal projections and pass)
LATERAL_VIEWS = frozenset({"LL", "RL", "LATERAL", "LAT"})
#: BodyPartExamined values (PS3.16 CID 4031 code meanings and common vendor spellings) that are not the chest
OTHER_BODY_PARTS = frozenset({
    "ABDOMEN", "ANKLE", "ARM", "BREAST", "CSPINE", "ELBOW", "EXTREMITY", "FEMUR", "FINGER", "FOOT", "FOREARM",
    "HAND", "HEAD", "HEEL", "HIP", "HUMERUS", "KNEE", "LEG", "LSPINE", "PELVIS", "SKULL", "SSPINE", "TIBIA",
    "TOE", "WRIST", "JAW", "TMJ", "ZYGOMA", "SINUS", "BRAIN", "FACE", "SPINE"})


def header_decision(image: Any) -> OodDecision | None:
    """A refusal when the DICOM header says plainly that this is not a frontal chest radiograph (a CT slice,
    a lateral view, a hand); None when the header is silent or compatible (then the image-based gate decides).
    Conservative on purpose: empty, unknown or vendor-specific values never refuse."""
    fields = getattr(getattr(image, "meta", None), "fields", None)
    if not fields:
        return None
    modality = str(fields.get("Modality") or "").strip().upper()
    view = str(fields.get("ViewPosition") or "").strip().upper()
    body = str(fields.get("BodyPartExamined") or "").strip().upper().replace(" ", "")
    if modality in NOT_RADIOGRAPH_MODALITIES:
        article = "an" if modality[0] in "AEFHILMNORSX" else "a"  # read as letters: "an MR", "a CT"
        reason = (f"The file is {article} {modality} image (DICOM Modality {modality}), not a chest radiograph; "
                  "the model reads frontal chest X-rays (CR/DX) only, so no finding is given.")
    elif view in LATERAL_VIEWS:
        reason = (f"The file says this is a lateral view (ViewPosition {view}); the model reads frontal (PA/AP) "
                  "chest X-rays only, so no finding is given.")
    elif body in OTHER_BODY_PARTS:
        reason = (f"The file says the body part is {body.lower()} (BodyPartExamined), not the chest; no finding "
                  "is given.")
    else:
        return None
    return OodDecision(score=1.0, accepted=False, reason=reason, by="header")


# --- the fitted part: plain NumPy ---------------------------------------------------------------------
def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -60, 60)))


def fit_logistic(x: np.ndarray, y: np.ndarray, *, l2: float = 10.0, weights: np.ndarray | None = None,
                 iterations: int = 30) -> np.ndarray:
    """L2-regularised logistic regression by Newton's method; returns [w..., b] (bias unpenalised)."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    sw = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    reg = np.r_[np.full(d, l2), 0.0]
    beta = np.zeros(d + 1)
    for _ in range(iterations):
        p = sigmoid(xb @ beta)
        grad = xb.T @ ((p - y) * sw) + reg * beta
        hess = (xb * (p * (1 - p) * sw)[:, None]).T @ xb + np.diag(reg)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return beta


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
    x = _design(params, feats)
    xm, xs = x.mean(0), x.std(0) + 1e-6
    params.update(xm=xm, xs=xs)
    params["gate"] = fit_logistic((x - xm) / xs, y, l2=l2, weights=balanced_weights(y))
    logd = x[:, -2]
    params["distance_cap"] = float(np.quantile(logd[y == 0], cap_quantile) + cap_margin)
    # inverted head: inverted chest X-rays (1) against upright chest X-rays and everything else (0)
    inv = np.asarray(inv_feats, np.float64)
    xi = np.vstack([x, _design(params, inv)])
    yi = np.r_[np.zeros(len(x)), np.ones(len(inv))]
    params["inverted"] = fit_logistic((xi - xm) / xs, yi, l2=l2, weights=balanced_weights(yi))
    params.update(threshold=0.5, inverted_threshold=0.5, components=k)
    return params


def _design(params: dict[str, Any], feats: np.ndarray) -> np.ndarray:
    """PCA coordinates (whitened) + log Mahalanobis + log residual distance."""
    z = (np.asarray(feats, np.float64) - params["mu"]) / params["sd"] - params["centre"]
    # einsum, not @: a (16 x 1280) x (1280 x 64) product is too small for BLAS threads, whose wake-up on a
    # busy 2-core machine cost 40 ms per call here (einsum without optimize is a plain single-thread loop)
    p = np.einsum("nc,ck->nk", z, params["basis"], optimize=False)
    white = p / np.sqrt(params["var"])
    maha = np.sqrt((white ** 2).sum(1))
    # the basis is orthonormal, so |z - p B^T|^2 = |z|^2 - |p|^2 (one small matrix product, not two)
    resid = np.sqrt(np.maximum((z ** 2).sum(1) - (p ** 2).sum(1), 0.0))
    return np.hstack([white, np.log(maha + 1e-9)[:, None], np.log(resid + 1e-9)[:, None]])


def score_features(params: dict[str, Any], feats: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ood score, inverted score, log distance) for pooled features (N, C)."""
    x = _design(params, feats)
    xn = np.hstack([(x - params["xm"]) / params["xs"], np.ones((len(x), 1))])
    return sigmoid(xn @ params["gate"]), sigmoid(xn @ params["inverted"]), x[:, -2]


def decide(params: dict[str, Any], feats: np.ndarray) -> list[OodDecision]:
    scores, inv_scores, logd = score_features(params, feats)
    out = []
    for s, inv, d in zip(scores, inv_scores, logd, strict=True):
        inverted = bool(inv >= params["inverted_threshold"])
        if inverted:
            reason = ("The image looks like a chest X-ray with inverted grey levels (lungs bright, bones dark), "
                      "e.g. MONOCHROME1 shown as MONOCHROME2. No finding is given: check the file's photometric "
                      "interpretation or export it the right way round.")
            accepted = False
        elif s >= params["threshold"]:
            reason = (f"This does not look like a frontal chest X-ray (out-of-distribution score {s:.2f}); the "
                      "model cannot speak to it, so no finding is given.")
            accepted = False
        elif d > params["distance_cap"]:
            reason = ("This image is unlike every chest X-ray the gate was fitted on (feature distance "
                      f"{np.exp(d):.0f}, limit {np.exp(params['distance_cap']):.0f}); no finding is given.")
            accepted = False
        else:
            reason, accepted = "", True
        out.append(OodDecision(float(s), accepted, reason, inverted, float(inv), float(d)))
    return out


def params_to_json(params: dict[str, Any]) -> dict[str, Any]:
    return {k: (np.round(v, 7).tolist() if isinstance(v, np.ndarray) else v) for k, v in params.items()}


def params_from_json(data: dict[str, Any]) -> dict[str, Any]:
    out = {k: (np.asarray(v, dtype=np.float64) if isinstance(v, list) else v) for k, v in data.items()}
    needed = ("mu", "sd", "centre", "basis", "var", "xm", "xs", "gate", "inverted", "distance_cap",
              "threshold", "inverted_threshold")
    missing = [k for k in needed if k not in out]
    if missing:
        raise ModelError(f"The OOD gate parameters lack: {', '.join(missing)}.", hint="Refit with radassist train-ood.")
    return out


# --- the gate at run time -----------------------------------------------------------------------------
class OodGate:
    """Loads once (thread-safe), then ``check(image)`` costs one small LiteRT forward pass."""

    def __init__(self, package: ModelPackage, *, num_threads: int = 2) -> None:
        if package.card.task != "ood":
            raise ModelError(f"{package.card.ref} is a {package.card.task} model, not an OOD gate.")
        from radassist.core.inference import LiteRTRuntime

        self.package = package
        self.size = package.card.input_size
        self._runtime = LiteRTRuntime(package, role="tflite", num_threads=num_threads)
        try:
            self.params = params_from_json(json.loads(package.path("params").read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            raise ModelError(f"Cannot read the OOD gate parameters: {exc}", hint="Reinstall the package.") from exc

    _cache: dict[str, OodGate] = {}
    _cache_lock = threading.Lock()

    @classmethod
    def load(cls, package: str | Path | ModelPackage | None = None) -> OodGate:
        """The gate for a package (default: ``RADASSIST_OOD_GATE`` if set, else the bundled ``ood-gate``: a
        site can install a gate refitted on its own images); one instance per folder per process."""
        import os

        if isinstance(package, ModelPackage):
            return cls(package)
        root = resolve(package or os.environ.get("RADASSIST_OOD_GATE") or GATE_ID)
        key = str(root)
        with cls._cache_lock:
            if key not in cls._cache:
                cls._cache[key] = cls(load_package(root))
            return cls._cache[key]

    @property
    def identity(self) -> dict[str, str]:
        return self.package.identity

    def features_from_inputs(self, x: np.ndarray) -> np.ndarray:
        return self._runtime.run(np.asarray(x, np.float32))["features"]

    def features(self, images: Sequence[Any]) -> np.ndarray:
        return self.features_from_inputs(np.stack([model_input(im, self.size) for im in images]))

    def check_many(self, images: Sequence[Any]) -> list[OodDecision]:
        if not len(images):
            return []
        t0 = time.perf_counter()
        x = np.stack([model_input(im, self.size) for im in images])
        t1 = time.perf_counter()
        decisions = decide(self.params, self.features_from_inputs(x))
        t2 = time.perf_counter()
        n = len(images)
        timing = {"ood_preprocess": round((t1 - t0) * 1000 / n, 3), "ood": round((t2 - t1) * 1000 / n, 3)}
        return [OodDecision(d.score, d.accepted, d.reason, d.inverted, d.inverted_score, d.distance, dict(timing))
                for d in decisions]

    def check(self, image: Any) -> OodDecision:
        return self.check_many([image])[0]


# --- building the package (TensorFlow, used by ``radassist train-ood``) --------------------------------
def export_feature_extractor(weights: str | Path, out_path: Path, *, size: int = 160, float16: bool = True) -> Path:
    """ImageNet MobileNetV2 (verified weights) with global average pooling, as TFLite: input "image",
    output "features" (N, 1280)."""
    import keras

    from radassist.core.models import convert_to_tflite
    from radassist.core.training.model import build_backbone

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
    """Group k-fold, stratified by category: each category's groups are dealt round-robin over the folds."""
    rng = np.random.default_rng(seed)
    folds = np.zeros(len(samples), dtype=int)
    cats = sorted({s.category for s in samples})
    for c in cats:
        groups = sorted({s.group for s in samples if s.category == c})
        rng.shuffle(groups)
        where = {g: i % k for i, g in enumerate(groups)}
        for i, s in enumerate(samples):
            if s.category == c:
                folds[i] = where[s.group]
    return folds


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
