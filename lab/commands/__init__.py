"""The lab's subcommands, one module each; ``python -m lab`` finds them here by itself.

A command module defines ``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int`` (it prints its own
output; raising an exception gives the user one ``error:`` line and exit status 1). ``NAME`` is optional (default:
the module name with ``_`` as ``-``). Keep module tops light: import heavy libraries inside ``run``.
To add a command, add a module; nothing else changes.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from pathlib import Path
from types import ModuleType


def discover() -> dict[str, ModuleType]:
    """Every command module of this package by its command name, sorted."""
    found = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if callable(getattr(module, "run", None)) and callable(getattr(module, "add_arguments", None)):
            found[getattr(module, "NAME", info.name.replace("_", "-"))] = module
    return found


def require_model(path: Path) -> Path:
    if not path.is_file():
        raise FileNotFoundError(f"no such model file: {path}")
    return path


def print_json(data: object) -> None:
    print(json.dumps(data, indent=2, default=str))


def run_isolated(kind: str, model: Path, payload: dict, timeout_s: float | None, *, gpu: bool = False) -> dict:
    """Validate ``model`` (in a child: parse, checker, operators; no trial run) and run the ``kind`` job of
    :mod:`lab.isolate` on it, under the app's limits (``timeout_s`` overrides VIS_LAB_TIMEOUT_S)."""
    from lab.isolate import Limits, run_job
    from lab.validate import validate_model_file

    limits = Limits.from_settings()
    if timeout_s is not None:
        if timeout_s <= 0:
            raise ValueError(f"--timeout must be positive, not {timeout_s:g}")
        limits = Limits(timeout_s=timeout_s, memory_mb=limits.memory_mb)
    validate_model_file(model, trial_run=False, job_limits=limits)
    return run_job(kind, payload, limits, gpu=gpu)
