"""What differs on Windows, checked here: PDF fonts taken from %WINDIR%\\Fonts (copies of the
shipped fonts under Windows' names stand in for 宋体/黑体/仿宋/楷体), the data folder
(%LOCALAPPDATA%\\BangjiaoDesk, platformdirs' Windows answer for our arguments), and command-line
output under the Chinese ANSI code page (cp936/GBK). Each runs in a fresh process, as the
program starts, so nothing is read from this test run's modules or caches."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import LedgerEntry
from app.reports.fonts import FONTS_DIR
from app.services.database import open_database

ROOT = Path(__file__).resolve().parent.parent

# Windows' file name → the shipped font copied under it (same kind: .ttc stays a collection)
WINDOWS_NAMES = {
    "FZXBSJW.TTF": "NotoSerifSC-Bold.ttf",  # 方正小标宋简体, where an office installed it
    "simfang.ttf": "FandolFang-Regular.ttf",  # 仿宋
    "simhei.ttf": "wqy-microhei.ttc",  # 黑体 (a collection under a .ttf name still loads)
    "simkai.ttf": "LXGWWenKai-Regular.ttf",  # 楷体
    "simsun.ttc": "wqy-microhei.ttc",  # 宋体
    "simsunb.ttf": "LXGWWenKai-Regular.ttf",  # SimSun-ExtB: Extension B characters
}


def _python(code: str, env: dict[str, str], cwd: Path = ROOT) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, timeout=180,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8", **env},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    return done.stdout.decode("utf-8").strip()


FONT_REPORT = """
import dataclasses, json
from app.reports.fonts import font_set
from app.reports.typesetting import face_having
chosen = dataclasses.asdict(font_set())
chosen["rare"] = face_having(ord("𫓩"))
print(json.dumps(chosen))
"""


def test_pdf_fonts_come_from_the_windows_fonts_folder(tmp_path):
    fonts = tmp_path / "Windows" / "Fonts"
    fonts.mkdir(parents=True)
    for windows_name, shipped in WINDOWS_NAMES.items():
        shutil.copy(FONTS_DIR / shipped, fonts / windows_name)
    chosen = json.loads(_python(FONT_REPORT, {"WINDIR": str(tmp_path / "Windows")}))
    assert chosen == {
        "title": "BJ-FZXBSJW-0", "body": "BJ-simfang-0", "heading1": "BJ-simhei-0",
        "heading2": "BJ-simkai-0", "song": "BJ-simsun-0",
        "fallback": "BJ-NotoSerifSC-Regular-0",  # full coverage: always the shipped face
        "rare": "BJ-simsunb-0",  # Extension C from SimSun-ExtB before the shipped faces
    }  # fmt: skip


def test_a_pc_without_some_windows_fonts_uses_the_shipped_ones_for_those(tmp_path):
    fonts = tmp_path / "Windows" / "Fonts"
    fonts.mkdir(parents=True)
    shutil.copy(FONTS_DIR / "FandolFang-Regular.ttf", fonts / "simfang.ttf")
    (fonts / "simhei.ttf").write_bytes(b"OTTO" + bytes(400))  # PostScript outlines: unusable
    chosen = json.loads(_python(FONT_REPORT, {"WINDIR": str(tmp_path / "Windows")}))
    assert chosen["body"] == "BJ-simfang-0"
    assert chosen["heading1"] == "BJ-wqy-microhei-0"  # the broken 黑体 gave way
    assert chosen["title"] == "BJ-NotoSerifSC-Bold-0" and chosen["song"].startswith("BJ-Noto")
    assert chosen["rare"] == "BJ-LXGWWenKai-Regular-0"  # no SimSun-ExtB: the shipped face


def test_the_data_folder_on_windows_is_localappdata_bangjiaodesk(tmp_path):
    """platformdirs' Windows class, given our arguments (app name, appauthor=False), with the
    folders read from the environment (Windows' API is absent here): the database and logs land in %LOCALAPPDATA%\\BangjiaoDesk, not the roaming %APPDATA% nor a doubled
    BangjiaoDesk\\BangjiaoDesk."""
    local = tmp_path / "Users" / "张三" / "AppData" / "Local"
    roaming = tmp_path / "Users" / "张三" / "AppData" / "Roaming"
    code = (
        "import platformdirs, platformdirs.windows;"
        "platformdirs.PlatformDirs = platformdirs.windows.Windows;"  # what win32 selects
        # Windows' folder API is absent here: platformdirs' own fallback reads the variables
        "platformdirs.windows._RESOLVE_WIN_FOLDER = platformdirs.windows.get_win_folder_from_env_vars;"
        "from app.paths import default_database_path, user_data_dir;"
        "from app.logs import log_file;"
        "print(user_data_dir()); print(default_database_path()); print(log_file())"
    )
    data, database, log = _python(
        code, {"LOCALAPPDATA": str(local), "APPDATA": str(roaming)}
    ).splitlines()
    assert Path(data) == local / "BangjiaoDesk"
    assert Path(database) == local / "BangjiaoDesk" / "bangjiao.db"
    assert Path(log).parent.parent == local / "BangjiaoDesk"


TITLE = "走访王𫓩 • 第一批"  # neither "𫓩" nor "•" exists in GBK


@pytest.mark.parametrize("code_page", ["cp936", "cp1252"])
def test_command_output_under_an_ansi_code_page_is_utf8_and_saves_once(db_path, code_page):
    command = [sys.executable, "main.py", "--db", str(db_path), "ledger", "add", "--unit",
               "办公室（政治处）", "--kind", "funding", "--date", "2018-03-01", "--title", TITLE,
               "--field", "amount=1,500", "--field", "purpose=专项经费"]  # fmt: skip
    env = {**os.environ, "PYTHONIOENCODING": code_page, "PYTHONUTF8": "0"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=180)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert TITLE in done.stdout.decode("utf-8")  # UTF-8 out, never UnicodeEncodeError
    helped = subprocess.run([sys.executable, "main.py", "--help"], cwd=ROOT, env=env,
                            capture_output=True, timeout=180)  # fmt: skip
    assert helped.returncode == 0 and "数据包.bjpkg" in helped.stdout.decode("utf-8")
    db = open_database(str(db_path))
    with db.session() as s:
        assert list(s.scalars(select(LedgerEntry.title))).count(TITLE) == 1
    db.close()


UI_FONT_REPORT = """
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication
from app.ui.i18n import choose_ui_font
app = QApplication([])
font = choose_ui_font()
print(font.family(), all(QFontMetrics(font).inFont(c) for c in "大帮教工作台"))
"""


def test_a_linux_without_chinese_fonts_shows_the_window_in_the_shipped_one(tmp_path):
    """A minimal 统信UOS/麒麟 install (or a bare chroot) with no Chinese font: the window's
    labels use the shipped WenQuanYi Micro Hei instead of boxes."""
    empty = tmp_path / "fonts.conf"  # fontconfig that knows no font folder at all
    empty.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">'
        f"<fontconfig><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>"
    )
    env = {"FONTCONFIG_FILE": str(empty), "QT_QPA_PLATFORM": "offscreen"}
    assert _python(UI_FONT_REPORT, env) == "WenQuanYi Micro Hei True"
