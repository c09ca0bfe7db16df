"""Every write and orchestration step of the Arrow integration, in packages by area.

Selectors never import them; the API, tasks, commands and the dashboard call them.
"""
