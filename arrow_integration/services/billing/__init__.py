"""The monthly bill: export import (and its fast path), statement reconciliation, month
validation, duplicate charges."""
