"""Core actions → VK API calls.

Every failure ends in one of three shapes the pipeline understands: `TransientError` when
retries here gave up (6, 10, network) or VK asked us to slow down (9); a permanent
`ActionResult` naming what is wrong (no rights, bad token, captcha, missing user token, an
action VK cannot do); or success with the id later actions refer to (a chat message's
conversation_message_id, a wall comment or post id).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.actions import (
    ActionResult,
    AnswerCallback,
    AnyAction,
    Ban,
    Button,
    DeleteMessage,
    EditMessage,
    Kick,
    LeaveChat,
    Mute,
    NotifyQueue,
    Publish,
    SendMessage,
    Unban,
    Unmute,
)
from bot.core.chats import VK_CHAT_PEER_BASE, ChatRef
from bot.core.codec import encode_action
from bot.core.texts import Catalog, Text
from bot.runtime.executor import DELIVERY_KEY
from handlers.vk.api import (
    ACCESS_DENIED,
    AUTH_FAILED,
    CAPTCHA,
    GROUP_AUTH_REFUSED,
    NO_CHAT_ACCESS,
    NOT_CHAT_ADMIN,
    USER_NOT_IN_CHAT,
    VkCallError,
    VkClient,
)
from handlers.vk.mentions import defanged, linked_mentions

log = logging.getLogger(__name__)

NO_MUTE = "VK chats have no timed mute"
MAX_TEXT = 4096
_ATTACHMENT = re.compile(r"^photo-?\d+_\d+(_\w+)?$")
_HINTS = {
    AUTH_FAILED: "the token is invalid or revoked; check [vk] token / user_token",
    CAPTCHA: "VK asks for a captcha (too many actions); not retried",
    ACCESS_DENIED: "access denied; the community lacks the rights for this",
    NO_CHAT_ACCESS: "the community has no access to this chat; make it a chat admin",
    NOT_CHAT_ADMIN: "the community is not an admin of this chat",
}


class MissingUserToken(Exception):
    """A method VK refuses to community tokens, with no `[vk] user_token` configured."""

    def __init__(self, method: str) -> None:
        super().__init__(f"[vk] user_token is not set: {method} needs a community admin's "
                         f"user token")


#: The most VK shows of a button's snackbar answer.
SNACKBAR_LIMIT = 90
#: Seconds within which a second identical groups.ban is known to be a repeat.
BAN_REPEAT_WINDOW = 60.0


@dataclass(frozen=True)
class VkTarget:
    """Where an action lands: the wall, a chat (peer >= 2e9) or a private dialogue."""

    wall: bool
    peer_id: int

    @classmethod
    def of(cls, chat: ChatRef) -> VkTarget:
        if chat.is_vk_wall:
            return cls(True, 0)
        return cls(False, int(chat.chat_id))

    @property
    def is_chat(self) -> bool:
        return not self.wall and self.peer_id >= VK_CHAT_PEER_BASE

    @property
    def chat_id(self) -> int:
        return self.peer_id - VK_CHAT_PEER_BASE


def random_id_for(action: AnyAction) -> int:
    """A stable positive int32 per delivery, so VK deduplicates a retried messages.send.

    Inside the pipeline it comes from the outbox item (the same on every retry and after a
    restart), so the same words decided twice (an FAQ answer asked for again) are two
    messages; outside it, from the action's content alone.
    """
    encoded = json.dumps(encode_action(action), sort_keys=True, ensure_ascii=False)
    seed = f"{DELIVERY_KEY.get() or ''}|{encoded}"
    return int.from_bytes(hashlib.sha256(seed.encode()).digest()[:4], "big") & 0x7FFFFFFF or 1


def button_label(text: str, limit: int = 40) -> str:
    """VK refuses labels over 40 characters: a long one ("did you mean" shows an FAQ question)
    ends on a whole word with "…" rather than mid-word."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space >= limit // 2 else cut).rstrip(" ,;:-") + "…"


def keyboard(buttons: tuple[tuple[Button, ...], ...], render: Callable[[Text], str]) -> str:
    """An inline keyboard of callback buttons; `data` comes back in the message_event."""
    rows = [[{"action": {"type": "callback", "label": button_label(render(b.label)),
                         "payload": json.dumps({"d": b.data}, ensure_ascii=False)}}
             for b in row] for row in buttons if row]
    return json.dumps({"inline": True, "buttons": rows}, ensure_ascii=False)


