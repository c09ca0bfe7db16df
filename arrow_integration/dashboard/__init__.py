"""Staff web pages over the Arrow integration: overview, runs (the month page comes later).

Server-rendered Django templates with a little JavaScript; the charting library is served by
the app itself (`static/dashboard/vendor/`, copied from the npm package by `make install`).
Views read through `arrow_integration.selectors` and never write.
"""
