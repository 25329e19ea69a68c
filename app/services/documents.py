"""Wording of official documents that is data: a section of the programme's template
(``[bulletin]``, ``[minutes]``…), read from the template file the programme was made from."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Programme
from app.services.errors import ValidationError


def template_key(session: Session, programme: Programme) -> str | None:
    """The template whose wording ``programme`` uses: its own, else (a programme started from
    an earlier year, see services.programme.new_programme) the latest earlier year's."""
    if programme.template_key:
        return programme.template_key
    return session.scalar(
        select(Programme.template_key)
        .where(
            Programme.year < programme.year,
            Programme.template_key.is_not(None),
            Programme.deleted.is_(False),
        )
        .order_by(Programme.year.desc())
        .limit(1)
    )


def template_section(session: Session, programme_id: int, name: str) -> dict[str, Any]:
    """The template's ``[name]`` table for this programme; empty when the programme was not
    made from a template or the template (or the table) is not there: callers fall back to
    defaults, so a document never fails for want of wording."""
    from app.services import templates

    programme = session.get(Programme, programme_id)
    key = template_key(session, programme) if programme is not None else None
    if not key:
        return {}
    try:
        data = templates.read_template(templates.find_template(key, templates.TEMPLATES_DIR))
    except ValidationError:
        return {}
    section = data.get(name, {})
    return dict(section) if isinstance(section, dict) else {}
