"""Package files: written, verified and read back; every refusal before anything is read."""

from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path

import pytest

from app.sync.crypto import KeyPairs
from app.sync.package import PackageError, PackageWriter, Party, open_package
from tests.helpers import make_jpeg

COUNTY = Party("uuid-county", "县矫正办", "inst-county")
LEGAL_AID = Party("uuid-legal-aid", "法律援助中心", "inst-legal-aid")
SENDER_KEYS = KeyPairs.generate()
COUNTY_KEYS = KeyPairs.generate()
SUBJECT = {"uuid": "s-1", "name": "李玥", "id_number": "331127198503121234", "category": "缓刑"}


def _write(path: Path, sequence: int = 1, photo: Path | None = None) -> Path:
    with PackageWriter(path, sender=LEGAL_AID, recipient=COUNTY, sequence=sequence, keys=SENDER_KEYS,
                       recipient_encryption_key=COUNTY_KEYS.public().encryption) as writer:  # fmt: skip
        writer.add_records(
            "ledger_entries", ({"uuid": f"e-{i}", "title": f"第{i}条"} for i in range(250))
        )
        writer.add_records("correction_subjects", [SUBJECT])
        if photo is not None:
            import hashlib

            writer.add_file(photo, hashlib.sha256(photo.read_bytes()).hexdigest())
    return path


def _open(path: Path, **kw):
    args = {
        "me": COUNTY.unit_uuid,
        "sender_signing_key": {LEGAL_AID.unit_uuid: SENDER_KEYS.public().signing}.get,
    } | kw
    return open_package(path, **args)


def test_round_trip_with_everything_sealed(tmp_path):
    photo = make_jpeg(tmp_path / "现场.jpg")
    package = _open(_write(tmp_path / "p.zip", photo=photo))
    try:
        assert package.manifest["counts"] == {"ledger_entries": 250, "correction_subjects": 1}
        titles = [r["title"] for r in package.records("ledger_entries", COUNTY_KEYS)]
        assert titles[:2] == ["第0条", "第1条"] and len(titles) == 250
        assert list(package.records("correction_subjects", COUNTY_KEYS)) == [SUBJECT]
        out = tmp_path / "out.jpg"
        package.extract_file(package.file_names()[0], out, COUNTY_KEYS)
        assert out.read_bytes() == photo.read_bytes()
    finally:
        package.close()
    raw = (tmp_path / "p.zip").read_bytes()
    # a lost stick exposes nothing: no name, number, title or photo bytes in the file
    for secret in (
        "李玥".encode(),
        b"331127198503121234",
        "第1条".encode(),
        photo.read_bytes()[200:260],
    ):
        assert secret not in raw
    for reader in (
        lambda p: list(p.records("correction_subjects", KeyPairs.generate())),
        lambda p: list(p.records("ledger_entries", KeyPairs.generate())),
        lambda p: p.extract_file(p.file_names()[0], tmp_path / "x.jpg", KeyPairs.generate()),
    ):
        with pytest.raises(PackageError, match="无法解密"):
            reader(_open(tmp_path / "p.zip"))


def _rewrite(source: Path, target: Path, change) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info.filename))
            if data is not None:
                new.writestr(info, data)
    return target


