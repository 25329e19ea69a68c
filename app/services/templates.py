"""Programme templates: data files under ``resources/templates`` that seed a database.

A template transcribes one county's plan (units, goals, phases, pairings, duties and
indicators). Loading is idempotent: every record gets a UUID derived from the template key
and its natural key, so a second load finds what the first made, and two offices that load
the same template agree on every record's identity.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    AgreementTemplate,
    AssessmentScheme,
    Duty,
    EntryKind,
    Goal,
    GoalMetric,
    Indicator,
    IndicatorMeasure,
    Pairing,
    Phase,
    Programme,
    SyncedRecord,
    Unit,
    UnitKind,
)
from app.paths import RESOURCES_DIR
from app.services.datafiles import data_folders, find_data_file, read_toml
from app.services.errors import ValidationError
from app.services.forms import load_forms_file

TEMPLATES_DIR = RESOURCES_DIR / "templates"
log = logging.getLogger(__name__)
_NAMESPACE = uuid.UUID("6f1c2a8e-5b0d-4c1e-9a63-2d7f0b8e4c11")


@dataclass(frozen=True)
class TemplateInfo:
    """A template file found on disk."""

    key: str
    name: str
    path: Path


@dataclass
class LoadReport:
    """What a template load created (``created``) and found already present (``existing``)."""

    created: dict[str, int] = field(default_factory=dict)
    existing: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, was_created: bool) -> None:
        """Record one record of ``kind``."""
        bucket = self.created if was_created else self.existing
        bucket[kind] = bucket.get(kind, 0) + 1


def template_folders() -> list[Path]:
    """Where templates are looked for: ``resources/templates``, then the user's ``templates``
    folder in the data folder (a county's own templates; its copy wins on the same key)."""
    return data_folders("templates", TEMPLATES_DIR)


def _template_paths(directory: Path | None) -> dict[str, Path]:
    paths: dict[str, Path] = {}
    for folder in [directory] if directory is not None else template_folders():
        for path in sorted(folder.glob("*.toml")):
            paths[path.stem] = path
    return paths


def available_templates(directory: Path | None = None) -> list[TemplateInfo]:
    """Every template (in ``directory`` if given, else in :func:`template_folders`), by key.
    A file that cannot be read is left out of the list (and logged); choosing it by key with
    :func:`find_template` says what is wrong with it, as :func:`unreadable_templates` does."""
    found = []
    for key, path in sorted(_template_paths(directory).items()):
        try:
            data = _read(path)
        except ValidationError as exc:
            log.warning("%s", exc)
            continue
        found.append(TemplateInfo(key, data["template"]["name"], path))
    return found


def unreadable_templates(directory: Path | None = None) -> list[tuple[str, str]]:
    """The templates left out of :func:`available_templates`: (key, what is wrong), in
    Chinese, so a county that added its own is told why it is not offered."""
    problems = []
    for key, path in sorted(_template_paths(directory).items()):
        try:
            _read(path)
        except ValidationError as exc:
            problems.append((key, str(exc)))
    return problems


def template_file(key: str, directory: Path | None = None) -> Path | None:
    """The file of the template ``key`` that wins (the user's copy over the shipped one)."""
    folders = [directory] if directory is not None else template_folders()
    return find_data_file(f"{key}.toml", folders)


def find_template(key: str, directory: Path | None = None) -> TemplateInfo:
    """The template named ``key``, or a ValidationError listing the ones that exist."""
    path = template_file(key, directory)
    if path is not None:
        return TemplateInfo(key, _read(path)["template"]["name"], path)
    names = "、".join(t.key for t in available_templates(directory)) or "（无）"
    raise ValidationError(f"找不到模板“{key}”。可用的模板：{names}", field="template")


def read_template(info: TemplateInfo) -> dict[str, Any]:
    """The template's data, checked for internal consistency."""
    data = _read(info.path)
    _check(data, info.path.name)
    return data


def template_unit_names(data: dict[str, Any]) -> list[str]:
    """Names of the units a template defines, in its order."""
    return [u["name"] for u in data["units"]]


def _read(path: Path) -> dict[str, Any]:
    return read_toml(path, "模板文件")


def _check(data: dict[str, Any], filename: str) -> None:
    names = set(template_unit_names(data))
    kinds = {k.value for k in UnitKind}

    def need(condition: bool, message: str) -> None:
        if not condition:
            raise ValidationError(f"模板文件 {filename} 有误：{message}")

    for unit in data["units"]:
        need(unit.get("kind") in kinds, f"单位“{unit['name']}”的类别“{unit.get('kind')}”无效")
        need(unit.get("parent") in (None, *names), f"单位“{unit['name']}”的上级不存在")
    need(data["programme"].get("owner") in names, "方案的所属单位不存在")
    programme = data["programme"]
    for first, last, what in (("start", "end", "方案的起止日期"),
                              ("assessment_start", "assessment_end", "考核期")):  # fmt: skip
        for key in (first, last):
            need(key not in programme or isinstance(programme[key], date),
                 f"{what}的 {key} 应是日期，如 2018-06-28")  # fmt: skip
        both = isinstance(programme.get(first), date) and isinstance(programme.get(last), date)
        need(not both or programme[first] <= programme[last], f"{what}的开始日期晚于结束日期")
    need(("assessment_start" in programme) == ("assessment_end" in programme),
         "考核期应同时写明 assessment_start 和 assessment_end")  # fmt: skip
    if "agreement" in data:
        need(data["agreement"].get("party_a") in names, "责任状甲方单位不存在")
    if "meetings" in data:
        from app.services.meetings import check_types_section

        problem = check_types_section(data["meetings"])
        need(problem is None, problem or "")
    from app.services.assessment import RULE_CODES, check_categories

    if "categories" in data.get("assessment", {}):
        problem = check_categories(data["assessment"]["categories"])
        need(problem is None, problem or "")
    for rule in data.get("assessment", {}).get("rules", []):
        need(rule.get("code") in RULE_CODES, f"考核项目“{rule.get('label', '')}”的 code 无效")
        need(
            isinstance(rule.get("points"), int | float),
            f"考核项目“{rule.get('label', '')}”缺少分值",
        )
    if "statistics" in data:
        from app.services.statistics_reports import check_statistics_section

        problem = check_statistics_section(data["statistics"])
        need(problem is None, problem or "")
    if "peer_rating" in data.get("assessment", {}):
        from app.services.peer_ratings import check_items_section

        problem = check_items_section(data["assessment"]["peer_rating"])
        need(problem is None, problem or "")
    forms_key = data["template"].get("forms", "")
    need(bool(forms_key), "缺少台账表单定义（[template] forms）")
    kinds_by_code = {k.code: k for k in load_forms_file(forms_key)}
    kind_codes = set(kinds_by_code)
    for pairing in data.get("pairings", []):
        need(pairing["department"] in names, f"结对科室“{pairing['department']}”不存在")
        for office in pairing["offices"]:
            need(office in names, f"结对司法所“{office}”不存在")
    for duty in data.get("duties", []):
        need(duty["department"] in names, f"职责所属科室“{duty['department']}”不存在")
        need(bool(duty.get("indicators")), f"职责“{duty['text']}”没有量化指标")
        for ind in duty["indicators"]:
            need(ind.get("kind") in (None, *kind_codes), f"指标“{ind['name']}”的台账类型不存在")
            need(ind["target"] >= 0, f"指标“{ind['name']}”的目标为负数")
            need(
                ind.get("entered_by", "county") in ("county", "department"),
                f"指标“{ind['name']}”的 entered_by 应为 county 或 department",
            )
            if ind.get("measure") == "sum":
                numeric = {"subjects_served"} | {
                    f.name for f in kinds_by_code[ind["kind"]].fields if f.is_numeric
                }
                need(
                    ind.get("sum_field") in numeric,
                    f"指标“{ind['name']}”的求和字段不是该台账类型的数值项",
                )


def _uid(template_key: str, *parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join([template_key, *map(str, parts)])))


