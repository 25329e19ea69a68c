"""Realistic ledger data for benchmarks and manual testing: entries, subjects and photos.

Run: uv run python bench/generate_ledger.py --db FILE --entries 100000 --photos 1000 [--seed 1]

A missing database file is created from the qingtian-2018 template (unit 县矫正办); an
existing one gets more entries. Entries are owned by the departments and judicial offices,
spread over the programme year (mostly weekdays), with kinds that fit the unit: the entry kinds
of a department's indicators most of the time, pairing visits to its paired offices, and
"other"; 0.5 % are soft-deleted. Form values are filled so that they pass the kind's form
definition (a sample is checked with app.services.forms.clean_values afterwards). Rows are
written with SQLAlchemy Core ``insert(table)`` in batches inside one transaction (FACTS.md:
never ORM add_all for bulk). Photos are distinct camera-like JPEGs (≈ 300–550 KB) added
through the real attachment store (originals, previews, thumbnails beside the database) and
linked to random entries of kinds that call for photos.

Reusable: ``from generate_ledger import generate_ledger`` (with bench/ on sys.path).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select

from app.models import (
    Attachment,
    CorrectionSubject,
    Duty,
    EntryAttachment,
    EntryKind,
    Indicator,
    LedgerEntry,
    Pairing,
    Programme,
    SubjectCategory,
    Unit,
    UnitKind,
)
from app.services.database import Database, open_database
from app.services.forms import FieldDef, FormErrors, clean_values, parse_fields
from app.services.idcard import check_digit, normalise_id_number

TEMPLATE = "qingtian-2018"
LOCAL_UNIT_NAME = "县矫正办"
BATCH = 5000
SUBJECTS = 300
DELETED_SHARE = 0.005  # entries deleted by their unit (soft delete, kept as tombstones)
QINGTIAN_AREA = "331121"  # 浙江省丽水市青田县
PHOTO_SIZE = (1600, 1200)
# every tenth photo is larger than 1600 px, so the store also makes a reduced copy of it
LARGE_PHOTO_SIZE = (2048, 1536)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙朱胡郭何林叶潘季邹夏蒋金郑詹邱留"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志文海燕玲"
RARE = "喆堃玥镕昇珺璟"  # outside GB2312: must survive fonts, exports and PDFs

PLACES = [
    "鹤城街道文化礼堂", "温溪镇社区矫正工作站", "县社区矫正中心", "船寮镇村民活动中心",
    "海口镇司法所会议室", "瓯南街道新时代文明实践站", "东源镇中心小学", "北山镇法治公园",
]  # fmt: skip
SENTENCES = [
    "本次活动由科室负责人带队，参加人员认真做好记录。",
    "活动结合社区矫正对象的实际需求，突出教育帮扶和法治宣传。",
    "会后对照工作台账逐项核对，整理照片和签到表存档。",
    "针对发现的问题明确整改责任人和整改期限，下一步跟踪落实。",
    "与结对司法所工作人员座谈，了解社区矫正对象的思想动态和就业情况。",
    "现场发放宣传资料，解答群众和社区矫正对象的法律咨询。",
    "按照大帮教实施方案的分工要求，完成本月工作任务。",
    "活动得到乡镇党委政府和村（社区）的大力支持。",
    "社区矫正对象表示受益匪浅，将自觉遵守监督管理规定。",
    "邀请律师和公证员现场答疑，进一步拓展法律服务覆盖面。",
    "本月共走访社区矫正对象家庭三户，协调解决实际困难两件。",
    "材料已报县矫正办备案。",
]
TOPICS: dict[str, list[str]] = {
    "funding": ["社区矫正中心运行经费", "教育学习专项经费", "社区服务基地建设经费", "心理矫治服务经费"],
    "logistics": ["执法用车保障", "社区矫正中心场所维修", "办公用品配送", "集中教育后勤保障"],
    "recruitment": ["社区矫正社会工作者招聘", "公务员招录充实矫正队伍", "司法所人员调配"],
    "procurement": ["执法记录仪采购", "电子定位设备采购", "远程视频督察系统建设", "移动执法终端采购"],
    "training": ["社区矫正法律知识培训", "执法规范化培训", "警示教育", "建档考试", "业务集中学习"],
    "meeting_support": ["大帮教工作推进会", "社区矫正工作联席会议", "季度工作例会", "改革试点动员会"],
    "media_report": ["大帮教机制经验报道", "挂钩结对工作宣传", "社区矫正典型案例宣传"],
    "award": ["先进集体申报", "岗位津贴争取", "优秀社区矫正工作者推荐"],
    "publicity_event": ["宪法宣传", "社区矫正法律法规宣传", "公证业务知识宣传", "法律援助知识宣传", "扫黑除恶专项宣传"],
    "enforcement_inspection": ["执法档案检查", "监督管理规范检查", "执法案卷评查"],
    "certification": ["执法人员持证上岗核查", "《执法人员工作手册》发放"],
    "forensic_service": ["伤残等级鉴定", "劳动能力鉴定", "精神状态鉴定"],
    "office_building": ["司法所规范化建设指导", "司法所装备配置", "社区矫正宣告室建设"],
    "mediation": ["邻里纠纷调处", "婚姻家庭纠纷调处", "损害赔偿纠纷调处", "债务纠纷调处"],
    "lecture": ["社区矫正法律法规解读", "婚姻家庭与继承法律知识", "劳动合同法律知识", "远离赌博和毒品", "公证与日常生活"],
    "notary_service": ["继承公证", "委托公证", "声明书公证", "学历公证"],
    "legal_service": ["法律咨询", "代写法律文书", "法治体检"],
    "legal_aid": ["劳动报酬追索", "人身损害赔偿", "离婚纠纷", "刑事辩护"],
    "center_service": ["法律援助宣传进驻矫正中心", "矫正中心值班咨询"],
    "hotline": ["12348 热线法律咨询", "12348 热线来电回访"],
    "pairing_visit": ["挂钩结对工作对接", "业务指导", "共同走访矫正对象", "联合法治宣传"],
    "other": ["工作台账整理", "阶段工作小结", "迎接上级督导检查", "社区矫正信息化数据核查"],
}  # fmt: skip
TEXT_POOLS: dict[str, list[str]] = {
    "supplier": ["青田县瓯江信息技术有限公司", "丽水市安诚电子设备有限公司", "浙江正衡科技有限公司"],
    "media": ["青田司法微信公众号", "青田县电视台", "《丽水日报》", "青田新闻网", "《浙江法制报》"],
    "institution": ["丽水明鉴司法鉴定所", "青田县法医司法鉴定所", "浙江天平司法鉴定所"],
    "staff": ["法律援助中心值班律师", "法律援助中心工作人员"],
}  # fmt: skip
INTEGER_SPANS = {
    "participants": (10, 80), "passed": (5, 60), "attendees": (15, 150), "materials": (50, 2000),
    "times": (1, 5), "persons": (1, 3), "files_checked": (5, 60), "problems": (0, 8),
    "certified": (10, 40), "total": (10, 45), "handbook_copies": (20, 100),
    "consultations": (1, 30), "calls": (1, 20),
}  # fmt: skip
AMOUNT_SPANS = {"funding": (200_000, 8_000_000), "procurement": (100_000, 30_000_000)}  # cents
OPTIONAL_SUBJECT_SHARE = 0.6  # entries naming a subject where the form makes it optional
CATEGORY_WEIGHTS = {
    SubjectCategory.PROBATION: 85,
    SubjectCategory.PAROLE: 7,
    SubjectCategory.TEMPORARY_OUTSIDE: 5,
    SubjectCategory.CONTROL: 3,
}
OFFICE_KIND_WEIGHTS = {
    "mediation": 30, "publicity_event": 20, "pairing_visit": 12, "lecture": 10, "training": 6,
    "center_service": 5, "legal_service": 5, "other": 12,
}  # fmt: skip


def person_name(rng: random.Random) -> str:
    """A plausible Chinese name; about one in six uses a character outside GB2312."""
    given_len = 1 if rng.random() < 0.3 else 2
    chars = [rng.choice(RARE if rng.random() < 0.09 else GIVEN) for _ in range(given_len)]
    return rng.choice(SURNAMES) + "".join(chars)


def identity_number(rng: random.Random) -> str:
    """A valid 18-digit identity number of someone born 1950–2000 in Qingtian."""
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 50))
    first17 = f"{QINGTIAN_AREA}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + check_digit(first17)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _stamp(day: date, rng: random.Random) -> datetime:
    """A working-hours moment of that day (China time) as aware UTC."""
    local = datetime(day.year, day.month, day.day, 8, 0) + timedelta(seconds=rng.randrange(36000))
    return (local - timedelta(hours=8)).replace(tzinfo=UTC)


class Reference:
    """What the generator needs from the template's records."""

    def __init__(self, session, year: int) -> None:
        self.programme = session.scalar(
            select(Programme).where(Programme.year == year, Programme.deleted.is_(False))
        ) or session.scalar(select(Programme).where(Programme.deleted.is_(False)))
        if self.programme is None:
            raise SystemExit("数据库中没有实施方案，无法生成台账。")
        self.kinds = {k.code: k for k in session.scalars(select(EntryKind))}
        self.fields = {k.id: parse_fields(k.fields) for k in self.kinds.values()}
        units = session.scalars(
            select(Unit)
            .where(Unit.kind.in_([UnitKind.DEPARTMENT, UnitKind.JUDICIAL_OFFICE]))
            .where(Unit.deleted.is_(False))
            .order_by(Unit.sort_order)
        ).all()
        self.units = {u.id: u for u in units}
        self.departments = [u.id for u in units if u.kind == UnitKind.DEPARTMENT]
        self.offices = [u.id for u in units if u.kind == UnitKind.JUDICIAL_OFFICE]
        self.pairs: dict[int, list[int]] = defaultdict(list)
        for dep, office in session.execute(
            select(Pairing.department_id, Pairing.office_id).where(
                Pairing.programme_id == self.programme.id, Pairing.deleted.is_(False)
            )
        ):
            self.pairs[dep].append(office)
        self.duty_kinds: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
        for dep, kind_id, weight in session.execute(
            select(Duty.department_id, Indicator.entry_kind_id, Indicator.weight)
            .join(Duty, Indicator.duty_id == Duty.id)
            .where(Duty.programme_id == self.programme.id, Indicator.entry_kind_id.is_not(None))
            .where(Duty.deleted.is_(False), Indicator.deleted.is_(False))
        ):
            self.duty_kinds[dep][kind_id] += max(weight, 5.0)

    def kind_mix(self, unit_id: int) -> tuple[list[int], list[float]]:
        """Entry kinds a unit records and how often."""
        mix: dict[int, float] = defaultdict(float)
        if unit_id in self.departments:
            duty = self.duty_kinds.get(unit_id, {})
            total = sum(duty.values()) or 1.0
            for kind_id, weight in duty.items():
                mix[kind_id] += 80.0 * weight / total
            if self.pairs.get(unit_id):
                mix[self.kinds["pairing_visit"].id] += 12.0
            mix[self.kinds["other"].id] += 8.0 if duty else 100.0
        else:
            for code, weight in OFFICE_KIND_WEIGHTS.items():
                if code in self.kinds:
                    mix[self.kinds[code].id] += weight
        ids = sorted(mix)
        return ids, [mix[i] for i in ids]


