"""Where packages live: bundled in ``radassist/resources/models/<id>/``, installed in
``app_paths().models_dir/<id>/<version>/``."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from radassist.core.errors import ModelError, ModelNotFoundError, ModelTrustError
from radassist.core.models.card import CARD_NAME, DEFAULT_MODEL_ID
from radassist.core.models.package import ModelPackage, load_package, read_card
from radassist.core.models.trust import EXPORTED_SIGNER, UNTRUSTED_SIGNER, sign_hint


# --- registry -----------------------------------------------------------------------------------------
def bundled_dir() -> Path:
    from radassist.config import RESOURCES_DIR

    return RESOURCES_DIR / "models"


def installed_dir() -> Path:
    from radassist.config import app_paths

    return app_paths().models_dir


def _version_key(version: str) -> tuple:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in version.replace("-", ".").split("."))


def _versions(id_dir: Path) -> list[Path]:
    """Installed version folders of one id (not a copy still being installed: those start with '.')."""
    return [x for x in id_dir.iterdir() if not x.name.startswith(".") and (x / CARD_NAME).is_file()]


def list_packages() -> list[tuple[str, str, Path, str]]:
    """(id, version, folder, "bundled"|"installed") of every package found, without verifying hashes."""
    found = []
    b = bundled_dir()
    if b.is_dir():
        for d in sorted(b.iterdir()):
            if (d / CARD_NAME).is_file():
                try:
                    found.append((d.name, read_card(d).version, d, "bundled"))
                except ModelError:
                    continue
    i = installed_dir()
    if i.is_dir():
        for d in sorted(x for x in i.iterdir() if x.is_dir()):
            for v in sorted(_versions(d), key=lambda x: _version_key(x.name)):
                found.append((d.name, v.name, v, "installed"))
    return found


def resolve(id_or_dir: str | Path | None = None) -> Path:
    """A package folder for a folder path, ``id@version`` or ``id`` (empty = the bundled default).

    ``id`` alone means the bundled package of that id when there is one (the validated default),
    otherwise the newest installed version; an installed version is used only when asked for by version.
    """
    ref = str(id_or_dir or DEFAULT_MODEL_ID)
    as_path = Path(ref).expanduser()
    if (as_path / CARD_NAME).is_file():
        return as_path.resolve()
    if as_path.is_dir():
        raise ModelNotFoundError(f"{as_path} is a folder without {CARD_NAME}.", hint="Point to a model package folder.")
    model_id, _, version = ref.partition("@")
    if "/" in model_id or "\\" in model_id:
        raise ModelNotFoundError(f"Model folder {ref} does not exist.")
    bundled = bundled_dir() / model_id
    installed_root = installed_dir() / model_id
    if version:
        if (installed_root / version / CARD_NAME).is_file():
            return installed_root / version
        if (bundled / CARD_NAME).is_file() and read_card(bundled).version == version:
            return bundled
        raise ModelNotFoundError(f"Model {model_id} version {version} is not installed.",
                                 hint=_available_hint())
    if (bundled / CARD_NAME).is_file():
        return bundled
    if installed_root.is_dir():
        versions = sorted(_versions(installed_root), key=lambda v: _version_key(v.name))
        if versions:
            return versions[-1]
    raise ModelNotFoundError(f"No model package {model_id!r} is bundled or installed.", hint=_available_hint())


def _available_hint() -> str:
    have = [f"{i}@{v}" for i, v, _, _ in list_packages()]
    return f"Available: {', '.join(have)}." if have else "No model packages are installed; reinstall RadAssist."


def open_package(id_or_dir: str | Path | None = None) -> ModelPackage:
    return load_package(resolve(id_or_dir))


def install_package(src_dir: str | Path) -> Path:
    """The one way a package gets into ``models_dir/<id>/<version>/``: it must be trusted (``trust``: signed
    by a key this site trusts) and every file must match its card. It is copied next to its place, checked
    again there (trust and every hash), then renamed into place; an installed version is never overwritten."""
    pkg = load_package(src_dir)  # ModelTrustError for an unsigned or wrongly signed package
    if pkg.signer in (EXPORTED_SIGNER, UNTRUSTED_SIGNER):  # this process's own export: not signed by anyone
        raise ModelTrustError(f"Model package {pkg.card.ref} at {pkg.root} is not signed; only a signed package "
                              "is installed.", hint=sign_hint())
    pkg.verify_all()
    dest = installed_dir() / pkg.card.id / pkg.card.version
    if dest.exists():
        raise ModelError(f"{pkg.card.ref} is already installed at {dest}.", hint="Give the new model a new version.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.parent / f".{pkg.card.version}.installing-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        shutil.copytree(pkg.root, tmp)
        copied = load_package(tmp)
        if (copied.sha256, copied.signer) != (pkg.sha256, pkg.signer):
            raise ModelTrustError(f"{pkg.root} changed while it was being installed; nothing was installed.",
                                  hint="Install it again.")
        copied.verify_all()
        tmp.rename(dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest
