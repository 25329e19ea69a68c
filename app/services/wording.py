"""How dates and ordinal numbers are written in Chinese official text."""

from __future__ import annotations

from datetime import date

NUMERALS = "一二三四五六七八九十"


def cn_date(value: date) -> str:
    """2018年6月28日 (no leading zeros)."""
    return f"{value.year}年{value.month}月{value.day}日"


def cn_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十 (for headings 一、 and （一）, up to 99)."""
    if n <= 10:
        return NUMERALS[n - 1]
    return (
        ("" if n < 20 else NUMERALS[n // 10 - 1]) + "十" + (NUMERALS[n % 10 - 1] if n % 10 else "")
    )
