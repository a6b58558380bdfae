"""A model package on disk: its card, read, checked and trusted (or refused) at load; each file checked when
first used."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from radassist.core.digest import sha256_file
from radassist.core.errors import (
    ModelCardError,
    ModelError,
    ModelIntegrityError,
    ModelNotFoundError,
    ModelTrustError,
)
from radassist.core.models.card import CARD_NAME, ModelCard
from radassist.core.models.trust import UNTRUSTED_SIGNER, signer_of

# Files whose hash matched, keyed by what would change if the file did: path, expected hash, size, mtime,
# inode. Shared by every ModelPackage in the process, so a file is hashed once however often it is loaded.
_verified: set[tuple] = set()
_key_locks: dict[tuple, threading.Lock] = {}
_registry_lock = threading.Lock()


def _file_key(p: Path, sha256: str) -> tuple:
    st = os.stat(p)
    return (str(p), sha256, st.st_size, st.st_mtime_ns, st.st_ino)


def check_file(p: Path, expected: str, *, what: str) -> None:
    """Hash ``p`` unless this process already found it intact; ModelIntegrityError when missing or different.

    Thread-safe: concurrent first uses of one file hash it once, others wait; different files hash in parallel.
    """
    try:
        key = _file_key(p, expected)
    except OSError:
        raise ModelIntegrityError(f"{what}: the file {p} is missing.", hint="Reinstall the model package.") from None
    if key in _verified:
        return
    with _registry_lock:
        lock = _key_locks.setdefault(key, threading.Lock())
    with lock:
        if key in _verified:
            return
        try:
            actual = sha256_file(p)
        except OSError as exc:
            raise ModelIntegrityError(f"{what}: the file {p} cannot be read ({exc}).",
                                      hint="Reinstall the model package.") from exc
        if actual != expected:
            raise ModelIntegrityError(
                f"{what}: {p} is damaged or was replaced (sha256 {actual}, the model card expects {expected}). "
                "It will not be used.", hint="Reinstall the model package.")
        _verified.add(key)


@dataclass(frozen=True)
class ModelPackage:
    """A package on disk whose card has been read and validated. ``sha256`` is the hash of
    ``model_card.json``: the card pins every file's hash and the thresholds/temperature, so this one value
    identifies everything that shapes a result.

    Each file's SHA-256 is checked the first time ``path(role)`` hands it out (once per file per process),
    so loading does not hash weights that are never run; ``verify_all`` checks every file now.
    """

    root: Path
    card: ModelCard
    sha256: str
    #: who vouches for the card: "bundled", the trusted key's "<name> (key <id>)", or "untrusted" (loaded
    #: with ``require_trust=False``, never by the run time's loaders)
    signer: str = UNTRUSTED_SIGNER
    verify: bool = field(default=True, compare=False)

    def path(self, role: str, *, verify: bool | None = None) -> Path:
        """The file of ``role``, its hash checked first (ModelIntegrityError on a mismatch)."""
        try:
            entry = self.card.files[role]
        except KeyError:
            raise ModelError(f"Model package {self.card.ref} has no {role!r} file "
                             f"(it has: {', '.join(self.card.files)}).",
                             hint="Use a package exported with both runtimes, or pick another device.") from None
        p = self.root / entry.path
        if self.verify if verify is None else verify:
            check_file(p, entry.sha256, what=f"Model package {self.card.ref}, {role} file")
        return p

    def has(self, role: str) -> bool:
        return role in self.card.files

    def verify_all(self) -> None:
        """Check every listed file now (``models verify``, ``install_package``)."""
        for role in self.card.files:
            self.path(role, verify=True)

    @property
    def identity(self) -> dict[str, str]:
        """What every Analysis and audit record names: the card (id, version, sha256) and who vouches for it."""
        return {"id": self.card.id, "version": self.card.version, "sha256": self.sha256, "signer": self.signer}


def _parse_card(card_path: Path, raw: bytes) -> ModelCard:
    try:
        data = json.loads(raw.decode("utf-8"))
    except ValueError as exc:
        raise ModelCardError(f"{card_path} is not readable JSON ({exc}).", hint="Reinstall the model package.") from exc
    return ModelCard.from_json(data, source=str(card_path))


def _read_card_bytes(pkg_dir: Path) -> tuple[Path, bytes]:
    card_path = Path(pkg_dir) / CARD_NAME
    if not card_path.is_file():
        raise ModelNotFoundError(f"No {CARD_NAME} in {pkg_dir}.", hint="Point to a model package folder.")
    try:
        return card_path, card_path.read_bytes()
    except OSError as exc:
        raise ModelCardError(f"{card_path} cannot be read ({exc}).", hint="Reinstall the model package.") from exc


def read_card(pkg_dir: Path) -> ModelCard:
    """The package's card, validated against the schema (no file checks)."""
    return _parse_card(*_read_card_bytes(pkg_dir))


def load_package(pkg_dir: str | Path, *, verify: bool = True, require_trust: bool = True) -> ModelPackage:
    """Read and validate the card, decide whether it is trusted (``trust``: bundled, or signed by a key the
    site trusts; ModelTrustError otherwise) and check that every listed file is there; each file's hash is
    checked when it is first used (``ModelPackage.path``). ``verify=False`` skips the file checks (listing,
    docs). ``require_trust=False`` is for code that does not run the model for a reader (``models verify``,
    docs, evaluating a candidate): the package then loads with signer "untrusted" when no trust is found."""
    root = Path(pkg_dir).expanduser().resolve()
    card_path, raw = _read_card_bytes(root)
    card = _parse_card(card_path, raw)  # the bytes hashed and checked for trust are the bytes read
    try:
        signer = signer_of(root, raw, card)
    except ModelTrustError:
        if require_trust:
            raise
        signer = UNTRUSTED_SIGNER
    if verify:
        for role, entry in card.files.items():
            p = root / entry.path
            if not p.is_file():
                raise ModelIntegrityError(f"Model package {card.ref}: the {role} file {p} is missing.",
                                          hint="Reinstall the model package.")
    return ModelPackage(root, card, hashlib.sha256(raw).hexdigest(), signer=signer, verify=verify)
