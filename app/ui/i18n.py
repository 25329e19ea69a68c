"""Translations and fonts: Qt's own zh_CN strings plus ours, and a CJK UI font."""

from __future__ import annotations

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from app.paths import RESOURCES_DIR

# Tried in order; the first installed family is the application font. Setting it
# explicitly also stops Qt picking Japanese glyph forms from a pan-CJK font.
UI_FONT_FAMILIES = (
    "Microsoft YaHei",
    "Microsoft YaHei UI",
    "PingFang SC",
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "SimSun",
)


def install_translators(app: QApplication) -> list[QTranslator]:
    """Load Qt's bundled zh_CN translations and the app's own; return them (keep them alive)."""
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    translators = []
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name, directory in (
        ("qtbase_zh_CN", qt_dir),
        ("bangjiao_zh_CN", str(RESOURCES_DIR / "i18n")),
    ):
        translator = QTranslator(app)
        if translator.load(name, directory):
            app.installTranslator(translator)
            translators.append(translator)
    return translators


def choose_ui_font() -> QFont | None:
    """The first installed Chinese UI font, at the default size; else any installed family that
    writes Simplified Chinese; else the shipped WenQuanYi Micro Hei (a minimal Linux install
    with no Chinese font would otherwise show every label as boxes)."""
    installed = set(QFontDatabase.families())
    chosen = next((family for family in UI_FONT_FAMILIES if family in installed), None)
    if chosen is None:
        chinese = QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)
        chosen = chinese[0] if chinese else _shipped_family()
    if chosen is None:
        return None
    font = QFont(chosen)
    font.setPointSize(10)
    return font


def _shipped_family() -> str | None:
    """Load the shipped WenQuanYi Micro Hei into the application; its family, or None."""
    font_id = QFontDatabase.addApplicationFont(str(RESOURCES_DIR / "fonts" / "wqy-microhei.ttc"))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    return families[0] if families else None
