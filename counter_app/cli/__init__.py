"""The `counter-app` command line: `main.main` is the entry, one module per command group.

Kept empty on purpose: `counter_app.cli.sync` (used by the window) must not load every group.
"""
