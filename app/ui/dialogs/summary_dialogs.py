"""Dialogs of the 阶段总结 page: the summary editor (sections, figures, photos) and 退回."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.services.attachments import AttachmentStore
from app.services.errors import UserError
from app.services.summaries import (
    MAX_CAPTION_CHARS,
    MAX_PHOTOS,
    MAX_SECTION_CHARS,
    REQUIRED_SECTIONS,
    SECTIONS,
    YEAR,
    PhotoChoice,
    SummaryFigures,
)
from app.services.wording import cn_date
from app.ui.dialogs.form_dialog import ERROR_STYLE, FormDialog
from app.ui.dialogs.guarded import GuardedDialog
from app.ui.messages import error_messages
from app.ui.table_model import format_number, format_percent
from app.ui.widgets.scrolling import reveal, scroll_area
from app.ui.widgets.thumbnails import thumbnail_pixmap

THUMB = QSize(168, 126)
CARD_WIDTH = THUMB.width() + 14
PHOTO_COLUMNS = 3  # beside the sections, in a 1366×768 screen
HINT_STYLE = "color: #666;"


def _error_label() -> QLabel:
    label = QLabel()
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.hide()
    return label


@dataclass
class EditorData:
    """What the editor shows: plain values read in one session by the page."""

    summary_id: int
    department: str
    sections: dict[str, str]
    figures: SummaryFigures
    candidates: list[PhotoChoice]
    chosen: list[tuple[int, str]] = field(default_factory=list)  # (attachment id, caption)
    editable: bool = True
    note: str = ""  # why it is read-only, or the county's comment on a returned summary
    with_photos: bool = True  # False for the county's own summary: its report shows theirs
    revision: int | None = None  # as read: carried to the save (已被他人修改)


class PhotoCard(QFrame):
    """One candidate photo: thumbnail, 选用 check box and caption."""

    def __init__(self, store: AttachmentStore, photo: PhotoChoice, caption: str, chosen: bool):
        super().__init__()
        self.photo = photo
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.image = QLabel()
        self.image.setFixedSize(THUMB)
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        thumb = thumbnail_pixmap(store, photo.sha256)
        if thumb is not None:
            self.image.setPixmap(
                thumb.scaled(THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
            )  # fmt: skip
        else:
            self.image.setText(self.tr("（无法显示）"))
        self.setToolTip(f"{photo.entry_date:%Y-%m-%d}　{photo.entry_title}")
        self.check = QCheckBox(self.tr("选用"))
        when = QLabel(f"{photo.entry_date:%Y-%m-%d}")
        when.setStyleSheet(HINT_STYLE)
        self.check.setChecked(chosen)
        self.caption = QLineEdit(caption)
        self.caption.setPlaceholderText(self.tr("照片说明"))
        self.caption.setMaxLength(MAX_CAPTION_CHARS + 20)  # longer text is refused, with a message
        self.caption.setCursorPosition(0)
        self.setFixedWidth(CARD_WIDTH)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(3)
        layout.addWidget(self.image)
        row = QHBoxLayout()
        row.addWidget(self.check)
        row.addStretch(1)
        row.addWidget(when)
        layout.addLayout(row)
        layout.addWidget(self.caption)
        self.check.toggled.connect(self._toggled)
        self._toggled(chosen)

    def _toggled(self, on: bool) -> None:
        self.setStyleSheet("PhotoCard { background: #e3edfa; }" if on else "")


class PhotoPicker(QWidget):
    """Thumbnails of the period's photos; checked ones are kept in the order shown.

    Photos already chosen come first, in their saved order, then the others by date.
    """

    SPACING = 6
    WIDTH = PHOTO_COLUMNS * CARD_WIDTH + (PHOTO_COLUMNS - 1) * SPACING + 24  # + a scroll bar

    def __init__(self, store: AttachmentStore, candidates: list[PhotoChoice],
                 chosen: list[tuple[int, str]], editable: bool, parent: QWidget | None = None):  # fmt: skip
        super().__init__(parent)
        saved = dict(chosen)
        by_id = {p.attachment_id: p for p in candidates}
        order = [by_id[a] for a, _ in chosen if a in by_id]
        order += [p for p in candidates if p.attachment_id not in saved]
        if not editable:
            order = [p for p in order if p.attachment_id in saved]
        self.editable = editable
        self.cards = [PhotoCard(store, p, saved.get(p.attachment_id, p.caption),
                                p.attachment_id in saved) for p in order]  # fmt: skip
        grid_box = QWidget()
        grid = QGridLayout(grid_box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(self.SPACING)
        grid.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        for number, card in enumerate(self.cards):
            grid.addWidget(card, number // PHOTO_COLUMNS, number % PHOTO_COLUMNS)
            card.check.setEnabled(editable)
            card.caption.setReadOnly(not editable)
            card.check.toggled.connect(self._update_count)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setWidget(grid_box)
        self.scroll_area.setMinimumHeight(THUMB.height() + 86)
        self.scroll_area.setMinimumWidth(self.WIDTH)
        self.count = QLabel()
        self.count.setStyleSheet(HINT_STYLE)
        self.empty = QLabel(
            self.tr("本期台账中没有照片。可在“工作台账”中为活动添加照片后再选用。")
            if editable else self.tr("未选用照片。")
        )  # fmt: skip
        self.empty.setStyleSheet(HINT_STYLE)
        self.error = _error_label()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.count)
        layout.addWidget(self.scroll_area if self.cards else self.empty, 1)
        (self.empty if self.cards else self.scroll_area).hide()
        layout.addWidget(self.error)
        self._update_count()

    def _update_count(self) -> None:
        chosen = sum(card.check.isChecked() for card in self.cards)
        if not self.editable:
            self.count.setText(self.tr("选用照片 %1 张。").replace("%1", str(chosen)))
            self.count.setVisible(bool(chosen))
            return
        self.count.setText(
            self.tr("本期台账照片 %1 张，已选用 %2 张（最多 %3 张）。勾选“选用”并填写说明。")
            .replace("%1", str(len(self.cards))).replace("%2", str(chosen))
            .replace("%3", str(MAX_PHOTOS))
        )  # fmt: skip

    def choices(self) -> list[tuple[int, str]]:
        """The checked photos in order, with their captions."""
        return [
            (c.photo.attachment_id, c.caption.text()) for c in self.cards if c.check.isChecked()
        ]


class SummaryDialog(GuardedDialog):
    """Write a department's summary: a text box per section (scrolling on the left), the
    ledger's figures (read-only) and the photos to send on the right; 保存/取消 always in view.
    Fits a 1366×768 screen. 保存 hands ``save(sections, photos)`` the values; the UserError it
    raises is shown under each field named (scrolled into view) and nothing is saved. Esc, 取消
    or closing ask before discarding changes."""

    def __init__(self, data: EditorData, store: AttachmentStore,
                 save: Callable[[dict[str, str], list[tuple[int, str]]], None],
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self._save = save
        period = data.figures.period_name
        title = self.tr("阶段总结 — %1 — %2").replace("%1", data.department).replace("%2", period)
        self.setWindowTitle(title if data.editable else title + self.tr("（只读）"))
        self.resize(1260, 680)
        self.general_error = _error_label()
        self.note = QLabel(data.note)
        self.note.setWordWrap(True)
        self.note.setStyleSheet("background: #fff6e0; border: 1px solid #e8c77a; padding: 6px;")
        self.note.setVisible(bool(data.note))

        self.edits: dict[str, QPlainTextEdit] = {}
        self._errors: dict[str, QLabel] = {}
        self._counters: dict[str, QLabel] = {}
        sections_box = QWidget()
        sections_layout = QVBoxLayout(sections_box)
        sections_layout.setContentsMargins(0, 0, 8, 0)
        for name in SECTIONS:
            sections_layout.addLayout(
                self._section(name, data.sections.get(name, ""), data.editable)
            )
        sections_layout.addStretch(1)
        self.sections_scroll = scroll_area(sections_box)
        self.sections_scroll.setMinimumWidth(420)

        self.figures = QTextBrowser()
        self.figures.setHtml(self.figures_html(data.figures))
        self.figures.setMinimumHeight(120)
        figures_box = QGroupBox(self.tr("台账统计（只读，供参考）"))
        QVBoxLayout(figures_box).addWidget(self.figures)

        self.photos = PhotoPicker(store, data.candidates, data.chosen, data.editable)
        self._errors["photos"] = self.photos.error
        photos_box = QGroupBox(self.tr("图片资料"))
        QVBoxLayout(photos_box).addWidget(self.photos)

        side = QSplitter(Qt.Orientation.Vertical)
        side.addWidget(figures_box)
        side.addWidget(photos_box)
        photos_box.setVisible(data.with_photos)
        side.setChildrenCollapsible(False)
        side.setSizes([250, 350])
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(self.sections_scroll)
        body.addWidget(side)
        body.setChildrenCollapsible(False)
        body.setStretchFactor(0, 1)
        body.setStretchFactor(1, 0)
        body.setSizes([620, PhotoPicker.WIDTH + 40])

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button.setText(self.tr("保存"))
        self.ok_button.setVisible(data.editable)
        if not data.editable:
            self.cancel_button.setText(self.tr("关闭"))
        self.buttons.accepted.connect(self._try_accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.general_error)
        layout.addWidget(self.note)
        layout.addWidget(body, 1)
        layout.addWidget(self.buttons)

    def _section(self, name: str, text: str, editable: bool) -> QVBoxLayout:
        heading = QLabel(f"<b>{escape(name)}</b>"
                         + (f"<span style='color:#666'>{self.tr('（必填）')}</span>"
                            if name in REQUIRED_SECTIONS else ""))  # fmt: skip
        counter = QLabel()
        counter.setStyleSheet(HINT_STYLE)
        edit = QPlainTextEdit(text)
        edit.setReadOnly(not editable)
        edit.setFixedHeight(170 if name in REQUIRED_SECTIONS else 120)
        edit.setTabChangesFocus(True)
        self.edits[name], self._counters[name] = edit, counter
        self._errors[name] = _error_label()
        edit.textChanged.connect(lambda: self._count(name))
        self._count(name)
        head = QHBoxLayout()
        head.addWidget(heading)
        head.addStretch(1)
        head.addWidget(counter)
        box = QVBoxLayout()
        box.setSpacing(3)
        box.addLayout(head)
        box.addWidget(self._errors[name])
        box.addWidget(edit)
        return box

    def _count(self, name: str) -> None:
        length = len(self.edits[name].toPlainText())
        counter = self._counters[name]
        counter.setText(self.tr("%1 / %2 字").replace("%1", f"{length:,}")
                        .replace("%2", f"{MAX_SECTION_CHARS:,}"))  # fmt: skip
        counter.setStyleSheet(ERROR_STYLE if length > MAX_SECTION_CHARS else HINT_STYLE)

    def figures_html(self, f: SummaryFigures) -> str:
        """The figures as small tables: the period, and the year up to the period's end."""
        year = self.tr("全年累计")
        period = (f"{escape(f.period_name)}（{cn_date(f.period_start)}—{cn_date(f.period_end)}）"
                  if f.period_name != YEAR else f"{f.period_start.year}年全年")  # fmt: skip
        parts = [
            f"<p><b>{escape(f.department)}</b><br>{self.tr('统计期间')}：{period}<br>"
            f"{year}：{cn_date(f.year_start)}—{cn_date(f.period_end)}</p>",
            "<table cellspacing='0' cellpadding='4' border='1' style='border-color:#c9d3e3' width='100%'>",
            f"<tr style='background:#e4eaf3'><th align='left'>{self.tr('活动类型')}</th>"
            f"<th>{self.tr('本期')}</th><th>{year}</th><th>{self.tr('本期人次')}</th>"
            f"<th>{self.tr('累计人次')}</th></tr>",
        ]
        for k in f.kinds:
            parts.append(f"<tr><td>{escape(k.kind)}</td><td align='right'>{k.period_count}</td>"
                         f"<td align='right'>{k.year_count}</td><td align='right'>{k.period_served}</td>"
                         f"<td align='right'>{k.year_served}</td></tr>")  # fmt: skip
        parts.append(f"<tr><td><b>{self.tr('合计')}</b></td><td align='right'><b>{f.period_entries}</b></td>"
                     f"<td align='right'><b>{f.year_entries}</b></td><td align='right'><b>{f.period_served}</b></td>"
                     f"<td align='right'><b>{f.year_served}</b></td></tr></table>")  # fmt: skip
        if f.paired_offices:
            visits = "、".join(f"{escape(v.office)} {v.period_count} 次（{year} {v.year_count} 次）"
                              for v in f.visits) or self.tr("暂无")  # fmt: skip
            parts.append(f"<p>{self.tr('挂钩结对')}：{escape('、'.join(f.paired_offices))}<br>"
                         f"{self.tr('本期走访')}：{visits}</p>")  # fmt: skip
        if f.indicators:
            parts.append(
                f"<p><b>{self.tr('指标完成情况')}</b>（{self.tr('截至期末')}，"
                f"{self.tr('加权完成率')} {format_percent(f.completion) or '—'}）</p>"
                "<table cellspacing='0' cellpadding='4' border='1' style='border-color:#c9d3e3' width='100%'>"
                f"<tr style='background:#e4eaf3'><th align='left'>{self.tr('指标')}</th>"
                f"<th>{self.tr('年度目标')}</th><th>{self.tr('已完成')}</th><th>{self.tr('完成率')}</th></tr>"
            )  # fmt: skip
            for i in f.indicators:
                actual = "—" if i.actual is None else format_number(i.actual)
                colour = "#c0392b" if i.ratio is not None and i.ratio < 1 else "#1e7d32"
                parts.append(f"<tr><td>{escape(i.name)}</td>"
                             f"<td align='right'>{format_number(i.target)}{escape(i.measure_unit)}</td>"
                             f"<td align='right'>{actual}{escape(i.measure_unit)}</td>"
                             f"<td align='right' style='color:{colour}'>{format_percent(i.ratio) or '—'}</td></tr>")  # fmt: skip
            parts.append("</table>")
        parts.append(f"<p>{self.tr('本期台账照片')}：{f.photos_available} {self.tr('张')}</p>")
        return "".join(parts)

    def values(self) -> tuple[dict[str, str], list[tuple[int, str]]]:
        """The sections' text and the chosen photos ``(attachment id, caption)`` in order."""
        return {n: e.toPlainText() for n, e in self.edits.items()}, self.photos.choices()

    def error_text(self, name: str | None = None) -> str:
        """The error shown for a section, ``photos`` (or the general one), empty when none."""
        label = self._errors.get(name) if name else self.general_error
        return label.text() if label is not None and not label.isHidden() else ""

    def show_errors(self, errors: dict[str, str]) -> None:
        """Each message under its field; others (and a count) at the top."""
        label: QLabel | None
        for label in (*self._errors.values(), self.general_error):
            label.clear()
            label.hide()
        general: list[str] = []
        first = None
        for name, message in errors.items():
            label = self._errors.get(name)
            if label is None:
                general.append(message)
                continue
            label.setText(message)
            label.show()
            if first is None:
                first = label
                if name in self.edits:
                    self.edits[name].setFocus()
        if first is not None:  # once the label has its place: bring it into view
            QTimer.singleShot(0, lambda w=first: reveal(w, focus=False))
        placed = len(errors) - len(general)
        if placed:
            general.insert(0, self.tr("有 %1 处需要修改，见下方红字。").replace("%1", str(placed)))
        self.general_error.setText("\n".join(general))
        self.general_error.setVisible(bool(general))

    def _try_accept(self) -> None:
        try:
            self._save(*self.values())
        except UserError as exc:
            self.show_errors(error_messages(exc))
            return
        self.accept()


