"""Backup and restore at scale: time and size for a county database with photos.

Run: uv run python bench/backup_bench.py [--entries 20000] [--photos 200] [--workdir DIR]

A county database (县矫正办, qingtian-2018) is filled by bench/generate_ledger.py with
--entries ledger entries and --photos camera-like JPEGs (≈ 300–550 KB each) in the real photo
store. Then, each timed on its own:
  key      scrypt of the 备份密码 (once when the password is set; automatic backups reuse it)
  backup   write_backup: the database by SQLite's backup API, gzip of the database, the
           originals, sealed with AES-256-GCM, then the check after writing (decrypt, integrity
           check, counts, every photo's SHA-256) and the move into place
  check    read_backup alone (what the check after writing costs)
  restore  restore_backup onto a new PC's empty folder (checks, upgrade if needed, photos,
           database, new exchange identity)
Sizes: the database, the originals (the reduced/thumbnail copies are not backed up), and
the backup file. --workdir keeps the filled database for the next run.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from app.services.attachments import store_for
from app.services.backup.archive import read_backup, write_backup
from app.services.backup.container import MasterKey, Secret
from app.services.backup.restore import restore_backup

PASSWORD = "bench-密码-2018"


def _mb(size: int) -> str:
    return f"{size / (1 << 20):8.1f} MB"


def _folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def run(workdir: Path, entries: int, photos: int) -> None:
    """Fill (or reuse) the database, then time key, backup, check and restore."""
    from generate_ledger import generate_ledger

    db = workdir / f"county-{entries}-{photos}.db"
    if not db.exists():
        started = time.perf_counter()
        generate_ledger(db, entries, photos)
        print(f"filled {db.name} in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    master = MasterKey.from_password(PASSWORD)
    key_s = time.perf_counter() - started
    out = workdir / "bench.bjbak"
    result = write_backup(db, store_for(db), out, master)
    started = time.perf_counter()
    read_backup(out, Secret(stored=master))
    check_s = time.perf_counter() - started
    target = workdir / "restored" / "bangjiao.db"
    shutil.rmtree(target.parent, ignore_errors=True)
    target.parent.mkdir()
    started = time.perf_counter()
    restore_backup(out, target, Secret(PASSWORD), master)
    restore_s = time.perf_counter() - started
    originals = _folder_size(store_for(db).root / "originals")
    database = db.stat().st_size
    print(f"entries {entries}, photos {len(result.manifest.attachments)}")
    print(f"database          {_mb(database)}")
    print(f"photo originals   {_mb(originals)}")
    print(
        f"backup file       {_mb(result.size)}  ({result.size / (database + originals):.0%} of both)"
    )
    print(f"key (scrypt)      {key_s:8.2f} s")
    print(
        f"backup (checked)  {result.seconds:8.2f} s  ({(database + originals) / (1 << 20) / result.seconds:.0f} MB/s of data)"
    )
    print(f"check alone       {check_s:8.2f} s")
    print(f"restore           {restore_s:8.2f} s")


def main(argv: list[str] | None = None) -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args(argv)
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        run(args.workdir, args.entries, args.photos)
        return
    with tempfile.TemporaryDirectory(prefix="backup-bench-") as work:
        run(Path(work), args.entries, args.photos)


if __name__ == "__main__":
    main()
