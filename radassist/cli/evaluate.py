"""``radassist evaluate``: a model package on any labelled folder/CSV -> report.json/.md/.html.

Uses the package's own temperature and thresholds (nothing is refitted on the evaluated images) and
its .tflite through the app's engine, so the figures are those of what the app runs.
"""

from __future__ import annotations

from radassist.config import EXIT_OK


def register(subparsers) -> None:
    from radassist.cli._common import add_command

    p = add_command(subparsers, "evaluate", help="evaluate a model package on labelled images (report with CIs)",
                    doc=__doc__, first_paragraph=True)
    p.add_argument("--model", default=None, help="package id, id@version or folder (default: the bundled model)")
    p.add_argument("--data", required=True, help="folder with a subfolder per class, or the root the CSV paths use")
    p.add_argument("--csv", help="CSV with path and |-separated labels (NIH ChestX-ray14 style)")
    p.add_argument("--out", required=True, help="folder for report.json, report.md, report.html")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    p.set_defaults(func=run)


def run(args) -> int:
    from radassist.training.evaluate import evaluate_package

    result = evaluate_package(args.model, args.data, args.out, csv_path=args.csv, batch_size=args.batch_size,
                              seed=args.seed, progress=lambda line: print(line, flush=True))
    for label, m in result["labels"].items():
        op = m["operating_point"]
        a = m["auroc"]
        ci = "n/a" if a["ci95"][0] is None else f"{a['ci95'][0]:.4f}-{a['ci95'][1]:.4f}"
        print(f"{label}: AUROC {a['value']:.4f} (95% CI {ci}); threshold {op['threshold']:.4f}: "
              f"sensitivity {op['sensitivity']['value']:.3f}, specificity {op['specificity']['value']:.3f}, "
              f"PPV {op['ppv']['value'] if op['ppv']['value'] is not None else float('nan'):.3f}, "
              f"NPV {op['npv']['value'] if op['npv']['value'] is not None else float('nan'):.3f}; "
              f"ECE {m['ece_calibrated'] if m['ece_calibrated'] is not None else float('nan'):.4f}")
    print(f"report written to {args.out}/report.html")
    return EXIT_OK
