"""Province scale on a database server (issue 18): 90 counties' aggregates and 1,000,000 ledger
entries; 首页, the ranking, the county report and a unit's package import, timed.

Run (PostgreSQL; the database named in the URL is created on the server if missing):
  uv run python bench/province_bench.py \\
      --db "postgresql+psycopg://postgres@/bangjiao_province?host=/tmp/pg-bench&port=55447" \\
      --workdir /tmp/province-bench --reuse
and on SQLite for comparison:
  uv run python bench/province_bench.py --db /tmp/province-bench/province.db \\
      --workdir /tmp/province-bench --reuse
Options: --entries 1000000 --counties 90 --package-entries 20000 --runs 5 --import-runs 3.

The fill (once; ``--reuse`` keeps it when the database already holds it, the marker is
``<workdir>/<name>.json``): a county database from the qingtian-2018 template (unit 县矫正办);
--entries ledger entries over the county's departments and judicial offices
(``bench/generate_ledger.entry_batches``: realistic kinds, form values, dates), written by the
fastest bulk path of the dialect — psycopg ``COPY … FROM STDIN`` on PostgreSQL, SQLAlchemy Core
executemany on SQLite (FACTS.md); then --counties county offices (the template's county and
89 more under the 市矫正办) each with its 县级汇总 (``AggregateReport``: the figures of
``aggregate.aggregate_figures``, scaled per county) and its 全县总结 (``CountySummary``): what a
city or province office receives. A unit database (法律援助中心, SQLite) gets --package-entries
entries and 300 subjects of its own (``bench/exchange_bench.fill_unit``) and exports its full
package to 县矫正办 once.

Timed (medians of --runs after one warm-up, each in its own session; the 1-minute load
average of the machine is printed with each figure, as the machine is shared):
  首页             ``dashboard.home_data`` (every figure 首页 shows, its 待办与逾期 list)
  排名             ``assessment.department_scores`` (the ranking on 考核与通报)
  县级汇总报告 PDF  ``summary_reports.county_summary_pdf`` (figures, ranking, PDF bytes)
  县级汇总数据      ``aggregate.aggregate_figures`` (the county's figures for the city)
  90 县汇总列表     ``aggregate.latest_aggregates`` with every county's figures read
  导入             ``exchange.import_package`` of the unit's package into a fresh copy of the
                   filled database (PostgreSQL: ``CREATE DATABASE … TEMPLATE``; SQLite: the
                   backup API), --import-runs times.
  floor            the raw floor: exactly the rows that import wrote (every table, same
                   columns and values, ids assigned by the database) inserted into another
                   fresh copy by the fastest plain bulk path — psycopg ``COPY FROM STDIN`` per
                   table (PostgreSQL), sqlite3 ``executemany`` (SQLite, WAL, synchronous=NORMAL,
                   foreign keys on) — in one transaction with every index and constraint of
                   the schema in place. The import is checked to stay within 3× of it.
Beside each median wall time: "CPU", the CPU time per run of this process plus every process
of the PostgreSQL cluster when it runs on this machine (``/proc``), i.e. what the work costs on
a quiet machine where client and server take turns; the machine is shared (load averages of
10 on 2 cores were usual), so wall times swell and CPU time is the figure to compare.
Goals (issue 18): 首页 and 排名 < 200 ms, the county report < 10 s, the import ≤ 3× the floor.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import generate_ledger as gen  # noqa: E402
from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402

from app.models import (  # noqa: E402
    AggregateReport,
    CountySummary,
    LedgerEntry,
    Programme,
    Unit,
    UnitKind,
)
from app.services.database import Database, open_database  # noqa: E402

AS_OF = date(2018, 9, 30)
COUNTY = "县矫正办"
UNIT = "法律援助中心"
PAGE_AIM_MS = 200.0
REPORT_AIM_S = 10.0
IMPORT_AIM = 3.0
SECTIONS_TEXT = (
    "全年共组织集中教育和法治宣传活动，结对部门与司法所联系紧密，社区矫正对象无重新违法犯罪。"
)


def load() -> float:
    """The machine's 1-minute load average (other helpers share it)."""
    return os.getloadavg()[0]


def is_server(db: str) -> bool:
    """A URL of a database server (anything but a SQLite file)."""
    return "://" in db and not db.startswith("sqlite")


# ---------------------------------------------------------------- databases and copies


