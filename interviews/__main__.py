"""``python -m interviews``: the demo workspace, accounts, exports and migrations from the command line.

    python -m interviews seed-demo [--if-empty]       the labelled demo workspace (make run: --if-empty)
    python -m interviews users add NAME --role ROLE   a new account (password asked for, or --password)
    python -m interviews users invite --role ROLE     a one-use sign-up link for that role
    python -m interviews users list                   every account, its role and whether it is confirmed
    python -m interviews users confirm NAME           confirm a staff role chosen at the first version's form
    python -m interviews export --format csv|json     every submitted scorecard (to stdout, or --output FILE)
    python -m interviews migrate                      bring the database schema up to date
    python -m interviews bench --scorecards N --json  the manager analytics timed on a scratch database
    python -m interviews report CANDIDATE... --pdf F  the hiring committee PDF for 2-5 candidates

The command line acts as an admin: whoever runs it already holds the database. The database is the one the
settings name (``VIS_DATABASE_URL`` or the SQLite file in ``VIS_DATA_DIR``); it is migrated first.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from interviews.db import make_engine, migrate, session_factory, session_scope
from interviews.errors import DomainError
from interviews.identity import COMMAND_LINE, ROLES
from settings import get_settings


def _sessions():
    engine = make_engine(get_settings().database_url)
    migrate(engine)
    return session_factory(engine)


def cmd_seed(args) -> str:
    from interviews.seed import seed_demo
    from interviews.users import count_accounts
    from question_bank.loader import load_bank

    settings = get_settings()
    sessions = _sessions()
    if args.if_empty:
        if not settings.seed_demo:
            return "VIS_SEED_DEMO is off: the database stays as it is."
        with session_scope(sessions) as s:
            if count_accounts(s):
                return "The database has accounts already: no demo added."
    with session_scope(sessions) as s:
        return seed_demo(s, load_bank(settings.bank_dir)).message


def cmd_users(args) -> str:
    from interviews import accounts_admin
    from interviews.users import find_account

    with session_scope(_sessions()) as s:
        if args.action == "add":
            password = args.password or getpass.getpass(f"Password for {args.name}: ")
            made = accounts_admin.add_user(s, actor=COMMAND_LINE, name=args.name, password=password, role=args.role,
                                           email=args.email or "")
            return f"Account {made.name!r} added with the role {made.role}."
        if args.action == "invite":
            token = accounts_admin.create_invitation(s, actor=COMMAND_LINE, role=args.role, ttl_hours=args.hours)
            return f"{args.base_url.rstrip('/')}/?invite={token}  (one use, {args.role}, valid {args.hours:g} h)"
        if args.action == "confirm":
            account = find_account(s, args.name)
            if account is None:
                raise DomainError(f"No account is named {args.name!r}.")
            info = accounts_admin.confirm_staff(s, actor=COMMAND_LINE, account_id=account.id)
            return f"{info.name!r} may now work as {info.role}."
        rows = accounts_admin.list_users(s, actor=COMMAND_LINE)
        lines = [f"{'name':30} {'role':12} {'status':22} created"]
        for a in rows:
            status = "disabled" if a.disabled else ("waiting for confirmation" if not a.confirmed else "active")
            lines.append(f"{a.name[:30]:30} {a.role:12} {status + (' (demo)' if a.demo else ''):22} "
                         f"{a.created_at:%Y-%m-%d}")
        return "\n".join(lines)


def cmd_export(args) -> str:
    from interviews.export import export_for

    with session_scope(_sessions()) as s:
        text = export_for(s, viewer=COMMAND_LINE, fmt=args.format)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8", newline="")
        return f"Wrote {args.output}."
    sys.stdout.write(text)
    return ""


def cmd_migrate(_args) -> str:
    from interviews.db import current_revision

    engine = make_engine(get_settings().database_url)
    migrate(engine)
    return f"The database is at revision {current_revision(engine)}."


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="python -m interviews", description=__doc__.split("\n\n")[0])
    sub = main.add_subparsers(dest="command", required=True)
    seed = sub.add_parser("seed-demo", help="fill an empty database with the labelled demo workspace")
    seed.add_argument("--if-empty", action="store_true", help="only when VIS_SEED_DEMO is on and there is no account")
    seed.set_defaults(run=cmd_seed)
    users = sub.add_parser("users", help="add, invite, list or confirm accounts")
    users.add_argument("action", choices=["add", "invite", "list", "confirm"])
    users.add_argument("name", nargs="?", default="")
    users.add_argument("--role", choices=ROLES, default="interviewer")
    users.add_argument("--password", help="the new account's password (asked for when missing)")
    users.add_argument("--email")
    users.add_argument("--hours", type=float, default=72.0, help="how long an invitation stays valid")
    users.add_argument("--base-url", default="http://localhost:8501", help="the app's address, for invitation links")
    users.set_defaults(run=cmd_users)
    export = sub.add_parser("export", help="export every submitted scorecard")
    export.add_argument("--format", choices=["csv", "json"], required=True)
    export.add_argument("--output", help="write to this file instead of standard output")
    export.set_defaults(run=cmd_export)
    sub.add_parser("migrate", help="bring the database schema up to date").set_defaults(run=cmd_migrate)
    from interviews.bench import add_commands  # bench, report (issue 9: the hiring manager's analytics)

    add_commands(sub)
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "users" and args.action in ("add", "confirm") and not args.name:
        print(f"users {args.action} needs a NAME.", file=sys.stderr)
        return 2
    try:
        message = args.run(args)
    except DomainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if message:
        print(message)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
