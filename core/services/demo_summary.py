"""The demo seed as one call: core objects, then (when an Arrow URL is given) the Arrow settings."""

from django.utils.module_loading import import_string

from core.services.demo import core_demo_seed

# Seeders of other apps, called with the core demo data and the Arrow URL and key.
EXTRA_SEEDERS = ["arrow_integration.services.demo.arrow_demo_seed"]


def demo_seed_with_summary(*, base_url: str, arrow_url: str = "", arrow_key: str = "") -> dict:
    data = core_demo_seed()
    summary = {
        "base_url": base_url,
        "staff_token": data.staff_token,
        "user_token": data.user_token,
        "customer_uuid": str(data.customers[0].uuid),
        "second_customer_uuid": str(data.customers[1].uuid),
        "project_uuid": str(data.project.uuid),
        "offering_uuid": str(data.offering.uuid),
        "plan_uuid": str(data.plan.uuid),
        "resource_uuid": str(data.resource.uuid),
    }
    if arrow_url:
        summary["arrow_url"] = arrow_url
        summary["arrow_key"] = arrow_key
        for dotted in EXTRA_SEEDERS:
            try:
                seeder = import_string(dotted)
            except ImportError:
                continue
            summary.update(seeder(core=data, arrow_url=arrow_url, arrow_key=arrow_key) or {})
    return summary
