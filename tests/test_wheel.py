"""The wheel is the app: ``pip wheel .`` carries the model packages, icons and the desktop entry inside
the package, and ``radassist predict`` runs from the installed wheel outside the checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.fixtures.dicom_factory import write_dicom

pytestmark = pytest.mark.slow

BUNDLED = ("cxr-pneumonia", "lung-unet", "ood-gate")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # no build isolation: the dev extra pins setuptools>=77, so no download is needed here
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(out), str(REPO)], check=True, capture_output=True, timeout=300)
    (found,) = out.glob("radassist-*.whl")
    return found


def test_the_wheel_carries_models_icons_and_the_desktop_entry(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for pkg in BUNDLED:
        assert f"radassist/resources/models/{pkg}/model_card.json" in names
        card_files = {n for n in names if n.startswith(f"radassist/resources/models/{pkg}/")}
        assert any(n.endswith(".tflite") for n in card_files), pkg
    assert "radassist/resources/radassist.desktop" in names
    assert "radassist/resources/icons/radassist-256.png" in names
    assert "radassist/py.typed" in names
    assert not any(n.startswith(("tests/", "docs/", "scripts/")) for n in names)


def test_predict_runs_from_the_installed_wheel_outside_the_checkout(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    image = write_dicom(tmp_path / "chest.dcm")
    env = {**os.environ, "PYTHONPATH": str(target), "RADASSIST_HOME": str(tmp_path / "home")}
    code = ("import radassist, sys; print(radassist.__file__, file=sys.stderr); "
            "from radassist.__main__ import main; sys.exit(main(sys.argv[1:]))")
    run = subprocess.run([sys.executable, "-c", code, "predict", str(image), "--json"], cwd=tmp_path,
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stderr.splitlines()[0].startswith(str(target)), "the checkout, not the wheel, was imported"
    (line,) = [ln for ln in run.stdout.splitlines() if ln.strip()]
    record = json.loads(line)
    assert record["model"]["id"] == "cxr-pneumonia"
    assert record["status"] in ("ok", "rejected")
