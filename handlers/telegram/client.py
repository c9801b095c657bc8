"""The aiogram `Bot` for a `[telegram]` section: token, Bot API server and proxy."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.methods import TelegramMethod
from aiogram.types import InputFile
from aiohttp import FormData

from bot.config import TelegramSettings


class PlainUploadSession(AiohttpSession):
    """Uploads a file as the part named after its parameter (`photo=<file>`).

    aiogram sends every file as `photo=attach://<random>` plus a part of that random name: the
    form the Bot API defines for files inside InputMedia. Telegram accepts both, but a
    server written from the documented "upload in the usual way" (a self-hosted proxy, a test
    double) reads `attach://…` as a file id and refuses the post.
    """

    def build_form_data(self, bot: Bot, method: TelegramMethod[Any]) -> FormData:
        form = FormData(quote_fields=False)
        files: dict[str, InputFile] = {}
        for key, value in method.model_dump(warnings=False).items():
            if isinstance(value, InputFile):
                form.add_field(key, value.read(bot), filename=value.filename or key)
                continue
            prepared = self.prepare_value(value, bot=bot, files=files)
            if prepared:
                form.add_field(key, prepared)
        for name, file in files.items():  # files inside InputMedia keep their attach:// names
            form.add_field(name, file.read(bot), filename=file.filename or name)
        return form


def build_bot(settings: TelegramSettings) -> Bot:
    """A Bot talking to `api_base` (Telegram, a self-hosted Bot API server, or the emulator).

    `proxy` (http:// or socks5://) goes through aiohttp-socks, which aiogram needs for both.
    """
    session = PlainUploadSession(api=TelegramAPIServer.from_base(settings.api_base.rstrip("/")),
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
