"""Personal data leaving the office: correction subjects' names masked in exports (王*), and
who may export them in full."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from sqlalchemy.orm import Session

MASK = "*"
# two-character surnames kept whole (欧阳娜娜 → 欧阳**): the common ones of the 百家姓
COMPOUND_SURNAMES = frozenset(
    {"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
     "司徒", "司空", "夏侯", "令狐", "端木", "申屠", "轩辕", "澹台", "南宫", "呼延", "独孤",
     "闻人", "西门", "万俟", "拓跋", "百里", "钟离", "赫连", "太史", "东郭", "公冶", "濮阳"}
)  # fmt: skip
FULL_NAMES_REFUSED = (
    "只有负责人可以导出完整姓名。本次未导出。如需导出，请取消勾选“导出完整姓名”，将按打码姓名导出。"
)


def mask_name(name: str) -> str:
    """A person's name with only the surname left: 王五 → 王*, 张三丰 → 张**, 欧阳娜娜 → 欧阳**.
    The first character is kept (the first two for a compound surname such as 欧阳 when more
    follows), every other character becomes ``*``; an empty name stays empty."""
    name = name.strip()
    if not name:
        return ""
    kept = 2 if len(name) > 2 and name[:2] in COMPOUND_SURNAMES else 1
    return name[:kept] + MASK * (len(name) - kept)


def name_masker(names: Iterable[str]) -> Callable[[str], str]:
    """A function that masks every occurrence of one of ``names`` (two characters or more,
    the longest first) in a text, e.g. a title "走访王五" → "走访王*"."""
    wanted = sorted({n.strip() for n in names if len(n.strip()) >= 2}, key=len, reverse=True)
    if not wanted:
        return lambda text: text
    pattern = re.compile("|".join(re.escape(n) for n in wanted))
    return lambda text: pattern.sub(lambda found: mask_name(found.group()), text)


def may_export_full_names(session: Session) -> bool:
    """Whether the acting user (``session.info["actor"]``) may export correction subjects' full
    names: the role's ``ledger.export_full_names`` permission (the program itself may)."""
    from app.services.accounts import may

    return may(session, "ledger.export_full_names")


__all__ = [
    "FULL_NAMES_REFUSED",
    "mask_name",
    "may_export_full_names",
    "name_masker",
]
