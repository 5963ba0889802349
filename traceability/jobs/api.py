"""JSON API of jobs: the status of a job you started."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import fields

from traceability import db
from traceability.auth import roles
from traceability.jobs import services
from traceability.jobs.views import SIGNED_IN
from traceability.schemas import BaseSchema

blp = Blueprint("jobs_api", __name__, url_prefix="/api/v1", description="Background jobs")


class JobSchema(BaseSchema):
    id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    progress = fields.Integer(metadata={"description": "per cent"})
    message = fields.String(allow_none=True, metadata={"description": "why it failed, or what it did"})
    result_url = fields.String(allow_none=True, metadata={"description": "the file, once done"})
    errors = fields.Dict(
        metadata={"description": "a refused import's problems: `{row: {column: [messages]}}` (`_row`: the whole row)"}
    )


def job_json(job) -> dict:
    ready = services.result_file(job) is not None
    answer = {
        "id": job.id,
        "kind": job.kind,
        "status": job.status.value,
        "progress": job.progress,
        "message": job.message,
        "result_url": url_for("jobs.download", job_id=job.id, _external=True) if ready else None,
    }
    found = services.problems(job)
    if found:  # as the import answers them in the request: by row, then column
        errors: dict[str, dict[str, list[str]]] = {}
        for problem in found:
            row = errors.setdefault(str(problem.get("row") or "file"), {})
            row.setdefault(problem.get("column") or "_row", []).append(problem["message"])
        answer["errors"] = errors
    return answer


@blp.route("/jobs/<int:job_id>")
@roles(*SIGNED_IN)
@blp.response(200, JobSchema)
def get_job(job_id: int):
    """A job you started: `queued`, `running` (with `progress` in per cent), `done` (with `result_url`) or
    `failed` (with `message` saying why)."""
    return job_json(services.get_job(db.session, job_id, current_user))
