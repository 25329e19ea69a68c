"""Data exchange by package files (see docs/exchange-format.md). No Qt here."""
