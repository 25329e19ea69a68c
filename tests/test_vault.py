"""Encryption at rest: what a copied database, its write-ahead log and its backups reveal of a
correction subject and of this PC's private keys (nothing), logins that unlock it, the
recovery code, and a database kept in clear encrypted in place when its first 管理员 is set
up (from every stored schema)."""

from __future__ import annotations

import base64
import json
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, text

from app.models import CorrectionSubject, LocalSetting, SubjectCategory, User
from app.models.sealed import LOCKED, DataKey, DataLocked, key_state
from app.services import accounts, vault
from app.services.database import Database, backup_sqlite_file, open_database
from app.services.errors import UserError
from app.services.subjects import SubjectInput, find_or_create_subject
from app.sync import identity
from tests.conftest import ADMIN_USER, DATA_DIR, TEST_PASSWORD
from tests.helpers import valid_id_number

NAME = "欧阳秘密"
NUMBER = valid_id_number()


def _add_subject(database: Database, name: str = NAME, number: str = NUMBER) -> int:
    with database.session() as s:
        return find_or_create_subject(
            s, SubjectInput(name=name, category=SubjectCategory.PROBATION.value, id_number=number),
            None,
        )  # fmt: skip


def _private_key_texts(database: Database) -> list[bytes]:
    """This PC's private keys as they would appear in clear (base64 text and raw bytes)."""
    with database.session() as s:
        pairs = identity.key_pairs(s)
    found = []
    for value in (pairs.signing_private, pairs.encryption_private):
        found += [value.encode(), base64.b64decode(value)]
    return found


def _files_of(path: Path) -> list[Path]:
    return [p for p in (path, path.with_name(path.name + "-wal")) if p.exists()]


def _search(files: list[Path], needles: list[bytes]) -> list[str]:
    """What of ``needles`` (and the name in UTF-8 and UTF-16) is in any of ``files``."""
    hits = []
    for file in files:
        data = file.read_bytes()
        for needle in needles:
            if needle in data:
                hits.append(f"{file.name}: {needle[:12]!r}")
    return hits


def _needles(name: str, number: str) -> list[bytes]:
    """A name in UTF-8, UTF-16 and as JSON writes it (``\\u6b27…``), and a number."""
    escaped = json.dumps(name)[1:-1].encode("ascii")
    return [name.encode("utf-8"), name.encode("utf-16-le"), escaped, number.encode("ascii")]


def _login(database: Database, name: str = ADMIN_USER, password: str = TEST_PASSWORD) -> None:
    with database.session() as s:
        database.actor = accounts.authenticate(s, name, password)


@pytest.mark.sqlite_only(reason="a raw byte search of the SQLite file, its WAL and its copies")
def test_a_raw_byte_search_of_database_wal_and_backups_finds_no_subject_or_private_key(
    database, db_path, tmp_path, capsys
):
    subject_id = _add_subject(database)
    secrets = _private_key_texts(database)
    with database.session() as s:  # a change in the WAL, not yet checkpointed
        subject = s.get(CorrectionSubject, subject_id)
        assert subject is not None and subject.name == NAME and subject.id_number == NUMBER
    assert db_path.with_name(db_path.name + "-wal").exists()
    copy = backup_sqlite_file(db_path)  # the copy an upgrade makes
    from app.services.backup.archive import read_backup, write_backup
    from app.services.backup.container import MasterKey, Secret

    archive = tmp_path / "backup.bjbak"
    write_backup(db_path, database.attachments, archive, MasterKey.from_password("backup-pass-1"))
    staging = tmp_path / "opened"
    staging.mkdir()
    opened = read_backup(archive, Secret("backup-pass-1"), staging=staging, restoring=False)
    assert opened.database is not None  # the backup's database, its password taken off
    files = [*_files_of(db_path), copy, archive, opened.database]
    hits = _search(files, [*_needles(NAME, NUMBER), *secrets])
    with capsys.disabled():
        sizes = ", ".join(f"{f.name} {f.stat().st_size} B" for f in files)
        print(f"\n[byte search] {sizes}: name/number/private keys found {len(hits)} times")
    assert hits == []


