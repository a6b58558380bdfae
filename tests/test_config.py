"""Settings and paths: one root under RADASSIST_HOME, atomic saves, environment overrides for one run only."""

from __future__ import annotations

import json

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


def test_a_broken_settings_file_is_a_readable_error(tmp_path):
    env = {"RADASSIST_HOME": str(tmp_path)}
    path = app_paths(env).ensure().settings_file
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_settings(env=env)
    path.write_text(json.dumps({"device": "tpu"}))
    with pytest.raises(ConfigError, match="Unknown device"):
        load_settings(env=env)


def test_unknown_keys_in_the_file_are_ignored(tmp_path):
    """A settings file written by a newer version still opens."""
    env = {"RADASSIST_HOME": str(tmp_path)}
    app_paths(env).ensure().settings_file.write_text(json.dumps({"display_name": "Dr B", "future_option": 1}))
    assert load_settings(env=env).display_name == "Dr B"
