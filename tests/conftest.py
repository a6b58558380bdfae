"""Shared fixtures. Qt runs offscreen; every test session writes under its own RADASSIST_HOME."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Set before anything imports radassist.config, so no test ever writes into the real user directories.
os.environ["RADASSIST_HOME"] = tempfile.mkdtemp(prefix="radassist-test-home-")

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("RADASSIST_SHARED", REPO.parent / "shared"))


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the test (with the reason) when the data is not there."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"needs ../shared data ({p} is absent); fresh clones test with generated fixtures")
    return p


@pytest.fixture
def shared_data() -> Path:
    return shared_path("data")


@pytest.fixture
def radassist_home(tmp_path, monkeypatch) -> Path:
    """A fresh RADASSIST_HOME for one test."""
    home = tmp_path / "home"
    monkeypatch.setenv("RADASSIST_HOME", str(home))
    from radassist.log import reset_logging_for_tests

    reset_logging_for_tests()
    yield home
    reset_logging_for_tests()
