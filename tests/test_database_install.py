"""Opening databases the way installed PCs do: odd folder names, frozen builds, network shares."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from app.services.database import database_url, open_database, sqlite_file
from app.services.settings import set_setting


@pytest.mark.parametrize("folder", ["a%41b", "市局 #1?备份", "a%20b"])
def test_any_folder_name_opens_exactly_that_file(tmp_path, db_path, folder):
    """The path is escaped into the URL: ``a%41b`` must not open ``aAb``."""
    place = tmp_path / folder
    place.mkdir()
    target = place / "数据 #.db"
    shutil.copy(db_path, target)
    assert sqlite_file(database_url(str(target))) == target
    db = open_database(str(target))
    try:
        with db.session() as s:
            set_setting(s, "where", folder)
    finally:
        db.close()
    with sqlite3.connect(target) as conn:
        row = conn.execute("SELECT value FROM local_settings WHERE key = 'where'").fetchone()
    assert row is not None and folder in row[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["bangjiao.db", folder])
