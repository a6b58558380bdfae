"""Inference benchmarks (issue 8): latency per runtime, folder throughput, RSS, cold start, OOD gate,
and DenseNet121 (CheXNet / torchxrayvision architecture, random weights) on the same runtimes as the peer
baseline. Uses the bundled classifier when present, else a freshly exported MobileNetV2 (shared ImageNet
weights). Run: ``make bench BENCH_ARGS='--only bench_inference'``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from tests.bench._common import Row, median_ms

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("RADASSIST_SHARED", REPO.parent / "shared"))
GROUP = "inference"


def _package_dir() -> tuple[Path, str]:
    from radassist.core import models

    bundled = models.bundled_dir() / models.DEFAULT_MODEL_ID
    if (bundled / models.CARD_NAME).is_file():
        return bundled, "bundled cxr-pneumonia"
    from tests.core.models.test_package import exported_classifier

    return exported_classifier(), "fresh MobileNetV2 export (bundled package absent)"


def _png_folder(n: int = 64) -> Path:
    """A folder of real chest X-ray PNGs (lung_masks, 512 px) or, in a fresh clone, generated ones."""
    import cv2

    out = Path(tempfile.mkdtemp(prefix="radassist-bench-png-"))
    src = sorted((SHARED / "data" / "lung_masks" / "images").glob("*.png"))[:n]
    if src:
        for p in src:
            (out / p.name).write_bytes(p.read_bytes())
    else:
        from tests.core.test_gate import synthetic_body

        for i in range(n):
            cv2.imwrite(str(out / f"gen_{i:03d}.png"), synthetic_body(i, shape=(512, 480)))
    return out


def _rss_and_first_prediction(pkg: Path, png: Path) -> tuple[float, float, dict]:
    """In a fresh process: RSS with classifier + gate (+ lungs) loaded; and `predict` start -> first line."""
    code = f"""
import json, psutil
from radassist.core.analysis import Pipeline
from radassist.core.image import load_image
pipeline = Pipeline.load(model={str(pkg)!r}, device="cpu")
a = pipeline.analyze(load_image({str(png)!r}))
seg = pipeline.segmenter
print(json.dumps({{"rss_mb": psutil.Process().memory_info().rss / 2**20, "lungs": seg is not None}}))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    info = json.loads(out.stdout.strip().splitlines()[-1])
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "radassist", "predict", str(png), "--json", "--model", str(pkg)],
                           cwd=REPO, capture_output=True, text=True, timeout=300)
        times.append(time.perf_counter() - t0)
        assert r.returncode == 0, r.stderr[-2000:]
    return info["rss_mb"], float(np.median(times)), info


def _densenet_rows() -> list[Row]:
    import keras
    import tensorflow as tf

    from radassist.training.export import convert_to_tflite

    rows = []
    base = keras.applications.DenseNet121(weights=None, include_top=False, input_shape=(224, 224, 3), pooling="avg")
    inp = keras.Input((224, 224, 3), name="image")
    model = keras.Model(inp, {"logits": keras.layers.Dense(1, name="logits")(base(inp))})
    fn = tf.function(lambda x: model(x, training=False), input_signature=[tf.TensorSpec((None, 224, 224, 3), tf.float32)])
    x1 = tf.constant(np.random.default_rng(0).uniform(-1, 1, (1, 224, 224, 3)).astype(np.float32))
    x32 = tf.constant(np.random.default_rng(0).uniform(-1, 1, (32, 224, 224, 3)).astype(np.float32))
    rows.append(Row(GROUP, "DenseNet121 TF compiled, per image", median_ms(lambda: fn(x1), repeat=10, warmup=2), "ms",
                    note="peer baseline (random weights)"))
    ms32 = median_ms(lambda: fn(x32), repeat=3, warmup=1)
    rows.append(Row(GROUP, "DenseNet121 TF compiled, batch 32", 32000 / ms32, "img/s", note="peer baseline"))
    with tempfile.TemporaryDirectory() as tmp:
        path = convert_to_tflite(model, Path(tmp) / "densenet.tflite")
        from ai_edge_litert.interpreter import Interpreter

        runner = Interpreter(model_path=str(path), num_threads=2).get_signature_runner()
        xa = np.asarray(x1)
        rows.append(Row(GROUP, "DenseNet121 LiteRT, per image", median_ms(lambda: runner(image=xa), repeat=10, warmup=2),
                        "ms", note="peer baseline (random weights)"))
    return rows


def run() -> list[Row]:
    from radassist.core.classify import Engine
    from radassist.core.gate import OodGate
    from radassist.core.image import load_image

    pkg, what = _package_dir()
    folder = _png_folder()
    pngs = sorted(folder.glob("*.png"))
    rows: list[Row] = []
    gate = OodGate.load()
    lite = Engine(pkg, device="cpu").load()
    tf_engine = Engine(pkg, device="cpu", runtime="tensorflow").load()
    one = pngs[0]
    x = lite.preprocess(load_image(one))[None]
    rows.append(Row(GROUP, "classifier LiteRT inference only", median_ms(lambda: lite.run_batch(x), repeat=30, warmup=3),
                    "ms", "<= 10", note=what))
    for name, eng in (("LiteRT", lite), ("TF compiled", tf_engine)):
        ms = median_ms(lambda eng=eng: eng.predict([load_image(one)]), repeat=15, warmup=3)
        goal = "<= 10" if name == "LiteRT" else ""
        rows.append(Row(GROUP, f"load -> prediction per image, {name}", ms, "ms", goal,
                        (ms <= 10) if goal else None, note=f"{one.name}, incl. PNG decode + preprocessing"))
    im = load_image(one)
    gate_ms = median_ms(lambda: gate.check(im), repeat=30, warmup=3)
    rows.append(Row(GROUP, "OOD gate per image", gate_ms, "ms", note="MobileNetV2@160 float16 LiteRT + NumPy"))

    def folder_pass() -> None:  # the predict command itself, in-process: decode prefetch + gate + classifier
        import contextlib
        import io as _io

        from radassist.cli import main

        with contextlib.redirect_stdout(_io.StringIO()):
            assert main(["predict", str(folder), "--json", "--model", str(pkg)]) == 0

    folder_pass()  # warm
    t0 = time.perf_counter()
    folder_pass()
    ips = len(pngs) / (time.perf_counter() - t0)
    rows.append(Row(GROUP, "batch predict throughput (predict over a folder)", ips, "img/s", ">= 40", ips >= 40,
                    note=f"{len(pngs)} PNGs (512 px), LiteRT, in-process"))
    rss, first, info = _rss_and_first_prediction(pkg, one)
    rows.append(Row(GROUP, "RSS with models loaded", rss, "MB", "<= 800", rss <= 800,
                    note="classifier + gate" + (" + lung U-Net" if info["lungs"] else "")))
    rows.append(Row(GROUP, "process start -> first prediction (predict one PNG)", first, "s", "<= 2.0", first <= 2.0,
                    note="median of 3 subprocess runs, LiteRT, TensorFlow never imported"))
    rows.extend(_densenet_rows())
    load = os.getloadavg()[0]
    for r in rows:  # on a shared 2-core machine other jobs inflate every figure: say how busy it was
        r.note = f"{r.note}; load avg {load:.1f}" if r.note else f"load avg {load:.1f}"
    return rows


if __name__ == "__main__":
    for r in run():
        print(f"{r.what:<55} {r.value:>10.3g} {r.unit:<6} {r.goal:<8} {r.note}")
