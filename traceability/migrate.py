"""Run Alembic from the app: `traceability db upgrade` and the tests use these."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config

from traceability.config import PROJECT_ROOT


def alembic_config(connection: Any = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(os.environ.get("MIGRATIONS_DIR", PROJECT_ROOT / "migrations"))))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Any, revision: str = "head") -> None:
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


def downgrade(engine: Any, revision: str = "base") -> None:
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), revision)
