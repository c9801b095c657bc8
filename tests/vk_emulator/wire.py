"""Small helpers the VK wire tests share: waiting for the poller, and what the bot said."""

from __future__ import annotations

from typing import Any

from vk_emulator.server import ChatMessage, VkEmulator


async def settle(emulator: VkEmulator) -> None:
    """The poller has gone back to the long poll twice: what came before was handled."""
    polls = len(emulator.calls_to("longpoll.check"))
    await emulator.wait_for(lambda: len(emulator.calls_to("longpoll.check")) > polls + 1)


def said(emulator: VkEmulator, peer: int, words: str) -> list[ChatMessage]:
    """The bot's messages in ``peer`` that contain ``words``."""
    return [m for m in emulator.sent(peer) if words in m.text]


def wall_said(emulator: VkEmulator, words: str) -> list[Any]:
    """The bot's wall comments that contain ``words``."""
    return [c for c in emulator.calls_to("wall.createComment") if words in c["message"]]
