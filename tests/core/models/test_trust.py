"""The trust decision at load (issue 20, part 4): bundled packages by their shipped card hashes, every other
package by an Ed25519 signature from a key the site trusts; edited, planted and wrongly signed packages are
refused on every way a package is selected (a path, RADASSIST_MODEL, settings.json, id@version)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from radassist import config
from radassist.core import models
from radassist.core.analysis import Pipeline
from radassist.core.errors import ModelError, ModelIntegrityError, ModelTrustError
from radassist.core.models import trust
from tests.conftest import REPO
from tests.core.models.signing import write_key_pair
from tests.core.test_gate import synthetic_body

BUNDLED = ("cxr-pneumonia", "lung-unet", "ood-gate")
CLASSIFIER = models.DEFAULT_MODEL_ID


def copy_package(src: Path, dest: Path) -> Path:
    """A copy of a package: its card copied (to be edited), every other file linked (read, never written)."""
    dest.mkdir(parents=True)
    for f in src.iterdir():
        if f.name == models.CARD_NAME:
            shutil.copyfile(f, dest / f.name)
        else:
            (dest / f.name).symlink_to(f.resolve())
    return dest


def edit_card(pkg: Path, edit) -> None:
    path = pkg / models.CARD_NAME
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data, indent=2) + "\n")


def set_threshold(value: float):
    return lambda d: d["thresholds"].update(pneumonia=value)


def as_version(version: str):
    def edit(d):
        d["version"] = version
        d["changelog"].append({"version": version, "date": "2026-12-01", "changes": ["not from us"]})
    return edit


@pytest.fixture
def site(tmp_path, monkeypatch, radassist_home):
    """A site: the administrator's key pair (trusted here), another key (trusted nowhere), a fresh home."""
    keys = tmp_path / "keys"
    admin_key, admin_pub = write_key_pair(Ed25519PrivateKey.generate(), keys / "admin", "site-it")
    other_key, _ = write_key_pair(Ed25519PrivateKey.generate(), keys / "other", "someone-else")
    trusted = tmp_path / "trusted-keys"
    trusted.mkdir()
    shutil.copyfile(admin_pub, trusted / admin_pub.name)
    monkeypatch.setenv(trust.KEYS_ENV, str(trusted))
    return {"admin": admin_key, "other": other_key, "trusted": trusted, "home": radassist_home}


def admin_signer(site) -> str:
    keys, _ = trust.trusted_keys(site["trusted"])
    (key,) = keys.values()
    return key.signer


# --- bundled ---------------------------------------------------------------------------------------------
def test_the_shipped_manifest_lists_the_committed_cards():
    assert trust.manifest_problems() == []
    listed = {(e["id"], e["version"], e["card_sha256"])
              for e in json.loads(trust.manifest_path().read_text())["packages"]}
    for pkg in BUNDLED:
        card = models.bundled_dir() / pkg / models.CARD_NAME
        assert (pkg, models.read_card(card.parent).version, models.load_package(card.parent).sha256) in listed


def test_a_stale_manifest_is_named(tmp_path):
    folder = tmp_path / "models"
    for pkg in BUNDLED:
        copy_package(models.bundled_dir() / pkg, folder / pkg)
    trust.write_bundle_manifest(folder)
    assert trust.manifest_problems(folder) == []
    edit_card(folder / CLASSIFIER, set_threshold(0.999))
    (problem,) = trust.manifest_problems(folder)
    assert "radassist models bundle-manifest" in problem


@pytest.mark.parametrize("pkg", BUNDLED)
def test_bundled_packages_are_trusted_by_their_shipped_hashes(pkg, site):
    loaded = models.open_package(pkg)
    assert loaded.signer == "bundled" and loaded.identity["signer"] == "bundled"


def test_an_exact_copy_of_a_bundled_package_is_the_bundled_model(tmp_path, site):
    copy = copy_package(models.bundled_dir() / CLASSIFIER, tmp_path / "copy")
    assert models.load_package(copy).identity == models.open_package(CLASSIFIER).identity


