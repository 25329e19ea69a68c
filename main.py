"""大帮教工作台 (Bangjiao Desk): start the desktop app, or run a command (see --help)."""

import sys

from app.cli import build_parser, run
from app.cli.console import forgiving_output


def main() -> int:
    """The GUI without a subcommand, else the subcommand."""
    forgiving_output()
    args = build_parser().parse_args()
    if args.command is None:
        from app.ui.application import run_gui

        return run_gui(args.db)
    from app.logs import configure_logging

    configure_logging()
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