_Record = TypeVar("_Record", bound=SyncedRecord)


class _Loader:
    def __init__(self, session: Session, key: str, report: LoadReport) -> None:
        self.session = session
        self.key = key
        self.report = report

    def upsert(
        self, model: type[_Record], label: str, natural_key: tuple[Any, ...], **values: Any
    ) -> _Record:
        """Find a record by its derived UUID or create it with ``values``."""
        record_uuid = _uid(self.key, model.__tablename__, *natural_key)
        record = self.session.scalar(select(model).where(model.uuid == record_uuid))
        created = record is None
        if record is None:
            record = model(uuid=record_uuid, **values)
            self.session.add(record)
            self.session.flush()
        self.report.count(label, created)
        return record


def load_template(session: Session, info: TemplateInfo) -> tuple[Programme, LoadReport]:
    """Create the template's records that are not there yet; return the programme."""
    data = read_template(info)
    report = LoadReport()
    loader = _Loader(session, info.key, report)
    units = _load_units(session, loader, data["units"])
    owner = units[data["programme"]["owner"]]
    for unit in units.values():
        if unit.owner_unit_id is None:
            unit.owner_unit_id = owner.id
    programme = _load_programme(loader, info.key, data["programme"], owner)
    for order, goal in enumerate(data.get("goals", [])):
        loader.upsert(
            Goal, "目标", (goal["metric"],),
            programme_id=programme.id, owner_unit_id=owner.id,
            metric=GoalMetric(goal["metric"]), title=goal["title"],
            description=goal.get("description", ""), target_min=goal["target_min"],
            target_max=goal.get("target_max"), measure_unit=goal.get("unit", "%"),
            sort_order=order,
        )  # fmt: skip
    for order, phase in enumerate(data.get("phases", [])):
        recipient = units.get(phase.get("recipient", ""))
        loader.upsert(
            Phase, "阶段", (phase["name"],),
            programme_id=programme.id, owner_unit_id=owner.id, name=phase["name"],
            start_date=phase["start"], end_date=phase["end"], deadline=phase.get("deadline"),
            deadline_task=phase.get("deadline_task", ""),
            description=phase.get("description", ""), sort_order=order,
            recipient_unit_id=recipient.id if recipient else None,
        )  # fmt: skip
    kinds = _load_entry_kinds(session, loader, data["template"]["forms"], owner)
    for pairing in data.get("pairings", []):
        department = units[pairing["department"]]
        for office_name in pairing["offices"]:
            loader.upsert(
                Pairing, "挂钩结对", (department.name, office_name),
                programme_id=programme.id, owner_unit_id=owner.id,
                department_id=department.id, office_id=units[office_name].id,
            )  # fmt: skip
    _load_duties(loader, data.get("duties", []), programme, owner, units, kinds)
    if "agreement" in data:
        wording = {
            k: v.isoformat() if isinstance(v, date) else v for k, v in data["agreement"].items()
        }
        loader.upsert(
            AgreementTemplate, "责任状文本", (),
            programme_id=programme.id, owner_unit_id=owner.id, title=wording["title"], sections=wording,
        )  # fmt: skip
    if "assessment" in data:
        scheme = data["assessment"]
        loader.upsert(
            AssessmentScheme, "考核方案", (),
            programme_id=programme.id, owner_unit_id=owner.id, name=scheme["name"],
            indicator_points=float(scheme.get("indicator_points", 100)),
            rules=[dict(rule) for rule in scheme.get("rules", [])],
            categories=[
                {**category, "items": [dict(item) for item in category["items"]]}
                for category in scheme["categories"]
            ] if "categories" in scheme else None,
        )  # fmt: skip
    return programme, report


