"""The Telegram adapter (aiogram 3): updates → core events, core actions → Bot API calls."""

from handlers.telegram.rights import check_rights
from handlers.telegram.runner import attach_telegram, build_bot, run_telegram

__all__ = ["attach_telegram", "build_bot", "check_rights", "run_telegram"]
