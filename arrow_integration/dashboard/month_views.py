"""The month pages: one month's close and the drill-down of one customer, and the month's buttons.

- `month`: the month-close report per customer (filtered and sorted), the differences by
  variance class (chart and table), the downloads, the month's runs and the buttons;
- `month_customer`: one customer's lines grouped by license, with the invoice items and
  compensations behind them and links to the Django admin;
- `month_run` (POST, CSRF-protected): queue an action (`month_actions`) once confirmed. Asked
  with `Accept: application/json` (the page's script) it answers 202 with the queued runs, whose
  progress the page follows at `/api/admin/arrow/sync-runs/{uuid}/`; a plain form post is sent
  back to the month page (303), where the queued runs are listed and followed the same way.

Figures come from the month-close selectors through `figures`. Staff only; bad input is a 400
naming the field, an unknown month a 404 page.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from arrow_client.periods import Period
from arrow_client.references import customer_key
from arrow_integration.dashboard.access import dashboard_staff_required
from arrow_integration.dashboard.charts import class_charts
from arrow_integration.dashboard.downloads import customer_lines_download, month_downloads
from arrow_integration.dashboard.drilldown import license_groups
from arrow_integration.dashboard.figures import customer_lines, customer_rows, month_summary
from arrow_integration.dashboard.forms import CustomerForm, MonthFilterForm, MonthRunForm
from arrow_integration.dashboard.month_actions import (
    MONTH_ACTIONS,
    action_buttons,
    month_action_queue,
    month_actions_allowed,
)
from arrow_integration.dashboard.month_table import SORT_CHOICES, header_links, rows_filtered, rows_sorted, table_rows
from arrow_integration.dashboard.views import render_page
from arrow_integration.errors import QueueUnavailable
from arrow_integration.selectors.configuration import active_settings_get, arrow_settings_get
from arrow_integration.selectors.month_close_lines import LineFilters
from arrow_integration.selectors.month_close_objects import arrow_settings_by_uuid
from arrow_integration.selectors.runs import sync_runs_filter
from core.errors import DomainError

SECTION = "dashboard:months"
MONTH_RUNS_SHOWN = 10
LICENSES_PER_PAGE = 50
SEE_OTHER = 303


def _period(text: str) -> Period | None:
    try:
        return Period.parse(text)
    except ValueError:
        return None


def _not_found(request, what: str):
    return render_page(request, "dashboard/not_found.html", {"what": what}, section=SECTION, status=404)


def _live_settings(settings_by_uuid: dict) -> dict:
    return {key: settings for key, settings in settings_by_uuid.items() if settings.archived_at is None}


def _run_form(period: Period, settings_by_uuid: dict) -> MonthRunForm | None:
    """The buttons' form for ``period``, when actions may run for it and settings exist."""
    live = _live_settings(settings_by_uuid)
    if not month_actions_allowed(period) or not live:
        return None
    active = active_settings_get()
    return MonthRunForm(actions=MONTH_ACTIONS, settings_by_uuid=live,
                        initial={"settings": str(active.uuid) if active else ""})


@require_safe
@dashboard_staff_required
def months(request):
    """The month being closed: the previous one."""
    return redirect("dashboard:month", month=str(Period.from_date(timezone.localdate()).previous()))


@require_safe
@dashboard_staff_required
def month(request, month: str):
    """One month's close; filters and sort from the query (a 400 naming a bad one)."""
    period = _period(month)
    if period is None:
        return _not_found(request, "month")
    settings_by_uuid = arrow_settings_by_uuid()
    form = MonthFilterForm(request.GET or None, settings_by_uuid=settings_by_uuid, sort_choices=SORT_CHOICES)
    valid = not form.is_bound or form.is_valid()
    filters = form.cleaned_data if form.is_bound and valid else {}
    summary = month_summary(period)
    chosen = {"settings_uuid": filters.get("settings", ""), "status": filters.get("status", ""),
              "variance_class": filters.get("variance_class", "")}
    rows = rows_filtered(summary.rows, **chosen) if valid else []
    sort = filters.get("sort", "")
    query = request.GET.copy()
    query.pop("sort", None)
    current = Period.from_date(timezone.localdate())
    context = {
        "period": period, "previous_period": period.previous(),
        "next_period": period.next() if period < current else None,
        "form": form, "summary": summary, "shown_rows": table_rows(rows_sorted(rows, sort), period, settings_by_uuid),
        "headers": header_links(sort), "filter_query": query.urlencode(),
        "class_charts": class_charts(summary),
        "downloads": month_downloads(period, **chosen),
        "month_runs": list(sync_runs_filter(period=period)[:MONTH_RUNS_SHOWN]),
        "run_form": _run_form(period, settings_by_uuid), "actions_allowed": month_actions_allowed(period),
        "action_buttons": action_buttons(period),
        "several_settings": len({row.settings_uuid for row in summary.rows}) > 1,
    }
    return render_page(request, "dashboard/month.html", context, section=SECTION, status=200 if valid else 400)


