"""The audit log's cost (issue 16): saving ledger entries with and without the flush listener,
the chain check and the 审计日志 list over a large log.

Run: uv run python bench/audit_bench.py [--saves 300] [--lines 100000]

A database from the qingtian-2018 template. ``--saves`` ledger entries are saved one per
session (as the clerk saves them) with the audit listener on, then as many with it removed,
alternating in rounds so the machine's noise hits both alike. Then the log is filled to
``--lines`` lines (through the same chaining code, in batches) and the chain check and the
page's first query (newest 5,001 lines; one kind; one day) are timed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.services import audit, ledger
from app.services.ledger import EntryInput
from app.services.setup import initialise


def _save(database, kinds: dict[str, int], unit_id: int, n: int) -> None:
    with database.session() as s:
        ledger.save_entry(
            s, database.attachments, None,
            EntryInput(kind_id=kinds["hotline"], unit_id=unit_id, entry_date=date(2018, 7, 1),
                       title=f"热线 {n}", subjects_served=1, values={"calls": 1}),
        )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=300)
    parser.add_argument("--lines", type=int, default=100_000)
    args = parser.parse_args()
    from app.models import EntryKind, Unit

    with tempfile.TemporaryDirectory() as work:
        database = initialise(str(Path(work) / "bench.db"), "qingtian-2018", "县矫正办").database
        with database.session() as s:
            kinds = {k.code: k.id for k in s.query(EntryKind)}
            unit_id = s.query(Unit).filter(Unit.name == "法律援助中心").one().id
        on: list[float] = []
        off: list[float] = []
        rounds = 10
        per_round = max(1, args.saves // rounds)
        n = 0
        for _ in range(rounds):
            for times, listening in ((on, True), (off, False)):
                if not listening:
                    event.remove(Session, "after_flush", audit._after_flush)
                for _ in range(per_round):
                    n += 1
                    started = time.perf_counter()
                    _save(database, kinds, unit_id, n)
                    times.append(time.perf_counter() - started)
                if not listening:
                    event.listen(Session, "after_flush", audit._after_flush)
        print(f"save_entry, one per session ({len(on)} each, median):")
        print(f"  with the audit log     {statistics.median(on) * 1000:7.2f} ms")
        print(f"  without                {statistics.median(off) * 1000:7.2f} ms")
        print(
            f"  cost                   {(statistics.median(on) / statistics.median(off) - 1) * 100:+6.1f} %"
        )

        who = audit.Who("7", "wangfang", "王芳")
        started = time.perf_counter()
        with database.engine.begin() as connection:
            have = connection.exec_driver_sql("SELECT COUNT(*) FROM audit_entries").scalar() or 0
            kinds_cycle = list(audit.KIND_LABELS)
            batch = 5000
            for first in range(int(have), args.lines, batch):
                audit._append(connection, who, [
                    {"kind": kinds_cycle[i % len(kinds_cycle)], "table_name": "ledger_entries",
                     "record_id": str(i), "record_uuid": "", "description": "修改台账（title）"}
                    for i in range(first, min(first + batch, args.lines))
                ])  # fmt: skip
        print(f"filled to {args.lines:,} lines in {time.perf_counter() - started:.1f} s")
        for label, work_fn in (
            ("verify_chain (whole log)", lambda s: audit.verify_chain(s)),
            ("list: newest 5,001", lambda s: audit.list_lines(s, audit.AuditFilter(limit=5001))),
            ("list: one kind", lambda s: audit.list_lines(s, audit.AuditFilter(kind="sign", limit=5001))),
            ("list: today", lambda s: audit.list_lines(
                s, audit.AuditFilter(date_from=date.today(), date_to=date.today(), limit=5001))),
            ("users", lambda s: audit.users(s)),
        ):  # fmt: skip
            times = []
            for _ in range(3):
                with database.session() as s:
                    started = time.perf_counter()
                    result = work_fn(s)
                    times.append(time.perf_counter() - started)
            shown = getattr(result, "message", None) or (f"{len(result)} rows")
            print(f"  {label:28s} {min(times) * 1000:8.1f} ms   {shown}")
        database.close()


if __name__ == "__main__":
    main()