def test_identity_numbers_are_still_found_and_names_read_after_a_login(database, db_path):
    subject_id = _add_subject(database)
    database.close()
    reopened = open_database(str(db_path))
    try:
        assert key_state(reopened.engine) is LOCKED
        with pytest.raises(DataLocked, match="请先登录"), reopened.session() as s:
            s.scalars(select(CorrectionSubject.name)).all()
        _login(reopened)
        assert isinstance(key_state(reopened.engine), DataKey)
        # the same number finds the same person (a keyed hash, not the number, is compared)
        assert _add_subject(reopened) == subject_id
        with reopened.session() as s:
            found = s.scalar(select(CorrectionSubject).where(CorrectionSubject.id_number == NUMBER))
            assert found is not None and found.name == NAME
        with pytest.raises(UserError, match="已登记为"):
            _add_subject(reopened, name="另一个人")
    finally:
        reopened.close()


def test_a_wrong_password_unlocks_nothing(db_path):
    database = open_database(str(db_path))
    try:
        with pytest.raises(UserError), database.session() as s:
            accounts.authenticate(s, ADMIN_USER, "wrong-password")
        assert key_state(database.engine) is LOCKED
    finally:
        database.close()


def test_users_a_manager_adds_or_resets_open_the_data_and_so_does_a_changed_password(db_path):
    database = open_database(str(db_path))
    try:
        _login(database)
        _add_subject(database)
        with database.session() as s:
            clerk = accounts.add_user(s, "clerk", "clerk-password-1", "填报员")
            clerk_id = clerk.id
        database.close()
        database = open_database(str(db_path))
        _login(database, "clerk", "clerk-password-1")
        with database.session() as s:
            accounts.change_password(s, clerk_id, "clerk-password-1", "clerk-password-2")
        database.close()
        database = open_database(str(db_path))
        _login(database, "clerk", "clerk-password-2")
        with database.session() as s:
            assert s.scalar(select(CorrectionSubject.name)) == NAME
            assert TEST_PASSWORD not in (s.get(User, clerk_id).wrapped_key or "")
    finally:
        database.close()


def test_the_recovery_code_opens_the_data_when_every_password_is_forgotten(db_path, recovery_code):
    database = open_database(str(db_path))
    try:
        _login(database)
        _add_subject(database)
        database.close()
        database = open_database(str(db_path))
        with database.session() as s:
            new_code = accounts.recover_with_code(s, recovery_code, ADMIN_USER, "new-password-9")
        assert new_code != recovery_code
        database.close()
        database = open_database(str(db_path))
        _login(database, ADMIN_USER, "new-password-9")
        with database.session() as s:
            assert s.scalar(select(CorrectionSubject.name)) == NAME
        database.close()
        database = open_database(str(db_path))  # the old code is used up, the new one works
        with pytest.raises(UserError, match="恢复码不正确"), database.session() as s:
            accounts.recover_with_code(s, recovery_code, ADMIN_USER, "other-password-9")
        with database.session() as s:
            accounts.recover_with_code(s, new_code, ADMIN_USER, "other-password-9")
    finally:
        database.close()


def test_a_user_made_before_the_encryption_is_told_to_ask_for_a_reset(db_path):
    database = open_database(str(db_path))
    try:
        with database.session() as s:  # as a database of the version before encryption had it
            s.add(User(name="old", name_key="old", display_name="", role="填报员",
                       password_hash=accounts.hash_secret("old-password-1"), active=True))  # fmt: skip
        with pytest.raises(UserError, match="重设密码"), database.session() as s:
            accounts.authenticate(s, "old", "old-password-1")
    finally:
        database.close()


