"""``python -m radassist`` (and the packaged executable): files or nothing start the app, commands and
options reach the CLI."""

from __future__ import annotations

import subprocess
import sys

import pytest

from radassist import __version__
from radassist.__main__ import main
from tests.fixtures.dicom_factory import write_dicom


def _run(*args: str, home) -> subprocess.CompletedProcess:
    env = {"QT_QPA_PLATFORM": "offscreen", "RADASSIST_HOME": str(home), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "radassist", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def test_version_and_help_go_to_the_cli(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.strip() == f"RadAssist {__version__}"
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "inspect" in capsys.readouterr().out


def test_a_command_goes_to_the_cli(tmp_path, capsys):
    path = write_dicom(tmp_path / "a.dcm")
    assert main(["inspect", str(path), "--json"]) == 0
    assert '"status": "ok"' in capsys.readouterr().out


def test_a_file_argument_opens_the_app(tmp_path):
    """What a file manager's "Open with RadAssist" runs: ``radassist FILE``."""
    path = write_dicom(tmp_path / "a.dcm")
    out = _run(str(path), "--exit-when-shown", home=tmp_path / "home")
    assert out.returncode == 0, out.stderr
    assert "shown" in out.stdout
