"""Importing ledger entries (and their correction subjects) from an Excel workbook.

The workbook has the shape of ``app.services.ledger_columns`` (the template, or an export with
full names). Every row is checked by :func:`app.services.ledger.save_entry`, the form's own
path, each inside a savepoint so that a bad row leaves no trace while the rows after it are
still checked; at the end either every row is kept or, on any error (or ``dry_run``), none.
The problems come back row by row in Chinese (sheet, row, column, message).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Attachment, CorrectionSubject, EntryAttachment, LedgerEntry, Unit
from app.services import audit
from app.services.accounts import require
from app.services.attachments import AttachmentStore
from app.services.errors import UserError, ValidationError
from app.services.forms import FormErrors
from app.services.idcard import mask_id_number
from app.services.ledger import (
    LEDGER_UNIT_KINDS,
    NOT_A_LEDGER_UNIT,
    EntryInput,
    PhotoInput,
    save_entry,
)
from app.services.ledger_columns import (
    EXPORT_NOTES_TITLE,
    FIELD_PREFIX,
    NON_ENTRY_SHEETS,
    PHOTO_SEPARATOR,
    SERIAL_HEADER,
    UUID_KEY,
    KindSheet,
    kind_sheets,
)
from app.services.subjects import SubjectInput

MAX_ROWS = 20_000  # rows of one workbook at most
MASKED_EXPORT = (
    "这是姓名打码的导出文件，导入会把打码的姓名写回台账，因此不能导入。"
    "请在工作台账页勾选“导出完整姓名”重新导出（或使用导入模板），编辑后再导入。"
)
ImportProblem = tuple[
    str, int | None, str, str
]  # sheet, row (1-based as Excel shows), column, message


@dataclass
class ImportResult:
    """What an import did (or, for a dry run or with errors, would have done)."""

    created: int = 0
    changed: int = 0
    unchanged: int = 0  # rows of an export imported back as they were
    subjects_created: int = 0
    per_sheet: dict[str, int] = field(default_factory=dict)
    errors: list[ImportProblem] = field(default_factory=list)
    dry_run: bool = False

    @property
    def saved(self) -> bool:
        """Whether the rows were written."""
        return not self.errors and not self.dry_run

    def summary(self) -> str:
        """One Chinese sentence about the outcome."""
        if self.errors:
            rows = len({(s, r) for s, r, _, _ in self.errors})
            return (
                f"工作簿中有 {len(self.errors)} 处错误（涉及 {rows} 行），全部台账均未导入。"
                "请按错误清单改正后重新导入。"
            )
        what = f"新增台账 {self.created} 条"
        if self.changed:
            what += f"，修改 {self.changed} 条"
        if self.unchanged:
            what += f"，{self.unchanged} 条与原台账相同（未改动）"
        if self.subjects_created:
            what += f"，新登记社区矫正对象 {self.subjects_created} 人"
        if self.dry_run:
            return f"检查通过（未导入）：可{what}。"
        return f"已导入：{what}。"


class ImportRefused(UserError):
    """The workbook had errors: nothing was saved; ``result.errors`` lists them."""

    def __init__(self, result: ImportResult) -> None:
        super().__init__(result.summary())
        self.result = result


def default_errors_path(workbook: Path) -> Path:
    """Where the error workbook goes by default: beside the input."""
    return workbook.with_name(f"{workbook.stem}-错误清单.xlsx")


def _open_workbook(path: Path) -> Any:
    from openpyxl import load_workbook

    if not path.is_file():
        raise ValidationError(f"文件“{path}”不存在。", "file")
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except PermissionError:
        raise ValidationError(
            f"无法读取“{path.name}”：没有权限，或文件正在被其他程序打开。", "file"
        ) from None
    except Exception:  # openpyxl raises many kinds for a file that is no workbook
        raise ValidationError(
            f"“{path.name}”不是 Excel 工作簿（.xlsx），或文件已损坏。请用 Excel 另存为 .xlsx 后重试。",
            "file",
        ) from None


def _text(value: Any) -> str:
    """A cell as text: whole numbers without ".0", dates as 2018-07-02."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)).normalize(), "f")
    return str(value).strip()


def _header(kind: KindSheet, key: str) -> str:
    """The header of the column a form error's key names ("" for the row as a whole)."""
    column = kind.column(key)
    return column.header if column is not None else ""


