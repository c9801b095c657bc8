"""Webhook mode: Telegram POSTs each update to us over HTTPS (a reverse proxy terminates TLS).

The reply is sent only after the update was committed: a 200 is Telegram's confirmation, so
a crash before it makes Telegram deliver the update again (and the pipeline drops the
duplicate). The bot's own actions are not waited for: they are committed in the outbox and go
out in the background (per-chat lanes), so a slow Bot API or a paced chat never holds
Telegram's request past a short head start (`HEAD_START`), and Telegram does not time out and
re-send. Requests without the configured secret header are refused, because the URL alone
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
#: Seconds the answer waits for the update's own actions at most: a delete or a reply that
#: goes out at once is done before Telegram hears back (and before the next update of the
#: chat comes), while a slow or paced send keeps no request open.
HEAD_START = 1.0


def webhook_path(url: str) -> str:
    return urlsplit(url).path or "/"


def split_listen(listen: str) -> tuple[str, int]:
    """``host:port`` as the socket wants it: an IPv6 host loses its brackets ("[::1]:8443")."""
    host, _, port = listen.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host or "0.0.0.0", int(port)


def make_webhook_app(handler: UpdateHandler, path: str, secret: str | None, *,
                     head_start: float = HEAD_START) -> web.Application:
    # Telegram may open several connections; deciding one at a time keeps each chat's order
    # (a /report before its private follow-up) and spares SQLite competing writers. Delivery
    # is not under the lock: it runs in the background, each chat's actions in order.
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
                _, delivery = await handler.accept(raw)
        except StorageUnavailable as exc:
            log.error("event=telegram.storage_unavailable error=%s", exc)
            return web.Response(status=503, text="retry later")
        if delivery is not None and head_start > 0:
            await asyncio.wait({delivery}, timeout=head_start)  # never cancels the delivery
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
        self._handler = handler
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
        """Stop serving, then let the background delivery of what was accepted finish (at a
        process stop the pipeline hands the unsent rest back to the outbox)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self._handler.settle()
