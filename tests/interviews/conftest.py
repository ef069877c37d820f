from __future__ import annotations

import pytest
from sqlalchemy import MetaData
from sqlalchemy.orm import Session, sessionmaker

from interviews.db import make_engine, migrate, session_factory
from tests.pg import temporary_cluster


@pytest.fixture(scope="session")
def postgres_url():
    with temporary_cluster() as url:
        yield url


def drop_everything(engine) -> None:
    """Drop every table, the migrations' version table included (a clean database for the next test)."""
    meta = MetaData()
    meta.reflect(engine)
    meta.drop_all(engine)


def fresh_engine(url: str):
    engine = make_engine(url)
    drop_everything(engine)
    migrate(engine)
    return engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")


@pytest.fixture
def engine(db_url):
    engine = fresh_engine(db_url)
    yield engine
    drop_everything(engine)
    engine.dispose()


@pytest.fixture
def sessions(engine) -> sessionmaker[Session]:
    """A fresh, migrated database of each kind: a temporary SQLite file, and the throwaway PostgreSQL."""
    return session_factory(engine)


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    """argon2 with a small cost, so that the tests that make many accounts stay fast (the format is the same)."""
    from argon2 import PasswordHasher

    import interviews.passwords

    monkeypatch.setattr(interviews.passwords, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
