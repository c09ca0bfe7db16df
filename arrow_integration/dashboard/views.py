"""Pages of the dashboard: overview, runs list, one run. Thin: read selectors, shape, render.

Every view is staff only (`access.dashboard_staff_required`) and answers GET (HEAD) only.
Nothing here writes; the month page and downloads join `NAVIGATION` when they exist.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from arrow_client.periods import Period
from arrow_integration.dashboard.access import dashboard_staff_required
from arrow_integration.dashboard.charts import billing_charts
from arrow_integration.dashboard.forms import RunFilterForm
from arrow_integration.dashboard.outcome import outcome_sections
from arrow_integration.selectors.attention import operator_warnings
from arrow_integration.selectors.billed_vs_invoiced import DEFAULT_MONTHS, months_billed_vs_invoiced
from arrow_integration.selectors.runs import sync_run_get, sync_runs_filter, sync_runs_latest

# (URL name, label) of the main navigation, in order; "Month" and "Downloads" come next.
NAVIGATION = [("dashboard:overview", "Overview"), ("dashboard:runs", "Runs")]
LATEST_RUNS_SHOWN = 8
RUNS_PER_PAGE = 25


def _render(request, template: str, context: dict, *, section: str, status: int = 200):
    context = {"navigation": NAVIGATION, "section": section, **context}
    return render(request, template, context, status=status)


@require_safe
@dashboard_staff_required
def overview(request):
    """The last months' bill against what was invoiced, the latest runs, and what needs action."""
    current = Period.from_date(timezone.now().date())
    months = months_billed_vs_invoiced(last=current, months=DEFAULT_MONTHS)
    context = {
        "months": list(reversed(months)),
        "charts": billing_charts(months),
        "first_period": months[0].period if months else current,
        "last_period": current,
        "warnings": operator_warnings(since=current.shift(1 - DEFAULT_MONTHS)),
        "latest_runs": sync_runs_latest(limit=LATEST_RUNS_SHOWN),
    }
    return _render(request, "dashboard/overview.html", context, section="dashboard:overview")


@require_safe
@dashboard_staff_required
def runs_list(request):
    """Runs newest first, filtered by kind, state and month; 400 with the form's errors on bad input."""
    form = RunFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        context = {"form": form, "page": None}
        return _render(request, "dashboard/runs.html", context, section="dashboard:runs", status=400)
    filters = form.cleaned_data if form.is_bound else {}
    runs = sync_runs_filter(kind=filters.get("kind"), state=filters.get("state"), period=filters.get("period"))
    page = Paginator(runs, RUNS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "filter_query": query.urlencode()}
    return _render(request, "dashboard/runs.html", context, section="dashboard:runs")


@require_safe
@dashboard_staff_required
def run_detail(request, run_uuid):
    """One run: its scope, state, progress, error and outcome as tables."""
    run = sync_run_get(run_uuid)
    if run is None:
        return _render(request, "dashboard/not_found.html", {"what": "run"}, section="dashboard:runs", status=404)
    context = {"run": run, "sections": outcome_sections(run.outcome)}
    return _render(request, "dashboard/run_detail.html", context, section="dashboard:runs")
