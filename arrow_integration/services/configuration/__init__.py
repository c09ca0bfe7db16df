"""Connecting Arrow: settings, customer and vendor mappings, discovery, archiving, the demo seed."""
