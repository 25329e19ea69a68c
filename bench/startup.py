"""Start-up time of the main window against a bare PySide6 QMainWindow (median of N runs).

Run: uv run python bench/startup.py [--runs 7]
Each run is a fresh interpreter; times are from process spawn to the event named.
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

BARE = """
import time
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
w = QMainWindow(); w.resize(1200, 760); w.show(); app.processEvents()
print("shown", time.time())
"""

APP = """
import sys, time
sys.path.insert(0, {root!r})
from app.ui.application import create_application, _open_into
from app.ui.main_window import MainWindow
app = create_application([])
w = MainWindow(); w.show(); app.processEvents()
print("shown", time.time())
_open_into(w, {db!r}); app.processEvents()
print("ready", time.time())
"""


def _run(code: str) -> dict[str, float]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return {line.split()[0]: float(line.split()[1]) - start for line in out.stdout.splitlines()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.db")
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "main.py"),
                "--db",
                db,
                "init",
                "--template",
                "qingtian-2018",
                "--unit",
                "县矫正办",
            ],
            check=True,
            capture_output=True,
        )
        _run(BARE), _run(APP.format(root=str(ROOT), db=db))  # warm the file cache
        bare = [_run(BARE)["shown"] for _ in range(runs)]
        app = [_run(APP.format(root=str(ROOT), db=db)) for _ in range(runs)]
    med = statistics.median
    print(f"runs: {runs} each, median, from process spawn")
    print(f"bare PySide6 QMainWindow shown:          {med(bare) * 1000:7.0f} ms")
    print(
        f"大帮教工作台 main window shown:            {med(a['shown'] for a in app) * 1000:7.0f} ms"
    )
    print(
        f"大帮教工作台 database open, home page shown: {med(a['ready'] for a in app) * 1000:7.0f} ms"
    )


if __name__ == "__main__":
    main()
