"""Packaging kept in step with the program: the PyInstaller spec, the .deb's desktop entry and
MIME type, the Windows installer script, the GLIBC check and the window's smoke-test switch.
(Building the frozen program is .ci/run's work, not the tests'.)"""

from __future__ import annotations

import configparser
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest

from app import distribution as dist
from app.paths import APP_NAME, RESOURCES_DIR

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"


def _tool(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"tools_{name}", ROOT / "tools" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def _iss() -> str:
    return (PACKAGING / "windows" / "bangjiao.iss").read_text(encoding="utf-8-sig")


def _iss_defines() -> dict[str, str]:
    return dict(re.findall(r'^#define (\w+) "([^"]*)"', _iss(), re.MULTILINE))


def _desktop() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(PACKAGING / "linux" / dist.DESKTOP_FILE, encoding="utf-8")
    return parser["Desktop Entry"]


def test_the_package_extension_is_the_programs():
    from app.cli.exchange import PACKAGE_SUFFIX as cli_suffix
    from app.sync.exchange import PACKAGE_SUFFIX

    assert dist.PACKAGE_EXTENSION == PACKAGE_SUFFIX == cli_suffix == ".bjpkg"


def test_the_installer_uses_the_programs_names():
    defines = _iss_defines()
    assert defines["AppName"] == dist.DISPLAY_NAME
    assert defines["GuiExe"] == dist.WINDOWS_GUI_EXE
    assert defines["CliExe"] == dist.WINDOWS_CLI_EXE
    assert defines["Folder"] == dist.WINDOWS_FOLDER
    assert defines["PackageExt"] == dist.PACKAGE_EXTENSION


def test_the_installer_is_chinese_per_user_and_keeps_the_data():
    iss = _iss()
    assert re.search(r"^PrivilegesRequired=lowest\s*$", iss, re.MULTILINE)
    assert re.search(r"^DefaultDirName=\{localappdata\}\\Programs\\\{#Folder\}", iss, re.MULTILINE)
    assert 'MessagesFile: "compiler:Languages\\ChineseSimplified.isl"' in iss
    # shortcuts in the Start menu and on the desktop, to the windowed program
    assert re.search(r'^Name: "\{autoprograms\}\\\{#AppName\}"; Filename: "\{app\}\\\{#GuiExe\}"', iss, re.MULTILINE)  # fmt: skip
    assert re.search(r'^Name: "\{autodesktop\}\\\{#AppName\}"; Filename: "\{app\}\\\{#GuiExe\}"', iss, re.MULTILINE)  # fmt: skip
    # the file association is the user's own (no admin rights) and opens the file given
    registry = [line for line in iss.splitlines() if line.startswith("Root:")]
    assert registry and all(line.startswith("Root: HKCU;") for line in registry)
    assert '"""{app}\\{#GuiExe}"" ""%1"""' in iss
    # the uninstaller deletes nothing beyond what it installed: the data folder is another one
    assert "[UninstallDelete]" not in iss
    assert APP_NAME == dist.WINDOWS_FOLDER  # %LOCALAPPDATA%\BangjiaoDesk vs …\Programs\BangjiaoDesk
    assert "{localappdata}\\" + APP_NAME not in iss


def test_the_desktop_entry_names_the_program_and_its_packages():
    entry = _desktop()
    assert entry["Type"] == "Application"
    assert entry["Name"] == entry["Name[zh_CN]"] == dist.DISPLAY_NAME
    assert "Office" in entry["Categories"].split(";")
    assert entry["Exec"] == f"/usr/bin/{dist.LINUX_BINARY} %f"
    assert entry["Icon"] == dist.ICON_NAME
    assert dist.PACKAGE_MIME_TYPE in entry["MimeType"].split(";")
    assert entry["Terminal"] == "false"


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils")
def test_the_desktop_entry_is_valid():
    result = subprocess.run(
        ["desktop-file-validate", str(PACKAGING / "linux" / dist.DESKTOP_FILE)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_mime_type_matches_the_package_files():
    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    root = ET.parse(PACKAGING / "linux" / "bangjiao-desk-mime.xml").getroot()
    types = root.findall("m:mime-type", ns)
    assert [t.get("type") for t in types] == [dist.PACKAGE_MIME_TYPE]
    assert [g.get("pattern") for g in types[0].findall("m:glob", ns)] == [
        "*" + dist.PACKAGE_EXTENSION
    ]
    comments = {c.get("{http://www.w3.org/XML/1998/namespace}lang"): c.text for c in types[0].findall("m:comment", ns)}  # fmt: skip
    assert comments["zh_CN"] == f"{dist.DISPLAY_NAME}数据包"


def test_the_spec_bundles_every_resource_and_the_migrations():
    spec = (PACKAGING / "bangjiao.spec").read_text(encoding="utf-8")
    for entry in RESOURCES_DIR.iterdir():  # a new resources folder must not be forgotten
        if entry.name in ("i18n", "docx"):  # bundled where present (see the spec)
            assert f'"{entry.name}"' in spec
        else:
            assert f'"resources" / "{entry.name}"' in spec, entry.name
    for part in ('"env.py"', '"script.py.mako"', '"versions"), "app/migrations/versions"'):
        assert part in spec
    # the spec takes the executables' names from app/distribution.py
    for name in ("WINDOWS_GUI_EXE", "WINDOWS_CLI_EXE", "LINUX_BINARY", "WINDOWS_FOLDER"):
        assert f"dist.{name}" in spec
    assert "console=False" in spec and "console=True" in spec


def test_the_deb_layout(tmp_path):
    build_deb = _tool("build_deb")
    bundle = tmp_path / "bundle"
    (bundle / "_internal").mkdir(parents=True)
    (bundle / dist.LINUX_BINARY).write_bytes(b"#!/bin/sh\n")
    root = tmp_path / "root"
    build_deb.stage(bundle, root)
    opt = root / dist.LINUX_INSTALL_DIR.lstrip("/")
    assert (opt / dist.LINUX_BINARY).exists()
    link = root / "usr" / "bin" / dist.LINUX_BINARY
    assert os.readlink(link) == f"{dist.LINUX_INSTALL_DIR}/{dist.LINUX_BINARY}"
    share = root / "usr" / "share"
    assert (share / "applications" / dist.DESKTOP_FILE).exists()
    assert (share / "mime" / "packages" / "bangjiao-desk.xml").exists()
    assert (share / "icons" / "hicolor" / "256x256" / "apps" / f"{dist.ICON_NAME}.png").exists()
    for script in ("postinst", "postrm"):
        path = root / "DEBIAN" / script
        assert os.access(path, os.X_OK)
        text = path.read_text(encoding="utf-8")
        assert "update-desktop-database" in text and "update-mime-database" in text
        assert "rm " not in text and ".local/share" not in text.split("never touched")[-1]


def test_the_icon_is_shipped_square():
    from PIL import Image

    for name, size in (("bangjiao-desk.png", 256), ("bangjiao-desk-48.png", 48)):
        with Image.open(RESOURCES_DIR / "icons" / name) as image:
            assert image.size == (size, size)
    with Image.open(RESOURCES_DIR / "icons" / "bangjiao-desk.ico") as ico:
        assert (16, 16) in ico.info["sizes"] and (256, 256) in ico.info["sizes"]


def test_the_minimum_glibc_is_the_readmes():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"glibc {dist.MINIMUM_GLIBC}" in readme


@pytest.mark.skipif(shutil.which("objdump") is None, reason="binutils")
def test_the_glibc_check_fails_a_dependency_newer_than_the_minimum(tmp_path, capsys):
    check = _tool("check_glibc")
    import sysconfig

    libpython = Path(sysconfig.get_config_var("LIBDIR")) / sysconfig.get_config_var("LDLIBRARY")
    if not libpython.exists():
        pytest.skip("no shared libpython")
    needed = check.required_glibc(libpython)
    assert needed is not None
    below = check.show((needed[0], needed[1] - 1))  # a minimum just below what it needs
    bundle = tmp_path / "bundle"
    (bundle / "_internal").mkdir(parents=True)
    # as a wheel's library it fails; as the interpreter's it is reported, and fails a release
    shutil.copy(libpython, bundle / "_internal" / "libfromawheel.so")
    assert check.main([str(bundle), "--max", below]) == 1
    assert "FAIL _internal/libfromawheel.so" in capsys.readouterr().out
    (bundle / "_internal" / "libfromawheel.so").rename(bundle / "_internal" / libpython.name)
    assert check.main([str(bundle), "--max", below]) == 0
    assert "NOTE this build's interpreter files need glibc" in capsys.readouterr().out
    assert check.main([str(bundle), "--max", below, "--release"]) == 1
    assert check.main([str(bundle), "--max", check.show(needed)]) == 0


OBJDUMP_T = """
0000000000000000      DF *UND*\t0000000000000000 (GLIBC_2.2.5) free
0000000000000000      DF *UND*\t0000000000000000 (GLIBC_2.28) fcntl64
0000000000000000      DF *UND*\t0000000000000000 (GLIBC_2.17) clock_gettime
0000000000000000      DF *UND*\t0000000000000000 (GLIBCXX_3.4.9) _ZdlPv
0000000000000000      DF *UND*\t0000000000000000 (GLIBCXX_3.4.26) _ZNSt7__cxx1118basic_stringstream
0000000000000000      DF *UND*\t0000000000000000 (CXXABI_1.3.11) __cxa_init_primary_exception
0000000000000000      DF *UND*\t0000000000000000 (GCC_4.2.0) _Unwind_GetIPInfo
0000000000000000      DF *UND*\t0000000000000000 (GCC_3.0) _Unwind_Resume
0000000000000000  w   D  *UND*\t0000000000000000  Base        __gmon_start__
00000000000a1b20 g    DF .text\t0000000000000042  GLIBCXX_3.4.30 _ZdefinedHere
"""


def test_the_glibc_check_reads_every_symbol_family_and_compares_numerically():
    check = _tool("check_glibc")
    needs = check.parse_required(OBJDUMP_T)
    # numeric, not textual: 2.28 > 2.17 > 2.2.5 and 3.4.26 > 3.4.9; defined symbols don't count
    assert needs == {
        "GLIBC": (2, 28),
        "GLIBCXX": (3, 4, 26),
        "CXXABI": (1, 3, 11),
        "GCC": (4, 2, 0),
    }
    gcc8 = {"GLIBC": (2, 28), "GLIBCXX": (3, 4, 25), "CXXABI": (1, 3, 11), "GCC": (8, 0, 0)}
    assert check.over_limits(needs, gcc8) == {"GLIBCXX": (3, 4, 26)}
    assert check.over_limits(needs, {**gcc8, "GLIBCXX": (3, 4, 26)}) == {}
    assert check.over_limits(needs, {"GLIBC": (2, 27)}) == {"GLIBC": (2, 28)}
    assert check.parse_required("no versioned symbols") == {}
    # the limits are gcc 8's libstdc++ and libgcc_s (Debian 10 = 统信UOS V20)
    assert check.LIBSTDCXX_LIMITS == {"GLIBCXX": "3.4.25", "CXXABI": "1.3.11", "GCC": "8.0.0"}


@pytest.mark.skipif(shutil.which("objdump") is None, reason="binutils")
def test_the_glibc_check_fails_a_library_needing_a_newer_libstdcxx(tmp_path, capsys):
    check = _tool("check_glibc")
    # a C++ library of this machine (Debian 12's ICU needs GLIBCXX_3.4.30, gcc 12's)
    users = [
        p for p in Path("/usr/lib/x86_64-linux-gnu").glob("libicuuc.so.*") if not p.is_symlink()
    ]
    if not users:
        pytest.skip("no C++ library to check")
    needs = check.required_versions(users[0])
    assert "GLIBCXX" in needs
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    shutil.copy(users[0], bundle / "libfromawheel.so")
    over = check.over_limits(needs, {"GLIBCXX": (3, 4, 25)})
    assert check.main([str(bundle), "--max", "9.99", "--strict"]) == (1 if over else 0)
    out = capsys.readouterr().out
    assert f"newest GLIBCXX_{check.show(needs['GLIBCXX'])}" in out
    assert ("FAIL libfromawheel.so needs GLIBCXX_" in out) == bool(over)


def test_the_window_reports_itself_open_and_quits_when_asked(db_path, tmp_path):
    """BANGJIAO_QUIT_AFTER_OPEN (the installed package's smoke test) opens the window on the
    database, logs it and quits by itself."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "BANGJIAO_QUIT_AFTER_OPEN": "1",
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--db", str(db_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    log = (tmp_path / "data" / APP_NAME / "logs" / "bangjiao.log").read_text(encoding="utf-8")
    assert "窗口已打开数据库：大帮教工作台 — 县矫正办" in log
