"""A local Bot API server for adapter tests: real HTTP + JSON at /bot<token>/<method>.

The bot under test talks to it exactly as to api.telegram.org (aiogram's own session, its own
form encoding and multipart uploads); tests drive the world through the Python API below and
read back every call the bot made.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tg_emulator.methods import METHODS, ApiError
from tg_emulator.world import Chat, World

# Parameters that are plain strings on the wire; everything else may be JSON-encoded.
_STRING_PARAMS = {"text", "caption", "callback_query_id", "url", "secret_token", "parse_mode",
                  "title", "description", "photo"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int
    result: Any = None
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class Fault:
    status: int
    retry_after: int | None = None
    description: str | None = None


class TelegramEmulator:
    def __init__(self, token: str = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz", *,
                 max_long_poll: float = 0.5) -> None:
        self.token = token
        self.world = World(int(token.split(":", 1)[0]))
        self.max_long_poll = max_long_poll
        self.calls: list[Call] = []
        self.request_counts: dict[str, int] = {}  # every request, empty long polls included
        self.faults: dict[str, deque[Fault]] = {}
        self.garbled: dict[str, int] = {}  # method → answers to mangle after doing the work
        self.allowed_updates: list[str] | None = None
        self.webhook: dict[str, Any] | None = None
        self.webhook_deliveries: list[tuple[int, int]] = []  # (update_id, HTTP status)
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self.port = 0

    # -- lifecycle -----------------------------------------------------------------------
    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> TelegramEmulator:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._http)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        await self._stop_webhook()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> TelegramEmulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- change notification -------------------------------------------------------------
    def _bump(self) -> None:
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 20.0,
                       what: str = "condition") -> Any:
        """Wait until `predicate()` is truthy (re-checked on every change); fail after timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.2))

    # -- HTTP ----------------------------------------------------------------------------
    async def _http(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.request_counts[method] = self.request_counts.get(method, 0) + 1
        if request.match_info["token"] != self.token:
            return _error(ApiError(401, "Unauthorized"))
        params = await _read_params(request)
        fault = self._take_fault(method)
        if fault is not None:
            error = ApiError(fault.status, fault.description or _fault_text(fault),
                             {"retry_after": fault.retry_after} if fault.retry_after else None)
            self._record(method, params, error.code, None)
            return _error(error)
        try:
            if method == "getUpdates":
                result = await self._get_updates(params)
            elif method in ("setWebhook", "deleteWebhook", "getWebhookInfo"):
                result = await self._webhook_method(method, params)
            elif method in METHODS:
                result = METHODS[method](self.world, params)
            else:
                raise ApiError(404, "Not Found: method not found")
        except ApiError as error:
            self._record(method, params, error.code, None)
            return _error(error)
        self._record(method, params, 200, result)
        if self._take_garble(method) and isinstance(result, dict):
            result = {**result, "date": "not a date", "chat": "not a chat"}
        return web.json_response({"ok": True, "result": result})

    def _take_garble(self, method: str) -> bool:
        if self.garbled.get(method, 0) > 0:
            self.garbled[method] -= 1
            return True
        return False

    def _record(self, method: str, params: dict[str, Any], status: int, result: Any) -> None:
        if method != "getUpdates" or status != 200 or result:
            self.calls.append(Call(method, params, status, result))
        self._bump()

    def _take_fault(self, method: str) -> Fault | None:
        queue = self.faults.get(method)
        return queue.popleft() if queue else None

    async def _get_updates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is "
                                "active; use deleteWebhook to delete the webhook first")
        offset = p.get("offset")
        if isinstance(offset, int) and offset > 0:
            self.world.updates = [u for u in self.world.updates if u["update_id"] >= offset]
        if "allowed_updates" in p:
            self.allowed_updates = list(p["allowed_updates"] or []) or None
        limit = int(p.get("limit") or 100)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(float(p.get("timeout") or 0), self.max_long_poll)
        while True:
            batch = self._deliverable()[:limit]
            if batch or loop.time() >= deadline:
                return batch
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), deadline - loop.time())

    def _deliverable(self) -> list[dict[str, Any]]:
        allowed = self.allowed_updates
        if allowed is None:  # Telegram's default: everything but these three
            allowed = [k for k in _KNOWN_KINDS if k not in (
                "chat_member", "message_reaction", "message_reaction_count")]
        return [u for u in self.world.updates if any(key in u for key in allowed)
                or not any(key in u for key in _KNOWN_KINDS)]

    async def _webhook_method(self, method: str, p: dict[str, Any]) -> Any:
        if method == "getWebhookInfo":
            return {"url": (self.webhook or {}).get("url", ""), "has_custom_certificate": False,
                    "pending_update_count": len(self.world.updates)}
        await self._stop_webhook()
        if p.get("drop_pending_updates"):
            self.world.updates.clear()
        if method == "deleteWebhook" or not p.get("url"):
            self.webhook = None
            return True
        self.webhook = {"url": p["url"], "secret_token": p.get("secret_token")}
        if "allowed_updates" in p:
            self.allowed_updates = list(p["allowed_updates"] or []) or None
        self._webhook_task = asyncio.ensure_future(self._deliver_webhooks())
        return True

    async def _stop_webhook(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _deliver_webhooks(self) -> None:
        """Like Telegram: POST pending updates in order, drop each once it got a 2xx."""
        async with aiohttp.ClientSession() as session:
            while self.webhook is not None:
                batch = self._deliverable()
                if not batch:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), 0.2)
                    continue
                update = batch[0]
                headers = {}
                if self.webhook.get("secret_token"):
                    headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
                try:
                    async with session.post(self.webhook["url"], json=update,
                                            headers=headers) as response:
                        status = response.status
                except aiohttp.ClientError:
                    status = 0
                self.webhook_deliveries.append((update["update_id"], status))
                if 200 <= status < 300:
                    self.world.updates.remove(update)
                    self._bump()
                else:
                    await asyncio.sleep(0.1)

    # -- test API: faults and call log ---------------------------------------------------
    def fail_next(self, method: str, times: int = 1, *, status: int = 429,
                  retry_after: int | None = None, description: str | None = None) -> None:
        """The next `times` calls of `method` fail (429 with retry_after, 500, 502 …)."""
        queue = self.faults.setdefault(method, deque())
        for _ in range(times):
            queue.append(Fault(status, retry_after, description))

    def garble_next(self, method: str, times: int = 1) -> None:
        """Carry out the next calls of `method` but answer with a result no client can parse
        (a server newer than the client): the work is done, the answer looks broken."""
        self.garbled[method] = self.garbled.get(method, 0) + times

    def calls_of(self, method: str, *, ok: bool | None = True) -> list[Call]:
        return [c for c in self.calls if c.method == method and (ok is None or c.ok == ok)]

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        """Texts (and captions) the bot successfully sent, in order."""
        out = []
        for call in self.calls:
            if call.method in ("sendMessage", "sendPhoto") and call.ok and (
                    chat_id is None or call.result["chat"]["id"] == chat_id):
                out.append(call.result.get("text") or call.result.get("caption") or "")
        return out

    def sent_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        return [s.message for s in self.world.messages.values()
                if s.from_bot and (chat_id is None or s.chat_id == chat_id)]

    def is_deleted(self, chat_id: int, message_id: int) -> bool:
        stored = self.world.messages.get((chat_id, message_id))
        return stored is not None and stored.deleted

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self.world.updates)

    # -- test API: the world -------------------------------------------------------------
    def group(self, chat_id: int, *, title: str = "", admins: tuple[int, ...] = (),
              type: str = "supergroup", username: str | None = None,
              bot_status: str = "administrator", **bot_rights: Any) -> Chat:
        chat = self.world.chat(chat_id, type, title, username)
        chat.type = type
        chat.admins = set(admins)
        chat.bot_status = bot_status
        chat.bot_rights.update(bot_rights)
        if type == "channel":
            chat.bot_rights.setdefault("can_post_messages", True)
        return chat

    def user_message(self, chat_id: int, user_id: int, text: str | None = None, *,
                     reply_to: int | None = None, photo: bool = False,
                     caption: str | None = None, first_name: str | None = None,
                     username: str | None = None, is_bot: bool = False,
                     sender_chat: int | None = None, forwarded_from: int | None = None,
                     thread_id: int | None = None) -> dict[str, Any]:
        """A member writes in a chat; returns the message as the bot will see it."""
        chat = self.world.chat(chat_id)
        fields: dict[str, Any] = {"from": self.world.user(user_id, first_name, username, is_bot)}
        if text is not None:
            fields["text"] = text
        if photo:
            fields["photo"] = self.world.photo_sizes()
            if caption:
                fields["caption"] = caption
        if sender_chat is not None:
            fields["sender_chat"] = self.world.chat(sender_chat, "channel").as_json() \
                if sender_chat != chat_id else chat.as_json()
            fields["from"] = {"id": 136817688, "is_bot": True, "first_name": "Channel",
                              "username": "Channel_Bot"}
        if forwarded_from is not None:
            fields["forward_origin"] = {"type": "user", "date": int(self.world.clock()) - 60,
                                        "sender_user": self.world.user(forwarded_from)}
        if thread_id is not None:
            fields["message_thread_id"] = thread_id
            fields["is_topic_message"] = True
        if reply_to is not None:
            target = self.world.find(chat_id, reply_to)
            if target is not None:
                nested = dict(target.message)
                nested.pop("reply_to_message", None)
                fields["reply_to_message"] = nested
        message = self.world.new_message(chat, **fields)
        self.world.store(chat, message, from_bot=False)
        self.world.push("message", message)
        self._bump()
        return message

    def edit_user_message(self, chat_id: int, message_id: int, text: str) -> dict[str, Any]:
        stored = self.world.messages[(chat_id, message_id)]
        stored.message["text"] = text
        stored.message["edit_date"] = int(self.world.clock()) + 1
        self.world.push("edited_message", dict(stored.message))
        self._bump()
        return stored.message

    def press(self, chat_id: int, message_id: int, user_id: int, data: str) -> str:
        """A member presses an inline button under a bot message; returns the query id."""
        stored = self.world.messages[(chat_id, message_id)]
        query_id = self.world.new_callback_id()
        query = {"id": query_id, "from": self.world.user(user_id), "message": stored.message,
                 "chat_instance": f"ci{chat_id}", "data": data}
        self.world.callbacks[query_id] = query
        self.world.push("callback_query", query)
        self._bump()
        return query_id

    def add_bot_to_group(self, chat_id: int, title: str = "Some group",
                         by_user: int = 555, type: str = "supergroup") -> dict[str, Any]:
        chat = self.world.chat(chat_id, type, title)
        chat.title = title
        chat.bot_status = "member"
        member_update = {
            "chat": chat.as_json(), "from": self.world.user(by_user), "date": int(self.world.clock()),
            "old_chat_member": {"status": "left", "user": self.world.bot_user},
            "new_chat_member": {"status": "member", "user": self.world.bot_user},
        }
        update = self.world.push("my_chat_member", member_update)
        self._bump()
        return update

    def inject_raw(self, update: dict[str, Any]) -> dict[str, Any]:
        """Any update body (update_id is added)."""
        pushed = self.world.push_raw(update)
        self._bump()
        return pushed

    def inject_malformed(self) -> dict[str, Any]:
        """A message update no Bot API client can parse (no chat, no date, id not a number)."""
        return self.inject_raw({"message": {"message_id": "not-a-number", "text": "boom",
                                            "from": {"id": 1}}})


