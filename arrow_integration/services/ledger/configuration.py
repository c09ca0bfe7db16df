"""Ledger entries of Arrow settings and mappings: what a block of code changed in them.

`ledger_configuration_watch(*watched)` goes around a write of settings, customer mappings or
vendor mappings; ``watched`` are instances, or querysets naming the rows the write may touch or
create. The watched rows are read before and after the block, in one transaction with it, and
every row that the block created, changed (archived included) or deleted gets one entry naming
the fields that changed with their values before and after (`changes`). The API key is compared
but never written, not even encrypted: the entry says "api key replaced" (or "set", "erased").
A block that raises records nothing, and its transaction is rolled back.

Watches must not be nested over the same rows (the inner and the outer one would both record).
Two queries per watched model before and after the block, one insert: these rows are few.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from arrow_integration.choices import LedgerAction
from arrow_integration.models import ArrowCustomerMapping, ArrowLedgerEntry, ArrowSettings, ArrowVendorOfferingMapping
from arrow_integration.services.ledger.actor import current_actor

KEY_FIELD = "api_key_encrypted"  # compared, never shown
API_KEY_LABEL = "api_key"


@dataclass(frozen=True)
class _Tracked:
    """How the rows of one model are compared and described."""

    fields: dict[str, str]  # label in `changes` -> lookup
    extra: tuple[str, ...]  # lookups read for the entry's columns, not compared
    describe: Callable[[dict], str]
    is_settings: bool = False


def _settings_name(row: dict) -> str:
    return f"settings {row['partner_name'] or row['api_url']}"


def _customer_mapping_name(row: dict) -> str:
    return f"customer mapping {row['arrow_reference']} → {row['waldur_customer__name']}"


def _vendor_mapping_name(row: dict) -> str:
    return f"vendor mapping {row['arrow_vendor_name']}"


TRACKED: dict[type[models.Model], _Tracked] = {
    ArrowSettings: _Tracked(
        fields={name: name for name in (
            "api_url", "export_type_reference", "classification_filter", "is_active", "sync_enabled",
            "auto_reconcile", "partner_reference", "partner_name", "invoice_price_source", "invoice_item_prefix",
            "archived_at")},
        extra=("uuid", KEY_FIELD), describe=_settings_name, is_settings=True,
    ),
    ArrowCustomerMapping: _Tracked(
        fields={"settings": "settings__uuid", "arrow_reference": "arrow_reference",
                "arrow_company_name": "arrow_company_name", "waldur_customer": "waldur_customer__uuid",
                "is_active": "is_active", "archived_at": "archived_at"},
        extra=("uuid", "waldur_customer__name"), describe=_customer_mapping_name,
    ),
    ArrowVendorOfferingMapping: _Tracked(
        fields={"settings": "settings__uuid", "arrow_vendor_name": "arrow_vendor_name", "offering": "offering__uuid",
                "plan": "plan__uuid", "is_active": "is_active"},
        extra=("uuid",), describe=_vendor_mapping_name,
    ),
}


def _json_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _word(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _targets(watched) -> dict[type[models.Model], set[int]]:
    """The primary keys the watched instances and querysets name now, by model."""
    found: dict[type[models.Model], set[int]] = {}
    for target in watched:
        if isinstance(target, models.QuerySet):
            model, pks = target.model, set(target.values_list("pk", flat=True))
        else:
            model, pks = type(target), ({target.pk} if target.pk is not None else set())
        if model not in TRACKED:
            raise TypeError(f"{model.__name__} is not recorded in the ledger")
        found.setdefault(model, set()).update(pks)
    return found


def _read(targets: dict[type[models.Model], set[int]], *, lock: bool = False) -> dict[tuple[type, int], dict]:
    """The watched rows' values; ``lock``: locked until the transaction ends (PostgreSQL), so that
    concurrent writers of a row follow one another and each records what it changed."""
    rows = {}
    for model, pks in targets.items():
        tracked = TRACKED[model]
        lookups = [*dict.fromkeys([*tracked.fields.values(), *tracked.extra])]
        queryset = model.objects.filter(pk__in=pks).order_by("pk")
        if lock:
            queryset = queryset.select_for_update(of=("self",))
        for row in queryset.values("pk", *lookups):
            rows[(model, row["pk"])] = row
    return rows


@contextmanager
def ledger_configuration_watch(*watched) -> Iterator[None]:
    """Record what the block changes in the ``watched`` settings and mappings (see the module)."""
    with transaction.atomic():
        before_targets = _targets(watched)
        before = _read(before_targets, lock=True)
        yield
        after_targets = _targets(watched)
        for model, pks in before_targets.items():
            after_targets.setdefault(model, set()).update(pks)
        after = _read(after_targets)
        entries = [
            entry for key in sorted({*before, *after}, key=lambda key: (key[0].__name__, key[1]))
            if (entry := _entry(key[0], before.get(key), after.get(key))) is not None
        ]
        ArrowLedgerEntry.objects.bulk_create(entries)


def _changes(tracked: _Tracked, before: dict | None, after: dict | None) -> dict[str, Any]:
    changes = {}
    for label, lookup in tracked.fields.items():
        old = None if before is None else _json_value(before[lookup])
        new = None if after is None else _json_value(after[lookup])
        if old != new and not (before is None and new in ("", None)):
            changes[label] = [old, new]
    if tracked.is_settings:
        old_key = (before or {}).get(KEY_FIELD) or ""
        new_key = (after or {}).get(KEY_FIELD) or ""
        if old_key != new_key and after is not None:
            changes[API_KEY_LABEL] = "set" if not old_key else ("erased" if not new_key else "replaced")
    return changes


def _action(tracked: _Tracked, before: dict | None, after: dict | None) -> str:
    if before is None:
        return LedgerAction.SETTINGS_CREATED if tracked.is_settings else LedgerAction.MAPPING_CREATED
    if after is None:
        return LedgerAction.SETTINGS_DELETED if tracked.is_settings else LedgerAction.MAPPING_DELETED
    if before.get("archived_at") is None and after.get("archived_at") is not None:
        return LedgerAction.SETTINGS_ARCHIVED if tracked.is_settings else LedgerAction.MAPPING_ARCHIVED
    return LedgerAction.SETTINGS_CHANGED if tracked.is_settings else LedgerAction.MAPPING_CHANGED


def _reason(name: str, action: str, changes: dict[str, Any]) -> str:
    verb = action.split("_", 1)[1]
    words = [f"api key {value}" if label == API_KEY_LABEL else f"{label} {_word(value[0])} → {_word(value[1])}"
             for label, value in changes.items()]
    return f"{name} {verb}" + (f": {'; '.join(words)}" if words and verb != "deleted" else "")


def _entry(model: type[models.Model], before: dict | None, after: dict | None) -> ArrowLedgerEntry | None:
    tracked = TRACKED[model]
    changes = _changes(tracked, before, after)
    if before is not None and after is not None and not changes:
        return None
    row = after or before
    action = _action(tracked, before, after)
    actor = current_actor()
    is_customer_mapping = model is ArrowCustomerMapping
    return ArrowLedgerEntry(
        created=timezone.now(), actor=actor.label, actor_user_id=actor.user_id, run_id=actor.run_id,
        run_uuid=actor.run_uuid, action=action,
        settings_uuid=row["uuid"] if tracked.is_settings else row["settings__uuid"],
        mapping_uuid=None if tracked.is_settings else row["uuid"],
        customer_uuid=row["waldur_customer__uuid"] if is_customer_mapping else None,
        customer_name=row["waldur_customer__name"] if is_customer_mapping else "",
        customer_reference=row["arrow_reference"] if is_customer_mapping else "",
        reason=_reason(tracked.describe(row), action, changes), changes=changes,
    )