class Target:
    """The filled database and its fresh copies, on PostgreSQL or SQLite."""

    def __init__(self, db: str, work: Path) -> None:
        self.db, self.work = db, work
        self.server = is_server(db)
        if self.server:
            url = make_url(db)
            self.name = url.database or "bangjiao_province"
            self._admin_url = url.set(database="postgres")
        else:
            self.name = Path(db).stem

    def url(self, name: str | None = None) -> str:
        """The URL (or file) of the filled database, or of its copy ``name``."""
        if not self.server:
            return self.db if name is None else str(self.work / "copies" / name / f"{name}.db")
        return make_url(self.db).set(database=name or self.name).render_as_string(False)

    def _admin(self) -> Engine:
        return create_engine(self._admin_url, isolation_level="AUTOCOMMIT")

    def exists(self) -> bool:
        """Whether the filled database exists."""
        if not self.server:
            return Path(self.db).exists()
        admin = self._admin()
        try:
            with admin.connect() as conn:
                found = conn.execute(
                    text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": self.name}
                ).first()
        finally:
            admin.dispose()
        return found is not None

    def drop(self, name: str | None = None) -> None:
        """Remove the filled database (or a copy)."""
        if not self.server:
            path = Path(self.url(name))
            shutil.rmtree(path.parent, ignore_errors=True) if name else path.unlink(True)
            for suffix in ("-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            return
        admin = self._admin()
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name or self.name}" WITH (FORCE)')
        finally:
            admin.dispose()

    def create_empty(self) -> None:
        """An empty database to fill (PostgreSQL only; SQLite makes its file itself)."""
        if self.server:
            admin = self._admin()
            try:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
            finally:
                admin.dispose()

    def copy(self, name: str) -> str:
        """A fresh copy of the filled database as ``name``; its URL (or file)."""
        self.drop(name)
        if self.server:
            admin = self._admin()
            try:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"')
            finally:
                admin.dispose()
            return self.url(name)
        target = Path(self.url(name))
        target.parent.mkdir(parents=True, exist_ok=True)
        src, dst = sqlite3.connect(self.db), sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
        return str(target)


def analyse(database: Database) -> None:
    """Fresh planner statistics after the bulk fill (PostgreSQL's autovacuum would get there
    later; SQLite's ANALYZE is what ``optimize`` would run)."""
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(
            "VACUUM ANALYZE" if database.engine.dialect.name != "sqlite" else "ANALYZE"
        )


# ---------------------------------------------------------------- the fill


def _copy_rows(conn: Any, table: str, columns: list[str], rows: Iterable[tuple]) -> None:
    """psycopg COPY FROM STDIN of ``rows`` into ``table`` (``conn``: a DBAPI connection)."""
    names = ", ".join(f'"{c}"' for c in columns)
    with conn.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


def _plain(value: Any) -> Any:
    """A Python value as COPY takes it (JSON columns as their text)."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def fill_entries(database: Database, entries: int, seed: int) -> tuple[float, float]:
    """``entries`` generated ledger entries by the dialect's bulk path; (build s, insert s)."""
    with database.session() as session:
        ref = gen.Reference(session, 2018)
        first_id = (session.scalar(select(func.max(LedgerEntry.id))) or 0) + 1
        session.expunge_all()
    rng = random.Random(f"province:{seed}")  # not the unit's (fill_unit): other uuids
    build_s = insert_s = 0.0
    server = database.engine.dialect.name != "sqlite"
    columns = [c.name for c in LedgerEntry.__table__.columns]
    with database.engine.begin() as conn:
        subjects, _created = gen.make_subjects(conn, ref, rng, datetime.now(UTC))
        mark = time.perf_counter()
        for batch in gen.entry_batches(ref, entries, first_id, 2018, subjects, rng):
            made = time.perf_counter()
            build_s += made - mark
            if server:
                raw = conn.connection.driver_connection
                _copy_rows(raw, "ledger_entries", columns,
                           (tuple(_plain(r[c]) for c in columns) for r in batch))  # fmt: skip
            else:
                conn.execute(insert(LedgerEntry.__table__), batch)
            mark = time.perf_counter()
            insert_s += mark - made
        if server:  # ids were given: move the sequence past them
            conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('ledger_entries', 'id'), "
                "(SELECT max(id) FROM ledger_entries))"
            )
        commit = time.perf_counter()
    insert_s += time.perf_counter() - commit
    return build_s, insert_s


