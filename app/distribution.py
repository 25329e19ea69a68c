"""Names the installed program goes by: the frozen build, the .deb and the Windows installer
all take them from here (tests/test_packaging.py keeps the packaging files in step)."""

from __future__ import annotations

DISPLAY_NAME = "大帮教工作台"
PACKAGE_NAME = "bangjiao-desk"  # the .deb, /opt/bangjiao-desk, /usr/bin/bangjiao-desk
LINUX_BINARY = "bangjiao-desk"  # one binary: the window without a command, else the command
WINDOWS_GUI_EXE = "BangjiaoDesk.exe"  # windowed (no console behind the window)
WINDOWS_CLI_EXE = "bangjiao.exe"  # console: commands print to the terminal
WINDOWS_FOLDER = "BangjiaoDesk"  # {localappdata}\Programs\BangjiaoDesk
LINUX_INSTALL_DIR = "/opt/bangjiao-desk"
DESKTOP_FILE = "bangjiao-desk.desktop"
ICON_NAME = "bangjiao-desk"
PACKAGE_MIME_TYPE = "application/x-bangjiao-package"
PACKAGE_EXTENSION = ".bjpkg"  # the same as app.sync.exchange.PACKAGE_SUFFIX
MINIMUM_GLIBC = "2.28"  # 统信UOS V20 (Debian 10 base); 银河麒麟 V10 has 2.31
