"""PDF and spreadsheet builders, fed by services. No Qt here."""
