"""数据交换: export a package for a unit, import packages (a file or a whole USB folder) with a
preview first, and — at the county — register units with credential files."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)
from sqlalchemy import select

from app.models import Unit, UnitKind
from app.services.errors import UserError
from app.sync import identity
from app.sync.exchange import ImportSummary, export_package, import_package
from app.ui.messages import confirm, show_error
from app.ui.pages.base import Page, button_row

SUFFIX = ".bjpkg"


class ExchangePage(Page):
    """Export, import with preview, and registration of units."""

    title = "数据交换"

    def __init__(self, database, context, parent: QWidget | None = None) -> None:
        super().__init__(database, context, parent)
        self.identity_label = QLabel()
        self.identity_label.setWordWrap(True)
        self.layout_.addWidget(self.identity_label)

        export_box = QGroupBox(self.tr("导出数据包"))
        export_form = QFormLayout(export_box)
        self.recipient = QComboBox()
        self.full_export = QCheckBox(self.tr("导出全部记录（默认只导出对方确认收到之后的变化）"))
        self.export_button = QPushButton(self.tr("导出数据包…"))
        export_form.addRow(self.tr("接收单位："), self.recipient)
        export_form.addRow("", self.full_export)
        export_form.addRow("", self.export_button)
        self.layout_.addWidget(export_box)

        import_box = QGroupBox(self.tr("导入数据包"))
        import_layout = QFormLayout(import_box)
        self.import_file_button = QPushButton(self.tr("导入数据包文件…"))
        self.import_folder_button = QPushButton(self.tr("导入文件夹（如 U 盘）…"))
        hint = QLabel(
            self.tr(
                "导入前先校验签名和完整性并显示预览；确认后整包写入，任何问题都整包拒绝，本机数据保持原样。"
            )
        )
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        import_layout.addRow(button_row(self.import_file_button, self.import_folder_button))
        import_layout.addRow(hint)
        self.layout_.addWidget(import_box)

        self.credential_box = QGroupBox(self.tr("登记单位（县矫正办）"))
        credential_form = QFormLayout(self.credential_box)
        self.credential_unit = QComboBox()
        self.credential_button = QPushButton(self.tr("生成接入凭证…"))
        credential_form.addRow(self.tr("单位："), self.credential_unit)
        credential_form.addRow("", self.credential_button)
        self.layout_.addWidget(self.credential_box)

        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setPlaceholderText(self.tr("导出、导入的结果显示在这里。"))
        self.layout_.addWidget(self.log, 1)

        self.export_button.clicked.connect(lambda: self.export())
        self.import_file_button.clicked.connect(lambda: self.import_files())
        self.import_folder_button.clicked.connect(self.import_folder)
        self.credential_button.clicked.connect(lambda: self.write_credential())
        self.refresh()

    def refresh(self) -> None:
        """Reload the identity, the recipients and the units to register."""
        with self.database.session() as session:
            keys = identity.key_pairs(session).public()
            instance = identity.instance_uuid(session)
            known = set(identity.registered_units(session))
            units = session.scalars(
                select(Unit).where(Unit.deleted.is_(False)).order_by(Unit.sort_order)
            ).all()
            rows = [(u.name, u.uuid, u.kind) for u in units]
        self.identity_label.setText(
            self.tr("本机单位：%1　　密钥指纹：%2（对方核对用）　　本机编号：%3")
            .replace("%1", self.context.local_unit_name)
            .replace("%2", keys.fingerprint())
            .replace("%3", instance[:8])
        )
        self.recipient.clear()
        for name, uuid, _kind in rows:
            if uuid in known:
                self.recipient.addItem(name, name)
        if not self.recipient.count():
            self.recipient.addItem(
                self.tr("（尚无已登记的单位：接入后或导入对方数据包后出现）"), None
            )
        self.export_button.setEnabled(self.recipient.currentData() is not None)
        is_county = self.context.local_unit_kind == UnitKind.COUNTY_OFFICE
        self.credential_box.setVisible(is_county)
        self.credential_unit.clear()
        for name, _uuid, kind in rows:
            if kind in (UnitKind.DEPARTMENT, UnitKind.JUDICIAL_OFFICE, UnitKind.CORRECTION_SECTION):
                self.credential_unit.addItem(name, name)

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
        from app.sync.exchange import KIND_LABELS

        carried = (
            "，".join(f"{KIND_LABELS.get(k, k)} {v}" for k, v in counts.items() if v)
            or "没有新的记录"
        )
        self._say(f"已导出 {out.name}（给{recipient}）：{carried}")
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
            text = "\n".join(preview.lines()) or "（没有变化）"
            question = self.tr("%1 第 %2 号数据包将导入：\n\n%3\n\n确定导入吗？").replace(
                "%1", preview.sender
            )
            if not confirm(
                self,
                self.tr("导入预览"),
                question.replace("%2", str(preview.sequence)).replace("%3", text),
            ):
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
        return done

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
        return path
