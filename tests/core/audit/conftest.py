"""Audit store fixtures: every store test runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import pytest

from radassist.core.audit import open_store
from tests._postgres import server_fixture


@pytest.fixture(scope="session")
def pg_server():
    yield from server_fixture()


@pytest.fixture
def pg_url(pg_server) -> str:
    """A fresh, empty database on the test server."""
    return pg_server.new_database()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "audit.sqlite3")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(store_url):
    s = open_store(store_url)
    yield s
    s.close()
