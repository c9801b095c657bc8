"""The aiogram `Bot` for a `[telegram]` section: token, Bot API server and proxy."""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.config import TelegramSettings


def build_bot(settings: TelegramSettings) -> Bot:
    """A Bot talking to `api_base` (Telegram, a self-hosted Bot API server, or the emulator).

    `proxy` (http:// or socks5://) goes through aiohttp-socks, which aiogram needs for both.
    """
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.api_base.rstrip("/")),
                             proxy=settings.proxy)
    return Bot(settings.token.get_secret_value(), session=session)


def _proxy_errors() -> tuple[type[Exception], ...]:
    try:
        from aiohttp_socks import ProxyConnectionError, ProxyError, ProxyTimeoutError
    except ImportError:
        return ()
    return (ProxyConnectionError, ProxyError, ProxyTimeoutError)


# What escapes aiogram unwrapped when the network (or the proxy) fails: aiohttp-socks raises
# its own errors, which aiogram does not turn into TelegramNetworkError.
PROXY_ERRORS: tuple[type[Exception], ...] = _proxy_errors()
UNWRAPPED_NETWORK_ERRORS: tuple[type[Exception], ...] = (OSError, TimeoutError, *PROXY_ERRORS)
