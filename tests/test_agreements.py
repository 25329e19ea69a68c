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
    assert "草稿" not in flat and "第1版" not in flat  # the version note is metadata only
    assert PdfReader(io.BytesIO(issued_pdf)).metadata.subject == "第1版，2018年6月28日印发"

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
        scan = io.BytesIO(agreements.scan_bytes(s, store, agreement_id))
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


def _issue(database, programme_id, department_id, on=date(2018, 6, 28)) -> None:
    agreement_id = _draft(database, programme_id, department_id)
    with database.session() as s:
        agreements.issue(s, database.attachments, agreement_id, on)


def _page_number(text: str) -> int | None:
    found = re.search(r"—\s*(\d+)\s*—", text)
    return int(found.group(1)) if found else None


def test_compilation_cover_contents_bookmarks_odd_starts_and_no_drafts(database, ctx):
    programme_id, units = ctx
    for name in ("法律援助中心", "基层科", "律师管理科"):
        _issue(database, programme_id, units[name])
    with database.session() as s:
        book = agreements.compilation(s, programme_id)
        with_drafts = agreements.compilation(s, programme_id, include_drafts=True)
    assert [c["party_b"] for c in book["agreements"]] == ["基层科", "律师管理科", "法律援助中心"]
    assert book["drafts"] == 0 and len(with_drafts["agreements"]) == 7
    assert with_drafts["drafts"] == 4

    pdf = render_agreements_pdf(book)
    reader = PdfReader(io.BytesIO(pdf))
    pages = [page.extract_text() for page in reader.pages]
    flat = [_flat(page) for page in pages]
    # the cover and the contents, unnumbered, each on a right-hand page with a blank back
    assert "社区矫正“大帮教”工作责任状汇编" in flat[0] and "青田县司法局社区矫正科" in flat[0]
    assert "（2018年度）" in flat[0] and "2018年6月28日" in flat[0]
    assert flat[1] == "" and "目录" in flat[2] and flat[3] == ""
    assert all(_page_number(pages[n]) is None for n in range(4))
    # bookmarks: the contents and one per agreement, each agreement on an odd physical page
    outline = [(item.title, reader.get_destination_page_number(item)) for item in reader.outline]
    assert [title for title, _ in outline] == ["目录", "基层科", "律师管理科", "法律援助中心"]
    assert outline[0][1] == 2
    starts = {}
    for title, index in outline[1:]:
        assert index % 2 == 0, (title, index)  # 0-based: physical page index + 1 is odd
        assert f"乙方：{title}" in flat[index]
        starts[title] = _page_number(pages[index])
        assert starts[title] % 2 == 1  # numbered odd too: a right-hand page
    assert starts["基层科"] == 1
    # one continuous numbering; blank pages count but show nothing
    for index in range(4, len(pages)):
        number = _page_number(pages[index])
        assert number == index - 3 or (number is None and flat[index] == ""), index
    assert any(flat[index] == "" for index in range(5, len(pages)))  # a blank page was put in
    # the contents give each agreement's first page
    for title, number in starts.items():
        assert f"{title}{number}" in re.sub(r"[.·…]", "", flat[2])
    joined = "".join(flat)
    assert "草稿" not in joined and "第1版" not in joined
    assert joined.count("负责人（签字）") == 6  # both parties, three agreements

    drafted = _flat("".join(_text(render_agreements_pdf(with_drafts))))
    assert "办公室（政治处）（草稿）" in drafted and drafted.count("乙方：") == 7


def test_agreement_terms_are_consistent_and_the_plan_is_cited_in_book_title_marks(database, ctx):
    programme_id, units = ctx
    with database.session() as s:
        contents = [
            agreements.content_for_department(s, programme_id, units[name])
            for name in ("法律援助中心", "公证管理科、公证处", "律师管理科")
        ]
    text = "".join(_flat("".join(_text(render_agreement_pdf(c)))) for c in contents)
    assert "社区服刑人员" not in text and "社区矫正对象" in text
    plan = "《关于建立社区矫正司法行政大帮教机制的实施方案》"
    assert f"{plan}，经甲乙双方协商" in text  # no empty （） where the plan has no 文号
    numbered = {**contents[0], "programme": {**contents[0]["programme"],
                "document_number": "青司〔2018〕45号", "title": plan}}  # fmt: skip
    cited = _flat("".join(_text(render_agreement_pdf(numbered))))
    assert f"{plan}（青司〔2018〕45号），经甲乙双方协商" in cited and "《《" not in cited
    assert re.search(r"(?<![\d.])1\.(?!\d)", text) is None  # no ASCII "1." numbering


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
    # nothing issued yet: the department files, but no compilation of drafts unless asked
    assert len(list(folder.glob("责任状-*.pdf"))) == 7 and not (folder / "责任状汇编.pdf").exists()
    assert "未生成 责任状汇编.pdf（如需收入草稿，请加 --include-drafts）" in capsys.readouterr().out
    assert main(["--db", str(db_path), "agreement", "pdf", "--all", "--out-dir", str(folder),
                 "--include-drafts"]) == 0  # fmt: skip
    assert "收入 7 份，其中草稿 7 份" in capsys.readouterr().out
    assert (folder / "责任状汇编.pdf").exists()
    assert main(["--db", str(db_path), "agreement", "pdf", "--department", "基层科",
                 "--out", str(out), "--include-drafts"]) == 2  # fmt: skip
    assert "--include-drafts 只与 --all 同用" in capsys.readouterr().err
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


def test_the_signature_page_holds_the_last_section_and_names_stay_whole(database, ctx):
    """For every department: the page with the signatures also holds the whole last section
    (五、责任期限 and its text) and the closing sentence; "办公室（政治处）" is not broken."""
    programme_id, units = ctx
    with database.session() as s:
        contents = {
            name: agreements.content_for_department(s, programme_id, unit)
            for name, unit in units.items()
        }
    assert "办公室（政治处）" in contents
    for name, content in contents.items():
        pages = _text(render_agreement_pdf(content))
        signing = [page for page in pages if "负责人（签字）" in page]
        assert len(signing) == 1, name
        page = _flat(signing[0])
        assert "责任期限" in page and "本责任状自2018年6月28日起" in page, name
        assert "本责任状一式两份" in page, name
        lines = [_flat(line) for line in signing[0].splitlines()]
        assert any(line.endswith(name) for line in lines), (name, lines)