def test_a_bundled_card_edited_in_place_is_refused(tmp_path, monkeypatch, site):
    resources = tmp_path / "resources"
    for pkg in BUNDLED:
        copy_package(models.bundled_dir() / pkg, resources / "models" / pkg)
    shutil.copyfile(trust.manifest_path(), resources / "models" / trust.MANIFEST_NAME)
    monkeypatch.setattr(config, "RESOURCES_DIR", resources)
    assert models.bundled_dir() == resources / "models"
    assert models.open_package(CLASSIFIER).signer == "bundled"
    edit_card(resources / "models" / CLASSIFIER, set_threshold(0.999))
    with pytest.raises(ModelTrustError, match=r"bundled with RadAssist but its model card is not the one"):
        models.open_package(CLASSIFIER)
    with pytest.raises(ModelTrustError, match=r"Reinstall RadAssist"):
        Pipeline.load(config.Settings(device="cpu"))


def test_a_missing_manifest_trusts_no_bundled_package(tmp_path, monkeypatch, site):
    resources = tmp_path / "resources"
    copy_package(models.bundled_dir() / "ood-gate", resources / "models" / "ood-gate")
    monkeypatch.setattr(config, "RESOURCES_DIR", resources)
    with pytest.raises(ModelTrustError, match=r"TRUSTED.json"):
        models.open_package("ood-gate")


# --- edited and planted packages --------------------------------------------------------------------------
def test_an_edited_threshold_is_refused_whatever_hashes_were_recomputed(tmp_path, site):
    pkg = copy_package(models.bundled_dir() / CLASSIFIER, tmp_path / "edited")
    edit_card(pkg, set_threshold(0.999))  # the card's own hash is what it is; every file still matches it
    with pytest.raises(ModelTrustError) as err:
        models.load_package(pkg)
    msg = str(err.value)
    assert "is not signed" in msg and "radassist models sign" in msg and str(site["trusted"]) in msg
    with pytest.raises(ModelTrustError):
        Pipeline.load(config.Settings(device="cpu", model=str(pkg)))


def _plant(home: Path, version: str = "6.6.6") -> Path:
    """A fake version of the bundled classifier put straight into the installed models folder."""
    dest = copy_package(models.bundled_dir() / CLASSIFIER, home / "data" / "models" / CLASSIFIER / version)
    edit_card(dest, as_version(version))
    edit_card(dest, set_threshold(0.999))
    return dest


def test_a_planted_version_is_refused_through_radassist_model(site, monkeypatch):
    planted = _plant(site["home"])
    assert models.resolve(f"{CLASSIFIER}@6.6.6") == planted
    monkeypatch.setenv("RADASSIST_MODEL", f"{CLASSIFIER}@6.6.6")
    settings = config.load_settings()
    assert settings.model == f"{CLASSIFIER}@6.6.6"
    with pytest.raises(ModelTrustError, match=r"6\.6\.6 .* is not signed"):
        Pipeline.load(replace_device(settings))


def test_a_planted_version_is_refused_through_the_settings_file(site):
    _plant(site["home"])
    settings_file = config.app_paths().settings_file
    settings_file.parent.mkdir(parents=True, exist_ok=True)
    settings_file.write_text(json.dumps({"model": f"{CLASSIFIER}@6.6.6", "device": "cpu"}))
    settings = config.load_settings()
    assert settings.model == f"{CLASSIFIER}@6.6.6"
    with pytest.raises(ModelTrustError, match=r"is not signed"):
        Pipeline.load(settings)


def test_a_planted_gate_is_refused_and_every_analysis_says_so(tmp_path, site):
    gate = copy_package(models.bundled_dir() / "ood-gate", tmp_path / "gate")
    edit_card(gate, lambda d: d.update(limitations=[*d["limitations"], "accepts anything"]))
    p = Pipeline.load(config.Settings(device="cpu", ood_gate=str(gate)))
    assert p.gate is None
    (note,) = [n for n in p.notes if "not signed" in n]
    assert note.startswith("No out-of-distribution gate ran")


def replace_device(settings):
    from dataclasses import replace

    return replace(settings, device="cpu")


