"""The vk_api session pointed at `[vk] api_base`, called from asyncio through threads.

vk_api is blocking and hard-codes https://api.vk.ru/method/ in `VkApi.method`, so the session
rewrites that prefix to the configured base (a self-hosted proxy, or the test emulator) and
drops vk_api's own sleep-and-retry on error 6: retries belong to `VkClient`, with an
injectable sleeper, so they are bounded, logged and testable.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import requests
import vk_api
from vk_api.exceptions import ApiError, ApiHttpError

from bot.runtime.executor import TransientError

log = logging.getLogger(__name__)

Sleeper = Callable[[float], Awaitable[None]]

_VK_METHOD_PREFIXES = ("https://api.vk.ru/method/", "https://api.vk.com/method/")

# Error codes (https://dev.vk.com/reference/errors).
UNKNOWN_ERROR = 1
AUTH_FAILED = 5
TOO_MANY_REQUESTS = 6
FLOOD_CONTROL = 9
INTERNAL_ERROR = 10
CAPTCHA = 14
ACCESS_DENIED = 15
GROUP_AUTH_REFUSED = 27  # "method is unavailable with group auth"
NO_CHAT_ACCESS = 917
NOT_CHAT_ADMIN = 925
USER_NOT_IN_CHAT = 935

RETRY_IN_PLACE = frozenset({UNKNOWN_ERROR, TOO_MANY_REQUESTS, INTERNAL_ERROR})
"""Retried here a few times with backoff: the request itself was fine."""
RETRY_LATER = frozenset({FLOOD_CONTROL})
"""Handed back as TransientError at once: VK wants this action slowed down, so the outbox
waits instead of hammering the same call."""


class VkCallError(Exception):
    """A VK API error a retry cannot fix (no rights, bad token, captcha, bad request)."""

    def __init__(self, method: str, code: int, message: str) -> None:
        super().__init__(f"{method}: [{code}] {message}")
        self.method = method
        self.code = code
        self.message = message


class _BaseRewritingSession(requests.Session):
    """Sends vk_api's hard-coded method URLs to `api_base` instead."""

    def __init__(self, api_base: str, timeout: float) -> None:
        super().__init__()
        self._api_base = api_base if api_base.endswith("/") else api_base + "/"
        self._timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any,
                **kwargs: Any) -> requests.Response:
        target = url.decode() if isinstance(url, bytes) else url
        for prefix in _VK_METHOD_PREFIXES:
            if target.startswith(prefix):
                target = self._api_base + target[len(prefix):]
                break
        kwargs.setdefault("timeout", self._timeout)
        return super().request(method, target, *args, **kwargs)  # type: ignore[arg-type]


#: Seconds between two requests' starts. VK allows a community token 20 requests a second and
#: a user token 3; started side by side, with network jitter two starts can land closer than
#: they left, so each keeps a margin under its limit.
GROUP_SPACING = 0.055
USER_SPACING = 0.34


class _SpacedStarts:
    """Takes the place of vk_api's request lock: it spaces the requests' starts `interval`
    apart, but does not hold one request until the one before it is answered.

    vk_api holds its lock across the HTTP call, so one slow call (a messages.send to a chat
    VK is slow with) held every other call of the community behind it, and the per-chat
    delivery lanes were one lane again on VK: a swear word on the wall waited for a reply to
    a chat."""

    def __init__(self, interval: float) -> None:
        self._interval = interval
        self._guard = threading.Lock()
        self._next_start = 0.0

    def __enter__(self) -> None:
        with self._guard:
            now = time.monotonic()
            start = max(now, self._next_start)
            self._next_start = start + self._interval
        if start > now:
            time.sleep(start - now)

    def __exit__(self, *exc: object) -> None:
        return None


class VkApiAt(vk_api.VkApi):  # type: ignore[misc]
    """A token-only VkApi whose method calls go to `api_base`.

    Requests start at most one per `rps_delay`, and run side by side (`_SpacedStarts`).
    """

    def __init__(self, token: str, api_base: str, api_version: str, *,
                 rps_delay: float = 0.055, timeout: float = 30.0) -> None:
        super().__init__(token=token, api_version=api_version,
                         session=_BaseRewritingSession(api_base, timeout))
        self.RPS_DELAY = 0.0  # spacing is `lock`'s job, not a wait after the last answer
        self.lock = _SpacedStarts(rps_delay)
        # Errors come back as ApiError: we retry 6 with backoff ourselves, and a captcha (14)
        # is a permanent failure for a bot, not something to solve interactively.
        self.error_handlers.pop(TOO_MANY_REQUESTS, None)
        self.error_handlers.pop(CAPTCHA, None)


async def _default_sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


class VkClient:
    """Async calls to the VK API with the community token (and the user token if given)."""

    def __init__(self, token: str, api_base: str, api_version: str, *,
                 user_token: str | None = None, sleeper: Sleeper | None = None,
                 attempts: int = 3, rps_delay: float = GROUP_SPACING) -> None:
        self.api_base = api_base
        self.api_version = api_version
        self.group = VkApiAt(token, api_base, api_version, rps_delay=rps_delay)
        self.user = (VkApiAt(user_token, api_base, api_version,
                             rps_delay=max(rps_delay, USER_SPACING))
                     if user_token else None)
        self.sleep: Sleeper = sleeper or _default_sleep
        self.attempts = max(attempts, 1)

    @property
    def http(self) -> requests.Session:
        """The requests session (used for the long-poll server and photo uploads)."""
        session: requests.Session = self.group.http
        return session

    async def call(self, method: str, params: Mapping[str, Any] | None = None, *,
                   as_user: bool = False) -> Any:
        """Call `method`; retry 6/10/network errors with backoff, then raise TransientError.

        Raises VkCallError for errors a retry cannot fix; the caller decides what they mean.
        """
        session = self.user if as_user else self.group
        if session is None:
            raise VkCallError(method, 0, "no user token")
        values = {k: v for k, v in (params or {}).items() if v is not None}
        last = ""
        for attempt in range(1, self.attempts + 1):
            try:
                return await asyncio.to_thread(session.method, method, values)
            except ApiError as exc:
                code = int(exc.code)
                text = str(exc.error.get("error_msg", ""))
                log.warning("event=vk.api_error code=%s method=%s attempt=%s msg=%s",
                            code, method, attempt, text)
                if code in RETRY_LATER:
                    raise TransientError(f"{method}: [{code}] {text}", 30.0) from None
                if code not in RETRY_IN_PLACE:
                    raise VkCallError(method, code, text) from None
                last = f"{method}: [{code}] {text}"
            except (requests.RequestException, ApiHttpError, ValueError) as exc:
                status = getattr(getattr(exc, "response", None), "status_code", "-")
                log.warning("event=vk.network_error method=%s attempt=%s status=%s error=%s",
                            method, attempt, status, type(exc).__name__)
                last = f"{method}: network error {type(exc).__name__}"
            if attempt < self.attempts:
                await self.sleep(min(0.5 * 2 ** (attempt - 1), 10.0))
        raise TransientError(last)
