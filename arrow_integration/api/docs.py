"""What /api/docs/ says about every operation under /api/admin/arrow/: summary, description, tag.

`document_admin_operations` (an OpenAPI post-processing hook, after the HEAD count operations
are added) gives each operation its summary and description from `OPERATIONS` (by operation id)
and the tag of its area (`TAGS`: settings, mappings, billing, consumption, licenses, reports,
runs), so the interactive docs group the operations by what an operator does. A HEAD count
operation is described from its GET. Descriptions say what the operation does, what it queues,
and what the answer means; every operation is staff only (401 without a valid token, 403 for
other users), which `/api/docs/` shows once, in the tags' preamble, rather than in every line.
"""

from __future__ import annotations

ADMIN_PREFIX = "/api/admin/arrow/"
QUEUED = ("Validates the body first (year 2000–2100, month 1–12 up to the current month, settings and objects "
          "named must exist) and answers 202 once the task is queued, with `message` and `run_uuid`: the run, "
          "recorded as `queued` before the answer, that a worker takes to `running` and to `succeeded` or "
          "`failed`; follow it at `sync-runs/{run_uuid}/`. 503 when the task queue is down (nothing queued).")
LIST = ("A bare JSON array paged with `page`/`page_size` (default 10, at most 1000), with `Link` and "
        "`X-Result-Count` headers; a malformed filter is a 400 naming it.")
CSV = ("`?format=csv` (or `Accept: text/csv`) streams every matching row as CSV (UTF-8, a header row, "
       "decimals as exact strings, ISO dates), not one page; errors stay JSON.")

TAGS = [
    ("settings", "Arrow credentials and settings: validate, discover, save, edit, delete (archive)."),
    ("mappings", "Arrow customers and vendors tied to local customers and offerings."),
    ("billing", "The monthly billing export: imports, statement reconciliation, billing syncs and their lines."),
    ("consumption", "Consumption tracking during the month: provisional items, their reconciliation, records."),
    ("licenses", "Arrow licenses and local resources: discover, link, import."),
    ("reports", "Reads for closing a month: the month-close report and its lines, the ledger, the FOCUS export."),
    ("runs", "Background runs to follow, and the pause of the scheduled syncs."),
]

