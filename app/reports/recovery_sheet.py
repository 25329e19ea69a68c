"""The recovery-code sheet printed at set-up and kept in the office safe."""

from __future__ import annotations

from datetime import date
from xml.sax.saxutils import escape

from reportlab.platypus import Spacer

from app.reports.official import (
    TEXT_WIDTH,
    Paragraph,
    Story,
    Styles,
    build_pdf,
    cn_date,
    ruled_table,
)


def recovery_sheet_pdf(unit_name: str, admin_name: str, code: str, made_on: date) -> bytes:
    """An A4 sheet with the recovery code, who it belongs to and how it is used."""

    def story(st: Styles) -> Story:
        rows = [
            ["项目", "内容"],
            ["本机单位", unit_name or "（未设定）"],
            ["管理员用户名", admin_name],
            ["生成日期", cn_date(made_on)],
            ["恢复码", code],
        ]
        steps = [
            "所有密码都忘记时，在登录窗口点“忘记密码？用恢复码…”，输入本恢复码、"
            "一位管理员的用户名和新密码，即可重新登录。",
            "恢复码用过一次即作废，程序会显示新的恢复码，请重新打印本单并销毁旧单。",
            "本单请存放在单位保险柜，不得拍照、复印或与电脑放在一起。",
        ]
        return [
            Paragraph("大帮教工作台恢复码单", st["title"]),
            Spacer(1, 12),
            ruled_table(rows, [TEXT_WIDTH * 0.3, TEXT_WIDTH * 0.7], st),
            Spacer(1, 12),
            Paragraph(escape(code), st["title"]),  # large, to copy without mistakes
            Spacer(1, 12),
            *(Paragraph(f"{i}．{escape(text)}", st["body"]) for i, text in enumerate(steps, 1)),
        ]

    return build_pdf("大帮教工作台恢复码单", unit_name or "大帮教工作台", story)
