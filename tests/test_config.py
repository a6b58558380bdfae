"""Settings and paths: one root under RADASSIST_HOME, atomic saves, environment overrides for one run only,
values type-checked when loaded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from radassist.config import Settings, app_paths, load_settings, save_settings
from radassist.core.errors import ConfigError


def test_radassist_home_relocates_everything_written(tmp_path):
    paths = app_paths({"RADASSIST_HOME": str(tmp_path)})
    for p in (paths.settings_file, paths.log_file, paths.audit_db, paths.models_dir, paths.cache_dir):
        assert p.resolve().is_relative_to(tmp_path.resolve())


def test_settings_round_trip_and_defaults(tmp_path):
    env = {"RADASSIST_HOME": str(tmp_path)}
    assert load_settings(env=env) == Settings()  # no file yet: defaults
    s = Settings(device="cpu", display_name="Dr A", show_heatmap=False).with_recent("/x/a.dcm").with_recent("/x/b.dcm")
    save_settings(s, env=env)
    back = load_settings(env=env)
    assert back == s and back.recent_files == ("/x/b.dcm", "/x/a.dcm") and back.show_heatmap is False
    assert not list(app_paths(env).config_dir.glob("*.tmp"))  # written atomically, nothing left behind


def test_an_environment_override_is_used_but_never_saved(tmp_path):
    """RADASSIST_AUDIT_URL for one run must not become the workstation's audit store for every later run."""
    plain = {"RADASSIST_HOME": str(tmp_path)}
    save_settings(Settings(audit_url="", device="cpu"), env=plain)
    env = {**plain, "RADASSIST_AUDIT_URL": "postgresql://pacs@db/audit", "RADASSIST_DEVICE": "gpu"}
    s = load_settings(env=env)
    assert (s.audit_url, s.device) == ("postgresql://pacs@db/audit", "gpu")
    save_settings(s.with_recent("/x/c.dcm"), env=env)  # e.g. opening a file saves the recent list
    on_disk = json.loads(app_paths(plain).settings_file.read_text())
    assert (on_disk["audit_url"], on_disk["device"]) == ("", "cpu")
    assert on_disk["recent_files"] == ["/x/c.dcm"]


def test_a_broken_settings_file_is_a_readable_problem_and_the_defaults(tmp_path):
    env = {"RADASSIST_HOME": str(tmp_path), "RADASSIST_USER": "Dr Env"}
    path = app_paths(env).ensure().settings_file
    for text in ("{not json", "[1, 2]"):
        path.write_text(text)
        s = load_settings(env=env)
        assert s == Settings(display_name="Dr Env")  # the environment still applies
        (problem,) = s.problems
        assert str(path) in problem and "every setting is at its default" in problem


@pytest.mark.parametrize(("key", "value", "default"), [
    ("max_recent", "3", 10), ("max_recent", -1, 10), ("max_recent", True, 10), ("max_recent", 2.5, 10),
    ("show_heatmap", "no", True), ("show_lungs", 0, True), ("show_heatmap", None, True),
    ("confirm_sign_off", "false", True), ("confirm_sign_off", 0, True), ("confirm_sign_off", None, True),
    ("device", "tpu", "auto"), ("device", 3, "auto"), ("model", ["a"], ""), ("display_name", 7, ""),
    ("recent_files", "/x/a.dcm", ()), ("recent_files", ["/x/a.dcm", 3], ()), ("ood_gate", {"id": 1}, ""),
])
def test_a_wrong_type_is_a_problem_and_the_default(tmp_path, caplog, key, value, default):
    """Never a TypeError later ("max_recent": "3" broke every file open), never a truthy string as on."""
    env = {"RADASSIST_HOME": str(tmp_path)}
    app_paths(env).ensure().settings_file.write_text(json.dumps({key: value, "display_name": "Dr B"}
                                                                if key != "display_name" else {key: value}))
    s = load_settings(env=env)
    assert getattr(s, key) == default and type(getattr(s, key)) is type(default)
    (problem,) = s.problems
    assert repr(key) in problem and "settings.json" in problem and "default" in problem
    assert problem in caplog.text  # logged too
    if key != "display_name":
        assert s.display_name == "Dr B"  # the other settings are kept
    assert s.with_recent("/x/b.dcm").recent_files[0] == "/x/b.dcm"


def test_well_typed_values_are_kept_and_device_names_normalised(tmp_path):
    env = {"RADASSIST_HOME": str(tmp_path)}
    app_paths(env).ensure().settings_file.write_text(json.dumps(
        {"device": " CPU ", "max_recent": 0, "show_heatmap": False, "recent_files": ["/a"], "lung_model": "x",
         "confirm_sign_off": False}))
    s = load_settings(env=env)
    assert (s.device, s.max_recent, s.show_heatmap, s.recent_files, s.lung_model) == ("cpu", 0, False, ("/a",), "x")
    assert s.confirm_sign_off is False and Settings().confirm_sign_off is True
    assert s.problems == ()


def test_a_bad_environment_value_is_a_problem_and_the_file_value_stays(tmp_path):
    plain = {"RADASSIST_HOME": str(tmp_path)}
    save_settings(Settings(device="cpu"), env=plain)
    s = load_settings(env={**plain, "RADASSIST_DEVICE": "tpu"})
    assert s.device == "cpu"
    (problem,) = s.problems
    assert problem.startswith("RADASSIST_DEVICE must be one of auto, cpu, gpu") and '"cpu"' in problem


