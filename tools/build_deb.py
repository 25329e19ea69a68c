"""Make the .deb from the frozen folder (run tools/build.py first).

    uv run python tools/build_deb.py            # → dist/bangjiao-desk_<version>_amd64.deb

Installs the program to /opt/bangjiao-desk with /usr/bin/bangjiao-desk, the desktop entry
大帮教工作台 (Office), the icon, and the .bjpkg MIME type. Depends lists the system libraries the
bundled Qt needs, found with ldd on the bundle and dpkg -S on this machine; the names are the
same on Debian 10 (统信UOS V20) and Ubuntu 20.04 (银河麒麟 V10) except where an alternative is
given. The users' data folders are never touched: upgrading and removing keep them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import distribution as dist  # noqa: E402

LINUX = ROOT / "packaging" / "linux"
ICONS = ROOT / "resources" / "icons"
# Debian 12 names → what also installs on Debian 10 / Ubuntu 20.04 (libgcc1 before bullseye).
ALTERNATIVES = {"libgcc-s1": "libgcc-s1 | libgcc1"}  # libxcb-util.so.1 is bundled (the spec)
# Always needed by Qt's xcb platform plugin (FACTS: Qt blames xcb-cursor0 for any missing one),
# kept even if ldd resolved them through another path.
XCB = [
    "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxcb-image0", "libxcb-randr0",
    "libxcb-render-util0", "libxcb-shape0", "libxcb-xkb1", "libxkbcommon-x11-0",
    "libx11-xcb1", "fontconfig", "shared-mime-info", "desktop-file-utils",
]  # fmt: skip


def version() -> str:
    """The program's version (pyproject.toml)."""
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def elf_files(folder: Path) -> list[Path]:
    """Every ELF file in the bundle."""
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                if handle.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def system_libraries(folder: Path) -> tuple[set[str], set[str]]:
    """(system libraries the bundled files name as NEEDED, names ldd could not find). Only
    direct needs: their own dependencies come with their packages, under each release's names."""
    files = elf_files(folder)
    inside = {p.name for p in folder.rglob("*")}
    dirs = sorted({str(p.parent) for p in files})
    env = {**os.environ, "LD_LIBRARY_PATH": ":".join(dirs)}
    outside: set[str] = set()
    missing: set[str] = set()
    for path in files:
        headers = subprocess.run(["objdump", "-p", str(path)], capture_output=True, text=True)
        needed = set(re.findall(r"^\s*NEEDED\s+(\S+)", headers.stdout, re.MULTILINE)) - inside
        if not needed:
            continue
        out = subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env).stdout
        for line in out.splitlines():
            name = line.split()[0] if line.split() else ""
            if name not in needed:
                continue
            if "=> not found" in line:
                missing.add(name)
            elif match := re.search(r"=> (/\S+)", line):
                outside.add(os.path.realpath(match.group(1)))
    return outside, missing


def owning_packages(paths: set[str]) -> set[str]:
    """The Debian packages that hold these files (dpkg -S), without the architecture."""
    packages: set[str] = set()
    for path in sorted(paths):
        candidates = [path, path.replace("/usr/lib/", "/lib/", 1)]
        for candidate in candidates:
            result = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
            if result.returncode == 0:
                packages.add(result.stdout.split(":")[0].strip())
                break
        else:
            raise SystemExit(f"dpkg -S: no package holds {path}")
    return packages


def depends(folder: Path) -> str:
    """The Depends field for the bundle."""
    outside, missing = system_libraries(folder)
    if missing:
        raise SystemExit(f"ldd: not installed on this machine: {', '.join(sorted(missing))}")
    packages = owning_packages(outside) | set(XCB)
    packages.discard("libc6")
    fields = ["libc6 (>= 2.28)"] + [ALTERNATIVES.get(p, p) for p in sorted(packages)]
    return ", ".join(fields)


