"""考核与通报 page with 100,000 ledger entries: open and refresh (issue 14; aim: under 200 ms).

Run: uv run python bench/assessment_bench.py [--entries 100000] [--runs 7] [--workdir DIR]

A county database from the qingtian-2018 template gets --entries entries
(bench/generate_ledger.py; kept in --workdir for later runs, shared with dashboard_bench.py).
Then, offscreen, in this process: "compute" is ``department_scores`` alone (every department's
indicator completion, every rule and adjustment, the ranks); "open" builds the page widget
(which computes and shows the ranking and the first department's lines) and processes the
events that show it; "refresh" recomputes and redraws a page already shown. Medians and maxima
over --runs, after one warm-up.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from page_timing import AS_OF, arguments, county_database, time_page  # noqa: E402


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    db = county_database(args)

    from app.services.assessment import department_scores
    from app.services.database import open_database
    from app.services.settings import current_programme
    from app.ui.pages.assessment import AssessmentPage

    database = open_database(str(db))
    with database.session() as session:
        programme_id = current_programme(session).id

    def compute() -> None:
        with database.session() as session:
            department_scores(session, programme_id, AS_OF)

    time_page(args, database, lambda ctx: AssessmentPage(database, ctx, today=AS_OF), compute)
    database.close()


if __name__ == "__main__":
    main()
