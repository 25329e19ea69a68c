"""Ledger at 100,000 entries: service timings, query plans, memory, and the Qt pages themselves.

Run: uv run python bench/ledger_bench.py [--db FILE] [--repeats 7] [--qt-repeats 5] [--no-qt]

Without --db a temporary database (100,000 entries, 1,000 photos, bench/generate_ledger.py) is
generated and removed at the end; with --db an existing file is reused (or generated there and
kept). Service figures are the median of --repeats calls, each in a fresh session
(time.perf_counter around the call, after one warm-up); anything over the 100 ms aim gets the
EXPLAIN QUERY PLAN of its slowest statement. The Qt figures (QT_QPA_PLATFORM=offscreen unless set)
are wall-clock times until the page is built and painted, medians of --qt-repeats, with the share
spent executing SQL. The database is only read (the photo-rich variant is a temporary copy).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate_ledger as gen
from sqlalchemy import event, func, select, tuple_
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.models import (
    Attachment,
    EntryAttachment,
    EntryKind,
    Indicator,
    LedgerEntry,
    Programme,
    Unit,
)
from app.services import ledger, progress
from app.services.database import Database, open_database
from app.services.ledger import SORT_KEYS, LedgerFilter

AIM_MS = 100.0
ENTRIES = 100_000
PHOTOS = 1_000
DEEP_OFFSET = 50_000

# ---------------------------------------------------------------- measuring


def timed(database: Database, fn: Callable[[Session], Any]) -> tuple[float, Any]:
    """One call in a fresh session; (milliseconds, result)."""
    with database.session() as session:
        start = time.perf_counter()
        result = fn(session)
        return (time.perf_counter() - start) * 1000, result


def median_ms(database: Database, fn: Callable[[Session], Any], repeats: int) -> tuple[float, Any]:
    """Median of ``repeats`` timed calls (after one untimed warm-up)."""
    _, result = timed(database, fn)
    return statistics.median(timed(database, fn)[0] for _ in range(repeats)), result


class SqlCapture:
    """The statements every engine runs while ``on``: (statement, parameters, seconds).

    The time is the cursor's execute, which in SQLite includes the sort and the first row.
    """

    def __init__(self) -> None:
        self.on = False
        self.statements: list[tuple[str, Any, float]] = []
        event.listen(Engine, "before_cursor_execute", self._before)
        event.listen(Engine, "after_cursor_execute", self._after)

    def _before(self, conn, _cursor, _statement, _params, _context, _many) -> None:
        conn.info["bench_start"] = time.perf_counter()

    def _after(self, conn, _cursor, statement, params, _context, _many) -> None:
        if self.on:
            start = conn.info.pop("bench_start", time.perf_counter())
            self.statements.append((statement, params, time.perf_counter() - start))

    def run(self, fn: Callable[[], Any]) -> list[tuple[str, Any, float]]:
        """Run ``fn`` and return what it executed."""
        self.statements, self.on = [], True
        try:
            fn()
        finally:
            self.on = False
        return self.statements


def query_plan(db_file: Path, statement: str, params: Any) -> list[str]:
    """EXPLAIN QUERY PLAN as indented lines."""
    conn = sqlite3.connect(db_file)
    try:
        rows = conn.execute("EXPLAIN QUERY PLAN " + statement, params or ()).fetchall()
    finally:
        conn.close()
    depth: dict[int, int] = {0: -1}
    lines = []
    for node, parent, _, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + detail)
    return lines


def file_size(path: Path) -> int:
    """Bytes of a file, or of everything under a folder."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.exists() else 0


