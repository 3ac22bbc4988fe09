"""`python -m bot`: run the Telegram bot with settings from the environment and .env."""

import sys

from .app import main

sys.exit(main())
