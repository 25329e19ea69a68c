"""大帮教工作台 (Bangjiao Desk): start the desktop app, or run a command (see --help)."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