# --- signatures ---------------------------------------------------------------------------------------------
def _signed_copy(tmp_path, site, key="admin", version="1.1.0") -> Path:
    pkg = copy_package(models.bundled_dir() / CLASSIFIER, tmp_path / f"signed-{key}")
    edit_card(pkg, as_version(version))
    trust.sign_package(pkg, site[key])
    return pkg


def test_a_package_signed_by_a_trusted_key_loads_and_names_its_signer(tmp_path, site):
    pkg = _signed_copy(tmp_path, site)
    loaded = models.load_package(pkg)
    assert loaded.signer == admin_signer(site) and loaded.signer.startswith("site-it (key ")
    assert loaded.identity == {"id": CLASSIFIER, "version": "1.1.0", "sha256": loaded.sha256,
                               "signer": admin_signer(site)}
    p = Pipeline.load(config.Settings(device="cpu", model=str(pkg)))
    record = p.analyze(synthetic_body(1)).to_record()
    assert record["model"]["signer"] == admin_signer(site) and record["model"]["version"] == "1.1.0"
    assert record["ood"]["model"]["signer"] == "bundled"
    # the audit trail keeps "the AI output as shown": it names who vouched for the model
    from radassist.core.audit import open_store
    from radassist.core.review import Review

    store = open_store(tmp_path / "audit.sqlite3")
    try:
        Review(record, "dr.alice", store).prediction_shown()
        (shown,) = store.query()
        assert shown.event.ai_output["model"]["signer"] == admin_signer(site)
    finally:
        store.close()


def test_a_package_signed_by_an_untrusted_key_is_refused(tmp_path, site):
    pkg = _signed_copy(tmp_path, site, key="other")
    with pytest.raises(ModelTrustError) as err:
        models.load_package(pkg)
    msg = str(err.value)
    assert "which this workstation does not trust" in msg and "site-it" in msg
    sig = json.loads((pkg / trust.SIGNATURE_NAME).read_text())
    assert sig["key_id"] in msg


def test_a_card_edited_after_signing_is_refused(tmp_path, site):
    pkg = _signed_copy(tmp_path, site)
    edit_card(pkg, set_threshold(0.999))
    with pytest.raises(ModelTrustError, match=r"does not match its model card"):
        models.load_package(pkg)


def test_a_signature_copied_from_another_package_is_refused(tmp_path, site):
    a = _signed_copy(tmp_path, site)
    b = copy_package(models.bundled_dir() / CLASSIFIER, tmp_path / "b")
    edit_card(b, as_version("1.2.0"))
    shutil.copyfile(a / trust.SIGNATURE_NAME, b / trust.SIGNATURE_NAME)
    with pytest.raises(ModelTrustError, match=r"does not match"):
        models.load_package(b)


def test_a_garbled_signature_file_is_refused(tmp_path, site):
    pkg = _signed_copy(tmp_path, site)
    (pkg / trust.SIGNATURE_NAME).write_text("{not json")
    with pytest.raises(ModelTrustError, match=r"not a readable RadAssist signature"):
        models.load_package(pkg)


def test_removing_the_key_from_the_trusted_folder_revokes_it(tmp_path, site):
    pkg = _signed_copy(tmp_path, site)
    assert models.load_package(pkg).signer == admin_signer(site)
    (site["trusted"] / "site-it.pub").unlink()
    with pytest.raises(ModelTrustError, match=r"does not trust"):
        models.load_package(pkg)


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_a_trusted_keys_folder_anyone_can_write_trusts_nothing(tmp_path, site):
    pkg = _signed_copy(tmp_path, site)
    site["trusted"].chmod(0o777)
    try:
        with pytest.raises(ModelTrustError, match=r"writable by every user"):
            models.load_package(pkg)
    finally:
        site["trusted"].chmod(0o700)


def test_signing_checks_every_file_first(tmp_path, site):
    pkg = copy_package(models.bundled_dir() / "ood-gate", tmp_path / "gate")
    (pkg / "params.json").unlink()
    (pkg / "params.json").write_text("{}")
    with pytest.raises(ModelIntegrityError, match=r"params.json"):
        trust.sign_package(pkg, site["admin"])
    assert not (pkg / trust.SIGNATURE_NAME).exists()


