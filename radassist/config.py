"""Settings, the places RadAssist writes to, every environment override, and the process exit codes.

A value comes from, first to last: a command-line flag (``--device``, ``--model``, ...), the environment
variable below, ``settings.json``, the default. One rule for every front door (``resolve_device``,
``resolve_model`` apply the flag; ``load_settings`` the rest). Environment overrides are for one run:
``save_settings`` never writes them into the file.

Environment overrides (all read here, nowhere else):

- ``RADASSIST_HOME``: one folder for everything RadAssist writes (settings, logs, audit database,
  installed models); without it the platform's user directories are used (platformdirs).
- ``RADASSIST_DEVICE``: ``auto`` | ``cpu`` | ``gpu``, where the classifier runs (setting ``device``).
- ``RADASSIST_MODEL``: classifier package id, ``id@version`` or folder (setting ``model``; empty = bundled).
- ``RADASSIST_OOD_GATE``: out-of-distribution gate package id or folder, e.g. a gate refitted on a site's
  own images (setting ``ood_gate``; empty = the bundled ``ood-gate``).
- ``RADASSIST_LUNG_MODEL``: lung segmentation package id or folder (setting ``lung_model``; empty = the
  bundled ``lung-unet``).
- ``RADASSIST_USER``: the reviewer's display name written to the audit trail (setting ``display_name``).
- ``RADASSIST_AUDIT_URL``: the audit store, a SQLite file path or ``postgresql://...`` (setting
  ``audit_url``; empty = SQLite in the data directory).

Settings are type-checked when loaded: a value of the wrong type or outside its choices (``"max_recent":
"3"``, ``"show_heatmap": "no"``, ``"device": "tpu"``) is logged, listed in ``Settings.problems`` (the GUI
shows them) and replaced by the default, so it can neither fail later nor count a string as "on". A file
that is not JSON at all is one problem, and every setting is then at its default.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import socket
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from radassist.core.errors import ConfigError

log = logging.getLogger(__name__)

APP_DIR_NAME = "RadAssist"
#: where the classifier may run: ``auto`` = the GPU when TensorFlow sees one, else LiteRT on the CPU
DEVICES = ("auto", "cpu", "gpu")
#: bundled resources inside the package (model packages, icons, .desktop): wheels and bundles carry them
RESOURCES_DIR = Path(__file__).resolve().parent / "resources"

#: process exit codes, for the CLI and the app alike: every input processed (rejections included) | some
#: input or a step failed (the rest still processed) | usage error (bad option, unknown model, no such device)
EXIT_OK, EXIT_INPUT_FAILED, EXIT_USAGE = 0, 1, 2
#: this machine cannot run the app as it is (missing system libraries, no display)
EXIT_ENVIRONMENT = 3
#: interrupted with Ctrl+C (128 + SIGINT, as a shell reports it)
EXIT_INTERRUPTED = 130


@dataclass(frozen=True)
class Paths:
    """Where things live. Every writable path derives from one root when RADASSIST_HOME is set."""

    config_dir: Path
    data_dir: Path
    log_dir: Path
    cache_dir: Path

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "radassist.log"

    @property
    def audit_db(self) -> Path:
        return self.data_dir / "audit.sqlite3"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    def ensure(self) -> Paths:
        for p in (self.config_dir, self.data_dir, self.log_dir, self.cache_dir):
            p.mkdir(parents=True, exist_ok=True)
        return self


def app_paths(env: Mapping[str, str] | None = None) -> Paths:
    env = os.environ if env is None else env
    home = env.get("RADASSIST_HOME")
    if home:
        root = Path(home).expanduser().resolve()
        return Paths(root / "config", root / "data", root / "logs", root / "cache")
    import platformdirs

    return Paths(
        Path(platformdirs.user_config_dir(APP_DIR_NAME, appauthor=False)),
        Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False)),
        Path(platformdirs.user_log_dir(APP_DIR_NAME, appauthor=False)),
        Path(platformdirs.user_cache_dir(APP_DIR_NAME, appauthor=False)),
    )


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - getpass raises several kinds when there is no login name (containers)
        return f"uid{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def workstation() -> str:
    return socket.gethostname() or "unknown"


@dataclass(frozen=True)
class Settings:
    """User-visible settings; persisted as JSON in ``Paths.settings_file``."""

    device: str = "auto"
    #: model id or package folder; empty = the bundled default
    model: str = ""
    #: OOD gate package id or folder; empty = the bundled ``ood-gate``
    ood_gate: str = ""
    #: lung segmentation package id or folder; empty = the bundled ``lung-unet``
    lung_model: str = ""
    #: display name of the reviewer shown in the status bar and written to the audit trail
    display_name: str = ""
    #: empty = SQLite in the data directory; ``postgresql://...`` for a shared store
    audit_url: str = ""
    recent_files: tuple[str, ...] = field(default_factory=tuple)
    max_recent: int = 10
    #: overlay layers on when an image's analysis arrives (the reader switches either off; remembered)
    show_heatmap: bool = True
    show_lungs: bool = True
    #: what was wrong in the file or the environment when these were loaded (each replaced by its default);
    #: not a setting: never saved, not compared
    problems: tuple[str, ...] = field(default=(), compare=False, repr=False)

    @property
    def reviewer(self) -> str:
        return self.display_name or os_user()

    def to_json(self) -> dict:
        d = asdict(self)
        d.pop("problems")
        d["recent_files"] = list(self.recent_files)
        return d

    def with_recent(self, path: str) -> Settings:
        recent = [path, *[p for p in self.recent_files if p != path]][: self.max_recent]
        return replace(self, recent_files=tuple(recent))


#: setting -> the environment variable that overrides it for one run
ENV_OVERRIDES = {"device": "RADASSIST_DEVICE", "model": "RADASSIST_MODEL", "ood_gate": "RADASSIST_OOD_GATE",
                 "lung_model": "RADASSIST_LUNG_MODEL", "audit_url": "RADASSIST_AUDIT_URL",
                 "display_name": "RADASSIST_USER"}
_SAVED = tuple(f.name for f in fields(Settings) if f.name != "problems")


def _check(name: str, value: Any) -> tuple[Any, str]:
    """(the value to use, "" or why it is refused) for one setting; the value is normalised (device case)."""
    default = getattr(Settings(), name)
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value, ""
        return default, f"must be true or false, not {json.dumps(value)}"
    if isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value, ""
        return default, f"must be a whole number of 0 or more, not {json.dumps(value)}"
    if isinstance(default, tuple):
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value), ""
        return default, "must be a list of file paths"
    if not isinstance(value, str):
        return default, f"must be text, not {json.dumps(value)}"
    if name == "device":
        device = value.strip().lower()
        if device not in DEVICES:
            return default, f"must be one of {', '.join(DEVICES)}, not {value!r}"
        return device, ""
    return value, ""


def load_settings(paths: Paths | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """The settings file, type-checked, with the environment overrides on top. Never raises for what is in
    the file or the environment: each problem is logged, kept in ``Settings.problems`` and the default used."""
    env = os.environ if env is None else env
    paths = paths or app_paths(env)
    values: dict[str, Any] = {}
    problems: list[str] = []
    raw: Any = {}
    if paths.settings_file.is_file():
        try:
            raw = json.loads(paths.settings_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            problems.append(f"The settings file {paths.settings_file} is not valid JSON ({exc}); every setting "
                            "is at its default. Fix or delete it; RadAssist will recreate it with defaults.")
        else:
            if not isinstance(raw, dict):
                problems.append(f"The settings file {paths.settings_file} is not a JSON object; every setting is "
                                "at its default. Fix or delete it; RadAssist will recreate it with defaults.")
                raw = {}
    if isinstance(raw, dict):
        for name in _SAVED:  # unknown keys (a newer version's) are ignored
            if name in raw:
                value, why = _check(name, raw[name])
                values[name] = value
                if why:
                    problems.append(f"Setting {name!r} in {paths.settings_file} {why}; using the default "
                                    f"{json.dumps(value)}.")
    for name, var in ENV_OVERRIDES.items():
        if env.get(var):
            value, why = _check(name, env[var])
            if why:
                problems.append(f"{var} {why}; using {json.dumps(values.get(name, value))}.")
            else:
                values[name] = value
    for p in problems:
        log.warning("settings: %s", p)
    return Settings(**values, problems=tuple(problems))


def save_settings(settings: Settings, paths: Paths | None = None, env: Mapping[str, str] | None = None) -> Path:
    """Write atomically so a crash never leaves half a settings file. A value that came from an
    environment override is not written: the file keeps its own (the override is for this run only)."""
    env = os.environ if env is None else env
    paths = (paths or app_paths(env)).ensure()
    data = settings.to_json()
    overridden = [name for name, var in ENV_OVERRIDES.items() if env.get(var)]
    if overridden:
        try:
            on_disk = json.loads(paths.settings_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            on_disk = {}
        defaults = Settings().to_json()
        for name in overridden:
            data[name] = on_disk.get(name, defaults[name]) if isinstance(on_disk, dict) else defaults[name]
    tmp = paths.settings_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(tmp, paths.settings_file)
    return paths.settings_file


# --- a flag on top of the settings: the one precedence rule ------------------------------------------
def resolve_device(flag: str | None = None, settings: Settings | None = None,
                   env: Mapping[str, str] | None = None) -> str:
    """``--device`` beats ``RADASSIST_DEVICE``, which beats the settings file; default ``auto``.
    ConfigError for a flag that is not one of ``DEVICES`` (a bad value in the file or the environment is a
    settings problem, replaced by the default)."""
    if flag:
        device = flag.strip().lower()
        if device not in DEVICES:
            raise ConfigError(f"Unknown device {flag!r}.", hint=f"Use one of: {', '.join(DEVICES)}.")
        return device
    return (settings if settings is not None else load_settings(env=env)).device


def resolve_model(flag: str | None = None, settings: Settings | None = None,
                  env: Mapping[str, str] | None = None) -> str | None:
    """``--model`` beats ``RADASSIST_MODEL``, which beats the settings file; None means the bundled default."""
    if flag:
        return flag
    return (settings if settings is not None else load_settings(env=env)).model or None
