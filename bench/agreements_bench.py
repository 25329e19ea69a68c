"""Time to make the combined PDF of every department's agreement (aim: under 2 s).

Run: uv run python bench/agreements_bench.py [--runs 5]
"cold" is a fresh process (ReportLab import and font registration included); "warm" repeats
in one process. Also prints the pages and size of the combined file.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COLD = """
import sys, time
t = time.perf_counter()
sys.path.insert(0, {root!r})
from app.services.database import open_database
from app.services import agreements
from app.services.settings import current_programme
from app.reports.agreement_pdf import render_agreements_pdf
db = open_database({db!r})
with db.session() as s:
    t0 = time.perf_counter()
    pdf = render_agreements_pdf(agreements.all_contents(s, current_programme(s).id))
print(time.perf_counter() - t0, time.perf_counter() - t, len(pdf))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    from app.services.setup import initialise

    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.db")
        initialise(db, "qingtian-2018", "县矫正办").database.close()
        cold = []
        for _ in range(runs):
            out = subprocess.run([sys.executable, "-c", COLD.format(root=str(ROOT), db=db)],
                                 capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
            cold.append((float(out[0]), float(out[1]), int(out[2])))
        from io import BytesIO

        from pypdf import PdfReader

        from app.reports.agreement_pdf import render_agreements_pdf
        from app.services import agreements
        from app.services.database import open_database
        from app.services.settings import current_programme

        database = open_database(db)
        with database.session() as s:
            contents = agreements.all_contents(s, current_programme(s).id)
        render_agreements_pdf(contents)
        warm = []
        for _ in range(runs):
            t = time.perf_counter()
            pdf = render_agreements_pdf(contents)
            warm.append(time.perf_counter() - t)
        database.close()
        pages = len(PdfReader(BytesIO(pdf)).pages)
    med = statistics.median
    print(f"combined PDF of {len(contents)} agreements: {pages} pages, {len(pdf) / 1024:.0f} KB")
    print(f"cold (fresh process): build {med(c[0] for c in cold) * 1000:.0f} ms, "
          f"process total incl. imports {med(c[1] for c in cold) * 1000:.0f} ms  (median of {runs})")  # fmt: skip
    print(f"warm (same process):  build {med(warm) * 1000:.0f} ms  (median of {runs})")


if __name__ == "__main__":
    main()
