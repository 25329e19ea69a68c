"""台账卷 benchmark: a unit's 300 entries with 600 camera-like photos bound as one volume.

Run: uv run python bench/volume_bench.py [--entries 300] [--photos 600] [--keep DIR]

Fills a fresh database (qingtian-2018, unit 县矫正办) with ``--entries`` entries of 法律援助中心
over July–December 2018 and ``--photos`` photos (bench/generate_ledger.py's camera-like JPEGs,
≈ 300–550 KB, every tenth larger than 1600 px) added through the attachment store's normal path
(``AttachmentStore.add``, as a clerk's photos are: reduced copy, print copy and thumbnail made
then; the time per photo is printed), two to an entry; then builds the volume three times, each
in a fresh process (what `ledger volume` does: the 档号 assigned, the PDF laid out and written):
the first build over the photos as added, a second one, and one over the same store with its
print copies deleted (a store from before they were made on adding: the build makes them).
Prints each run's time and peak memory (ru_maxrss of the process, and tracemalloc's peak of
Python allocations), the pages and the file size. Budget (issue 17): < 30 s and < 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

UNIT = "法律援助中心"
FROM, TO = date(2018, 7, 1), date(2018, 12, 31)


def fill(db_path: Path, entries: int, photos: int, seed: int = 7) -> float:
    """A fresh database with the unit's entries and photos; the seconds spent adding photos."""
    from generate_ledger import _make_photo
    from sqlalchemy import insert, select

    from app.models import EntryAttachment, EntryKind, LedgerEntry, Programme, Unit
    from app.services.setup import initialise

    database = initialise(str(db_path), "qingtian-2018", "县矫正办").database
    rng = random.Random(seed)
    now = datetime.now(UTC)
    try:
        with database.session() as s:
            unit_id = s.scalar(select(Unit.id).where(Unit.name == UNIT))
            kind_id = s.scalar(select(EntryKind.id).where(EntryKind.code == "hotline"))
            programme_id = s.scalar(select(Programme.id))

        def common() -> dict:
            return {"uuid": str(uuid.UUID(int=rng.getrandbits(128))), "created_at": now,
                    "updated_at": now, "revision": 1, "deleted": False, "owner_unit_id": unit_id}  # fmt: skip

        days = (TO - FROM).days + 1
        rows = []
        for n in range(entries):
            day = FROM + timedelta(days=n * days // entries)
            rows.append({
                **common(), "id": n + 1, "entry_date": day, "kind_id": kind_id,
                "programme_id": programme_id, "title": f"12348法律咨询热线值班（第{n + 1}次）",
                "paired_office_id": None, "subjects_served": rng.randrange(0, 4),
                "body": "接听群众来电，解答婚姻家庭、劳动争议和社区矫正相关法律问题，"
                        "对需要法律援助的来电人告知申请条件和材料，并做好登记和回访。" * rng.randrange(1, 4),
                "values": {"calls": rng.randrange(1, 30), "topic": "婚姻家庭、劳动争议"},
                "subject_id": None,
            })  # fmt: skip
        with database.engine.begin() as conn:
            conn.execute(insert(LedgerEntry.__table__), rows)
        links = []
        adding = 0.0
        with tempfile.TemporaryDirectory() as tmp, database.session() as s:
            jobs = [(tmp, seed, i) for i in range(photos)]
            with ProcessPoolExecutor(2) as pool:
                for i, path in enumerate(pool.map(_make_photo, jobs, chunksize=8)):
                    mark = time.perf_counter()
                    stored = database.attachments.add(s, Path(path), unit_id)
                    adding += time.perf_counter() - mark
                    Path(path).unlink()
                    entry_id = i * entries // photos + 1
                    links.append({**common(), "entry_id": entry_id,
                                  "attachment_id": stored.attachment_id,
                                  "caption": f"值班现场照片{i + 1}", "sort_order": i})  # fmt: skip
            s.execute(insert(EntryAttachment.__table__), links)
    finally:
        database.close()
    return adding


def measure(db_path: Path, out: Path) -> dict:
    """Build the volume as `ledger volume` does; time and peak memory of this process."""
    import tracemalloc

    if os.environ.get("VOLUME_BENCH_TRACEMALLOC"):  # Python allocations (slows the run down)
        tracemalloc.start()
    start = time.perf_counter()
    from sqlalchemy import select

    from app.models import Unit
    from app.reports.ledger_volume import write_volume
    from app.services.database import open_database
    from app.services.volumes import build_volume

    database = open_database(str(db_path))
    try:
        with database.session() as s:
            unit_id = s.scalar(select(Unit.id).where(Unit.name == UNIT))
            volume = build_volume(s, database.attachments, unit_id, FROM, TO)
            built = time.perf_counter()
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            write_volume(volume, out)
    finally:
        database.close()
    total = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before pypdf reads it
    _, traced_peak = tracemalloc.get_traced_memory()
    from pypdf import PdfReader

    return {
        "seconds": total,
        "service_seconds": built - start,
        "maxrss_mb": rss,
        "rss_before_render_mb": rss_before,
        "tracemalloc_peak_mb": traced_peak / 1048576,  # 0 unless VOLUME_BENCH_TRACEMALLOC
        "entries": len(volume.entries),
        "photos": volume.photo_count,
        "pages": len(PdfReader(out).pages),
        "pdf_mb": out.stat().st_size / 1048576,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=300)
    parser.add_argument("--photos", type=int, default=600)
    parser.add_argument("--keep", type=Path, help="folder to keep the database and PDFs in")
    parser.add_argument("--measure", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="volume-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / "volume-bench.db"
    if db_path.exists():
        db_path.unlink()
    mark = time.perf_counter()
    adding = fill(db_path, args.entries, args.photos)
    print(
        f"filled {args.entries} entries, {args.photos} photos in {time.perf_counter() - mark:.1f} s; "
        f"adding a photo (AttachmentStore.add: reduced copy, print copy, thumbnail) "
        f"{adding / max(args.photos, 1) * 1000:.0f} ms on average"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = (
        "first build (print copies made when the photos were added)",
        "second build",
        "old data (print copies deleted: made by the build)",
    )
    seconds = {}
    for run in runs:
        if run.startswith("old"):
            shutil.rmtree(db_path.with_name(f"{db_path.stem}-files") / "print")
        out = folder / f"volume-{run.split()[0]}.pdf"
        result = subprocess.run(
            [sys.executable, __file__, "--measure", str(db_path), str(out)],
            capture_output=True, text=True, check=True, env=env,
        )  # fmt: skip
        r = json.loads(result.stdout.strip().splitlines()[-1])
        seconds[run.split()[0]] = r["seconds"]
        print(
            f"{run}: {r['seconds']:.1f} s (entries and 档号 {r['service_seconds']:.1f} s), "
            f"peak RSS {r['maxrss_mb']:.0f} MB, tracemalloc peak {r['tracemalloc_peak_mb']:.0f} MB; "
            f"{r['entries']} entries, {r['photos']} photos, {r['pages']} pages, "
            f"{r['pdf_mb']:.1f} MB"
        )
    per_photo = (seconds["old"] - seconds["second"]) / max(args.photos, 1) * 1000
    print(f"making a print copy in the build (old data): ≈ {per_photo:.0f} ms per photo")
    print("budget: < 30 s and < 300 MB")


if __name__ == "__main__":
    main()
