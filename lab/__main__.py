"""Command line of the lab. Other tools rely on these commands and on their JSON keys.

  python -m lab bench MODEL.onnx [--provider cpu|cuda|tensorrt] [--threads N] [--batch N] [--size N] [--json]
  python -m lab evaluate MODEL.onnx [--size N] [--json]
  python -m lab optimize MODEL.onnx --out OUT.onnx [--quantize static|dynamic] [--fp16] [--opt-level LEVEL]
  python -m lab compare BASELINE.onnx VARIANT.onnx [--rounds N] [--threads N] [--json]
  python -m lab stress --procs N --seconds S
  python -m lab worker [--once]

Each command is a module of :mod:`lab.commands` (found there by itself). Bad input gives one line on stderr and exit
status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import sys


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would exit 2; the lab's contract is 1
        self.print_usage(sys.stderr)
        raise SystemExit(f"error: {message}")


def build_parser() -> argparse.ArgumentParser:
    from lab.commands import discover

    parser = _Parser(prog="python -m lab", description="Measure, evaluate and optimise ONNX vision models.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, module in discover().items():
        command = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        command.set_defaults(handler=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_worker"]:
        from lab.isolate import worker_main
        return worker_main(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except Exception as exc:  # noqa: BLE001 - the CLI's promise: a message, status 1, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
