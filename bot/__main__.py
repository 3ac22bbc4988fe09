"""`python -m bot`: run the Telegram bot with settings from the environment and .env."""

import sys

from knowledge.errors import ReportBotError

from .app import main

try:
    sys.exit(main())
except ReportBotError as exc:  # a setting or an install step missing: one line that says which
    print(f"error: {exc}", file=sys.stderr)
    sys.exit(2)
