"""Build the frozen program with PyInstaller from packaging/bangjiao.spec.

    uv run --group build python tools/build.py [--host-python]

Linux: dist/bangjiao-desk/ (run dist/bangjiao-desk/bangjiao-desk); Windows:
dist/BangjiaoDesk/ (BangjiaoDesk.exe windowed, bangjiao.exe for commands). build/ holds
PyInstaller's work files; both folders are left out of git.

The build runs in its own environment, build/venv, installed from uv.lock (the program's
dependencies and the ``build`` group, no dev tools) with the wheels for the oldest Linux the
program supports: ``--python-platform x86_64-manylinux_2_28``. Left to itself uv picks the
newest wheel this machine can run (cryptography's manylinux_2_34 on Debian 12), which would not
load on 统信UOS V20 (glibc 2.28); tools/check_glibc.py checks the result.

On Linux the environment's Python is the one tools/build_python.sh compiles on Ubuntu 18.04
(glibc 2.27; built on the first run, then cached): the interpreter and its libraries are bundled,
so they too must load on glibc 2.28. ``--host-python`` uses this machine's Python instead (a
quicker build that runs only where this machine's glibc does)."""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import distribution  # noqa: E402


def bundle_dir() -> Path:
    """Where the frozen folder ends up on this platform."""
    name = distribution.WINDOWS_FOLDER if sys.platform == "win32" else distribution.PACKAGE_NAME
    return ROOT / "dist" / name


VENV = ROOT / "build" / "venv"


def target_platform() -> str | None:
    """The wheel platform the build environment is installed for (None: this machine's)."""
    if sys.platform.startswith("linux"):
        return f"{platform.machine()}-manylinux_{distribution.MINIMUM_GLIBC.replace('.', '_')}"
    return None


def portable_python() -> Path:
    """The Python built by tools/build_python.sh for glibc 2.27 (built now when not cached)."""
    started = time.monotonic()
    result = subprocess.run(
        ["bash", str(ROOT / "tools" / "build_python.sh")], stdout=subprocess.PIPE, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"tools/build_python.sh failed (exit {result.returncode})")
    prefix = Path(result.stdout.strip().splitlines()[-1])
    print(f"Python for glibc 2.27: {prefix} ({time.monotonic() - started:.0f} s)")
    return prefix / "bin" / "python3.11"


def build_environment(python: Path | None = None) -> Path:
    """Install build/venv from uv.lock for the target platform, with ``python`` when given
    (else the Python uv finds); return the environment's Python."""
    command = ["uv", "sync", "--frozen", "--no-dev", "--group", "build", "--no-install-project"]
    wanted = target_platform()
    if wanted is not None:
        command += ["--python-platform", wanted]
    if python is not None:
        command += ["--python", str(python)]
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(VENV)}
    env.pop("VIRTUAL_ENV", None)  # `uv run`'s own environment, not the one built here
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    scripts = "Scripts" if sys.platform == "win32" else "bin"
    return VENV / scripts / ("python.exe" if sys.platform == "win32" else "python")


def main(argv: list[str] | None = None) -> int:
    """Run PyInstaller; print the time taken and the folder's size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--host-python",
        action="store_true",
        help="build with this machine's Python (runs only on this machine's glibc and newer)",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    python = None  # Windows: the Python uv finds
    if sys.platform.startswith("linux"):
        # the environment is remade when its interpreter changes (uv sync --python)
        host = Path(getattr(sys, "_base_executable", sys.executable))
        python = host if args.host_python else portable_python()
    python = build_environment(python)
    command = [
        str(python), "-m", "PyInstaller", str(ROOT / "packaging" / "bangjiao.spec"),
        "--noconfirm", "--clean", "--log-level", "WARN",
        "--distpath", str(ROOT / "dist"), "--workpath", str(ROOT / "build"),
    ]  # fmt: skip
    result = subprocess.run(command, cwd=ROOT, check=False)
    if result.returncode != 0:
        return result.returncode
    folder = bundle_dir()
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    print(f"built {folder} in {time.monotonic() - started:.0f} s, {size / 2**20:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
