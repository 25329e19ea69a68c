"""The PostgreSQL test server of a ``--backend=postgresql`` run: which backend the run uses and
the databases the tests make on the server (one module, imported once under one name, so the
conftest's fixtures and the helpers share its state)."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from typing import Any

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
SERVER_VARIABLE = "BANGJIAO_TEST_POSTGRES"


@dataclass
class State:
    """This run's backend (``--backend``) and its server databases still to drop: those of the
    current test (``of_test``, None outside a test) and those made outside one (``of_run``)."""

    backend: str = SQLITE
    of_test: list[str] | None = None
    of_run: list[str] = field(default_factory=list)


state = State()


def server_admin() -> Any:
    """An AUTOCOMMIT engine on the test server's maintenance database (CREATE/DROP DATABASE)."""
    from sqlalchemy import create_engine

    return create_engine(os.environ[SERVER_VARIABLE], isolation_level="AUTOCOMMIT")


def server_url(name: str) -> str:
    """The URL of the database ``name`` on the test server."""
    from sqlalchemy.engine import make_url

    server = os.environ[SERVER_VARIABLE]
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def server_database(template: str | None = None) -> str:
    """The URL of a new database on the test server (a copy of the database ``template`` when
    named: nothing may be connected to it): dropped after the test that made it, or at the end
    of the run when a fixture of a wider scope made it."""
    name = f"bangjiao_test_{uuid.uuid4().hex[:12]}"
    admin = server_admin()
    try:
        with admin.connect() as conn:
            copy = f' TEMPLATE "{template}"' if template else ""
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"{copy}')
    finally:
        admin.dispose()
    (state.of_test if state.of_test is not None else state.of_run).append(name)
    return server_url(name)


def drop(names: list[str]) -> None:
    """Drop the server databases ``names`` (connections still open are ended) and forget them."""
    if not names:
        return
    admin = server_admin()
    try:
        with admin.connect() as conn:
            for name in names:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()
    names.clear()
