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
  ``audit_url``; empty = SQLite in the data directory). A password in the URL (``user:pass@`` or
  ``?password=``) works for one run but is never shown (``redact_url``) and never saved: ``save_settings``
  strips it; give it to libpq instead, in its passfile (``~/.pgpass`` or ``PGPASSFILE``) or ``PGPASSWORD``.
- ``RADASSIST_AUDIT_KEY_FILE``: the audit anchor key file (setting ``audit_key_file``; empty =
  ``audit-key`` in the config directory, created 0600 on first use). A site points it at a file only its
  service account can read; every workstation writing one PostgreSQL store needs the same key.

- ``RADASSIST_TRUSTED_KEYS``: the folder of public keys (``*.pub``) whose signatures make an installed model
  package trusted (``trusted_keys_dir``). Default: the machine-wide config folder
  (``/etc/xdg/RadAssist/trusted-keys`` on Linux, ``C:\\ProgramData\\RadAssist\\trusted-keys`` on Windows),
  which only an administrator can write. Deliberately not a ``settings.json`` setting: a file the user can
  edit must not decide which models are trusted.

Files RadAssist writes are private to the user: folders 0700, files 0600 (settings, logs, the audit
database with its ``-wal``/``-shm``, checkpoints, spool and key), whatever the umask.

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
import re
import socket
import stat
import urllib.parse
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

    @property
    def audit_key(self) -> Path:
        """The default audit anchor key: in the config folder, apart from the database it anchors."""
        return self.config_dir / "audit-key"

    def ensure(self) -> Paths:
        """Create the folders, private to the user (0700)."""
        for p in (self.config_dir, self.data_dir, self.log_dir, self.cache_dir):
            make_private_dir(p)
        return self


def make_private_dir(folder: Path) -> Path:
    """``folder`` (and missing parents) created 0700; an existing one we own is tightened to 0700."""
    folder = Path(folder)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix":
        try:
            st = folder.stat()
            if st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) != 0o700:
                folder.chmod(0o700)
        except OSError as exc:
            log.warning("could not make %s private: %s", folder, exc)
    return folder


def make_private_file(path: Path) -> None:
    """Tighten an existing file we own to 0600 (for files a library created with the umask's mode)."""
    if os.name != "posix":
        return
    try:
        st = os.stat(path)
        if st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) & 0o077:
            os.chmod(path, stat.S_IMODE(st.st_mode) & 0o600)
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("could not make %s private: %s", path, exc)


def write_private_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, the file 0600 from the start (never briefly world-readable)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    make_private_file(tmp)  # an existing .tmp left by a crash keeps its old mode otherwise
    os.replace(tmp, path)


# --- secrets in store URLs -------------------------------------------------------------------------------
_URL_PASSWORD = re.compile(r"(?i)\b((?:postgres(?:ql)?|[a-z][a-z0-9+.-]*)://[^:/@\s?#]*):[^\s/?#]*@")
_PARAM_PASSWORD = re.compile(r"(?i)((?:^|[?&;\s])password\s*=\s*)('[^']*'|[^&\s;#]*)")
REDACTED = "***"


def redact_url(text: str) -> str:
    """``text`` with every password in it hidden: ``user:pass@`` in a URL and ``password=`` parameters
    (URL query or libpq key=value). The one helper for every message, log line and status bar."""
    if not text or ("@" not in text and "password" not in text.lower()):
        return text
    text = _URL_PASSWORD.sub(rf"\1:{REDACTED}@", text)
    return _PARAM_PASSWORD.sub(rf"\1{REDACTED}", text)


def strip_password(url: str) -> tuple[str, bool]:
    """(``url`` without its password, whether it had one): the form a URL is saved in."""
    if "://" not in url:
        return url, False
    parts = urllib.parse.urlsplit(url)
    had = False
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        if ":" in userinfo:
            had = True
            netloc = f"{userinfo.partition(':')[0]}@{hostport}"
    query = parts.query
    if query:
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if k.lower() != "password"]
        if len(kept) != len(pairs):
            had = True
            query = urllib.parse.urlencode(kept)
    if not had:
        return url, False
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)), True


PASSWORD_HINT = ("give the password to libpq instead: a line host:port:database:user:password in ~/.pgpass "
                 "(or the file PGPASSFILE names, mode 0600), or PGPASSWORD in the environment")


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


def trusted_keys_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where the site administrator puts the public keys that sign installed model packages."""
    env = os.environ if env is None else env
    if env.get("RADASSIST_TRUSTED_KEYS", "").strip():
        return Path(env["RADASSIST_TRUSTED_KEYS"].strip()).expanduser()
    import platformdirs

    return Path(platformdirs.site_config_dir(APP_DIR_NAME, appauthor=False)) / "trusted-keys"


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
    #: empty = SQLite in the data directory; ``postgresql://...`` for a shared store (saved without a password)
    audit_url: str = ""
    #: the audit anchor key file; empty = ``audit-key`` in the config directory
    audit_key_file: str = ""
    recent_files: tuple[str, ...] = field(default_factory=tuple)
    max_recent: int = 10
    #: overlay layers on when an image's analysis arrives (the reader switches either off; remembered)
    show_heatmap: bool = True
    show_lungs: bool = True
    #: sign-off asks for the OS login's password again (PAM on Linux, the ``pam`` extra); never stored
    sign_off_password: bool = False
    #: sign-off asks "Sign off this review of <file>?" (once per image) before it is recorded
    confirm_sign_off: bool = True
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
                 "display_name": "RADASSIST_USER", "audit_key_file": "RADASSIST_AUDIT_KEY_FILE"}
_LOGGED_PROBLEMS: set[str] = set()
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
        if isinstance(values.get("audit_url"), str) and strip_password(values["audit_url"])[1]:
            problems.append(f"Setting 'audit_url' in {paths.settings_file} holds a password in plain text; it is "
                            f"used for now and removed when the settings are next saved: {PASSWORD_HINT}.")
    for name, var in ENV_OVERRIDES.items():
        if env.get(var):
            value, why = _check(name, env[var])
            if why:
                problems.append(f"{var} {why}; using {json.dumps(values.get(name, value))}.")
            else:
                values[name] = value
    for p in problems:
        if p not in _LOGGED_PROBLEMS:  # the file is read by several front-door steps: say each thing once
            _LOGGED_PROBLEMS.add(p)
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
    if isinstance(data.get("audit_url"), str):
        data["audit_url"], had_password = strip_password(data["audit_url"])
        if had_password:
            log.warning("settings: the password in audit_url was not saved to %s; %s", paths.settings_file,
                        PASSWORD_HINT)
    write_private_text(paths.settings_file, json.dumps(data, indent=2))
    return paths.settings_file


def audit_key_path(settings: Settings | None = None, paths: Paths | None = None) -> Path:
    """The audit anchor key file: the ``audit_key_file`` setting (``RADASSIST_AUDIT_KEY_FILE``), else the default."""
    settings = settings if settings is not None else load_settings(paths)
    if settings.audit_key_file:
        return Path(settings.audit_key_file).expanduser()
    return (paths or app_paths()).audit_key


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