def _plain_database(path: Path) -> Database:
    """A database as the version before accounts left it: in clear, without users."""
    from app.services.setup import initialise
    from tests.conftest import TEMPLATE_KEY

    result = initialise(str(path), TEMPLATE_KEY, "县矫正办")
    with result.database.session() as s:
        identity.key_pairs(s)
    return result.database


def test_a_database_kept_in_clear_is_encrypted_in_place_when_its_first_manager_is_set_up(tmp_path):
    path = tmp_path / "old.db"
    database = _plain_database(path)
    try:
        assert key_state(database.engine) is None
        _add_subject(database)
        secrets = _private_key_texts(database)
        assert _search(_files_of(path), _needles(NAME, NUMBER)) != []  # in clear before
        upgrade_copy = backup_sqlite_file(path)  # as an upgrade of the schema leaves beside it
        with database.session() as s:
            accounts.create_first_admin(s, "admin", "admin-password-1")
        assert not upgrade_copy.exists()  # the plain copies are gone
        assert list(path.parent.glob("old.backup-*")) == []
        assert _search(_files_of(path), [*_needles(NAME, NUMBER), *secrets]) == []
        with database.session() as s:
            assert s.scalar(select(CorrectionSubject.name)) == NAME  # still unlocked
        database.close()
        database = open_database(str(path))
        _login(database, "admin", "admin-password-1")
        with database.session() as s:
            subject = s.scalar(select(CorrectionSubject))
            assert subject is not None and (subject.name, subject.id_number) == (NAME, NUMBER)
            assert _private_key_texts(database) == secrets  # the same keys, now sealed
            stored = s.get(LocalSetting, "exchange.keys")
            assert stored is not None and vault.is_sealed_text(stored.value)
    finally:
        database.close()


def test_a_failed_encryption_leaves_the_database_as_it_was(tmp_path):
    path = tmp_path / "old.db"
    database = _plain_database(path)
    try:
        _add_subject(database)
        database.close()
        with sqlite3.connect(path) as conn:
            plain = conn.execute("SELECT name, id_number FROM correction_subjects").fetchall()
        database = open_database(str(path))
        with pytest.raises(UserError), database.session() as s:
            accounts.create_first_admin(s, "admin", "short")  # refused: password too short
        assert key_state(database.engine) is None
        with sqlite3.connect(path) as conn:
            assert (
                conn.execute("SELECT name, id_number FROM correction_subjects").fetchall() == plain
            )
            assert conn.execute("SELECT COUNT(*) FROM users").fetchone() == (0,)
    finally:
        database.close()


def _revisions() -> list[str]:
    from alembic.script import ScriptDirectory

    from app.services.database import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config())
    return sorted(script.revision for script in scripts.walk_revisions())[:-1]  # not the head


def _database_at(revision: str, path: Path) -> None:
    """An empty database at schema ``revision`` (as that version of the program made it)."""
    from alembic import command

    from app.services.database import alembic_config, create_db_engine, sqlite_url

    engine = create_db_engine(sqlite_url(path))
    try:
        config = alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
    finally:
        engine.dispose()


PEOPLE = [("欧阳秘密", NUMBER), ("司马无号", "")]


def _insert_subjects(path: Path) -> None:
    """Two subjects in clear, written as the older program wrote them."""
    import uuid

    with sqlite3.connect(path) as conn:
        for name, number in PEOPLE:
            conn.execute(
                "INSERT INTO correction_subjects (uuid, revision, created_at, updated_at, deleted,"
                " name, category, id_number) VALUES (?, 1, '2018-05-01 00:00:00',"
                " '2018-05-01 00:00:00', 0, ?, 'PROBATION', ?)",
                (str(uuid.uuid4()), name, number),
            )


