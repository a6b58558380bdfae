"""Settings and the places RadAssist writes to.

``RADASSIST_HOME`` relocates everything the app writes (settings, logs, audit database, installed
models); without it the platform's user directories are used (platformdirs). Environment variables
override the settings file, which overrides the defaults.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from radassist.core.errors import ConfigError

APP_DIR_NAME = "RadAssist"
DEVICES = ("auto", "cpu", "gpu")
#: bundled resources inside the package (model packages, icons, .desktop): wheels and bundles carry them
RESOURCES_DIR = Path(__file__).resolve().parent / "resources"


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


def app_paths(env: dict[str, str] | None = None) -> Paths:
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
    except Exception:  # no login name (some containers): fall back to the uid
        return f"uid{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def workstation() -> str:
    return socket.gethostname() or "unknown"


@dataclass(frozen=True)
class Settings:
    """User-visible settings; persisted as JSON in ``Paths.settings_file``."""

    device: str = "auto"
    #: model id or package folder; empty = the bundled default
    model: str = ""
    #: display name of the reviewer shown in the status bar and written to the audit trail
    display_name: str = ""
    #: empty = SQLite in the data directory; ``postgresql://...`` for a shared store
    audit_url: str = ""
    recent_files: tuple[str, ...] = field(default_factory=tuple)
    max_recent: int = 10
    #: overlay layers on when an image's analysis arrives (the reader switches either off; remembered)
    show_heatmap: bool = True
    show_lungs: bool = True

    @property
    def reviewer(self) -> str:
        return self.display_name or os_user()

    def to_json(self) -> dict:
        d = asdict(self)
        d["recent_files"] = list(self.recent_files)
        return d

    def with_recent(self, path: str) -> Settings:
        recent = [path, *[p for p in self.recent_files if p != path]][: self.max_recent]
        return replace(self, recent_files=tuple(recent))


_ENV = {"device": "RADASSIST_DEVICE", "model": "RADASSIST_MODEL", "audit_url": "RADASSIST_AUDIT_URL",
        "display_name": "RADASSIST_USER"}


def load_settings(paths: Paths | None = None, env: dict[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    paths = paths or app_paths(env)
    values: dict = {}
    if paths.settings_file.is_file():
        try:
            raw = json.loads(paths.settings_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"The settings file {paths.settings_file} is not valid JSON ({exc}).",
                              hint="Fix or delete it; RadAssist will recreate it with defaults.") from exc
        known = {f.name for f in fields(Settings)}
        values = {k: v for k, v in raw.items() if k in known}
        if "recent_files" in values:
            values["recent_files"] = tuple(values["recent_files"])
    for name, var in _ENV.items():
        if env.get(var):
            values[name] = env[var]
    settings = Settings(**values)
    if settings.device not in DEVICES:
        raise ConfigError(f"Unknown device {settings.device!r}.", hint=f"Use one of: {', '.join(DEVICES)}.")
    return settings


def save_settings(settings: Settings, paths: Paths | None = None, env: dict[str, str] | None = None) -> Path:
    """Write atomically so a crash never leaves half a settings file. A value that came from an
    environment override is not written: the file keeps its own (the override is for this run only)."""
    env = os.environ if env is None else env
    paths = (paths or app_paths(env)).ensure()
    data = settings.to_json()
    overridden = [name for name, var in _ENV.items() if env.get(var)]
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
