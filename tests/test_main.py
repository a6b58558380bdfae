"""``python -m radassist`` (and the packaged executable): files or nothing start the app, commands and
options reach the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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


# --- issue 16: a mistyped command is a usage error in every launcher; no display is said plainly ---------
REPO = Path(__file__).resolve().parent.parent
#: what a headless server or a cron job has: no DISPLAY, WAYLAND_DISPLAY or QT_QPA_PLATFORM
BARE_ENV = {"PATH": "/usr/bin:/bin"}


def _launchers() -> dict[str, list[str]]:
    """``python -m radassist``, the console script pip installs, and ``main.py`` (the packaged executable)."""
    script = Path(sys.executable).parent / "radassist"
    assert script.is_file(), f"the radassist console script is not installed beside {sys.executable}"
    return {"-m": [sys.executable, "-m", "radassist"], "script": [str(script)],
            "main.py": [sys.executable, str(REPO / "main.py")]}


@pytest.mark.parametrize("launcher", ["-m", "script", "main.py"])
def test_an_unknown_command_is_a_usage_error_in_every_launcher(launcher, tmp_path):
    env = {**BARE_ENV, "RADASSIST_HOME": str(tmp_path / "home")}  # no display: the GUI would exit 3, not 2
    proc = subprocess.run([*_launchers()[launcher], "predcit", str(tmp_path)], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "'predcit' is neither a command nor an existing file" in proc.stderr
    assert "Did you mean 'predict'?" in proc.stderr
    assert "inspect, render, predict" in proc.stderr and "audit, models" in proc.stderr  # names the commands
    assert "display" not in proc.stderr and proc.stdout == ""


def test_a_bare_word_without_a_near_command_names_the_commands(capsys):
    assert main(["frobnicate"]) == 2
    err = capsys.readouterr().err
    assert "'frobnicate' is neither a command" in err and "Did you mean" not in err and "review" in err


@pytest.mark.parametrize("launcher", ["-m", "main.py"])
def test_without_a_display_the_app_says_so_instead_of_a_qt_abort(launcher, tmp_path):
    path = write_dicom(tmp_path / "a.dcm")  # an existing file: the app's job, not the CLI's
    env = {**BARE_ENV, "RADASSIST_HOME": str(tmp_path / "home")}
    proc = subprocess.run([*_launchers()[launcher], str(path)], capture_output=True, text=True, env=env,
                          timeout=120)
    from radassist.config import EXIT_ENVIRONMENT

    assert proc.returncode == EXIT_ENVIRONMENT, proc.stderr
    (line,) = proc.stderr.splitlines()  # one message, no Qt plugin dump, no traceback
    assert line.startswith("radassist: no display to open the app's window on")
    assert "DISPLAY" in line and "radassist --help" in line


def test_the_display_check_knows_wayland_x11_and_headless_platforms():
    from radassist.__main__ import no_display_problem

    assert no_display_problem({}, "linux")
    assert no_display_problem({"QT_QPA_PLATFORM": "xcb"}, "linux")
    assert no_display_problem({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert not no_display_problem({"DISPLAY": ":0"}, "linux")
    assert not no_display_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert not no_display_problem({"QT_QPA_PLATFORM": "wayland;xcb", "DISPLAY": ":1"}, "linux")
    assert not no_display_problem({"QT_QPA_PLATFORM": "wayland-egl", "WAYLAND_DISPLAY": "w"}, "linux")
    for headless in ("offscreen", "minimal", "vnc:size=1280x1024", "eglfs", "linuxfb"):
        assert not no_display_problem({"QT_QPA_PLATFORM": headless}, "linux")
    assert not no_display_problem({}, "win32") and not no_display_problem({}, "darwin")
