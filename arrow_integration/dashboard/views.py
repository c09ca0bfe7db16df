"""Pages of the dashboard: overview, runs list, one run. Thin: read selectors, shape, render.

Every view here is staff only (`access.dashboard_staff_required`) and answers GET (HEAD) only;
nothing here writes. The month pages and their buttons are in `month_views`.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from arrow_client.periods import Period
from arrow_integration.dashboard.access import dashboard_staff_required
from arrow_integration.dashboard.charts import billing_charts
from arrow_integration.dashboard.downloads import runs_download
from arrow_integration.dashboard.figures import month_summaries
from arrow_integration.dashboard.forms import RunFilterForm
from arrow_integration.dashboard.outcome import outcome_sections
from arrow_integration.dashboard.overview import excluded_lines, overview_months, unmapped_customers
from arrow_integration.selectors.attention import operator_warnings
from arrow_integration.selectors.month_close_objects import arrow_settings_by_uuid
from arrow_integration.selectors.runs import sync_run_get, sync_runs_filter, sync_runs_latest

# (URL name, label) of the main navigation, in order.
NAVIGATION = [("dashboard:overview", "Overview"), ("dashboard:months", "Month"), ("dashboard:runs", "Runs")]
OVERVIEW_MONTHS = 12
LATEST_RUNS_SHOWN = 8
RUNS_PER_PAGE = 25


def render_page(request, template: str, context: dict, *, section: str, status: int = 200):
    """Render a dashboard page with the navigation, ``section`` marked as the current one."""
    context = {"navigation": NAVIGATION, "section": section, **context}
    return render(request, template, context, status=status)


@require_safe
@dashboard_staff_required
def overview(request):
    """The last months' close (bill against invoiced, status, open differences), the latest runs,
    and what needs action."""
    current = Period.from_date(timezone.localdate())
    summaries = month_summaries(last=current, months=OVERVIEW_MONTHS)
    warnings = operator_warnings()
    unmapped = unmapped_customers(summaries, arrow_settings_by_uuid())
    excluded = excluded_lines(summaries)
    context = {
        "months": overview_months(summaries),
        "charts": billing_charts(summaries),
        "first_period": summaries[0].period,
        "last_period": current,
        "warnings": warnings,
        "unmapped": unmapped,
        "excluded": excluded,
        "attention_count": warnings.count + len(unmapped) + len(excluded),
        "latest_runs": sync_runs_latest(limit=LATEST_RUNS_SHOWN),
    }
    return render_page(request, "dashboard/overview.html", context, section="dashboard:overview")


@require_safe
@dashboard_staff_required
def runs_list(request):
    """Runs newest first, filtered by kind, state and month; 400 with the form's errors on bad input."""
    form = RunFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        context = {"form": form, "page": None}
        return render_page(request, "dashboard/runs.html", context, section="dashboard:runs", status=400)
    filters = form.cleaned_data if form.is_bound else {}
    runs = sync_runs_filter(kind=filters.get("kind"), state=filters.get("state"), period=filters.get("period"))
    page = Paginator(runs, RUNS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "filter_query": query.urlencode(),
               "csv_url": runs_download(kind=filters.get("kind", ""), state=filters.get("state", ""),
                                        period=filters.get("period"))}
    return render_page(request, "dashboard/runs.html", context, section="dashboard:runs")


@require_safe
@dashboard_staff_required
def run_detail(request, run_uuid):
    """One run: its scope, state, progress, error and outcome as tables."""
    run = sync_run_get(run_uuid)
    if run is None:
        return render_page(request, "dashboard/not_found.html", {"what": "run"}, section="dashboard:runs",
                           status=404)
    context = {"run": run, "sections": outcome_sections(run.outcome)}
    return render_page(request, "dashboard/run_detail.html", context, section="dashboard:runs")