def peak_rss_mb() -> float | None:
    """Peak resident memory of this process so far (Linux/macOS)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def pad(text: str, width: int) -> str:
    """Left-justify counting CJK characters as two columns."""
    wide = sum(unicodedata.east_asian_width(ch) in "WF" for ch in text)
    return text + " " * max(0, width - len(text) - wide)


def ms(value: float) -> str:
    return f"{value:8.1f}{' *' if value > AIM_MS else '  '}"


# ---------------------------------------------------------------- the service cases


@dataclass
class Ids:
    """Records the filters use, looked up by name in the template's data."""

    programme: int
    year: int
    unit: int
    unit_name: str
    kind: int
    kind_name: str
    indicator: int
    indicator_name: str
    office: int
    office_name: str

    @classmethod
    def load(cls, database: Database) -> Ids:
        def by_name(session, model, wanted, *where):
            query = select(model.id, model.name).where(*where)
            row = session.execute(query.where(model.name == wanted)).first()
            return tuple(row or session.execute(query).first())

        with database.session() as s:
            programme = tuple(s.execute(select(Programme.id, Programme.year)).first())
            unit = by_name(s, Unit, "基层科", Unit.kind == "department")
            kind = by_name(s, EntryKind, "修心教育法律讲座")
            indicator = by_name(s, Indicator, "律师授课修心教育法律讲座")
            office = by_name(s, Unit, "东源司法所", Unit.kind == "judicial_office")
        return cls(*programme, *unit, *kind, *indicator, *office)


@dataclass
class Case:
    """One measured service call; ``section`` groups a filter's count and list."""

    label: str
    fn: Callable[[Session], Any]
    section: str


def cases(ids: Ids) -> list[Case]:
    """Every measured interaction, in table order."""
    y, june = ids.year, {"date_from": date(ids.year, 6, 1), "date_to": date(ids.year, 6, 30)}
    filters = [
        ("none", "no filter", LedgerFilter()),
        ("unit", f"unit = {ids.unit_name}", LedgerFilter(unit_id=ids.unit)),
        ("kind", f"kind = {ids.kind_name}", LedgerFilter(kind_id=ids.kind)),
        ("month", f"date {y}-06-01 … {y}-06-30", LedgerFilter(**june)),
        ("indicator", f"indicator = {ids.indicator_name}", LedgerFilter(indicator_id=ids.indicator)),
        ("office", f"paired office = {ids.office_name}", LedgerFilter(paired_office_id=ids.office)),
        ("text", "text “讲座”", LedgerFilter(text="讲座")),
        ("text none", "text with no match (worst case)", LedgerFilter(text="无此关键词")),
        ("unit+month", "unit + month", LedgerFilter(unit_id=ids.unit, **june)),
    ]  # fmt: skip
    out: list[Case] = []
    for key, label, flt in filters:
        out.append(Case(f"count {key}", lambda s, f=flt: ledger.count_entries(s, f), label))
        out.append(Case(f"list {key}", lambda s, f=flt: ledger.list_entries(s, f), label))
    for key in SORT_KEYS:
        for desc in (True, False):
            out.append(
                Case(
                    f"sort {key} {'↓' if desc else '↑'}",
                    lambda s, k=key, d=desc: ledger.list_entries(s, LedgerFilter(), k, d),
                    "sort",
                )
            )
    out.append(
        Case(
            f"page at offset {DEEP_OFFSET:,}",
            lambda s: ledger.list_entries(s, LedgerFilter(), offset=DEEP_OFFSET),
            "page",
        )
    )

    def items(s: Session) -> list[progress.IndicatorProgress]:
        return progress.indicator_progress(s, ids.programme)

    out += [
        Case("progress: indicator_progress", items, "progress"),
        Case(  # what the 职责与指标 page does: indicators, then departments from the same items
            "progress: + department_progress(items=…)",
            lambda s: progress.department_progress(s, ids.programme, items=items(s)),
            "progress",
        ),
    ]
    return out


def print_main_table(results: dict[str, float], sizes: dict[str, str], all_cases) -> None:
    """Filters: count, first page, and both (a filter or sort change runs both: reload)."""
    print(f"\n{'interaction':46} {'count ms':>10} {'list ms':>10} {'both ms':>10}  matched")
    print("-" * 92)
    sections: dict[str, list[str]] = {}
    for case in all_cases:
        sections.setdefault(case.section, []).append(case.label)
    for section, labels in sections.items():
        if section not in ("sort", "page", "progress"):
            count, page = (results[label] for label in labels)
            matched = sizes[labels[0]]
            print(f"{pad('filter: ' + section, 46)} {ms(count)} {ms(page)} {ms(count + page)}  {matched}")  # fmt: skip
            continue
        for label in labels:
            both = ms(results["count none"] + results[label]) if section == "sort" else " " * 10
            print(f"{pad(label, 46)} {'':>10} {ms(results[label])} {both}  {sizes[label]}")
    print(
        f"(* = over the {AIM_MS:.0f} ms aim; list = first page of 200; both = count + list, "
        "what a filter or sort change costs; the page at an offset is one fetchMore)"
    )