def _field_value(
    f: FieldDef, kind: EntryKind, day: date, topic: str, values: dict, rng: random.Random, ref
) -> Any:
    """A value of the stored form for one field (None: leave it empty)."""
    if f.type == "subject":
        return None
    if f.type == "bool":  # the form always stores a bool (unticked is False)
        return rng.random() < 0.6
    if not f.required and rng.random() < 0.3:
        return None
    if f.type == "choice":
        fitting = [c for c in f.choices if topic.startswith(c)]  # 婚姻家庭纠纷调处 → 婚姻家庭
        return rng.choice(fitting or f.choices)
    if f.type == "date":
        if f.name == "approved_on":
            when = day - timedelta(days=rng.randrange(15))
        else:
            when = day + timedelta(days=rng.randrange(6))
        return min(max(when, date(day.year, 1, 1)), date(day.year, 12, 31)).isoformat()
    lo = f.min if f.min is not None else 0
    hi = f.max if f.max is not None else lo + 1000
    if f.type == "integer":
        a, b = INTEGER_SPANS.get(f.name, (lo, min(hi, lo + 50)))
        value = rng.randint(int(a), int(b))
        if f.name == "passed" and "participants" in values:
            value = rng.randint(0, values["participants"])
        if f.name == "total" and "certified" in values:
            value = values["certified"] + rng.randint(0, 5)
        return int(min(max(value, lo), hi))
    if f.type == "amount":
        a, b = AMOUNT_SPANS.get(kind.code, (10_000, 2_000_000))
        cents = rng.randint(a, b)
        cents -= cents % (100 if rng.random() < 0.7 else 1)  # mostly whole yuan
        cents = min(max(cents, int(lo * 100)), int(hi * 100))
        return f"{cents // 100}.{cents % 100:02d}"
    limit = f.max_length or (200 if f.type == "text" else 5000)
    name = f.name
    if name in ("topic", "items", "purpose", "meeting", "item", "service", "matter"):
        text = topic
    elif name in TEXT_POOLS:
        text = rng.choice(TEXT_POOLS[name])
    elif name in ("lecturer", "mediator", "lawyer", "applicant"):
        text = person_name(rng)
    elif name in ("visitors", "staff"):
        text = "、".join(person_name(rng) for _ in range(rng.randint(2, 3)))
    elif name in ("inspected", "office"):
        text = ref.units[rng.choice(ref.offices)].name
    elif name == "document_no":
        text = f"青司财〔{day.year}〕{rng.randint(1, 120)}号"
    elif name == "certificate_no":
        text = f"（{day.year}）浙青证民字第{rng.randint(1, 3000)}号"
    elif name == "link":
        text = "https://mp.weixin.qq.com/s/" + "".join(
            rng.choice("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
            for _ in range(22)
        )
    elif name == "location":
        text = rng.choice(PLACES)
    elif f.type == "longtext":
        text = "".join(rng.sample(SENTENCES, 2))
    else:
        text = topic
    return text[:limit]


_BASES: dict[tuple[int, tuple[int, int]], Any] = {}


def _base_image(key: int, size: tuple[int, int]):
    """One of a few smooth colour fields (cached per process: resizing is the slow part)."""
    from PIL import Image

    if (key, size) not in _BASES:
        rng = random.Random(f"base:{key}")
        gw, gh = ((32, 24), (48, 36), (64, 48))[key % 3]
        _BASES[key, size] = Image.frombytes("RGB", (gw, gh), rng.randbytes(gw * gh * 3)).resize(
            size, Image.Resampling.BICUBIC
        )
    return _BASES[key, size]


def _make_photo(job: tuple[str, int, int]) -> str:
    """Write one distinct camera-like JPEG (≈ 300–550 KB, every tenth larger); return its path.

    A smooth colour field plus per-photo sensor-like grain: every file differs (own SHA-256)
    and compresses like a photo, not like a flat test card.
    """
    import io

    from PIL import Image

    directory, seed, index = job
    rng = random.Random(f"photo:{seed}:{index}")
    size = LARGE_PHOTO_SIZE if index % 10 == 9 else PHOTO_SIZE
    base = _base_image(rng.randrange(12), size)
    grain = Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))
    image = Image.blend(base, grain.convert("RGB"), rng.uniform(0.04, 0.10))
    path = Path(directory) / f"IMG_{seed:04d}{index:06d}.jpg"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    path.write_bytes(buffer.getvalue())
    return str(path)


