"""A local Telegram Bot API emulator (aiohttp) for adapter tests and the throughput bench."""

from tg_emulator.server import Call, TelegramEmulator

__all__ = ["Call", "TelegramEmulator"]
