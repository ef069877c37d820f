"""``python -m lab grade SUBMISSION --takehome ID [--json]``: grade a submission (folder or zip) against the take-home's
held-out ground truth and print its report card. Exit status 0 whenever a report card was produced, whatever the
submission did; 1 only when there is no take-home or no submission to grade."""

from __future__ import annotations

import argparse
from pathlib import Path

from lab.commands import print_json

HELP = "grade a take-home submission and print its report card"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submission", type=Path, help="a folder or a zip")
    parser.add_argument("--takehome", type=int, required=True, help="the take-home's id")
    parser.add_argument("--json", action="store_true")


def _text(card: dict) -> str:
    def figure(key: str, form: str) -> str:
        return "-" if card.get(key) is None else format(card[key], form)

    agree = "agree" if card["outputs_agree"] else "differ"
    lines = [f"take-home {card['takehome_id']}: contract {'ok' if card['contract_ok'] else 'FAILED'}, script "
             f"{'ran' if card['script_ran'] else 'did NOT run'}, outputs {agree}",
             f"precision {figure('precision', '.3f')}  recall {figure('recall', '.3f')}  "
             f"mAP@0.5 {figure('map50', '.3f')}  p50 {figure('p50_ms', '.2f')} ms", ""]
    lines += [f"[{c['result'].upper():6}] {c['title']}: {c['detail']}" for c in card["checks"]]
    lines += ["", card["advice"], "", "Follow-up prompts:"] + [f"- {p}" for p in card["prompts"]]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from lab.grade import grade_submission
    from lab.takehome_store import folder, get_takehome

    takehome = get_takehome(args.takehome)
    if not args.submission.exists():
        raise FileNotFoundError(f"no such submission: {args.submission}")
    card = grade_submission(args.submission, folder(takehome.id) / "private", takehome_id=takehome.id).to_dict()
    print_json(card) if args.json else print(_text(card))
    return 0
