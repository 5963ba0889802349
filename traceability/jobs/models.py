"""Background jobs as the people who asked for them see them: status, progress, and the file they made."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from traceability.db import Base, choice, utcnow
from traceability.storage import STORED_FILE


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(Base):
    """One piece of long work run by `traceability worker`, out of any web request.

    `attempt` is bumped each time the job is handed to the queue again (its worker died): a worker holding an
    older attempt stops at its next progress report, so two workers never write the same result.
    """

    __tablename__ = "jobs"
    __audit__ = False  # progress is written every few seconds; what the job makes is audited where it is made

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[JobStatus] = mapped_column(choice(JobStatus, "job_status"), default=JobStatus.QUEUED)
    progress: Mapped[int] = mapped_column(default=0)  # per cent
    message: Mapped[str | None] = mapped_column(String(500))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column(default=1)
    # the file the job reads (an import's CSV), under UPLOAD_DIR; removed with the row, or once the job ends
    input_path: Mapped[str | None] = mapped_column(String(300), info=STORED_FILE)
    result_path: Mapped[str | None] = mapped_column(String(300))  # relative to JOB_RESULT_DIR
    result_name: Mapped[str | None] = mapped_column(String(200))  # the download's file name
    result_type: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[dt.datetime] = mapped_column(default=utcnow)  # queued, or last progress reported
    finished_at: Mapped[dt.datetime | None]

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)
