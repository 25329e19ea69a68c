"""Enum columns stored as their text values (portable, readable in the file)."""

from __future__ import annotations

import enum

from sqlalchemy import Enum


def enum_column_type(enum_class: type[enum.Enum], length: int = 32) -> Enum:
    """A non-native Enum type that stores each member's value, not its name."""
    return Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )
