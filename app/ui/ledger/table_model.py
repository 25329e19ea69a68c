"""The ledger list model: fetches entries a page at a time and sorts in SQL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPixmap, QPixmapCache

from app.ui.table_model import ROW_ROLE
from app.ui.widgets.thumbnails import thumbnail_pixmap

if TYPE_CHECKING:
    from app.services.database import Database
    from app.services.ledger import EntryRow, LedgerFilter

PAGE_SIZE = 200
THUMB_HEIGHT = 36

# (header, sort key in app.services.ledger.SORT_KEYS)
COLUMNS = [
    ("日期", "entry_date"),
    ("填报单位", "unit"),
    ("活动类型", "kind"),
    ("标题", "title"),
    ("结对司法所", "paired_office"),
    ("服务对象数", "subjects_served"),
    ("社区矫正对象", "subject"),
    ("照片", "photo_count"),
    ("核实", "verification"),
]
VERIFICATION_COLUMN = 8
VERIFICATION_COLOURS = {"已核实": "#1e7d32", "存疑": "#c0392b", "存疑（已说明）": "#b36b00"}
TITLE_COLUMN = 3
DATE_COLUMN = 0
RIGHT_ALIGNED = {5, 7}
LOCKED_COLOUR = "#6b6b6b"
REASON_SHOWN = 12  # characters of a doubt's reason shown in the 核实 column (all in its tooltip)


def lock_icon(size: int = 14) -> QPixmap:
    """A small padlock drawn once (no icon file, no emoji font needed)."""
    key = f"ledger-lock-{size}"
    cached = QPixmapCache.find(key)  # type: ignore[call-overload]
    if cached is not None and not cached.isNull():
        return cached
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = QColor(LOCKED_COLOUR)
    painter.setPen(QPen(colour, max(1.5, size / 9)))
    painter.drawArc(int(size * 0.25), 1, int(size * 0.5), int(size * 0.6), 0, 180 * 16)
    painter.drawLine(int(size * 0.25), int(size * 0.3), int(size * 0.25), int(size * 0.5))
    painter.drawLine(int(size * 0.75), int(size * 0.3), int(size * 0.75), int(size * 0.5))
    painter.fillRect(int(size * 0.12), int(size * 0.45), int(size * 0.76), int(size * 0.5), colour)
    painter.end()
    QPixmapCache.insert(key, pixmap)
    return pixmap


class LedgerTableModel(QAbstractTableModel):
    """Rows of the current filter, loaded in pages of ``PAGE_SIZE`` as the view scrolls."""

    def __init__(self, database: Database, parent=None) -> None:
        super().__init__(parent)
        from app.services.ledger import LedgerFilter

        self.database = database
        self.filter: LedgerFilter = LedgerFilter()
        self.sort_key = "entry_date"
        self.descending = True
        self.total = 0
        self._loaded = False
        self._rows: list[EntryRow] = []
        self._store = database.attachments
        # unit name → its closed periods (services.period_locks.LockedPeriod), set by the
        # page once per load: a row dated in one is shown locked (grey, a padlock)
        self.locked_periods: dict[str, list[Any]] = {}
        self.county = False  # the county's PC (it unlocks; a unit asks it to)

    def lock_of(self, row: EntryRow) -> Any | None:
        """The closed period ``row`` lies in (services.period_locks.LockedPeriod), or None."""
        for period in self.locked_periods.get(row.unit, ()):
            if period.start <= row.entry_date <= period.end:
                return period
        return None

    # ------------------------------------------------------------ loading

    def set_filter(self, flt: LedgerFilter) -> None:
        """Show the entries ``flt`` selects, from the first page."""
        self.filter = flt
        self.reload()

    def reload(self, recount: bool = True) -> None:
        """Load the first page again (after a change or a new filter), counting unless told
        the total cannot have changed (a new sort order)."""
        from app.services.ledger import count_entries, list_entries

        with self.database.session() as session:
            total = (
                count_entries(session, self.filter) if recount or not self._loaded else self.total
            )
            rows = list_entries(session, self.filter, self.sort_key, self.descending, 0, PAGE_SIZE)
        self.beginResetModel()
        self.total = total
        self._rows = rows
        self._loaded = True
        self.endResetModel()

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and len(self._rows) < self.total

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid():
            return
        from app.services.ledger import list_entries

        with self.database.session() as session:
            more = list_entries(
                session, self.filter, self.sort_key, self.descending, len(self._rows), PAGE_SIZE
            )
        if not more:
            self.total = len(self._rows)
            return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(more) - 1)
        self._rows.extend(more)
        self.endInsertRows()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        key, descending = COLUMNS[column][1], order == Qt.SortOrder.DescendingOrder
        if self._loaded and (key, descending) == (self.sort_key, self.descending):
            return
        self.sort_key, self.descending = key, descending
        if self._loaded:  # before the first filter is set there is nothing to reload yet
            self.reload(recount=False)

    def row_at(self, row: int) -> EntryRow:
        """The entry shown at a row."""
        return self._rows[row]

    def loaded_rows(self) -> list[EntryRow]:
        """The rows loaded so far."""
        return list(self._rows)

    # ------------------------------------------------------------ Qt model

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        return self.tr(COLUMNS[section][0]) if 0 <= section < len(COLUMNS) else None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == ROW_ROLE:
            return row
        if (
            role == Qt.ItemDataRole.DecorationRole
            and column == TITLE_COLUMN
            and row.first_photo_sha
        ):
            return self._thumbnail(row.first_photo_sha)
        if role == Qt.ItemDataRole.DecorationRole and column == DATE_COLUMN:
            return lock_icon() if self.lock_of(row) is not None else None
        if role == Qt.ItemDataRole.ForegroundRole and row.deleted:
            return QBrush(QColor("#999999"))
        if role == Qt.ItemDataRole.ForegroundRole and column == VERIFICATION_COLUMN:
            colour = VERIFICATION_COLOURS.get(row.verification)
            return QBrush(QColor(colour)) if colour else None
        if role == Qt.ItemDataRole.ForegroundRole and self.lock_of(row) is not None:
            return QBrush(QColor(LOCKED_COLOUR))
        if role == Qt.ItemDataRole.ToolTipRole and column == VERIFICATION_COLUMN:
            return row.verification_note or None
        if role == Qt.ItemDataRole.ToolTipRole and column == DATE_COLUMN:
            period = self.lock_of(row)
            return locked_text(period, county=self.county) if period is not None else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = (
                Qt.AlignmentFlag.AlignRight
                if column in RIGHT_ALIGNED
                else Qt.AlignmentFlag.AlignLeft
            )
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column == TITLE_COLUMN:
            return row.title + (self.tr("（已删除）") if row.deleted else "")
        return None

    @staticmethod
    def _display(row: EntryRow, column: int) -> str:
        d = row.entry_date
        values = (
            f"{d.year}-{d.month:02d}-{d.day:02d}",
            row.unit,
            row.kind,
            row.title + ("（已删除）" if row.deleted else ""),
            row.paired_office,
            str(row.subjects_served) if row.subjects_served else "",
            row.subject,
            str(row.photo_count) if row.photo_count else "",
            _verification_text(row),
        )
        return values[column]

    def _thumbnail(self, sha256: str) -> QPixmap | None:
        key = f"ledger-thumb-{sha256}"
        cached = QPixmapCache.find(key)  # type: ignore[call-overload]  # stub lacks find(key) -> QPixmap
        if cached is not None and not cached.isNull():
            return cached
        pixmap = thumbnail_pixmap(self._store, sha256)
        if pixmap is None:
            return None
        pixmap = pixmap.scaledToHeight(THUMB_HEIGHT, Qt.TransformationMode.SmoothTransformation)
        QPixmapCache.insert(key, pixmap)
        return pixmap


def _verification_text(row: EntryRow) -> str:
    """The 核实 column: the mark, and the start of a doubt's reason (the rest in the tooltip)."""
    if not row.verification.startswith("存疑") or not row.verification_reason:
        return row.verification
    reason = row.verification_reason.replace("\n", " ")
    if len(reason) > REASON_SHOWN:
        reason = reason[:REASON_SHOWN] + "…"
    return f"{row.verification}：{reason}"


def locked_text(period: Any, county: bool) -> str:
    """What the entry form and the list say of an entry in a closed period
    (services.period_locks.LockedPeriod): who locked it and who can unlock it — an adopted
    summary on 阶段总结, an accepted statistics report on 统计报表."""
    name = period.name
    if name == "全年":
        name = f"{period.start.year} 年度"
    elif not name[:1].isdigit():
        name = f"{period.start.year} 年{name}"
    report = getattr(period, "report_id", None) is not None
    if not county:
        how = "如需修改请联系县矫正办解锁"
    elif report:
        how = "如需修改，请先在“统计报表”页对这份报表点“解锁台账…”"
    else:
        how = "如需修改，请先在“阶段总结”页对这份总结点“解锁台账…”"
    done = "受理" if report else "采用"
    return f"本条记录所在的 {name}已由县矫正办{done}并锁定，{how}。"
