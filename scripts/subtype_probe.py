"""Can the shipped classifier's features tell bacterial from viral pneumonia? (Kermany et al.: 90.7 %.)

A linear probe: the bundled cxr-pneumonia model's pooled features (LiteRT, the same forward pass the app
runs) for every PNEUMONIA image of ``kermany_train``, an L2 logistic regression fitted on the training
patients of the model's own split manifest (L2 strength chosen by 5-fold patient-grouped cross-validation
inside them), scored once on the validation patients. Prints AUROC and accuracy with 95 % CIs beside the
majority-class baseline. Not part of the product: it answers whether a subtype output is worth shipping.

    .venv/bin/python scripts/subtype_probe.py [--data ../shared/data/kermany_train]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from radassist.core.classify import Engine  # noqa: E402
from radassist.core.image import load_image  # noqa: E402
from radassist.core.numeric import sigmoid  # noqa: E402
from radassist.training.gate.fit import balanced_weights, fit_logistic  # noqa: E402
from radassist.training.metrics import auroc, bootstrap_auroc, wilson  # noqa: E402

L2_GRID = (1.0, 10.0, 100.0, 1000.0, 10000.0)


def features(root: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    manifest = json.loads((REPO / "radassist/resources/models/cxr-pneumonia/manifest.json").read_text())
    fold = {f["path"]: f["fold"] for f in manifest["files"]}
    with open(root / "labels.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["label"] == "PNEUMONIA"]
    engine = Engine(device="cpu").load()
    feats: list[np.ndarray] = []
    for start in range(0, len(rows), 64):
        chunk = rows[start:start + 64]
        feats += [p.features for p in engine.predict([load_image(root / r["path"]) for r in chunk])]
    viral = np.array([r["subtype"] == "virus" for r in rows], float)
    return (np.asarray(feats, np.float64), viral, np.array([fold[r["path"]] for r in rows]),
            np.array([r["patient_id"] for r in rows]))


def fit(x: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    return fit_logistic(x, y, l2=l2, weights=balanced_weights(y))


def predict(beta: np.ndarray, x: np.ndarray) -> np.ndarray:
    return sigmoid(np.c_[x, np.ones(len(x))] @ beta)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared/data/kermany_train")
    args = ap.parse_args()
    x, y, fold, patient = features(args.data)
    train, val = fold == "train", fold == "val"
    mu, sd = x[train].mean(0), x[train].std(0) + 1e-6
    z = (x - mu) / sd
    groups = np.unique(patient[train])
    rng = np.random.default_rng(0)
    group_fold = dict(zip(rng.permutation(groups), np.arange(len(groups)) % 5, strict=True))
    inner = np.array([group_fold[p] for p in patient[train]])
    zt, yt = z[train], y[train]
    cv = {}
    for l2 in L2_GRID:
        scores = np.empty(len(yt))
        for k in range(5):
            scores[inner == k] = predict(fit(zt[inner != k], yt[inner != k], l2), zt[inner == k])
        cv[l2] = auroc(yt, scores)
    l2 = max(cv, key=cv.get)
    p = predict(fit(zt, yt, l2), z[val])
    yv = y[val]
    auc, lo, hi = bootstrap_auroc(yv, p, groups=patient[val], n_boot=2000, seed=0)
    correct = int(((p >= 0.5) == (yv == 1)).sum())
    majority = int(max(yv.sum(), len(yv) - yv.sum()))
    print(f"pneumonia images: {len(y)} ({int(y.sum())} viral); validation patients' images: {len(yv)}")
    print("inner CV AUROC by L2: " + ", ".join(f"{k:g}: {v:.3f}" for k, v in cv.items()) + f" -> L2 {l2:g}")
    print(f"viral vs bacterial on validation: AUROC {auc:.3f} (95% CI {lo:.3f}-{hi:.3f}); accuracy "
          f"{correct / len(yv):.3f} (95% CI {wilson(correct, len(yv))[0]:.3f}-{wilson(correct, len(yv))[1]:.3f}); "
          f"majority-class baseline {majority / len(yv):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
