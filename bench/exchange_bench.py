"""Exchange packages at scale: export and import of a unit's ledger (issue 5).

Run: uv run python bench/exchange_bench.py [--entries 100000] [--photos 1000] [--workdir DIR]
     [--profile [--top N]]

Two databases from the qingtian-2018 template, as in tests/test_sync_exchange.py: the county
(县矫正办) and a unit (法律援助中心), each registered with the other's public keys. The unit's
database gets --entries ledger entries owned by the unit (kinds and form values from
bench/generate_ledger.py, so every entry passes its kind's form), 300 correction subjects
owned by the unit, --photos photos in the real attachment store, and a photo link for every
entry whose kind requires photos (the app refuses such an entry without one).

Then each step runs in its own process; "peak" is that process's high-water RSS (VmHWM),
"base" its RSS after imports and opening the database, before the step:
  export   export_package(unit, "县矫正办", full=True)
  dry run  import_package(county, dry_run=True)
  import   import_package(county), into a fresh copy of the county database; then, not in
           its time, the first look: thumbnails of 50 imported photos, which the store makes
           on demand (an import makes only the photos' print copies, after its commit:
           the phase "photos: print copies")
  floor    plain sqlite3: executemany of the very rows the import wrote to ledger_entries
           (same columns, same stored values, ids assigned by SQLite as in the import) into a
           copy of the county database as the import found it, in one transaction, WAL,
           synchronous=NORMAL and foreign keys on like the app; also every row of every table
           the import wrote ("floor, all rows"). The bench checks the rows come out identical.
Rates are records per second (every record in the package) and ledger entries per second.
Phases inside export and import are timed by wrapping the app's functions in the child
process (exclusive time; the app's code is not changed). --profile also runs the export and
the import under cProfile (the import into another fresh copy) and prints the top --top
functions by own and by cumulative time; the .prof files stay in the work folder.

--workdir keeps the databases and the package and reuses the filled unit database next time
(filling takes about a minute at 100,000 entries); without it a temporary folder is removed.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import hashlib
import io
import json
import pstats
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate_ledger as gen
from sqlalchemy import func, insert, select

from app.models import (
    Attachment,
    CorrectionSubject,
    EntryAttachment,
    LedgerEntry,
    Unit,
)
from app.services.database import Database, open_database

TEMPLATE = "qingtian-2018"
COUNTY = "县矫正办"
UNIT = "法律援助中心"
SUBJECTS = 300
IMPORT_AIM = 3.0  # import within 3× of the floor
MEMORY_AIM_MB = 300.0
FIRST_LOOK = 50  # photos whose thumbnails are made on demand after the import (a screenful)

# ---------------------------------------------------------------- helpers


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB.

    Linux: VmHWM of /proc/self/status, the high-water mark of this program's own memory.
    ru_maxrss is not used there: a child started by subprocess (vfork + exec) inherits the
    parent's peak in it, so every step would report at least the parent's size.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (WAL included) through the backup API."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def tree_size(path: Path) -> int:
    """Bytes of a file, or of every file under a folder."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


class Phases:
    """Exclusive seconds inside wrapped functions, by label (the app's code is left unchanged).

    A wrapped call made inside another one counts only for the inner label; a wrapped
    generator is timed item by item where it is consumed (streaming is kept).
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._stack: list[list[float]] = []  # [start, seconds spent in inner wrapped calls]

    def _enter(self) -> None:
        self._stack.append([time.perf_counter(), 0.0])

    def _leave(self, label: str) -> None:
        start, inner = self._stack.pop()
        elapsed = time.perf_counter() - start
        self.seconds[label] += elapsed - inner
        if self._stack:
            self._stack[-1][1] += elapsed

    def wrap(self, owner: Any, name: str, label: Callable[..., str], stream: bool = False) -> None:
        """Replace ``owner.name`` by a timed version; ``stream``: it returns an iterator."""
        original = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            key = label(*args, **kwargs)
            self._enter()
            try:
                result = original(*args, **kwargs)
            finally:
                self._leave(key)
            return self._timed_items(iter(result), key) if stream else result

        setattr(owner, name, timed)

    def _timed_items(self, items: Any, key: str) -> Any:
        while True:
            self._enter()
            try:
                item = next(items)
            except StopIteration:
                return
            finally:
                self._leave(key)
            yield item


# ---------------------------------------------------------------- set-up


def make_offices(work: Path) -> tuple[Path, Path]:
    """The county and unit databases from the template, each knowing the other's keys."""
    from app.services.setup import initialise
    from app.sync import identity

    county_file, unit_file = work / "county" / "county.db", work / "unit" / "unit.db"
    for f in (county_file, unit_file):
        shutil.rmtree(f.parent, ignore_errors=True)
        f.parent.mkdir(parents=True)
    county = initialise(str(county_file), TEMPLATE, COUNTY).database
    unit = initialise(str(unit_file), TEMPLATE, UNIT).database
    with county.session() as c, unit.session() as u:  # the registration, done by hand
        identity.register_peer(c, unit_uuid(c, UNIT), identity.key_pairs(u).public())
        identity.register_peer(u, unit_uuid(u, COUNTY), identity.key_pairs(c).public())
    county.close()
    unit.close()
    return county_file, unit_file