_KNOWN_KINDS = ("message", "edited_message", "channel_post", "edited_channel_post",
                "callback_query", "my_chat_member", "chat_member", "inline_query",
                "chosen_inline_result", "poll", "poll_answer", "chat_join_request",
                "message_reaction", "message_reaction_count", "shipping_query",
                "pre_checkout_query", "chat_boost", "removed_chat_boost")


def _fault_text(fault: Fault) -> str:
    if fault.status == 429:
        return f"Too Many Requests: retry after {fault.retry_after or 1}"
    if fault.status >= 500:
        return "Internal Server Error"
    return "Bad Request"


def _error(error: ApiError) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": error.code,
                            "description": error.description}
    if error.parameters:
        body["parameters"] = error.parameters
    return web.json_response(body, status=error.code)


async def _read_params(request: web.Request) -> dict[str, Any]:
    """JSON bodies, url-encoded forms and multipart uploads, as the real server accepts."""
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, dict[str, Any]] = {}
    if request.content_type == "application/json":
        with contextlib.suppress(ValueError):
            body = await request.json()
            if isinstance(body, dict):
                return {**raw, **body}
    elif request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                content = value.file.read()
                files[key] = {"filename": value.filename, "size": len(content)}
            else:
                raw[key] = value
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str) and value.startswith("attach://"):
            params[key] = files.get(value.removeprefix("attach://"), {"missing": value})
        elif isinstance(value, str) and key not in _STRING_PARAMS:
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
        else:
            params[key] = value
    for key, info in files.items():
        params.setdefault(key, info)
    return params
