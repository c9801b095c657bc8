"""Platform-neutral core: events in, decisions out as actions.

Nothing here imports aiogram, vk_api, SQLAlchemy or better-profanity; adapters and storage
plug in through the Protocols in `bot.core.ports`.
"""
