"""Which model packages may be used: the trust decision made every time a package is loaded.

A package's card pins every file's SHA-256 and every threshold, so trusting a package means trusting the
exact bytes of its ``model_card.json``:

- **Bundled** packages are trusted by the hashes RadAssist ships: ``TRUSTED.json`` next to them
  (``radassist/resources/models/``) lists each bundled card's id, version and SHA-256; it is written by
  ``radassist models bundle-manifest`` and a test fails when it disagrees with the committed cards. A card
  whose hash is listed is trusted wherever the folder lies (signer ``"bundled"``); an edited bundled card
  is not listed, so it is refused like any other unsigned package.
- **Every other** package (installed, or a folder given by path in ``--model``, ``RADASSIST_MODEL`` or
  ``settings.json``) needs ``model_card.sig``: an Ed25519 signature over the card's bytes by a key whose
  public half the site's administrator put in the trusted-keys folder (``RADASSIST_TRUSTED_KEYS``, else
  ``<config dir>/trusted-keys``; one PEM ``<name>.pub`` per key). The signer ``"<name> (key <id>)"`` is
  part of the package's identity, so every Analysis and audit record names it.

There is no switch that turns the check off, in settings or the environment. Two narrow exceptions, both
out of reach of a file or a variable: code that loads a package without running it for a reader (``models
verify``, docs, a training tool evaluating a candidate) passes ``require_trust=False`` to ``load_package``
(signer ``"untrusted"`` when no trust was found); and a training process may run a package it has itself
just written (``write_package`` notes the card's hash in process memory; signer ``"unsigned export (this
process)"``), which ``install_package`` still refuses. Tests sign their packages with a test key they trust
for the session.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from radassist.core.errors import ModelCardError, ModelError, ModelTrustError
from radassist.core.models.card import CARD_NAME, ModelCard

#: the detached signature a signed package carries next to its card
SIGNATURE_NAME = "model_card.sig"
#: the list of bundled cards' hashes, shipped in the bundled models folder
MANIFEST_NAME = "TRUSTED.json"
#: the environment variable naming the trusted public keys' folder (read by ``config.trusted_keys_dir``)
KEYS_ENV = "RADASSIST_TRUSTED_KEYS"
BUNDLED_SIGNER = "bundled"
UNTRUSTED_SIGNER = "untrusted"
SIGNATURE_FORMAT = "radassist-model-signature/1"
# Signed bytes are this prefix + the card: a signature made for a model card cannot be replayed as one for
# anything else the same key may sign later (audit anchors, other files).
_CONTEXT = b"radassist model card signature v1\n"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
#: the signer of a package this very process exported and has not been signed yet
EXPORTED_SIGNER = "unsigned export (this process)"
# SHA-256 of the cards this process wrote itself (``radassist.training.export.write_package``), so a training
# run can measure the package it has just exported. Process memory only: nothing on disk or in the environment
# adds to it, and the run time, which never writes packages, always finds it empty.
_exported_here: set[str] = set()


def sign_hint() -> str:
    return (f"Ask the site's administrator to check it, sign it (radassist models sign PKG --key ADMIN.key) and "
            f"install it (radassist models install PKG); this workstation trusts the public keys in "
            f"{trusted_keys_dir()}.")


# --- where things are ---------------------------------------------------------------------------------
def trusted_keys_dir() -> Path:
    """The folder of trusted public keys (``config.trusted_keys_dir``: ``RADASSIST_TRUSTED_KEYS``, else the
    machine-wide, administrator-owned config folder)."""
    from radassist import config

    return config.trusted_keys_dir()


def _bundled_dir() -> Path:
    from radassist.core.models.registry import bundled_dir

    return bundled_dir()


def manifest_path() -> Path:
    return _bundled_dir() / MANIFEST_NAME


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False


# --- bundled packages: the shipped manifest -----------------------------------------------------------
def bundle_manifest(folder: Path | None = None) -> dict[str, Any]:
    """The manifest the bundled cards in ``folder`` (default: the bundled models folder) call for."""
    folder = _bundled_dir() if folder is None else Path(folder)
    entries = []
    for d in sorted(p for p in folder.iterdir() if (p / CARD_NAME).is_file()):
        raw = (d / CARD_NAME).read_bytes()
        data = json.loads(raw.decode("utf-8"))
        entries.append({"id": str(data["id"]), "version": str(data["version"]),
                        "card_sha256": hashlib.sha256(raw).hexdigest()})
    return {"about": "SHA-256 of each bundled model card: RadAssist trusts a package whose card hash is listed "
                     "here. Written by `radassist models bundle-manifest`; a test fails when it disagrees with "
                     "the cards.",
            "packages": entries}


def manifest_text(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, indent=2) + "\n"


def write_bundle_manifest(folder: Path | None = None) -> Path:
    folder = _bundled_dir() if folder is None else Path(folder)
    out = folder / MANIFEST_NAME
    tmp = out.with_suffix(".tmp")
    tmp.write_text(manifest_text(bundle_manifest(folder)), encoding="utf-8")
    tmp.replace(out)
    return out


def manifest_problems(folder: Path | None = None) -> list[str]:
    """How the shipped manifest disagrees with the bundled cards (empty: it is current)."""
    folder = _bundled_dir() if folder is None else Path(folder)
    path = folder / MANIFEST_NAME
    try:
        have = path.read_text(encoding="utf-8")
    except OSError as exc:
        return [f"{path} cannot be read ({exc})"]
    want = manifest_text(bundle_manifest(folder))
    if have == want:
        return []
    return [f"{path} does not list the bundled cards' current hashes; run: radassist models bundle-manifest"]


def _bundled_hashes() -> dict[str, tuple[str, str]]:
    """card sha256 -> (id, version) from the shipped manifest; {} when it is missing or unreadable."""
    try:
        data = json.loads(manifest_path().read_text(encoding="utf-8"))
        return {str(e["card_sha256"]).lower(): (str(e["id"]), str(e["version"])) for e in data["packages"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


# --- keys ---------------------------------------------------------------------------------------------
def key_id(public_raw: bytes) -> str:
    """A key's short fingerprint: the first 16 hex digits of the SHA-256 of its 32 raw public bytes."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