def _load_entry_kinds(
    session: Session, loader: _Loader, forms_key: str, owner: Unit
) -> dict[str, EntryKind]:
    """Create the forms file's kinds; bring existing ones up to the file's definition."""
    kinds: dict[str, EntryKind] = {}
    for order, kind in enumerate(load_forms_file(forms_key)):
        definition = {
            "name": kind.name,
            "description": kind.description,
            "fields": [f.to_dict() for f in kind.fields],
            "min_photos": kind.min_photos,
        }
        existing = session.scalar(select(EntryKind).where(EntryKind.code == kind.code))
        if existing is not None:
            changed = {k: v for k, v in definition.items() if getattr(existing, k) != v}
            for key, value in changed.items():
                setattr(existing, key, value)
            loader.report.count("台账类型", False)
            if changed:
                loader.report.updated["台账类型"] = loader.report.updated.get("台账类型", 0) + 1
            kinds[kind.code] = existing
            continue
        kinds[kind.code] = loader.upsert(
            EntryKind, "台账类型", (kind.code,),
            owner_unit_id=owner.id, code=kind.code, sort_order=order, **definition,
        )  # fmt: skip
    return kinds


def _load_units(session: Session, loader: _Loader, rows: list[dict[str, Any]]) -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    for order, row in enumerate(rows):
        existing = session.scalar(select(Unit).where(Unit.name == row["name"]))
        if existing is not None:
            loader.report.count("单位", False)
            units[row["name"]] = existing
            continue
        parent = units.get(row.get("parent", ""))
        units[row["name"]] = loader.upsert(
            Unit, "单位", (row["name"],),
            name=row["name"], kind=UnitKind(row["kind"]),
            parent_id=parent.id if parent else None, sort_order=order,
        )  # fmt: skip
    return units


