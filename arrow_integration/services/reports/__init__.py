"""Reports over the billing data: pure reads that write nothing (the FOCUS export)."""