@pytest.mark.parametrize(
    "source", [*(f"file:{p.name}" for p in sorted(DATA_DIR.glob("schema-*.db"))), *_revisions()]
)
def test_every_stored_schema_upgrades_and_is_encrypted_with_its_subjects(tmp_path, source):
    """Each released schema file, and a database at each earlier revision: upgraded, then
    encrypted in place by its first 管理员, with its subjects readable after a login."""
    path = tmp_path / "old.db"
    if source.startswith("file:"):
        shutil.copy(DATA_DIR / source[5:], path)
    else:
        _database_at(source, path)
    _insert_subjects(path)
    database = open_database(str(path))
    try:
        assert database.backup_path is not None  # the upgrade copied the file first
        with database.session() as s:
            accounts.create_first_admin(s, "admin", "admin-password-1")
        needles = [n for name, number in PEOPLE for n in _needles(name, number or "-") if n != b"-"]
        assert _search(_files_of(path), needles) == []
        assert list(path.parent.glob("old.backup-*")) == []  # no plain copy is left
        database.close()
        database = open_database(str(path))
        _login(database, "admin", "admin-password-1")
        with database.session() as s:
            rows = s.execute(select(CorrectionSubject.name, CorrectionSubject.id_number)).all()
        assert sorted(map(tuple, rows)) == sorted(PEOPLE)
    finally:
        database.close()


