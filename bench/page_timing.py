"""What the page benchmarks share: a county database with N ledger entries, and the timing of
"compute" (the service alone), "open" (building and showing the page) and "refresh".

Used by dashboard_bench.py and assessment_bench.py (with bench/ on sys.path).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

AS_OF = date(2018, 9, 30)


def timed(runs: int, work: Callable[[], object]) -> list[float]:
    """Milliseconds of ``runs`` calls of ``work`` after one warm-up call."""
    work()  # warm-up: imports and the first SQLite page reads are not counted
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return times


def line(name: str, times: list[float]) -> str:
    """One printed figure: the median and the maximum."""
    return f"{name:<10} median {statistics.median(times):7.1f} ms   max {max(times):7.1f} ms"


def arguments(description: str) -> argparse.Namespace:
    """--entries, --runs and --workdir, as every page benchmark takes them."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--workdir", type=Path)
    return parser.parse_args()


def county_database(args: argparse.Namespace) -> Path:
    """The county database with ``--entries`` entries, made once and kept in ``--workdir``."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    work = args.workdir or Path(tempfile.mkdtemp())
    work.mkdir(parents=True, exist_ok=True)
    db = work / f"dashboard-{args.entries}.db"
    if not db.exists():
        import generate_ledger as gen

        started = time.perf_counter()
        gen.generate_ledger(db, args.entries)
        print(f"filled {args.entries} entries in {time.perf_counter() - started:.0f} s")
    return db


def time_page(
    args: argparse.Namespace,
    database: Any,
    make_page: Callable[[Any], Any],
    compute: Callable[[], object],
) -> None:
    """Print compute/open/refresh for the page ``make_page(context)`` builds, in a real main
    window's context (offscreen)."""
    from app.ui.application import create_application
    from app.ui.main_window import MainWindow

    app = create_application([])
    window = MainWindow(database)
    window.show()
    app.processEvents()
    context = window.context

    def open_page() -> None:
        page = make_page(context)
        page.resize(1200, 800)
        page.show()
        app.processEvents()
        page.close()
        page.deleteLater()

    page = make_page(context)
    page.show()
    app.processEvents()

    def refresh() -> None:
        page.refresh()
        page.repaint()
        app.processEvents()

    print(f"{args.entries} entries, as of {AS_OF}")
    print(line("compute", timed(args.runs, compute)))
    print(line("open", timed(args.runs, open_page)))
    print(line("refresh", timed(args.runs, refresh)))
