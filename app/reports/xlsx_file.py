"""Saving a workbook into place: under a temporary name beside the target, then moved over it
(with the antivirus retry of ``replace_file``), failures told in Chinese against ``out``."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from app.services.errors import ValidationError, file_problem
from app.services.files import replace_file


def save_workbook(workbook: Any, out_path: Path, *, private: bool = False) -> None:
    """Write ``workbook`` to ``out_path``; ``private`` makes the file owner-only (personal data).
    Nothing is left behind on failure."""
    from app.services.private_files import create_private_file

    temp = out_path.parent / f".{out_path.stem}.{uuid.uuid4().hex[:8]}.part.xlsx"
    try:
        if private:
            create_private_file(temp)  # openpyxl's save keeps the mode
        workbook.save(temp)
        replace_file(temp, out_path)
    except PermissionError:
        raise ValidationError(
            f"无法写入“{out_path.name}”：没有权限，或文件正在被 Excel 等程序打开。请关闭后重试。",
            "out",
        ) from None
    except OSError as exc:
        raise ValidationError(file_problem(exc, out_path, writing=True), "out") from None
    finally:
        temp.unlink(missing_ok=True)