class _Reader:
    """Turns rows into EntryInputs and saves them, collecting problems."""

    def __init__(self, session: Session, store: AttachmentStore, folder: Path) -> None:
        self.session = session
        self.store = store
        self.folder = folder
        units = session.execute(
            select(Unit.name, Unit.id, Unit.kind).where(Unit.deleted.is_(False))
        ).all()
        self.units = {name: unit_id for name, unit_id, _kind in units}
        self.ledger_units = {name for name, _id, kind in units if kind in LEDGER_UNIT_KINDS}
        subjects = session.execute(
            select(CorrectionSubject.name, CorrectionSubject.id_number).where(
                CorrectionSubject.deleted.is_(False)
            )
        ).all()
        # an export's masked number (3311**********0018) names a registered subject
        self.masked: dict[tuple[str, str], str | None] = {}
        for name, number in subjects:
            if number:
                key = (name, mask_id_number(number))
                self.masked[key] = None if key in self.masked else number  # None: ambiguous
        self.result = ImportResult()

    def problem(self, sheet: str, row: int | None, column: str, message: str) -> None:
        self.result.errors.append((sheet, row, column, message))

    def sheet(self, kind: KindSheet, rows: list[tuple[int, tuple[Any, ...]]],
              headers: tuple[Any, ...]) -> None:  # fmt: skip
        by_header = {c.header: c for c in kind.columns}
        keys: dict[int, str] = {}
        for index, header in enumerate(headers):
            text = _text(header).rstrip("*＊").strip()
            if not text or text == SERIAL_HEADER:
                continue
            column = by_header.get(text)
            if column is None:
                self.problem(
                    kind.title, 1, text, f"表头“{text}”不是“{kind.name}”的列，请不要修改表头。"
                )
            elif column.key in keys.values():
                self.problem(kind.title, 1, text, f"表头“{text}”重复。")
            else:
                keys[index] = column.key
        missing = [c.header for c in kind.columns if c.required and c.key not in keys.values()]
        if missing:
            self.problem(kind.title, 1, "", f"缺少必填列：{'、'.join(missing)}。")
            return
        for number, values in rows:
            raw = {key: values[i] if i < len(values) else None for i, key in keys.items()}
            self._row(kind, number, raw)

    def _row(self, kind: KindSheet, number: int, raw: dict[str, Any]) -> None:
        problems: list[tuple[str, str]] = []
        text = {key: _text(value) for key, value in raw.items()}
        values: dict[str, Any] = {}
        for column in kind.columns:
            if not column.key.startswith(FIELD_PREFIX) or column.key not in raw:
                continue
            name = column.key[len(FIELD_PREFIX) :]
            value = raw[column.key]
            if column.type == "bool":
                word = text[column.key]
                if word in ("", "否"):
                    values[name] = False
                elif word == "是":
                    values[name] = True
                else:
                    problems.append((column.header, f"“{column.header}”应填 是 或 否。"))
            elif column.type == "date" and isinstance(value, datetime | date):
                values[name] = _text(value)
            else:
                values[name] = text[column.key]
        unit_id = self._unit(text.get("unit", ""), "填报单位", problems)
        if unit_id is not None and text.get("unit", "") not in self.ledger_units:
            problems.append(
                ("填报单位", NOT_A_LEDGER_UNIT.format(name=text["unit"], what="填报单位"))
            )
        office_id = self._unit(text.get("paired_office", ""), "结对司法所", problems)
        subject = self._subject(kind, text, problems)
        entry_id, photos = self._existing(kind, text, problems)
        photos += self._photos(text.get("photos", ""), entry_id, problems)
        data = EntryInput(
            kind_id=kind.kind_id,
            unit_id=unit_id,
            entry_date=text.get("entry_date", ""),
            title=text.get("title", ""),
            paired_office_id=office_id,
            subjects_served=text.get("subjects_served", ""),
            body=text.get("body", ""),
            values=values,
            subject=subject,
            photos=photos,
        )
        if problems:
            # the form's own rules too, tried and undone without the photos (no file is
            # copied), so that the clerk sees every error of the row in one go
            reported = {header for header, _message in problems}
            trial = self.session.begin_nested()
            try:
                save_entry(self.session, self.store, entry_id, replace(data, photos=[]))
            except FormErrors as exc:
                problems += [(_header(kind, key), message) for key, message in exc.errors.items()
                             if _header(kind, key) not in reported]  # fmt: skip
            except ValidationError as exc:
                if _header(kind, exc.field or "") not in reported:
                    problems.append((_header(kind, exc.field or ""), exc.message))
            except UserError as exc:  # e.g. a closed period: said once, with the row's others
                problems.append(("", str(exc)))
            finally:
                trial.rollback()
            for column_header, message in problems:
                self.problem(kind.title, number, column_header, message)
            return
        before = self._state(entry_id)
        savepoint = self.session.begin_nested()
        try:
            save_entry(self.session, self.store, entry_id, data)
        except FormErrors as exc:
            savepoint.rollback()
            for key, message in exc.errors.items():
                self.problem(kind.title, number, _header(kind, key), message)
            return
        except ValidationError as exc:
            savepoint.rollback()
            self.problem(kind.title, number, _header(kind, exc.field or ""), exc.message)
            return
        savepoint.commit()
        if entry_id is None:
            self.result.created += 1
        elif self._state(entry_id) == before:
            self.result.unchanged += 1
            return
        else:
            self.result.changed += 1
        self.result.per_sheet[kind.title] = self.result.per_sheet.get(kind.title, 0) + 1

    def _state(self, entry_id: int | None) -> tuple[Any, ...] | None:
        """What an existing entry holds (to tell a changed row from one imported back as it
        was); None for a new one."""
        if entry_id is None:
            return None
        entry = self.session.get_one(LedgerEntry, entry_id)
        photos = self.session.execute(
            select(EntryAttachment.attachment_id, EntryAttachment.caption)
            .where(EntryAttachment.entry_id == entry_id, EntryAttachment.deleted.is_(False))
            .order_by(EntryAttachment.sort_order)
        ).all()
        return (
            entry.kind_id, entry.entry_date, entry.title, entry.paired_office_id,
            entry.subjects_served, entry.body, dict(entry.values or {}), entry.subject_id,
            tuple(tuple(p) for p in photos),
        )  # fmt: skip

    def _unit(self, name: str, what: str, problems: list[tuple[str, str]]) -> int | None:
        if not name:
            return None
        unit_id = self.units.get(name)
        if unit_id is None:
            problems.append((what, f"没有名为“{name}”的单位，请从下拉列表中选择{what}。"))
        return unit_id

    def _subject(
        self, kind: KindSheet, text: dict[str, str], problems: list[tuple[str, str]]
    ) -> SubjectInput | None:
        items = ("subject_name", "subject_category", "id_number", "subject_office")
        if not any(text.get(key) for key in items):
            return None
        name, number = text.get("subject_name", ""), text.get("id_number", "")
        if "*" in number:  # an export's masked number: the registered subject it names
            full = self.masked.get((name, number.replace(" ", "")))
            if full is None:
                column = kind.column("id_number")
                problems.append(
                    (column.header if column else "身份证号码",
                     "身份证号码是打码的，找不到与姓名对应的已登记对象，请填写完整的 18 位号码。")
                )  # fmt: skip
                return None
            number = full
        office_id = self._unit(text.get("subject_office", ""), "矫正对象所属司法所", problems)
        return SubjectInput(
            name=name, category=text.get("subject_category", ""), id_number=number,
            office_id=office_id,
        )  # fmt: skip

    def _existing(
        self, kind: KindSheet, text: dict[str, str], problems: list[tuple[str, str]]
    ) -> tuple[int | None, list[PhotoInput]]:
        """The entry a row's 台账编号 names (an export's row), with the photos it keeps."""
        uuid = text.get(UUID_KEY, "")
        if not uuid:
            return None, []
        entry = self.session.scalar(select(LedgerEntry).where(LedgerEntry.uuid == uuid))
        if entry is None or entry.deleted or entry.kind_id != kind.kind_id:
            problems.append(
                ("台账编号", "台账编号不是本机上这一类型的台账，请清空该格作为新台账导入。")
            )
            return None, []
        return entry.id, []

    def _photos(
        self, cell: str, entry_id: int | None, problems: list[tuple[str, str]]
    ) -> list[PhotoInput]:
        names = [n.strip() for n in cell.replace("，", PHOTO_SEPARATOR).split(PHOTO_SEPARATOR)]
        names = [n for n in names if n]
        kept: dict[str, tuple[int, str]] = {}
        if entry_id is not None:  # an entry's own photos stay by their names
            for attachment_id, original, caption in self.session.execute(
                select(Attachment.id, Attachment.original_name, EntryAttachment.caption)
                .join(EntryAttachment, EntryAttachment.attachment_id == Attachment.id)
                .where(EntryAttachment.entry_id == entry_id, EntryAttachment.deleted.is_(False))
            ):
                kept.setdefault(original, (attachment_id, caption))
        photos = []
        for name in names:
            if name in kept:
                attachment_id, caption = kept[name]
                photos.append(PhotoInput(attachment_id=attachment_id, caption=caption))
                continue
            path = self.folder / name
            if Path(name).name != name or not path.is_file():
                problems.append(("照片文件", f"照片文件“{name}”不在工作簿所在的文件夹中。"))
                continue
            photos.append(PhotoInput(path=path))
        return photos


