"""Check the GLIBC symbol versions every bundled shared library requires (``objdump -T``).

    uv run python tools/check_glibc.py dist/bangjiao-desk [--max 2.28] [--release]

Fails (exit 1) when a library that comes from the locked dependencies (Qt, PySide6, Pillow,
cryptography, PDFium, lxml…, i.e. what ``uv.lock`` chooses) requires a glibc newer than the
minimum the README states (app.distribution.MINIMUM_GLIBC, 2.28 = 统信UOS V20).

The Python interpreter and the libraries its own modules need (libpython, lib-dynload,
libssl, libffi, libsqlite3…) are copied from the machine that builds: they follow its glibc.
Built on Debian 12 they need 2.34–2.35, so such a build runs on Debian 12 / Ubuntu 22.04 and
later only. A release for 统信UOS V20 / 银河麒麟 V10 is built on a glibc-2.28 system, with
``--release``, which applies the minimum to every file. Without ``--release`` the interpreter's
files are reported (with the glibc the build needs) and do not fail the check."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.distribution import MINIMUM_GLIBC

REQUIRED = re.compile(r"\*UND\*.*\(GLIBC_(\d+(?:\.\d+)+)\)")
INTERPRETER_LIBS = ("libpython", "libffi.", "libssl.", "libcrypto.", "libsqlite3.", "libz.",
                    "libbz2.", "liblzma.", "libexpat.", "libmpdec.", "libuuid.")  # fmt: skip


@dataclass(frozen=True)
class Finding:
    """One ELF file and the newest GLIBC version it requires."""

    path: Path
    version: tuple[int, ...]
    interpreter: bool


def parse_version(text: str) -> tuple[int, ...]:
    """ "2.28" → (2, 28)."""
    return tuple(int(part) for part in text.split("."))


def show(version: tuple[int, ...]) -> str:
    """(2, 28) → "2.28"."""
    return ".".join(str(part) for part in version)


def required_glibc(path: Path) -> tuple[int, ...] | None:
    """The newest GLIBC_x.y among the symbols ``path`` needs, or None if it needs none."""
    out = subprocess.run(
        ["objdump", "-T", str(path)], capture_output=True, text=True, check=False
    ).stdout
    versions = [parse_version(m.group(1)) for m in REQUIRED.finditer(out)]
    return max(versions) if versions else None


def is_elf(path: Path) -> bool:
    """Whether ``path`` is an ELF file (a shared library or an executable)."""
    try:
        with path.open("rb") as handle:
            return handle.read(4) == b"\x7fELF"
    except OSError:
        return False


def from_interpreter(path: Path, root: Path) -> bool:
    """Whether the file was copied from the building machine's Python rather than a wheel."""
    relative = path.relative_to(root).parts
    return "lib-dynload" in relative or path.name.startswith(INTERPRETER_LIBS)


def scan(root: Path) -> list[Finding]:
    """Every ELF file under ``root`` that requires a GLIBC version."""
    findings = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and is_elf(path):
            version = required_glibc(path)
            if version is not None:
                findings.append(Finding(path, version, from_interpreter(path, root)))
    return findings


def main(argv: list[str] | None = None) -> int:
    """Print the findings; exit 1 when a file the check covers needs more than ``--max``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path, help="the frozen folder, e.g. dist/bangjiao-desk")
    parser.add_argument("--max", default=MINIMUM_GLIBC, help="the newest glibc allowed")
    parser.add_argument("--release", action="store_true", help="apply --max to every file")
    args = parser.parse_args(argv)
    limit = parse_version(args.max)
    findings = scan(args.bundle)
    if not findings:
        print(f"no ELF files requiring glibc found under {args.bundle}")
        return 1
    wheels = [f for f in findings if not f.interpreter]
    interpreter = [f for f in findings if f.interpreter]
    print(f"{len(findings)} ELF files checked against glibc {args.max}")
    for label, group in (("locked dependencies", wheels), ("build interpreter", interpreter)):
        if group:
            newest = max(group, key=lambda f: f.version)
            print(f"  {label}: {len(group)} files, newest GLIBC_{show(newest.version)} "
                  f"({newest.path.relative_to(args.bundle)})")  # fmt: skip
    checked = findings if args.release else wheels
    over = [f for f in checked if f.version > limit]
    for finding in over:
        print(f"FAIL {finding.path.relative_to(args.bundle)} needs GLIBC_{show(finding.version)}")
    if not args.release:
        host_over = [f for f in interpreter if f.version > limit]
        if host_over:
            newest = show(max(f.version for f in host_over))
            print(f"NOTE this build's interpreter files need glibc {newest} (the build machine's); "
                  f"it runs on glibc >= {newest} only. A release for glibc {args.max} is built "
                  "on a glibc-2.28 system and checked with --release.")  # fmt: skip
    if over:
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
