"""Routes of the emulator: one module per Arrow area, plus the control API."""

from arrow_emulator.routes import account, billing, catalog, consumption, licenses

ARROW_ROUTES = [*account.ROUTES, *licenses.ROUTES, *billing.ROUTES, *catalog.ROUTES, *consumption.ROUTES]