def test_tampering_is_refused(tmp_path):
    good = _write(tmp_path / "good.zip")
    member = _rewrite(
        good,
        tmp_path / "m.zip",
        lambda n, d: d[:-20] + bytes(b ^ 1 for b in d[-20:]) if n.startswith("records/") else d,
    )
    with pytest.raises(PackageError, match="与清单不符"):
        _open(member)

    def forged_manifest(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["sequence"] = 99
        return json.dumps(manifest).encode()

    with pytest.raises(PackageError, match="签名不符"):
        _open(_rewrite(good, tmp_path / "f.zip", forged_manifest))
    with pytest.raises(PackageError, match="清单以外的内容"):
        extra = _rewrite(good, tmp_path / "x.zip", lambda n, d: d)
        with zipfile.ZipFile(extra, "a") as z:
            z.writestr("records/evil.jsonl", b"{}")
        _open(extra)


def test_truncated_wrong_recipient_unknown_sender_replay_and_newer_format(tmp_path):
    good = _write(tmp_path / "good.zip", sequence=5)
    cut = tmp_path / "cut.zip"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(PackageError, match="不完整"):
        _open(cut)
    with pytest.raises(PackageError, match="是发给“县矫正办”的，不是发给本单位的"):
        _open(good, me="uuid-someone-else")
    with pytest.raises(PackageError, match="尚未登记"):
        _open(good, sender_signing_key=lambda _u: None)
    with pytest.raises(PackageError, match="已经导入过，或比已导入的第 5 号更旧"):
        _open(good, last_sequence=lambda unit, instance: 5 if instance == "inst-legal-aid" else 0)
    assert _open(good, last_sequence=lambda unit, instance: 4).sequence == 5

    def newer(name: str, data: bytes) -> bytes:
        return (
            data.replace(b'"format_version": 2', b'"format_version": 9')
            if name == "manifest.json"
            else data
        )

    with pytest.raises(PackageError, match="更新版本"):
        _open(_rewrite(good, tmp_path / "n.zip", newer))
    text = tmp_path / "notes.zip"
    text.write_text("不是压缩包")
    with pytest.raises(PackageError, match="不是数据包文件"):
        _open(text)


@pytest.mark.parametrize("name", ["../../evil.txt", "/etc/evil", "records/../../x", "C:\\evil.txt"])
def test_unsafe_paths_are_refused(tmp_path, name):
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(name, b"x")
    with pytest.raises(PackageError, match="不安全的路径"):
        _open(path)


def test_links_and_bombs_are_refused(tmp_path):
    link = tmp_path / "link.zip"
    info = zipfile.ZipInfo("files/link")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(link, "w") as z:
        z.writestr(info, "/etc/passwd")
    with pytest.raises(PackageError, match="链接"):
        _open(link)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("records/zeros.jsonl", b"\0" * (50 * 1024 * 1024))
    with pytest.raises(PackageError, match="压缩比异常"):
        _open(bomb)


def test_a_failed_write_leaves_no_file(tmp_path):
    path = tmp_path / "p.zip"
    with pytest.raises(RuntimeError), PackageWriter(path, sender=LEGAL_AID, recipient=COUNTY, sequence=1,
                                                     keys=SENDER_KEYS,
                                                     recipient_encryption_key=COUNTY_KEYS.public().encryption) as writer:  # fmt: skip
        writer.add_records("ledger_entries", [{"uuid": "a"}])
        raise RuntimeError("disk full")
    assert list(tmp_path.iterdir()) == []
    with (
        pytest.raises(PackageError, match="加密公钥"),
        PackageWriter(
            path, sender=LEGAL_AID, recipient=COUNTY, sequence=1, keys=SENDER_KEYS
        ) as writer,
    ):  # without the recipient's key nothing can be exported
        writer.add_records("ledger_entries", [{"uuid": "a"}])
    assert list(tmp_path.iterdir()) == []


def test_a_file_whose_content_is_not_its_name_is_refused(tmp_path):
    path = tmp_path / "p.zip"
    name = "files/" + "0" * 64
    with PackageWriter(path, sender=LEGAL_AID, recipient=COUNTY, sequence=1, keys=SENDER_KEYS,
                       recipient_encryption_key=COUNTY_KEYS.public().encryption) as writer:  # fmt: skip
        digest, size = writer._write_frames(name, [b"not what the name says"], compress=False)
        writer._record(name, digest, size)  # a (buggy) sender signs it all the same
    package = _open(path)
    try:
        with pytest.raises(PackageError, match="内容与其名称不符"):
            package.extract_file("0" * 64, tmp_path / "out", COUNTY_KEYS)
    finally:
        package.close()
