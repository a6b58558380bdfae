"""``radassist train-segmentation``: train the lung U-Net and write a model package (keras + tflite + card)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from radassist.config import EXIT_OK, EXIT_USAGE

HELP = "train the lung-segmentation U-Net and write a model package"


def register(subparsers) -> None:
    from radassist.cli._common import add_command

    p = add_command(subparsers, "train-segmentation", help=HELP, doc=__doc__)
    p.add_argument("--data", required=True, type=Path, help="folder with pairs.csv, images/, masks/")
    p.add_argument("--out", required=True, type=Path, help="package folder to write")
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--seed", type=int, default=20261122)
    p.add_argument("--size", type=int, default=256, help="model input size (square), divisible by 2**levels")
    p.add_argument("--base-filters", type=int, default=16)
    p.add_argument("--levels", type=int, default=4)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--val-fraction", type=float, default=0.15)
    p.add_argument("--patience", type=int, default=8, help="epochs without a better validation Dice")
    p.add_argument("--limit", type=int, default=0, help="use only the first N pairs (smoke tests)")
    p.add_argument("--time-budget-min", type=float, default=0.0, help="stop after the epoch crossing it")
    p.add_argument("--version", default="1.0.0", help="package version")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _bar(rec: dict) -> str:
    width = 24
    done = int(width * rec["epoch"] / rec["epochs"])
    return (f"epoch {rec['epoch']:>3}/{rec['epochs']} [{'#' * done}{'.' * (width - done)}] "
            f"loss {rec['loss']:.4f}  val Dice {rec['val_dice']:.4f}  "
            f"(best {rec['best']:.4f} @ {rec['best_epoch']})  {rec['seconds']:.0f} s")


def run(args) -> int:
    from radassist.training.segmentation import unet

    if args.epochs < 1 or args.size % (2 ** args.levels) or not 0 < args.val_fraction < 1:
        print("radassist train-segmentation: --epochs >= 1, --size divisible by 2**levels and "
              "0 < --val-fraction < 1 are required", file=sys.stderr)
        return EXIT_USAGE
    args.out.mkdir(parents=True, exist_ok=True)
    cfg = unet.TrainConfig(data=args.data, out=args.out, epochs=args.epochs, seed=args.seed, size=args.size,
                           base_filters=args.base_filters, levels=args.levels, batch_size=args.batch_size,
                           learning_rate=args.lr, val_fraction=args.val_fraction, patience=args.patience,
                           limit=args.limit, time_budget_s=args.time_budget_min * 60,
                           checkpoint=args.out / "best.weights.h5")

    def progress(rec: dict) -> None:
        if not args.quiet:
            print(_bar(rec), file=sys.stderr, flush=True)

    result = unet.train(cfg, progress)
    command = "python -m radassist train-segmentation " + shlex.join([
        "--data", str(args.data), "--out", str(args.out), "--epochs", str(args.epochs), "--seed", str(args.seed),
        "--size", str(args.size), "--base-filters", str(args.base_filters), "--levels", str(args.levels),
        "--batch-size", str(args.batch_size), "--lr", str(args.lr), "--val-fraction", str(args.val_fraction),
        "--patience", str(args.patience), *(["--limit", str(args.limit)] if args.limit else []),
        *(["--time-budget-min", str(args.time_budget_min)] if args.time_budget_min else []),
        "--version", args.version])
    pkg = unet.write_segmentation_package(result, cfg, args.out, command=command, version=args.version)
    cfg.checkpoint.unlink(missing_ok=True)
    from radassist.core.models import read_card

    m = read_card(pkg).metrics["validation"]
    print(f"wrote {pkg}: validation Dice {m['dice']['mean']:.4f} {m['dice']['ci95']}, "
          f"IoU {m['iou']['mean']:.4f} {m['iou']['ci95']} (n={m['n']}, best epoch {result.best_epoch}, "
          f"{result.stopped})", file=sys.stderr)
    for src, v in m["per_source"].items():
        print(f"  {src:<11} Dice {v['dice']['mean']:.4f} {v['dice']['ci95']}  IoU {v['iou']['mean']:.4f} "
              f"{v['iou']['ci95']}  n={v['dice']['n']}", file=sys.stderr)
    return EXIT_OK
