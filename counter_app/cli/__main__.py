"""`python -m counter_app.cli ...` (what the tests and cron jobs without the executable use)."""

import sys

from counter_app.cli.main import main

sys.exit(main())