# operation id -> (tag, summary, description)
OPERATIONS: dict[str, tuple[str, str, str]] = {
    # settings
    "admin_arrow_settings_list": ("settings", "List Arrow settings",
                                  f"Every settings row that was not deleted (archived), newest first; the API key is "
                                  f"never shown. {LIST}"),
    "admin_arrow_settings_create": ("settings", "Create Arrow settings",
                                    "Stores a settings row: `api_url` and `api_key` required (the key encrypted, bound "
                                    "to the URL's origin), partner reference and name read from Arrow's `whoami`. "
                                    "Answers 201 with the row; a refused URL or key is a 400 naming the field."),
    "admin_arrow_settings_retrieve": ("settings", "Get Arrow settings",
                                      "One settings row by UUID, without its key; an archived row is a 404."),
    "admin_arrow_settings_update": ("settings", "Replace Arrow settings",
                                    "Updates every field. An empty `api_key` keeps the stored one unless `api_url` "
                                    "changes, which needs the key again (400 naming `api_key` otherwise)."),
    "admin_arrow_settings_partial_update": ("settings", "Update Arrow settings",
                                            "Updates the fields given; the key rule of the full update applies."),
    "admin_arrow_settings_destroy": ("settings", "Delete (archive) Arrow settings",
                                     "Answers 204 and the row is a 404 from then on; it is archived, not dropped: "
                                     "billing that refers to it stays readable. Its mappings are archived too, its "
                                     "syncs switched off and its stored key erased."),
    "admin_arrow_settings_validate_credentials": ("settings", "Check an Arrow URL and key",
                                                  "Calls Arrow's `whoami` with the URL and key given, saving nothing. "
                                                  "Answers 200 with `valid` true or false and the reason."),
    "admin_arrow_settings_discover_customers": ("settings", "Discover Arrow customers",
                                                "Lists the account's Arrow customers with suggested local customers "
                                                "(fuzzy name match, confidence 0–1) and which billing export types "
                                                "have the columns the import needs. Saves nothing."),
    "admin_arrow_settings_preview_settings": ("settings", "Preview settings before saving",
                                              "Checks the key with Arrow and answers what `save_settings` would "
                                              "store and create; saves nothing."),
    "admin_arrow_settings_save_settings": ("settings", "Save settings and mappings",
                                           "In one transaction: updates the account's settings row in place (same "
                                           "URL and partner) or creates the active one, and creates the listed "
                                           "customer mappings. Answers 201 with `settings_uuid` and a `message` "
                                           "saying what was created and updated."),
    # mappings
    "admin_arrow_customer_mappings_list": ("mappings", "List customer mappings",
                                           f"Arrow customers (XSP references) tied to local customers. {LIST}"),
    "admin_arrow_customer_mappings_create": ("mappings", "Map an Arrow customer",
                                             "Ties an Arrow customer to a local customer under a settings row (201). "
                                             "An Arrow customer is actively mapped once: a second active mapping is "
                                             "a 400 naming the one in the way."),
    "admin_arrow_customer_mappings_retrieve": ("mappings", "Get a customer mapping",
                                               "One customer mapping by UUID; an archived one is a 404."),
    "admin_arrow_customer_mappings_update": ("mappings", "Replace a customer mapping",
                                             "Updates every field of the mapping; the one-active-mapping rule applies."),
    "admin_arrow_customer_mappings_partial_update": ("mappings", "Update a customer mapping",
                                                     "Updates the fields given (deactivate with `is_active` false)."),
    "admin_arrow_customer_mappings_destroy": ("mappings", "Delete (archive) a customer mapping",
                                              "Answers 204; the mapping is archived, its billing syncs stay readable, "
                                              "and a new mapping of the same customer takes over its lines."),
    "admin_arrow_customer_mappings_available_customers": ("mappings", "Arrow customers not mapped yet",
                                                          "Arrow customers of the active settings without a mapping, "
                                                          "with suggested local customers. Read live from Arrow."),
    "admin_arrow_customer_mappings_sync_from_arrow": ("mappings", "Refresh company names from Arrow",
                                                      "Reads the mapped customers from Arrow and updates their company "
                                                      "names; answers 200 with how many changed."),
    "admin_arrow_customer_mappings_billing_summary": ("mappings", "Billing summary of a mapping",
                                                      "Counts and totals of the mapping's billing syncs and consumption "
                                                      "records, from the database (no Arrow call)."),
    "admin_arrow_customer_mappings_fetch_arrow_data": ("mappings", "This month live from Arrow",
                                                       "The customer's billing lines and consumption of the current "
                                                       "month read live from Arrow, per-license errors inline; writes "
                                                       "nothing."),
    "admin_arrow_vendor_offering_mappings_list": ("mappings", "List vendor mappings",
                                                  f"Arrow vendors tied to local offerings (and plans). {LIST}"),
    "admin_arrow_vendor_offering_mappings_create": ("mappings", "Map an Arrow vendor",
                                                    "Ties an Arrow vendor name to an offering and, optionally, a plan "
                                                    "of that offering (201); one mapping per settings and vendor."),
    "admin_arrow_vendor_offering_mappings_retrieve": ("mappings", "Get a vendor mapping",
                                                      "One vendor mapping by UUID, with its offering and plan."),
    "admin_arrow_vendor_offering_mappings_update": ("mappings", "Replace a vendor mapping",
                                                    "Updates every field; the plan must belong to the offering."),
    "admin_arrow_vendor_offering_mappings_partial_update": ("mappings", "Update a vendor mapping",
                                                            "Updates the fields given; the plan must belong to the "
                                                            "offering."),
    "admin_arrow_vendor_offering_mappings_destroy": ("mappings", "Delete a vendor mapping",
                                                     "Answers 204 and the vendor mapping is removed; resources "
                                                     "already imported keep their offering and plan."),
    "admin_arrow_vendor_offering_mappings_vendor_choices": ("mappings", "Vendor names to map",
                                                            "Vendor names from Arrow's IAAS catalog, else from imported "
                                                            "billing lines: a plain list."),
    # billing
    "admin_arrow_billing_syncs_list": ("billing", "List billing syncs",
                                       f"One billing sync per customer mapping and month (state 1 Pending, 2 Synced, 3 "
                                       f"Validated, 4 Reconciled), totals and currency, with its items embedded. "
                                       f"{LIST} For many items, page through `billing-sync-items/` instead."),
    "admin_arrow_billing_syncs_retrieve": ("billing", "Get a billing sync",
                                           "One billing sync by UUID, with its state, totals and items embedded."),
    "admin_arrow_billing_syncs_trigger_sync": ("billing", "Queue a billing import",
                                               "Queues the import of one month's billing export for the settings "
                                               "(default: the active ones), or of one resource's license: one "
                                               f"billing sync per mapped customer, one invoice item per line. {QUEUED}"),
    "admin_arrow_billing_syncs_reconcile": ("billing", "Queue the statement reconciliation",
                                            "Queues the reconciliation of one month's billing syncs with Arrow's final "
                                            "export: every difference of 0.01 or more becomes a compensation on the "
                                            "customer's current invoice. A month Arrow has not validated is left "
                                            "unchanged (the run's `operator_summary` says so) unless `force`. "
                                            f"{QUEUED}"),
    "admin_arrow_billing_syncs_fetch_billing_export": ("billing", "Raw billing export from Arrow",
                                                       "Reads the billing export of a range of months live from Arrow "
                                                       "(the settings' classification filter unless `classification` "
                                                       "is given): at most 1000 rows in JSON (`truncated` says when "
                                                       "there are more). With `?format=csv` every row of the export, "
                                                       "streamed. Writes nothing."),
    "admin_arrow_billing_sync_items_list": ("billing", "List billing sync items",
                                            f"One item per imported export line: line reference, invoice item, the "
                                            f"price first invoiced, its compensation. {LIST} {CSV}"),
    "admin_arrow_billing_sync_items_retrieve": ("billing", "Get a billing sync item",
                                                "One imported line's item by UUID, with its invoice item and compensation."),
    # consumption
    "admin_arrow_billing_syncs_trigger_consumption_sync": ("consumption", "Queue a consumption sync",
                                                           "Queues the sync of one month's consumption of every linked "
                                                           "license (or of one resource): one provisional invoice item "
                                                           f"per license-month. {QUEUED}"),
    "admin_arrow_billing_syncs_trigger_reconciliation": ("consumption", "Queue the consumption reconciliation",
                                                         "Queues the finalization of one closed month's consumption "
                                                         "records against Arrow's validated export, a compensation "
                                                         "for each difference. An unvalidated month is left unchanged "
                                                         f"unless `force`. {QUEUED}"),
    "admin_arrow_billing_syncs_sync_resource_historical_consumption": (
        "consumption", "Sync a resource's past consumption",
        "Synchronously syncs a linked resource's consumption of a range of months (default: the last 12), "
        "`dry_run` to only report; answers 200 with what was done per month."),
    "admin_arrow_billing_syncs_cleanup_consumption": ("consumption", "Clean up consumption records",
                                                      "Lists (dry run, the default) or deletes consumption records of "
                                                      "a range of months; a real run also removes their provisional "
                                                      "items from pending invoices, never from issued ones."),
    "admin_arrow_billing_syncs_consumption_status": ("consumption", "Consumption tracking status",
                                                     "Whether syncs are paused, the active settings, and the latest "
                                                     "consumption sync, from the database."),
    "admin_arrow_billing_syncs_consumption_statistics": ("consumption", "Consumption statistics",
                                                         "Counts and totals of consumption records per state, from the "
                                                         "database."),
    "admin_arrow_billing_syncs_pending_records": ("consumption", "Records not finalized yet",
                                                  "At most 100 consumption records not finalized, newest month first "
                                                  "(a plain list: page parameters are ignored)."),
    "admin_arrow_billing_syncs_fetch_consumption": ("consumption", "Raw consumption from Arrow",
                                                    "A license's consumption lines of one month, live from Arrow; "
                                                    "writes nothing."),
    "admin_arrow_consumption_records_list": ("consumption", "List consumption records",
                                             f"One record per resource, license and month: consumed and final amounts, "
                                             f"provisional item, compensation. {LIST} {CSV}"),
    "admin_arrow_consumption_records_retrieve": ("consumption", "Get a consumption record",
                                                 "One consumption record by UUID, with its items and amounts."),
    # licenses
    "admin_arrow_customer_mappings_discover_licenses": ("licenses", "Discover a customer's licenses",
                                                        "The customer's Arrow licenses (from Arrow's license search), "
                                                        "its local resources, and suggested links."),
    "admin_arrow_customer_mappings_link_resource": ("licenses", "Link a resource to a license",
                                                    "Sets a resource's `backend_id` to a license of this customer; "
                                                    "answers 200, with a `warning` when the classification filter "
                                                    "leaves the license's lines out."),
    "admin_arrow_customer_mappings_import_license": ("licenses", "Import a license as a resource",
                                                     "Creates a resource for a license of this customer in the given "
                                                     "offering and project, with the plan of the vendor mapping (201)."),
    "admin_arrow_billing_syncs_sync_resources": ("licenses", "Create resources from billing lines",
                                                 "Synchronously creates and updates resources from the IAAS lines of "
                                                 "a range of months (`force_import` also creates customers, projects "
                                                 "and mappings); answers 200 with the counts."),
    "admin_arrow_billing_syncs_fetch_license_info": ("licenses", "Raw license from Arrow",
                                                     "A license's details live from Arrow; writes nothing."),
    # reports
    "admin_arrow_month_close_list": ("reports", "Month-close report",
                                     "Arrow's bill of one month (`period`, required) against what was invoiced: one "
                                     "row per settings × Arrow customer with lines or Arrow-sourced invoice items, "
                                     "mapped or not: `arrow_total`, `arrow_in_scope`, `invoiced` (compensations "
                                     "naming the month included, wherever they sit), `compensated`, `difference`, "
                                     "`arrow_buy_total`, `margin`, lines per variance class, `status` (not_checked, "
                                     "provisional, validated, reconciled) and `checked_at`. From the database, in a "
                                     f"constant number of queries. {LIST} {CSV}"),
    "admin_arrow_month_close_lines_list": ("reports", "Month-close lines",
                                           "The report's lines: one per Arrow line (one per license-month charged by "
                                           "consumption), with its `variance_class` and `reason`, Arrow's amount, "
                                           "what was invoiced and the invoice items and compensations behind it "
                                           f"(UUIDs and URLs). {LIST} {CSV}"),
    "admin_arrow_focus_export": ("reports", "FOCUS 1.0 export of a month",
                                 "The Arrow-sourced charges on the invoices of one billing month as FinOps FOCUS 1.0 "
                                 "CSV rows, streamed; `X-Result-Count` counts them."),
    # runs
    "admin_arrow_sync_runs_list": ("runs", "List background runs",
                                   "Runs newest first: kind, settings, month, state (queued, running, succeeded, "
                                   "failed), progress, who triggered it (user or schedule), queued/started/finished "
                                   "times, the outcome (JSON) with its `operator_summary` sentences, the error. "
                                   f"{LIST} {CSV}"),
    "admin_arrow_sync_runs_retrieve": ("runs", "Get a background run",
                                       "One run by UUID, e.g. the `run_uuid` a queued action answered."),
    "admin_arrow_billing_syncs_pause_sync": ("runs", "Pause the scheduled syncs",
                                             "Stops the periodic billing and consumption runs, globally "
                                             "(`pause_global`) or for a settings row; actions triggered through the "
                                             "API still run. Idempotent; answers 200 with what was paused."),
    "admin_arrow_billing_syncs_resume_sync": ("runs", "Resume the scheduled syncs",
                                              "Undoes `pause_sync` globally or for a settings row; answers 200 with "
                                              "what was resumed."),
    "admin_arrow_ledger_list": ("reports", "List ledger entries",
                                "The append-only record of every change to an Arrow-sourced invoice item (created, "
                                "changed, removed: amounts before and after, the delta, invoice, Arrow references, "
                                "the reason in words) and to settings and mappings (never the key), each with its "
                                "actor: a user, a run or a command. Newest first; filters `period`, `customer_uuid`, "
                                f"`license_reference`, `run_uuid`, `actor`, `action`. Read only. {LIST} {CSV}"),
    "admin_arrow_ledger_retrieve": ("reports", "Get a ledger entry",
                                    "One ledger entry by UUID; entries are never changed or removed."),
}

