"""Who keeps the 责任状: only a PC of 社区矫正科 or 县矫正办 drafts, issues, signs and voids them.
A department's PC is refused every change, in Chinese, with nothing changed; it still makes
their PDFs (the command line's `agreement pdf`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from app.cli import main
from app.models import AgreementStatus, Unit
from app.services import agreements
from app.services.database import Database
from app.services.errors import ValidationError
from app.services.settings import LOCAL_UNIT, current_programme, set_setting
from tests.helpers import dump, make_pdf, unit_ids

AID = "法律援助中心"


def become(database: Database, unit: str) -> None:
    """Make this PC the given unit's."""
    with database.session() as s:
        set_setting(s, LOCAL_UNIT, s.get(Unit, unit_ids(s)[unit]).uuid)


@pytest.fixture
def issued(database, tmp_path) -> tuple[int, dict[str, int], dict[str, int]]:
    """On the county's PC: 法律援助中心's agreement signed, 基层科's issued, 律师管理科's a
    draft; (programme id, unit ids, department name → agreement id)."""
    store = database.attachments
    with database.session() as s:
        programme_id, units = current_programme(s).id, unit_ids(s)
        ids = {
            d: agreements.create_draft(s, programme_id, units[d])
            for d in (AID, "基层科", "律师管理科")
        }
        for department in (AID, "基层科"):
            agreements.issue(s, store, ids[department], date(2018, 6, 28))
        agreements.sign(s, store, ids[AID], signed_on=date(2018, 7, 2), party_a_signatory="张",
                        party_b_signatory="李", scans=[make_pdf(tmp_path / "scan.pdf")])  # fmt: skip
    return programme_id, units, ids


def test_a_departments_pc_is_refused_every_change(database, issued, tmp_path):
    programme_id, units, ids = issued
    store = database.attachments
    become(database, AID)
    scan = make_pdf(tmp_path / "scan.pdf")
    actions: dict[str, Callable] = {
        "建立责任状草稿": lambda s: agreements.create_draft(s, programme_id, units["法制宣传科"]),
        "建立责任状草稿 ": lambda s: agreements.create_all_drafts(s, programme_id),
        "修改责任状文本": lambda s: agreements.edit_wording(s, ids["律师管理科"], {"closing": "x"}),
        "印发责任状": lambda s: agreements.issue(s, store, ids["律师管理科"], date(2018, 7, 1)),
        "登记责任状签署": lambda s: agreements.sign(
            s, store, ids["基层科"], signed_on=date(2018, 7, 2), party_a_signatory="张",
            party_b_signatory="李", scans=[scan]),
        "作废责任状": lambda s: agreements.void(s, ids[AID], "误签"),
        "建立责任状新版本": lambda s: agreements.new_version(s, ids[AID]),
    }  # fmt: skip
    before = dump(database)
    for action, call in actions.items():
        with database.session() as s, pytest.raises(ValidationError) as refused:
            call(s)
        assert refused.value.message == (
            f"责任状由社区矫正科（县矫正办）印发和签署，本机单位（法律援助中心）不能{action.strip()}。"
        )
        assert dump(database) == before
    with database.session() as s:
        assert not agreements.can_manage(s)
        rows = {r.department: r.status for r in agreements.list_agreements(s, programme_id)}
    assert (rows[AID], rows["基层科"], rows["律师管理科"]) == (
        AgreementStatus.SIGNED, AgreementStatus.ISSUED, AgreementStatus.DRAFT)  # fmt: skip

    # reading stays allowed: the command line writes every PDF on the department's PC
    database.close()
    out = tmp_path / "全部"
    assert main(["--db", database.url, "agreement", "pdf", "--all", "--out-dir", str(out)]) == 0
    assert (out / "责任状汇编.pdf").exists() and (out / f"责任状-{AID}.pdf").exists()


def test_the_correction_section_keeps_them_too(database, issued):
    programme_id, _units, ids = issued
    become(database, "社区矫正科")
    with database.session() as s:
        assert agreements.can_manage(s)
        agreements.issue(s, database.attachments, ids["律师管理科"], date(2018, 7, 1))
        second = agreements.new_version(s, ids[AID])
        agreements.void(s, second, "重拟")
        statuses = {r.department: r.status for r in agreements.list_agreements(s, programme_id)}
    assert statuses["律师管理科"] == AgreementStatus.ISSUED
    assert statuses[AID] == AgreementStatus.VOID
