"""Autosave write latency under concurrent writers: 20 threads in one process (as the app's server runs its
sessions) and 20 writer processes. Prints p50/p90/p99/max per mode, the load average and the CPU.

    python -m scripts.bench_autosave                    # SQLite in a temporary folder, both modes, 10 s each
    python -m scripts.bench_autosave --url postgresql+psycopg://...  --seconds 10 --writers 20 --interval 0

Each writer autosaves its own notes (a versioned conditional UPDATE, as the interview page does) back to back,
or every ``--interval`` seconds; every 10th write submits a scorecard instead. A write's latency is the whole
unit of work: open a session, check the panel seat, write, commit. The same writer loop serves the load-and-fault
test (tests/interviews/test_load_fault.py), which runs it in child processes (``writer`` sub-command), kills one
with SIGKILL and checks every acknowledged write afterwards.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from interviews.db import make_engine, migrate, session_factory, session_scope
from interviews.errors import DomainError
from interviews.identity import Identity
from interviews.notes import save_note
from interviews.passwords import hash_password
from interviews.scorecards import Rating, submit_scorecard
from interviews.tables import Account, Candidate, Interview, PanelSeat

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = ("q1", "q2", "q3", "q4", "q5")
CARD_EVERY = 10
RATINGS = [Rating("q1", "latency_measurement", 3), Rating("q2", "inference_deployment", 4)]


@dataclass(frozen=True)
class Writer:
    index: int
    viewer: Identity
    notes_interview: int
    card_interviews: tuple[int, ...]


def prepare_writers(session: Session, count: int, cards_each: int, label: str = "") -> list[Writer]:
    """``count`` interviewer accounts, each on the panel of one interview for notes and ``cards_each`` for cards.
    Rows are inserted directly: this sets the stage, the writes under test go through the domain functions."""
    unusable = hash_password("bench writers never sign in")
    candidate = Candidate(name="Load test candidate", name_key="load test candidate", email="", role_applied="",
                          stage="onsite")
    session.add(candidate)
    session.flush()
    writers = []
    for i in range(count):
        name = f"{label}writer {i}"
        account = Account(name=name, name_key=name, role="interviewer", password_hash=unusable)
        session.add(account)
        session.flush()
        rows = [Interview(candidate_id=candidate.id, kit_id="load", stage="onsite", status="planned")
                for _ in range(cards_each + 1)]
        session.add_all(rows)
        session.flush()
        session.add_all(PanelSeat(interview_id=r.id, account_id=account.id) for r in rows)
        viewer = Identity(name=account.name, role="interviewer", account_id=account.id)
        writers.append(Writer(i, viewer, rows[0].id, tuple(r.id for r in rows[1:])))
    session.flush()
    return writers


def write_loop(sessions, writer: Writer, *, seconds: float, interval: float = 0.0, ack=None,
               lockstep: bool = False) -> list[float]:
    """Autosave (and now and then submit) for ``seconds``; returns each write's latency in ms. ``ack(line)`` is
    called after every committed write with what was written, so a checker can find it later. With an interval,
    each writer starts at its own (seeded) point within the first interval, as independent typists do; ``lockstep``
    starts them all together, the worst case: twenty writes queue behind each other every interval."""
    if interval and not lockstep:
        time.sleep(random.Random(writer.index).uniform(0, interval))
    versions = dict.fromkeys(QUESTIONS, 0)
    cards = list(writer.card_interviews)
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    op = 0
    while time.monotonic() < deadline:
        op += 1
        started = time.perf_counter()
        if op % CARD_EVERY == 0 and cards:
            interview_id = cards.pop(0)
            token = f"w{writer.index}-i{interview_id}"
            with session_scope(sessions) as s:
                submit_scorecard(s, viewer=writer.viewer, interview_id=interview_id, token=token, ratings=RATINGS,
                                 recommendation="yes", rationale=f"writer {writer.index} op {op}")
            line = f"card\t{interview_id}\t{token}"
        else:
            question = QUESTIONS[op % len(QUESTIONS)]
            text = f"writer {writer.index} op {op} " + "notes " * (op % 40)
            try:
                with session_scope(sessions) as s:
                    saved = save_note(s, viewer=writer.viewer, interview_id=writer.notes_interview,
                                      question_id=question, text=text, base_version=versions[question])
            except DomainError as exc:  # each writer owns its notes: a conflict here would be a bug
                raise RuntimeError(f"writer {writer.index}: {exc}") from exc
            versions[question] = saved.version
            line = f"note\t{writer.notes_interview}\t{question}\t{saved.version}\t{text}"
        latencies.append((time.perf_counter() - started) * 1000)
        if ack is not None:
            ack(line)
        if interval:
            time.sleep(interval)
    return latencies


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"n": len(ordered), "p50": statistics.median(ordered), "p90": pick(0.90), "p99": pick(0.99),
            "max": ordered[-1]}


def run_threads(url: str, writers: list[Writer], seconds: float, interval: float, lockstep: bool = False) -> list[float]:
    engine = make_engine(url)
    sessions = session_factory(engine)
    results: list[list[float]] = [[] for _ in writers]
    barrier = threading.Barrier(len(writers))

    def work(w: Writer) -> None:
        barrier.wait()
        results[w.index] = write_loop(sessions, w, seconds=seconds, interval=interval, lockstep=lockstep)

    threads = [threading.Thread(target=work, args=(w,)) for w in writers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.dispose()
    return [x for r in results for x in r]


def writer_command(url: str, w: Writer, seconds: float, interval: float, go: Path, lockstep: bool = False,
                   **files: Path) -> list[str]:
    return [sys.executable, "-m", "scripts.bench_autosave", "writer", "--url", url, "--writer", str(w.index),
            "--account", str(w.viewer.account_id), "--notes-interview", str(w.notes_interview),
            "--cards", ",".join(map(str, w.card_interviews)), "--seconds", str(seconds), "--interval", str(interval),
            "--go", str(go), *(["--lockstep"] if lockstep else []),
            *[x for name, path in files.items() for x in (f"--{name}", str(path))]]


def start_together(children: list[subprocess.Popen], go: Path, timeout_s: float = 120.0) -> None:
    """Wait until every child has imported and connected (its ready file), then let them all start at once."""
    deadline = time.monotonic() + timeout_s
    while len(list(go.parent.glob(f"{go.name}.*.ready"))) < len(children):
        if time.monotonic() > deadline or any(c.poll() not in (None, 0) for c in children):
            raise RuntimeError("a writer process did not get ready")
        time.sleep(0.05)
    go.touch()


def run_processes(url: str, writers: list[Writer], seconds: float, interval: float, out: Path,
                  lockstep: bool = False) -> list[float]:
    go = out / f"go-{time.monotonic_ns()}"
    children = [subprocess.Popen(writer_command(url, w, seconds, interval, go, lockstep,
                                                latencies=out / f"lat{w.index}.txt"), cwd=REPO) for w in writers]
    start_together(children, go)
    for child in children:
        child.wait()
    return [float(x) for w in writers for x in (out / f"lat{w.index}.txt").read_text().split()]


def writer_main(args) -> int:
    """One writer in its own process (the benchmark's process mode and the load-and-fault test)."""
    viewer = Identity(name=f"writer {args.writer}", role="interviewer", account_id=args.account)
    cards = tuple(int(x) for x in args.cards.split(",") if x)
    writer = Writer(args.writer, viewer, args.notes_interview, cards)
    engine = make_engine(args.url)
    ack_fd = os.open(args.ack, os.O_WRONLY | os.O_CREAT | os.O_APPEND) if args.ack else None
    ack = (lambda line: os.write(ack_fd, (line + "\n").encode())) if ack_fd is not None else None
    if args.go:  # connected and warm: say so, then wait for the parent's signal to start with the others
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        Path(f"{args.go}.{args.writer}.ready").touch()
        while not Path(args.go).exists():
            time.sleep(0.01)
    latencies = write_loop(session_factory(engine), writer, seconds=args.seconds, interval=args.interval, ack=ack,
                           lockstep=args.lockstep)
    if args.latencies:
        Path(args.latencies).write_text(" ".join(f"{x:.3f}" for x in latencies))
    engine.dispose()
    return 0


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def bench_main(args) -> int:
    folder = Path(tempfile.mkdtemp(prefix="vis-bench-"))
    print(f"autosave bench: {args.writers} writers, {args.seconds:g} s per mode, interval {args.interval:g} s"
          f"{' in lockstep' if args.lockstep else ''}, "
          f"{(args.url or 'sqlite').split(':')[0]}; CPU {cpu_name()} x{os.cpu_count()}; load average at start "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for mode in ("threads", "processes"):
        url = args.url or f"sqlite:///{folder / f'{mode}.db'}"
        engine = make_engine(url)
        migrate(engine)
        with session_scope(session_factory(engine)) as s:
            writers = prepare_writers(s, args.writers, cards_each=int(args.seconds * 20), label=f"{mode} ")
        engine.dispose()
        runner = run_threads if mode == "threads" else lambda *a: run_processes(*a[:4], folder, a[4])
        stats = percentiles(runner(url, writers, args.seconds, args.interval, args.lockstep))
        print(f"{args.writers} writer {mode:9}: {stats['n']:6d} writes ({stats['n'] / args.seconds:7.1f}/s), "
              f"p50 {stats['p50']:7.2f} ms, p90 {stats['p90']:7.2f} ms, p99 {stats['p99']:7.2f} ms, "
              f"max {stats['max']:7.2f} ms; load average now {os.getloadavg()[0]:.2f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_autosave", description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", nargs="?", choices=["bench", "writer"], default="bench")
    parser.add_argument("--url", default="")
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--interval", type=float, default=0.0, help="pause between one writer's writes")
    parser.add_argument("--writer", type=int, default=0)
    parser.add_argument("--account", type=int, default=0)
    parser.add_argument("--notes-interview", type=int, default=0)
    parser.add_argument("--cards", default="")
    parser.add_argument("--ack", default="", help="append each committed write to this file (writer mode)")
    parser.add_argument("--latencies", default="", help="write the latencies here (writer mode)")
    parser.add_argument("--go", default="", help="start when this file appears (writer mode)")
    parser.add_argument("--lockstep", action="store_true",
                        help="with --interval: every writer writes at the same moment (the worst case)")
    args = parser.parse_args(argv)
    return writer_main(args) if args.mode == "writer" else bench_main(args)


if __name__ == "__main__":
    raise SystemExit(main())
