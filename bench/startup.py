"""Start-up time of the app against a bare PySide6 QMainWindow (median of N runs).

Run: uv run python bench/startup.py [--runs 7] [--db FILE] [--exe PATH]

Each run is a fresh process started the way a clerk starts the app (``main.py --db FILE``, or
with ``--exe`` a frozen binary: ``PATH --db FILE``), offscreen. The app is told, through the
environment variable ``BANGJIAO_STARTUP_PROBE=<file>`` (app/ui/application.py ``_probe``), to
append the moments below to that file and to quit once its data is ready; nothing else changes.
Times are from process spawn:

- shown: the main window painted;
- figures: 首页 painted from the snapshot of its last figures (marked 正在更新…); absent at a
  first start, and on the first run of each series, which writes the snapshot;
- ready: the database open and 首页 painted with its real figures.

Without ``--db`` a fresh database is made (``init``, no ledger entries); for the issue's figure
use one made by ``bench/generate_ledger.py --entries 100000``. Whether bytecode is cached
changes everything: the environment here sets PYTHONDONTWRITEBYTECODE=1 (FACTS.md), so run
once with ``env -u PYTHONDONTWRITEBYTECODE`` to write it, and say which way a figure was taken.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = "BANGJIAO_STARTUP_PROBE"

BARE = """
import time
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
w = QMainWindow(); w.resize(1200, 760); w.show(); app.processEvents()
print("shown", time.time())
"""


def _env() -> dict[str, str]:
    return dict(os.environ, QT_QPA_PLATFORM="offscreen")


def _bare() -> float:
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-c", BARE], capture_output=True, text=True, env=_env(), check=True
    )
    return float(out.stdout.split()[1]) - start


def _app(command: list[str], probe: Path) -> dict[str, float]:
    """One start of the app: the moments it reported, from spawn."""
    probe.unlink(missing_ok=True)
    env = dict(_env(), **{PROBE: str(probe)})
    start = time.time()
    try:
        subprocess.run(command, capture_output=True, env=env, check=True, timeout=60)
    except subprocess.TimeoutExpired:
        raise SystemExit(
            f"{command[0]} did not quit by itself within 60 s: a build from before {PROBE}?"
        ) from None
    moments = {}
    for line in probe.read_text(encoding="utf-8").splitlines():
        name, at = line.split()
        moments[name] = float(at) - start
    if "ready" not in moments:
        raise SystemExit(f"the app did not report ready: {moments}")
    return moments


def _median(runs: list[dict[str, float]], name: str) -> float | None:
    values = [r[name] for r in runs if name in r]
    return statistics.median(values) if values else None


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--db", type=Path, help="the database to open (default: a fresh one)")
    parser.add_argument("--exe", type=Path, help="a frozen build's binary, instead of main.py")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db.resolve() if args.db else Path(tmp) / "bench.db"
        if not args.db:
            subprocess.run(
                [sys.executable, str(ROOT / "main.py"), "--db", str(db), "init",
                 "--template", "qingtian-2018", "--unit", "县矫正办"],
                check=True, capture_output=True,
            )  # fmt: skip
        if args.exe:
            command = [str(args.exe.resolve()), "--db", str(db)]
        else:
            command = [sys.executable, str(ROOT / "main.py"), "--db", str(db)]
        probe = Path(tmp) / "probe.txt"
        _bare(), _app(command, probe)  # warm the file cache; the app writes its snapshot
        bare = [_bare() for _ in range(args.runs)]
        app = [_app(command, probe) for _ in range(args.runs)]
    base = statistics.median(bare)
    print(f"runs: {args.runs} each, median, from process spawn; {' '.join(command[:-2])}")
    print(f"bare PySide6 QMainWindow shown:            {base * 1000:7.0f} ms")
    for name, what in (
        ("shown", "main window shown"),
        ("figures", "首页 from its snapshot (正在更新…)"),
        ("ready", "database open, 首页 with real figures"),
    ):
        value = _median(app, name)
        if value is not None:
            print(f"大帮教工作台 {what}: {value * 1000:7.0f} ms = {value / base:4.2f}× bare")


if __name__ == "__main__":
    main()
