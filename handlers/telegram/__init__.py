"""The Telegram adapter (aiogram 3): updates → core events, core actions → Bot API calls."""

from handlers.telegram.client import build_bot
from handlers.telegram.rights import check_config_online, check_rights
from handlers.telegram.runner import attach_telegram, run_telegram

__all__ = ["attach_telegram", "build_bot", "check_config_online", "check_rights",
           "run_telegram"]
