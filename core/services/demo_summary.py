"""The demo seed as one call: core objects, then (when an Arrow URL is given) the Arrow settings."""

from arrow_integration.services.demo import arrow_demo_seed
from core.services.demo import core_demo_seed


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
        # The Arrow key is not part of the summary: it is stored encrypted, and the demo keeps it in var/.
        summary["arrow_url"] = arrow_url
        summary.update(arrow_demo_seed(core=data, arrow_url=arrow_url, arrow_key=arrow_key))
    return summary