def _masked_export(sheet: Any) -> bool:
    """Whether an export's 导出说明 says its names are masked (王*): importing it back would
    write the masked names over the real ones."""
    for values in sheet.iter_rows(values_only=True):
        text = "".join(_text(v) for v in values)
        if "已脱敏" in text and "完整姓名" not in text:
            return True
    return False


def read_rows(sheet: Any) -> tuple[tuple[Any, ...], list[tuple[int, tuple[Any, ...]]]]:
    """A sheet's header and its non-empty rows with their row numbers."""
    rows = sheet.iter_rows(values_only=True)
    headers = next(rows, ())
    body = []
    for number, values in enumerate(rows, 2):
        if any(v is not None and _text(v) != "" for v in values):
            body.append((number, tuple(values)))
    return tuple(headers or ()), body


def import_ledger_workbook(
    session: Session,
    store: AttachmentStore,
    path: Path,
    *,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Check every row of the workbook at ``path`` as the form would and save them all, or
    none: raises :class:`ImportRefused` (with every problem) when any row is wrong; with
    ``dry_run`` checks only and keeps nothing. ``progress(done, total)`` after each sheet."""
    require(session, "ledger.edit")
    path = Path(path)
    workbook = _open_workbook(path)
    try:
        sheets = {kind.title: kind for kind in kind_sheets(session, export=True)}
        reader = _Reader(session, store, path.parent)
        reader.result.dry_run = dry_run
        work: list[tuple[KindSheet, tuple[Any, ...], list[tuple[int, tuple[Any, ...]]]]] = []
        for ws in workbook.worksheets:
            if ws.title == EXPORT_NOTES_TITLE and _masked_export(ws):
                reader.problem(ws.title, None, "", MASKED_EXPORT)
            if ws.title in NON_ENTRY_SHEETS:
                continue
            headers, rows = read_rows(ws)
            kind = sheets.get(ws.title)
            if kind is None:
                if rows:
                    reader.problem(ws.title, None, "",
                                   f"工作表“{ws.title}”不是任何活动类型的名称，请使用导入模板的工作表。")  # fmt: skip
                continue
            if rows:
                work.append((kind, headers, rows))
    finally:
        workbook.close()
    total = sum(len(rows) for _, _, rows in work)
    if total == 0 and not reader.result.errors:
        raise ValidationError("工作簿中没有台账（第 2 行起各行都是空的）。", "file")
    if total > MAX_ROWS:
        raise ValidationError(f"一个工作簿最多导入 {MAX_ROWS} 行，请分成几个工作簿。", "file")
    subjects_before = session.scalar(select(func.count()).select_from(CorrectionSubject)) or 0
    outer = session.begin_nested()
    done = 0
    with audit.quiet(session):  # one line for the whole import (below)
        for kind, headers, rows in work:
            reader.sheet(kind, rows, headers)
            done += len(rows)
            if progress is not None:
                progress(done, total)
        subjects_after = session.scalar(select(func.count()).select_from(CorrectionSubject)) or 0
    result = reader.result
    result.subjects_created = subjects_after - subjects_before
    if result.errors or dry_run:
        outer.rollback()
        if result.errors:
            raise ImportRefused(result)
        return result
    outer.commit()
    counts = "，".join(f"{title} {n} 条" for title, n in result.per_sheet.items())
    audit.record(
        session, "ledger_import",
        f"从 Excel 导入工作台账：新增 {result.created} 条，修改 {result.changed} 条，"
        f"未改动 {result.unchanged} 条，"
        f"新登记社区矫正对象 {result.subjects_created} 人（{counts}）",
    )  # fmt: skip
    return result