def keyset_vs_offset(database: Database, repeats: int) -> None:
    """Phase 1 (the ids) of the page at DEEP_OFFSET: OFFSET, as fetchMore does, vs keyset."""
    live = LedgerEntry.deleted.is_(False)
    order = (LedgerEntry.entry_date.desc(), LedgerEntry.id.desc())
    ids_query = select(LedgerEntry.id).where(live).order_by(*order)
    with database.session() as s:
        key = tuple(s.execute(select(LedgerEntry.entry_date, LedgerEntry.id).where(live)
                              .order_by(*order).offset(DEEP_OFFSET - 1).limit(1)).one())  # fmt: skip
    by_offset = ids_query.offset(DEEP_OFFSET).limit(200)
    by_key = ids_query.where(tuple_(LedgerEntry.entry_date, LedgerEntry.id) < key).limit(200)
    t_offset, a = median_ms(database, lambda s: list(s.scalars(by_offset)), repeats)
    t_key, b = median_ms(database, lambda s: list(s.scalars(by_key)), repeats)
    print(
        f"\nids of the page at offset {DEEP_OFFSET:,} (phase 1 only; phase 2 is the same 200 rows):"
        f" OFFSET {t_offset:.1f} ms, keyset (entry_date, id) < ({key[0]}, {key[1]}) {t_key:.1f} ms"
        f"{'' if a == b else '  — DIFFERENT IDS'}"
    )


def slow_cases(all_cases: list[Case], results: dict[str, float]) -> list[Case]:
    """The calls taking part in an interaction over the aim (a filter or sort runs count + list)."""
    section_ms: dict[str, float] = {}
    for case in all_cases:
        section_ms[case.section] = section_ms.get(case.section, 0) + results[case.label]
    slow = []
    for case in all_cases:
        if case.section == "sort":
            total = results["count none"] + results[case.label]
        elif case.section in ("page", "progress"):
            total = results[case.label]
        else:
            total = section_ms[case.section]
        if total > AIM_MS:
            slow.append(case)
    if any(c.section == "sort" for c in slow) and all(c.label != "count none" for c in slow):
        slow.insert(0, next(c for c in all_cases if c.label == "count none"))
    return slow


def explain(database, db_file, slow: list[Case], results, capture: SqlCapture) -> None:
    """EXPLAIN QUERY PLAN of the slowest statement of each call."""
    print(f"\nEXPLAIN QUERY PLAN of the {len(slow)} calls in interactions over {AIM_MS:.0f} ms ({db_file.name})")  # fmt: skip
    seen: dict[tuple[str, ...], str] = {}
    for case in slow:
        statements = capture.run(lambda c=case: timed(database, c.fn))
        statement, params, seconds = max(statements, key=lambda s: s[2])
        plan = tuple(query_plan(db_file, statement, params))
        head = f"\n[{case.label}] {results[case.label]:.0f} ms, slowest statement {seconds * 1000:.0f} ms"
        print(head)
        print("  " + " ".join(statement.split())[:400])
        if plan in seen:
            print(f"    (same plan as [{seen[plan]}])")
            continue
        seen[plan] = case.label
        for line in plan:
            print("    " + line)


# ---------------------------------------------------------------- the Qt pages


