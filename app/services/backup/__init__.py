"""Backup and restore of one PC's data (see the README, "Backup and restore").

- :mod:`.container`: the encrypted envelope (scrypt key from the 备份密码, AES-GCM chunks);
- :mod:`.archive`: writing, checking and reading a backup (database, photos, exchange state,
  manifest);
- :mod:`.restore`: restoring one over the current database;
- :mod:`.schedule`: this PC's backup settings, automatic backups, rotation, 首页's warning.
"""
