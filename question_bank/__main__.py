"""Command line for the question bank.

    python -m question_bank validate [DIR]
    python -m question_bank export --format json|yaml|csv [--dir DIR]
    python -m question_bank search "QUERY" [-k N] [--dir DIR]
    python -m question_bank import FILE [--dir DIR] [--into DIR]

Exit status 0 on success, 1 when the bank or the input is invalid (every problem listed on stderr), 2 on usage errors.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from question_bank.export import FORMATS, export_questions
from question_bank.importer import import_file
from question_bank.loader import BankError, load_bank
from settings import get_settings


def _bank_dir(arg: str | None) -> Path:
    return Path(arg) if arg else get_settings().bank_dir


def _validate(args: argparse.Namespace) -> int:
    bank = load_bank(_bank_dir(args.dir))
    print(f"valid: {len(bank.questions)} questions, {len(bank.competencies)} competencies, "
          f"{len(bank.skills)} skills, {len(bank.kits)} kits")
    return 0


def _export(args: argparse.Namespace) -> int:
    bank = load_bank(_bank_dir(args.dir))
    sys.stdout.write(export_questions(list(bank.questions), args.format))
    sys.stdout.write("\n")
    return 0


def _search(args: argparse.Namespace) -> int:
    from question_bank.search import BankIndex
    from scoring.embedder import get_search_encoder

    bank = load_bank(_bank_dir(args.dir))
    hits = BankIndex(bank, get_search_encoder(), cache_dir=get_settings().cache_dir / "bank_index").search(args.query, k=args.k)
    if not hits:
        print("no results", file=sys.stderr)
        return 1
    for hit in hits:
        print(f"{hit.score:.3f}  {hit.question.id:<40} {hit.question.prompt}")
    return 0


def _import(args: argparse.Namespace) -> int:
    bank_dir = _bank_dir(args.dir)
    bank = load_bank(bank_dir)
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"error: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 1
    target = import_file(data, path.name, bank, Path(args.into) if args.into else bank_dir / "questions")
    print(f"imported into {target}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m question_bank", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="check every file of the bank")
    p.add_argument("dir", nargs="?", help="bank folder (default: VIS_BANK_DIR)")
    p.set_defaults(run=_validate)
    p = sub.add_parser("export", help="print the whole bank")
    p.add_argument("--format", choices=FORMATS, default="json")
    p.add_argument("--dir")
    p.set_defaults(run=_export)
    p = sub.add_parser("search", help="semantic search with the bundled model")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--dir")
    p.set_defaults(run=_search)
    p = sub.add_parser("import", help="validate a YAML or CSV file of questions and add it to the bank")
    p.add_argument("file")
    p.add_argument("--dir")
    p.add_argument("--into", help="folder to write the imported file to (default: DIR/questions)")
    p.set_defaults(run=_import)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except BankError as exc:
        print(f"invalid: {len(exc.problems)} problem(s)", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
