"""Qt widgets only: windows, pages, dialogs and table models. No SQL here."""
