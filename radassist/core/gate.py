"""The out-of-distribution gate: is this a frontal chest X-ray the model can speak to, and is it upright?

Before any score is shown. Its own small package (``radassist/resources/models/ood-gate/``):

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
from typing import Any, ClassVar

import numpy as np

from radassist.core.errors import ModelError
from radassist.core.models import ModelPackage, load_package, resolve
from radassist.core.numeric import sigmoid
from radassist.core.preprocess import model_input

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
def design(params: dict[str, Any], feats: np.ndarray) -> np.ndarray:
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
    x = design(params, feats)
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
        from radassist.core.runtimes.litert import LiteRTRuntime

        self.package = package
        self.size = package.card.input_size
        self._runtime = LiteRTRuntime(package, role="tflite", num_threads=num_threads)
        try:
            self.params = params_from_json(json.loads(package.path("params").read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            raise ModelError(f"Cannot read the OOD gate parameters: {exc}", hint="Reinstall the package.") from exc

    _cache: ClassVar[dict[str, OodGate]] = {}
    _cache_lock = threading.Lock()

    @classmethod
    def load(cls, package: str | Path | ModelPackage | None = None) -> OodGate:
        """The gate for a package id or folder (default: the bundled ``ood-gate``; a site can install a gate
        refitted on its own images and name it in the ``ood_gate`` setting or ``RADASSIST_OOD_GATE``, which
        ``Pipeline.load`` passes here); one instance per folder per process."""
        if isinstance(package, ModelPackage):
            return cls(package)
        root = resolve(package or GATE_ID)
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


