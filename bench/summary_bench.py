"""The county's aggregated summary PDF for a year (issue 6; aim: under 10 s and 30 MB).

Run: uv run python bench/summary_bench.py [--entries 5000] [--photos 300] [--workdir DIR]

A county database from the qingtian-2018 template gets --entries ledger entries
(bench/generate_ledger.py) and --photos camera-sized JPEGs (4032 × 3024, ≈ 3 MB each, stored
in the real attachment store and linked to entries of the seven departments). Every department
writes its year summary choosing all of its photos (at most MAX_PHOTOS) and submits it. Then, in a fresh
process: the county report PDF is built (``county_summary_pdf``) and the time, the peak memory
of that process (VmHWM), the file size, pages and embedded images are printed; also one
department's PDF. --workdir keeps the filled database for the next run.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

CAMERA = (4032, 3024)

CHILD = """
import sys, time, json
sys.path.insert(0, {root!r})
t0 = time.perf_counter()
from app.services.database import open_database
from app.services.summary_reports import county_summary_pdf, department_summary_pdf
db = open_database({db!r})
t1 = time.perf_counter()
pdf = county_summary_pdf(db, None, None)
t2 = time.perf_counter()
one = department_summary_pdf(db, {summary_id})
t3 = time.perf_counter()
open({out!r}, "wb").write(pdf)
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({{"county_s": t2 - t1, "department_s": t3 - t2, "imports_s": t1 - t0,
                  "county_bytes": len(pdf), "department_bytes": len(one), "peak_kib": hwm}}))
"""


def camera_photo(path: Path, rng: random.Random, bases: list) -> Path:
    """A 12-megapixel JPEG with photo-like detail (smooth base, grain, a unique band)."""
    from PIL import Image, ImageDraw

    image = bases[rng.randrange(len(bases))].copy()
    grain = Image.frombytes(
        "L", (CAMERA[0] // 4, CAMERA[1] // 4), rng.randbytes(CAMERA[0] * CAMERA[1] // 16)
    )
    image = Image.blend(image, Image.merge("RGB", [grain.resize(CAMERA)] * 3), 0.12)
    top = rng.randrange(CAMERA[1] - 60)
    band = (rng.randrange(255), 80, 90)
    ImageDraw.Draw(image).rectangle((0, top, CAMERA[0], top + 40), fill=band)
    image.save(path, "JPEG", quality=90)
    return path


def fill(db_path: Path, entries: int, photos: int) -> None:
    """Entries and camera photos (slow: kept in --workdir for later runs)."""
    import generate_ledger as gen
    from PIL import Image
    from sqlalchemy import select

    from app.models import EntryAttachment, LedgerEntry
    from app.services.database import open_database
    from app.services.goals import departments

    gen.generate_ledger(db_path, entries, photos=0)
    rng = random.Random(7)
    bases = []
    for _ in range(6):
        small = Image.frombytes("RGB", (16, 12), rng.randbytes(16 * 12 * 3))
        bases.append(small.resize(CAMERA, Image.Resampling.BICUBIC))
    database = open_database(str(db_path))
    store = database.attachments
    with tempfile.TemporaryDirectory() as tmp, database.session() as s:
        deps = departments(s)
        for n in range(photos):
            department = deps[n % len(deps)]
            entry = s.scalars(select(LedgerEntry).where(LedgerEntry.owner_unit_id == department.id,
                                                        LedgerEntry.deleted.is_(False))
                              .offset(n // len(deps)).limit(1)).first()  # fmt: skip
            stored = store.add(s, camera_photo(Path(tmp) / f"{n}.jpg", rng, bases), department.id)
            s.add(EntryAttachment(entry_id=entry.id, attachment_id=stored.attachment_id,
                                  caption=f"{entry.title}（现场照片）", owner_unit_id=department.id,
                                  sort_order=99))  # fmt: skip
            s.flush()
    database.close()


def write_summaries(db_path: Path) -> tuple[int, int]:
    """Every department writes its year summary with all its camera photos and submits it;
    (one summary's id, photos chosen)."""
    from app.services import summaries
    from app.services.database import open_database
    from app.services.goals import departments
    from app.services.settings import current_programme

    database = open_database(str(db_path))
    chosen = 0
    with database.session() as s:
        programme = current_programme(s)
        for n, department in enumerate(departments(s)):
            summary = summaries.start_summary(s, programme.id, department.id, None)
            picks = [p for p in summaries.candidate_photos(s, summary)
                     if p.caption.endswith("（现场照片）")][: summaries.MAX_PHOTOS]  # fmt: skip
            summaries.save_summary(s, summary.id, summary.sections,
                                   [(p.attachment_id, p.caption[:60]) for p in picks])  # fmt: skip
            summaries.submit_summary(s, summary.id, date(2018, 10, 8 + n))
            chosen += len(picks)
            one = summary.id
    database.close()
    return one, chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--photos", type=int, default=300)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp())
    work.mkdir(parents=True, exist_ok=True)
    filled = work / "filled.db"
    if not (work / "filled.done").exists():
        started = time.perf_counter()
        fill(filled, args.entries, args.photos)
        (work / "filled.done").write_text("ok")
        print(
            f"filled: {args.entries} entries, {args.photos} camera photos in {time.perf_counter() - started:.0f} s"
        )
    db = work / "run.db"  # a fresh copy each run, sharing the photo store
    db.unlink(missing_ok=True)
    shutil.copy(filled, db)
    store = work / "run-files"
    if not store.exists():
        store.symlink_to(work / "filled-files")
    summary_id, chosen = write_summaries(db)
    print(f"summaries: 7 submitted, {chosen} photos chosen")
    out = work / "county-report.pdf"
    child = CHILD.format(root=str(ROOT), db=str(db), summary_id=summary_id, out=str(out))
    result = json.loads(subprocess.run([sys.executable, "-c", child], capture_output=True,
                                       text=True, check=True).stdout)  # fmt: skip
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(out.read_bytes()))
    images = sum(1 for page in reader.pages for ref in page["/Resources"].get("/XObject", {}).values()
                 if ref.get_object().get("/Subtype") == "/Image")  # fmt: skip
    print(
        f"county PDF:      {result['county_s']:.2f} s, {result['county_bytes'] / 1e6:.1f} MB, "
        f"{len(reader.pages)} pages, {images} photos embedded"
    )
    print(
        f"department PDF:  {result['department_s']:.2f} s, {result['department_bytes'] / 1e6:.1f} MB"
    )
    print(f"peak memory:     {result['peak_kib'] / 1024:.0f} MB (the child process, VmHWM)")
    print(f"imports + open:  {result['imports_s']:.2f} s (not counted above)")
    print(f"files in:        {work}")


if __name__ == "__main__":
    main()
