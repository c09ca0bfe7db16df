"""`manage.py sync_arrow_resources`: progress bar, dry run, force import, option errors."""

import io

import pytest
from django.core.management import CommandError, call_command

from arrow_client import Period
from arrow_integration.models import ArrowCustomerMapping
from arrow_integration.tests.license_support import PRODUCTION_LICENSE
from core.models import ComponentUsage, Customer, Project, Resource

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Customer, Project, Resource, ComponentUsage, ArrowCustomerMapping)
    }


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("sync_arrow_resources", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_dry_run_prints_the_plan_and_writes_nothing(arrow_settings, vendor_mappings, demo_data):
    counts = row_counts()

    out, err = run("--dry-run", "--force-import")

    assert row_counts() == counts
    assert "Dry run, nothing was written" in out
    assert "would create customer 'Helios Manufacturing GmbH'" in out
    assert "would create resource 'Azure Production Subscr.' (XSP5000101)" in out
    assert "Arrow export pages" in err


def test_force_import_creates_once_with_progress_bar(arrow_settings, vendor_mappings, demo_data):
    out, err = run("--force-import")

    assert "Arrow export pages" in err and "100%" in err
    assert "  customers_created: 3" in out  # the three demo customers are reused by name
    assert "  mappings_created: 6" in out
    created = Resource.objects.exclude(backend_id="").count()
    assert created > 6

    counts = row_counts()
    out, _ = run("--force-import", "--no-progress")

    assert row_counts() == counts
    assert "  created: 0" in out and "  updated: 0" in out


def test_period_options_and_given_project(arrow_settings, nordic_mapping, vendor_mappings, demo_data):
    demo_data.resource.backend_id = PRODUCTION_LICENSE
    demo_data.resource.save()
    month = str(Period.current().previous())

    out, err = run("--period-from", month, "--period-to", month, "--project", str(demo_data.project.uuid),
                   "--no-progress")

    assert f"periods {month} to {month}" in out
    assert "  created: 2" in out and "  updated: 1" in out
    assert "error: Arrow customer XSP100002 (Baltic Data Systems SIA) is not mapped" in err
    assert ComponentUsage.objects.filter(resource=demo_data.resource).count() == 1


@pytest.mark.parametrize("args, message", [
    (["--period-from", "2025-13"], "Malformed period"),
    (["--period-from", "2025-06", "--period-to", "2025-01"], "after"),
    (["--project", "not-a-uuid"], "--project"),
    (["--arrow-settings", "00000000-0000-0000-0000-000000000000"], "--arrow-settings"),
])
def test_bad_options_are_command_errors(arrow_settings, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_no_active_settings(db):
    with pytest.raises(CommandError, match="No active Arrow settings"):
        run()