@dataclass(frozen=True)
class TrustedKey:
    """A public key the administrator trusts: ``name`` is its file name without ``.pub``."""

    name: str
    key_id: str
    path: Path
    public: Any  # cryptography's Ed25519PublicKey (imported lazily)

    @property
    def signer(self) -> str:
        return f"{self.name} (key {self.key_id})"


def _public_raw(public: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _writable_by_others(p: Path) -> bool:
    if os.name != "posix":
        return False
    try:
        return bool(os.stat(p).st_mode & stat.S_IWOTH)
    except OSError:
        return False


def trusted_keys(folder: Path | None = None) -> tuple[dict[str, TrustedKey], list[str]]:
    """The trusted keys by id, and why any ``*.pub`` in the folder was not taken (unreadable, not Ed25519,
    writable by every user)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    folder = trusted_keys_dir() if folder is None else Path(folder)
    keys: dict[str, TrustedKey] = {}
    problems: list[str] = []
    if not folder.is_dir():
        return keys, problems
    if _writable_by_others(folder):
        return keys, [f"{folder} is writable by every user, so no key in it is trusted"]
    for p in sorted(folder.glob("*.pub")):
        if _writable_by_others(p):
            problems.append(f"{p.name} is writable by every user")
            continue
        try:
            public = load_pem_public_key(p.read_bytes())
        except (OSError, ValueError) as exc:
            problems.append(f"{p.name} is not a readable PEM public key ({exc})")
            continue
        if not isinstance(public, Ed25519PublicKey):
            problems.append(f"{p.name} is not an Ed25519 key")
            continue
        kid = key_id(_public_raw(public))
        keys.setdefault(kid, TrustedKey(p.stem, kid, p, public))
    return keys, problems


def generate_keypair(out_dir: str | Path, name: str = "radassist-signing") -> tuple[Path, Path, str]:
    """A new Ed25519 signing key: ``<name>.key`` (PKCS#8 PEM, mode 0600, the administrator keeps it) and
    ``<name>.pub`` (the file that goes into each workstation's trusted-keys folder). Never overwrites."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if not _NAME_RE.match(name):
        raise ModelError(f"Key name {name!r} is not usable as a file name.",
                         hint="Use letters, digits, '.', '_' or '-' (up to 64 characters).")
    out = Path(out_dir).expanduser()
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    key_path, pub_path = out / f"{name}.key", out / f"{name}.pub"
    for p in (key_path, pub_path):
        if p.exists():
            raise ModelError(f"{p} already exists; a signing key is never overwritten.",
                             hint="Choose another --out folder or --name.")
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    public = private.public_key()
    pub_path.write_bytes(public.public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo))
    return key_path, pub_path, key_id(_public_raw(public))


def _load_private_key(key_path: Path) -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    if os.name == "posix" and key_path.is_file() and os.stat(key_path).st_mode & 0o077:
        raise ModelError(f"{key_path} can be read by other users; a signing key must be private.",
                         hint=f"Run: chmod 600 {key_path}")
    try:
        private = load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise ModelError(f"{key_path} is not a readable, unencrypted PEM private key ({exc}).",
                         hint="Use the .key file written by radassist models keygen.") from exc
    if not isinstance(private, Ed25519PrivateKey):
        raise ModelError(f"{key_path} is not an Ed25519 key.", hint="Use radassist models keygen.")
    return private


# --- signatures ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Signature:
    key_id: str
    card_sha256: str
    signature: bytes


def signature_bytes(card_raw: bytes, private: Any) -> bytes:
    return bytes(private.sign(_CONTEXT + card_raw))


def write_signature(pkg_dir: Path, card_raw: bytes, key_path: str | Path) -> tuple[Path, str]:
    """Sign ``card_raw`` (the bytes of ``pkg_dir``'s card) with the private key; (signature file, key id)."""
    private = _load_private_key(Path(key_path).expanduser())
    kid = key_id(_public_raw(private.public_key()))
    doc = {"format": SIGNATURE_FORMAT, "algorithm": "Ed25519", "key_id": kid,
           "card_sha256": hashlib.sha256(card_raw).hexdigest(),
           "signature": base64.b64encode(signature_bytes(card_raw, private)).decode("ascii")}
    out = Path(pkg_dir) / SIGNATURE_NAME
    tmp = out.with_suffix(".sig.tmp")
    tmp.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    tmp.replace(out)
    return out, kid


def read_signature(path: Path) -> Signature:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("format") != SIGNATURE_FORMAT or doc.get("algorithm") != "Ed25519":
            raise ValueError(f"format {doc.get('format')!r}, algorithm {doc.get('algorithm')!r}")
        return Signature(str(doc["key_id"]), str(doc["card_sha256"]).lower(),
                         base64.b64decode(str(doc["signature"]), validate=True))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ModelTrustError(f"{path} is not a readable RadAssist signature ({exc}).", hint=sign_hint()) from exc


# --- the decision -------------------------------------------------------------------------------------
def note_exported(card_raw: bytes) -> None:
    """Record that this process has just written a card with these bytes (``write_package`` calls it)."""
    _exported_here.add(hashlib.sha256(card_raw).hexdigest())


def signer_of(root: Path, card_raw: bytes, card: ModelCard) -> str:
    """Who vouches for this package: ``"bundled"`` or the trusted key's ``"<name> (key <id>)"``.

    ModelTrustError (saying why and how to get the package signed) when nobody does.
    """
    sha = hashlib.sha256(card_raw).hexdigest()
    if _bundled_hashes().get(sha) == (card.id, card.version):
        return BUNDLED_SIGNER
    what = f"Model package {card.ref} at {root}"
    sig_path = root / SIGNATURE_NAME
    if sha in _exported_here and not sig_path.is_file():
        return EXPORTED_SIGNER
    if _inside(root, _bundled_dir()) and not sig_path.is_file():
        raise ModelTrustError(
            f"{what} is bundled with RadAssist but its model card is not the one RadAssist shipped (sha256 {sha} "
            f"is not in {MANIFEST_NAME}): it was edited, so it is not used.",
            hint="Reinstall RadAssist; never edit a bundled package (export a new version and have it signed).")
    if not sig_path.is_file():
        raise ModelTrustError(
            f"{what} is not signed: it is neither bundled with RadAssist nor signed by a key this site trusts, "
            "so it is not used (an edited or planted package could change every call).", hint=sign_hint())
    sig = read_signature(sig_path)
    keys, problems = trusted_keys()
    key = keys.get(sig.key_id)
    if key is None:
        have = ", ".join(f"{k.name} ({k.key_id})" for k in keys.values()) or "none"
        extra = f" Keys not taken: {'; '.join(problems)}." if problems else ""
        raise ModelTrustError(
            f"{what} is signed by key {sig.key_id}, which this workstation does not trust (trusted keys in "
            f"{trusted_keys_dir()}: {have}).{extra} It is not used.",
            hint="If that key is your site's, the administrator copies its .pub file into that folder. "
                 "Otherwise: " + sign_hint())
    from cryptography.exceptions import InvalidSignature

    try:
        key.public.verify(sig.signature, _CONTEXT + card_raw)
    except InvalidSignature:
        raise ModelTrustError(
            f"{what}: the signature by {key.signer} does not match its model card (card sha256 {sha}); the card "
            "was changed after it was signed, so the package is not used.", hint=sign_hint()) from None
    return key.signer


def sign_package(pkg_dir: str | Path, key_path: str | Path) -> tuple[Path, str]:
    """Check every file of the package against its card, then sign the card; (signature file, key id).

    A package is signed only as it is: a damaged file stops it (ModelIntegrityError)."""
    from radassist.core.models.package import load_package

    root = Path(pkg_dir).expanduser().resolve()
    card_path = root / CARD_NAME
    try:
        raw = card_path.read_bytes()
    except OSError as exc:
        raise ModelCardError(f"{card_path} cannot be read ({exc}).", hint="Point to a model package folder.") \
            from exc
    pkg = load_package(root, require_trust=False)
    if pkg.sha256 != hashlib.sha256(raw).hexdigest():
        raise ModelError(f"{card_path} changed while it was being signed.", hint="Sign it again.")
    pkg.verify_all()
    return write_signature(root, raw, key_path)