def control(folder: Path, installed_kib: int) -> str:
    """The DEBIAN/control file."""
    return (
        f"Package: {dist.PACKAGE_NAME}\n"
        f"Version: {version()}\n"
        "Section: misc\n"
        "Priority: optional\n"
        "Architecture: amd64\n"
        f"Installed-Size: {installed_kib}\n"
        f"Depends: {depends(folder)}\n"
        "Maintainer: 大帮教工作台 <bangjiao-desk@localhost>\n"
        f"Description: {dist.DISPLAY_NAME} (Bangjiao Desk)\n"
        " 县司法局社区矫正“大帮教”机制的离线办公程序：责任状、工作台账（附照片）、\n"
        " 阶段总结、督查考核和单位之间的数据包交换。\n"
        " .\n"
        " Data stays in each user's ~/.local/share/BangjiaoDesk: upgrading or removing\n"
        " the package keeps it.\n"
    )


def stage(bundle: Path, root: Path) -> None:
    """Lay out the package's files under ``root``."""
    if root.exists():
        shutil.rmtree(root)
    opt = root / dist.LINUX_INSTALL_DIR.lstrip("/")
    shutil.copytree(bundle, opt, symlinks=True)
    bin_dir = root / "usr" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / dist.LINUX_BINARY).symlink_to(f"{dist.LINUX_INSTALL_DIR}/{dist.LINUX_BINARY}")
    share = root / "usr" / "share"
    (share / "applications").mkdir(parents=True)
    shutil.copy(LINUX / dist.DESKTOP_FILE, share / "applications" / dist.DESKTOP_FILE)
    (share / "mime" / "packages").mkdir(parents=True)
    shutil.copy(LINUX / "bangjiao-desk-mime.xml", share / "mime" / "packages" / "bangjiao-desk.xml")
    mime_icon = dist.PACKAGE_MIME_TYPE.replace("/", "-")
    for size, source in (("256x256", "bangjiao-desk.png"), ("48x48", "bangjiao-desk-48.png")):
        for kind, name in (("apps", dist.ICON_NAME), ("mimetypes", mime_icon)):
            target = share / "icons" / "hicolor" / size / kind
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(ICONS / source, target / f"{name}.png")
    doc = share / "doc" / dist.PACKAGE_NAME
    doc.mkdir(parents=True)
    shutil.copy(ROOT / "resources" / "fonts" / "README.md", doc / "fonts.md")
    debian = root / "DEBIAN"
    debian.mkdir()
    for script in ("postinst", "postrm"):
        shutil.copy(LINUX / script, debian / script)
        (debian / script).chmod(0o755)
    for path in root.rglob("*"):  # no group- or world-writable files, whatever the umask
        if not path.is_symlink():
            path.chmod(path.stat().st_mode & ~0o022)


def main() -> int:
    """Stage, write DEBIAN/control and run dpkg-deb; print the package's size."""
    started = time.monotonic()
    bundle = ROOT / "dist" / dist.PACKAGE_NAME
    if not (bundle / dist.LINUX_BINARY).exists():
        print(f"{bundle} is missing: run tools/build.py first", file=sys.stderr)
        return 2
    root = ROOT / "build" / "deb" / "root"
    stage(bundle, root)
    installed = sum(p.lstat().st_size for p in root.rglob("*") if "DEBIAN" not in p.parts)
    (root / "DEBIAN" / "control").write_text(control(bundle, installed // 1024), encoding="utf-8")
    out = ROOT / "dist" / f"{dist.PACKAGE_NAME}_{version()}_amd64.deb"
    subprocess.run(
        [
            "dpkg-deb",
            "--root-owner-group",
            "-Zxz",
            "-z6",
            "--threads-max=2",
            "--build",
            str(root),
            str(out),
        ],
        check=True,
    )
    print((root / "DEBIAN" / "control").read_text(encoding="utf-8"))
    print(
        f"built {out.name} in {time.monotonic() - started:.0f} s: {out.stat().st_size / 2**20:.1f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