def test_without_required_trust_the_package_says_untrusted(tmp_path, site):
    pkg = copy_package(models.bundled_dir() / CLASSIFIER, tmp_path / "edited")
    edit_card(pkg, set_threshold(0.999))
    loaded = models.load_package(pkg, require_trust=False)
    assert loaded.signer == "untrusted" and loaded.identity["signer"] == "untrusted"


def test_a_training_process_may_run_what_it_just_exported_and_nobody_else(tmp_path, site):
    from radassist.training import export

    gate = models.open_package("ood-gate")
    card = {**gate.card.to_json(), "version": "0.0.9"}
    del card["files"], card["created"]
    out = export.write_package(tmp_path / "candidate", card, {"tflite": gate.path("tflite"),
                                                               "params": gate.path("params")})
    assert models.load_package(out).signer == trust.EXPORTED_SIGNER  # e.g. the trainer measuring its package
    with pytest.raises(ModelTrustError, match=r"is not signed"):
        models.install_package(out)
    # any other process (the app, predict) did not write it: refused there
    code = "import sys; from radassist.core.models import load_package; load_package(sys.argv[1])"
    run = subprocess.run([sys.executable, "-c", code, str(out)], cwd=REPO, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode != 0 and "ModelTrustError" in run.stderr and "is not signed" in run.stderr
    edit_card(out, lambda d: d.update(title="edited after export"))
    with pytest.raises(ModelTrustError, match=r"is not signed"):
        models.load_package(out)
    trust.sign_package(out, site["admin"])  # signed: a package like any other, for every process
    assert models.load_package(out).signer == admin_signer(site)
    assert models.install_package(out) == models.installed_dir() / "ood-gate" / "0.0.9"


# --- install ------------------------------------------------------------------------------------------------
def test_install_refuses_an_unsigned_package_and_installs_nothing(tmp_path, site):
    pkg = copy_package(models.bundled_dir() / CLASSIFIER, tmp_path / "fake")
    edit_card(pkg, as_version("6.6.6"))
    with pytest.raises(ModelTrustError, match=r"is not signed"):
        models.install_package(pkg)
    assert not (models.installed_dir() / CLASSIFIER).exists() or not any((models.installed_dir() / CLASSIFIER).iterdir())


def test_install_copies_a_signed_package_which_then_loads_by_version(tmp_path, site):
    pkg = _signed_copy(tmp_path, site)
    dest = models.install_package(pkg)
    assert dest == models.installed_dir() / CLASSIFIER / "1.1.0"
    assert not dest.joinpath("model.tflite").is_symlink()  # a copy, not a link to where it came from
    loaded = models.open_package(f"{CLASSIFIER}@1.1.0")
    assert loaded.root == dest.resolve() and loaded.signer == admin_signer(site)
    assert [p.name for p in dest.parent.iterdir()] == ["1.1.0"]  # no half-copied folder left behind


def test_install_refuses_a_signed_package_whose_file_was_swapped(tmp_path, site):
    pkg = _signed_copy(tmp_path, site)
    (pkg / "report.md").unlink()
    (pkg / "report.md").write_text("# all fine\n")
    with pytest.raises(ModelIntegrityError, match=r"report.md"):
        models.install_package(pkg)
    assert not (models.installed_dir() / CLASSIFIER / "1.1.0").exists()


def test_keygen_writes_a_private_key_only_its_owner_reads(tmp_path):
    key, pub, kid = models.generate_keypair(tmp_path / "admin", "site-it")
    if os.name == "posix":
        assert key.stat().st_mode & 0o777 == 0o600
    keys, problems = trust.trusted_keys(pub.parent)
    assert problems == [] and list(keys) == [kid] and keys[kid].name == "site-it"
    with pytest.raises(ModelError, match=r"never overwritten"):
        models.generate_keypair(tmp_path / "admin", "site-it")
