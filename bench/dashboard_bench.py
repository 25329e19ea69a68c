"""首页 (dashboard) with 100,000 ledger entries: open and refresh (issue 7; aim: under 200 ms).

Run: uv run python bench/dashboard_bench.py [--entries 100000] [--runs 7] [--workdir DIR]

A county database from the qingtian-2018 template gets --entries entries
(bench/generate_ledger.py; kept in --workdir for later runs). Then, offscreen, in this process:
"compute" is ``build_dashboard`` alone (every figure, the overdue list, the latest entries);
"open" builds the 首页 widget (which computes and draws its figures) and processes the events
that show it; "refresh" recomputes and redraws a page already shown. Medians and maxima over
--runs, after one warm-up (imports and the first SQLite page reads are not counted). Also the
bulletin for the same date (scores and ranks of every department), which is not timed by the
aim but shows what ranking costs.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from page_timing import AS_OF, arguments, county_database, line, time_page, timed  # noqa: E402


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    db = county_database(args)

    from app.services.bulletin import build_bulletin
    from app.services.dashboard import build_dashboard
    from app.services.database import open_database
    from app.services.settings import current_programme
    from app.ui.pages.home import HomePage

    database = open_database(str(db))
    with database.session() as session:
        programme_id = current_programme(session).id

    def compute() -> None:
        with database.session() as session:
            build_dashboard(session, programme_id, AS_OF)

    def bulletin() -> None:
        with database.session() as session:
            build_bulletin(session, programme_id, AS_OF)

    time_page(args, database, lambda ctx: HomePage(database, ctx, today=AS_OF), compute)
    print(line("bulletin", timed(max(3, args.runs // 2), bulletin)))
    database.close()


if __name__ == "__main__":
    main()