def test_a_managers_login_encrypts_a_database_that_has_users_but_no_vault(
    qtbot, gui_app, tmp_path, monkeypatch, dialogs
):
    """A database from the build with accounts but before encryption: the 管理员's login in
    the window encrypts it and shows the new recovery code; other users are told to get a
    new password."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDialogButtonBox

    from app.ui.dialogs.account_dialogs import LoginDialog, RecoveryCodeDialog

    path = tmp_path / "accounts-in-clear.db"
    database = _plain_database(path)
    _add_subject(database)
    with database.session() as s:  # as that build made them: hashes, no wrapped keys
        for name, role in (("boss", "管理员"), ("clerk", "填报员")):
            s.add(User(name=name, name_key=name, display_name="", role=role,
                       password_hash=accounts.hash_secret(f"{name}-password-1"), active=True))  # fmt: skip
    database.close()
    database = open_database(str(path))
    try:
        with database.session() as s:
            assert accounts.needs_encryption(s)
        shown: list[str] = []
        monkeypatch.setattr(RecoveryCodeDialog, "exec", lambda self: shown.append(self.code) or 1)
        dialog = LoginDialog(database)
        qtbot.addWidget(dialog)
        dialog.name.setText("boss")
        dialog.password.setText("boss-password-1")
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        assert dialog.result() == LoginDialog.DialogCode.Accepted
        (told,) = dialogs.texts("information")
        assert "现已为社区矫正对象的个人信息" in told and "重设密码" in told
        assert len(shown) == 1 and len(shown[0]) == 24  # the new code, shown once
        assert _search(_files_of(path), _needles(NAME, NUMBER)) == []
        with database.session() as s:
            assert vault.has_vault(s) and s.scalar(select(CorrectionSubject.name)) == NAME
        database.close()
        database = open_database(str(path))
        with pytest.raises(UserError, match="重设密码"), database.session() as s:
            accounts.authenticate(s, "clerk", "clerk-password-1")
        with database.session() as s:
            accounts.recover_with_code(s, shown[0], "boss", "boss-password-2")
    finally:
        database.close()


def test_the_ledger_sorts_by_the_subjects_sealed_names(database):
    from app.models import LedgerEntry
    from app.services import ledger
    from app.services.ledger import LedgerFilter
    from tests.helpers import kind_ids, unit_ids

    people = {"丙": "", "甲": "", "乙": valid_id_number("33112719900101123")}
    ids = {name: _add_subject(database, name, number) for name, number in people.items()}
    with database.session() as s:
        kind, unit = next(iter(kind_ids(s).values())), unit_ids(s)["县矫正办"]
        for name, subject_id in [*ids.items(), ("", None)]:
            s.add(LedgerEntry(entry_date=date(2018, 6, 1), kind_id=kind, owner_unit_id=unit,
                              title=f"走访{name}", subject_id=subject_id))  # fmt: skip
    with database.session() as s:
        raw = s.execute(select(CorrectionSubject.id)).all()
        assert len(raw) == 3
        rows = ledger.list_entries(s, LedgerFilter(), "subject", False)
        names = [row.title.removeprefix("走访") for row in rows]
        backwards = ledger.list_entries(s, LedgerFilter(), "subject", True)
    assert names == ["", *sorted(people)]  # no subject first, then by name
    assert [row.title for row in backwards] == [row.title for row in reversed(rows)]


def test_the_clean_up_after_encrypting_is_marked_done(tmp_path):
    path = tmp_path / "old.db"
    database = _plain_database(path)
    try:
        _add_subject(database)
        with database.session() as s:
            accounts.create_first_admin(s, "admin", "admin-password-1")
        with sqlite3.connect(path) as conn:
            (value,) = conn.execute(
                "SELECT value FROM local_settings WHERE key = ?", (vault.VAULT_KEY,)
            ).fetchone()
        assert '"clean": true' in value  # else the next login would try it again
        assert path.with_name(path.name + "-wal").stat().st_size == 0
    finally:
        database.close()


def test_a_clerk_opening_a_database_from_before_accounts_sets_up_the_first_manager(
    qtbot, gui_app, tmp_path, monkeypatch
):
    """At start, without the login variables, a database without users asks for its first
    管理员 before any data shows (and is encrypted by it); 退出程序 there opens nothing."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDialogButtonBox

    from app.ui.dialogs.account_dialogs import FirstAdminDialog, RecoveryCodeDialog
    from app.ui.login import log_in

    monkeypatch.delenv("BANGJIAO_USER", raising=False)
    monkeypatch.delenv("BANGJIAO_PASSWORD", raising=False)
    path = tmp_path / "before-accounts.db"
    database = _plain_database(path)
    _add_subject(database)
    codes: list[str] = []
    monkeypatch.setattr(RecoveryCodeDialog, "exec", lambda self: codes.append(self.code) or 1)
    seen: list[FirstAdminDialog] = []

    def give_up(dialog: FirstAdminDialog) -> int:
        seen.append(dialog)
        cancel = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        assert cancel.text() == "退出程序"
        notes = [label.text() for label in dialog.findChildren(type(dialog.error))]
        assert any("请先设立第一位管理员" in text for text in notes)
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
        return dialog.result()

    monkeypatch.setattr(FirstAdminDialog, "exec", give_up)
    try:
        assert log_in(database, None) is False
        assert len(seen) == 1 and database.actor is None

        def set_up(dialog: FirstAdminDialog) -> int:
            dialog.name.setText("admin")
            dialog.password.setText("admin-password-1")
            dialog.repeat.setText("admin-password-1")
            ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
            qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
            return dialog.result()

        monkeypatch.setattr(FirstAdminDialog, "exec", set_up)
        assert log_in(database, None) is True
        assert database.actor is not None and database.actor.role == "管理员"
        assert len(codes) == 1
        assert _search(_files_of(path), _needles(NAME, NUMBER)) == []
    finally:
        database.close()


def test_photos_stored_in_clear_are_sealed_when_the_database_is_encrypted(tmp_path):
    from app.services.attachments import store_for
    from tests.helpers import make_jpeg

    path = tmp_path / "old.db"
    database = _plain_database(path)
    try:
        with database.session() as s:
            stored = database.attachments.add(s, make_jpeg(tmp_path / "p.jpg"), None)
        original = store_for(path).original_path(stored.sha256)
        plain = original.read_bytes()
        assert plain.startswith(b"\xff\xd8")
        with database.session() as s:
            accounts.create_first_admin(s, "admin", "admin-password-1")
        assert not original.read_bytes().startswith(b"\xff\xd8")  # sealed in place
        for file in (store_for(path).root).rglob("*"):
            assert not file.is_file() or b"JFIF" not in file.read_bytes()
        assert database.attachments.read_original(stored.sha256) == plain
    finally:
        database.close()


