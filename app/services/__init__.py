"""Domain operations without Qt: the UI, the command line and the tests call these."""
