"""The `counter-app` executable: the window by default, the command line for subcommands.

Lives in ui/ so that the core (counter_app) never imports Qt; Qt is only loaded when the
window is actually opened.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from counter_app.cli.main import main as cli_main
from counter_app.config import Settings


def _run_gui(settings: Settings) -> int:
    from ui.app import run_gui

    return run_gui(settings)


def main(argv: Sequence[str] | None = None) -> int:
    return cli_main(argv, gui=_run_gui)


if __name__ == "__main__":
    sys.exit(main())