@require_safe
@dashboard_staff_required
def month_customer(request, month: str):
    """One customer's lines of the month, by license (``?settings=UUID&arrow_customer=XSP…``)."""
    period = _period(month)
    if period is None:
        return _not_found(request, "month")
    form = CustomerForm(request.GET)
    if not form.is_valid():
        context = {"period": period, "form": form}
        return render_page(request, "dashboard/month_customer.html", context, section=SECTION, status=400)
    settings_uuid, arrow_customer = form.cleaned_data["settings"], form.cleaned_data["arrow_customer"]
    filters = LineFilters(settings_uuid=settings_uuid, arrow_customer_reference=arrow_customer)
    lines = customer_lines(period, filters)
    if not lines:
        return _not_found(request, f"customer {arrow_customer or '(none)'} in {period}")
    groups, objects = license_groups(period, lines)
    first = lines[0]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "period": period, "form": form, "line": first, "licenses": len(groups), "lines": len(lines),
        "page": Paginator(groups, LICENSES_PER_PAGE).get_page(request.GET.get("page")), "page_query": query.urlencode(),
        "row": next(iter(customer_rows(period, filters)), None),
        "settings": arrow_settings_by_uuid().get(first.settings_uuid),
        "customer_pk": objects.customers.get(first.customer_uuid),
        "mapping_pk": objects.mappings.get((first.settings_uuid, customer_key(first.arrow_customer_reference))),
        "csv_url": customer_lines_download(period, settings_uuid=str(settings_uuid or ""),
                                          arrow_customer=arrow_customer) if arrow_customer else None,
    }
    return render_page(request, "dashboard/month_customer.html", context, section=SECTION)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _refused(request, period: Period, form: MonthRunForm, errors: dict, status: int):
    """The action was not queued: JSON errors for the page's script, else the confirmation page."""
    if _wants_json(request):
        return JsonResponse(errors, status=status)
    context = {"period": period, "form": form, "errors": errors, "action": MONTH_ACTIONS.get(form.data.get("action"))}
    return render_page(request, "dashboard/month_run_confirm.html", context, section=SECTION, status=status)


@require_POST
@dashboard_staff_required
def month_run(request, month: str):
    """Queue a month action once confirmed (see the module)."""
    period = _period(month)
    if period is None:
        return _not_found(request, "month")
    live = _live_settings(arrow_settings_by_uuid())
    form = MonthRunForm(request.POST, actions=MONTH_ACTIONS, settings_by_uuid=live)
    if not form.is_valid():
        return _refused(request, period, form, {name: list(errors) for name, errors in form.errors.items()}, 400)
    if not month_actions_allowed(period):
        return _refused(request, period, form, {"month": [f"{period} is in the future: nothing to run yet."]}, 400)
    action = MONTH_ACTIONS[form.cleaned_data["action"]]
    try:
        settings = arrow_settings_get(form.cleaned_data["settings"] or None, field="settings")
    except DomainError as error:
        return _refused(request, period, form, error.response_body(), 400)
    if not form.cleaned_data["confirmed"]:
        context = {"period": period, "form": form, "action": action, "errors": {},
                   "confirmation": action.confirmation.format(period=period, settings=_label(settings))}
        return render_page(request, "dashboard/month_run_confirm.html", context, section=SECTION)
    try:
        runs = month_action_queue(form.cleaned_data["action"], settings=settings, period=period, user=request.user)
    except QueueUnavailable as error:
        return _refused(request, period, form, error.response_body(), error.http_status)
    if not _wants_json(request):  # back to the month (303: see it with a GET), where the runs are listed
        response = HttpResponseRedirect(reverse("dashboard:month", kwargs={"month": str(period)}) + "#month-runs")
        response.status_code = SEE_OTHER
        return response
    return JsonResponse({
        "message": f"{action.label} of {period} queued for {_label(settings)}.",
        "runs": [{"uuid": str(run.uuid), "kind": run.kind, "kind_label": run.get_kind_display(),
                  "api_url": reverse("arrow-sync-run-detail", kwargs={"uuid": run.uuid}),
                  "page_url": reverse("dashboard:run", kwargs={"run_uuid": run.uuid})} for run in runs],
    }, status=202)


def _label(settings) -> str:
    return settings.partner_name or settings.api_url