def fill_counties(database: Database, counties: int, seed: int) -> int:
    """The template's county and ``counties - 1`` more county offices, each with a 县级汇总
    and a 全县总结; returns how many aggregates the database holds."""
    from app.services.aggregate import aggregate_figures, refresh_aggregate
    from app.services.settings import local_unit

    rng = random.Random(f"counties:{seed}")
    now = datetime.now(UTC)
    with database.session() as session:
        me = local_unit(session)
        assert me is not None
        city = me.parent_id
        programme = session.scalar(select(Programme).where(Programme.deleted.is_(False)))
        assert programme is not None
        refresh_aggregate(session, me, AS_OF)  # the county's own, through the app
        session.add(CountySummary(programme_id=programme.id, phase_id=None, owner_unit_id=me.id,
                                  sections={"基本情况": SECTIONS_TEXT}))  # fmt: skip
        session.commit()
        base = aggregate_figures(session, programme.id, AS_OF)
        programme_id = programme.id
        top = session.scalar(select(func.max(Unit.sort_order))) or 0
    with database.engine.begin() as conn:
        unit_rows = [
            {"uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "created_at": now,
             "updated_at": now, "revision": 1, "deleted": False, "owner_unit_id": None,
             "name": f"浙江省第{n:02d}县矫正办", "kind": UnitKind.COUNTY_OFFICE.value,
             "parent_id": city, "sort_order": top + n}
            for n in range(2, counties + 1)
        ]  # fmt: skip
        if unit_rows:
            conn.execute(insert(Unit.__table__), unit_rows)
        ids = list(
            conn.scalars(
                select(Unit.id).where(Unit.name.like("浙江省第%县矫正办")).order_by(Unit.id)
            )
        )
        reports, summaries = [], []
        for unit_id in ids:
            scale = rng.uniform(0.5, 1.8)
            figures = json.loads(json.dumps(base))
            for row in figures["units"]:
                for key in ("entries", "subjects_served", "pairing_visits", "photos"):
                    row[key] = int(row[key] * scale)
            figures["totals"] = {k: int(v * scale) for k, v in base["totals"].items()}
            stamp = {"uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                     "created_at": now, "updated_at": now, "revision": 1, "deleted": False,
                     "owner_unit_id": unit_id, "programme_id": programme_id}  # fmt: skip
            reports.append({**stamp, "as_of": AS_OF, "title": "汇总", "figures": figures})
            summaries.append({**stamp, "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                              "phase_id": None, "sections": {"基本情况": SECTIONS_TEXT}})  # fmt: skip
        if reports:
            conn.execute(insert(AggregateReport.__table__), reports)
            conn.execute(insert(CountySummary.__table__), summaries)
        return conn.scalar(select(func.count()).select_from(AggregateReport)) or 0


def prepare_unit(work: Path, name: str, county: Database, package_entries: int, seed: int) -> Path:
    """The unit's SQLite database (registered with the county ``name`` both ways: each filled
    database has its own), filled and exported once; the package's path."""
    import exchange_bench as xb

    from app.services.setup import initialise
    from app.sync import identity
    from app.sync.exchange import export_package

    folder = work / f"{name}-unit"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    unit = initialise(str(folder / "unit.db"), gen.TEMPLATE, UNIT).database
    try:
        with county.session() as c, unit.session() as u:
            identity.register_peer(c, xb.unit_uuid(c, UNIT), identity.key_pairs(u).public())
            identity.register_peer(u, xb.unit_uuid(u, COUNTY), identity.key_pairs(c).public())
        xb.fill_unit(unit, package_entries, 0, seed)
        package = work / f"{name}-unit-to-county.bjpkg"
        export_package(unit, COUNTY, package, full=True)
    finally:
        unit.close()
    return package


def prepare(args: argparse.Namespace, target: Target) -> dict[str, Any]:
    """The filled database and the unit's package, made once (``--reuse`` keeps them)."""
    from app.services.setup import initialise

    marker = args.workdir / f"{target.name}.json"
    wanted = {"db": args.db, "entries": args.entries, "counties": args.counties,
              "package_entries": args.package_entries, "seed": args.seed}  # fmt: skip
    if args.reuse and marker.exists() and target.exists():
        info = json.loads(marker.read_text())
        if {k: info.get(k) for k in wanted} == wanted and Path(info["package"]).exists():
            upgraded = open_database(target.url())  # a fill from an older schema: bring it up
            upgraded.close()
            if upgraded.backup_path is not None:
                upgraded.backup_path.unlink(missing_ok=True)
            info["reused"] = True
            return info
    marker.unlink(missing_ok=True)
    target.drop()
    target.create_empty()
    started = time.perf_counter()
    database = initialise(target.url(), gen.TEMPLATE, COUNTY).database
    try:
        build_s, insert_s = fill_entries(database, args.entries, args.seed)
        aggregates = fill_counties(database, args.counties, args.seed)
        package = prepare_unit(args.workdir, target.name, database, args.package_entries, args.seed)
        analyse(database)
    finally:
        database.close()
    info = {**wanted, "package": str(package), "build_s": build_s, "insert_s": insert_s,
            "aggregates": aggregates, "fill_s": time.perf_counter() - started}  # fmt: skip
    marker.write_text(json.dumps(info, ensure_ascii=False))
    info["reused"] = False
    return info


# ---------------------------------------------------------------- timing


class CpuMeter:
    """CPU seconds used so far by this process and, for a server on this machine, by every
    process of the PostgreSQL cluster (its backends, WAL writer, checkpointer, and those that
    exited, through the postmaster's children's time). The machine is
    shared, so wall times swell with the load; CPU time per call is what the work costs on a
    quiet machine, where client and server take turns (``/proc``, Linux; 10 ms ticks, so it
    is summed over the runs)."""

    def __init__(self, database: Database | None = None) -> None:
        self.postmaster: int | None = None
        if database is not None and database.engine.dialect.name == "postgresql":
            with database.engine.connect() as conn:
                backend = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
            stat = self._stat(backend)
            self.postmaster = int(stat[1]) if stat else None

    @staticmethod
    def _stat(pid: int | str) -> list[str] | None:
        try:
            raw = Path(f"/proc/{pid}/stat").read_text()
        except OSError:  # not on this machine, or gone
            return None
        return raw[raw.rindex(")") + 2 :].split()

    def read(self) -> float:
        """CPU seconds so far."""
        own = os.times()
        spent = own.user + own.system
        if self.postmaster is None:
            return spent
        tick = os.sysconf("SC_CLK_TCK")
        # the postmaster's own time and its reaped children's (cutime, cstime): a backend or
        # parallel worker that exits moves its time there, so the total never goes back
        postmaster = self._stat(self.postmaster)
        if postmaster is not None:
            spent += sum(int(v) for v in postmaster[11:15]) / tick
        for entry in Path("/proc").iterdir():
            stat = self._stat(entry.name) if entry.name.isdigit() else None
            if stat is not None and int(stat[1]) == self.postmaster:
                spent += (int(stat[11]) + int(stat[12])) / tick
        return spent


class Measured:
    """Wall milliseconds of each run, CPU milliseconds per run, the mean load average."""

    def __init__(self, times_ms: list[float], cpu_ms: float, load_avg: float) -> None:
        self.times_ms, self.cpu_ms, self.load_avg = times_ms, cpu_ms, load_avg

    @property
    def median(self) -> float:
        """The median wall time, ms."""
        return statistics.median(self.times_ms)


class Figures:
    """The printed table: what, goal, median, max, CPU per run, load average."""

    def __init__(self) -> None:
        self.rows: list[list[str]] = []

    def add(self, what: str, goal: str, found: Measured, met: bool | None) -> None:
        """One figure and whether its goal is met (None: no goal)."""
        verdict = "" if met is None else ("met" if met else "NOT met")
        row = [what, goal, f"{found.median:,.1f} ms", f"{max(found.times_ms):,.1f} ms",
               f"{found.cpu_ms:,.0f} ms", f"{found.load_avg:.2f}", verdict]  # fmt: skip
        self.rows.append(row)
        print(f"  {what:<34} median {row[2]:>12}  max {row[3]:>12}  CPU {row[4]:>9}  "
              f"load {row[5]}  {verdict}")  # fmt: skip

    def table(self) -> str:
        """The figures as a Markdown table."""
        lines = ["| figure | goal | median | max | CPU (client + server) | load avg | |",
                 "|---|---|---|---|---|---|---|"]  # fmt: skip
        lines += ["| " + " | ".join(r) + " |" for r in self.rows]
        return "\n".join(lines)


def timed(runs: int, work: Callable[[], object], meter: CpuMeter) -> Measured:
    """``runs`` calls after one warm-up: wall times, CPU per call, load average meanwhile."""
    work()
    times, loads = [], []
    cpu = 0.0
    for _ in range(runs):
        cpu -= meter.read()
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
        cpu += meter.read()
        loads.append(load())
    return Measured(times, cpu * 1000 / runs, sum(loads) / len(loads))


def time_pages(args: argparse.Namespace, target: Target, figures: Figures) -> None:
    """首页, the ranking, the county report, the aggregates."""
    from app.services.aggregate import aggregate_figures, latest_aggregates
    from app.services.assessment import department_scores
    from app.services.dashboard import home_data
    from app.services.settings import current_programme
    from app.services.summary_reports import county_summary_pdf

    database = open_database(target.url())
    try:
        with database.session() as session:
            programme = current_programme(session)
            assert programme is not None
            programme_id = programme.id
            entries = session.scalar(select(func.count()).select_from(LedgerEntry))
        print(f"{entries:,} ledger entries; as of {AS_OF}")

        def home() -> None:
            with database.session() as session:
                home_data(session, programme_id, AS_OF)

        def ranking() -> None:
            with database.session() as session:
                department_scores(session, programme_id, AS_OF)

        def aggregate() -> None:
            with database.session() as session:
                aggregate_figures(session, programme_id, AS_OF)

        def aggregates() -> None:
            with database.session() as session:
                found = latest_aggregates(session)
                assert sum(len(a.figures["units"]) for a in found) > 0

        pdf_size = 0

        def report() -> None:
            nonlocal pdf_size
            pdf_size = len(county_summary_pdf(database, programme_id, None, AS_OF))

        meter = CpuMeter(database)
        found = timed(args.runs, home, meter)
        figures.add("首页 (home_data)", "< 200 ms", found, found.median < PAGE_AIM_MS)
        found = timed(args.runs, ranking, meter)
        figures.add("排名 (department_scores)", "< 200 ms", found, found.median < PAGE_AIM_MS)
        found = timed(max(1, args.runs // 2), report, meter)
        figures.add(f"县级汇总报告 PDF ({pdf_size // 1024} KB)", "< 10 s", found,
                    found.median < REPORT_AIM_S * 1000)  # fmt: skip
        found = timed(args.runs, aggregate, meter)
        figures.add("县级汇总数据 (aggregate_figures)", "—", found, None)
        found = timed(args.runs, aggregates, meter)
        figures.add(f"{args.counties} 县汇总列表 (latest_aggregates)", "—", found, None)
    finally:
        database.close()


def _written_rows(target: Target, imported: str) -> dict[str, tuple[list[str], list[tuple]]]:
    """Per travelling table: the columns (all but id) and the rows the import wrote (ids above
    those of the filled database), as stored, in id order."""
    from app.sync.records import travelling_tables

    before, after = open_database(target.url()), open_database(imported)
    rows: dict[str, tuple[list[str], list[tuple]]] = {}
    try:
        with before.engine.connect() as b, after.engine.connect() as a:
            for table in travelling_tables():
                first = b.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
                columns = [c.name for c in table.columns if c.name != "id"]
                names = ", ".join(f'"{c}"' for c in columns)
                found = a.exec_driver_sql(
                    f'SELECT {names} FROM "{table.name}" WHERE id > {int(first)} ORDER BY id'
                ).fetchall()
                if found:
                    rows[table.name] = (columns, [tuple(r) for r in found])
    finally:
        before.close()
        after.close()
    return rows


def floor_insert(
    target: Target, url: str, rows: dict[str, tuple[list[str], list[tuple]]], meter: CpuMeter
) -> dict[str, float]:
    """The raw floor: every row inserted by the plain bulk path, one transaction; seconds per
    table and in all (``"all"``, commit included), CPU seconds (``"cpu"``)."""
    seconds: dict[str, float] = {}
    if target.server:
        import psycopg

        conn = psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(False))
        try:
            cpu = meter.read()
            started = time.perf_counter()
            with conn.transaction():
                for table, (columns, found) in rows.items():
                    mark = time.perf_counter()
                    _copy_rows(conn, table, columns, ([_plain(v) for v in r] for r in found))
                    seconds[table] = time.perf_counter() - mark
            seconds["all"] = time.perf_counter() - started
            seconds["cpu"] = meter.read() - cpu
        finally:
            conn.close()
        return seconds
    conn = sqlite3.connect(url, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        cpu = meter.read()
        started = time.perf_counter()
        conn.execute("BEGIN")
        for table, (columns, found) in rows.items():
            mark = time.perf_counter()
            names = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" for _ in columns)
            conn.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', found)
            seconds[table] = time.perf_counter() - mark
        conn.execute("COMMIT")
        seconds["all"] = time.perf_counter() - started
        seconds["cpu"] = meter.read() - cpu
    finally:
        conn.close()
    return seconds


def time_import(args: argparse.Namespace, target: Target, package: Path, figures: Figures) -> None:
    """The unit's package into fresh copies, against the raw floor of the same rows."""
    from app.sync.exchange import import_package

    base = open_database(target.url())
    meter = CpuMeter(base)
    base.close()
    imports: list[float] = []
    floors: list[float] = []
    ledger_floor: list[float] = []
    loads: list[float] = []
    cpu = {"import": 0.0, "floor": 0.0}
    rows: dict[str, tuple[list[str], list[tuple]]] = {}
    for run in range(args.import_runs):
        url = target.copy(f"{target.name}_import")
        database = open_database(url)
        try:
            before = meter.read()
            started = time.perf_counter()
            summary = import_package(database, package)
            imports.append((time.perf_counter() - started) * 1000)
            cpu["import"] += meter.read() - before
        finally:
            database.close()
        loads.append(load())
        if run == 0:
            rows = _written_rows(target, url)
            print(f"  import wrote {', '.join(f'{t} {len(r[1]):,}' for t, r in rows.items())} "
                  f"(created {summary.created})")  # fmt: skip
        spent = floor_insert(target, target.copy(f"{target.name}_floor"), rows, meter)
        floors.append(spent["all"] * 1000)
        ledger_floor.append(spent.get("ledger_entries", 0.0) * 1000)
        cpu["floor"] += spent["cpu"]
        loads.append(load())
        print(f"  run {run + 1}: import {imports[-1]:,.0f} ms, floor {floors[-1]:,.0f} ms "
              f"(ledger_entries {ledger_floor[-1]:,.0f} ms), load {loads[-1]:.2f}")  # fmt: skip
    target.drop(f"{target.name}_import")
    target.drop(f"{target.name}_floor")
    avg = sum(loads) / len(loads)
    n = args.import_runs
    found = Measured(imports, cpu["import"] * 1000 / n, avg)
    floor = Measured(floors, cpu["floor"] * 1000 / n, avg)
    ratio = found.median / floor.median
    cpu_ratio = found.cpu_ms / floor.cpu_ms if floor.cpu_ms else 0.0
    figures.add(f"导入 {args.package_entries:,} 条的单位数据包", "≤ 3× floor", found,
                ratio <= IMPORT_AIM)  # fmt: skip
    figures.add("floor (same rows, plain bulk path)", "—", floor, None)
    figures.add("floor, ledger_entries only", "—", Measured(ledger_floor, 0.0, avg), None)
    figures.rows[-1][4] = "—"
    figures.rows[-3][-1] = f"{ratio:.2f}× floor (CPU {cpu_ratio:.2f}×): " + figures.rows[-3][-1]
    print(f"  import / floor = {ratio:.2f}× wall, {cpu_ratio:.2f}× CPU (aim ≤ {IMPORT_AIM:.0f}×: "
          f"{'met' if ratio <= IMPORT_AIM else 'NOT met'}); import / ledger_entries floor = "
          f"{found.median / statistics.median(ledger_floor):.2f}×")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="postgresql+psycopg://… URL or a SQLite file")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/province-bench"))
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--counties", type=int, default=90)
    parser.add_argument("--package-entries", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--import-runs", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep a fill of the same size")
    parser.add_argument("--skip", choices=("pages", "import"), action="append", default=[])
    args = parser.parse_args(argv)
    args.workdir = args.workdir.resolve()
    args.workdir.mkdir(parents=True, exist_ok=True)
    # the photo store of a server database is in the user's data folder: keep it in workdir
    os.environ["XDG_DATA_HOME"] = str(args.workdir / "user-data")
    target = Target(args.db, args.workdir)
    total = time.perf_counter()
    print(f"{'PostgreSQL' if target.server else 'SQLite'} {target.name}; load {load():.2f}")
    info = prepare(args, target)
    if info["reused"]:
        print("fill reused")
    else:
        print(f"filled in {info['fill_s']:.0f} s: {args.entries:,} entries (building rows "
              f"{info['build_s']:.0f} s, bulk insert {info['insert_s']:.0f} s = "
              f"{args.entries / max(info['insert_s'], 1e-9):,.0f} rows/s), "
              f"{info['aggregates']} aggregates, a {args.package_entries:,}-entry package")  # fmt: skip
    figures = Figures()
    if "pages" not in args.skip:
        time_pages(args, target, figures)
    if "import" not in args.skip:
        time_import(args, target, Path(info["package"]), figures)
    print()
    print(figures.table())
    print(f"benchmark took {time.perf_counter() - total:.0f} s")


if __name__ == "__main__":
    main()
