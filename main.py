"""大帮教工作台 (Bangjiao Desk): start the desktop app, or run a command (see --help)."""

import sys


def _window_only(argv: list[str]) -> tuple[bool, str | None]:
    """Whether the arguments only start the window (none, or ``--db PATH``), and the database:
    then the command line's parser is not even imported (a faster start), nor its console
    wrapper (the window prints nothing; stderr already replaces what it cannot encode)."""
    if not argv:
        return True, None
    if len(argv) == 2 and argv[0] == "--db" and not argv[1].startswith("-"):
        return True, argv[1]
    if len(argv) == 1 and argv[0].startswith("--db=") and len(argv[0]) > 5:
        return True, argv[0][5:]
    return False, None


def main() -> int:
    """The GUI without a subcommand (on a package's import preview when one is named, as a
    double-click on a .bjpkg file does), else the subcommand."""
    window, db = _window_only(sys.argv[1:])
    if window:
        from app.ui.application import run_gui

        return run_gui(db)
    from app.cli import build_parser, run, split_package_argument
    from app.cli.console import forgiving_output

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
