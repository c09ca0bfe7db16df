"""The dashboard as a Django app of its own, so that its templates, static files and template
tags are found like any app's."""

from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "arrow_integration.dashboard"
    label = "arrow_dashboard"
    verbose_name = "Arrow dashboard"
