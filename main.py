"""大帮教工作台 (Bangjiao Desk): start the desktop app, or run a command (see --help)."""

import sys

from app.cli import build_parser, run, split_package_argument
from app.cli.console import forgiving_output


def main() -> int:
    """The GUI without a subcommand (on a package's import preview when one is named, as a
    double-click on a .bjpkg file does), else the subcommand."""
    forgiving_output()
    argv, package = split_package_argument(sys.argv[1:])
    args = build_parser().parse_args(argv)
    if args.command is None:
        from app.ui.application import run_gui

        return run_gui(args.db, package)
    from app.logs import configure_logging

    configure_logging()
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