class ReturnDialog(FormDialog):
    """退回: the county's comment on what the department should change."""

    def __init__(self, save: Callable[[dict], None], department: str,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(self.tr("退回阶段总结 — %1").replace("%1", department), save, parent)
        self.ok_button.setText(self.tr("退回"))
        self.comment = QPlainTextEdit()
        self.comment.setPlaceholderText(self.tr("例如：“典型案例”请补充具体事例和成效数据。"))
        self.comment.setMinimumHeight(120)
        self.add_field("comment", self.tr("修改意见"), self.comment,
                       self.tr("意见会随数据包发给该科室，科室修改后可重新提交。"))  # fmt: skip

    def values(self) -> dict:
        return {"comment": self.comment.toPlainText()}


class UnlockDialog(FormDialog):
    """解锁台账: why the county reopens a department's entries of an adopted summary's period."""

    def __init__(self, save: Callable[[dict], None], department: str,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(self.tr("解锁台账 — %1").replace("%1", department), save, parent)
        self.ok_button.setText(self.tr("解锁"))
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText(self.tr("例如：补充遗漏的活动照片。"))
        self.reason.setMinimumHeight(110)
        self.add_field("reason", self.tr("解锁原因"), self.reason,
                       self.tr("原因记入审计日志，并随数据包告知该科室；总结再次采用后重新锁定。"))  # fmt: skip

    def values(self) -> dict:
        return {"reason": self.reason.toPlainText()}
