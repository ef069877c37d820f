"""``python -m lab takehome create --candidate NAME [--domain D] [--seed N] [--hours H] [--days D] --out KIT.zip``:
make a take-home (its data set, its kit and its record) and print its id.

When the app's database (``VIS_DATABASE_URL`` / ``VIS_DATA_DIR``) has exactly one candidate of that name (or the record
``--candidate-id`` names), the take-home is filed under that record and the candidate moves to the take-home stage,
as the Take-home screen does; otherwise a line on stderr says the take-home is kept under the name only."""

from __future__ import annotations

import argparse
import shutil
import sys
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
    record = _candidate_record(args.candidate, args.candidate_id)
    takehome = create_takehome(candidate_name=record.name if record else args.candidate,
                               candidate_id=record.id if record else args.candidate_id, domain=args.domain,
                               seed=args.seed, hours=args.hours, days=args.days, created_by="cli")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(kit_path(takehome.id), args.out)
    if record is not None:
        _move_to_takehome(record.id, takehome.id)
    else:
        print(f"note: no single candidate record named {args.candidate!r} in the app database; the take-home is kept "
              "under that name and no stage was changed", file=sys.stderr)
    print(takehome.id)
    return 0


def _sessions():
    from interviews.db import make_engine, migrate, session_factory
    from settings import get_settings

    engine = make_engine(get_settings().database_url)
    migrate(engine)
    return session_factory(engine)


def _candidate_record(name: str, candidate_id: int | None):
    from interviews.candidates import find_candidate_by_name, load
    from interviews.candidates import info as candidate_info
    from interviews.db import session_scope
    from interviews.errors import NotFound

    with session_scope(_sessions()) as session:
        if candidate_id is None:
            return find_candidate_by_name(session, name)
        try:
            return candidate_info(load(session, candidate_id))
        except NotFound:
            raise ValueError(f"no candidate record {candidate_id} in the app database") from None


def _move_to_takehome(candidate_id: int, takehome_id: int) -> None:
    from interviews.candidates import move_stage
    from interviews.db import session_scope

    with session_scope(_sessions()) as session:
        move_stage(session, actor=None, candidate_id=candidate_id, stage="take-home",
                   reason=f"take-home {takehome_id} created from the command line")
