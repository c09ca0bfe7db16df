from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ArrowIntegrationConfig(AppConfig):
    name = "arrow_integration"
    verbose_name = "ArrowSphere integration"

    def ready(self) -> None:
        from arrow_integration.schedule import periodic_tasks_after_migrate

        # The periodic tasks' rows (django-celery-beat) exist after every migrate.
        post_migrate.connect(periodic_tasks_after_migrate, sender=self, dispatch_uid="arrow_periodic_tasks")