def qt_measurements(db_file: Path, ids: Ids, repeats: int, capture: SqlCapture) -> None:
    """The ledger page (open, filter, sort) and the 职责与指标 page, built and painted."""
    from PySide6.QtCore import QEvent, QObject, Qt
    from PySide6.QtWidgets import QApplication, QWidget

    from app.ui.application import create_application
    from app.ui.ledger.table_model import COLUMNS
    from app.ui.main_window import MainWindow

    create_application([])
    times: dict[str, list[float]] = {}
    sql: dict[str, list[float]] = {}
    count: dict[str, list[int]] = {}

    class PaintCounter(QObject):
        """Counts the paint events of the widgets it is installed on."""

        painted = 0

        def eventFilter(self, _obj, ev) -> bool:
            self.painted += ev.type() == QEvent.Type.Paint
            return False

    def measure(label: str, action: Callable[[], Any], painter: PaintCounter) -> Any:
        """Time ``action`` and processEvents; fail unless ``painter``'s widget was painted."""
        result, before = [], painter.painted
        start = time.perf_counter()
        statements = capture.run(lambda: result.append(action()) or QApplication.processEvents())
        times.setdefault(label, []).append((time.perf_counter() - start) * 1000)
        sql.setdefault(label, []).append(sum(s[2] for s in statements) * 1000)
        count.setdefault(label, []).append(len(statements))
        if painter.painted == before:
            raise AssertionError(f"{label}: nothing painted")
        return result[0]

    def show(window: MainWindow, key: str, painter: PaintCounter) -> QWidget:
        page = window.open_section(key)
        view = page.view if key == "ledger" else page.departments_view
        view.viewport().installEventFilter(painter)
        window.show()
        return page

    open_label = "MainWindow(open_database(db)).open_section('ledger')"
    open_part = "  of which MainWindow(open_database(db)), not painted"
    times[open_label], sql[open_label], times[open_part] = [], [], []  # table order
    down, up = Qt.SortOrder.DescendingOrder, Qt.SortOrder.AscendingOrder
    # every column both ways, starting from the page's own order (date ↓) and ending there
    sorts = [(c, o) for c in range(len(COLUMNS)) for o in (down, up)]
    sorts = sorts[1:] + sorts[:1]

    def one_round() -> None:
        painter, duties_painter = PaintCounter(), PaintCounter()
        opened: list[Any] = []  # the window and its ledger page

        def open_ledger() -> None:
            start = time.perf_counter()
            window = MainWindow(open_database(str(db_file)))
            times.setdefault(open_part, []).append((time.perf_counter() - start) * 1000)
            opened.extend((window, show(window, "ledger", painter)))

        measure(open_label, open_ledger, painter)
        window, page = opened
        assert page.model.total > 0 and page.model.rowCount() > 0
        measure("职责与指标 page opened (all indicator actuals)",
                lambda: show(window, "duties", duties_painter), duties_painter)  # fmt: skip
        window.open_section("ledger")
        QApplication.processEvents()
        unit_index = page.unit_filter.findData(ids.unit)
        measure(f"ledger: filter unit = {ids.unit_name}",
                lambda: page.unit_filter.setCurrentIndex(unit_index), painter)  # fmt: skip
        measure("ledger: filter back to 全部", lambda: page.unit_filter.setCurrentIndex(0), painter)
        header = page.view.horizontalHeader()
        for column, order in sorts:
            key = COLUMNS[column][1]
            measure(f"ledger: sort {key} {'↓' if order == down else '↑'}",
                    lambda c=column, o=order: header.setSortIndicator(c, o), painter)  # fmt: skip
            assert (page.model.sort_key, page.model.descending) == (key, order == down)
        window.close()  # closes its database
        window.deleteLater()
        QApplication.processEvents()

    for _ in range(repeats):
        one_round()

    print(f"\nQt pages (offscreen), median of {repeats}; until built and painted")
    print(f"{'interaction':58} {'total ms':>10} {'SQL ms':>10} {'statements':>11}")
    print("-" * 92)
    for label, values in times.items():
        in_sql = (
            f"{statistics.median(sql[label]):8.1f}   {max(count[label]):9}" if label in sql else ""
        )
        print(f"{pad(label, 58)} {ms(statistics.median(values))} {in_sql}")
    print(
        "(SQL = time in cursor.execute, which in SQLite includes sorting; the rest is Python + Qt)"
    )


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="reuse this database (generated if missing)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--qt-repeats", type=int, default=5)
    parser.add_argument("--no-qt", action="store_true", help="skip the Qt page measurements")
    args = parser.parse_args(argv)
    total_start = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="ledger-bench-"))
    try:
        db_file = args.db.resolve() if args.db else work / "ledger.db"
        if db_file.exists():
            print(f"reusing {db_file}")
        else:
            print(f"generating {ENTRIES:,} entries and {PHOTOS:,} photos into {db_file} …")
            gen.print_summary(gen.generate_ledger(db_file, ENTRIES, PHOTOS))
        database = open_database(str(db_file))
        capture = SqlCapture()
        ids = Ids.load(database)
        with database.session() as s:
            entries = s.scalar(select(func.count()).select_from(LedgerEntry))
            links = s.scalar(select(func.count()).select_from(EntryAttachment))
            photos = s.scalar(select(func.count()).select_from(Attachment))
        print(
            f"\n{entries:,} entries, {photos:,} photos, {links:,} photo links; "
            f"database {file_size(db_file) / 1e6:.1f} MB "
            f"(+ WAL {file_size(Path(f'{db_file}-wal')) / 1e6:.1f} MB), "
            f"photo store {file_size(db_file.with_name(f'{db_file.stem}-files')) / 1e6:.0f} MB"
        )
        print(f"median of {args.repeats} calls, each in a fresh session; {os.cpu_count()} CPUs")

        # ---- 1. every service interaction
        all_cases = cases(ids)
        results: dict[str, float] = {}
        sizes: dict[str, str] = {}
        for case in all_cases:
            results[case.label], result = median_ms(database, case.fn, args.repeats)
            sizes[case.label] = f"{result:,}" if isinstance(result, int) else ""
        print_main_table(results, sizes, all_cases)
        keyset_vs_offset(database, args.repeats)

        # ---- 2. memory
        print("\nmemory")
        print(f"  peak RSS after generating/opening and all queries: {peak_rss_mb() or 0:5.0f} MB")
        for label in ("list none", "sort photo_count ↓", f"page at offset {DEEP_OFFSET:,}",
                      "progress: + department_progress(items=…)"):  # fmt: skip
            fn = next(c.fn for c in all_cases if c.label == label)
            with database.session() as s:
                tracemalloc.start()
                fn(s)
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
            print(f"  Python allocations, {pad(label, 42)} peak {peak / 1e6:6.2f} MB")

        # ---- 3. query plans of the slow ones
        explain(database, db_file, slow_cases(all_cases, results), results, capture)

        # ---- 4. a photo-rich copy: every entry of a kind with min_photos has its photos
        rich_file = work / "rich.db"
        src, dst = sqlite3.connect(db_file), sqlite3.connect(rich_file)
        src.backup(dst)
        src.close(), dst.close()
        rich = open_database(str(rich_file))
        added = gen.link_every_photo_entry(rich)
        print(f"\nphoto-rich copy: {added:,} photo links added ({added + links:,} in all)")
        print(f"  {'interaction':30} {'as generated':>14} {'photo-rich':>12}")
        rich_cases = [c for c in all_cases if c.label in ("list none", "list kind", "sort photo_count ↓", "sort photo_count ↑")]  # fmt: skip
        rich_results = {}
        for case in rich_cases:
            plain = median_ms(database, case.fn, args.repeats)[0]
            rich_results[case.label] = median_ms(rich, case.fn, args.repeats)[0]
            print(f"  {pad(case.label, 30)} {ms(plain)}    {ms(rich_results[case.label])}")
        slow = [c for c in rich_cases if rich_results[c.label] > AIM_MS]
        explain(rich, rich_file, slow, rich_results, capture)
        rich.close()
        database.close()

        # ---- 5. the Qt pages
        if not args.no_qt:
            qt_measurements(db_file, ids, args.qt_repeats, capture)
        print(f"\npeak RSS of the whole run: {peak_rss_mb() or 0:.0f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        print(f"benchmark took {time.perf_counter() - total_start:.0f} s")


if __name__ == "__main__":
    main()
