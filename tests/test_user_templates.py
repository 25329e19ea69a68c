"""Templates and forms a county adds in its own data folder (the install folder is read-only),
and files saved by Notepad in GBK or with a byte order mark."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app import paths
from app.models import EntryKind
from app.services import meetings, templates
from app.services.errors import ValidationError
from app.services.forms import load_forms_file
from app.services.settings import current_programme
from app.services.setup import initialise

SHIPPED = templates.TEMPLATES_DIR / "qingtian-2018.toml"
SHIPPED_NAME = "青田县司法局 2018 大帮教实施方案"


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """A user data folder of the test's own, with empty ``templates`` and ``forms``."""
    folder = tmp_path / "用户数据"
    (folder / "templates").mkdir(parents=True)
    (folder / "forms").mkdir()
    monkeypatch.setattr(paths, "user_data_dir", lambda: folder)
    return folder


def _text(name: str, forms: str = "standard") -> str:
    text = SHIPPED.read_text(encoding="utf-8")
    assert SHIPPED_NAME in text and 'forms = "standard"' in text
    return text.replace(SHIPPED_NAME, name).replace('forms = "standard"', f'forms = "{forms}"')


def test_a_county_adds_its_own_template_and_forms_in_the_data_folder(data_dir):
    forms = (templates.RESOURCES_DIR / "forms" / "standard.toml").read_text(encoding="utf-8")
    (data_dir / "forms" / "某县.toml").write_text(forms, encoding="utf-8")
    (data_dir / "templates" / "mouxian-2026.toml").write_text(
        _text("某县司法局 2026 大帮教实施方案", forms="某县"), encoding="utf-8"
    )
    listed = {t.key: t for t in templates.available_templates()}
    assert listed["qingtian-2018"].name == SHIPPED_NAME  # the shipped one is still there
    assert listed["mouxian-2026"].name == "某县司法局 2026 大帮教实施方案"
    info = templates.find_template("mouxian-2026")
    assert info.path == data_dir / "templates" / "mouxian-2026.toml"
    assert templates.read_template(info)["template"]["forms"] == "某县"  # its forms found
    assert [k.code for k in load_forms_file("某县")] == [
        k.code for k in load_forms_file("standard")
    ]


def test_the_users_copy_wins_over_the_shipped_template(data_dir):
    (data_dir / "templates" / "qingtian-2018.toml").write_text(
        _text("青田县 2018 方案（本局修订）"), encoding="utf-8"
    )
    listed = [t for t in templates.available_templates() if t.key == "qingtian-2018"]
    assert [t.name for t in listed] == ["青田县 2018 方案（本局修订）"]
    assert templates.find_template("qingtian-2018").path.parent == data_dir / "templates"


def test_a_template_saved_with_a_bom_is_read(data_dir):
    (data_dir / "templates" / "bom.toml").write_text(_text("带 BOM 的方案"), encoding="utf-8-sig")
    assert (data_dir / "templates" / "bom.toml").read_bytes().startswith(b"\xef\xbb\xbf")
    info = templates.find_template("bom")
    assert templates.read_template(info)["template"]["name"] == "带 BOM 的方案"


def test_a_template_saved_as_gbk_gets_a_chinese_message(data_dir, caplog):
    (data_dir / "templates" / "gbk.toml").write_bytes(_text("GBK 方案").encode("gbk"))
    with pytest.raises(ValidationError) as caught:
        templates.find_template("gbk")
    message = str(caught.value)
    assert message.startswith("模板文件 gbk.toml 不是 UTF-8 编码") and "另存为 UTF-8" in message
    keys = [t.key for t in templates.available_templates()]  # the list still opens
    assert "gbk" not in keys and "qingtian-2018" in keys
    assert "不是 UTF-8 编码" in caplog.text


def test_the_templates_command_says_why_a_countys_own_file_is_not_listed(data_dir, capsys):
    from app.cli import main

    (data_dir / "templates" / "gbk.toml").write_bytes(_text("GBK 方案").encode("gbk"))
    assert main(["templates"]) == 0
    out, err = capsys.readouterr()
    assert "qingtian-2018" in out and "gbk" not in out
    assert "未列出“gbk”：模板文件 gbk.toml 不是 UTF-8 编码" in err


def test_a_forms_file_saved_as_gbk_or_utf16_gets_a_chinese_message(data_dir):
    forms = (templates.RESOURCES_DIR / "forms" / "standard.toml").read_text(encoding="utf-8")
    (data_dir / "forms" / "gbk.toml").write_bytes(forms.encode("gbk"))
    (data_dir / "forms" / "u16.toml").write_text(forms, encoding="utf-16")
    with pytest.raises(
        ValidationError, match=re.escape("台账表单定义文件 gbk.toml 不是 UTF-8 编码")
    ):
        load_forms_file("gbk")
    with pytest.raises(ValidationError, match=re.escape("u16.toml 不是 UTF-8 编码（是 UTF-16")):
        load_forms_file("u16")


def test_a_copy_put_in_the_data_folder_is_used_at_once(database, data_dir):
    """What is built from the template (meeting types here) is kept while the template file
    stays as it is; a user copy added later wins at the next call, without a restart."""
    with database.session() as s:
        programme_id = current_programme(s).id
        assert meetings.meeting_types(s, programme_id).names[-1] == "推进会"  # shipped, kept
        text = _text(SHIPPED_NAME).replace(
            '    { name = "推进会", full_name = "大帮教工作推进会" },\n',
            '    { name = "推进会", full_name = "大帮教工作推进会" },\n'
            '    { name = "表彰会", full_name = "大帮教工作表彰会" },\n',
        )
        (data_dir / "templates" / "qingtian-2018.toml").write_text(text, encoding="utf-8")
        assert meetings.meeting_types(s, programme_id).names[-1] == "表彰会"


def test_a_database_is_set_up_from_the_users_template_and_forms(tmp_path, data_dir):
    """``init --template`` with a county's own template and forms file, both in the data
    folder (one with a BOM, as Notepad saves): the database gets the county's programme."""
    forms = (templates.RESOURCES_DIR / "forms" / "standard.toml").read_text(encoding="utf-8")
    forms = forms.replace('name = "经费保障"', 'name = "某县经费保障"')
    (data_dir / "forms" / "某县.toml").write_text(forms, encoding="utf-8-sig")
    text = _text("某县司法局 2026 大帮教实施方案", forms="某县")
    (data_dir / "templates" / "mouxian-2026.toml").write_text(text, encoding="utf-8")
    result = initialise(str(tmp_path / "某县.db"), "mouxian-2026", "县矫正办")
    try:
        with result.database.session() as s:
            programme = current_programme(s)
            assert programme.template_key == "mouxian-2026"
            first_kind = s.scalars(select(EntryKind).order_by(EntryKind.sort_order)).first()
            assert first_kind is not None and first_kind.name == "某县经费保障"
    finally:
        result.database.close()
