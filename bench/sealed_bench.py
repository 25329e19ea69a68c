"""Encryption at rest at 100,000 ledger entries: encrypting a database in place, a login's key
derivation and unlock, and the ledger's pages with the subjects' names sealed.

Run: uv run python bench/sealed_bench.py [--db FILE] [--repeats 7]

Without --db a temporary database (100,000 entries, 300 subjects: bench/generate_ledger.py) is
made in clear, as a database from before encryption, and removed at the end; with --db an
existing file in clear (generated there if missing) is encrypted in place (a copy of it is kept untouched beside it as
FILE.plain.db for another run). Figures are medians of --repeats calls, each in a fresh session
(time.perf_counter, after one warm-up). The ledger page is the page the 工作台账 list reads:
200 rows of ids first, then only those rows (their subjects' names and numbers decrypted).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate_ledger as gen
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from app.models import CorrectionSubject, LedgerEntry
from app.models.sealed import DataKey, key_state
from app.services import accounts, ledger
from app.services.database import Database, open_database
from app.services.ledger import LedgerFilter

AIM_PAGE_MS = 100.0
AIM_LOGIN_S = 0.5
ADMIN, PASSWORD = "admin", "bench-password-1"

_decrypted = [0]


def _count_decryptions() -> None:
    """Count the values opened (DataKey.open_text), to show only the page's rows are."""
    original = DataKey.open_text

    def counting(self: DataKey, sealed: str, purpose: str) -> str:
        _decrypted[0] += 1
        return original(self, sealed, purpose)

    DataKey.open_text = counting  # type: ignore[method-assign]


def _median_ms(database: Database, work: Callable[..., object], repeats: int) -> float:
    with database.session() as s:
        work(s)
    times = []
    for _ in range(repeats):
        with database.session() as s:
            start = time.perf_counter()
            work(s)
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    temp = None
    if args.db is None:
        temp = Path(tempfile.mkdtemp(prefix="sealed-bench-"))
        path = temp / "ledger.db"
        print("generating 100,000 entries in clear …", flush=True)
        gen.generate_ledger(path, 100_000)
    else:
        path = args.db
        plain = path.with_suffix(".plain.db")
        if not path.exists() and not plain.exists():
            print("generating 100,000 entries in clear …", flush=True)
            gen.generate_ledger(path, 100_000)
        if plain.exists():
            shutil.copy(plain, path)
        else:
            shutil.copy(path, plain)
    try:
        database = open_database(str(path))
        with database.session() as s:
            entries = s.scalar(select(func.count()).select_from(LedgerEntry))
            subjects = s.scalar(select(func.count()).select_from(CorrectionSubject))
        size = path.stat().st_size / 1e6
        print(f"database: {entries:,} entries, {subjects} subjects, {size:.0f} MB")

        start = time.perf_counter()
        with database.session() as s:
            accounts.create_first_admin(s, ADMIN, PASSWORD)
        print(
            f"encrypting in place (first 管理员, seal, VACUUM): {time.perf_counter() - start:.2f} s"
        )
        database.close()

        logins = []
        for _ in range(args.repeats):
            database = open_database(str(path))
            start = time.perf_counter()
            with database.session() as s:
                database.actor = accounts.authenticate(s, ADMIN, PASSWORD)
            logins.append(time.perf_counter() - start)
            assert isinstance(key_state(database.engine), DataKey)
            database.close()
        login = statistics.median(logins)
        verdict = "ok" if login <= AIM_LOGIN_S else "OVER"
        print(f"login (scrypt N=2^15 + unwrap + audit line): median {login * 1000:.0f} ms "
              f"(aim ≤ {AIM_LOGIN_S * 1000:.0f} ms) {verdict}")  # fmt: skip

        database = open_database(str(path))
        with database.session() as s:
            database.actor = accounts.authenticate(s, ADMIN, PASSWORD)
        _count_decryptions()
        statements = [0]

        @event.listens_for(Engine, "before_cursor_execute")
        def _count(*_args: object) -> None:
            statements[0] += 1

        everything = LedgerFilter()
        cases: list[tuple[str, Callable[..., object]]] = [
            ("page 1 by date", lambda s: ledger.list_entries(s, everything)),
            ("page at offset 50,000 by date",
             lambda s: ledger.list_entries(s, everything, offset=50_000)),
            ("page 1 by subject (names put in order here)",
             lambda s: ledger.list_entries(s, everything, "subject", False)),
            ("page at offset 50,000 by subject",
             lambda s: ledger.list_entries(s, everything, "subject", False, offset=50_000)),
            ("page 1 by title", lambda s: ledger.list_entries(s, everything, "title", False)),
        ]  # fmt: skip
        for label, work in cases:
            ms = _median_ms(database, work, args.repeats)
            _decrypted[0] = 0
            with database.session() as s:
                rows = work(s)
            opened = _decrypted[0]
            verdict = "ok" if ms < AIM_PAGE_MS else "OVER"
            print(f"{label}: median {ms:.1f} ms, {len(rows)} rows, "  # type: ignore[arg-type]
                  f"{opened} values decrypted (aim < {AIM_PAGE_MS:.0f} ms) {verdict}")  # fmt: skip
        database.close()
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    main()