def unit_uuid(session, name: str) -> str:
    """The uuid of a unit by name."""
    return session.scalar(select(Unit.uuid).where(Unit.name == name))


def fill_unit(database: Database, entries: int, photos: int, seed: int) -> dict[str, Any]:
    """Entries, subjects, photos and photo links, all owned by the unit (Core inserts)."""
    start = time.perf_counter()
    now = datetime.now(UTC)
    rng = random.Random(seed)
    with database.session() as session:
        ref = gen.Reference(session, 2018)
        unit_id = session.scalar(select(Unit.id).where(Unit.name == UNIT))
        first_id = (session.scalar(select(func.max(LedgerEntry.id))) or 0) + 1
        session.expunge_all()
    # generate_ledger spreads entries over every unit: give it a world of this one unit
    mine = copy.copy(ref)
    mine.departments, mine.offices = [unit_id], []
    kinds, _ = ref.kind_mix(unit_id)
    office_fields = [f.name for k in kinds for f in ref.fields[k] if f.name in ("inspected", "office")]  # fmt: skip
    if office_fields:  # _field_value picks a judicial office for these: not with offices = []
        raise SystemExit(f"{UNIT}'s kinds have fields {office_fields}: adapt fill_unit")
    photo_kinds = {k.id for k in ref.kinds.values() if k.min_photos > 0}
    candidates: list[tuple[int, int, str]] = []
    categories = list(gen.CATEGORY_WEIGHTS)
    with database.engine.begin() as conn:
        subjects = [
            {
                "uuid": gen._uuid(rng),
                "created_at": now,
                "updated_at": now,
                "revision": 1,
                "deleted": False,
                "owner_unit_id": unit_id,  # recorded by the unit with its legal-aid cases
                "name": gen.person_name(rng),
                "category": rng.choices(categories, list(gen.CATEGORY_WEIGHTS.values()))[0],
                "id_number": gen.identity_number(rng) if rng.random() < 0.9 else "",
                "office_id": rng.choice(ref.offices),
            }
            for _ in range(SUBJECTS)
        ]
        conn.execute(insert(CorrectionSubject.__table__), subjects)
        subject_ids = list(
            conn.scalars(
                select(CorrectionSubject.id).where(CorrectionSubject.owner_unit_id == unit_id)
            )
        )
        for batch in gen.entry_batches(mine, entries, first_id, 2018, subject_ids, rng):
            conn.execute(insert(LedgerEntry.__table__), batch)
            candidates += [
                (r["id"], r["owner_unit_id"], r["title"])
                for r in batch
                if r["kind_id"] in photo_kinds
            ]
    stored = links = 0
    if photos and candidates:
        stored, links, _ = gen._add_photos(database, mine, photos, seed, candidates, rng)
    links += gen.link_every_photo_entry(database, seed)
    validated = gen.validate_sample(database, first_id, first_id + entries - 1) if entries else 0
    with database.session() as session:
        for model in (LedgerEntry, CorrectionSubject, Attachment, EntryAttachment):
            foreign = session.scalar(
                select(func.count()).select_from(model).where(model.owner_unit_id != unit_id)
            )
            assert not foreign, f"{model.__tablename__}: {foreign} rows not owned by {UNIT}"
    return {
        "entries": entries,
        "subjects": SUBJECTS,
        "photos": stored,
        "photo_links": links,
        "validated": validated,
        "seconds": time.perf_counter() - start,
    }


