"""Webhook mode: Telegram POSTs each update to us over HTTPS (a reverse proxy terminates TLS).

The reply is sent only after the update was committed: a 200 is Telegram's confirmation, so
a crash before it makes Telegram deliver the update again (and the pipeline drops the
duplicate). Requests without the configured secret header are refused, because the URL alone
is guessable; without `webhook_secret` in the config a random one is made at each start and
handed to Telegram with setWebhook, so the endpoint is never open to forged updates.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import secrets
from urllib.parse import urlsplit

from aiogram import Bot
from aiohttp import web

from bot.logs import redactor
from handlers.telegram.intake import StorageUnavailable, UpdateHandler
from handlers.telegram.mapping import ALLOWED_UPDATES

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_path(url: str) -> str:
    return urlsplit(url).path or "/"


def split_listen(listen: str) -> tuple[str, int]:
    """``host:port`` as the socket wants it: an IPv6 host loses its brackets ("[::1]:8443")."""
    host, _, port = listen.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host or "0.0.0.0", int(port)


def make_webhook_app(handler: UpdateHandler, path: str, secret: str | None) -> web.Application:
    # Telegram may open several connections; one at a time keeps each chat's order (a /report
    # before its private follow-up) and spares SQLite competing writers.
    in_order = asyncio.Lock()

    async def receive(request: web.Request) -> web.Response:
        if secret is not None:
            given = request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), secret.encode()):
                log.warning("event=telegram.webhook_rejected remote=%s", request.remote)
                return web.Response(status=403, text="forbidden")
        try:
            raw = json.loads(await request.text())
        except (ValueError, RecursionError):  # nested past Python's limit: no update is
            log.warning("event=telegram.bad_update error=not JSON")
            return web.Response(status=200, text="ignored")  # resending cannot fix it
        try:
            async with in_order:
                await handler.handle(raw)
        except StorageUnavailable as exc:
            log.error("event=telegram.storage_unavailable error=%s", exc)
            return web.Response(status=503, text="retry later")
        return web.Response(status=200, text="ok")

    app = web.Application()
    app.router.add_post(path, receive)
    return app


class WebhookServer:
    """Serves the webhook until stopped; registers it with Telegram at start."""

    def __init__(self, bot: Bot, handler: UpdateHandler, url: str, listen: str,
                 secret: str | None) -> None:
        self._bot = bot
        self._url = url
        secret = secret or secrets.token_urlsafe(32)
        redactor().add(secret)
        self._secret = secret
        self._host, self._port = split_listen(listen)
        self._app = make_webhook_app(handler, webhook_path(url), secret)
        self._runner: web.AppRunner | None = None

    @property
    def bound_port(self) -> int:
        """The actual port (useful when listening on port 0 in tests)."""
        assert self._runner is not None
        for site in self._runner.sites:
            server = getattr(site, "_server", None)
            if server is not None and server.sockets:
                return int(server.sockets[0].getsockname()[1])
        return self._port

    async def start(self) -> None:
        self._runner = web.AppRunner(self._app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._port).start()
        await self._bot.set_webhook(self._url, secret_token=self._secret,
                                    allowed_updates=ALLOWED_UPDATES)
        log.info("event=telegram.webhook url=%s listen=%s:%s", self._url, self._host,
                 self.bound_port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
