"""Package files: written, verified and read back; every refusal before anything is read."""

from __future__ import annotations

import json
import shutil
import stat
import time
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import pytest

from app.sync import package as package_module
from app.sync.crypto import KeyPairs
from app.sync.package import (
    PackageError,
    PackageWriter,
    Party,
    keyed_file_name,
    open_package,
    package_order_key,
    padded_length,
    peek_introduction,
)
from tests.conftest import DATA_DIR
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
        package.extract_file(package.file_names(COUNTY_KEYS)[0], out, COUNTY_KEYS)
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
        lambda p: p.extract_file("0" * 64, tmp_path / "x.jpg", KeyPairs.generate()),
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
            data.replace(b'"format_version": 3', b'"format_version": 9')
            if name == "envelope.json"
            else data
        )

    with pytest.raises(PackageError, match="更新版本"):
        _open(_rewrite(good, tmp_path / "n.zip", newer))
    # A format-2 program reads format_version in manifest.json before anything it would refuse
    # (3 > 2: "这个数据包由更新版本的大帮教工作台生成，请先升级本程序再导入。")
    with zipfile.ZipFile(good) as archive:
        assert json.loads(archive.read("manifest.json"))["format_version"] == 3
    text = tmp_path / "notes.zip"
    text.write_text("不是压缩包")
    with pytest.raises(PackageError, match="不是数据包文件"):
        _open(text)
    credential = tmp_path / "法律援助中心.cred"  # a credential picked by mistake says what it is
    credential.write_text('{"format": "bangjiao-credential"}', encoding="utf-8")
    with pytest.raises(PackageError, match=r"是接入凭证，不是数据包.*用接入凭证接入"):
        _open(credential)


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


@pytest.mark.parametrize("version", [2, 3])
def test_a_file_whose_content_is_not_its_name_is_refused(tmp_path, version):
    path, sha = tmp_path / "p.zip", "0" * 64
    with PackageWriter(path, sender=LEGAL_AID, recipient=COUNTY, sequence=1, keys=SENDER_KEYS,
                       recipient_encryption_key=COUNTY_KEYS.public().encryption,
                       format_version=version) as writer:  # fmt: skip
        content = b"not what the name says"
        name = keyed_file_name(writer._file_key, sha) if version == 3 else f"files/{sha}"
        digest, size = writer._write_frames(name, [content], compress=False)
        writer._record(name, digest, size)  # a (buggy) sender signs it all the same
        if version == 3:
            writer._files[name] = {"sha256": sha, "size": len(content)}
    package = _open(path)
    try:
        assert package.file_names(COUNTY_KEYS) == [sha]
        with pytest.raises(PackageError, match="内容与其名称不符"):
            package.extract_file(sha, tmp_path / "out", COUNTY_KEYS)
    finally:
        package.close()


def _photo(path: Path, size: int = 5001) -> tuple[Path, str]:
    """A file of ``size`` bytes (the package does not look inside) and its SHA-256."""
    import hashlib

    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


def _with_photo(path: Path, photo: Path, sha: str, version: int = 3) -> Path:
    with PackageWriter(path, sender=LEGAL_AID, recipient=COUNTY, sequence=1, keys=SENDER_KEYS,
                       recipient_encryption_key=COUNTY_KEYS.public().encryption,
                       format_version=version) as writer:  # fmt: skip
        writer.add_records("attachments", [{"uuid": "a-1", "sha256": sha}])
        writer.add_file(photo, sha)
    return path


