"""考核与通报 page with 100,000 ledger entries: open and refresh (issue 14; aim: under 200 ms).

Run: uv run python bench/assessment_bench.py [--entries 100000] [--runs 7] [--workdir DIR]

A county database from the qingtian-2018 template gets --entries entries
(bench/generate_ledger.py; kept in --workdir for later runs, shared with dashboard_bench.py).
Then, offscreen, in this process: "compute" is ``department_scores`` alone (every department's
indicator completion, every rule and adjustment, the ranks); "open" builds the page widget
(which computes and shows the ranking and the first department's lines) and processes the
events that show it; "refresh" recomputes and redraws a page already shown. Medians and maxima
over --runs, after one warm-up (imports and the first SQLite page reads are not counted).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

AS_OF = date(2018, 9, 30)


def _timed(runs: int, work) -> list[float]:
    work()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _line(name: str, times: list[float]) -> str:
    return f"{name:<10} median {statistics.median(times):7.1f} ms   max {max(times):7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    work = args.workdir or Path(tempfile.mkdtemp())
    work.mkdir(parents=True, exist_ok=True)
    db = work / f"dashboard-{args.entries}.db"
    if not db.exists():
        import generate_ledger as gen

        started = time.perf_counter()
        gen.generate_ledger(db, args.entries)
        print(f"filled {args.entries} entries in {time.perf_counter() - started:.0f} s")

    from app.services.assessment import department_scores
    from app.services.database import open_database
    from app.services.settings import current_programme
    from app.ui.application import create_application
    from app.ui.main_window import MainWindow
    from app.ui.pages.assessment import AssessmentPage

    app = create_application([])
    database = open_database(str(db))
    with database.session() as session:
        programme_id = current_programme(session).id

    def compute() -> None:
        with database.session() as session:
            department_scores(session, programme_id, AS_OF)

    window = MainWindow(database)
    window.show()
    app.processEvents()
    context = window.context

    def open_page() -> None:
        page = AssessmentPage(database, context, today=AS_OF)
        page.resize(1200, 800)
        page.show()
        app.processEvents()
        page.close()
        page.deleteLater()

    page = AssessmentPage(database, context, today=AS_OF)
    page.show()
    app.processEvents()

    def refresh() -> None:
        page.refresh()
        page.repaint()
        app.processEvents()

    print(f"{args.entries} entries, as of {AS_OF}")
    print(_line("compute", _timed(args.runs, compute)))
    print(_line("open", _timed(args.runs, open_page)))
    print(_line("refresh", _timed(args.runs, refresh)))
    database.close()


if __name__ == "__main__":
    main()
