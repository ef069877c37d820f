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
