"""Feature wiring: each module builds one core feature with its adapters-side dependencies
(content filters, FAQ files, schedules from config). Only `bot.app` imports these."""
