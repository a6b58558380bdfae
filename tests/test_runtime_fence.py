"""The run time is fenced from training: ``predict`` and the app work with TensorFlow and Keras unimportable.

Each process starts through a bootstrap that puts a finder first on ``sys.meta_path``: ``tensorflow`` and
``keras`` look installed (as on a training machine, so "is TensorFlow there?" checks say yes), but importing
either raises ImportError and is recorded. The process then runs the real entry point. Import-linter checks
the same fence statically (``make lint``); this checks what actually runs, dependencies included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import REPO, shared_path

FENCE = r'''
import atexit, importlib.abc, importlib.machinery, sys

tried = []


class _Refuse(importlib.abc.Loader):
    def create_module(self, spec):
        tried.append(spec.name)
        raise ImportError(f"{spec.name} is fenced off: the run time must not import it")

    def exec_module(self, module):
        raise ImportError(module.__name__)


class _Fence(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("tensorflow", "keras"):
            return importlib.machinery.ModuleSpec(name, _Refuse())
        return None


sys.meta_path.insert(0, _Fence())
atexit.register(lambda: sys.stderr.write(f"\nFENCE-TRIED {sorted(set(tried))}\n"))
'''

PREDICT = FENCE + r'''
import runpy
sys.argv = ["radassist", *sys.argv[1:]]
runpy.run_module("radassist", run_name="__main__", alter_sys=True)
'''

GUI = FENCE + r'''
import json
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from radassist.gui.app import create_window

app = QApplication(["radassist"])
window = create_window(None)  # what run_app shows: settings, main window, assistant
window.show()
out = {}


def finished(result):
    out.update(record=result.record, device=result.pipeline.engine.device)
    app.quit()


def failed(_sha, exc):
    out.update(error=str(exc))
    app.quit()


window.assistant.analysis.finished.connect(finished)
window.assistant.analysis.failed.connect(failed)
QTimer.singleShot(0, lambda: window.open_paths([Path(sys.argv[1])]))
QTimer.singleShot(120_000, app.quit)
app.exec()
window.assistant.shutdown()
print("RESULT " + json.dumps(out))
'''


def _run(code: str, *args: str, home) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "RADASSIST_HOME": str(home), "RADASSIST_DEVICE": "auto"}
    for var in ("RADASSIST_MODEL", "RADASSIST_OOD_GATE", "RADASSIST_LUNG_MODEL"):  # the bundled packages
        env.pop(var, None)
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=REPO, env=env,
                          timeout=180)


def _fence_tried(proc: subprocess.CompletedProcess) -> str:
    line = [x for x in proc.stderr.splitlines() if x.startswith("FENCE-TRIED")]
    assert line, proc.stderr  # the fence was in place until the end
    return line[-1]


def test_predict_runs_on_litert_with_tensorflow_and_keras_unimportable(tmp_path):
    image = sorted(shared_path("data", "kermany_train", "NORMAL").glob("*.jpeg"))[0]
    proc = _run(PREDICT, "predict", str(image), "--json", home=tmp_path / "home")
    assert proc.returncode == 0, proc.stderr
    (rec,) = [json.loads(x) for x in proc.stdout.splitlines() if x.startswith("{")]
    assert rec["status"] == "ok" and rec["runtime"] == "litert" and rec["device"] == "cpu"
    assert rec["findings"] and 0.0 <= rec["findings"][0]["probability"] <= 1.0
    assert rec["ood"]["accepted"] and rec["lung_area"]["pixels"] > 0  # gate and lungs ran too
    assert _fence_tried(proc) == "FENCE-TRIED []"  # nothing even tried to import them


def test_the_app_opens_an_image_and_shows_findings_with_tensorflow_and_keras_unimportable(tmp_path):
    image = sorted(shared_path("data", "kermany_train", "NORMAL").glob("*.jpeg"))[0]
    proc = _run(GUI, str(image), home=tmp_path / "home")
    assert proc.returncode == 0, proc.stderr
    (line,) = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
    out = json.loads(line.removeprefix("RESULT "))
    assert "error" not in out, out
    rec = out["record"]
    assert out["device"] == "cpu" and rec["runtime"] == "litert"
    assert rec["status"] == "ok" and rec["findings"] and rec["lung_area"]["pixels"] > 0
    assert _fence_tried(proc) == "FENCE-TRIED []"
