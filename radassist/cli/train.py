"""``radassist train``: two-phase transfer learning -> calibrated, validated model package.

Example (the bundled model):
  radassist train --data ../shared/data/kermany_train --weights ../shared/weights/<mobilenet_v2 .h5>
      --out runs/cxr-pneumonia --epochs-frozen 4 --epochs-finetune 6 --seed 0 --val-fraction 0.2
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from radassist.config import EXIT_OK


def register(subparsers) -> None:
    from radassist.cli._common import add_command

    p = add_command(subparsers, "train", help="train a classifier (transfer learning) and write a model package",
                    doc=__doc__, first_paragraph=True)
    p.add_argument("--data", required=True, help="folder with a subfolder per class, or the root the CSV paths use")
    p.add_argument("--csv", help="CSV with path and |-separated labels (NIH ChestX-ray14 style), optional patient_id")
    p.add_argument("--out", required=True, help="run folder: manifest, log, report, package/")
    p.add_argument("--backbone", default="mobilenet_v2", choices=["mobilenet_v2", "mobilenet_v2_scratch"])
    p.add_argument("--weights", help="ImageNet weights .h5 (checked against the SHA256SUMS beside it); "
                                     "omit for random initialisation")
    p.add_argument("--epochs-frozen", type=int, default=4, help="phase 1 epochs, backbone frozen")
    p.add_argument("--epochs-finetune", type=int, default=6, help="phase 2 epochs at most (early stopping)")
    p.add_argument("--lr-frozen", type=float, default=1e-3)
    p.add_argument("--lr-finetune", type=float, default=1e-4)
    p.add_argument("--finetune-from", default="block_13_expand", help="first backbone layer unfrozen in phase 2")
    p.add_argument("--patience", type=int, default=2, help="phase 2 early stopping on validation AUROC")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--val-fraction", type=float, default=0.2, help="share of PATIENTS in validation")
    p.add_argument("--train-subsample", type=float, default=1.0,
                   help="train on this share of the training patients (quick comparisons)")
    p.add_argument("--input-size", type=int, default=224)
    p.add_argument("--alpha", type=float, default=1.0, help="MobileNetV2 width (1.0 for the ImageNet weights)")
    p.add_argument("--dropout", type=float, default=0.2)
    p.add_argument("--no-class-weights", dest="class_weights", action="store_false")
    p.add_argument("--target-sensitivity", type=float, default=0.97,
                   help="validation sensitivity the threshold must reach (default 0.97: a margin over the 0.95 "
                        "goal so that the Wilson 95%% lower bound on ~700 positives stays >= 0.95)")
    p.add_argument("--labels", help="comma-separated labels to train (default: all found)")
    p.add_argument("--model-id", default="cxr-pneumonia")
    p.add_argument("--model-version", default="1.0.0")
    p.add_argument("--float16", action="store_true", help="export the .tflite in float16")
    p.add_argument("--no-export", dest="export", action="store_false", help="skip the model package")
    p.add_argument("--reuse-fit", action="store_true",
                   help="reuse the classifier already fitted in --out with the same settings: redo only "
                        "calibration, threshold, report and package")
    p.set_defaults(func=run)


def run(args) -> int:
    from radassist.cli import EXIT_USAGE
    from radassist.training.classifier.train import TrainConfig, train

    if args.epochs_frozen < 0 or args.epochs_finetune < 0 or args.epochs_frozen + args.epochs_finetune == 0:
        print("radassist train: give at least one epoch (--epochs-frozen / --epochs-finetune)", file=sys.stderr)
        return EXIT_USAGE
    if args.backbone == "mobilenet_v2" and not args.weights:
        print("radassist train: note: no --weights given, mobilenet_v2 starts from random weights", file=sys.stderr)
    cfg = TrainConfig(
        data=args.data, out=args.out, csv=args.csv, backbone=args.backbone, weights=args.weights,
        epochs_frozen=args.epochs_frozen, epochs_finetune=args.epochs_finetune, lr_frozen=args.lr_frozen,
        lr_finetune=args.lr_finetune, batch_size=args.batch_size, seed=args.seed, val_fraction=args.val_fraction,
        patience=args.patience, finetune_from=args.finetune_from, input_size=args.input_size, alpha=args.alpha,
        dropout=args.dropout, train_subsample=args.train_subsample, class_weights=args.class_weights,
        target_sensitivity=args.target_sensitivity,
        labels=tuple(x.strip() for x in args.labels.split(",")) if args.labels else None,
        model_id=args.model_id, model_version=args.model_version, export=args.export, float16=args.float16,
        reuse_fit=args.reuse_fit,
        verbose=1 if sys.stdout.isatty() else 2)
    prog = Path(sys.argv[0])
    if prog.name == "radassist" or (prog.name == "__main__.py" and prog.parent.name == "radassist"):
        # --reuse-fit only skips work; the command that reproduces the package is the one without it
        command = "python -m radassist " + shlex.join(a for a in sys.argv[1:] if a != "--reuse-fit")
    else:
        command = "python -m radassist train " + _args_to_cli(args)
    train(cfg, command, progress=lambda line: print(line, flush=True))
    return EXIT_OK


def _args_to_cli(args) -> str:
    """The command line equivalent of ``args`` (for the card when called programmatically)."""
    skip = {"func", "command", "verbose", "reuse_fit"}
    parts = []
    for key, value in sorted(vars(args).items()):
        if key in skip or value is None:
            continue
        flag = "--" + key.replace("_", "-")
        if key in ("class_weights", "export"):
            if not value:
                parts.append("--no-" + key.replace("_", "-"))
        elif isinstance(value, bool):
            if value:
                parts.append(flag)
        else:
            parts.append(f"{flag} {shlex.quote(str(value))}")
    return " ".join(parts)