def test_every_override_is_read_by_config_and_documented_there(tmp_path):
    """One place: config reads each RADASSIST_* variable that changes behaviour and its docstring lists it."""
    import re

    import radassist
    from radassist import config

    env = {"RADASSIST_HOME": str(tmp_path), "RADASSIST_DEVICE": "cpu", "RADASSIST_MODEL": "m",
           "RADASSIST_OOD_GATE": "/site/gate", "RADASSIST_LUNG_MODEL": "/site/lungs", "RADASSIST_USER": "Dr E",
           "RADASSIST_AUDIT_URL": "postgresql://db/audit"}
    s = load_settings(env=env)
    assert (s.device, s.model, s.ood_gate, s.lung_model, s.display_name, s.audit_url) == (
        "cpu", "m", "/site/gate", "/site/lungs", "Dr E", "postgresql://db/audit")
    for var in [*config.ENV_OVERRIDES.values(), "RADASSIST_HOME", "RADASSIST_TRUSTED_KEYS"]:
        assert f"``{var}``" in config.__doc__
    root = Path(radassist.__file__).parent
    for py in root.rglob("*.py"):
        if py.name == "config.py" or "training" in py.parts:
            continue
        text = py.read_text(encoding="utf-8")
        assert not re.search(r"environ(\.get)?\s*[\[(]\s*[\"']RADASSIST_", text), f"{py} reads an override itself"


def test_the_flag_beats_the_environment_beats_the_file(tmp_path):
    from radassist.config import resolve_device, resolve_model

    plain = {"RADASSIST_HOME": str(tmp_path)}
    save_settings(Settings(device="gpu", model="from-file"), env=plain)
    assert (resolve_device(None, env=plain), resolve_model(None, env=plain)) == ("gpu", "from-file")
    env = {**plain, "RADASSIST_DEVICE": "cpu", "RADASSIST_MODEL": "from-env"}
    assert (resolve_device(None, env=env), resolve_model(None, env=env)) == ("cpu", "from-env")
    assert (resolve_device("AUTO", env=env), resolve_model("flag", env=env)) == ("auto", "flag")
    assert resolve_model(None, Settings()) is None  # the bundled default
    with pytest.raises(ConfigError, match="Unknown device"):
        resolve_device("tpu", env=env)


def test_unknown_keys_in_the_file_are_ignored(tmp_path):
    """A settings file written by a newer version still opens."""
    env = {"RADASSIST_HOME": str(tmp_path)}
    app_paths(env).ensure().settings_file.write_text(json.dumps({"display_name": "Dr B", "future_option": 1}))
    assert load_settings(env=env).display_name == "Dr B"


# --- secrets and permissions -------------------------------------------------------------------------------
@pytest.mark.parametrize(("url", "secret"), [
    ("postgresql://pacs:Hunter2@db:5432/audit", "Hunter2"),
    ("postgresql://pacs@db/audit?password=Hunter2&sslmode=require", "Hunter2"),
    ("postgres://pacs:p@ss@db/audit", "p@ss"),
    ("connect failed: host=db user=pacs password=Hunter2 dbname=audit", "Hunter2"),
])
def test_redact_url_hides_every_password(url, secret):
    from radassist.config import redact_url

    shown = redact_url(url)
    assert secret not in shown and "***" in shown and "db" in shown


def test_a_saved_url_loses_its_password_and_the_files_are_private(tmp_path, caplog):
    import stat

    env = {"RADASSIST_HOME": str(tmp_path / "home")}
    save_settings(Settings(audit_url="postgresql://pacs:Hunter2@db/audit?password=Sw0rd&sslmode=require"), env=env)
    paths = app_paths(env)
    text = paths.settings_file.read_text()
    assert "Hunter2" not in text and "Sw0rd" not in text
    assert json.loads(text)["audit_url"] == "postgresql://pacs@db/audit?sslmode=require"
    assert ".pgpass" in caplog.text and "Hunter2" not in caplog.text
    assert stat.S_IMODE(paths.settings_file.stat().st_mode) == 0o600
    for d in (paths.config_dir, paths.data_dir, paths.log_dir, paths.cache_dir):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700
    # a 0.1 file with a password: used for this run, the user is told, and it goes at the next save
    paths.settings_file.write_text(json.dumps({"audit_url": "postgresql://pacs:Hunter2@db/audit"}))
    s = load_settings(env=env)
    assert s.audit_url.endswith("@db/audit") and any(".pgpass" in p and "Hunter2" not in p for p in s.problems)


def test_the_log_file_is_private_and_never_shows_a_password(tmp_path):
    import logging
    import stat

    from radassist.log import configure_logging, reset_logging_for_tests

    reset_logging_for_tests()
    paths = app_paths({"RADASSIST_HOME": str(tmp_path)})
    try:
        configure_logging(paths)
        logging.getLogger("radassist.test").warning("cannot reach postgresql://pacs:Hunter2@db/audit?password=X1")
    finally:
        reset_logging_for_tests()
    text = paths.log_file.read_text()
    assert "Hunter2" not in text and "X1" not in text and "pacs:***@db" in text
    assert stat.S_IMODE(paths.log_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(paths.log_dir.stat().st_mode) == 0o700


def test_the_audit_key_file_can_be_pointed_at_a_site_key(tmp_path):
    from radassist.config import audit_key_path

    env = {"RADASSIST_HOME": str(tmp_path)}
    assert audit_key_path(load_settings(env=env), app_paths(env)) == app_paths(env).config_dir / "audit-key"
    site = {**env, "RADASSIST_AUDIT_KEY_FILE": "/etc/radassist/audit-key"}
    assert audit_key_path(load_settings(env=site), app_paths(site)) == Path("/etc/radassist/audit-key")
