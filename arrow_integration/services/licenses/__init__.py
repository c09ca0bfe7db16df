"""Licenses and resources: discover, link, import, vendor of a license, resources from billing."""
