"""Ledger form definitions (data) and validation of what a user typed into them.

A definition is a list of fields; each has a ``name``, ``label``, ``type`` (text, longtext,
integer, amount, date, choice, bool, subject), ``required``, optional ``min``/``max``,
``max_length``, ``choices`` and ``help``. Definitions come from ``resources/forms/*.toml``
and are stored on each EntryKind.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.paths import RESOURCES_DIR
from app.services.datafiles import data_folders, find_data_file, read_toml
from app.services.errors import UserError, ValidationError
from app.services.wording import cn_date

if TYPE_CHECKING:
    from app.services.dates import DateRange

FORMS_DIR = RESOURCES_DIR / "forms"
FIELD_TYPES = ("text", "longtext", "integer", "amount", "date", "choice", "bool", "subject")
DEFAULT_MAX_LENGTH = {"text": 200, "longtext": 5000}
COMMON_SUM_FIELDS = {"subjects_served": "服务矫正对象人数"}


class FormErrors(UserError):
    """Several fields are wrong at once; ``errors`` maps field name to a Chinese message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("；".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class FieldDef:
    """One field of a form."""

    name: str
    label: str
    type: str
    required: bool = False
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    help: str = ""
    personal: bool = False  # a person's data (e.g. 申请人): sealed at rest, masked in exports

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FieldDef:
        """Build from the stored or file form."""
        return cls(
            name=data["name"],
            label=data["label"],
            type=data["type"],
            required=bool(data.get("required", False)),
            min=data.get("min"),
            max=data.get("max"),
            max_length=data.get("max_length"),
            choices=tuple(data.get("choices", ())),
            help=data.get("help", ""),
            personal=bool(data.get("personal", False)),
        )

    def to_dict(self) -> dict[str, Any]:
        """The stored form (only what is set)."""
        out: dict[str, Any] = {"name": self.name, "label": self.label, "type": self.type}
        if self.required:
            out["required"] = True
        for key in ("min", "max", "max_length", "help"):
            if getattr(self, key) not in (None, ""):
                out[key] = getattr(self, key)
        if self.choices:
            out["choices"] = list(self.choices)
        if self.personal:
            out["personal"] = True
        return out

    @property
    def is_numeric(self) -> bool:
        """Integer and amount fields can be summed by an indicator."""
        return self.type in ("integer", "amount")


@dataclass(frozen=True)
class KindDef:
    """An entry kind as defined in a forms file."""

    code: str
    name: str
    description: str = ""
    min_photos: int = 0
    fields: tuple[FieldDef, ...] = field(default_factory=tuple)


def parse_fields(stored: list[dict[str, Any]] | None) -> list[FieldDef]:
    """Field definitions from an EntryKind's stored JSON."""
    return [FieldDef.from_dict(d) for d in stored or []]


def load_forms_file(key: str, directory: Path | None = None) -> list[KindDef]:
    """The kinds defined in ``<key>.toml``, checked: from ``directory`` if given, else from
    the user's ``forms`` folder in the data folder or, if not there, ``resources/forms``."""
    name = f"{key}.toml"
    if directory is not None:
        path = directory / name
    else:
        path = find_data_file(name, data_folders("forms", FORMS_DIR)) or FORMS_DIR / name
    data = read_toml(path, "台账表单定义文件")
    kinds = []
    codes: set[str] = set()
    for raw in data.get("kinds", []):
        fields = tuple(FieldDef.from_dict(f) for f in raw.get("fields", []))
        kind = KindDef(
            raw["code"],
            raw["name"],
            raw.get("description", ""),
            int(raw.get("min_photos", 0)),
            fields,
        )
        problem = check_kind(kind)
        if kind.code in codes:
            problem = f"活动类型代码“{kind.code}”重复"
        if problem:
            raise ValidationError(f"台账表单定义文件 {path.name} 有误：{problem}")
        codes.add(kind.code)
        kinds.append(kind)
    return kinds


@cache
def _personal_in(path: Path, _mtime: float) -> frozenset[str]:
    data = read_toml(path, "台账表单定义文件")
    return frozenset(
        str(f.get("name"))
        for kind in data.get("kinds", [])
        for f in kind.get("fields", [])
        if isinstance(f, dict) and f.get("personal")
    )


def personal_field_names() -> frozenset[str]:
    """The names of fields marked ``personal`` in any form definition file on this PC
    (shipped or the user's), whose values are sealed at rest (``app.models.sealed``)."""
    names: set[str] = set()
    for folder in data_folders("forms", FORMS_DIR):
        for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
            names |= _personal_in(path, path.stat().st_mtime)
    return frozenset(names)


def check_kind(kind: KindDef) -> str | None:
    """What is wrong with a kind definition, or None."""
    names = [f.name for f in kind.fields]
    if len(set(names)) != len(names):
        return f"“{kind.name}”有重复的字段代码"
    if sum(f.type == "subject" for f in kind.fields) > 1:
        return f"“{kind.name}”最多只能有一个社区矫正对象字段"
    for f in kind.fields:
        if not (isinstance(f.name, str) and f.name and isinstance(f.label, str)):
            return f"“{kind.name}”有字段的代码或名称不是文字"
        if not isinstance(f.help, str) or not all(isinstance(c, str) for c in f.choices):
            return f"“{kind.name}”的字段“{f.label}”的说明或选项不是文字"
        if not all(b is None or _is_number(b) for b in (f.min, f.max)):
            return f"“{kind.name}”的字段“{f.label}”的上下限不是数字"
        if f.max_length is not None and not (type(f.max_length) is int and f.max_length > 0):
            return f"“{kind.name}”的字段“{f.label}”的字数上限不是正整数"
        if f.type not in FIELD_TYPES:
            return f"“{kind.name}”的字段“{f.label}”类型“{f.type}”无效"
        if f.type == "choice" and not f.choices:
            return f"“{kind.name}”的选项字段“{f.label}”没有选项"
        if f.name in COMMON_SUM_FIELDS:
            return f"“{kind.name}”的字段代码“{f.name}”与公共项重名"
    return None


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
EARLIEST_DATE = date(2000, 1, 1)


def parse_date_text(text: str, label: str, field: str, latest: date | None = None) -> date:
    """A date a clerk typed: 2018-07-02, 2018-7-2, 2018/7/2 or 2018年7月2日.

    Refuses, in Chinese, what is not a date, a day that does not exist, and dates before 2000
    or after ``latest`` (when given).
    """
    match = _DATE.fullmatch(text.strip())
    if match is None:
        raise ValidationError(f"“{label}”格式不对，应为 2018-07-02 这样的形式。", field)
    try:
        value = date(*map(int, match.groups()))
    except ValueError:
        raise ValidationError(f"“{label}”{text.strip()} 这一天不存在，请核对。", field) from None
    if value < EARLIEST_DATE:
        raise ValidationError(f"“{label}”不能早于 2000 年。", field)
    if latest is not None and value > latest:
        raise ValidationError(f"“{label}”不能晚于今天。", field)
    return value


def _number_text(text: str) -> str:
    return text.strip().replace(",", "").replace("，", "").replace("¥", "").replace("元", "")


def clean_value(f: FieldDef, raw: Any, dates: DateRange | None = None) -> Any:
    """Turn one typed value into its stored form, or raise ValidationError naming the field.

    Stored forms: text → str, integer → int, amount → str of a 2-place decimal,
    date → ISO text (inside ``dates`` when given: the programme's ``DatePurpose.FORM_FIELD``
    range, as the form's date fields offer), choice → one of the choices, bool → bool.
    Empty → None.
    """
    if f.type == "bool":
        return bool(raw)
    if f.type == "subject":
        return raw  # the subject itself is checked by the ledger service
    if isinstance(raw, date):
        text = raw.isoformat()
    else:
        text = "" if raw is None else str(raw).strip()
    if not text:
        if f.required:
            verb = "请选择" if f.type in ("choice", "date") else "请填写"
            raise ValidationError(f"{verb}“{f.label}”。", f.name)
        return None
    if f.type in ("text", "longtext"):
        limit = f.max_length or DEFAULT_MAX_LENGTH[f.type]
        if len(text) > limit:
            raise ValidationError(f"“{f.label}”不能超过 {limit} 个字。", f.name)
        return text
    if f.type == "choice":
        if text not in f.choices:
            raise ValidationError(f"“{f.label}”请从列表中选择。", f.name)
        return text
    if f.type == "date":
        value = parse_date_text(text, f.label, f.name)
        if dates is not None:
            dates.check(value, field=f.name, label=f"“{f.label}”")
        return value.isoformat()
    if f.type == "integer":
        try:
            number: Decimal | int = int(_number_text(text))
        except ValueError:
            raise ValidationError(f"“{f.label}”必须是整数。", f.name) from None
    else:  # amount
        try:
            number = Decimal(_number_text(text))
        except InvalidOperation:
            raise ValidationError(
                f"“{f.label}”必须是金额数字，如 1500 或 1500.50。", f.name
            ) from None
        if not number.is_finite():
            raise ValidationError(f"“{f.label}”必须是金额数字，如 1500 或 1500.50。", f.name)
        if number != number.quantize(Decimal("0.01")):
            raise ValidationError(f"“{f.label}”最多保留两位小数。", f.name)
    if f.min is not None and number < Decimal(str(f.min)):
        raise ValidationError(f"“{f.label}”不能小于 {_plain(f.min)}。", f.name)
    if f.max is not None and number > Decimal(str(f.max)):
        raise ValidationError(f"“{f.label}”不能大于 {_plain(f.max)}。", f.name)
    return number if isinstance(number, int) else str(number.quantize(Decimal("0.01")))


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def clean_values(
    fields: list[FieldDef], raw: dict[str, Any], dates: DateRange | None = None
) -> dict[str, Any]:
    """Validate every field (dates inside ``dates`` when given); raise FormErrors listing each
    bad one (all at once)."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in fields:
        if f.type == "subject":
            continue
        try:
            value = clean_value(f, raw.get(f.name), dates)
        except ValidationError as exc:
            errors[f.name] = exc.message
            continue
        if value is not None:
            cleaned[f.name] = value
    if errors:
        raise FormErrors(errors)
    return cleaned


class StoredValues:
    """Checks the values stored on entries of one form (``fields``; dates inside ``dates``):
    they must be what :func:`clean_values` stores. Verdicts on values seen before are kept
    (the same choices, numbers and dates recur over thousands of entries)."""

    def __init__(self, fields: list[FieldDef], dates: DateRange | None = None) -> None:
        self.fields = {f.name: f for f in fields if f.type != "subject"}
        self.required = [f for f in self.fields.values() if f.required]
        self.dates = dates
        self._memo: dict[tuple[str, type, Any], str | None] = {}

    def problem(self, values: dict[str, Any]) -> tuple[str | None, str] | None:
        """The first way ``values`` differ from what the form stores: a key that is no field of
        the form (field None: the key is not named, it could be anything), a value
        :func:`clean_value` refuses or would store differently (another type, other text), a
        required field missing. ``(field name, Chinese message)``, or None."""
        for name, value in values.items():
            f = self.fields.get(name)
            if f is None:
                return None, "有表单中没有的项"
            if f.type in _FREE_TEXT or type(value) not in _STORED_TYPES:
                problem = _stored_value_problem(f, value, self.dates)
            else:
                key = (name, type(value), value)
                problem = self._memo.get(key, "")
                if problem == "":  # not seen yet
                    if len(self._memo) >= _MEMO_SIZE:  # e.g. amounts that never recur
                        self._memo.clear()
                    problem = self._memo[key] = _stored_value_problem(f, value, self.dates)
            if problem is not None:
                return name, problem
        for f in self.required:
            if f.name not in values:
                try:
                    clean_value(f, None, self.dates)  # says what the form says of an empty field
                except ValidationError as exc:
                    return f.name, exc.message
        return None


_FREE_TEXT = ("text", "longtext")  # values too varied to remember
_MEMO_SIZE = 20_000  # verdicts a StoredValues keeps at most
_STORED_TYPES = (str, int, bool)  # what clean_value stores (amounts and dates as text)


def _stored_value_problem(f: FieldDef, value: Any, dates: DateRange | None) -> str | None:
    if type(value) not in _STORED_TYPES:
        return f"“{f.label}”的值类型不对。"
    try:
        cleaned = clean_value(f, value, dates)
    except ValidationError as exc:
        return exc.message
    if type(cleaned) is not type(value) or cleaned != value:
        return f"“{f.label}”的值不是表单保存的形式。"
    return None


def display_value(f: FieldDef, value: Any) -> str:
    """A stored value as a person reads it."""
    if value is None or value == "":
        return ""
    if f.type == "bool":
        return "是" if value else "否"
    if f.type == "date":
        return cn_date(date.fromisoformat(value))
    return str(value)
