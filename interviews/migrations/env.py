"""Alembic's environment: runs the migrations on the engine that :func:`interviews.db.migrate` hands over.

SQLite runs in batch mode (a table is copied to change its columns); PostgreSQL alters in place.
"""

from __future__ import annotations

from alembic import context

from interviews.base import Base


def run_migrations() -> None:
    engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata,
                          render_as_batch=engine.dialect.name == "sqlite", compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations()
