"""The folder where every process writes its metrics (prometheus_client's multiprocess mode).

Kept apart from ops/metrics.py on purpose: prometheus_client chooses how it stores values when it is first
imported, so PROMETHEUS_MULTIPROC_DIR must be set before anything imports it.
"""

from __future__ import annotations

import os


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def prepare_multiprocess_dir() -> str:
    """PROMETHEUS_MULTIPROC_DIR (default instance/prometheus), without the files of processes that no longer run:
    an earlier run's would be added to this run's counts. The files of living processes stay, so the web server
    and the job worker (`make run` starts both, in either order) may each start while the other runs. This
    process's own go too: it prepares the folder before counting anything (`serve` is about to become gunicorn)."""
    from pathlib import Path

    from traceability.config import instance_path

    folder = Path(multiprocess_dir() or instance_path() / "prometheus")
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        pid = stale.stem.rsplit("_", 1)[-1]
        if not (pid.isdigit() and int(pid) != os.getpid() and _running(int(pid))):
            stale.unlink(missing_ok=True)
    return str(folder)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def use_multiprocess_dir() -> None:
    """For a process of its own (the job worker): write metrics to the folder the web server scrapes, and take
    this process's live values away when it ends (prometheus_client's `mark_process_dead`). Call before the app
    (and with it prometheus_client's values) is made."""
    import atexit

    os.environ["PROMETHEUS_MULTIPROC_DIR"] = prepare_multiprocess_dir()
    atexit.register(_mark_dead, os.getpid())


def _mark_dead(pid: int) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid)
