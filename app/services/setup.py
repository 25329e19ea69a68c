"""First-run set-up: fill a database from a template (or blank) and record this PC's unit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Programme, Unit, UnitKind
from app.services.database import Database, open_database, remove_sqlite_file, sqlite_file
from app.services.database import database_url as to_url
from app.services.errors import UserError, ValidationError
from app.services.settings import CURRENT_PROGRAMME, LOCAL_UNIT, local_unit, set_setting
from app.services.templates import (
    LoadReport,
    find_template,
    load_template,
    read_template,
    template_unit_names,
)


@dataclass
class SetupResult:
    """What :func:`initialise` did."""

    database: Database
    unit_name: str
    programme_title: str | None
    report: LoadReport


def template_year(data: dict[str, Any]) -> int:
    """The year of a template's programme."""
    return int(data["programme"]["year"])


def proposed_year(data: dict[str, Any], today: date) -> int | None:
    """The year the wizard proposes when the template's year is past by the PC's clock
    (``today``'s year), else None."""
    year = template_year(data)
    return today.year if today.year > year else None


def needs_setup(database: Database) -> bool:
    """True while this installation has not chosen its unit."""
    with database.session() as session:
        return local_unit(session) is None


def initialise(
    db: str | None,
    template_key: str | None,
    unit_name: str,
    blank_unit_kind: UnitKind | None = None,
    *,
    year: int | None = None,
) -> SetupResult:
    """Create or complete the database named by ``--db``.

    With a template, its records are loaded (again: nothing is duplicated) and ``unit_name``
    must be one of its units. Without one (blank), a single unit named ``unit_name`` of
    ``blank_unit_kind`` is created. Everything is checked before the database is touched; a
    database file this call created is removed again if anything fails.

    With ``year`` later than the template's (the wizard's proposal when the template's year is
    past), the county office's PC also starts the programme of ``year`` from the template's
    (``programme.new_programme``: the calendar year, as 开始新年度 proposes) and makes it
    current; the template's year stays, viewable. Refused for another unit than the county
    office.
    """
    unit_name = unit_name.strip()
    if not unit_name:
        raise ValidationError("请填写本机所属单位。", field="unit")
    data = None
    if template_key:
        info = find_template(template_key)
        data = read_template(info)
        if unit_name not in template_unit_names(data):
            names = "、".join(template_unit_names(data))
            raise ValidationError(
                f"模板“{template_key}”中没有单位“{unit_name}”。可选的单位：{names}", field="unit"
            )
    path = sqlite_file(to_url(db))
    fresh_file = path is not None and not Path(path).exists()
    database: Database | None = None
    try:
        database = open_database(db)
        with database.session() as session:
            programme = None
            report = LoadReport()
            if data is not None:
                programme, report = load_template(session, info)
                set_setting(session, CURRENT_PROGRAMME, programme.uuid)
            unit = session.scalar(select(Unit).where(Unit.name == unit_name))
            if unit is None:
                if blank_unit_kind is None:
                    raise ValidationError(f"数据库中没有单位“{unit_name}”。", field="unit")
                unit = Unit(name=unit_name, kind=blank_unit_kind)
                session.add(unit)
                session.flush()
                unit.owner_unit_id = unit.id
                report.count("单位", True)
            current = local_unit(session)
            if current is not None and current.id != unit.id:
                raise ValidationError(
                    f"本数据库已设为“{current.name}”使用，不能改为“{unit_name}”。", field="unit"
                )
            set_setting(session, LOCAL_UNIT, unit.uuid)
            if year is not None and programme is not None and year != programme.year:
                programme = _start_year(session, programme, unit, year)
            title = programme.title if programme else None
        return SetupResult(database, unit_name, title, report)
    except BaseException:
        if database is not None:
            database.close()
        if fresh_file and path is not None:
            remove_sqlite_file(path)
        raise


def _start_year(session: Session, template: Programme, unit: Unit, year: int) -> Programme:
    """The programme of ``year`` copied from the template's, running the calendar year
    (``programme.default_period``, as 开始新年度)."""
    from app.services.programme import new_programme

    if unit.kind != UnitKind.COUNTY_OFFICE:
        raise ValidationError("只有县矫正办的电脑可以建立新年度的实施方案。", field="year")
    if year < template.year:
        raise ValidationError(f"年度不能早于模板的 {template.year} 年度。", field="year")
    return new_programme(session, year=year, copy_from_year=template.year)


__all__ = ["SetupResult", "UserError", "initialise", "needs_setup"]
