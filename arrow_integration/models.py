"""Arrow state: settings, mappings, billing syncs and consumption records."""
