"""The test suite's signing key: a real Ed25519 key, trusted for the test session only.

Packages the tests build (an exported classifier, a site gate, a trained model) are signed with it, as a site's
administrator signs what it installs; ``trust_test_key`` points ``RADASSIST_TRUSTED_KEYS`` at a folder holding
its public half (subprocesses inherit it). The key is derived from a fixed seed so a package signed by one test
process (the exported classifier is shared between processes) verifies in the next.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from radassist.core.models import trust

TEST_KEY_NAME = "radassist-tests"
_SEED = hashlib.sha256(b"radassist test-suite signing key: trusted by tests only").digest()


def suite_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_SEED)


def write_key_pair(private: Ed25519PrivateKey, folder: Path, name: str) -> tuple[Path, Path]:
    """``<name>.key`` (0600) and ``<name>.pub`` in ``folder``, as ``radassist models keygen`` writes them."""
    folder.mkdir(parents=True, exist_ok=True)
    key, pub = folder / f"{name}.key", folder / f"{name}.pub"
    key.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    key.chmod(0o600)
    pub.write_bytes(private.public_key().public_bytes(serialization.Encoding.PEM,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo))
    return key, pub


@functools.cache
def _session_keys() -> tuple[Path, Path]:
    """(private key file, trusted-keys folder holding only the test key's public half), once per process."""
    root = Path(tempfile.mkdtemp(prefix="radassist-test-keys-"))
    key, pub = write_key_pair(suite_private_key(), root / "admin", TEST_KEY_NAME)
    trusted = root / "trusted-keys"
    trusted.mkdir()
    (trusted / pub.name).write_bytes(pub.read_bytes())
    return key, trusted


def trust_test_key() -> Path:
    """Trust the test key for this process and its children; the private key file. A test that wants another
    trusted-keys folder sets it (monkeypatch) after building its packages."""
    key, trusted = _session_keys()
    os.environ[trust.KEYS_ENV] = str(trusted)
    return key


def suite_signer() -> str:
    """The signer a package signed by the test key is identified by."""
    from radassist.core.models.trust import _public_raw, key_id

    return f"{TEST_KEY_NAME} (key {key_id(_public_raw(suite_private_key().public_key()))})"


def sign_for_tests(pkg_dir: str | Path, *, check_files: bool = True) -> Path:
    """Sign ``pkg_dir`` with the trusted test key; the package folder. Every file is checked first, as
    ``radassist models sign`` does, unless ``check_files=False`` (tests of the first hash check of a file)."""
    key = trust_test_key()
    if check_files:
        trust.sign_package(pkg_dir, key)
    else:
        trust.write_signature(Path(pkg_dir), (Path(pkg_dir) / trust.CARD_NAME).read_bytes(), key)
    return Path(pkg_dir)
