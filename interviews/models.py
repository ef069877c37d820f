"""Import every module that declares tables so that :func:`interviews.db.create_schema` sees them all."""

from interviews import lab_runs, notes, overrides, practice, scorecards, users  # noqa: F401
