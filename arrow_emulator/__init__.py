"""ArrowSphere emulator: a separate runnable server speaking the Arrow API over seeded data.

Run it with ``arrow-emulator`` (or ``python -m arrow_emulator``); build the app in-process with
`arrow_emulator.app.create_app`; drive it from tests with `arrow_emulator.testing`.
"""
