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
from interviews.sqlite_turn import WriteTurn

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001_baseline"
BUSY_TIMEOUT_S = 10.0  # the schema of commit 1280512, which create_all made without a version table


def make_engine(url: str) -> Engine:
    """An engine for ``url``; for SQLite, the folder is created and WAL plus foreign keys are switched on."""
    in_memory = url in ("sqlite://", "sqlite:///:memory:")
    if url.startswith("sqlite:///") and not in_memory:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if in_memory:  # one connection shared by every thread, or each would see its own empty database
        from sqlalchemy.pool import StaticPool

        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    elif url.startswith("sqlite"):  # one connection per server thread that writes at the same moment
        engine = create_engine(url, pool_size=10, max_overflow=40)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=40)
    if engine.dialect.name == "sqlite":
        _sqlite_events(engine)
    return engine


def _sqlite_events(engine: Engine) -> None:
    """WAL, foreign keys, a busy timeout, and transactions that take the write lock when they begin.

    With SQLite's default deferred transactions, a transaction that read first and writes second fails at once
    with "database is locked" when another writer committed in between (WAL cannot upgrade a stale snapshot), so
    two tabs saving at the same moment would see a database error. ``BEGIN IMMEDIATE`` makes the second one wait
    its turn (up to the busy timeout) and then read fresh rows, so the domain's own checks decide (a version
    conflict, an already-submitted card), never the driver.
    """

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - driver callback
        dbapi_connection.isolation_level = None  # the driver's own BEGIN is replaced by the one below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable across a killed process
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        cursor.close()

    # Writers queue for their turn (interviews/sqlite_turn.py) before BEGIN IMMEDIATE: fair and prompt, where
    # SQLite's busy handler alone gives a p99 of seconds under twenty writers.
    database = engine.url.database
    turn = WriteTurn(Path(f"{database}-writers.lock") if database and database != ":memory:" else None,
                     BUSY_TIMEOUT_S)

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection) -> None:  # pragma: no cover - driver callback
        connection.info["vis.turn"] = turn.acquire()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except Exception:
            _release(connection)
            raise

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _release(connection) -> None:  # pragma: no cover - driver callback
        if connection.info.pop("vis.turn", False):
            turn.release()

    @event.listens_for(engine, "checkin")
    def _release_on_return(_dbapi_connection, record) -> None:  # pragma: no cover - driver callback
        """A safety net: a connection back in the pool never keeps the turn (its transaction has ended)."""
        if record.info.pop("vis.turn", False):
            try:
                turn.release()
            except RuntimeError:  # returned by another thread (garbage collection): the owner's lock times out
                pass


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
    """Bring the schema to ``revision``: an empty database is built, an old one upgraded with its data.

    Processes that start together on one database (the app, its queue worker, a command) take turns: each reads the
    schema's revision only once the one before it has finished upgrading, so no migration runs twice."""
    from alembic import command

    with _migration_turn(engine):
        config = alembic_config(engine)
        if current_revision(engine) is None and inspect(engine).has_table("accounts"):
            command.stamp(config, BASELINE)  # made by create_all before migrations existed
        command.upgrade(config, revision)


MIGRATION_LOCK_KEY = 740_251_733  # PostgreSQL advisory lock id for "the studio's schema is being migrated"


@contextmanager
def _migration_turn(engine: Engine) -> Iterator[None]:
    """An exclusive lock between processes for the length of a migration: ``flock`` on a file beside a SQLite
    database, an advisory lock on PostgreSQL. In-memory databases belong to one process and need none."""
    database = engine.url.database or ""
    if engine.dialect.name == "sqlite" and database not in ("", ":memory:"):
        import fcntl

        with open(f"{database}-migrate.lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    elif engine.dialect.name == "postgresql":
        from sqlalchemy import text

        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
                conn.commit()
    else:
        yield


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
