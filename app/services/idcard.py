"""Resident identity numbers (GB 11643-1999): checking and masking."""

from __future__ import annotations

import re
from datetime import date

from app.services.errors import ValidationError

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_PATTERN = re.compile(r"\d{17}[\dX]")


def check_digit(first17: str) -> str:
    """The check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalise_id_number(text: str) -> str:
    """Upper-case, no spaces; a validated 18-character identity number, or ValidationError.

    An empty string stays empty (the number is optional).
    """
    value = "".join(text.split()).upper()
    if not value:
        return ""
    if not _PATTERN.fullmatch(value):
        raise ValidationError(
            "身份证号码应为 18 位（前 17 位为数字，最后一位为数字或 X）。", "id_number"
        )
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError("身份证号码中的出生日期无效。", "id_number") from None
    if check_digit(value[:17]) != value[17]:
        raise ValidationError("身份证号码校验位不正确，请核对。", "id_number")
    return value


def mask_id_number(value: str) -> str:
    """Show only the first 4 and last 4 characters, e.g. 3311**********1234."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]
