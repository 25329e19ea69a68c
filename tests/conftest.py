"""Shared fixtures: real SQLite files in tmp folders, the real Qt application offscreen."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from app.services.database import Database, open_database
from app.services.setup import initialise

DATA_DIR = Path(__file__).parent / "data"
TEMPLATE_KEY = "qingtian-2018"


@pytest.fixture(scope="session")
def template_db_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database filled from the built-in template once per run (for copying)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    result = initialise(str(path), TEMPLATE_KEY, "县矫正办")
    result.database.close()
    return path


@pytest.fixture
def db_path(tmp_path: Path, template_db_file: Path) -> Path:
    """A fresh copy of the template database for one test."""
    path = tmp_path / "bangjiao.db"
    shutil.copy(template_db_file, path)
    return path


@pytest.fixture
def database(db_path: Path) -> Database:
    """The copied template database, opened; closed after the test."""
    db = open_database(str(db_path))
    yield db
    db.close()


@pytest.fixture
def gui_app(qapp):
    """pytest-qt's QApplication, set up as the app sets it up (translations, font, style)."""
    from app.ui.application import create_application

    create_application([])
    return qapp
