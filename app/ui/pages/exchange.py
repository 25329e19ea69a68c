"""数据交换: export a package for a unit, import packages (a file or a whole USB folder) with a
preview first, settle conflicts, see the history of packages, join the office this unit
reports to with its credential, register units (the county its departments and offices, the
city the county) or re-issue a unit's credential when it moves to a new PC, confirm that new
PC's keys after comparing the codes by phone, rotate this office's keys and, at the city, read
the county's aggregate.

Every action goes through the one operations path: exports, previews, imports and credentials
in the background with a progress dialog, failures shown by the one error policy; the result is
brought forward (收发记录, or 待处理冲突 when an import brought conflicts) and told in a message.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.models import Direction, PackageLog, UnitKind
from app.services.errors import UserError
from app.sync.conflicts import OpenConflict, resolve
from app.sync.exchange import (
    KIND_LABELS,
    PACKAGE_SUFFIX,
    ImportSummary,
    export_package,
    import_package,
    steps,
    suggested_package_name,
)
from app.sync.keys import NewKeysPresented, PendingKeys, key_event_text
from app.sync.overview import REGISTERED_BY, ExchangeOverview, exchange_overview
from app.ui import messages
from app.ui.background import Cancelled
from app.ui.dialogs.exchange_dialogs import ConflictDialog, KeyConfirmDialog, preview_accepted
from app.ui.files import ask_folder, ask_open_path, ask_open_paths, ask_save_path
from app.ui.operations import Operation, report_failure
from app.ui.pages.base import Page, button_row
from app.ui.table_model import Column, RowTableModel, format_local_time, format_percent
from app.ui.table_view import RowTableView

SUFFIX = PACKAGE_SUFFIX
CREDENTIAL_FILTER = "接入凭证 (*.cred)"


def _history_text(entry: PackageLog) -> str:
    details = json.loads(entry.details or "{}")
    if entry.direction == Direction.KEYS:
        return key_event_text(details)
    if entry.direction == Direction.SENT:
        return _carried(details.get("records", {}), details.get("files", 0))
    if entry.direction == Direction.REFUSED:
        return ("校验时拒收：" if details.get("checking") else "导入时拒收：") + str(
            details.get("reason", "")
        )
    parts = []
    for key, label in (("created", "新增"), ("updated", "更新"), ("deleted", "删除"),
                       ("conflicts", "冲突")):  # fmt: skip
        total = sum(details.get(key, {}).values())
        if total:
            parts.append(f"{label} {total}")
    return "，".join(parts) or "没有变化"


DIRECTIONS = {Direction.SENT: ("发出", "#1d3f72"), Direction.RECEIVED: ("收到", "#1e7d32"),
              Direction.KEYS: ("密钥", "#8a5a00"), Direction.REFUSED: ("拒收", "#b3261e")}  # fmt: skip


def _carried(counts: dict[str, int], files: int = 0) -> str:
    """What a sent package carries, e.g. "台账 3，台账照片 2；文件 2 个"."""
    carried = "，".join(f"{KIND_LABELS.get(k, k)} {v}" for k, v in counts.items() if v)
    return (carried or "没有新的记录") + (f"；文件 {files} 个" if files else "")


def _changes(summary: ImportSummary) -> str:
    """What an import did, in totals, with the records the clerk should hear of named:
    "新增 3 条，更新 1 条，删除 0 条（其中县矫正办退回统计报表 1 份、存疑台账 1 条）"."""
    total = {
        label: sum(bucket.values())
        for label, bucket in (("新增", summary.created), ("更新", summary.updated),
                              ("删除", summary.deleted), ("冲突", summary.conflicts))
    }  # fmt: skip
    text = "，".join(f"{label} {n} 条" for label, n in total.items() if n or label != "冲突")
    if summary.files:
        text += f"，照片和扫描件 {summary.files} 个"
    if summary.named:
        text += f"（其中{summary.named_text()}）"
    return text


class ExchangePage(Page):
    """Export, import with preview, conflicts, history, joining, registration, aggregate."""

    title = "数据交换"
    follows_viewed_year = False  # imports and exports act on the whole PC, whatever year is shown

    def __init__(self, database, context, parent: QWidget | None = None) -> None:
        super().__init__(database, context, parent)
        self.overview: ExchangeOverview | None = None
        self._queue: list[Path] = []  # packages still to preview and import, in order
        self._done: list[tuple[Path, ImportSummary]] = []
        self._skipped: list[str] = []
        self._several = False  # importing several packages (a folder): refusals told at the end
        self._keys_held = False  # a package was held: a unit's new PC presented new keys
        self._cancelled = False
        self._busy = False  # an export or a series of imports is under way
        self.identity_label = QLabel()
        self.identity_label.setWordWrap(True)
        self.rotate_button = QPushButton(self.tr("更换本机密钥…"))
        self.rotate_button.setToolTip(
            self.tr("怀疑本机密钥泄露（如电脑曾丢失、被他人使用）或按规定定期更换时使用")
        )
        identity_row = QHBoxLayout()
        identity_row.addWidget(self.identity_label, 1)
        identity_row.addWidget(self.rotate_button)
        self.layout_.addLayout(identity_row)
        boxes = QHBoxLayout()
        self.layout_.addLayout(boxes)

        export_box = QGroupBox(self.tr("导出数据包"))
        export_form = QFormLayout(export_box)
        self.recipient = QComboBox()
        self.recipient_code = QLabel()
        self.recipient_code.setObjectName("hint")
        self.recipient_code.setWordWrap(True)
        self.full_export = QCheckBox(self.tr("导出全部记录"))
        self.full_export.setToolTip(self.tr("默认只导出对方确认收到之后的变化"))
        self.export_button = QPushButton(self.tr("导出数据包…"))
        export_form.addRow(self.tr("接收单位："), self.recipient)
        export_form.addRow("", self.recipient_code)
        export_form.addRow("", self.full_export)
        export_form.addRow("", self.export_button)
        boxes.addWidget(export_box, 1)

        import_box = QGroupBox(self.tr("导入数据包"))
        import_layout = QVBoxLayout(import_box)
        self.import_file_button = QPushButton(self.tr("导入数据包文件…"))
        self.import_folder_button = QPushButton(self.tr("导入文件夹（如 U 盘）…"))
        hint = QLabel(
            self.tr(
                "先校验签名和完整性并显示预览；确认后整包写入，任何问题都整包拒绝，本机数据保持原样。"
            )
        )
        hint.setWordWrap(True)
        hint.setObjectName("hint")
        import_layout.addLayout(button_row(self.import_file_button, self.import_folder_button))
        import_layout.addWidget(hint)
        import_layout.addStretch(1)
        boxes.addWidget(import_box, 1)

        self.link_box = QGroupBox(self.tr("接入与登记"))
        link_layout = QVBoxLayout(self.link_box)
        self.join_part = QWidget()
        join_layout = QVBoxLayout(self.join_part)
        join_layout.setContentsMargins(0, 0, 0, 0)
        self.join_status = QLabel()
        self.join_status.setWordWrap(True)
        self.join_button = QPushButton(self.tr("用接入凭证接入…"))
        join_layout.addWidget(self.join_status)
        join_layout.addLayout(button_row(self.join_button))
        link_layout.addWidget(self.join_part)
        self.credential_box = QWidget()
        credential_form = QFormLayout(self.credential_box)
        credential_form.setContentsMargins(0, 0, 0, 0)
        self.credential_unit = QComboBox()
        self.credential_button = QPushButton(self.tr("生成接入凭证…"))
        self.credential_hint = QLabel()
        self.credential_hint.setObjectName("hint")
        self.credential_hint.setWordWrap(True)
        credential_form.addRow(self.tr("登记单位："), self.credential_unit)
        credential_form.addRow("", self.credential_hint)
        credential_form.addRow("", self.credential_button)
        link_layout.addWidget(self.credential_box)
        link_layout.addStretch(1)
        boxes.addWidget(self.link_box, 1)

        self.conflict_bar = QFrame()
        self.conflict_bar.setStyleSheet(
            "QFrame { background: #fdf0ed; border: 1px solid #e8b4aa; }"
            " QLabel { border: none; color: #8a2d1f; }"
        )
        bar = QHBoxLayout(self.conflict_bar)
        bar.setContentsMargins(10, 6, 10, 6)
        self.conflict_text = QLabel()
        self.conflict_text.setWordWrap(True)
        self.resolve_button = QPushButton(self.tr("比较并处理…"))
        bar.addWidget(self.conflict_text, 1)
        bar.addWidget(self.resolve_button)
        self.layout_.addWidget(self.conflict_bar)

        self.keys_bar = QFrame()
        self.keys_bar.setStyleSheet(
            "QFrame { background: #fff6dd; border: 1px solid #e6c66e; }"
            " QLabel { border: none; color: #6b4a00; }"
        )
        keys_row = QHBoxLayout(self.keys_bar)
        keys_row.setContentsMargins(10, 6, 10, 6)
        self.keys_text = QLabel()  # two short lines: a wrapped label's height is cut here
        self.confirm_keys_button = QPushButton(self.tr("核对新密钥…"))
        keys_row.addWidget(self.keys_text, 1)
        keys_row.addWidget(self.confirm_keys_button)
        self.layout_.addWidget(self.keys_bar)

        self.tabs = QTabWidget()
        self.layout_.addWidget(self.tabs, 1)
        self.conflict_model = RowTableModel[OpenConflict]([
            Column(self.tr("记录类型"), lambda c: c.kind_label),
            Column(self.tr("记录"), lambda c: c.description),
            Column(self.tr("对方单位"), lambda c: c.sender),
            Column(self.tr("数据包"), lambda c: f"第 {c.sequence} 号", lambda c: c.sequence),
            Column(self.tr("不同的项目"), lambda c: "、".join(d.label for d in c.differences)),
            Column(self.tr("发现时间"), lambda c: format_local_time(c.detected_at)),
        ])  # fmt: skip
        self.conflict_table = RowTableView(self.conflict_model, stretch=1)
        self.conflict_table.setToolTip(self.tr("双击一行，比较两个版本并处理"))
        self.conflicts_index = self.tabs.addTab(self.conflict_table, self.tr("待处理冲突"))

        self.pending_model = RowTableModel[PendingKeys]([
            Column(self.tr("单位"), lambda p: p.unit_name),
            Column(self.tr("新电脑的识别码"), lambda p: p.code),
            Column(self.tr("现在登记的识别码"), lambda p: p.current_code or "–"),
            Column(self.tr("凭证发放日期"), lambda p: p.issued or "–"),
            Column(self.tr("收到时间"), lambda p: format_local_time(datetime.fromisoformat(p.seen))),
            Column(self.tr("数据包"), lambda p: Path(p.file).name),
        ])  # fmt: skip
        self.pending_table = RowTableView(self.pending_model, stretch=5)
        self.pending_table.setToolTip(self.tr("双击一行，核对识别码并确认或拒绝"))
        self.pending_index = self.tabs.addTab(self.pending_table, self.tr("待确认的新密钥"))

        self.history_model = RowTableModel[PackageLog]([
            Column(self.tr("时间"), lambda e: format_local_time(e.at), lambda e: e.at.isoformat()),
            Column(self.tr("方向"), lambda e: DIRECTIONS[e.direction][0],
                   foreground=lambda e: DIRECTIONS[e.direction][1]),
            Column(self.tr("对方单位"), lambda e: e.peer_unit_name),
            Column(self.tr("编号"), lambda e: f"第 {e.sequence} 号" if e.sequence else "–", lambda e: e.sequence),
            Column(self.tr("数据版本"), lambda e: f"第 {e.reference_version} 版" if e.reference_version else "–"),
            Column(self.tr("范围"), lambda e: "–" if e.direction in (Direction.KEYS, Direction.REFUSED) else "全部" if e.full else "增量"),
            Column(self.tr("内容"), _history_text, tooltip=_history_text),
            Column(self.tr("文件"), lambda e: e.file_name),
        ])  # fmt: skip
        self.history_table = RowTableView(self.history_model, stretch=6)
        self.history_index = self.tabs.addTab(self.history_table, self.tr("收发记录"))

        self.aggregate_label = QLabel()
        self.aggregate_label.setWordWrap(True)
        self.aggregate_model = RowTableModel[dict]([
            Column(self.tr("单位"), lambda r: r["name"]),
            Column(self.tr("台账（条）"), lambda r: r["entries"], align_right=True),
            Column(self.tr("服务对象（人次）"), lambda r: r["subjects_served"], align_right=True),
            Column(self.tr("结对走访（次）"), lambda r: r["pairing_visits"], align_right=True),
            Column(self.tr("照片（张）"), lambda r: r["photos"], align_right=True),
            Column(self.tr("指标完成率"), lambda r: format_percent(r["completion"]) or "–",
                   lambda r: r["completion"] or 0, True),
            Column(self.tr("达标指标"), lambda r: f"{r['indicators_met']}/{r['indicators']}" if r["indicators"] else "–",
                   align_right=True),
        ])  # fmt: skip
        self.aggregate_table = RowTableView(self.aggregate_model, stretch=0)
        aggregate_tab = QWidget()
        aggregate_layout = QVBoxLayout(aggregate_tab)
        aggregate_layout.addWidget(self.aggregate_label)
        aggregate_layout.addWidget(self.aggregate_table, 1)
        self.aggregate_index = self.tabs.addTab(aggregate_tab, self.tr("县级汇总"))

        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setPlaceholderText(self.tr("导出、导入的详细结果显示在这里。"))
        self.log_index = self.tabs.addTab(self.log, self.tr("本次操作"))

        self.package_buttons = (self.export_button, self.import_file_button,
                                self.import_folder_button)  # fmt: skip
        self.export_button.clicked.connect(lambda: self.export())
        self.import_file_button.clicked.connect(lambda: self.import_files())
        self.import_folder_button.clicked.connect(lambda: self.import_folder())
        self.credential_button.clicked.connect(lambda: self.write_credential())
        self.credential_unit.currentIndexChanged.connect(lambda _index: self._show_credential())
        self.rotate_button.clicked.connect(lambda: self.rotate_keys())
        self.confirm_keys_button.clicked.connect(lambda: self.confirm_keys())
        self.pending_table.row_activated.connect(lambda row: self.confirm_keys(row))
        self.join_button.clicked.connect(lambda: self.join())
        self.resolve_button.clicked.connect(lambda: self.settle())
        self.conflict_table.row_activated.connect(lambda row: self.settle(row))
        self.recipient.currentIndexChanged.connect(lambda _index: self._show_recipient_code())
        if context.database_unit_name:  # a department's user on the county's shared database
            self._forbid_exchange(context.database_unit_name)
        self.refresh()

    def _forbid_exchange(self, own: str) -> None:
        """Packages, keys, credentials and conflicts are the database's own unit's: disabled
        for a user of another unit, saying why (the services refuse them too)."""
        why = self.tr("数据交换以本库单位（%1）的名义办理，请由%1的用户登录后办理。").replace(
            "%1", own
        )
        for control in (*self.package_buttons, self.credential_button, self.rotate_button,
                        self.confirm_keys_button, self.join_button, self.resolve_button):  # fmt: skip
            self.forbidden[control] = why
            control.setEnabled(False)
            control.setToolTip(why)

    # ------------------------------------------------------------ what the page shows

    def refresh(self) -> None:
        """Reload the identity, recipients, joining and registration, conflicts, history and
        the aggregate."""
        with self.database.session() as session:
            overview = self.overview = exchange_overview(session)
        self.identity_label.setText(
            self.tr("本机单位：%1　　本机识别码：%2（打电话时可与对方核对，确认数据包确实出自本机）")
            .replace("%1", overview.unit_name)
            .replace("%2", overview.code)
        )  # fmt: skip
        self.identity_label.setToolTip(
            self.tr("本机编号 %1（技术人员排查问题时使用）").replace("%1", overview.instance[:8])
        )
        if overview.renewed:
            self.identity_label.setText(
                self.identity_label.text()
                + self.tr("\n（%1，已自动启用新的本机编号，以免数据包编号重复。）").replace(
                    "%1", overview.renewed
                )
            )
        chosen = self.recipient.currentData()
        self.recipient.blockSignals(True)
        self.recipient.clear()
        for peer in overview.recipients:
            self.recipient.addItem(peer.name, peer.name)
        if not self.recipient.count():
            self.recipient.addItem(self.tr("（尚无已接入的单位）"), None)
        self.recipient.setCurrentIndex(max(self.recipient.findData(chosen), 0))
        self.recipient.blockSignals(False)
        self._show_recipient_code()
        self._show_joining(overview)
        self.conflict_model.set_rows(overview.conflicts)
        count = len(overview.conflicts)
        self.tabs.setTabText(
            self.conflicts_index, self.tr("待处理冲突（%1）").replace("%1", str(count))
        )
        self.conflict_bar.setVisible(count > 0)
        self.conflict_text.setText(
            self.tr("⚠ 有 %1 条记录本机和对方都改过，两个版本都已保留。请逐条比较，选择保留哪个版本或合并。")
            .replace("%1", str(count))
        )  # fmt: skip
        self._show_pending_keys(overview)
        self.rotate_button.setVisible(overview.can_rotate)
        self.history_model.set_rows(overview.history)
        self.tabs.setTabVisible(self.aggregate_index, overview.aggregate is not None)
        if overview.aggregate is not None:
            title, figures = overview.aggregate
            signed = figures.get("agreements", {})
            totals = figures.get("totals", {})
            self.aggregate_label.setText(
                f"{title}\n合计：台账 {totals.get('entries', 0)} 条，服务对象 "
                f"{totals.get('subjects_served', 0)} 人次，结对走访 {totals.get('pairing_visits', 0)} 次，"
                f"照片 {totals.get('photos', 0)} 张；责任状签订 {signed.get('signed', 0)}/{signed.get('required', 0)}。"
            )
            self.aggregate_model.set_rows(figures.get("units", []))
        self._set_busy(self._busy)

    def _show_recipient_code(self) -> None:
        name = self.recipient.currentData()
        peers = {p.name: p.code for p in self.overview.recipients} if self.overview else {}
        if name is None:
            self.recipient_code.setText(
                self.tr("接入上级单位、或导入对方的第一个数据包后，才能给对方导出。")
            )
        else:
            self.recipient_code.setText(
                self.tr("对方识别码：%1（应与对方“数据交换”页面上显示的本机识别码相同）").replace(
                    "%1", peers.get(name, "")
                )
            )
        self.enable(self.export_button, name is not None and not self._busy)

    def _show_joining(self, overview: ExchangeOverview) -> None:
        registers = overview.unit_kind in REGISTERED_BY
        joins = overview.upper is not None
        self.link_box.setVisible(registers or joins)
        self.link_box.setTitle(
            self.tr("接入与登记")
            if registers and joins
            else self.tr("登记下级单位")
            if registers
            else self.tr("接入%1").replace("%1", overview.upper or "")
        )
        self.join_part.setVisible(joins)
        if joins:
            upper = overview.upper or ""
            self.join_button.setText(self.tr("用接入凭证接入%1…").replace("%1", upper))
            status = (
                self.tr("✓ 已接入%1：可以给它导出数据包。换了新的接入凭证时可重新接入。")
                if overview.upper_joined
                else self.tr(
                    "尚未接入%1：请向%1索取本单位的接入凭证（.cred 文件，用 U 盘拷来），"
                    "再点下面的按钮。"
                )
            )
            self.join_status.setText(status.replace("%1", upper))
        self.credential_box.setVisible(registers)
        chosen = self.credential_unit.currentData()
        self.credential_unit.blockSignals(True)
        self.credential_unit.clear()
        for name in overview.registrable:
            state = (
                self.tr("（已接入）")
                if name in overview.joined
                else self.tr("（已发凭证，尚未接入）")
                if name in overview.awaiting
                else ""
            )
            self.credential_unit.addItem(name + state, name)
        self.credential_unit.setCurrentIndex(max(self.credential_unit.findData(chosen), 0))
        self.credential_unit.blockSignals(False)
        self.enable(self.credential_button, bool(overview.registrable))
        self._show_credential()

    def _show_credential(self) -> None:
        """The chosen unit joined already: its credential is re-issued, for a new PC."""
        name = self.credential_unit.currentData()
        code = self.overview.joined.get(name) if self.overview and name else None
        self.credential_button.setText(
            self.tr("重新发放接入凭证…") if code else self.tr("生成接入凭证…")
        )
        awaiting = self.overview.awaiting.get(name) if self.overview and name else None
        self.credential_hint.setVisible(bool(code or awaiting))
        if awaiting and not code:
            self.credential_hint.setText(
                self.tr(
                    "已在 %2 为%1生成过接入凭证，它还没有用来接入。再生成一份，之前那份就作废了；"
                    "只有凭证丢失时才需要再生成。"
                )
                .replace("%1", name)
                .replace("%2", awaiting)
            )
        if code:
            self.credential_hint.setText(
                self.tr(
                    "%1已接入（识别码 %2）。重新发放用于它换了电脑或重装系统："
                    "新电脑将取代现在的电脑，其密钥需在本页核对确认。"
                )
                .replace("%1", name)
                .replace("%2", code)
            )

    def _show_pending_keys(self, overview: ExchangeOverview) -> None:
        pending = overview.pending_keys
        self.pending_model.set_rows(pending)
        self.tabs.setTabVisible(self.pending_index, bool(pending))
        self.tabs.setTabText(
            self.pending_index, self.tr("待确认的新密钥（%1）").replace("%1", str(len(pending)))
        )
        self.keys_bar.setVisible(bool(pending))
        self.keys_text.setText(
            self.tr("⚠ %1换了新的电脑，出示了新的密钥（新识别码 %2）。\n"
                    "请打电话与对方核对识别码后确认；确认之前，新电脑发来的数据包不会导入。")
            .replace("%1", "、".join(p.unit_name for p in pending))
            .replace("%2", "、".join(p.code for p in pending))
        )  # fmt: skip

    def _set_busy(self, busy: bool) -> None:
        """While a package is written or read, its buttons wait."""
        self._busy = busy
        for button in self.package_buttons:
            self.enable(button, not busy)
        if not busy:
            self.enable(self.export_button, self.recipient.currentData() is not None)

    def _say(self, text: str) -> None:
        self.log.appendPlainText(text)

    # ------------------------------------------------------------ export

    def export(self) -> None:
        """Ask where to save the package for the chosen recipient, then export it in the
        background; the history is brought forward and a message says where the file went."""
        recipient = self.recipient.currentData()
        if recipient is None or self._busy:
            return
        title = self.tr("导出数据包")
        ok, name = self.operation(
            title, lambda s: suggested_package_name(s, recipient), changes=False
        ).run()
        if not ok or not name:
            return
        path = ask_save_path(
            self, self.tr("保存数据包"), name, self.tr("数据包 (*%1)").replace("%1", SUFFIX), SUFFIX
        )
        if path is None:
            return
        full = self.full_export.isChecked()
        database = self.database
        operation = Operation(
            self,
            title,
            lambda report: export_package(database, recipient, path, full=full, progress=report),
        )
        operation.success(lambda result: self._exported(recipient, *result))
        self._set_busy(True)
        task = operation.in_background(
            self.tr("正在生成给%1的数据包……").replace("%1", recipient), steps()
        )
        task.finished.connect(lambda: self._set_busy(False))

    def _exported(self, recipient: str, path: Path, counts: dict[str, int]) -> None:
        carried = _carried(counts)
        self._say(f"已导出 {path.name}（给{recipient}）：{carried}")
        self.refresh()
        self.tabs.setCurrentIndex(self.history_index)
        self.history_table.select_where(
            lambda e: e.direction == Direction.SENT and e.file_name == path.name
        )
        messages.inform(
            self,
            self.tr("数据包已导出"),
            self.tr(
                "给%1的数据包已保存为：\n%2\n\n内容：%3。\n"
                "请把这个文件（用 U 盘等）交给%1，在其电脑的“数据交换”页面导入。"
            )
            .replace("%1", recipient)
            .replace("%2", str(path))
            .replace("%3", carried),
        )

    # ------------------------------------------------------------ import

    def import_files(self) -> None:
        """Choose package files, then preview and import each (see :meth:`import_paths`)."""
        self.import_paths(
            ask_open_paths(
                self, self.tr("选择数据包"), self.tr("数据包 (*%1)").replace("%1", SUFFIX)
            )
        )

    def import_folder(self) -> None:
        """Choose a folder (e.g. a USB stick) and import every package in it, in order."""
        folder = ask_folder(self, self.tr("选择放有数据包的文件夹"))
        if folder is None:
            return
        from app.sync.package import package_order_key

        ok, packages = Operation(
            self,
            self.tr("导入数据包"),
            lambda: sorted(folder.glob(f"*{SUFFIX}"), key=package_order_key),
            changes=False,
        ).run()
        if not ok:
            return
        if not packages:
            messages.inform(
                self,
                self.tr("没有数据包"),
                self.tr("文件夹“%1”中没有数据包（扩展名为 %2 的文件）。")
                .replace("%1", str(folder))
                .replace("%2", SUFFIX),
            )
            return
        self.import_paths(packages)

    def import_paths(self, paths: list[Path]) -> None:
        """Preview each package in the background, ask, then import it in the background (each
        all-or-nothing); a failure is shown and the next package follows. At the end the
        result is brought forward and told."""
        if not paths or self._busy:
            return
        self._queue = list(paths)
        self._several, self._cancelled = len(paths) > 1, False
        self._keys_held = False
        self._done, self._skipped = [], []
        self._set_busy(True)
        self._preview_next()

    def _preview_next(self) -> None:
        if not self._queue:
            self._imports_finished()
            return
        path = self._queue[0]
        database = self.database
        title = self.tr("导入数据包 %1").replace("%1", path.name)
        Operation(
            self, title, lambda report: import_package(database, path, True, report),
            changes=False,
        ).success(lambda preview: self._previewed(path, preview)).failure(
            lambda error: self._package_failed(path, title, error)
        ).in_background(self.tr("正在校验数据包 %1……").replace("%1", path.name), steps())  # fmt: skip

    def _previewed(self, path: Path, preview: ImportSummary) -> None:
        if not preview_accepted(self, path.name, preview):
            self._say(f"– {path.name}：未导入（已取消）")
            self._skipped.append(self.tr("%1（已取消）").replace("%1", path.name))
            self._queue.pop(0)
            self._preview_next()
            return
        database = self.database
        title = self.tr("导入数据包 %1").replace("%1", path.name)
        Operation(
            self, title, lambda report: import_package(database, path, progress=report)
        ).success(lambda summary: self._imported(path, summary)).failure(
            lambda error: self._package_failed(path, title, error)
        ).in_background(self.tr("正在导入数据包 %1……").replace("%1", path.name), steps())

    def _imported(self, path: Path, summary: ImportSummary) -> None:
        self._say(
            f"✓ {path.name}：已导入（{summary.sender} 第 {summary.sequence} 号）\n    "
            + "\n    ".join(summary.lines())
        )
        self._done.append((path, summary))
        self._queue.pop(0)
        self._preview_next()

    def _package_failed(self, path: Path, title: str, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            report_failure(self, title, error)
            self._cancelled = True
            self._skipped.extend(self.tr("%1（已取消）").replace("%1", p.name) for p in self._queue)
            self._queue.clear()
        else:
            refused = isinstance(error, UserError)
            self._keys_held = self._keys_held or isinstance(error, NewKeysPresented)
            if not (refused and self._several):  # several packages: refusals told once, at the end
                report_failure(self, title, error)
            reason = (
                messages.error_text(error)
                if isinstance(error, UserError)
                else self.tr("未能导入，见刚才的提示")
            )
            self._say(f"✗ {path.name}：{reason}")
            self._skipped.append(
                self.tr("%1：%2").replace("%1", path.name).replace("%2", reason)
                if self._several
                else self.tr("%1（未导入，原因见前面的提示）").replace("%1", path.name)
            )
            self._queue.pop(0)
        self._preview_next()

    def _imports_finished(self) -> None:
        self._set_busy(False)
        self.refresh()  # what was imported, and the refusals kept in the 收发记录
        if self._keys_held:  # the new keys wait on the page, brought forward
            self.tabs.setCurrentIndex(self.pending_index)
        if not self._done:
            if self._several and self._skipped and not self._cancelled:
                self.tabs.setCurrentIndex(self.log_index)
                messages.show_error(
                    self,
                    self.tr("没有导入数据包"),
                    self.tr("这些数据包都没有导入：\n") + "\n".join(self._skipped),
                )
            return
        conflicts = sum(sum(s.conflicts.values()) for _p, s in self._done)
        if conflicts:
            self.tabs.setCurrentIndex(self.conflicts_index)
        elif not self._keys_held:
            self.tabs.setCurrentIndex(self.history_index)
            last = self._done[-1][0].name
            self.history_table.select_where(
                lambda e: e.direction == Direction.RECEIVED and e.file_name == last
            )
        lines = [
            self.tr("%1 的第 %2 号数据包（%3）：%4。")
            .replace("%1", s.sender)
            .replace("%2", str(s.sequence))
            .replace("%3", p.name)
            .replace("%4", _changes(s))
            for p, s in self._done
        ]
        notes = dict.fromkeys(s.note for _p, s in self._done if s.note)
        lines.extend(
            self.tr("（%1，本机已自动启用新的本机编号。）").replace("%1", note) for note in notes
        )
        if conflicts:
            lines.append(
                self.tr("\n其中 %1 条记录本机和对方都改过，两个版本都已保留，"
                        "已转到“待处理冲突”，请逐条比较后处理。").replace("%1", str(conflicts))
            )  # fmt: skip
        new_years = [s.new_year for _p, s in self._done if s.new_year is not None]
        if new_years:
            lines.append(
                self.tr("\n县矫正办已开始 %1 年度：本机已切换到 %1 年度。往年的数据不变，"
                        "可在窗口顶部选择年度查看和打印。").replace("%1", str(max(new_years)))
            )  # fmt: skip
        if self._skipped:
            lines.append(self.tr("\n未导入：\n") + "\n".join(self._skipped))
        messages.inform(self, self.tr("数据包已导入"), "\n".join(lines))
        window = self.window()
        if new_years and hasattr(window, "reload"):  # every page now shows the new year
            QTimer.singleShot(0, lambda: window.reload("exchange"))

    # ------------------------------------------------------------ conflicts

    def settle(self, conflict: OpenConflict | None = None) -> bool:
        """Compare the two versions of a conflicting record (the chosen one, else the first)
        and keep, take or merge."""
        conflict = conflict or self.conflict_table.selected_row()
        if conflict is None:
            rows = self.conflict_model.rows()
            if not rows:
                return False
            conflict = rows[0]
        self.tabs.setCurrentIndex(self.conflicts_index)
        dialog = ConflictDialog(conflict, self)
        if dialog.exec() != ConflictDialog.DialogCode.Accepted or dialog.choice is None:
            return False
        choice, taken = dialog.choice, dialog.taken
        done = self.attempt(
            lambda session: resolve(session, conflict.id, choice, taken), self.tr("处理冲突")
        )
        if done:
            wording = {"local": "保留本机版本", "incoming": "采用对方版本", "merged": "合并"}
            self._say(
                f"已处理冲突：{conflict.kind_label}“{conflict.description}”——{wording[choice]}。"
            )
            self.refresh()
        return done

    # ------------------------------------------------------------ joining and registering

    def join(self) -> bool:
        """This unit's PC (or the county, for the city) joins the office it reports to with
        the credential that office made for it."""
        upper = self.overview.upper if self.overview else None
        path = ask_open_path(
            self,
            self.tr("选择%1发给本单位的接入凭证").replace("%1", upper or ""),
            self.tr(CREDENTIAL_FILTER),
        )
        if path is None:
            return False
        from app.sync.registration import join_existing, read_credential

        issuer = self.run(
            lambda session: join_existing(session, read_credential(path)), self.tr("接入未完成")
        )
        if not issuer:
            return False
        self._say(f"已用 {path.name} 接入“{issuer}”。")
        self.refresh()
        messages.inform(
            self,
            self.tr("已接入"),
            self.tr(
                "已接入%1：本机现在信任%1发来的数据包，也可以给它导出数据包。\n"
                "下一步：导出一个数据包交给%1，它导入后就登记了本机。"
            ).replace("%1", issuer),
        )
        return True

    def write_credential(self) -> None:
        """Register the chosen unit and save its credential file (in the background); for a
        unit joined already, after saying that the new PC will replace its current one."""
        unit = self.credential_unit.currentData()
        if unit is None:
            return
        code = self.overview.joined.get(unit) if self.overview else None
        reissue = code is not None
        awaiting = self.overview.awaiting.get(unit) if self.overview else None
        if (
            not reissue
            and awaiting
            and not messages.confirm(
                self,
                self.tr("再次生成接入凭证"),
                self.tr(
                    "已在 %2 为%1生成过接入凭证，它还没有用来接入。\n\n"
                    "再生成一份，之前那份就作废：用旧凭证接入的电脑发来的数据包将被拒绝。"
                    "只有旧凭证丢失或没交出去时才需要再生成。\n\n确定再生成一份吗？"
                )
                .replace("%1", unit)
                .replace("%2", awaiting),
            )
        ):
            return
        if reissue and not messages.confirm(
            self,
            self.tr("重新发放接入凭证"),
            self.tr(
                "%1已经接入，本机登记的识别码是 %2。\n\n"
                "重新发放接入凭证用于%1换了电脑或重装了系统：新电脑用新凭证接入后，将取代%1"
                "现在的电脑。新电脑发来的第一个数据包会暂不导入，本页会列出“待确认的新密钥”，"
                "请打电话与%1核对识别码后确认；确认后，现在那台电脑的密钥作废，"
                "它再发来的数据包一律拒绝。确认之前，现在的电脑仍可照常交换数据。\n\n"
                "确定为%1重新发放接入凭证吗？"
            )
            .replace("%1", unit)
            .replace("%2", code or ""),
        ):
            return
        suggestion = self.tr("%1-接入凭证.cred").replace("%1", unit)
        path = ask_save_path(
            self, self.tr("保存接入凭证"), suggestion, self.tr(CREDENTIAL_FILTER), ".cred"
        )
        if path is None:
            return

        def work(session, _report) -> Path:
            from app.services.documents import template_key
            from app.services.settings import current_programme
            from app.sync.registration import write_credential

            programme = current_programme(session)
            template = template_key(session, programme) if programme is not None else None
            write_credential(session, unit, path, template or "", reissue=reissue)
            return path

        self.run_in_background(
            self.tr("生成接入凭证"),
            self.tr("正在为%1生成接入凭证……").replace("%1", unit),
            work,
            changes=True,
            success=lambda written: self._credential_written(unit, written, reissue),
        )

    def _credential_written(self, unit: str, path: Path, reissue: bool = False) -> None:
        self._say(f"已为“{unit}”{'重新发放' if reissue else '生成'}接入凭证 {path.name}。")
        self.refresh()
        how = self.tr("%1的电脑在“数据交换”页面点“用接入凭证接入…”，选择这个文件。")
        if self.context.local_unit_kind != UnitKind.CITY_OFFICE:
            how = self.tr(
                "%1的电脑首次使用时选择“用县矫正办发放的接入凭证加入”；"
                "已在使用的，在“数据交换”页面点“用接入凭证接入…”。"
            )
        how = how.replace("%1", unit)
        if reissue:
            messages.inform(
                self,
                self.tr("接入凭证已重新发放"),
                self.tr(
                    "已为%1重新发放接入凭证，保存为：\n%2\n\n"
                    "请用 U 盘把这个文件交给%1（不要用电子邮件或聊天软件发送）。%3"
                    "接入后请%1导出数据包交回。\n\n"
                    "导入那个数据包时，本页会列出“待确认的新密钥”：请打电话请%1读出新电脑上的"
                    "本机识别码，核对一致后确认。确认之后，%1现在那台电脑的密钥作废。"
                )
                .replace("%1", unit)
                .replace("%2", str(path))
                .replace("%3", how),
            )
            return
        messages.inform(
            self,
            self.tr("接入凭证已生成"),
            self.tr(
                "已登记%1，接入凭证保存为：\n%2\n\n"
                "请用 U 盘把这个文件交给%1（不要用电子邮件或聊天软件发送）。%3"
            )
            .replace("%1", unit)
            .replace("%2", str(path))
            .replace("%3", how),
        )

    # ------------------------------------------------------------ keys

    def confirm_keys(self, pending: PendingKeys | None = None) -> bool:
        """Compare a unit's new PC's code by phone, then confirm its keys (the old PC's are
        revoked, and the held package may be imported at once) or reject them."""
        pending = pending or self.pending_table.selected_row()
        if pending is None:
            rows = self.pending_model.rows()
            if not rows:
                return False
            pending = rows[0]
        self.tabs.setCurrentIndex(self.pending_index)
        dialog = KeyConfirmDialog(pending, self)
        if dialog.exec() != KeyConfirmDialog.DialogCode.Accepted or dialog.choice is None:
            return False
        from app.sync.keys import confirm_new_keys, reject_new_keys

        unit = pending.unit_name
        if dialog.choice == "reject":
            if not self.attempt(lambda s: reject_new_keys(s, unit), self.tr("拒绝新密钥")):
                return False
            self._say(f"已拒绝“{unit}”新电脑的密钥（识别码 {pending.code}）。")
            self.refresh()
            self.tabs.setCurrentIndex(self.history_index)
            messages.inform(
                self,
                self.tr("已拒绝新密钥"),
                self.tr(
                    "已拒绝%1的新密钥（识别码 %2），所用的接入凭证随之作废；%1现在登记的电脑照常有效。\n"
                    "如果%1确实换了电脑，请在本页为它重新发放接入凭证，再核对一次识别码。"
                )
                .replace("%1", unit)
                .replace("%2", pending.code),
            )
            return True
        code = pending.code
        if not self.attempt(lambda s: confirm_new_keys(s, unit, code), self.tr("确认新密钥")):
            return False
        self._say(f"已确认“{unit}”新电脑的密钥（识别码 {code}），旧密钥已作废。")
        self.refresh()
        self.tabs.setCurrentIndex(self.history_index)
        done = (
            self.tr(
                "已确认%1新电脑的密钥（识别码 %2）。%1原来那台电脑的密钥（识别码 %3）已作废，"
                "它再发来的数据包一律拒绝。"
            )
            .replace("%1", unit)
            .replace("%2", code)
            .replace("%3", pending.current_code or "–")
        )
        held = Path(pending.file)
        if pending.file and held.is_file():
            if messages.confirm(
                self,
                self.tr("已确认新密钥"),
                done + self.tr("\n\n现在导入新电脑发来的数据包“%1”吗？").replace("%1", held.name),
            ):
                self.import_paths([held])
            return True
        messages.inform(
            self,
            self.tr("已确认新密钥"),
            done + self.tr("\n\n请导入%1新电脑发来的数据包。").replace("%1", unit),
        )
        return True

    def rotate_keys(self) -> bool:
        """Replace this office's keys, after saying what follows for the units."""
        if not messages.confirm(
            self,
            self.tr("更换本机密钥"),
            self.tr(
                "更换本机密钥后：\n"
                "· 本机以后导出的数据包都用新密钥签名，并附上由旧密钥担保的新公钥；"
                "各单位导入本机的下一个数据包时，自动改用新密钥；\n"
                "· 各单位改用新密钥后，再收到用旧密钥签名的数据包一律拒绝；\n"
                "· 本机的识别码随之改变，请告知各单位；单位发来的数据包照常导入。\n\n"
                "适用于：怀疑本机密钥泄露（如电脑曾丢失、被他人使用），或按规定定期更换。\n\n"
                "确定更换本机密钥吗？"
            ),
        ):
            return False
        from app.sync.keys import rotate_keys

        codes = self.run(rotate_keys, self.tr("更换本机密钥"))
        if not codes:
            return False
        old, new = codes
        self._say(f"已更换本机密钥：新识别码 {new}（原识别码 {old}）。")
        self.refresh()
        self.tabs.setCurrentIndex(self.history_index)
        messages.inform(
            self,
            self.tr("本机密钥已更换"),
            self.tr(
                "本机的新识别码是 %1（原识别码 %2 已作废）。\n\n"
                "请尽快给各单位导出数据包：各单位导入后改用新密钥。"
                "单位核对识别码时，请告诉对方新的识别码。"
            )
            .replace("%1", new)
            .replace("%2", old),
        )
        return True
