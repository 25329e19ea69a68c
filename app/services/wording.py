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


def book_title(title: str) -> str:
    """A document's title in 《》, once: 关于…的实施方案 and 《关于…的实施方案》 both give the latter."""
    bare = title.strip().removeprefix("《").removesuffix("》")
    return f"《{bare}》" if bare else ""


def signed(points: float, *, plus: bool = True) -> str:
    """Points with a true minus sign (U+2212), not a hyphen: +5, −2, 0 (``plus=False``: 5)."""
    text = f"{abs(points):g}"
    if points < 0:
        return f"\u2212{text}"
    return f"+{text}" if plus and points > 0 else text


def name_list(names: list[str] | tuple[str, ...]) -> str:
    """Names joined with 、; a name that itself holds 、 (公证管理科、公证处) in “” so the list
    still reads as so many names."""
    return "、".join(f"“{n}”" if "、" in n else n for n in names)


def sentence_of_lines(text: str, lead: str = "") -> str:
    """Lines (e.g. numbered findings "1．…" on lines of their own) as one sentence: joined with
    "；", after ``lead``, ending with "。"."""
    lines = [line.strip().rstrip("；;。.，,") for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    return lead + "；".join(lines) + "。"


def figure(value: float | None) -> str:
    """A figure as documents print it: 1,200 / 2.5 / 0.75 (no trailing zeros); "—" for None."""
    if value is None:
        return "—"
    return (
        f"{int(value):,}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")
    )


def percent(ratio: float | None) -> str:
    """A ratio as a whole percentage (0.305 → 31%); "—" for None."""
    return "—" if ratio is None else f"{ratio * 100:.0f}%"