APPLICANT = "慕容申请"


def _legal_aid(database: Database, tmp_path: Path) -> int:
    """A 法律援助 entry whose 申请人 (a field the form marks personal) is a person's name."""
    from app.services import ledger
    from app.services.ledger import EntryInput
    from tests.helpers import kind_ids, unit_ids

    with database.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        return ledger.save_entry(
            s, database.attachments, None,
            EntryInput(
                kind_id=kinds["legal_aid"], unit_id=units["法律援助中心"],
                entry_date=date(2018, 8, 3), title="法律援助",
                values={"applicant": APPLICANT, "relation": "配偶", "case_type": "民事",
                        "approved_on": "2018-08-01", "result": "办理中"},
                subject=SubjectInput(name=NAME, category="缓刑", id_number=NUMBER,
                                     office_id=units["瓯南司法所"]),
            ),
        )  # fmt: skip


@pytest.mark.sqlite_only(reason="a raw byte search of the SQLite file, its WAL and its copies")
def test_a_personal_form_field_is_sealed_and_still_reads_back(database, db_path, tmp_path):
    from app.models import LedgerEntry

    entry_id = _legal_aid(database, tmp_path)
    assert (
        _search(_files_of(db_path), [*_needles(APPLICANT, "-")[:3], *_needles(NAME, NUMBER)]) == []
    )
    with database.session() as s:
        entry = s.get(LedgerEntry, entry_id)
        assert entry is not None and entry.values["applicant"] == APPLICANT
        assert entry.values["case_type"] == "民事"
        raw = s.execute(
            text('SELECT "values" FROM ledger_entries WHERE id = :i'), {"i": entry_id}
        ).scalar()
    stored = json.loads(raw)
    assert stored["case_type"] == "民事"  # only the personal field is sealed
    assert vault.is_sealed_text(stored["applicant"])


def test_personal_form_fields_kept_in_clear_are_sealed_with_the_first_manager(tmp_path):
    path = tmp_path / "old.db"
    database = _plain_database(path)
    try:
        _legal_aid(database, tmp_path)
        assert _search(_files_of(path), _needles(APPLICANT, "-")[:3]) != []  # in clear before
        with database.session() as s:
            accounts.create_first_admin(s, "admin", "admin-password-1")
        assert (
            _search(_files_of(path), [*_needles(APPLICANT, "-")[:3], *_needles(NAME, NUMBER)]) == []
        )
        from app.models import LedgerEntry

        with database.session() as s:
            assert s.scalar(select(LedgerEntry)).values["applicant"] == APPLICANT
    finally:
        database.close()


def test_a_backup_from_before_the_encryption_is_not_restored_over_it(tmp_path):
    """Restoring it would leave the photos sealed under a key the restored database lacks."""
    from app.services.backup.archive import write_backup
    from app.services.backup.container import MasterKey, Secret
    from app.services.backup.restore import restore_backup
    from tests.helpers import dump, make_jpeg

    path = tmp_path / "old.db"
    database = _plain_database(path)
    master = MasterKey.from_password("backup-pass-1")
    try:
        with database.session() as s:
            database.attachments.add(s, make_jpeg(tmp_path / "p.jpg"), None)
        before_encryption = tmp_path / "before.bjbak"
        write_backup(path, database.attachments, before_encryption, master)
        with database.session() as s:
            accounts.create_first_admin(s, "admin", "admin-password-1")
        after_encryption = tmp_path / "after.bjbak"
        write_backup(path, database.attachments, after_encryption, master)
        database.close()
        state = dump(path)
        with pytest.raises(UserError, match="加密之前做的"):
            restore_backup(before_encryption, path, Secret("backup-pass-1"), master)
        assert dump(path) == state
        restore_backup(after_encryption, path, Secret("backup-pass-1"), master)  # fine
    finally:
        database.close()