def make_subjects(conn, ref: Reference, rng: random.Random, now: datetime) -> tuple[list[int], int]:
    """Ids of live correction subjects, creating up to SUBJECTS of them first."""
    existing = conn.scalar(select(func.count()).select_from(CorrectionSubject)) or 0
    created = max(0, SUBJECTS - existing)
    categories = list(CATEGORY_WEIGHTS)
    rows = []
    for _ in range(created):
        office = rng.choice(ref.offices)
        rows.append(
            {
                "uuid": _uuid(rng),
                "created_at": now,
                "updated_at": now,
                "revision": 1,
                "deleted": False,
                "owner_unit_id": office,
                "name": person_name(rng),
                "category": rng.choices(categories, list(CATEGORY_WEIGHTS.values()))[0],
                "id_number": identity_number(rng) if rng.random() < 0.9 else "",
                "office_id": office,
            }
        )
    if rows:
        conn.execute(insert(CorrectionSubject.__table__), rows)
    ids = conn.scalars(
        select(CorrectionSubject.id).where(CorrectionSubject.deleted.is_(False))
    ).all()
    return list(ids), created


def entry_batches(
    ref: Reference, count: int, first_id: int, year: int, subjects: list[int], rng: random.Random
):
    """Yield batches (lists of BATCH dicts) of ledger-entry rows for Core insert."""
    days = [date(year, 1, 1) + timedelta(days=n) for n in range((date(year + 1, 1, 1) - date(year, 1, 1)).days)]  # fmt: skip
    # weekdays, a quiet Spring Festival (Feb) and summer, busier from the plan's issue (July)
    season = {1: 0.9, 2: 0.5, 3: 1.0, 4: 1.0, 5: 1.0, 6: 1.1, 7: 1.3, 8: 1.0, 9: 1.3, 10: 1.2, 11: 1.2, 12: 1.1}  # fmt: skip
    day_cum = []
    total = 0.0
    for d in days:
        total += season[d.month] * (1.0 if d.weekday() < 5 else 0.12)
        day_cum.append(total)
    units = ref.departments + ref.offices
    unit_cum, acc = [], 0.0
    for _ in units:
        acc += rng.uniform(0.6, 1.4)
        unit_cum.append(acc)
    mixes = {}
    for u in units:
        ids, weights = ref.kind_mix(u)
        cum, s = [], 0.0
        for w in weights:
            s += w
            cum.append(s)
        mixes[u] = (ids, cum)
    by_id = {k.id: k for k in ref.kinds.values()}
    subject_field = {
        kid: next((f for f in fields if f.type == "subject"), None)
        for kid, fields in ref.fields.items()
    }
    pairing_kind = ref.kinds["pairing_visit"].id
    patterns = ("{kind}：{topic}", "{unit}{kind}（{topic}）", "{month}月{kind}——{topic}", "{topic}")
    batch: list[dict] = []
    for n in range(count):
        day = rng.choices(days, cum_weights=day_cum)[0]
        unit_id = rng.choices(units, cum_weights=unit_cum)[0]
        ids, cum = mixes[unit_id]
        kind = by_id[rng.choices(ids, cum_weights=cum)[0]]
        topic = rng.choice(TOPICS.get(kind.code, TOPICS["other"]))
        unit = ref.units[unit_id]
        title = rng.choice(patterns).format(
            kind=kind.name, topic=topic, unit=unit.name, month=day.month
        )
        paired = None
        if kind.id == pairing_kind:
            paired = rng.choice(ref.pairs[unit_id]) if unit_id in ref.pairs else unit_id
        values: dict[str, Any] = {}
        for f in ref.fields[kind.id]:
            value = _field_value(f, kind, day, topic, values, rng, ref)
            if value is not None:
                values[f.name] = value
        subject_id = None
        sf = subject_field[kind.id]
        if sf is not None and subjects and (sf.required or rng.random() < OPTIONAL_SUBJECT_SHARE):
            subject_id = rng.choice(subjects)
        if kind.code in ("lecture", "publicity_event"):
            served = rng.randint(3, 30)
        elif subject_id is not None:
            served = 1
        else:
            served = rng.choice((0, 0, 1, 1, 2, 3, 5))
        r = rng.random()
        body = "" if r < 0.15 else "".join(rng.sample(SENTENCES, 1 + int(r * 3.5)))
        created = _stamp(day, rng)
        deleted = rng.random() < DELETED_SHARE
        batch.append(
            {
                "id": first_id + n,
                "uuid": _uuid(rng),
                "created_at": created,
                "updated_at": created + timedelta(days=3) if deleted else created,
                "revision": 2 if deleted else 1,
                "deleted": deleted,
                "owner_unit_id": unit_id,
                "entry_date": day,
                "kind_id": kind.id,
                "programme_id": ref.programme.id,
                "title": title[:200],
                "paired_office_id": paired,
                "subjects_served": served,
                "body": body,
                "values": values,
                "subject_id": subject_id,
            }
        )
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _add_photos(
    database: Database,
    ref: Reference,
    photos: int,
    seed: int,
    candidates: list[tuple[int, int, str]],
    rng: random.Random,
) -> tuple[int, int, float]:
    """Create, store and link ``photos`` photos; return (stored, links, seconds)."""
    start = time.perf_counter()
    store = database.attachments
    links: list[dict] = []
    now = datetime.now(UTC)
    with database.session() as session, tempfile.TemporaryDirectory() as tmp:
        offset = session.scalar(select(func.count()).select_from(Attachment)) or 0
        jobs = [(tmp, seed, offset + i) for i in range(photos)]
        workers = max(1, min(4, os.cpu_count() or 1))
        stored: list[tuple[int, int]] = []  # (attachment id, owner)
        next_entry = iter(rng.sample(candidates, min(len(candidates), photos)))
        group_left, entry = 0, None
        with ProcessPoolExecutor(workers) as pool:
            for path in pool.map(_make_photo, jobs, chunksize=8):
                if group_left == 0:
                    entry = next(next_entry, None) or rng.choice(candidates)
                    group_left = rng.choices((1, 2, 3, 4), (50, 25, 15, 10))[0]
                    order = 0
                entry_id, owner, title = entry
                result = store.add(session, Path(path), owner)
                Path(path).unlink()
                links.append(_link(rng, now, entry_id, result.attachment_id, owner, order, title))
                stored.append((result.attachment_id, owner))
                group_left -= 1
                order += 1
        # one photo in ten is also used by a second entry (the same event in two ledgers)
        for attachment_id, _ in rng.sample(stored, len(stored) // 10):
            entry_id, owner, title = rng.choice(candidates)
            links.append(_link(rng, now, entry_id, attachment_id, owner, 9, title))
        seen, unique = set(), []
        for link in links:
            key = (link["entry_id"], link["attachment_id"])
            if key not in seen:
                seen.add(key)
                unique.append(link)
        session.execute(insert(EntryAttachment.__table__), unique)
    return len(stored), len(unique), time.perf_counter() - start


def _link(rng, now, entry_id, attachment_id, owner, order, title) -> dict:
    return {
        "uuid": _uuid(rng),
        "created_at": now,
        "updated_at": now,
        "revision": 1,
        "deleted": False,
        "owner_unit_id": owner,
        "entry_id": entry_id,
        "attachment_id": attachment_id,
        "caption": f"{title[:40]} 现场照片{order + 1}",
        "sort_order": order,
    }


def link_every_photo_entry(database: Database, seed: int = 1) -> int:
    """Give every entry whose kind requires photos (min_photos) links to stored photos.

    The app refuses such an entry without its photos, so a real ledger has about one photo link
    per such entry. The links reuse the photos already stored (the list queries only see links).
    Returns how many links were added.
    """
    rng = random.Random(f"links:{seed}")
    now = datetime.now(UTC)
    with database.engine.begin() as conn:
        attachments = list(conn.scalars(select(Attachment.id)))
        needs = {
            kind_id: n
            for kind_id, n in conn.execute(
                select(EntryKind.id, EntryKind.min_photos).where(EntryKind.min_photos > 0)
            )
        }
        if not attachments or not needs:
            return 0
        linked = set(conn.scalars(select(EntryAttachment.entry_id).distinct()))
        rows = []
        for entry_id, kind_id, owner, title in conn.execute(
            select(
                LedgerEntry.id, LedgerEntry.kind_id, LedgerEntry.owner_unit_id, LedgerEntry.title
            ).where(LedgerEntry.kind_id.in_(needs))
        ):
            if entry_id in linked:
                continue
            n = max(needs[kind_id], rng.choices((1, 2, 3), (60, 25, 15))[0])
            for order, attachment_id in enumerate(rng.sample(attachments, n)):
                rows.append(_link(rng, now, entry_id, attachment_id, owner, order, title))
        for i in range(0, len(rows), BATCH):
            conn.execute(insert(EntryAttachment.__table__), rows[i : i + BATCH])
    return len(rows)


def validate_sample(database: Database, first_id: int, last_id: int, size: int = 500) -> int:
    """Check a random sample of generated entries against their forms; return how many."""
    rng = random.Random(last_id)
    ids = rng.sample(range(first_id, last_id + 1), min(size, last_id - first_id + 1))
    problems = []
    with database.session() as session:
        kinds = {k.id: k for k in session.scalars(select(EntryKind))}
        rows = session.execute(
            select(
                LedgerEntry.id, LedgerEntry.kind_id, LedgerEntry.values, LedgerEntry.subject_id
            ).where(LedgerEntry.id.in_(ids))
        ).all()
        for entry_id, kind_id, values, subject_id in rows:
            fields = parse_fields(kinds[kind_id].fields)
            try:
                cleaned = clean_values(fields, values)
            except FormErrors as exc:
                problems.append(f"#{entry_id}: {exc}")
                continue
            if cleaned != values:
                problems.append(f"#{entry_id}: stored {values!r} cleans to {cleaned!r}")
            if any(f.type == "subject" and f.required for f in fields) and subject_id is None:
                problems.append(f"#{entry_id}: required subject missing")
        for (number,) in session.execute(
            select(CorrectionSubject.id_number).where(CorrectionSubject.id_number != "")
        ):
            if normalise_id_number(number) != number:
                problems.append(f"identity number {number}")
    if problems or len(rows) != len(ids):
        raise AssertionError(f"{len(problems)} generated rows fail validation: {problems[:5]}")
    return len(rows)


def generate_ledger(
    db_path: Path, entries: int, photos: int = 0, seed: int = 1, year: int = 2018
) -> dict:
    """Add ``entries`` ledger entries and ``photos`` photos to the database at ``db_path``.

    Returns counts and timings: ``entries``, ``subjects_created``, ``photos``,
    ``photo_links``, ``build_s`` (making the dicts), ``insert_s`` (Core inserts and commit),
    ``entries_per_s`` (insert path only), ``photos_s``, ``validated``, ``total_s``.
    """
    from app.services.setup import initialise

    db_path = Path(db_path)
    total_start = time.perf_counter()
    if db_path.exists():
        database = open_database(str(db_path))
    else:
        database = initialise(str(db_path), TEMPLATE, LOCAL_UNIT_NAME).database
    now = datetime.now(UTC)
    try:
        with database.session() as session:
            ref = Reference(session, year)
            first_id = (session.scalar(select(func.max(LedgerEntry.id))) or 0) + 1
            session.expunge_all()
        # same seed, same data in a fresh file; a second run into the same file differs
        rng = random.Random(seed if first_id == 1 else f"{seed}:{first_id}")
        build_s = insert_s = 0.0
        photo_kinds = {k.id for k in ref.kinds.values() if k.min_photos > 0}
        candidates: list[tuple[int, int, str]] = []
        with database.engine.begin() as conn:
            subjects, subjects_created = make_subjects(conn, ref, rng, now)
            mark = time.perf_counter()
            for batch in entry_batches(ref, entries, first_id, year, subjects, rng):
                made = time.perf_counter()
                build_s += made - mark
                conn.execute(insert(LedgerEntry.__table__), batch)
                candidates += [
                    (r["id"], r["owner_unit_id"], r["title"])
                    for r in batch
                    if r["kind_id"] in photo_kinds or not photo_kinds
                ]
                mark = time.perf_counter()
                insert_s += mark - made
            commit_start = time.perf_counter()
        insert_s += time.perf_counter() - commit_start
        stored = links = 0
        photos_s = 0.0
        if photos and candidates:
            stored, links, photos_s = _add_photos(database, ref, photos, seed, candidates, rng)
        validated = validate_sample(database, first_id, first_id + entries - 1) if entries else 0
    finally:
        database.close()
    return {
        "db_path": str(db_path),
        "entries": entries,
        "subjects_created": subjects_created,
        "photos": stored,
        "photo_links": links,
        "build_s": build_s,
        "insert_s": insert_s,
        "entries_per_s": entries / insert_s if insert_s else 0.0,
        "photos_s": photos_s,
        "validated": validated,
        "total_s": time.perf_counter() - total_start,
    }


def print_summary(result: dict) -> None:
    """The generator's figures, one per line."""
    r = result
    print(f"database:            {r['db_path']}")
    print(f"correction subjects: {r['subjects_created']} created")
    print(
        f"ledger entries:      {r['entries']:,} — building dicts {r['build_s']:.2f} s, "
        f"Core insert + commit {r['insert_s']:.2f} s = {r['entries_per_s']:,.0f} rows/s "
        f"(both: {r['entries'] / max(r['build_s'] + r['insert_s'], 1e-9):,.0f} rows/s)"
    )
    if r["photos"]:
        print(
            f"photos:              {r['photos']:,} stored, {r['photo_links']:,} links, "
            f"{r['photos_s']:.1f} s = {r['photos'] / r['photos_s']:.1f} photos/s"
        )
    print(f"validated:           {r['validated']} sampled entries pass their forms")
    print(f"total:               {r['total_s']:.1f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="SQLite file (created if missing)")
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--photos", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--year", type=int, default=2018)
    args = parser.parse_args(argv)
    print_summary(generate_ledger(args.db, args.entries, args.photos, args.seed, args.year))


if __name__ == "__main__":
    main()
