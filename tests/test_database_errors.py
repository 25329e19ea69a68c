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
    assert "UNIQUE constraint failed: units.uuid" in message  # still says what went wrong
    assert SECRET not in message and taken not in message
    assert "hidden" in message
