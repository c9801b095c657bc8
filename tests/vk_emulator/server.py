"""The emulator: VK API methods at `<api_base>/<method>` and a Bots Long Poll endpoint.

It speaks the wire format (form or query params with `access_token` and `v`; JSON
`{"response": …}` or `{"error": {"error_code", "error_msg"}}`), keeps just enough state to
answer like VK (messages with conversation ids, random_id/guid deduplication, chat members,
wall comments and posts, bans), and lets tests post updates, inspect every call and force
failures. Long-poll `ts` values are `offset + index` into the update history; a forced
`failed: 1` shifts the offset so a client that ignores the new ts never makes progress.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

CHAT_BASE = 2_000_000_000
USER_ONLY = frozenset({"groups.ban", "groups.unban", "wall.post", "wall.delete",
                       "photos.getWallUploadServer", "photos.saveWallPhoto"})
"""Methods answered with error 27 for a community token (as VK does)."""


@dataclass
class Call:
    """One API call as the emulator saw it; `token` is "group", "user" or "bad"."""

    method: str
    params: dict[str, str]
    token: str
    error: int | None = None

    def __getitem__(self, key: str) -> str:
        return self.params[key]


@dataclass
class Failure:
    code: int
    times: int
    after_effect: bool  # perform the call, then answer with the error (a lost response)


@dataclass
class ChatMessage:
    peer_id: int
    cmid: int
    from_id: int
    text: str
    keyboard: dict[str, Any] | None = None
    reply_to: int | None = None
    deleted: bool = False
    attachment: str | None = None


@dataclass
class Peer:
    peer_id: int
    members: dict[int, str] = field(default_factory=dict)  # id -> "member"|"admin"|"owner"
    title: str = ""  # a chat's title for messages.getConversationsById ("" = none given)
    messages: list[ChatMessage] = field(default_factory=list)
    next_cmid: int = 1


class VkError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class VkEmulator:
    def __init__(self, *, group_id: int = 42, token: str = "vk-test-token",
                 user_token: str = "vk-user-token", api_path: str = "/method/") -> None:
        self.group_id = group_id
        self.token = token
        self.user_token = user_token
        self.api_path = api_path
        self.calls: list[Call] = []
        self.peers: dict[int, Peer] = {}
        self.comments: dict[int, dict[str, Any]] = {}
        self.posts: dict[int, dict[str, Any]] = {}
        self.bans: dict[int, int | None] = {}
        self.updates: list[dict[str, Any]] = []
        self.screen_names: dict[int, str] = {}
        self.real_names: dict[int, tuple[str, str]] = {}  # user → (first, last) for users.get
        #: VK's clock for message dates; tests with a fake clock share theirs (the bot judges
        #: members' pace by these dates)
        self.clock: Callable[[], float] = time.time
        self.ts_offset = 1
        self.key = "key-1"
        self.longpoll_failures: list[int] = []
        self.longpoll_http_errors = 0
        self.failures: dict[str, list[Failure]] = {}
        self._keys = itertools.count(2)
        self._ids = itertools.count(1)
        self._events = itertools.count(1)
        self._random_ids: dict[tuple[int, int], int] = {}
        self._guids: dict[str, int] = {}
        self._changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> VkEmulator:
        app = web.Application()
        app.router.add_route("*", self.api_path + "{method}", self._api)
        app.router.add_get("/lp", self._longpoll)
        app.router.add_post("/upload", self._upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets
        self.port = server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        self._closing = True
        self._wake()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return self.base_url + self.api_path

    # -- test-facing API: state ---------------------------------------------------------------

    def peer(self, peer_id: int) -> Peer:
        """A dialogue; in a new chat the community is already a member (and chat admin)."""
        if peer_id not in self.peers:
            self.peers[peer_id] = Peer(peer_id)
            if peer_id >= CHAT_BASE:
                self.peers[peer_id].members[-self.group_id] = "admin"
        return self.peers[peer_id]

    def set_admins(self, peer_id: int, *user_ids: int, owner: int | None = None) -> None:
        """Configure who messages.getConversationMembers reports as admins."""
        peer = self.peer(peer_id)
        for uid in user_ids:
            peer.members[uid] = "admin"
        if owner is not None:
            peer.members[owner] = "owner"

    def add_members(self, peer_id: int, *user_ids: int) -> None:
        peer = self.peer(peer_id)
        for uid in user_ids:
            peer.members.setdefault(uid, "member")

    def sent(self, peer_id: int | None = None) -> list[ChatMessage]:
        """Messages the bot (from_id = -group_id) sent, optionally in one peer."""
        return [m for p in self.peers.values() for m in p.messages
                if m.from_id == -self.group_id and (peer_id is None or m.peer_id == peer_id)]

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.error is None]

    # -- test-facing API: failures ------------------------------------------------------------

    def fail(self, method: str, code: int, *, times: int = 1, after_effect: bool = False) -> None:
        """The next `times` calls of `method` answer with VK error `code`."""
        self.failures.setdefault(method, []).append(Failure(code, times, after_effect))

    def fail_longpoll(self, failed: int) -> None:
        """The next long-poll request answers {"failed": N} (1, 2 or 3), with VK's meaning:
        1 — history moved on, continue from the given ts (old ts values stay invalid);
        2 — the key expired (get a new one, keep ts); 3 — key and ts lost."""
        self.longpoll_failures.append(failed)
        self._wake()

    def break_longpoll(self, times: int = 1) -> None:
        """The next `times` long-poll requests get HTTP 502 (a network failure)."""
        self.longpoll_http_errors += times
        self._wake()

    # -- test-facing API: updates -------------------------------------------------------------

    def push(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        update = {"type": kind, "object": obj, "group_id": self.group_id,
                  "event_id": f"ev{next(self._events):06d}", "v": "5.199"}
        self.updates.append(update)
        self._wake()
        return update

    def post_message(self, peer_id: int, from_id: int, text: str, *,
                     reply_to: int | None = None, fwd_text: str | None = None,
                     action: dict[str, Any] | None = None,
                     attachments: list[dict[str, Any]] | None = None) -> int:
        """A member writes in a chat (peer >= 2e9) or privately (peer = user id); → cmid."""
        peer = self.peer(peer_id)
        if peer_id >= CHAT_BASE:
            peer.members.setdefault(from_id, "member")
        cmid = peer.next_cmid
        peer.next_cmid += 1
        peer.messages.append(ChatMessage(peer_id, cmid, from_id, text, reply_to=reply_to))
        message: dict[str, Any] = {
            "date": int(self.clock()), "from_id": from_id, "id": 0 if peer_id >= CHAT_BASE
            else next(self._ids), "out": 0, "peer_id": peer_id, "text": text,
            "conversation_message_id": cmid, "fwd_messages": [], "attachments": attachments or [],
            "important": False, "is_hidden": False}
        if reply_to is not None:
            original = next((m for m in peer.messages if m.cmid == reply_to), None)
            message["reply_message"] = {
                "conversation_message_id": reply_to, "from_id": original.from_id if original
                else 0, "text": original.text if original else "", "peer_id": peer_id,
                "attachments": []}
        if fwd_text is not None:
            message["fwd_messages"] = [{"from_id": 777, "text": fwd_text, "date": 0}]
        if action is not None:
            message["action"] = action
        self.push("message_new", {"message": message, "client_info": {
            "button_actions": ["text", "callback"], "keyboard": True, "inline_keyboard": True}})
        return cmid

    def post_private(self, user_id: int, text: str) -> int:
        return self.post_message(user_id, user_id, text)

    def post_comment(self, post_id: int, from_id: int, text: str, *,
                     reply_to_comment: int | None = None) -> int:
        comment_id = next(self._ids)
        self.comments[comment_id] = {"id": comment_id, "post_id": post_id, "from_id": from_id,
                                     "text": text, "deleted": False}
        obj: dict[str, Any] = {"id": comment_id, "from_id": from_id, "date": int(self.clock()),
                               "text": text, "post_id": post_id, "owner_id": -self.group_id,
                               "parents_stack": [], "post_owner_id": -self.group_id}
        if reply_to_comment is not None:
            obj["reply_to_comment"] = reply_to_comment
        self.push("wall_reply_new", obj)
        return comment_id

    def press(self, peer_id: int, user_id: int, cmid: int, data: str) -> str:
        event_id = f"cb{next(self._ids)}"
        self.push("message_event", {"user_id": user_id, "peer_id": peer_id, "event_id": event_id,
                                    "payload": {"d": data}, "conversation_message_id": cmid})
        return event_id

    def invite_bot(self, peer_id: int, inviter: int) -> int:
        """The community is added to a chat: message_new with action chat_invite_user."""
        self.peer(peer_id).members[-self.group_id] = "admin"
        return self.post_message(peer_id, inviter, "", action={
            "type": "chat_invite_user", "member_id": -self.group_id})

    # -- waiting ----------------------------------------------------------------------------

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 30.0) -> Any:
        """Wait (bounded) until `predicate()` is truthy; returns its value."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"timed out after {timeout}s; calls: "
                                     f"{[c.method for c in self.calls][-30:]}")
            await asyncio.sleep(0.01)

    async def wait_calls(self, method: str, count: int = 1, timeout: float = 30.0) -> list[Call]:
        result: list[Call] = await self.wait_for(
            lambda: len(self.calls_to(method)) >= count and self.calls_to(method), timeout)
        return result

    # -- HTTP: long poll ----------------------------------------------------------------------

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _current_ts(self) -> int:
        return self.ts_offset + len(self.updates)

    async def _longpoll(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        self.calls.append(Call("longpoll.check", dict(query), "lp"))
        if self.longpoll_http_errors:
            self.longpoll_http_errors -= 1
            return web.Response(status=502, text="bad gateway")
        if query.get("act") != "a_check":
            return web.json_response({"failed": 4})
        if query.get("key") != self.key:
            return web.json_response({"failed": 2})
        try:
            ts = int(query.get("ts", ""))
        except ValueError:
            return web.json_response({"failed": 1, "ts": self._current_ts()})
        wait = min(int(query.get("wait", "25") or 25), 90)
        deadline = asyncio.get_running_loop().time() + wait
        while True:
            if self.longpoll_failures:
                failed = self.longpoll_failures.pop(0)
                return web.json_response(self._failure(failed, ts))
            if query.get("key") != self.key:
                return web.json_response({"failed": 2})
            if ts < self.ts_offset:
                return web.json_response({"failed": 1, "ts": ts + self._shift})
            index = ts - self.ts_offset
            if index < len(self.updates) or self._closing:
                batch = self.updates[index:index + 100]
                return web.json_response({"ts": str(ts + len(batch)), "updates": batch})
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return web.json_response({"ts": str(ts), "updates": []})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    _shift = 1000

    def _failure(self, failed: int, ts: int) -> dict[str, Any]:
        if failed == 1:
            self.ts_offset += self._shift
            return {"failed": 1, "ts": ts + self._shift}
        self.key = f"key-{next(self._keys)}"
        return {"failed": failed}

    # -- HTTP: uploads ------------------------------------------------------------------------

    async def _upload(self, request: web.Request) -> web.Response:
        data = await request.post()
        photo = data.get("photo")
        size = len(photo.file.read()) if hasattr(photo, "file") else 0
        self.calls.append(Call("upload", {"size": str(size)}, "upload"))
        return web.json_response({"server": 1, "photo": json.dumps([{"size": size}]),
                                  "hash": "h"})

    # -- HTTP: API ----------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = dict(request.query)
        if request.can_read_body:
            params.update({k: str(v) for k, v in (await request.post()).items()})
        token = params.pop("access_token", "")
        kind = "group" if token == self.token else "user" if token == self.user_token else "bad"
        call = Call(method, params, kind)
        self.calls.append(call)
        try:
            if kind == "bad":
                raise VkError(5, "User authorization failed: invalid access_token.")
            if method in USER_ONLY and kind == "group":
                raise VkError(27, "Group authorization failed: method is unavailable with "
                                  "group auth.")
            failure = self._take_failure(method)
            if failure is not None and not failure.after_effect:
                raise VkError(failure.code, f"forced error {failure.code}")
            handler = getattr(self, "_m_" + method.replace(".", "_"), None)
            if handler is None:
                raise VkError(3, f"Unknown method passed: {method}")
            response = handler(params)
            if failure is not None:
                raise VkError(failure.code, f"forced error {failure.code} (after the effect)")
        except VkError as exc:
            call.error = exc.code
            error: dict[str, Any] = {"error_code": exc.code, "error_msg": exc.message,
                                     "request_params": []}
            if exc.code == 14:
                error.update(captcha_sid="1", captcha_img=self.base_url + "/captcha")
            return web.json_response({"error": error})
        return web.json_response({"response": response})

    def _take_failure(self, method: str) -> Failure | None:
        queue = self.failures.get(method)
        if not queue:
            return None
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.pop(0)
        return failure

    # -- methods ----------------------------------------------------------------------------

    def _m_users_get(self, p: dict[str, str]) -> Any:
        ids = [int(i) for i in p.get("user_ids", "").split(",") if i.strip()]
        return [{"id": i, "first_name": self.real_names.get(i, ("Member", str(i)))[0],
                 "last_name": self.real_names.get(i, ("Member", str(i)))[1],
                 "screen_name": self.screen_names.get(i, f"id{i}")} for i in ids]

    def _m_groups_getLongPollServer(self, p: dict[str, str]) -> Any:
        if int(p.get("group_id", 0)) != self.group_id:
            raise VkError(100, "One of the parameters specified was missing or invalid")
        return {"key": self.key, "server": self.base_url + "/lp", "ts": str(self._current_ts())}

    def _send_to(self, peer_id: int, p: dict[str, str]) -> dict[str, Any]:
        random_id = int(p.get("random_id", "0") or 0)
        peer = self.peer(peer_id)
        if random_id and (peer_id, random_id) in self._random_ids:
            cmid = self._random_ids[(peer_id, random_id)]
        else:
            if peer_id >= CHAT_BASE and -self.group_id not in peer.members:
                raise VkError(917, "You don't have access to this chat")
            cmid = peer.next_cmid
            peer.next_cmid += 1
            keyboard = json.loads(p["keyboard"]) if p.get("keyboard") else None
            reply_to = None
            if p.get("forward"):
                reply_to = json.loads(p["forward"])["conversation_message_ids"][0]
            peer.messages.append(ChatMessage(peer_id, cmid, -self.group_id, p.get("message", ""),
                                             keyboard, reply_to, attachment=p.get("attachment")))
            if random_id:
                self._random_ids[(peer_id, random_id)] = cmid
        return {"peer_id": peer_id, "message_id": next(self._ids), "conversation_message_id": cmid}

    def _m_messages_send(self, p: dict[str, str]) -> Any:
        if "peer_ids" in p:
            return [self._send_to(int(x), p) for x in p["peer_ids"].split(",")]
        return self._send_to(int(p["peer_id"]), p)["message_id"]

    def _message(self, peer_id: int, cmid: int) -> ChatMessage:
        for message in self.peer(peer_id).messages:
            if message.cmid == cmid:
                return message
        raise VkError(100, "message not found")

    def _m_messages_edit(self, p: dict[str, str]) -> Any:
        message = self._message(int(p["peer_id"]), int(p["conversation_message_id"]))
        if message.from_id != -self.group_id:
            raise VkError(909, "Can't edit this message, because it's too old")
        message.text = p.get("message", message.text)
        message.keyboard = json.loads(p["keyboard"]) if p.get("keyboard") else None
        return 1

    def _m_messages_delete(self, p: dict[str, str]) -> Any:
        peer_id = int(p["peer_id"])
        out = []
        for cmid in p["cmids"].split(","):
            self._message(peer_id, int(cmid)).deleted = True
            out.append({"peer_id": peer_id, "conversation_message_id": int(cmid), "response": 1})
        return out

    def _m_messages_removeChatUser(self, p: dict[str, str]) -> Any:
        peer = self.peer(CHAT_BASE + int(p["chat_id"]))
        member = int(p["member_id"])
        if member not in peer.members:
            raise VkError(935, "User not found in chat")
        del peer.members[member]
        return 1

    def _m_messages_getConversationMembers(self, p: dict[str, str]) -> Any:
        peer = self.peer(int(p["peer_id"]))
        items = [{"member_id": uid, "is_admin": role in ("admin", "owner"),
                  "is_owner": role == "owner", "invited_by": 0}
                 for uid, role in peer.members.items()]
        return {"count": len(items), "items": items, "profiles": [], "groups": []}

    def _m_messages_getConversationsById(self, p: dict[str, str]) -> Any:
        items = []
        for raw in p.get("peer_ids", "").split(","):
            peer_id = int(raw)
            if peer_id >= CHAT_BASE and -self.group_id not in self.peer(peer_id).members:
                continue  # VK leaves out chats the community is not in
            item: dict[str, Any] = {"peer": {"id": peer_id, "type": "chat" if peer_id >= CHAT_BASE
                                             else "user", "local_id": peer_id % CHAT_BASE}}
            if peer_id >= CHAT_BASE:
                item["chat_settings"] = {"title": self.peer(peer_id).title,
                                         "members_count": len(self.peer(peer_id).members)}
            items.append(item)
        return {"count": len(items), "items": items}

    def _m_messages_sendMessageEventAnswer(self, p: dict[str, str]) -> Any:
        return 1

    def _m_wall_createComment(self, p: dict[str, str]) -> Any:
        guid = p.get("guid")
        if guid and guid in self._guids:
            return {"comment_id": self._guids[guid], "parents_stack": []}
        comment_id = next(self._ids)
        self.comments[comment_id] = {
            "id": comment_id, "post_id": int(p["post_id"]), "from_id": -self.group_id,
            "text": p.get("message", ""), "reply_to_comment": p.get("reply_to_comment"),
            "deleted": False}
        if guid:
            self._guids[guid] = comment_id
        return {"comment_id": comment_id, "parents_stack": []}

    def _m_wall_deleteComment(self, p: dict[str, str]) -> Any:
        comment = self.comments.get(int(p["comment_id"]))
        if comment is None:
            raise VkError(100, "comment not found")
        comment["deleted"] = True
        return 1

    def _m_wall_editComment(self, p: dict[str, str]) -> Any:
        self.comments[int(p["comment_id"])]["text"] = p.get("message", "")
        return 1

    def _m_wall_post(self, p: dict[str, str]) -> Any:
        guid = p.get("guid")
        if guid and guid in self._guids:
            return {"post_id": self._guids[guid]}
        post_id = next(self._ids)
        self.posts[post_id] = dict(p)
        if guid:
            self._guids[guid] = post_id
        return {"post_id": post_id}

    def _m_wall_delete(self, p: dict[str, str]) -> Any:
        post = self.posts.get(int(p["post_id"]))
        if post is None or post.get("deleted"):
            raise VkError(100, "post not found")
        post["deleted"] = True
        return 1

    def _m_groups_ban(self, p: dict[str, str]) -> Any:
        self.bans[int(p["owner_id"])] = int(p["end_date"]) if p.get("end_date") else None
        return 1

    def _m_groups_unban(self, p: dict[str, str]) -> Any:
        self.bans.pop(int(p["owner_id"]), None)
        return 1

    def _m_photos_getWallUploadServer(self, p: dict[str, str]) -> Any:
        return {"upload_url": self.base_url + "/upload", "album_id": -14, "user_id": 1}

    _m_photos_getMessagesUploadServer = _m_photos_getWallUploadServer

    def _m_photos_saveWallPhoto(self, p: dict[str, str]) -> Any:
        return [{"id": next(self._ids), "owner_id": -self.group_id, "album_id": -14}]

    _m_photos_saveMessagesPhoto = _m_photos_saveWallPhoto
