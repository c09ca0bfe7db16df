from django.apps import AppConfig


class ArrowIntegrationConfig(AppConfig):
    name = "arrow_integration"
    verbose_name = "ArrowSphere integration"
