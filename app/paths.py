"""Where the application keeps its files (platformdirs, never the working directory)."""

from __future__ import annotations

from pathlib import Path

APP_NAME = "BangjiaoDesk"
RESOURCES_DIR = Path(__file__).resolve().parent.parent / "resources"


def user_data_dir() -> Path:
    """The per-user data folder (e.g. %LOCALAPPDATA%\\BangjiaoDesk on Windows)."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def default_database_path() -> Path:
    """The embedded default database file."""
    return user_data_dir() / "bangjiao.db"


def program_version() -> str:
    """The program's version: the installed package's, else the one in pyproject.toml beside
    the source (``uv run main.py`` from a checkout), else "未知"."""
    import tomllib
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("bangjiao-desk")
    except PackageNotFoundError:
        pass
    try:
        with (RESOURCES_DIR.parent / "pyproject.toml").open("rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "未知"
