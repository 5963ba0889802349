"""The yearly report's workbook made by the worker: a province's year of figures is many queries and a large
XLSX, more than a web request should wait for. The job's page shows progress, then the file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, BinaryIO

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from traceability.accounts.models import User
from traceability.inspection import scope
from traceability.inspection.export import workbook_name, yearly_workbook
from traceability.inspection.figures import Period, yearly_report

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def submit_yearly_report(session: Session, user: Any, period: Period, whole: bool = True) -> Any:
    """`whole`: the province's report (with its table by agency); otherwise the scope of the user's agency."""
    from traceability.jobs.services import submit

    params = {"first_on": period.first_on.isoformat(), "last_on": period.last_on.isoformat(), "whole": whole}
    return submit(session, "yearly_report", user, params)


def make_yearly_report(
    session: Session, job: Any, progress: Callable[[int, int], None], out: BinaryIO
) -> tuple[str, str]:
    period = Period(dt.date.fromisoformat(job.params["first_on"]), dt.date.fromisoformat(job.params["last_on"]))
    # the agency's scope as it is when the job runs; a job queued before scopes existed is the province's
    owner = session.get(User, job.owner_id)
    agency = scope.agency_of(session, owner) if owner is not None else None
    whole = agency is None or job.params.get("whole", True)
    in_scope = None if whole else scope.scope_filter(session, owner)
    report = yearly_report(session, period, in_scope, by_agency=whole)
    progress(1, 2)
    out.write(yearly_workbook(report, _("The whole province") if whole else scope.scope_text(agency)))
    return workbook_name(period, None if whole else agency), XLSX
