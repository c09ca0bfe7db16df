from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core (customers, marketplace, invoices)"

    def ready(self):
        from core.api import schema  # noqa: F401  (registers the OpenAPI field extension)
