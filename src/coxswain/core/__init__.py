"""Framework-free building blocks: settings, errors, money, ids, time."""
