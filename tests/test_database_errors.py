"""The database's error messages never quote the values of a statement: they are logged, and
values are personal data (names, identity numbers, record texts)."""

from __future__ import annotations

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from app.models import Unit, UnitKind

SECRET = "王秘密331127198503121234"


def test_an_integrity_error_does_not_carry_the_inserted_values(database):
    with database.session() as s:
        taken = s.get(Unit, 1).uuid
        values = {
            "uuid": taken,
            "name": SECRET,
            "kind": UnitKind.DEPARTMENT,
            "sort_order": 99,
        }
        with pytest.raises(IntegrityError) as failed:
            s.execute(insert(Unit).values(**values))  # a second unit with the same uuid
        s.rollback()
    message = str(failed.value)
    # still says what went wrong (SQLite's words, or PostgreSQL's constraint name)
    assert "UNIQUE constraint failed: units.uuid" in message or "uq_units_uuid" in message
    assert SECRET not in message and taken not in message
    assert "hidden" in message


def test_a_refused_row_is_not_quoted_back(database):
    """PostgreSQL's error quotes the whole refused row ("DETAIL: Failing row contains (…)");
    the program's exception keeps what went wrong and loses the row, on both databases."""
    with database.session() as s:
        with pytest.raises(IntegrityError) as failed:
            s.execute(insert(Unit).values(name=SECRET, kind=None, sort_order=99, uuid="u-1"))
        s.rollback()
    message = str(failed.value)
    assert "kind" in message  # the column named
    assert SECRET not in message and "Failing row" not in message