def prepare(work: Path, entries: int, photos: int, seed: int) -> dict[str, Any]:
    """Databases ready for the steps; reuses a filled unit database of the same size."""
    marker = work / "filled.json"
    wanted = {"entries": entries, "photos": photos, "seed": seed}
    if marker.exists():
        info = json.loads(marker.read_text())
        if {k: info.get(k) for k in wanted} == wanted and (work / "county-fresh.db").exists():
            for kept in (work / "unit" / "unit.db", work / "county-fresh.db"):
                upgraded = open_database(str(kept))  # a fill from an older schema: bring it up
                upgraded.close()
                if upgraded.backup_path is not None:
                    upgraded.backup_path.unlink(missing_ok=True)
            info["reused"] = True
            return info
    marker.unlink(missing_ok=True)
    county_file, unit_file = make_offices(work)
    unit = open_database(str(unit_file))
    try:
        info = fill_unit(unit, entries, photos, seed)
    finally:
        unit.close()
    copy_sqlite(county_file, work / "county-fresh.db")  # the county as every import finds it
    info.update(wanted, reused=False)
    marker.write_text(json.dumps(info))
    return info


def fresh_county(work: Path, name: str) -> Path:
    """A copy of the county database as it was before any import, in its own folder
    (so its photo store starts empty)."""
    folder = work / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    target = folder / "county.db"
    copy_sqlite(work / "county-fresh.db", target)
    return target


# ---------------------------------------------------------------- steps (in a child process)


def step_export(unit_file: Path, package: Path) -> dict[str, Any]:
    """Export everything the unit owns to the county."""
    from app.sync import exchange
    from app.sync.package import PackageWriter

    phases = Phases()
    phases.wrap(PackageWriter, "add_records", lambda _w, kind, _r: f"records/{kind}")
    phases.wrap(PackageWriter, "add_file", lambda *_a: "files (read, hash, deflate)")
    phases.wrap(PackageWriter, "close", lambda *_a: "manifest, signature")
    database = open_database(str(unit_file))
    base = peak_rss_mb()
    start = time.perf_counter()
    _, counts = exchange.export_package(database, COUNTY, package, full=True)
    seconds = time.perf_counter() - start
    database.close()
    return {"seconds": seconds, "counts": counts, "phases": phases.seconds,
            "base_mb": base, "peak_mb": peak_rss_mb()}  # fmt: skip


def _import_phases() -> Phases:
    from sqlalchemy.orm import Session

    from app.services import attachments
    from app.services.attachments import AttachmentStore
    from app.sync import exchange
    from app.sync.package import VerifiedPackage

    phases = Phases()
    phases.wrap(exchange, "_open_verified", lambda *_a: "verify (signature, hash every member)")
    phases.wrap(
        VerifiedPackage,
        "records",
        lambda _p, kind, *_keys: f"read + decrypt + parse {kind}",
        stream=True,
    )
    phases.wrap(exchange, "_apply_table", lambda _s, table, *_a: f"apply {table.name}")
    phases.wrap(VerifiedPackage, "extract_file", lambda *_a, **_k: "photos: extract")
    phases.wrap(AttachmentStore, "add_verified", lambda *_a: "photos: store")
    phases.wrap(AttachmentStore, "make_previews", lambda *_a: "photos: previews")
    phases.wrap(attachments, "make_print_copies", lambda *_a: "photos: print copies")
    phases.wrap(Session, "commit", lambda *_a: "commit")
    return phases


def step_import(county_file: Path, package: Path, dry_run: bool) -> dict[str, Any]:
    """Import the package (or only preview it)."""
    from app.sync import exchange

    phases = _import_phases()
    database = open_database(str(county_file))
    base = peak_rss_mb()
    start = time.perf_counter()
    summary = exchange.import_package(database, package, dry_run=dry_run)
    seconds = time.perf_counter() - start
    peak = peak_rss_mb()
    looked = first_look(database) if not dry_run else {}
    database.close()
    return {"seconds": seconds, "created": summary.created, "updated": summary.updated,
            "unchanged": summary.unchanged, "deleted": summary.deleted, "files": summary.files,
            "phases": phases.seconds, "base_mb": base, "peak_mb": peak, **looked}  # fmt: skip


