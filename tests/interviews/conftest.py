from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from interviews.db import Base, create_schema, make_engine, session_factory
from tests.pg import temporary_cluster


@pytest.fixture(scope="session")
def postgres_url():
    with temporary_cluster() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sessions(request, tmp_path) -> sessionmaker[Session]:
    """A fresh database of each kind: a temporary SQLite file, and a clean schema on the throwaway PostgreSQL."""
    url = f"sqlite:///{tmp_path / 'test.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    create_schema(engine)
    yield session_factory(engine)
    Base.metadata.drop_all(engine)
    engine.dispose()
