"""``radassist train-ood``: fit the out-of-distribution gate package, reproducibly (seeded, one command).

Exports ImageNet MobileNetV2 pooled features to TFLite, scores every fitting image through LiteRT exactly
as the app will (``core.io`` -> ``preprocess.model_input``), cross-validates by group, fits on everything,
and writes ``model_card.json`` + ``features.tflite`` + ``params.json`` with the held-out error rates.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from radassist.config import EXIT_OK

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPO.parent / "shared" / "data"
DEFAULT_WEIGHTS = REPO.parent / "shared" / "weights" / "mobilenet_v2_1.0_224_no_top.rebuilt_from_tf_slim.h5"


def register(subparsers) -> None:
    from radassist.cli._common import add_command

    p = add_command(subparsers, "train-ood", help="fit the 'is this a frontal chest X-ray?' gate package",
                    doc=__doc__)
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with ood_dev/, kermany_train/, lung_masks/")
    p.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS, help="ImageNet MobileNetV2 no-top .h5 "
                   "(checked against the SHA256SUMS beside it)")
    p.add_argument("--out", type=Path, default=REPO / "radassist" / "resources" / "models" / "ood-gate")
    p.add_argument("--version", default="1.0.0")
    p.add_argument("--size", type=int, default=160, help="input size of the feature extractor (pixels)")
    p.add_argument("--kermany-n", type=int, default=300, help="pediatric CXRs, one per patient")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--components", type=int, default=64)
    p.add_argument("--l2", type=float, default=10.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--float32", action="store_true", help="keep the feature extractor in float32 (default float16)")
    p.set_defaults(func=run)


def _inputs(samples, size: int):
    import numpy as np

    from radassist.core.image import load_image
    from radassist.core.preprocess import model_input

    return np.stack([model_input(load_image(s.path), (size, size)) for s in samples])


def run(args: argparse.Namespace) -> int:
    import tempfile

    import numpy as np

    from radassist.core import gate as ood
    from radassist.core.digest import sha256_file
    from radassist.core.models import load_package
    from radassist.core.runtimes.litert import LiteRTRuntime
    from radassist.training.classifier.model import verify_weights
    from radassist.training.export import write_package
    from radassist.training.gate import fit

    weights_sha = verify_weights(args.weights)
    samples = fit.gate_samples(args.data, kermany_n=args.kermany_n, seed=args.seed)
    print(f"{len(samples)} images: {sum(s.is_ood for s in samples)} to refuse, "
          f"{sum(not s.is_ood for s in samples)} chest X-rays to accept", file=sys.stderr)
    x = _inputs(samples, args.size)
    manifest_sha = _manifest_sha(samples)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        files = {}
        for name, f16 in (("f32", False), ("f16", True)):
            p = fit.export_feature_extractor(args.weights, tmp / f"features_{name}.tflite", size=args.size,
                                             float16=f16)
            files[name] = p

        io_spec = {  # what the feature extractor takes and returns: checked by ``radassist models verify``
            "inputs": [{"name": "image", "shape": ["N", args.size, args.size, 3], "dtype": "float32",
                        "range": [-1, 1], "description": "preprocess.model_input: u8 / 127.5 - 1, 3 channels"}],
            "outputs": [{"name": "features", "shape": ["N", 1280], "dtype": "float32", "range": [0, 6],
                         "description": "MobileNetV2 ImageNet pooled features (mean of ReLU6)"}]}

        def feats(path: Path) -> tuple[np.ndarray, np.ndarray]:
            card = {**io_spec, "id": "tmp", "version": "0.0.0", "task": "ood", "labels": ["ood"], "input": {"size": [args.size] * 2},
                    "intended_use": "", "limitations": [], "base_weights": None, "data_manifest_sha256": None,
                    "training_command": "", "metrics": {}, "licenses": []}
            d = tmp / path.stem
            write_package(d, card, {"tflite": path})
            rt = LiteRTRuntime(load_package(d), num_threads=2)
            f = np.concatenate([rt.run(x[i:i + 32])["features"] for i in range(0, len(x), 32)])
            fi = np.concatenate([rt.run(-x[i:i + 32])["features"] for i in range(0, len(x), 32)])  # 255-u8 == -x
            return f.astype(np.float64), fi.astype(np.float64)

        f32, f32_inv = feats(files["f32"])
        use_f16 = not args.float32
        F, Finv = feats(files["f16"]) if use_f16 else (f32, f32_inv)
        y = np.array([s.is_ood for s in samples], dtype=float)
        fit_kw = {"components": args.components, "l2": args.l2}
        folds = fit.assign_folds(samples, args.folds, args.seed)
        cv = fit.cross_validate(samples, F, Finv, folds, **fit_kw)
        novel = fit.novel_category_check(samples, F, Finv, **fit_kw)
        params = fit.fit_params(F, y, Finv[y == 0], **fit_kw)
        parity = {}
        if use_f16:  # same decisions with float32 features as with the shipped float16 ones?
            d16, d32 = ood.decide(params, F), ood.decide(params, f32)
            parity = {"decisions_agree": sum(a.accepted == b.accepted and a.inverted == b.inverted
                                             for a, b in zip(d16, d32, strict=True)), "n": len(d16),
                      "max_abs_score_diff": round(max(abs(a.score - b.score) for a, b in zip(d16, d32, strict=True)), 6),
                      "max_rel_feature_diff": round(float(np.abs(F - f32).max() / np.abs(f32).max()), 6)}
        params_path = tmp / "params.json"
        params_path.write_text(json.dumps(fit.params_to_json(params)), encoding="utf-8")
        tfl = tmp / "features.tflite"
        tfl.write_bytes(files["f16" if use_f16 else "f32"].read_bytes())
        card = {
            **io_spec, "id": ood.GATE_ID, "version": args.version, "task": "ood", "labels": ["not_frontal_cxr", "inverted"],
            "input": {"size": [args.size, args.size], "channels": 3,
                      "preprocessing": "display.render_uint8 (default window) -> cv2.resize INTER_AREA squash -> "
                                       "u8/127.5-1 -> 3 channels (preprocess.model_input)"},
            "intended_use": "Refuses inputs that are not frontal chest X-rays (and inverted ones) before any "
                            "finding is shown.",
            "limitations": ["Fitted on 106 adult frontal CXRs from papers/web (ieee8023), Montgomery, Shenzhen, JSRT "
                            "and Kermany pediatric CXRs against 154 non-CXR images: rare kinds of images may pass.",
                            "Lateral chest X-rays are the closest kind; other body-part radiographs beyond hands "
                            "were not available for fitting."],
            "base_weights": {"name": args.weights.name, "sha256": weights_sha},
            "data_manifest_sha256": manifest_sha,
            "training_command": _command(args),
            "metrics": {"cross_validation": cv, "novel_category_leave_one_family_out": novel,
                        "float16_parity": parity, "n_fit": {"cxr": int((y == 0).sum()), "non_cxr": int(y.sum())}},
            "licenses": ["MobileNetV2 ImageNet weights: Apache-2.0",
                         "fitted on ood_dev (research/test data, per-image licenses in its manifest)"],
            "explain": {},
            "method": {"features": f"MobileNetV2 ImageNet pooled features at {args.size}px "
                                   f"({'float16' if use_f16 else 'float32'} TFLite)",
                       "classifier": f"PCA({args.components}) of in-distribution features + log Mahalanobis + "
                                     f"log residual -> L2 logistic regression (l2={args.l2}, balanced weights); "
                                     "inverted head: same design, inverted CXRs as positives; distance cap at the "
                                     "99.5th percentile of in-distribution log distance + 0.25",
                       "seed": args.seed, "folds": args.folds},
        }
        if args.out.exists():
            for old in ("features.tflite", "params.json", "model_card.json"):
                (args.out / old).unlink(missing_ok=True)
        write_package(args.out, card, {"tflite": tfl, "params": params_path})
    _report(cv, novel, parity)
    print(f"wrote {args.out} (features.tflite sha256 {sha256_file(args.out / 'features.tflite')[:12]}...)")
    return EXIT_OK


def _command(args: argparse.Namespace) -> str:
    import os
    import shlex

    def rel(p: Path) -> str:  # relative to the repository, so the command reads the same on every machine
        return os.path.relpath(Path(p).resolve(), REPO)

    parts = ["python", "-m", "radassist", "train-ood", "--data", rel(args.data), "--weights", rel(args.weights),
             "--out", rel(args.out), "--version", args.version, "--size", str(args.size), "--kermany-n",
             str(args.kermany_n), "--folds", str(args.folds), "--components", str(args.components), "--l2",
             str(args.l2), "--seed", str(args.seed)] + (["--float32"] if args.float32 else [])
    return " ".join(shlex.quote(x) for x in parts)


def _manifest_sha(samples) -> str:
    import hashlib

    lines = sorted(f"{s.path.name},{int(s.is_ood)},{s.category},{s.group}" for s in samples)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _report(cv: dict, novel: dict, parity: dict) -> None:
    r, a = cv["non_cxr_refused"], cv["cxr_accepted"]
    print(f"held-out (cross-validated): non-CXR refused {r['k']}/{r['n']} = {r['rate']:.3f} "
          f"[{r['ci95'][0]:.3f}, {r['ci95'][1]:.3f}]; CXR accepted {a['k']}/{a['n']} = {a['rate']:.3f} "
          f"[{a['ci95'][0]:.3f}, {a['ci95'][1]:.3f}]")
    i = cv["inverted_cxr_flagged"]
    print(f"inverted CXRs flagged {i['k']}/{i['n']}; upright CXRs flagged inverted "
          f"{cv['upright_cxr_flagged_inverted']['k']}")
    print(f"{'category':<28} {'n':>4} {'errors':>6}  rate   95% CI")
    for c, m in cv["per_category"].items():
        print(f"{c:<28} {m['n']:>4} {m['errors']:>6}  {m['error_rate']:.3f} [{m['error_rate_ci95'][0]:.3f}, "
              f"{m['error_rate_ci95'][1]:.3f}]")
    missed = ", ".join(f"{k} {v['refused']}/{v['n']}" for k, v in novel["per_family"].items() if v["refused"] < v["n"])
    print(f"never-seen families refused: {novel['refused']}/{novel['n']} (not all refused: {missed or 'none'})")
    if parity:
        print(f"float16 vs float32 features: {parity['decisions_agree']}/{parity['n']} decisions agree, "
              f"max score diff {parity['max_abs_score_diff']}")
