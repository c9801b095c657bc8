"""The VK adapter: Bots Long Poll in, VK API calls out (vk_api, run in threads)."""
