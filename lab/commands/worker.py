"""``python -m lab worker [--queue default|gpu]``: take jobs from the queue (VIS_QUEUE_URL), one at a time.

`make run` starts one beside the app. Stop it with Ctrl-C or SIGTERM; a job it was running when killed is queued again
by the lease (see :mod:`lab.jobs`)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading

HELP = "run queued lab jobs (lab runs, take-home grading), one at a time"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--queue", choices=["default", "gpu"], default="default",
                        help="gpu: the queue of runs that ask for CUDA or TensorRT (start it on the GPU machine)")
    parser.add_argument("--parent-pid", type=int, default=None,
                        help="stop (gracefully) once this process, the one that started the worker, is gone")


def run(args: argparse.Namespace) -> int:
    from lab.jobs import get_queue, worker_identity

    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    queue = get_queue(args.queue)
    identity = worker_identity()
    logging.getLogger(__name__).info("queue %s on %s (%s), lease %.0f s", args.queue, queue.url.split("?")[0],
                                     identity["hostname"], queue.lease_s)
    if args.parent_pid is not None and os.getppid() != args.parent_pid:
        logging.getLogger(__name__).info("the parent process %d is gone: not starting", args.parent_pid)
        return 0
    stop = threading.Event()
    watcher = threading.Thread(target=_watch, args=(queue, stop, args.parent_pid), daemon=True)
    watcher.start()
    consumer = queue.huey.create_consumer(workers=1, worker_type="thread", periodic=False, initial_delay=0.1,
                                          backoff=1.15, max_delay=0.5)
    try:
        consumer.run()
    finally:
        stop.set()
    return 0


def _watch(queue, stop: threading.Event, parent: int | None) -> None:
    """Say this worker is alive and look for jobs lost with another worker, a few times per lease; with ``parent``,
    stop the worker once that process is gone (a test run killed without its clean-up)."""
    log = logging.getLogger(__name__)
    while True:
        if parent is not None and os.getppid() != parent:
            log.info("the parent process %d is gone: stopping", parent)
            # The consumer's graceful stop. Repeated until the consumer has returned: a signal that arrives before
            # the consumer has put in its handlers can be lost (seen once in a CI run on a loaded machine).
            while True:
                os.kill(os.getpid(), signal.SIGINT)
                if stop.wait(1.0):
                    return
        try:
            queue.announce_worker()
            for job_id in queue.reap_stale():
                log.warning("job %s lost its worker: queued again or failed", job_id)
            if forgotten := queue.forget_finished():
                log.info("forgot %d jobs finished over a week ago", forgotten)
        except Exception as exc:  # noqa: BLE001 - a broker hiccup must not end the watcher
            log.warning("queue check failed: %s", exc)
        if stop.wait(max(0.5, queue.lease_s / 6)):
            return
