"""Wording of official documents that is data: a section of the programme's template
(``[bulletin]``, ``[minutes]``…), read from the template file the programme was made from."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

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
        data = templates.read_template(templates.find_template(key))
    except ValidationError:
        return {}
    section = data.get(name, {})
    return dict(section) if isinstance(section, dict) else {}


_T = TypeVar("_T")
# (templates folders, template key, what) → (its file, the file's mtime, what was made from it):
# reading a template costs ≈ 10 ms and pages ask on every refresh; an edited file is read again,
# and so is a copy the user puts in the data folder (it wins over the shipped file)
_MADE: dict[tuple[tuple[Path, ...], str, str], tuple[Path, int, Any]] = {}


def from_template(
    session: Session,
    programme_id: int | None,
    what: str,
    make: Callable[[Session, int], _T],
    default: _T,
) -> _T:
    """``make(session, programme_id)`` — something built from the programme's template (its
    meeting types, its rating form…; ``what`` names it) — built once while the template file
    stays as it is; ``default`` for a programme made from no template."""
    from app.services import templates

    programme = session.get(Programme, programme_id) if programme_id is not None else None
    own_key = template_key(session, programme) if programme is not None else None
    if programme is None or not own_key:
        return default
    folders = templates.template_folders()
    key = (tuple(folders), own_key, what)
    known = _MADE.get(key)
    if known is not None:
        try:
            winner = templates.template_file(own_key)
            if winner == known[0] and known[0].stat().st_mtime_ns == known[1]:
                made: _T = known[2]
                return made
        except OSError:
            pass
    try:  # the file's time before reading it: a change while reading is read next time
        path = templates.find_template(own_key).path
        mtime = path.stat().st_mtime_ns
    except (ValidationError, OSError):
        return make(session, programme.id)
    made = make(session, programme.id)
    _MADE[key] = (path, mtime, made)
    return made
