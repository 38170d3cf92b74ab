"""The reference head-office (central) service: signed /v1 sync API, head-office page, CLI.

Entry points: `counter_app.central.app.create_app(CentralSettings(...))` and
`counter_app.central.cli.register(subparsers)`. Nothing is created at import.
"""
