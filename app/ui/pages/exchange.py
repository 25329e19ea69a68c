"""数据交换: export a package for a unit, import packages (a file or a whole USB folder) with a
preview first, settle conflicts, see the history of packages, register units (the county its
departments and offices, the city the county) and, at the city, read the county's aggregate."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from app.models import Direction, PackageLog, Unit, UnitKind
from app.services.errors import UserError
from app.sync import identity
from app.sync.conflicts import OpenConflict, open_conflicts, resolve
from app.sync.exchange import KIND_LABELS, ImportSummary, export_package, import_package
from app.ui.dialogs.exchange_dialogs import ConflictDialog, preview_accepted
from app.ui.messages import show_error
from app.ui.pages.base import Page, button_row
from app.ui.table_model import Column, RowTableModel, format_local_time, format_percent
from app.ui.table_view import RowTableView

SUFFIX = ".bjpkg"
REGISTERED_BY = {  # who registers whom: an office registers the units that report to it
    UnitKind.COUNTY_OFFICE: (UnitKind.DEPARTMENT, UnitKind.JUDICIAL_OFFICE, UnitKind.CORRECTION_SECTION),
    UnitKind.CITY_OFFICE: (UnitKind.COUNTY_OFFICE,),
}  # fmt: skip


def _history_text(entry: PackageLog) -> str:
    details = json.loads(entry.details or "{}")
    if entry.direction == Direction.SENT:
        carried = "，".join(
            f"{KIND_LABELS.get(k, k)} {v}" for k, v in details.get("records", {}).items() if v
        )
        files = details.get("files", 0)
        return (carried or "没有新的记录") + (f"；文件 {files} 个" if files else "")
    parts = []
    for key, label in (("created", "新增"), ("updated", "更新"), ("deleted", "删除"),
                       ("conflicts", "冲突")):  # fmt: skip
        total = sum(details.get(key, {}).values())
        if total:
            parts.append(f"{label} {total}")
    return "，".join(parts) or "没有变化"


class ExchangePage(Page):
    """Export, import with preview, conflicts, history, registration and the county aggregate."""

    title = "数据交换"

    def __init__(self, database, context, parent: QWidget | None = None) -> None:
        super().__init__(database, context, parent)
        self.identity_label = QLabel()
        self.identity_label.setWordWrap(True)
        self.layout_.addWidget(self.identity_label)
        boxes = QHBoxLayout()
        self.layout_.addLayout(boxes)

        export_box = QGroupBox(self.tr("导出数据包"))
        export_form = QFormLayout(export_box)
        self.recipient = QComboBox()
        self.full_export = QCheckBox(self.tr("导出全部记录"))
        self.full_export.setToolTip(self.tr("默认只导出对方确认收到之后的变化"))
        self.export_button = QPushButton(self.tr("导出数据包…"))
        export_form.addRow(self.tr("接收单位："), self.recipient)
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
        hint.setStyleSheet("color: #555;")
        import_layout.addLayout(button_row(self.import_file_button, self.import_folder_button))
        import_layout.addWidget(hint)
        boxes.addWidget(import_box, 1)

        self.credential_box = QGroupBox(self.tr("登记下级单位"))
        credential_form = QFormLayout(self.credential_box)
        self.credential_unit = QComboBox()
        self.credential_button = QPushButton(self.tr("生成接入凭证…"))
        credential_form.addRow(self.tr("单位："), self.credential_unit)
        credential_form.addRow("", self.credential_button)
        self.join_button = QPushButton(self.tr("接入上级单位（导入凭证）…"))
        credential_form.addRow("", self.join_button)
        boxes.addWidget(self.credential_box, 1)

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
        self.resolve_button = QPushButton(self.tr("比较并处理…"))
        conflicts_tab = QWidget()
        conflicts_layout = QVBoxLayout(conflicts_tab)
        conflicts_layout.addWidget(self.conflict_table, 1)
        conflicts_layout.addLayout(button_row(self.resolve_button))
        self.tabs.addTab(conflicts_tab, self.tr("待处理冲突"))

        self.history_model = RowTableModel[PackageLog]([
            Column(self.tr("时间"), lambda e: format_local_time(e.at), lambda e: e.at.isoformat()),
            Column(self.tr("方向"), lambda e: "发出" if e.direction == Direction.SENT else "收到",
                   foreground=lambda e: "#1d3f72" if e.direction == Direction.SENT else "#1e7d32"),
            Column(self.tr("对方单位"), lambda e: e.peer_unit_name),
            Column(self.tr("编号"), lambda e: f"第 {e.sequence} 号", lambda e: e.sequence),
            Column(self.tr("数据版本"), lambda e: f"第 {e.reference_version} 版" if e.reference_version else "–"),
            Column(self.tr("范围"), lambda e: "全部" if e.full else "增量"),
            Column(self.tr("内容"), _history_text),
            Column(self.tr("文件"), lambda e: e.file_name),
        ])  # fmt: skip
        self.history_table = RowTableView(self.history_model, stretch=6)
        self.tabs.addTab(self.history_table, self.tr("收发记录"))

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
        self.log.setPlaceholderText(self.tr("导出、导入的结果显示在这里。"))
        self.log_index = self.tabs.addTab(self.log, self.tr("本次操作"))

        self.export_button.clicked.connect(lambda: self.export())
        self.import_file_button.clicked.connect(lambda: self.import_files())
        self.import_folder_button.clicked.connect(self.import_folder)
        self.credential_button.clicked.connect(lambda: self.write_credential())
        self.join_button.clicked.connect(lambda: self.join())
        self.resolve_button.clicked.connect(lambda: self.settle())
        self.conflict_table.row_activated.connect(lambda row: self.settle(row))
        self.conflict_table.selection_changed.connect(
            lambda: self.resolve_button.setEnabled(self.conflict_table.selected_row() is not None)
        )
        self.refresh()

    def refresh(self) -> None:
        """Reload the identity, recipients, units to register, conflicts, history, aggregate."""
        from app.services.aggregate import latest_aggregates
        from app.services.settings import get_setting
        from app.sync.history import recent

        with self.database.session() as session:
            keys = identity.key_pairs(session).public()
            instance = identity.instance_uuid(session)
            renewed = get_setting(session, identity.MOVED)
            known = set(identity.registered_units(session))
            units = session.scalars(
                select(Unit).where(Unit.deleted.is_(False)).order_by(Unit.sort_order)
            ).all()
            rows = [(u.name, u.uuid, u.kind, u.parent.name if u.parent else "") for u in units]
            conflicts = open_conflicts(session)
            history = recent(session)
            session.expunge_all()
            aggregates = latest_aggregates(session)
            aggregate = (aggregates[0].title, aggregates[0].figures) if aggregates else None
        text = (
            self.tr("本机单位：%1　　密钥指纹：%2（对方核对用）　　本机编号：%3")
            .replace("%1", self.context.local_unit_name)
            .replace("%2", keys.fingerprint())
            .replace("%3", instance[:8])
        )
        if renewed:
            text += self.tr("\n（%1，已自动启用新的本机编号，以免数据包编号重复。）").replace(
                "%1", renewed
            )
        self.identity_label.setText(text)
        self.recipient.clear()
        for name, uuid, _kind, _parent in rows:
            if uuid in known:
                self.recipient.addItem(name, name)
        if not self.recipient.count():
            self.recipient.addItem(
                self.tr("（尚无已登记的单位：接入后或导入对方数据包后出现）"), None
            )
        self.export_button.setEnabled(self.recipient.currentData() is not None)
        kind = self.context.local_unit_kind
        self.credential_box.setVisible(kind in REGISTERED_BY)
        self.join_button.setVisible(kind == UnitKind.COUNTY_OFFICE)
        self.credential_unit.clear()
        registers = REGISTERED_BY.get(kind, ()) if kind is not None else ()
        for name, _uuid, unit_kind, parent in rows:
            if unit_kind in registers and parent == self.context.local_unit_name:
                self.credential_unit.addItem(name, name)
        self.conflict_model.set_rows(conflicts)
        self.tabs.setTabText(0, self.tr("待处理冲突（%1）").replace("%1", str(len(conflicts))))
        self.resolve_button.setEnabled(False)
        self.history_model.set_rows(history)
        self.tabs.setTabVisible(self.aggregate_index, aggregate is not None)
        if aggregate is not None:
            title, figures = aggregate
            signed = figures.get("agreements", {})
            totals = figures.get("totals", {})
            self.aggregate_label.setText(
                f"{title}\n合计：台账 {totals.get('entries', 0)} 条，服务对象 "
                f"{totals.get('subjects_served', 0)} 人次，结对走访 {totals.get('pairing_visits', 0)} 次，"
                f"照片 {totals.get('photos', 0)} 张；责任状签订 {signed.get('signed', 0)}/{signed.get('required', 0)}。"
            )
            self.aggregate_model.set_rows(figures.get("units", []))

    def _say(self, text: str) -> None:
        self.log.appendPlainText(text)

    def export(self, path: Path | None = None) -> Path | None:
        """Export for the chosen recipient (asks where when ``path`` is None)."""
        recipient = self.recipient.currentData()
        if recipient is None:
            return None
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self, self.tr("保存数据包"), f"{self.context.local_unit_name}-至-{recipient}{SUFFIX}",
                f"数据包 (*{SUFFIX})",
            )  # fmt: skip
            if not chosen:
                return None
            path = Path(chosen)
        try:
            out, counts = export_package(
                self.database, recipient, path, full=self.full_export.isChecked()
            )
        except UserError as exc:
            show_error(self, self.tr("导出失败"), str(exc))
            return None
        carried = (
            "，".join(f"{KIND_LABELS.get(k, k)} {v}" for k, v in counts.items() if v)
            or "没有新的记录"
        )
        self._say(f"已导出 {out.name}（给{recipient}）：{carried}")
        self.refresh()
        return out

    def import_folder(self) -> None:
        """Import every package in a folder, in order."""
        folder = QFileDialog.getExistingDirectory(self, self.tr("选择放有数据包的文件夹"))
        if folder:
            from app.sync.package import package_order_key

            self.import_files(sorted(Path(folder).glob(f"*{SUFFIX}"), key=package_order_key))

    def import_files(self, paths: list[Path] | None = None) -> list[ImportSummary]:
        """Preview each package, ask, then import it (each all-or-nothing)."""
        if paths is None:
            chosen, _ = QFileDialog.getOpenFileNames(
                self, self.tr("选择数据包"), "", f"数据包 (*{SUFFIX})"
            )
            paths = [Path(p) for p in chosen]
        done = []
        for path in paths:
            try:
                preview = import_package(self.database, path, dry_run=True)
            except UserError as exc:
                self._say(f"✗ {path.name}：{exc}")
                continue
            if not preview_accepted(self, path.name, preview):
                self._say(f"– {path.name}：未导入（已取消）")
                continue
            try:
                summary = import_package(self.database, path)
            except UserError as exc:
                self._say(f"✗ {path.name}：{exc}")
                continue
            self._say(
                f"✓ {path.name}：已导入（{summary.sender} 第 {summary.sequence} 号）\n    "
                + "\n    ".join(summary.lines())
            )
            done.append(summary)
        if done:
            self.refresh()
        if any(s.conflicts for s in done):
            self.tabs.setCurrentIndex(0)
        elif paths:
            self.tabs.setCurrentIndex(self.log_index)
        return done

    def settle(
        self, conflict: OpenConflict | None = None, dialog: ConflictDialog | None = None
    ) -> bool:
        """Compare the two versions of a conflicting record and keep, take or merge."""
        conflict = conflict or self.conflict_table.selected_row()
        if conflict is None:
            return False
        dialog = dialog or ConflictDialog(conflict, self)
        choice = dialog.choice if dialog.exec() == ConflictDialog.DialogCode.Accepted else None
        if choice is None:
            return False
        done = self.attempt(lambda session: resolve(session, conflict.id, choice, dialog.taken))
        if done:
            wording = {"local": "保留本机版本", "incoming": "采用对方版本", "merged": "合并"}
            self._say(
                f"已处理冲突：{conflict.kind_label}“{conflict.description}”——{wording[choice]}。"
            )
            self.refresh()
        return bool(done)

    def join(self, path: Path | None = None) -> bool:
        """The county joins the city office with the credential the city made for it."""
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self, self.tr("选择上级单位给的接入凭证"), "", "接入凭证 (*.cred)"
            )
            if not chosen:
                return False
            path = Path(chosen)
        from app.sync.registration import join_existing, read_credential

        try:
            credential = read_credential(path)
        except UserError as exc:
            show_error(self, self.tr("接入失败"), str(exc))
            return False
        issuer = self.run(lambda session: join_existing(session, credential))
        if not issuer:
            return False
        self._say(f"已接入“{issuer}”：现在可以给它导出数据包；首个数据包将登记本机密钥。")
        self.refresh()
        return True

    def write_credential(self, path: Path | None = None) -> Path | None:
        """County: register a unit and save its credential file."""
        unit = self.credential_unit.currentData()
        if unit is None:
            return None
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self, self.tr("保存接入凭证"), f"{unit}.cred", "接入凭证 (*.cred)"
            )
            if not chosen:
                return None
            path = Path(chosen)
        from app.services.settings import current_programme
        from app.sync.registration import write_credential

        try:
            with self.database.session() as session:
                programme = current_programme(session)
                write_credential(session, unit, path, programme.template_key if programme else "")
        except UserError as exc:
            show_error(self, self.tr("生成失败"), str(exc))
            return None
        self._say(f"已为“{unit}”生成接入凭证 {path.name}。请用 U 盘交给该单位，在其电脑上接入。")
        self.tabs.setCurrentIndex(self.log_index)
        return path
