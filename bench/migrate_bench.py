"""Moving in: time ``migrate-db`` (app.services.migrate_db.migrate) of a large SQLite database
with its photos into a fresh database on a PostgreSQL server.

Run: uv run python bench/migrate_bench.py --db FILE --server URL [--entries 100000 --photos 1000]

``--db`` is made with bench/generate_ledger.py when missing (``--entries``, ``--photos``);
``--server`` (default: ``BANGJIAO_TEST_POSTGRES``) names a server where a database may be
created: the bench creates ``bangjiao_migrate_bench``, migrates into it, reports the time, rows
per second and photo megabytes per second, and drops it again (``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from app.services.database import open_database
from app.services.migrate_db import migrate

NAME = "bangjiao_migrate_bench"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="SQLite file (made if missing)")
    parser.add_argument("--server", default=os.environ.get("BANGJIAO_TEST_POSTGRES", ""))
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--photos", type=int, default=1_000)
    parser.add_argument("--keep", action="store_true", help="keep the migrated database")
    args = parser.parse_args(argv)
    if not args.server:
        raise SystemExit("no server: give --server or set BANGJIAO_TEST_POSTGRES")
    if not args.db.exists():
        from generate_ledger import generate_ledger

        made = generate_ledger(args.db, args.entries, args.photos)
        print(f"generated {made['entries']:,} entries, {made['photos']:,} photos")
    admin = create_engine(args.server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{NAME}"')
    target = make_url(args.server).set(database=NAME).render_as_string(hide_password=False)
    source = open_database(str(args.db))
    try:
        started = time.perf_counter()
        report = migrate(source, target)
        seconds = time.perf_counter() - started
    finally:
        source.close()
        if not args.keep:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
        admin.dispose()
    largest = sorted(report.tables, key=lambda t: -t[1])[:4]
    files = sum(report.files.values())
    megabytes = report.file_bytes / 1048576
    print(f"source:   {args.db} ({args.db.stat().st_size / 1048576:.0f} MB file)")
    print(f"rows:     {report.rows:,} in {len(report.tables)} tables (largest: "
          + ", ".join(f"{name} {n:,}" for name, n in largest) + ")")  # fmt: skip
    print(
        f"files:    {report.files.get('original', 0):,} photos and scans + "
        f"{files - report.files.get('original', 0):,} previews = {megabytes:,.0f} MB"
    )
    print(f"total:    {seconds:.1f} s (schema, copy, sequences, verification, one commit)")
    print("phases:   " + ", ".join(f"{k} {v:.1f} s" for k, v in report.phases.items()))
    print(f"rate:     {report.rows / seconds:,.0f} rows/s overall, {megabytes / seconds:.1f} MB/s")


if __name__ == "__main__":
    main()