def test_format_3_names_photos_by_a_keyed_hash_and_pads_them(tmp_path):
    photo, sha = _photo(tmp_path / "现场.jpg")
    packages = [_with_photo(tmp_path / f"p{i}.bjpkg", photo, sha) for i in (1, 2)]
    old = _with_photo(tmp_path / "old.bjpkg", photo, sha, version=2)
    names = []
    for path in packages:
        raw = path.read_bytes()
        # neither the zip's directory, the manifest nor the envelope holds the photo's hash
        assert sha.encode() not in raw and bytes.fromhex(sha) not in raw
        with zipfile.ZipFile(path) as archive:
            (member,) = [i for i in archive.infolist() if i.filename.startswith("files/")]
            assert {"envelope.json", "index.json", "manifest.json"} <= set(archive.namelist())
        names.append(member.filename)
        package = _open(path)
        try:
            assert package.file_names(COUNTY_KEYS) == [sha]
            package.extract_file(sha, tmp_path / "out.jpg", COUNTY_KEYS)
            assert (tmp_path / "out.jpg").read_bytes() == photo.read_bytes()
        finally:
            package.close()
        # its stored size tells the padded length only (5001 → 5120 bytes), not the photo's
        with zipfile.ZipFile(old) as archive:
            plain = archive.getinfo(f"files/{sha}").file_size
        assert padded_length(5001) == 5120
        assert member.file_size == plain - 5001 + 5120
    assert names[0] != names[1]  # a key per package: the same photo gets another name
    assert f"files/{sha}".encode() in old.read_bytes()  # as format 2 named it


def test_a_format_2_package_written_by_the_old_program_is_read(tmp_path):
    """tests/data/format2.bjpkg was written by the format-2 writer (before format 3); its
    test-only keys are in format2.json."""
    facts = json.loads((DATA_DIR / "format2.json").read_text(encoding="utf-8"))
    keys = KeyPairs(**facts["recipient"])
    path = shutil.copy(DATA_DIR / "format2.bjpkg", tmp_path / "old.bjpkg")
    assert package_order_key(path) == ("uuid-legal-aid", "inst-legal-aid", 3, "old.bjpkg")
    assert peek_introduction(path)["signing"] == facts["sender_signing"]
    package = _open(path, sender_signing_key={"uuid-legal-aid": facts["sender_signing"]}.get)
    try:
        assert package.version == 2 and package.sequence == 3
        assert [r["title"] for r in package.records("ledger_entries", keys)] == [
            "第0条",
            "第1条",
            "第2条",
        ]
        assert package.file_names(keys) == [facts["photo_sha256"]]
        package.extract_file(facts["photo_sha256"], tmp_path / "photo.jpg", keys)
        assert (tmp_path / "photo.jpg").stat().st_size == facts["photo_size"]
    finally:
        package.close()
    with pytest.raises(PackageError, match="已经导入过"):
        _open(path, sender_signing_key={"uuid-legal-aid": facts["sender_signing"]}.get,
              last_sequence=lambda _unit, _instance: 3)  # fmt: skip


