"""台账核查 at 1,000 photos: hashing once (cold), reading the kept hashes (warm), memory.

Run: uv run python bench/evidence_bench.py [--photos 1000] [--entries 3000] [--db FILE]

Without --db a temporary database with --entries entries and --photos camera-like JPEGs
(bench/generate_ledger.py: 1600 × 1200 and every tenth 4000 × 3000, grain over a dozen colour
fields, so many look alike and are flagged) is made and removed at the end. ``cold`` is the
first 核查 (every photo read from the store, its EXIF read and its pHash computed, the hashes
kept in ``photo_hashes``); ``warm`` a second one (nothing decoded), the median of three. Peak
memory is Python's allocations (tracemalloc) during the cold run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate_ledger as gen
from sqlalchemy import func, select

from app.models import PhotoHash
from app.services import evidence_check
from app.services.database import open_database


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=3000)
    parser.add_argument("--db", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        db_path = args.db or Path(folder) / "bench.db"
        if not db_path.exists():
            started = time.perf_counter()
            gen.generate_ledger(db_path, args.entries, args.photos)
            print(f"generated {args.entries} entries, {args.photos} photos "
                  f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
        database = open_database(str(db_path))
        try:
            with database.session() as s:
                s.query(PhotoHash).delete()
            tracemalloc.start()
            started = time.perf_counter()
            with database.session() as s:
                flags = evidence_check.check(s, database.attachments)
                hashed = s.scalar(select(func.count()).select_from(PhotoHash))
            cold = time.perf_counter() - started
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            warm = []
            for _ in range(3):
                started = time.perf_counter()
                with database.session() as s:
                    evidence_check.check(s, database.attachments)
                warm.append(time.perf_counter() - started)
        finally:
            database.close()
    kinds = {k: sum(1 for f in flags if f.kind == k) for k in evidence_check.KIND_LABELS}
    print(f"photos hashed: {hashed}; flags: {len(flags)} {kinds}")
    print(f"cold (hash every photo): {cold:.2f} s = {cold / max(hashed, 1) * 1000:.1f} ms/photo; "
          f"peak Python memory {peak / 1e6:.0f} MB")  # fmt: skip
    print(f"warm (hashes kept): {statistics.median(warm):.2f} s (median of 3)")


if __name__ == "__main__":
    main()
