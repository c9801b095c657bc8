"""modbot: one moderation bot for Telegram groups and VK communities."""

__version__ = "0.1.0"