def _duplicated(good: Path, target: Path, name: str, forged: bytes) -> Path:
    """``good`` with a forged copy of member ``name`` written first (the signed copy last)."""
    with (
        zipfile.ZipFile(good) as old,
        zipfile.ZipFile(target, "w") as new,
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")  # zipfile warns "Duplicate name"
        new.writestr(name, forged)
        for info in old.infolist():
            new.writestr(info, old.read(info.filename))
    return target


def test_duplicate_member_names_are_refused(tmp_path):
    good = _write(tmp_path / "good.zip")
    forged_manifest = json.dumps({"format": "bangjiao-package", "sequence": 99}).encode()
    for name, forged in (
        ("manifest.json", forged_manifest),
        ("records/ledger_entries.jsonl", b"forged"),
        ("manifest.sig", b"forged"),
    ):
        path = _duplicated(good, tmp_path / "dup.zip", name, forged)
        with pytest.raises(PackageError, match=f"两个同名的条目“{name}”"):
            _open(path)
        assert peek_introduction(path) is None and package_order_key(path)[0] == ""


def _replaced(good: Path, target: Path, name: str, data: bytes, stored: bool = True) -> Path:
    with zipfile.ZipFile(good) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            if info.filename == name:
                new.writestr(name, data, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
            else:
                new.writestr(info, old.read(info.filename))
    return target


def _peak_while(action) -> tuple[int, float]:
    """Peak bytes Python allocated while ``action`` ran, and its seconds."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        action()
    finally:
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak, seconds


def test_an_oversized_manifest_or_signature_is_refused_before_it_is_read(tmp_path):
    good = _write(tmp_path / "good.zip")
    # 64 MB of JSON a parser would turn into 16 million objects; stored, its declared size is
    # all that is looked at
    big = _replaced(good, tmp_path / "big.zip", "manifest.json", b"[" + b"0," * (32 << 20) + b"0]")

    def refused() -> None:
        with pytest.raises(PackageError, match=r"清单大小异常（67,108,867 字节") as caught:
            _open(big)
        # 1 MiB and 512 bytes for each of its 5 entries; nothing read
        assert "最多应有 1,051,136 字节），可能是恶意文件。已拒绝，未读取清单" in str(caught.value)

    peak, seconds = _peak_while(refused)
    assert peak < 2 << 20 and seconds < 1.0, (peak, seconds)
    assert peek_introduction(big) is None
    peak, _seconds = _peak_while(lambda: package_order_key(big))
    assert peak < 2 << 20
    sig = _replaced(good, tmp_path / "sig.zip", "manifest.sig", b"A" * (64 << 10))
    with pytest.raises(PackageError, match="签名大小异常"):
        _open(sig)
    envelope = _replaced(good, tmp_path / "env.zip", "envelope.json", b" " * (65 << 10))
    with pytest.raises(PackageError, match="收发信息大小异常"):
        _open(envelope)


def test_a_zip_directory_too_large_is_refused_before_the_zip_module_loads_it(tmp_path, monkeypatch):
    monkeypatch.setattr(package_module, "MAX_MEMBERS", 50)
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as archive:
        for i in range(51):
            archive.writestr(f"files/{i:064x}", b"")
    with pytest.raises(PackageError, match="条目数量异常（超过 50 个）"):
        _open(many)
    long_name = tmp_path / "long.zip"
    with zipfile.ZipFile(long_name, "w") as archive:
        archive.writestr("files/" + "a" * 300, b"")
    with pytest.raises(PackageError, match="名称过长"):
        _open(long_name)
    monkeypatch.setattr(package_module, "MAX_DIRECTORY_BYTES", 1024)
    monkeypatch.setattr(package_module, "_LOADING_SLACK", 0)
    with pytest.raises(PackageError, match="目录大小异常"):
        _open(many)
    assert package_order_key(many) == ("", "", 0, "many.zip")


def test_the_envelope_must_agree_with_the_signed_manifest(tmp_path):
    good = _write(tmp_path / "good.zip")

    def other_install(name: str, data: bytes) -> bytes:
        return (
            data.replace(b"inst-legal-aid", b"inst-somebody") if name == "envelope.json" else data
        )

    with pytest.raises(PackageError, match="收发信息与签名的清单不一致"):
        _open(_rewrite(good, tmp_path / "e.zip", other_install))
    without = _rewrite(good, tmp_path / "w.zip", lambda n, d: None if n == "envelope.json" else d)
    with pytest.raises(PackageError, match="缺少收发信息"):
        _open(without)


def test_an_index_whose_names_are_not_the_keyed_hashes_is_refused(tmp_path):
    photo, sha = _photo(tmp_path / "p.jpg")
    path = tmp_path / "p.bjpkg"
    with PackageWriter(path, sender=LEGAL_AID, recipient=COUNTY, sequence=1, keys=SENDER_KEYS,
                       recipient_encryption_key=COUNTY_KEYS.public().encryption) as writer:  # fmt: skip
        writer.add_file(photo, sha)
        (entry,) = writer._files.values()
        entry["sha256"] = "1" * 64  # a (buggy) sender's index names another hash
    package = _open(path)
    try:
        with pytest.raises(PackageError, match="附件目录已损坏"):
            package.file_names(COUNTY_KEYS)
    finally:
        package.close()


def test_a_missing_or_unreadable_file_is_refused_cleanly(tmp_path):
    gone = tmp_path / "gone.bjpkg"
    with pytest.raises(PackageError, match="找不到数据包文件"):
        _open(gone)
    assert package_module.read_envelope(gone) is None
    assert package_module.signed_manifest(gone) is None
    assert package_order_key(gone) == ("", "", 0, "gone.bjpkg")
