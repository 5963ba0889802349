"""gunicorn settings `traceability serve` loads (`-c python:traceability.ops.gunicorn_conf`)."""

from __future__ import annotations


def child_exit(_server, worker) -> None:
    # a worker that ended leaves its metric files behind: its live gauges must stop counting
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