class VkExecutor:
    """Performs actions on VK for one community (`group_id`)."""

    platform = "vk"

    def __init__(self, client: VkClient, group_id: int, catalog: Catalog, *,
                 wall_postponed: bool = False,
                 resolve_path: Callable[[str], Path] = Path) -> None:
        self.client = client
        self.group_id = group_id
        self.catalog = catalog
        self.wall_postponed = wall_postponed
        self.resolve_path = resolve_path
        self._refused: set[str] = set()  # methods VK refused to the community token
        # groups.ban calls made in the last BAN_REPEAT_WINDOW: (user, end_date) -> when
        self._banned: dict[tuple[str, int | None], float] = {}
        self._unbanned: dict[str, float] = {}  # groups.unban calls likewise: user -> when

    async def execute(self, action: AnyAction) -> ActionResult:
        try:
            return await self._dispatch(action)
        except MissingUserToken as exc:
            log.error("event=vk.user_token_missing action=%s", type(action).__name__)
            return ActionResult(ok=False, permanent=True, error=str(exc))
        except VkCallError as exc:
            hint = _HINTS.get(exc.code, exc.message)
            log.error("event=vk.action_failed action=%s code=%s method=%s", type(action).__name__,
                      exc.code, exc.method)
            return ActionResult(ok=False, permanent=True,
                                error=f"{exc.method} failed [{exc.code}]: {hint}",
                                details={"code": str(exc.code), "method": exc.method})

    async def _dispatch(self, action: AnyAction) -> ActionResult:
        user = getattr(action, "user", None)
        if user is not None and not user.user_id.lstrip("-").isdigit():
            return ActionResult(ok=False, permanent=True,
                                error=f"{user} is not a numeric VK id")
        if isinstance(action, SendMessage):
            return await self._send(action.chat, action.text, action.lang, action.reply_to,
                                    action.thread_id, action.buttons, random_id_for(action))
        if isinstance(action, NotifyQueue):
            return await self._send(action.queue, action.text, action.lang, None, None,
                                    action.buttons, random_id_for(action))
        if isinstance(action, EditMessage):
            return await self._edit(action)
        if isinstance(action, DeleteMessage):
            return await self._delete(action)
        if isinstance(action, Mute | Unmute):
            return ActionResult(ok=False, permanent=True, error=NO_MUTE)
        if isinstance(action, Kick):
            return await self._remove(action.chat, int(action.user.user_id), "kick")
        if isinstance(action, LeaveChat):
            return await self._remove(action.chat, -self.group_id, "leave")
        if isinstance(action, Ban):
            return await self._ban(action)
        if isinstance(action, Unban):
            return await self._unban(action)
        if isinstance(action, Publish):
            return await self._publish(action)
        if isinstance(action, AnswerCallback):
            return await self._answer(action)
        raise TypeError(f"unknown action {action!r}")

    # -- helpers ----------------------------------------------------------------------------

    def _render(self, text: Text, lang: str) -> str:
        return self.catalog.render(defanged(text), lang)[:MAX_TEXT]

    def _fitted(self, text: Text, lang: str, limit: int) -> str:
        """``text`` within ``limit`` characters, shortening its longest plain parameter (a
        name) before the sentence: "Александр Ив… claimed ticket #1… claim it again in a
        minute." keeps the instruction whole where a cut at the limit lost its end."""
        text = defanged(text)
        rendered = self.catalog.render(text, lang)
        params = dict(text.params)
        while len(rendered) > limit:
            names = [k for k, v in params.items() if isinstance(v, str) and len(v) > 4]
            if not names:
                return rendered[:limit - 1].rstrip() + "…"
            longest = max(names, key=lambda k: len(params[k]))
            value = params[longest]
            keep = max(3, len(value) - (len(rendered) - limit) - 1)
            params[longest] = value[:keep].rstrip() + "…"
            rendered = self.catalog.render(Text(text.key, params), lang)
        return rendered

    async def _user_only(self, method: str, params: dict[str, Any]) -> Any:
        if self.client.user is None:
            raise MissingUserToken(method)
        return await self.client.call(method, params, as_user=True)

    async def _wall(self, method: str, params: dict[str, Any]) -> Any:
        """Community token first; VK refuses some wall methods to it (27): then the user's,
        straight away for that method from then on."""
        if method not in self._refused:
            try:
                return await self.client.call(method, params)
            except VkCallError as exc:
                if exc.code != GROUP_AUTH_REFUSED:
                    raise
                self._refused.add(method)
        return await self._user_only(method, params)

    async def _send(self, chat: ChatRef, text: Text, lang: str, reply_to: str | None,
                    thread_id: str | None, buttons: tuple[tuple[Button, ...], ...],
                    random_id: int) -> ActionResult:
        target = VkTarget.of(chat)
        message = self._render(linked_mentions(text) if target.wall else text, lang)
        if target.wall:
            if not thread_id:
                return ActionResult(ok=False, permanent=True,
                                    error="a wall message needs a post (thread_id)")
            response = await self._wall("wall.createComment", {
                "owner_id": -self.group_id, "post_id": thread_id, "from_group": self.group_id,
                "message": message, "reply_to_comment": reply_to, "guid": str(random_id)})
            return ActionResult(ok=True, message_id=str(response["comment_id"]))
        # disable_mentions: "@all" or "@online" quoted from a member (a report reason, an FAQ
        # id) must not make the bot notify the whole chat
        params: dict[str, Any] = {"peer_ids": target.peer_id, "random_id": random_id,
                                  "message": message, "dont_parse_links": 1,
                                  "disable_mentions": 1}
        if buttons:
            params["keyboard"] = keyboard(buttons, lambda t: self._render(t, lang))
        if reply_to and reply_to.isdigit():
            params["forward"] = json.dumps({"peer_id": target.peer_id, "is_reply": True,
                                            "conversation_message_ids": [int(reply_to)]})
        response = await self.client.call("messages.send", params)
        return ActionResult(ok=True, message_id=_sent_id(response))

    async def _edit(self, action: EditMessage) -> ActionResult:
        message = self._render(action.text, action.lang)
        target = VkTarget.of(action.chat)
        if target.wall:
            await self._wall("wall.editComment", {"owner_id": -self.group_id,
                                                  "comment_id": action.message_id,
                                                  "message": message})
            return ActionResult(ok=True, message_id=action.message_id)
        await self.client.call("messages.edit", {
            "peer_id": target.peer_id, "conversation_message_id": action.message_id,
            "message": message, "dont_parse_links": 1, "disable_mentions": 1,
            "keyboard": keyboard(action.buttons, lambda t: self._render(t, action.lang))})
        return ActionResult(ok=True, message_id=action.message_id)

    async def _delete(self, action: DeleteMessage) -> ActionResult:
        target = VkTarget.of(action.chat)
        if target.wall:
            if action.thread_id is None:  # the wall post itself (a postponed one taken back)
                await self._wall("wall.delete", {"owner_id": -self.group_id,
                                                 "post_id": action.message_id})
            else:
                await self._wall("wall.deleteComment", {"owner_id": -self.group_id,
                                                        "comment_id": action.message_id})
        else:
            await self.client.call("messages.delete", {
                "peer_id": target.peer_id, "cmids": action.message_id, "delete_for_all": 1})
        return ActionResult(ok=True)

    async def _remove(self, chat: ChatRef, member_id: int, what: str) -> ActionResult:
        target = VkTarget.of(chat)
        if not target.is_chat:
            return ActionResult(ok=False, permanent=True,
                                error=f"cannot {what} here: {chat} is not a VK chat")
        try:
            await self.client.call("messages.removeChatUser",
                                   {"chat_id": target.chat_id, "member_id": member_id})
        except VkCallError as exc:
            # a community that has left a chat has no access to it any more (917): leaving
            # again is done, not a failure with advice to make the bot an admin there
            gone = exc.code == USER_NOT_IN_CHAT or (what == "leave" and exc.code == NO_CHAT_ACCESS)
            if not gone:
                raise
            # Already gone (left, or removed by someone else): the removal holds, nothing
            # failed, and a moderator must not read a raw API error about it.
            log.info("event=vk.remove_not_in_chat chat=%s user=%s", chat, member_id)
        return ActionResult(ok=True)

    async def _ban(self, action: Ban) -> ActionResult:
        """A community ban (timed by `end_date`); in a chat the member is also removed.

        Without `[vk] user_token` VK refuses groups.ban to the bot: in a chat the member is
        still removed (what the community token can do) and the log names the missing token;
        on the wall nothing can stand in, so the action fails with that message."""
        in_chat = VkTarget.of(action.chat).is_chat
        if self.client.user is None and in_chat:
            log.warning("event=vk.ban_degraded chat=%s user=%s reason=\"[vk] user_token is not "
                        "set: groups.ban needs a community admin's user token; removed from the "
                        "chat instead\"", action.chat, action.user)
            await self._remove(action.chat, int(action.user.user_id), "kick")
            return ActionResult(ok=True, details={
                "degraded": "kick: [vk] user_token is not set, groups.ban unavailable"})
        params: dict[str, Any] = {"group_id": self.group_id, "owner_id": action.user.user_id}
        if action.until is not None:
            params["end_date"] = int(action.until.timestamp())
        # One ban is the whole community's: a /ban from the queue acts in each VK chat and on
        # the wall, and the same groups.ban for each would spend the admin's user token.
        self._unbanned.pop(action.user.user_id, None)
        key = (action.user.user_id, params.get("end_date"))
        if not _seen_lately(self._banned, key):
            await self._user_only("groups.ban", params)
            self._banned[key] = time.monotonic()  # only once it went through: a retry calls
        if in_chat:
            try:
                await self._remove(action.chat, int(action.user.user_id), "kick")
            except VkCallError as exc:
                return ActionResult(ok=True, details={"kick_error": str(exc)})
        return ActionResult(ok=True)

    async def _unban(self, action: Unban) -> ActionResult:
        """Lifting the community's one ban is one groups.unban, however many of its chats
        (and the wall) an /unban from the queue names."""
        user = action.user.user_id
        for key in [k for k in self._banned if k[0] == user]:
            del self._banned[key]
        if not _seen_lately(self._unbanned, user):
            await self._user_only("groups.unban", {"group_id": self.group_id, "owner_id": user})
            self._unbanned[user] = time.monotonic()
        return ActionResult(ok=True)

    async def _answer(self, action: AnswerCallback) -> ActionResult:
        event_id, user_id, peer_id = [*action.callback_id.split(":"), "", ""][:3]
        data = {"type": "show_snackbar", "text": self._fitted(action.text, action.lang,
                                                             SNACKBAR_LIMIT)}
        await self.client.call("messages.sendMessageEventAnswer", {
            "event_id": event_id, "user_id": user_id, "peer_id": peer_id or user_id,
            "event_data": json.dumps(data, ensure_ascii=False)})
        return ActionResult(ok=True)

    async def _publish(self, action: Publish) -> ActionResult:
        target = VkTarget.of(action.chat)
        if not target.wall:
            attachment = await self._photo(action.photo, target) if action.photo else None
            response = await self.client.call("messages.send", {
                "peer_ids": target.peer_id, "random_id": random_id_for(action),
                "message": action.text[:MAX_TEXT], "attachment": attachment})
            return ActionResult(ok=True, message_id=_sent_id(response))
        params: dict[str, Any] = {"owner_id": -self.group_id, "from_group": 1,
                                  "message": action.text, "guid": action.ref}
        if action.photo:
            params["attachments"] = await self._photo(action.photo, target)
        if self.wall_postponed and action.publish_at is not None:
            params["publish_date"] = int(action.publish_at.timestamp())
        response = await self._wall("wall.post", params)
        return ActionResult(ok=True, message_id=str(response["post_id"]))

    async def _photo(self, photo: str, target: VkTarget) -> str:
        """An attachment string: given as one already, or uploaded from a file."""
        if _ATTACHMENT.match(photo):
            return photo
        path = self.resolve_path(photo)
        if not path.is_file():
            raise VkCallError("photos.upload", 0, f"photo file not found: {path}")
        if target.wall:
            server = await self._wall("photos.getWallUploadServer", {"group_id": self.group_id})
        else:
            server = await self.client.call("photos.getMessagesUploadServer",
                                            {"peer_id": target.peer_id})
        uploaded = await asyncio.to_thread(self._upload, str(server["upload_url"]), path)
        save = {"server": uploaded["server"], "photo": uploaded["photo"],
                "hash": uploaded["hash"]}
        if target.wall:
            saved = await self._wall("photos.saveWallPhoto", {"group_id": self.group_id, **save})
        else:
            saved = await self.client.call("photos.saveMessagesPhoto", save)
        return f"photo{saved[0]['owner_id']}_{saved[0]['id']}"

    def _upload(self, url: str, path: Path) -> dict[str, Any]:
        with path.open("rb") as handle:
            response = self.client.http.post(url, files={"photo": (path.name, handle)},
                                             timeout=60)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result


def _sent_id(response: Any) -> str:
    """messages.send with `peer_ids` answers [{peer_id, message_id, conversation_message_id}];
    the conversation id is what edit/delete in a chat take."""
    if isinstance(response, list) and response:
        first = response[0]
        if "error" in first:
            raise VkCallError("messages.send", int(first["error"].get("code", 0)),
                              str(first["error"].get("description", "")))
        return str(first.get("conversation_message_id", first.get("message_id")))
    return str(response)


def _seen_lately(seen: dict[Any, float], key: Any) -> bool:
    """Whether the call ``key`` stands for went through in the last BAN_REPEAT_WINDOW seconds;
    older entries are dropped, so the map holds only the window's calls."""
    now = time.monotonic()
    for old in [k for k, at in seen.items() if now - at >= BAN_REPEAT_WINDOW]:
        del seen[old]
    return key in seen