def first_look(database: Database, photos: int = FIRST_LOOK) -> dict[str, Any]:
    """After the import (not timed with it): the first look at imported photos, which makes
    their thumbnails on demand, as the ledger list does for the rows on screen."""
    store = database.attachments
    with database.session() as session:
        shas = list(
            session.scalars(select(Attachment.sha256).order_by(Attachment.id).limit(photos))
        )
    start = time.perf_counter()
    made = sum(store.thumbnail_bytes(sha) is not None for sha in shas)
    return {"look_seconds": time.perf_counter() - start, "look_thumbs": made}


def step_profile(what: str, db_file: Path, package: Path, out: Path, top: int) -> dict[str, Any]:
    """Export or import under cProfile; the top functions by own and by cumulative time."""
    from app.sync import exchange

    database = open_database(str(db_file))
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    if what == "export":
        exchange.export_package(database, COUNTY, package, full=True)
    else:
        exchange.import_package(database, package)
    profiler.disable()
    seconds = time.perf_counter() - start
    database.close()
    profiler.dump_stats(out)
    text = io.StringIO()
    stats = pstats.Stats(str(out), stream=text).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return {"seconds": seconds, "text": text.getvalue()}


def _stored_rows(db: Path, fresh: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    """Per travelling table: the columns an import inserts (all but id) and the rows it wrote
    (those not in the fresh county database), exactly as stored, in insertion order."""
    from app.sync.records import travelling_tables

    before = sqlite3.connect(fresh)
    after = sqlite3.connect(db)
    rows: dict[str, tuple[list[str], list[tuple]]] = {}
    try:
        for table in travelling_tables():
            columns = [c.name for c in table.columns if c.name != "id"]
            first = before.execute(f'SELECT coalesce(max(id), 0) FROM "{table.name}"').fetchone()
            names = ", ".join(f'"{c}"' for c in columns)
            found = after.execute(
                f'SELECT {names} FROM "{table.name}" WHERE id > ? ORDER BY id', first
            ).fetchall()
            if found:
                rows[table.name] = (columns, found)
    finally:
        before.close()
        after.close()
    return rows


def _connect_like_the_app(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def _insert_all(conn: sqlite3.Connection, table: str, columns: list[str], rows: list) -> None:
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    conn.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)


def _digest(db: Path, table: str, first_id: int) -> str:
    conn = sqlite3.connect(db)
    try:
        digest = hashlib.sha256()
        for row in conn.execute(f'SELECT * FROM "{table}" WHERE id > ? ORDER BY id', (first_id,)):
            digest.update(repr(row).encode())
        return digest.hexdigest()
    finally:
        conn.close()


def step_floor(work: Path, imported: Path) -> dict[str, Any]:
    """Raw sqlite3 executemany of the rows the import wrote, into copies of the fresh county."""
    fresh = work / "county-fresh.db"
    rows = _stored_rows(imported, fresh)
    order = list(rows)
    result: dict[str, Any] = {"rows": {t: len(r[1]) for t, r in rows.items()}}
    base = peak_rss_mb()
    # (a) ledger_entries only: the tables before it (subjects, photos) are put in untimed
    floor_a = work / "floor" / "ledger.db"
    floor_a.parent.mkdir(exist_ok=True)
    copy_sqlite(fresh, floor_a)
    conn = _connect_like_the_app(floor_a)
    conn.execute("BEGIN")
    for table in order[: order.index("ledger_entries")]:
        _insert_all(conn, table, *rows[table])
    conn.execute("COMMIT")
    start = time.perf_counter()
    conn.execute("BEGIN")
    _insert_all(conn, "ledger_entries", *rows["ledger_entries"])
    conn.execute("COMMIT")
    result["ledger_seconds"] = time.perf_counter() - start
    conn.close()
    # (b) every row the import wrote, every table, one transaction
    floor_b = work / "floor" / "all.db"
    copy_sqlite(fresh, floor_b)
    conn = _connect_like_the_app(floor_b)
    start = time.perf_counter()
    conn.execute("BEGIN")
    for table in order:
        _insert_all(conn, table, *rows[table])
    conn.execute("COMMIT")
    result["all_seconds"] = time.perf_counter() - start
    conn.close()
    # the floor wrote exactly what the import wrote, ids included
    check = sqlite3.connect(fresh)
    firsts = {t: check.execute(f'SELECT coalesce(max(id), 0) FROM "{t}"').fetchone()[0] for t in order}  # fmt: skip
    check.close()
    result["identical"] = all(
        _digest(floor_b, t, firsts[t]) == _digest(imported, t, firsts[t]) for t in order
    ) and _digest(floor_a, "ledger_entries", firsts["ledger_entries"]) == _digest(
        imported, "ledger_entries", firsts["ledger_entries"]
    )
    result.update(base_mb=base, peak_mb=peak_rss_mb())
    return result


def child(argv: list[str]) -> None:
    """Run one step and print its result as JSON (the last line of output)."""
    step, raw = argv[0], json.loads(argv[1])
    p = {k: Path(v) for k, v in raw.items() if isinstance(v, str)}
    if step == "export":
        result = step_export(p["unit"], p["package"])
    elif step in ("dry-run", "import"):
        result = step_import(p["county"], p["package"], dry_run=step == "dry-run")
    elif step == "profile":
        result = step_profile(raw["what"], p["db"], p["package"], p["out"], raw["top"])
    elif step == "floor":
        result = step_floor(p["work"], p["county"])
    else:
        raise SystemExit(f"unknown step {step}")
    print(json.dumps(result, ensure_ascii=False))


def run_step(step: str, **args: Any) -> dict[str, Any]:
    """One step in a fresh interpreter; its JSON result."""
    raw = {k: str(v) if isinstance(v, Path) else v for k, v in args.items()}
    done = subprocess.run(
        [sys.executable, __file__, "--child", step, json.dumps(raw)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        print(done.stdout, done.stderr, sep="\n", file=sys.stderr)
        raise SystemExit(f"step {step} failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- report


def rate(count: int, seconds: float) -> str:
    """Rows per second, right-aligned."""
    return f"{count / seconds:>10,.0f}" if seconds else f"{'-':>10}"


def print_phases(phases: dict[str, float], total: float) -> None:
    """Where a step's time went."""
    for label, seconds in sorted(phases.items(), key=lambda kv: -kv[1]):
        if seconds >= 0.005:
            print(f"      {label:44} {seconds:8.2f} s  {100 * seconds / total:5.1f} %")
    rest = total - sum(phases.values())
    print(f"      {'(everything else)':44} {rest:8.2f} s  {100 * rest / total:5.1f} %")


def package_breakdown(package: Path) -> dict[str, tuple[int, int]]:
    """Compressed and uncompressed bytes by kind of member."""
    sizes: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    with zipfile.ZipFile(package) as archive:
        for info in archive.infolist():
            kind = info.filename.split("/", 1)[0] if "/" in info.filename else "manifest"
            sizes[kind][0] += info.compress_size
            sizes[kind][1] += info.file_size
    return {k: (v[0], v[1]) for k, v in sizes.items()}


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        child(argv[1:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--photos", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, help="keep the files here and reuse the fill")
    parser.add_argument("--profile", action="store_true", help="also profile export and import")
    parser.add_argument("--top", type=int, default=25, help="profile lines to print")
    args = parser.parse_args(argv)
    if args.entries < 1 or args.photos < 0:
        parser.error("--entries must be at least 1 and --photos at least 0")
    total_start = time.perf_counter()
    work = args.workdir.resolve() if args.workdir else Path(tempfile.mkdtemp(prefix="xbench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        print(f"work folder {work}; {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}")
        fill = prepare(work, args.entries, args.photos, args.seed)
        how = "reused" if fill["reused"] else f"filled in {fill['seconds']:.1f} s"
        print(
            f"unit database ({UNIT}): {fill['entries']:,} entries, {fill['subjects']} subjects, "
            f"{fill['photos']:,} photos, {fill['photo_links']:,} photo links — {how}; "
            f"{fill['validated']} sampled entries pass their forms"
        )
        unit_file = work / "unit" / "unit.db"
        package = work / "unit-to-county.bjpkg"

        export = run_step("export", unit=unit_file, package=package)
        county = fresh_county(work, "import")
        dry = run_step("dry-run", county=county, package=package)
        imported = run_step("import", county=county, package=package)
        floor = run_step("floor", work=work, county=county)

        records = sum(export["counts"].values())
        entries = export["counts"].get("ledger_entries", 0)
        print(f"\npackage: {records:,} records — " + ", ".join(f"{k} {v:,}" for k, v in export["counts"].items() if v))  # fmt: skip
        size = package.stat().st_size
        print(f"package size: {size / 1e6:,.1f} MB ({size:,} bytes)")
        for kind, (packed, plain) in sorted(package_breakdown(package).items()):
            print(f"  {kind:10} {packed / 1e6:9.1f} MB in the zip, {plain / 1e6:9.1f} MB unpacked")
        print(f"  photo store of the unit: {tree_size(unit_file.with_name('unit-files') / 'originals') / 1e6:,.1f} MB of originals")  # fmt: skip

        floor_s = floor["ledger_seconds"]
        print(f"\n{'step':22} {'seconds':>9} {'records/s':>10} {'entries/s':>10} {'base MB':>8} {'peak MB':>8}")  # fmt: skip
        print("-" * 72)
        for label, result in (("export", export), ("import, dry run", dry), ("import", imported)):
            s = result["seconds"]
            print(f"{label:22} {s:9.2f} {rate(records, s)} {rate(entries, s)} "
                  f"{result['base_mb']:8.0f} {result['peak_mb']:8.0f}")  # fmt: skip
        floor_rows = floor["rows"].get("ledger_entries", 0)
        all_rows = sum(floor["rows"].values())
        print(f"{'floor, ledger_entries':22} {floor_s:9.2f} {'':>10} {rate(floor_rows, floor_s)} "
              f"{floor['base_mb']:8.0f} {floor['peak_mb']:8.0f}")  # fmt: skip
        print(f"{'floor, all rows':22} {floor['all_seconds']:9.2f} {rate(all_rows, floor['all_seconds'])}")  # fmt: skip
        print(f"(floor: sqlite3 executemany, one transaction, WAL, synchronous=NORMAL, foreign keys on; "
              f"rows identical to the import's: {floor['identical']})")  # fmt: skip

        phases = imported["phases"]
        ledger_path = sum(v for k, v in phases.items() if k.startswith(("apply", "read")) and k.endswith(" ledger_entries"))  # fmt: skip
        photo_s = sum(v for k, v in phases.items() if k.startswith("photos:"))
        ratio = imported["seconds"] / floor_s
        print(f"\nimport / floor:                                   {ratio:6.1f}×   (aim ≤ {IMPORT_AIM:.0f}×: {'met' if ratio <= IMPORT_AIM else 'NOT met'})")  # fmt: skip
        print(f"ledger_entries read + parse + apply / floor:      {ledger_path / floor_s:6.1f}×")
        print(f"import without the photo phases / floor:          {(imported['seconds'] - photo_s) / floor_s:6.1f}×   ({photo_s:.1f} s of photos left out)")  # fmt: skip
        print(f"import / floor, all rows:                         {imported['seconds'] / floor['all_seconds']:6.1f}×")  # fmt: skip
        print(f"import without the photo phases / floor, all rows:{(imported['seconds'] - photo_s) / floor['all_seconds']:6.1f}×")  # fmt: skip
        peak = max(export["peak_mb"], dry["peak_mb"], imported["peak_mb"])
        print(f"highest peak RSS:                                 {peak:6.0f} MB (aim < {MEMORY_AIM_MB:.0f} MB: {'met' if peak < MEMORY_AIM_MB else 'NOT met'})")  # fmt: skip
        print(f"import result: created {imported['created']}, tombstones {imported['deleted']}, "
              f"photos stored {imported['files']}")  # fmt: skip
        if "look_seconds" in imported:
            print(f"first look after the import (not in its time): {imported['look_thumbs']} "
                  f"thumbnails made on demand in {imported['look_seconds']:.2f} s")  # fmt: skip

        for label, result in (("export", export), ("import, dry run", dry), ("import", imported)):
            print(f"\n  {label}, {result['seconds']:.2f} s:")
            print_phases(result["phases"], result["seconds"])

        if args.profile:
            runs = (("export", unit_file, work / "profile.bjpkg"),
                    ("import", fresh_county(work, "profile"), package))  # fmt: skip
            for what, db_file, path in runs:
                out = work / f"{what}.prof"
                found = run_step("profile", what=what, db=db_file, package=path, out=out, top=args.top)  # fmt: skip
                print(
                    f"\ncProfile of the {what} ({found['seconds']:.1f} s with the profiler; {out}):"
                )
                print(found["text"])
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
        print(f"benchmark took {time.perf_counter() - total_start:.0f} s")


if __name__ == "__main__":
    main()
