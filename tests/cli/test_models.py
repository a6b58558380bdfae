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
    assert {(r[0], r[2], r[3]) for r in rows} >= {(p, "bundled", "bundled") for p in BUNDLED}
    assert all(r[1] == models.read_card(models.bundled_dir() / r[0]).version for r in rows)


def test_verify_names_an_untrusted_package_and_still_runs_every_check(tmp_path, capsys):
    pkg = _copy(tmp_path)
    _edit_card(pkg, lambda d: d.update(title="mine"))
    assert main(["models", "verify", str(pkg)]) == 1
    out = capsys.readouterr().out
    assert "is not signed" in out and "radassist models sign" in out
    assert len([line for line in out.splitlines() if line.startswith("  - ")]) == 1  # the one problem
    _edit_card(pkg, lambda d: d["outputs"][0].update(range=[0, 1]))  # the LiteRT run still happens
    assert main(["models", "verify", str(pkg)]) == 1
    out = capsys.readouterr().out
    assert "is not signed" in out and "outside the declared range [0, 1]" in out


def test_the_bundled_manifest_is_current_and_verify_checks_it(capsys):
    manifest = models.bundled_dir() / "TRUSTED.json"
    assert main(["models", "bundle-manifest", "--check"]) == 0
    assert main(["models", "verify", str(manifest)]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("OK   ")
    # what `make lint` runs: every entry of the bundled folder, the manifest included
    run = subprocess.run([sys.executable, "-m", "radassist", "models", "verify",
                          *sorted(str(p) for p in models.bundled_dir().iterdir())],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("OK   ") == len(BUNDLED) + 1


def test_keygen_sign_install_the_site_workflow(tmp_path, capsys, radassist_home, monkeypatch):
    trusted = tmp_path / "trusted-keys"
    trusted.mkdir()
    monkeypatch.setenv("RADASSIST_TRUSTED_KEYS", str(trusted))
    assert main(["models", "keygen", "--out", str(tmp_path / "admin"), "--name", "site-it"]) == 0
    key, pub = tmp_path / "admin" / "site-it.key", tmp_path / "admin" / "site-it.pub"
    assert key.stat().st_mode & 0o777 == 0o600 and pub.is_file()
    assert main(["models", "keygen", "--out", str(tmp_path / "admin"), "--name", "site-it"]) == 1  # never overwrites
    assert "never overwritten" in capsys.readouterr().err

    pkg = _copy(tmp_path)
    _edit_card(pkg, lambda d: (d.update(version="1.2.0"),
                               d["changelog"].append({"version": "1.2.0", "date": "2026-12-01", "changes": ["site"]})))
    assert main(["models", "install", str(pkg)]) == 1  # unsigned: refused, nothing installed
    assert "is not signed" in capsys.readouterr().err
    assert not (models.installed_dir() / "ood-gate" / "1.2.0").exists()

    assert main(["models", "sign", str(pkg), "--key", str(key)]) == 0
    out = capsys.readouterr()
    assert (pkg / "model_card.sig").is_file() and "not trusted on this machine" in out.err
    assert main(["models", "install", str(pkg)]) == 1  # signed, but by a key this workstation does not trust
    assert "does not trust" in capsys.readouterr().err

    (trusted / "site-it.pub").write_bytes(pub.read_bytes())  # the administrator trusts the site's key
    assert main(["models", "install", str(pkg)]) == 0
    assert "signed by site-it (key " in capsys.readouterr().out
    assert main(["models", "verify", "ood-gate@1.2.0"]) == 0
    assert "trusted: site-it (key " in capsys.readouterr().out
    assert main(["models", "install", str(pkg)]) == 1  # a version is installed once
    assert "already installed" in capsys.readouterr().err
    assert main(["models", "list"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert ["ood-gate", "1.2.0", "installed", "signed"] in [r[:4] for r in rows]


def test_sign_refuses_a_key_others_can_read(tmp_path, capsys):
    assert main(["models", "keygen", "--out", str(tmp_path), "--name", "k"]) == 0
    (tmp_path / "k.key").chmod(0o644)
    pkg = _copy(tmp_path)
    assert main(["models", "sign", str(pkg), "--key", str(tmp_path / "k.key")]) == 1
    assert "can be read by other users" in capsys.readouterr().err
    assert not (pkg / "model_card.sig").exists()


def test_doc_writes_the_generated_page(tmp_path, capsys):
    out = tmp_path / "page.md"
    assert main(["models", "doc", "ood-gate", "--out", str(out)]) == 0
    assert out.read_text() == (REPO / "docs" / "models" / "ood-gate.md").read_text()
