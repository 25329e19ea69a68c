"""责任状: lifecycle with its refusals, the signing rate, and the PDF read back."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.cli import main
from app.models import AgreementStatus, Duty, Indicator
from app.reports.agreement_pdf import render_agreement_pdf, render_agreements_pdf
from app.services import agreements, reference
from app.services.errors import ValidationError
from app.services.forms import FormErrors
from app.services.settings import current_programme
from tests.helpers import make_jpeg, make_pdf, unit_ids


@pytest.fixture
def ctx(database):
    with database.session() as s:
        return current_programme(s).id, unit_ids(s)


def _text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _draft(database, programme_id, department_id) -> int:
    with database.session() as s:
        return agreements.create_draft(s, programme_id, department_id)


def test_the_pdf_holds_duties_indicators_parties_and_pairings(database, ctx):
    programme_id, units = ctx
    with database.session() as s:
        content = agreements.content_for_department(s, programme_id, units["基层科"])
        duties = s.scalars(
            select(Duty).where(Duty.department_id == units["基层科"]).order_by(Duty.sort_order)
        ).all()
        indicators = [(i.name, i.annual_target) for d in duties for i in d.indicators]
        texts = [d.text for d in duties]
    pdf = render_agreement_pdf(content)
    pages = _text(pdf)
    flat = _flat("".join(pages))
    for text in texts:
        assert _flat(text) in flat
    for name, target in indicators:
        assert _flat(name) in flat and f"{int(target)}" in flat
    assert "甲方：社区矫正科" in flat and "乙方：基层科" in flat
    assert "东源司法所、北山司法所" in flat
    assert "关于建立社区矫正司法行政大帮教机制的实施方案" in flat
    assert "本责任状一式两份，甲乙双方各执一份" in flat
    assert "负责人（签字）" in flat and "甲方（盖章）" in flat
    assert "草稿" in flat  # not issued yet: watermarked
    for number, page in enumerate(pages, start=1):
        assert f"— {number} —" in page


def test_fonts_are_embedded_subsets(database, ctx):
    programme_id, units = ctx
    with database.session() as s:
        pdf = render_agreement_pdf(
            agreements.content_for_department(s, programme_id, units["法律援助中心"])
        )
    reader = PdfReader(io.BytesIO(pdf))
    used = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            used[font["/BaseFont"]] = font
    cjk = used
    assert all("+" in name for name in used), sorted(used)  # every font is an embedded subset
    assert len(cjk) >= 2  # body and heading faces
    for font in cjk.values():
        descriptor = (
            font["/FontDescriptor"]
            if "/FontDescriptor" in font
            else font["/DescendantFonts"][0]["/FontDescriptor"]
        )
        assert "/FontFile2" in descriptor  # TrueType outlines inside the file


def test_rare_name_characters_survive(database, ctx):
    programme_id, units = ctx
    with database.session() as s:
        duty = s.scalar(select(Duty).where(Duty.department_id == units["律师管理科"]))
        reference.save_duty(s, duty.id, text="邀请陈喆、王堃、李玥、周镕、吴昇、郑珺、孙璟律师授课")
        pdf = render_agreement_pdf(
            agreements.content_for_department(s, programme_id, units["律师管理科"])
        )
    assert "陈喆、王堃、李玥、周镕、吴昇、郑珺、孙璟" in _flat("".join(_text(pdf)))


def test_lifecycle_and_refusals(database, ctx, tmp_path):
    programme_id, units = ctx
    store = database.attachments
    agreement_id = _draft(database, programme_id, units["法律援助中心"])
    with (
        pytest.raises(ValidationError, match="草稿还没有印发，不能登记签署"),
        database.session() as s,
    ):
        agreements.sign(s, store, agreement_id, signed_on=date(2018, 7, 1), party_a_signatory="张", party_b_signatory="李",
                        scans=[make_pdf(tmp_path / "scan.pdf")])  # fmt: skip
    with database.session() as s:
        agreements.edit_wording(s, agreement_id, {"period_end": "2018-11-30"})
        sha = agreements.issue(s, store, agreement_id, date(2018, 6, 28))
    assert store.has(sha)
    with pytest.raises(ValidationError, match="已印发的责任状不能修改"), database.session() as s:
        agreements.edit_wording(s, agreement_id, {"period_end": "2018-12-31"})
    with pytest.raises(ValidationError, match="只有草稿可以印发"), database.session() as s:
        agreements.issue(s, store, agreement_id, date(2018, 6, 29))

    # changing a target after issue does not alter what was issued: the list flags it instead
    with database.session() as s:
        indicator = s.scalar(
            select(Indicator).join(Duty).where(Duty.department_id == units["法律援助中心"])
        )
        indicator.annual_target = 99
    with database.session() as s:
        issued_pdf = agreements.agreement_pdf(s, store, agreement_id)
        row = next(
            r for r in agreements.list_agreements(s, programme_id) if r.department == "法律援助中心"
        )
    assert row.status == AgreementStatus.ISSUED and row.outdated
    flat = _flat("".join(_text(issued_pdf)))
    assert "2018年11月30日止" in flat and "99" not in re.findall(
        r"\d+", "\n".join(_text(issued_pdf))
    )
    assert "草稿" not in flat and "第1版，2018年6月28日印发" in flat

    notes = tmp_path / "scan.docx"
    notes.write_text("不是扫描件")
    with pytest.raises(FormErrors) as error, database.session() as s:
        agreements.sign(s, store, agreement_id, signed_on=date(2018, 7, 1), party_a_signatory="张主任",
                        party_b_signatory="", scans=[notes])  # fmt: skip
    assert error.value.errors["party_b_signatory"] == "请填写乙方签字人。"
    assert "不是照片（JPEG、PNG）或 PDF" in error.value.errors["scan"]
    pages = [make_jpeg(tmp_path / f"p{i}.jpg", colour=(200, 200, 200 - i)) for i in range(2)]
    with database.session() as s:
        agreements.sign(s, store, agreement_id, signed_on=date(2018, 7, 2), party_a_signatory="张主任",
                        party_b_signatory="李主任", scans=pages)  # fmt: skip
        scan = agreements.scan_path(s, store, agreement_id)
        rate = agreements.signing_rate(s, programme_id)
    assert len(PdfReader(scan).pages) == 2  # the photographed pages, combined into one PDF
    assert (rate.signed, rate.required) == (1, 7)

    with database.session() as s:
        second = agreements.new_version(s, agreement_id)
        assert (
            agreements.signing_rate(s, programme_id).signed == 0
        )  # the current version is a draft
        agreements.issue(s, store, second, date(2018, 8, 1))
        old = s.get(agreements.Agreement, agreement_id)
        assert (old.status, old.void_reason) == (AgreementStatus.VOID, "已由第2版取代")
        new_pdf = agreements.agreement_pdf(s, store, second)
        history = [a.version for a in agreements.versions(s, programme_id, units["法律援助中心"])]
    assert "99" in re.findall(r"\d+", "\n".join(_text(new_pdf)))
    assert history == [2, 1]
    with database.session() as s:
        assert (
            agreements.agreement_pdf(s, store, agreement_id) == issued_pdf
        )  # the old one stays viewable


def test_void_needs_a_reason(database, ctx):
    programme_id, units = ctx
    agreement_id = _draft(database, programme_id, units["基层科"])
    with pytest.raises(ValidationError, match="请填写作废原因"), database.session() as s:
        agreements.void(s, agreement_id, " ")
    with database.session() as s:
        agreements.void(s, agreement_id, "科室职能调整")
        assert agreements.list_agreements(s, programme_id)[3].status_label == "作废"


def test_combined_pdf_restarts_page_numbers_for_each_department(database, ctx):
    programme_id, _units = ctx
    with database.session() as s:
        contents = agreements.all_contents(s, programme_id)
    pages = _text(render_agreements_pdf(contents))
    firsts = [i for i, page in enumerate(pages) if "社区矫正“大帮教”工作责任状" in page]
    assert len(firsts) == 7
    for start in firsts:
        assert "— 1 —" in pages[start]
    assert "— 2 —" in pages[firsts[0] + 1]


def test_cli_writes_one_or_all(db_path, tmp_path, capsys):
    out = tmp_path / "法援.pdf"
    assert (
        main(
            [
                "--db",
                str(db_path),
                "agreement",
                "pdf",
                "--department",
                "法律援助中心",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert "乙方：法律援助中心" in _flat("".join(_text(out.read_bytes())))
    assert main(["--db", str(db_path), "agreement", "pdf", "--all", "--out-dir", str(out)]) == 2
    assert f"“{out}”是文件，不是文件夹。" in capsys.readouterr().err
    folder = tmp_path / "新建" / "全部"  # neither exists yet: both are made
    assert main(["--db", str(db_path), "agreement", "pdf", "--all", "--out-dir", str(folder)]) == 0
    assert len(list(folder.glob("责任状-*.pdf"))) == 7 and (folder / "责任状汇编.pdf").exists()
    assert main(["--db", str(db_path), "agreement", "pdf", "--all", "--out-dir", str(folder)]) == 0
    assert (
        main(
            [
                "--db",
                str(db_path),
                "agreement",
                "pdf",
                "--department",
                "不存在的科",
                "--out",
                str(out),
            ]
        )
        == 2
    )
    assert "没有名为“不存在的科”的科室" in capsys.readouterr().err


def test_all_pdfs_give_the_issued_original(database, ctx, tmp_path):
    programme_id, units = ctx
    agreement_id = _draft(database, programme_id, units["法律援助中心"])
    with database.session() as s:
        agreements.issue(s, database.attachments, agreement_id, date(2018, 6, 28))
        original = agreements.agreement_pdf(s, database.attachments, agreement_id)
        pdfs = dict(agreements.department_pdfs(s, database.attachments, programme_id))
    assert pdfs["法律援助中心"] == original
    assert "草稿" in _flat("".join(_text(pdfs["基层科"])))


def test_headings_and_signatures_never_end_a_page(database, ctx):
    programme_id, units = ctx
    with database.session() as s:
        base = agreements.content_for_department(s, programme_id, units["法律援助中心"])
    for extra in range(0, 16):
        content = {
            **base,
            "duties": base["duties"]
            + [f"补充职责第{i}条，内容较长，用于检查分页是否合理。" for i in range(extra)],
        }
        pages = _text(render_agreement_pdf(content))
        for page in pages:
            lines = [
                line
                for line in page.splitlines()
                if line.strip() and not line.strip().startswith("—")
            ]
            assert not re.match(r"^[一二三四五六七八九十]+、", lines[-1]), (extra, lines[-1])
        last = pages[-1]
        assert "负责人（签字）" in last and "本责任状一式两份" in _flat(last)
