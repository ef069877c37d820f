"""``python -m lab takehome create --candidate NAME [--domain D] [--seed N] [--hours H] [--days D] --out KIT.zip``:
make a take-home (its data set, its kit and its record) and print its id."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

HELP = "create a take-home for a candidate and write its kit zip"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from lab.takehome_data import DOMAINS

    actions = parser.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="make the data set, the kit and the record; print the id")
    create.add_argument("--candidate", required=True, help="the candidate's name")
    create.add_argument("--candidate-id", type=int, default=None, help="the candidate's record id, if known")
    create.add_argument("--domain", choices=sorted(DOMAINS), default="surface-defects")
    create.add_argument("--seed", type=int, default=None, help="data set seed (default: a random one)")
    create.add_argument("--hours", type=int, default=5, help="time box, 4 to 6 hours")
    create.add_argument("--days", type=int, default=7, help="days until the deadline")
    create.add_argument("--out", type=Path, required=True, help="where to write the kit zip")


def run(args: argparse.Namespace) -> int:
    from lab.takehome import create_takehome, kit_path

    if args.out.suffix.lower() != ".zip":
        raise ValueError("--out must name a .zip file")
    takehome = create_takehome(candidate_name=args.candidate, candidate_id=args.candidate_id, domain=args.domain,
                               seed=args.seed, hours=args.hours, days=args.days, created_by="cli")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(kit_path(takehome.id), args.out)
    print(takehome.id)
    return 0