def _date_of(row: dict[str, Any], key: str) -> date | None:
    value = row.get(key)
    return value if isinstance(value, date) else None


def _load_programme(loader: _Loader, key: str, row: dict[str, Any], owner: Unit) -> Programme:
    programme = loader.upsert(
        Programme, "实施方案", (),
        template_key=key, owner_unit_id=owner.id, title=row["title"], issuer=row["issuer"],
        document_number=row.get("document_number", ""), issue_date=_date_of(row, "issue_date"),
        year=row["year"], basis=row.get("basis", ""),
    )  # fmt: skip
    if programme.start_date is None and programme.end_date is None:  # new, or from before 0009
        start, end = programme.period
        programme.start_date = _date_of(row, "start") or start
        programme.end_date = _date_of(row, "end") or end
        programme.assessment_start = _date_of(row, "assessment_start")
        programme.assessment_end = _date_of(row, "assessment_end")
    return programme


def _load_duties(
    loader: _Loader,
    rows: list[dict[str, Any]],
    programme: Programme,
    owner: Unit,
    units: dict[str, Unit],
    kinds: dict[str, EntryKind],
) -> None:
    order_in_department: dict[str, int] = {}
    for row in rows:
        department = units[row["department"]]
        order = order_in_department.get(department.name, 0)
        order_in_department[department.name] = order + 1
        duty = loader.upsert(
            Duty, "职责", (department.name, order),
            programme_id=programme.id, owner_unit_id=owner.id,
            department_id=department.id, text=row["text"], sort_order=order,
        )  # fmt: skip
        for ind_order, ind in enumerate(row["indicators"]):
            kind = kinds.get(ind.get("kind", ""))
            loader.upsert(
                Indicator, "指标", (department.name, order, ind_order),
                duty_id=duty.id, owner_unit_id=owner.id, name=ind["name"],
                measure_unit=ind["unit"], annual_target=ind["target"],
                weight=ind.get("weight", 0), measure=IndicatorMeasure(ind.get("measure", "count")),
                entry_kind_id=kind.id if kind else None, sum_field=ind.get("sum_field", ""),
                verified_only=bool(ind.get("verified_only", False)),
                value_unit_id=department.id if ind.get("entered_by") == "department" else None,
                sort_order=ind_order,
            )  # fmt: skip
