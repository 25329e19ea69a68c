"""Check the glibc and libstdc++ symbol versions every bundled ELF file requires (``objdump -T``).

    uv run python tools/check_glibc.py dist/bangjiao-desk --strict   # CI: every file
    uv run python tools/check_glibc.py dist/bangjiao-desk [--max 2.28]

Fails (exit 1) when a file requires a glibc newer than the minimum the README states
(app.distribution.MINIMUM_GLIBC, 2.28 = 统信UOS V20), or a ``GLIBCXX_``/``CXXABI_`` version newer
than the libstdc++ of gcc 8 (Debian 10, the base of 统信UOS V20: GLIBCXX_3.4.25, CXXABI_1.3.11):
libstdc++ is not bundled, the system's is used.

The frozen Linux program is built with the Python of tools/build_python.sh (compiled on Ubuntu
18.04, glibc 2.27), so ``--strict`` applies the minimum to every file, the interpreter's included.
Without ``--strict`` (a build made with this machine's own Python, ``tools/build.py
--host-python``) the interpreter's files (libpython, lib-dynload, libssl, libffi, libsqlite3…)
follow the building machine's glibc: they are reported and do not fail the check."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.distribution import MINIMUM_GLIBC

REQUIRED = re.compile(r"\*UND\*.*\((GLIBC|GLIBCXX|CXXABI|GCC)_(\d+(?:\.\d+)+)\)")
# The newest symbol versions of gcc 8's libstdc++ and libgcc_s (Debian 10 / 统信UOS V20; Ubuntu
# 20.04 has gcc 10's), which the program uses from the system.
LIBSTDCXX_LIMITS = {"GLIBCXX": "3.4.25", "CXXABI": "1.3.11", "GCC": "8.0.0"}
INTERPRETER_LIBS = ("libpython", "libffi.", "libssl.", "libcrypto.", "libsqlite3.", "libz.",
                    "libbz2.", "liblzma.", "libexpat.", "libmpdec.", "libuuid.")  # fmt: skip


@dataclass(frozen=True)
class Finding:
    """One ELF file and the newest version of each symbol family (GLIBC, GLIBCXX, CXXABI, GCC)
    it requires."""

    path: Path
    needs: dict[str, tuple[int, ...]]
    interpreter: bool

    @property
    def version(self) -> tuple[int, ...]:
        """The newest GLIBC version it requires ((0,) when none)."""
        return self.needs.get("GLIBC", (0,))


def parse_version(text: str) -> tuple[int, ...]:
    """ "2.28" → (2, 28)."""
    return tuple(int(part) for part in text.split("."))


def show(version: tuple[int, ...]) -> str:
    """(2, 28) → "2.28"."""
    return ".".join(str(part) for part in version)


def parse_required(objdump: str) -> dict[str, tuple[int, ...]]:
    """The newest version of each family (GLIBC, GLIBCXX, CXXABI, GCC) among the undefined
    symbols of ``objdump -T`` output, e.g. {"GLIBC": (2, 17), "GLIBCXX": (3, 4, 21)}."""
    needs: dict[str, tuple[int, ...]] = {}
    for match in REQUIRED.finditer(objdump):
        family, version = match.group(1), parse_version(match.group(2))
        needs[family] = max(needs.get(family, version), version)
    return needs


def over_limits(
    needs: dict[str, tuple[int, ...]], limits: dict[str, tuple[int, ...]]
) -> dict[str, tuple[int, ...]]:
    """The families whose required version is newer than its limit (families without a limit
    are not checked)."""
    return {f: v for f, v in needs.items() if f in limits and v > limits[f]}


def required_versions(path: Path) -> dict[str, tuple[int, ...]]:
    """What ``path`` requires, by family (``objdump -T``)."""
    out = subprocess.run(
        ["objdump", "-T", str(path)], capture_output=True, text=True, check=False
    ).stdout
    return parse_required(out)


def required_glibc(path: Path) -> tuple[int, ...] | None:
    """The newest GLIBC_x.y among the symbols ``path`` needs, or None if it needs none."""
    return required_versions(path).get("GLIBC")


def is_elf(path: Path) -> bool:
    """Whether ``path`` is an ELF file (a shared library or an executable)."""
    try:
        with path.open("rb") as handle:
            return handle.read(4) == b"\x7fELF"
    except OSError:
        return False


def from_interpreter(path: Path, root: Path) -> bool:
    """Whether the file comes with the building Python rather than a wheel."""
    relative = path.relative_to(root).parts
    return "lib-dynload" in relative or path.name.startswith(INTERPRETER_LIBS)


def scan(root: Path) -> list[Finding]:
    """Every ELF file under ``root`` that requires a versioned symbol."""
    findings = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and is_elf(path):
            needs = required_versions(path)
            if needs:
                findings.append(Finding(path, needs, from_interpreter(path, root)))
    return findings


def newest(findings: list[Finding], family: str) -> Finding | None:
    """The finding requiring the newest version of ``family``."""
    having = [f for f in findings if family in f.needs]
    return max(having, key=lambda f: f.needs[family]) if having else None


def main(argv: list[str] | None = None) -> int:
    """Print the findings; exit 1 when a file the check covers needs more than allowed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path, help="the frozen folder, e.g. dist/bangjiao-desk")
    parser.add_argument("--max", default=MINIMUM_GLIBC, help="the newest glibc allowed")
    parser.add_argument("--strict", "--release", action="store_true", dest="strict",
                        help="apply --max to every file, the interpreter's too")  # fmt: skip
    args = parser.parse_args(argv)
    limits = {"GLIBC": parse_version(args.max)}
    limits.update({family: parse_version(v) for family, v in LIBSTDCXX_LIMITS.items()})
    findings = scan(args.bundle)
    if not any("GLIBC" in f.needs for f in findings):
        print(f"no ELF files requiring glibc found under {args.bundle}")
        return 1
    wheels = [f for f in findings if not f.interpreter]
    interpreter = [f for f in findings if f.interpreter]
    allowed = ", ".join(f"{family}_{show(v)}" for family, v in limits.items())
    print(f"{len(findings)} ELF files checked against {allowed}")
    for label, group in (("locked dependencies", wheels), ("Python interpreter", interpreter)):
        top = newest(group, "GLIBC")
        if top is not None:
            print(f"  {label}: {len(group)} files, newest GLIBC_{show(top.version)} "
                  f"({top.path.relative_to(args.bundle)})")  # fmt: skip
    for family in LIBSTDCXX_LIMITS:
        top = newest(findings, family)
        if top is not None:
            print(f"  newest {family}_{show(top.needs[family])} "
                  f"({top.path.relative_to(args.bundle)})")  # fmt: skip
    failed = False
    for finding in findings:
        checked = limits if args.strict or not finding.interpreter else {
            k: v for k, v in limits.items() if k != "GLIBC"}  # fmt: skip
        for family, version in over_limits(finding.needs, checked).items():
            failed = True
            print(f"FAIL {finding.path.relative_to(args.bundle)} needs {family}_{show(version)}")
    if not args.strict:
        host_over = [f for f in interpreter if f.version > limits["GLIBC"]]
        if host_over:
            top_version = show(max(f.version for f in host_over))
            print(f"NOTE this build's interpreter files need glibc {top_version} (the build "
                  f"machine's); it runs on glibc >= {top_version} only. Build with "
                  "tools/build_python.sh's Python (tools/build.py's default) and check with "
                  "--strict.")  # fmt: skip
    if failed:
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
