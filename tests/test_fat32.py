"""A package that cannot fit a FAT32 USB stick (4 GiB − 1 at most) is refused before anything
is written, with a Chinese message saying what to do; a write that fails part-way (the file
system's "file too large", here provoked with a real file-size limit) leaves no file behind
and uses no package number."""

from __future__ import annotations

import errno
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from app.cli import main
from app.services import filesystems
from app.services.errors import UserError
from app.services.filesystems import (
    FAT_MAX_FILE,
    check_fits,
    file_system,
    is_too_large_error,
    mounted_file_system,
    parse_mounts,
    size_limit,
)

ROOT = Path(__file__).resolve().parent.parent
UNIT = "法律援助中心"

MOUNTS = """\
sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0
/dev/sda1 / ext4 rw,relatime 0 0
/dev/sdb1 /media/clerk/KINGSTON vfat rw,nosuid,nodev,uid=1000,fmask=0022 0 0
/dev/sdc1 /media/clerk/U\\040盘 exfat rw,nosuid,nodev 0 0
/dev/sdd1 /media/clerk/KINGSTON2 msdos rw 0 0
//server/share /mnt/share cifs rw 0 0
"""


def test_the_file_system_is_the_longest_mount_point_holding_the_path():
    mounts = parse_mounts(MOUNTS)
    assert ("/media/clerk/U 盘", "exfat") in mounts  # \040 is a space
    assert mounted_file_system("/media/clerk/KINGSTON/交换/1.bjpkg", mounts) == "vfat"
    assert mounted_file_system("/media/clerk/KINGSTON", mounts) == "vfat"
    assert mounted_file_system("/media/clerk/KINGSTON2/1.bjpkg", mounts) == "msdos"  # not a prefix
    assert mounted_file_system("/media/clerk/U 盘/1.bjpkg", mounts) == "exfat"
    assert mounted_file_system("/home/clerk/文档/1.bjpkg", mounts) == "ext4"
    remounted = parse_mounts(MOUNTS + "/dev/sde1 /media/clerk/KINGSTON exfat rw 0 0\n")
    assert mounted_file_system("/media/clerk/KINGSTON/1.bjpkg", remounted) == "exfat"  # last wins


@pytest.mark.parametrize(
    ("kind", "limited"),
    [("vfat", True), ("msdos", True), ("FAT32", True), ("FAT", True), ("exfat", False),
     ("exFAT", False), ("NTFS", False), ("ntfs3", False), ("fuseblk", False), ("ext4", False),
     (None, False)],
)  # fmt: skip
def test_only_fat_limits_the_size_of_a_file(kind, limited):
    assert (size_limit(kind) == FAT_MAX_FILE) is limited
    destination = Path("/media/clerk/KINGSTON/1.bjpkg")
    check_fits(destination, FAT_MAX_FILE, full=False, kind=kind)  # 4 GiB − 1 fits everywhere
    if limited:
        with pytest.raises(UserError) as refused:
            check_fits(destination, FAT_MAX_FILE + 1, full=False, kind=kind)
        text = str(refused.value)
        assert "FAT32" in text and "4 GB" in text and "4.0 GB" in text
        assert "NTFS、exFAT" in text and "没有改动" in text and "导出全部记录" not in text
    else:
        check_fits(destination, 20 * 1024**3, full=False, kind=kind)


def test_a_full_export_is_told_it_can_send_only_the_changes():
    with pytest.raises(UserError) as refused:
        check_fits(Path("/media/k/1.bjpkg"), 5 * 1024**3, full=True, kind="vfat")
    assert "取消勾选“导出全部记录”" in str(refused.value) and "5.0 GB" in str(refused.value)


def test_the_file_systems_own_too_large_error_is_recognised():
    assert is_too_large_error(OSError(errno.EFBIG, "File too large"))
    assert not is_too_large_error(OSError(errno.ENOSPC, "No space left on device"))
    assert not is_too_large_error(ValueError("x"))


def _fat_stick(monkeypatch, tmp_path: Path) -> Path:
    """A folder this machine's mounts table (a copy, with one line added) calls FAT32."""
    stick = tmp_path / "KINGSTON 8G"
    stick.mkdir()
    table = Path("/proc/mounts").read_text() if Path("/proc/mounts").exists() else ""
    escaped = os.path.realpath(stick).replace(" ", "\\040")
    fake = tmp_path / "mounts"
    fake.write_text(table + f"/dev/sdb1 {escaped} vfat rw,relatime 0 0\n", encoding="utf-8")
    monkeypatch.setattr(filesystems, "MOUNTS", fake)
    monkeypatch.setattr(sys, "platform", "linux")
    return stick


