"""Database plumbing: engines, sessions and the schema's migrations.

SQLite (the embedded default, in WAL mode) and PostgreSQL are both supported through SQLAlchemy 2. The schema is
made and upgraded by the Alembic migrations in ``interviews/migrations`` (:func:`migrate`, run at start-up); a
database made before migrations existed (commit 1280512's ``create_all``) is recognised and upgraded in place.
Never cache a session: make one per unit of work with :func:`session_scope`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker

from interviews import tables  # noqa: F401  (declares every table on Base.metadata)
from interviews.base import Base, utcnow  # noqa: F401  (re-exported for older callers)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001_baseline"  # the schema of commit 1280512, which create_all made without a version table


def make_engine(url: str) -> Engine:
    """An engine for ``url``; for SQLite, the folder is created and WAL plus foreign keys are switched on."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if url == "sqlite:///:memory:":
        from sqlalchemy.pool import StaticPool

        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - driver callback
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()

    return engine


def alembic_config(engine: Engine):
    """Alembic's configuration without an ini file: the script folder, and the engine handed to env.py."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``: an empty database is built, an old one upgraded with its data."""
    from alembic import command

    config = alembic_config(engine)
    if current_revision(engine) is None and inspect(engine).has_table("accounts"):
        command.stamp(config, BASELINE)  # made by create_all before migrations existed
    command.upgrade(config, revision)


def create_schema(engine: Engine) -> None:
    """Kept for older callers: the same as :func:`migrate`."""
    migrate(engine)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error and re-raise it."""
    session = factory()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()
