"""The yearly report's workbook made by the worker: a province's year of figures is many queries and a large
XLSX, more than a web request should wait for. The job's page shows progress, then the file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, BinaryIO

from sqlalchemy.orm import Session

from traceability.inspection.export import yearly_workbook
from traceability.inspection.figures import Period, yearly_report

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def submit_yearly_report(session: Session, user: Any, period: Period) -> Any:
    from traceability.jobs.services import submit

    params = {"first_on": period.first_on.isoformat(), "last_on": period.last_on.isoformat()}
    return submit(session, "yearly_report", user, params)


def make_yearly_report(
    session: Session, job: Any, progress: Callable[[int, int], None], out: BinaryIO
) -> tuple[str, str]:
    period = Period(dt.date.fromisoformat(job.params["first_on"]), dt.date.fromisoformat(job.params["last_on"]))
    report = yearly_report(session, period)
    progress(1, 2)
    out.write(yearly_workbook(report))
    return f"bao-cao-truy-xuat-{period.first_on.isoformat()}-{period.last_on.isoformat()}.xlsx", XLSX