def test_a_folder_on_a_fat_stick_is_found_through_the_mounts_table(monkeypatch, tmp_path):
    stick = _fat_stick(monkeypatch, tmp_path)
    assert file_system(stick / "交换" / "1.bjpkg") == "vfat"  # not there yet: its folder counts
    assert file_system(tmp_path / "本机") != "vfat"


def _pair_with_photo(tmp_path: Path) -> tuple[Path, Path]:
    """The county and 法律援助中心 joined; the unit has an entry with a photo of ≈ 4 MB."""
    county, unit, cred = tmp_path / "county.db", tmp_path / "unit.db", tmp_path / "法援.cred"
    assert (
        main(["--db", str(county), "init", "--template", "qingtian-2018", "--unit", "县矫正办"])
        == 0
    )
    assert main(["--db", str(county), "credential", "--unit", UNIT, "--out", str(cred)]) == 0
    assert main(["--db", str(unit), "init", "--credential", str(cred)]) == 0
    photo = tmp_path / "现场.jpg"
    Image.frombytes("RGB", (1800, 1800), os.urandom(1800 * 1800 * 3)).save(photo, quality=92)
    assert main(["--db", str(unit), "ledger", "add", "--unit", UNIT, "--kind", "hotline", "--date",
                 "2018-07-02", "--title", "热线", "--field", "calls=5", "--photo", str(photo)]) == 0  # fmt: skip
    return county, unit


def test_an_export_too_large_for_a_fat_stick_is_refused_before_writing(
    monkeypatch, tmp_path, capsys
):
    _county, unit = _pair_with_photo(tmp_path)
    stick = _fat_stick(monkeypatch, tmp_path)
    monkeypatch.setattr(filesystems, "FAT_MAX_FILE", 1024 * 1024)  # the photo alone is larger
    capsys.readouterr()
    assert main(["--db", str(unit), "export", "--to", "县矫正办", "--out", str(stick)]) == 2
    error = capsys.readouterr().err
    assert "FAT32" in error and "NTFS、exFAT" in error and "导出全部记录" not in error
    assert (
        main(["--db", str(unit), "export", "--to", "县矫正办", "--full", "--out", str(stick)]) == 2
    )
    assert "去掉 --full" in capsys.readouterr().err
    assert list(stick.iterdir()) == []  # nothing written, not even a part

    monkeypatch.setattr(filesystems, "FAT_MAX_FILE", 64 * 1024 * 1024)  # a package that fits
    assert main(["--db", str(unit), "export", "--to", "县矫正办", "--out", str(stick)]) == 0
    (written,) = stick.iterdir()
    assert written.name.endswith("第1号.bjpkg")  # the refusals used no number


def test_a_write_the_file_system_stops_part_way_leaves_nothing_behind(tmp_path):
    county, unit = _pair_with_photo(tmp_path)
    out = tmp_path / "U盘"
    out.mkdir()
    database = max(p.stat().st_size for p in tmp_path.glob("unit.db*"))
    limit = database + 1024 * 1024  # the database may grow a little; the package cannot fit
    assert (tmp_path / "现场.jpg").stat().st_size > limit

    def small_files() -> None:  # as FAT32 refuses a file past 4 GiB: "File too large"
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    command = [sys.executable, str(ROOT / "main.py"), "--db", str(unit), "export", "--to",
               "县矫正办", "--out", str(out)]  # fmt: skip
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(command, env=env, capture_output=True, preexec_fn=small_files)
    error = done.stderr.decode("utf-8")
    assert done.returncode == 2, error
    assert "FAT32" in error and "没有导出" in error
    assert list(out.iterdir()) == []  # no package and no .part file
    assert main(["--db", str(unit), "export", "--to", "县矫正办", "--out", str(out)]) == 0
    (written,) = out.iterdir()
    assert written.name.endswith("第1号.bjpkg")  # the failed export used no number
    assert main(["--db", str(county), "import", str(written)]) == 0


def test_the_clerk_exporting_to_a_fat_stick_is_told_what_to_do(
    qtbot, monkeypatch, dialogs, tmp_path
):
    from PySide6.QtCore import Qt

    from app.ui.operations import running_tasks
    from tests.helpers import open_page

    _county, unit = _pair_with_photo(tmp_path)
    stick = _fat_stick(monkeypatch, tmp_path)
    monkeypatch.setattr(filesystems, "FAT_MAX_FILE", 1024 * 1024)
    page = open_page(qtbot, unit, "exchange")
    page.full_export.setChecked(True)
    dialogs.save_folder = stick
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0 and not page._busy, timeout=60000)
    told = dialogs.texts("warning")[-1]
    assert "FAT32" in told and "取消勾选“导出全部记录”" in told
    assert list(stick.iterdir()) == []
