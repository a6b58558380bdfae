"""``radassist models verify|list|doc`` on the real bundled packages and on damaged copies of them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from radassist.cli import main
from radassist.core import models
from tests.conftest import REPO

BUNDLED = ("cxr-pneumonia", "lung-unet", "ood-gate")


def _copy(tmp_path, pkg="ood-gate"):
    dest = tmp_path / pkg
    shutil.copytree(models.bundled_dir() / pkg, dest)
    return dest


def _edit_card(pkg_dir, edit) -> None:
    path = pkg_dir / models.CARD_NAME
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data, indent=2))


def test_verify_passes_every_bundled_package_with_one_ok_line_each(capsys):
    assert main(["models", "verify", *(str(models.bundled_dir() / p) for p in BUNDLED)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(line.startswith("OK ") for line in lines)
    assert "LiteRT outputs logits, cam, features" in lines[0]


def test_verify_accepts_ids(capsys):
    assert main(["models", "verify", "lung-unet"]) == 0
    assert capsys.readouterr().out.startswith("OK   lung-unet@")


def test_verify_names_a_flipped_byte(tmp_path, capsys):
    pkg = _copy(tmp_path)
    data = bytearray((pkg / "features.tflite").read_bytes())
    data[len(data) // 2] ^= 0x01
    (pkg / "features.tflite").write_bytes(bytes(data))
    assert main(["models", "verify", str(models.bundled_dir() / "lung-unet"), str(pkg)]) == 1
    out = capsys.readouterr()
    assert out.out.startswith("OK   lung-unet@")  # the sound package is still reported
    assert "FAIL ood-gate@" in out.out and "features.tflite is damaged" in out.out
    assert "1 of 2 package(s) failed" in out.err


def test_verify_names_the_schema_failure(tmp_path, capsys):
    pkg = _copy(tmp_path)
    _edit_card(pkg, lambda d: d.pop("outputs"))
    assert main(["models", "verify", str(pkg)]) == 1
    assert "outputs: required field missing" in capsys.readouterr().out


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda o: o.update(shape=["N", 1000]), "output 'features' has shape (1, 1280), the card declares (N, 1000)"),
    (lambda o: o.update(range=[0, 1]), "outside the declared range [0, 1]"),
    (lambda o: o.update(dtype="float16"), "output 'features' is float32, the card declares float16"),
    (lambda o: o.update(name="embedding"), "declared output 'embedding' is not returned"),
])
def test_verify_checks_each_declared_output_against_a_litert_run(tmp_path, capsys, edit, expected):
    pkg = _copy(tmp_path)
    _edit_card(pkg, lambda d: edit(d["outputs"][0]))
    assert main(["models", "verify", str(pkg)]) == 1
    assert expected in capsys.readouterr().out


def test_verify_checks_the_declared_input(tmp_path, capsys):
    pkg = _copy(tmp_path)
    _edit_card(pkg, lambda d: d["inputs"][0].update(shape=["N", 224, 224, 3]))
    assert main(["models", "verify", str(pkg)]) == 1
    assert "input 'image' has shape (-1, 160, 160, 3)" in capsys.readouterr().out


def test_verify_a_folder_that_is_no_package(tmp_path, capsys):
    assert main(["models", "verify", str(tmp_path)]) == 1
    assert capsys.readouterr().out.startswith("FAIL ")


def test_verify_imports_no_tensorflow():
    code = ("import sys; sys.modules['tensorflow'] = sys.modules['keras'] = None; "
            "from radassist.cli import main; rc = main(['models', 'verify', 'cxr-pneumonia']); "
            "assert not any(m.startswith(('tensorflow', 'keras')) and sys.modules[m] for m in sys.modules); "
            "sys.exit(rc)")
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("OK   cxr-pneumonia@")


def test_list_shows_the_bundled_packages(capsys, radassist_home):
    assert main(["models", "list"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert {(r[0], r[2]) for r in rows} >= {(p, "bundled") for p in BUNDLED}
    assert all(r[1] == models.read_card(models.bundled_dir() / r[0]).version for r in rows)


def test_doc_writes_the_generated_page(tmp_path, capsys):
    out = tmp_path / "page.md"
    assert main(["models", "doc", "ood-gate", "--out", str(out)]) == 0
    assert out.read_text() == (REPO / "docs" / "models" / "ood-gate.md").read_text()
