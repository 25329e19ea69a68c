"""The schema on PostgreSQL (issue 18, first step): every migration runs on a real server and
leaves exactly the models' schema, and a county's database is set up from the template there
as on SQLite. Runs when ``BANGJIAO_TEST_POSTGRES`` names a server (``.ci/run`` starts a
throwaway cluster and sets it: ``postgresql+psycopg://postgres@/postgres?host=/tmp/…&port=…``);
skipped otherwise."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import func, select

SERVER = os.environ.get("BANGJIAO_TEST_POSTGRES", "")
pytestmark = pytest.mark.skipif(not SERVER, reason="no PostgreSQL server (BANGJIAO_TEST_POSTGRES)")


def test_every_migration_runs_and_leaves_the_models_schema(postgres_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from app.models import SCHEMA_HEAD, Base
    from app.services.database import current_revision, open_database

    database = open_database(postgres_url)  # every migration, 0001 to the head
    try:
        assert current_revision(database.engine) == (SCHEMA_HEAD, True)
        with database.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        database.close()


def test_a_county_is_set_up_from_the_template_as_on_sqlite(postgres_url: str, tmp_path) -> None:
    from app.models import Indicator, Unit
    from app.services.setup import initialise
    from tests.conftest import TEMPLATE_KEY

    def counts(url: str) -> tuple[int, int, list[str]]:
        database = initialise(url, TEMPLATE_KEY, "县矫正办").database
        try:
            with database.session() as s:
                units = s.scalar(select(func.count()).select_from(Unit)) or 0
                indicators = s.scalar(select(func.count()).select_from(Indicator)) or 0
                names = list(s.scalars(select(Unit.name).order_by(Unit.sort_order, Unit.name)))
            return units, indicators, names
        finally:
            database.close()

    on_server = counts(postgres_url)
    assert on_server == counts(str(tmp_path / "county.db"))
    assert on_server[0] > 10 and "法律援助中心" in on_server[2]


def test_a_units_package_imports_into_a_county_database_on_the_server(postgres_url, tmp_path):
    """A 法律援助中心 on SQLite sends an entry with a photo; the county's database is on the
    server (the exchange's own SQL used SQLite's ``?`` placeholders until now)."""
    from datetime import date

    from app.models import LedgerEntry, Unit
    from app.services import ledger
    from app.services.setup import initialise
    from app.sync import identity
    from app.sync.exchange import export_package, import_package
    from tests.conftest import TEMPLATE_KEY
    from tests.helpers import kind_ids, make_jpeg, unit_ids

    county = initialise(postgres_url, TEMPLATE_KEY, "县矫正办").database
    unit = initialise(str(tmp_path / "unit.db"), TEMPLATE_KEY, "法律援助中心").database
    try:
        with county.session() as c, unit.session() as u:

            def uuid_of(session, name: str) -> str:
                return session.scalar(select(Unit.uuid).where(Unit.name == name))

            identity.register_peer(c, uuid_of(c, "法律援助中心"), identity.key_pairs(u).public())
            identity.register_peer(u, uuid_of(u, "县矫正办"), identity.key_pairs(c).public())
        with unit.session() as s:
            units, kinds = unit_ids(s), kind_ids(s)
            ledger.save_entry(s, unit.attachments, None, ledger.EntryInput(
                kind_id=kinds["hotline"], unit_id=units["法律援助中心"],
                entry_date=date(2018, 7, 2), title="热线咨询（发往服务器）", values={"calls": 2},
                photos=[ledger.PhotoInput(path=make_jpeg(tmp_path / "现场.jpg"))],
            ))  # fmt: skip
        summary = import_package(county, export_package(unit, "县矫正办", tmp_path / "u.bjpkg")[0])
        assert summary.created == {"attachments": 1, "ledger_entries": 1, "entry_attachments": 1}
        with county.session() as s:
            titles = list(s.scalars(select(LedgerEntry.title)))
        assert titles == ["热线咨询（发往服务器）"]
    finally:
        county.close()
        unit.close()


def test_the_ledgers_partial_indexes_are_partial_on_the_server(postgres_url: str) -> None:
    """The two partial indexes of ledger_entries were declared for SQLite only and made over
    every row on the server until 0023."""
    from sqlalchemy import text

    from app.services.database import open_database

    database = open_database(postgres_url)
    try:
        with database.engine.connect() as conn:
            definitions = dict(
                conn.execute(
                    text(
                        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = "
                        "'ledger_entries' AND indexname IN ('ix_ledger_entries_deleted_owner_"
                        "kind_date', 'ix_ledger_entries_paired_office_date')"
                    )
                ).all()
            )
    finally:
        database.close()
    assert definitions["ix_ledger_entries_deleted_owner_kind_date"].endswith(
        "WHERE (deleted IS TRUE)"
    )
    assert definitions["ix_ledger_entries_paired_office_date"].endswith(
        "WHERE (paired_office_id IS NOT NULL)"
    )
