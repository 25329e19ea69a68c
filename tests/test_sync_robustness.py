"""Imports are order-independent and survive being killed part-way."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.models import LedgerEntry, Unit
from app.services import ledger
from app.services.database import open_database
from app.services.ledger import EntryInput
from app.services.setup import initialise
from app.sync import identity
from app.sync.exchange import export_package, import_package
from app.sync.package import PackageError
from tests.conftest import TEMPLATE_KEY
from tests.helpers import kind_ids, unit_ids

ROOT = Path(__file__).resolve().parent.parent


def _pair(folder: Path):
    county = initialise(str(folder / "county.db"), TEMPLATE_KEY, "县矫正办").database
    unit = initialise(str(folder / "unit.db"), TEMPLATE_KEY, "法律援助中心").database
    with county.session() as c, unit.session() as u:
        uuid = {
            n: c.scalar(select(Unit.uuid).where(Unit.name == n))
            for n in ("县矫正办", "法律援助中心")
        }
        identity.register_peer(c, uuid["法律援助中心"], identity.key_pairs(u).public())
        identity.register_peer(u, uuid["县矫正办"], identity.key_pairs(c).public())
    return county, unit


def _state(db) -> list[tuple]:
    with db.session() as s:
        return sorted(
            s.execute(
                select(
                    LedgerEntry.uuid, LedgerEntry.title, LedgerEntry.revision, LedgerEntry.deleted
                )
            ).all()
        )


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    """Three successive packages from a unit: adds, an edit, a deletion."""
    folder = tmp_path_factory.mktemp("packages")
    county, unit = _pair(folder)
    county.close()
    made = []
    with unit.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
    ids = []
    for round_ in range(3):
        with unit.session() as s:
            if round_ == 0:
                for i in range(3):
                    ids.append(
                        ledger.save_entry(
                            s,
                            unit.attachments,
                            None,
                            EntryInput(
                                kind_id=kinds["hotline"],
                                unit_id=units["法律援助中心"],
                                entry_date=date(2018, 7, 1 + i),
                                title=f"热线{i}",
                                values={"calls": "2"},
                            ),
                        )
                    )
            elif round_ == 1:
                s.get(LedgerEntry, ids[0]).title = "热线0（更正）"
            else:
                ledger.delete_entry(s, ids[1])
        made.append(export_package(unit, "县矫正办", folder / f"p{round_ + 1}.bjpkg")[0])
    final = _state(unit)
    unit.close()
    return folder, made, final


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(order=st.permutations([0, 1, 2]), repeats=st.lists(st.integers(0, 2), max_size=3))
def test_any_order_with_repeats_ends_in_the_same_state(packages, tmp_path_factory, order, repeats):
    folder, made, final = packages
    work = tmp_path_factory.mktemp("county")
    shutil.copy(folder / "county.db", work / "county.db")
    county = open_database(str(work / "county.db"))
    try:
        for index in [*order, *repeats]:
            try:
                import_package(county, made[index])
            except PackageError as exc:
                assert "已经导入过" in str(exc)
        assert _state(county) == final
    finally:
        county.close()


KILLER = """
import sys, time
sys.path.insert(0, {root!r})
from app.sync import exchange
original = exchange._apply_table
def slow(session, table, *args, **kwargs):
    original(session, table, *args, **kwargs)
    if table.name == "ledger_entries":
        print("applying", flush=True)
        time.sleep(60)
exchange._apply_table = slow
from app.services.database import open_database
exchange.import_package(open_database({db!r}), {package!r})
"""


@pytest.mark.skipif(os.name != "posix", reason="uses SIGKILL")
def test_killing_an_import_part_way_leaves_the_database_as_it_was(packages, tmp_path):
    folder, made, _final = packages
    shutil.copy(folder / "county.db", tmp_path / "county.db")
    before = _state_of(tmp_path / "county.db")
    code = KILLER.format(root=str(ROOT), db=str(tmp_path / "county.db"), package=str(made[0]))
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "applying"  # rows written, transaction open
        time.sleep(0.2)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert _state_of(tmp_path / "county.db") == before
    county = open_database(str(tmp_path / "county.db"))
    try:
        import_package(county, made[0])  # and the package can still be imported afterwards
        assert len(_state(county)) == 3
    finally:
        county.close()


def _state_of(path: Path) -> list[tuple]:
    db = open_database(str(path))
    try:
        return _state(db)
    finally:
        db.close()
