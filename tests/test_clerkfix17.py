"""What a new clerk met on two PCs (issue 17, clerk pass 18): a credential issued after the
programme was copied into a new year, roles, and the 核查/台账 pages' details."""

from __future__ import annotations

import json

from app.cli import main
from app.services.database import open_database
from app.services.programme import new_programme


def test_a_credential_issued_after_a_new_year_names_the_template_and_the_unit_joins(tmp_path):
    county, unit, cred = tmp_path / "county.db", tmp_path / "unit.db", tmp_path / "法援.cred"
    init = ["--db", str(county), "init", "--template", "qingtian-2018", "--unit", "县矫正办"]
    assert main(init) == 0
    database = open_database(str(county))
    try:
        with database.session() as s:
            new_programme(s, year=2019, copy_from_year=2018)
    finally:
        database.close()
    issue = ["--db", str(county), "credential", "--unit", "法律援助中心", "--out", str(cred)]
    assert main(issue) == 0
    assert json.loads(cred.read_text(encoding="utf-8"))["template"] == "qingtian-2018"
    assert main(["--db", str(unit), "init", "--credential", str(cred)]) == 0
    assert unit.exists()
