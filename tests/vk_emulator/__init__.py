"""A local VK API + Bots Long Poll emulator on 127.0.0.1, for adapter tests over real HTTP."""

from vk_emulator.server import Call, VkEmulator

__all__ = ["Call", "VkEmulator"]