def _documented(operation_id: str) -> tuple[str, str, str] | None:
    """The entry of an operation id; actions are generated as `<name>_create`, `_list` or `_retrieve`."""
    if operation_id in OPERATIONS:
        return OPERATIONS[operation_id]
    for suffix in ("_create", "_list", "_retrieve"):
        if operation_id.endswith(suffix) and operation_id[: -len(suffix)] in OPERATIONS:
            return OPERATIONS[operation_id[: -len(suffix)]]
    return None


def document_admin_operations(result, generator, request, public):
    """Summary, description and tag of every /api/admin/arrow/ operation (see the module)."""
    for path, item in result.get("paths", {}).items():
        if not path.startswith(ADMIN_PREFIX):
            continue
        get_documented = _documented(item["get"]["operationId"]) if "get" in item else None
        for method, operation in item.items():
            documented = _documented(operation.get("operationId", ""))
            if method == "head" and get_documented is not None:
                tag, summary, description = get_documented
                documented = (tag, f"Count: {summary[0].lower()}{summary[1:]}",
                              f"{description} HEAD answers with the number of matching rows in `X-Result-Count` and "
                              f"no body.")
            if documented is None:
                continue
            tag, operation["summary"], operation["description"] = documented
            operation["tags"] = [tag]
    used = {tag for item in result.get("paths", {}).values() for operation in item.values()
            for tag in operation.get("tags", ())}
    result["tags"] = [*(entry for entry in result.get("tags", []) if entry["name"] not in dict(TAGS)),
                      *({"name": name, "description": f"{text} Staff only."} for name, text in TAGS if name in used)]
    return result
