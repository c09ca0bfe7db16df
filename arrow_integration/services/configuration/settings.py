"""Writes of Arrow settings: create, update, the one-shot "save settings and mappings", previews.

Every write checks the credentials against Arrow first (`whoami`) and stores the partner
reference and name it returns. The API key is only ever handled through the model's encrypting
`api_key` property and never logged, and it goes only to the URL it was entered for: changing
`api_url` requires the key again (`API_KEY_REQUIRED_FOR_NEW_URL`). Activating a settings row
deactivates the others in the same transaction, so the "at most one active row" constraint is
kept instead of tripped.
`settings_save` for an Arrow account that already has settings (same normalised API URL and
partner) updates that row and its mappings in place: a second row would read the same lines.
A row that gets its first partner reference keeps its imported lines recognisable (re-keyed).
Every write is recorded in the ledger (`ledger.configuration`), without the key.
Arrow failures propagate as `arrow_client` errors (the API maps them to 400); input problems
found against Arrow data are Django `ValidationError`s keyed by the field.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from arrow_client import ArrowClient, ArrowNotFound, ExportType, Partner
from arrow_integration.accounts import api_url_normalised, arrow_account_key
from arrow_integration.choices import DEFAULT_CLASSIFICATION_FILTER
from arrow_integration.clients import arrow_client_from_credentials
from arrow_integration.errors import Conflict
from arrow_integration.models import ArrowCustomerMapping, ArrowSettings
from arrow_integration.selectors.configuration import active_mapping_of, already_mapped_message
from arrow_integration.services.billing.line_identity import arrow_account_rekey
from arrow_integration.services.ledger.configuration import ledger_configuration_watch
from core.models import Customer

logger = logging.getLogger(__name__)

# Requests made while an operator waits (credential checks, discovery) give up sooner than jobs.
INTERACTIVE_MAX_RETRIES = 1
# Fields of ArrowSettings an API caller may set (besides api_url and api_key).
EDITABLE_FIELDS = (
    "export_type_reference",
    "classification_filter",
    "is_active",
    "sync_enabled",
    "invoice_price_source",
    "invoice_item_prefix",
)
API_KEY_REQUIRED_FOR_NEW_URL = (
    "Changing api_url requires the API key again: the stored key is only sent to the URL it was entered for."
)


class SettingsConflict(Conflict):
    """Another request activated a settings row at the same moment; retrying is safe."""


class StillReferenced(Conflict):
    """The object cannot be deleted because billing data refers to it."""


@dataclass(frozen=True)
class CredentialsCheck:
    """What Arrow tells about a key: its partner and the billing export types it may use."""

    partner: Partner
    export_types: list[ExportType]


@dataclass(frozen=True)
class SavedSettings:
    """What `settings_save` did: the row (``created`` or updated in place) and its mappings."""

    settings: ArrowSettings
    mappings_created: int
    created: bool = True
    mappings_updated: int = 0


def interactive_client(*, api_url: str, api_key: str) -> ArrowClient:
    """A client for calls made while a person waits: normal timeout, a single retry."""
    return arrow_client_from_credentials(api_url=api_url, api_key=api_key, max_retries=INTERACTIVE_MAX_RETRIES)


def _export_type_check(export_types: Iterable[ExportType], reference: str) -> None:
    references = sorted(export_type.reference for export_type in export_types)
    if reference and reference not in references:
        raise ValidationError(
            {"export_type_reference": [f"Arrow has no export type {reference!r}; available: {', '.join(references)}."]}
        )


def credentials_check(*, api_url: str, api_key: str, export_type_reference: str = "") -> CredentialsCheck:
    """Ask Arrow who the key belongs to and which export types it offers.

    Read-only. Raises an `ArrowError` when Arrow rejects the key or cannot be reached, and a
    `ValidationError` when `export_type_reference` is given but unknown to Arrow.
    """
    with interactive_client(api_url=api_url, api_key=api_key) as client:
        partner = client.whoami()
        export_types = client.export_types()
    _export_type_check(export_types, export_type_reference)
    return CredentialsCheck(partner=partner, export_types=export_types)


def _deactivate_others(keep: ArrowSettings | None) -> None:
    others = ArrowSettings.objects.filter(is_active=True)
    if keep is not None and keep.pk is not None:
        others = others.exclude(pk=keep.pk)
    deactivated = others.update(is_active=False)
    if deactivated:
        logger.info("Deactivated %d other Arrow settings row(s).", deactivated)


def _stored_url_account(arrow_settings: ArrowSettings) -> str | None:
    """The account key of the stored row when it had no partner reference (its API URL), else None."""
    if arrow_settings.pk is None:
        return None
    stored = ArrowSettings.objects.filter(pk=arrow_settings.pk).values_list("partner_reference", "api_url").first()
    if stored is None or stored[0].strip():
        return None
    return arrow_account_key(partner_reference="", api_url=stored[1])


def arrow_settings_store(arrow_settings: ArrowSettings) -> ArrowSettings:
    """Save a settings row; when it is active, deactivate every other row in the same transaction.

    A row whose account was its API URL (no partner reference stored) and changes, gets its
    imported lines re-keyed to the new account, so that they stay recognised. No Arrow call.
    Raises `SettingsConflict` if a concurrent request activated another row.
    """
    try:
        with transaction.atomic(), ledger_configuration_watch(arrow_settings,
                                                              ArrowSettings.objects.filter(is_active=True)):
            if arrow_settings.is_active:
                _deactivate_others(arrow_settings)
            url_account = _stored_url_account(arrow_settings)
            arrow_settings.save()
            if url_account is not None:
                arrow_account_rekey(settings=arrow_settings, old_account=url_account,
                                    new_account=arrow_settings.arrow_account)
    except IntegrityError as exc:
        raise SettingsConflict("Another Arrow settings row was activated at the same time; try again.") from exc
    return arrow_settings


def configuration_delete(instance) -> None:
    """Delete a settings row or mapping (with what cascades from it).

    Raises `StillReferenced` when billing syncs refer to it: imported billing is never dropped
    implicitly; deactivate the object instead.
    """
    try:
        with transaction.atomic(), ledger_configuration_watch(instance):
            instance.delete()
    except ProtectedError as exc:
        kinds = sorted({str(type(obj)._meta.verbose_name_plural) for obj in exc.protected_objects})
        raise StillReferenced(
            f"{instance} cannot be deleted: {', '.join(kinds)} refer to it. Deactivate it instead."
        ) from None
    logger.info("Deleted %s %s.", type(instance).__name__, instance.uuid)


def arrow_settings_create(*, api_url: str, api_key: str, **fields) -> ArrowSettings:
    """Create a settings row after checking the key with Arrow (partner filled from `whoami`).

    An active row (the default) deactivates the others. Raises `ArrowError` on Arrow failures,
    `ValidationError` for an unknown export type, `SettingsConflict` on a concurrent activation.
    """
    check = credentials_check(
        api_url=api_url, api_key=api_key, export_type_reference=fields.get("export_type_reference", "")
    )
    arrow_settings = ArrowSettings(api_url=api_url, **{k: v for k, v in fields.items() if k in EDITABLE_FIELDS})
    arrow_settings.api_key = api_key
    arrow_settings.partner_reference = check.partner.reference
    arrow_settings.partner_name = check.partner.company_name
    arrow_settings_store(arrow_settings)
    logger.info("Arrow settings %s created for partner %s.", arrow_settings.uuid, arrow_settings.partner_reference)
    return arrow_settings


def arrow_settings_update(arrow_settings: ArrowSettings, *, api_key: str | None = None, **fields) -> ArrowSettings:
    """Apply changes and refresh the partner from `whoami` with the resulting URL and key.

    An empty or absent `api_key` keeps the stored one, unless `api_url` changes: then a
    `ValidationError` on `api_key`, before any call. Activating the row deactivates the others.
    Errors as for `arrow_settings_create`; nothing is saved when Arrow refuses.
    """
    api_url = fields.pop("api_url", None) or arrow_settings.api_url
    if api_url != arrow_settings.api_url and not api_key:
        raise ValidationError({"api_key": [API_KEY_REQUIRED_FOR_NEW_URL]})
    effective_key = api_key or arrow_settings.api_key
    export_type_reference = fields.get("export_type_reference", "")
    check = credentials_check(api_url=api_url, api_key=effective_key, export_type_reference=export_type_reference)
    arrow_settings.api_url = api_url
    if api_key:
        arrow_settings.api_key = api_key
    for name, value in fields.items():
        if name in EDITABLE_FIELDS:
            setattr(arrow_settings, name, value)
    arrow_settings.partner_reference = check.partner.reference
    arrow_settings.partner_name = check.partner.company_name
    arrow_settings_store(arrow_settings)
    logger.info("Arrow settings %s updated.", arrow_settings.uuid)
    return arrow_settings


def settings_preview(
    *,
    api_url: str,
    api_key: str,
    export_type_reference: str = "",
    classification_filter: str = DEFAULT_CLASSIFICATION_FILTER,
    sync_enabled: bool = False,
) -> dict:
    """What `settings_save` would store, after checking the key; saves nothing."""
    check = credentials_check(api_url=api_url, api_key=api_key, export_type_reference=export_type_reference)
    return {
        "api_url": api_url,
        "partner_name": check.partner.company_name,
        "partner_reference": check.partner.reference,
        "export_type_reference": export_type_reference,
        "classification_filter": classification_filter,
        "sync_enabled": sync_enabled,
    }


def _mapping_customers(customer_mappings: list[dict]) -> dict[str, Customer]:
    """Arrow reference -> local customer for the requested mappings; 400 on repeats or unknowns."""
    references = [item["arrow_reference"] for item in customer_mappings]
    repeated = sorted({ref for ref in references if references.count(ref) > 1})
    if repeated:
        raise ValidationError({"customer_mappings": [f"Arrow references listed twice: {', '.join(repeated)}."]})
    wanted = {item["waldur_customer_uuid"] for item in customer_mappings}
    found = {customer.uuid: customer for customer in Customer.objects.filter(uuid__in=wanted)}
    unknown = sorted(str(value) for value in wanted - set(found))
    if unknown:
        raise ValidationError({"customer_mappings": [f"Unknown customer UUIDs: {', '.join(unknown)}."]})
    return {item["arrow_reference"]: found[item["waldur_customer_uuid"]] for item in customer_mappings}


def _company_names(client: ArrowClient, references: Iterable[str]) -> dict[str, str]:
    names = {}
    for reference in references:
        try:
            names[reference] = client.get_customer(reference).company_name
        except ArrowNotFound:
            raise ValidationError(
                {"customer_mappings": [f"Arrow has no customer with reference {reference!r}."]}
            ) from None
    return names


def settings_of_account(*, api_url: str, partner_reference: str) -> ArrowSettings | None:
    """The live settings row of an Arrow account (same normalised API URL and partner reference):
    the active one, else the newest."""
    wanted = api_url_normalised(api_url)
    rows = ArrowSettings.objects.not_archived().filter(partner_reference__iexact=partner_reference.strip())
    for row in rows.order_by("-is_active", "-created", "-id"):
        if api_url_normalised(row.api_url) == wanted:
            return row
    return None


def _mapping_conflicts_check(arrow_settings: ArrowSettings | None, customers: dict[str, Customer]) -> None:
    """400 naming the mappings of other settings rows that actively map a listed Arrow customer."""
    own = ArrowCustomerMapping.objects.none() if arrow_settings is None else (
        ArrowCustomerMapping.objects.not_archived().filter(settings=arrow_settings)
    )
    own_pks = list(own.values_list("pk", flat=True))
    messages = [
        already_mapped_message(other)
        for reference in customers
        if (other := active_mapping_of(reference, exclude_pks=own_pks)) is not None
    ]
    if messages:
        raise ValidationError({"customer_mappings": messages})


def _mappings_apply(arrow_settings: ArrowSettings, customers: dict[str, Customer],
                    names: dict[str, str]) -> tuple[int, int]:
    """Create the listed mappings the row lacks, update (and reactivate) those it has; (created, updated)."""
    existing = {
        mapping.arrow_reference.upper(): mapping
        for mapping in ArrowCustomerMapping.objects.not_archived().filter(settings=arrow_settings)
    }
    created, updated = [], 0
    for reference, customer in customers.items():
        mapping = existing.get(reference.upper())
        if mapping is None:
            created.append(ArrowCustomerMapping(settings=arrow_settings, arrow_reference=reference,
                                                arrow_company_name=names[reference], waldur_customer=customer))
            continue
        wanted = {"arrow_company_name": names[reference], "waldur_customer_id": customer.pk, "is_active": True}
        changed = [name for name, value in wanted.items() if getattr(mapping, name) != value]
        if changed:
            for name in changed:
                setattr(mapping, name, wanted[name])
            mapping.save(update_fields=[*changed, "modified"])
            updated += 1
    ArrowCustomerMapping.objects.bulk_create(created)
    return len(created), updated


def settings_save(
    *,
    api_url: str,
    api_key: str,
    export_type_reference: str = "",
    classification_filter: str = DEFAULT_CLASSIFICATION_FILTER,
    sync_enabled: bool = False,
    customer_mappings: list[dict] | None = None,
) -> SavedSettings:
    """Store the active settings of an Arrow account and its customer mappings in one transaction.

    Checks the key and every Arrow reference first (company names come from Arrow). When the
    account already has settings (same normalised API URL and partner reference), that row is
    updated in place (key, export type, classification filter, sync, activation) and the listed
    mappings are created when missing, updated and reactivated when present; otherwise a new
    active row is created with them. Other settings rows are deactivated either way. Raises
    `ArrowError`, `ValidationError` (unknown customers or references, an Arrow customer actively
    mapped under other settings) or `SettingsConflict`; nothing is written then.
    """
    customer_mappings = customer_mappings or []
    customers = _mapping_customers(customer_mappings)
    with interactive_client(api_url=api_url, api_key=api_key) as client:
        partner = client.whoami()
        _export_type_check(client.export_types() if export_type_reference else [], export_type_reference)
        names = _company_names(client, customers)
    with transaction.atomic():
        arrow_settings = settings_of_account(api_url=api_url, partner_reference=partner.reference)
        created = arrow_settings is None
        _mapping_conflicts_check(arrow_settings, customers)
        arrow_settings = arrow_settings or ArrowSettings()
        arrow_settings.api_url = api_url
        arrow_settings.api_key = api_key
        arrow_settings.export_type_reference = export_type_reference
        arrow_settings.classification_filter = classification_filter
        arrow_settings.sync_enabled = sync_enabled
        arrow_settings.is_active = True
        arrow_settings.partner_reference = partner.reference
        arrow_settings.partner_name = partner.company_name
        arrow_settings_store(arrow_settings)
        try:
            with ledger_configuration_watch(ArrowCustomerMapping.objects.filter(settings=arrow_settings)):
                mappings_created, mappings_updated = _mappings_apply(arrow_settings, customers, names)
        except IntegrityError:  # a concurrent request mapped one of them meanwhile
            _mapping_conflicts_check(arrow_settings, customers)
            raise
    logger.info("Arrow settings %s %s: %d customer mapping(s) created, %d updated.", arrow_settings.uuid,
                "created" if created else "updated in place", mappings_created, mappings_updated)
    return SavedSettings(settings=arrow_settings, mappings_created=mappings_created, created=created,
                         mappings_updated=mappings_updated)
