"""QA round 35: a VK community manager's edges, on the wire, against the independent emulator.

`tests/test_qa33_foreign_emulator.py` / `tests/test_qa34_foreign_deeper.py` carry a VK API server
written from the public docs (not from the bot). This file reuses it (imported, never edited)
and extends it by subclassing with what a community with a wall needs:

- wall comments as Bots Long Poll `wall_reply_new` / `wall_reply_edit` events (a comment object:
  id, from_id, post_id, owner_id, parents_stack, date, text, thread; reply_to_user and
  reply_to_comment on replies), wall.createComment / wall.deleteComment / wall.editComment;
  a reply to a deleted comment is refused (VK shows no reply under a comment that is gone);
- photo uploads: photos.getMessagesUploadServer / photos.saveMessagesPhoto (community token),
  photos.getWallUploadServer / photos.saveWallPhoto (user token only, as the docs say: the
  community token gets error 27), an upload URL taking multipart `photo`;
- messages.send refuses a text over 4096 characters (914 "Message is too long") and a private
  message to someone who never wrote to the community (901);
- `message_edit` events carry the message object itself (not wrapped), as the docs show.

The bot runs as an outsider runs it (`modbot run --config FILE`); every wait is a predicate on
what the server saw.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from test_qa33_foreign_emulator import (
    DUE_AT_START_UP,
    VK_ADMIN,
    VK_CHAT,
    VK_GROUP,
    VK_MEMBER,
    VK_OFFENDER,
    VK_STRANGE_CHAT,
    BotProcess,
    VkFault,
    no_tracebacks,
    seconds_past_a_scheduler_round,
)
from test_qa34_foreign_deeper import (
    VK_MOD,
    VK_QUEUE,
    VK_REPORTER,
    VK_USER_TOKEN,
    DeeperVkApi,
    kb_payloads,
    settle,
    vk_running,
)

POST = 77  # a community wall post the members comment under
RUDE = "ты хуйло ебаное"
RUDE_2 = "ну ты и пиздабол"
WALL_CHATS = f'"vk:{VK_CHAT}", "vk:wall"'
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


class EdgeVkApi(DeeperVkApi):
    """DeeperVkApi plus wall comments, photo uploads and VK's length / privacy refusals."""

    def __init__(self) -> None:
        super().__init__()
        self.comments: dict[int, dict[str, Any]] = {}
        self.next_comment = 1000
        self.deleted_comments: list[int] = []
        self.created_comments: list[dict[str, Any]] = []
        self.edited_comments: list[dict[str, Any]] = []
        self.uploads: list[tuple[str, int]] = []
        self.upload_tokens: dict[str, str] = {}
        self.saved_photos: list[dict[str, Any]] = []
        self.allowed: set[int] = set()  # users who wrote to the community (may be written to)

    async def start(self) -> EdgeVkApi:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/method/{name}", self._method)
        app.router.add_route("*", "/lp", self._longpoll)
        app.router.add_route("POST", "/upload/{kind}", self._upload)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    # -- the world ---------------------------------------------------------------------------
    def _comment_object(self, comment: dict[str, Any]) -> dict[str, Any]:
        obj = {"id": comment["id"], "from_id": comment["from_id"], "post_id": comment["post_id"],
               "owner_id": -VK_GROUP, "post_owner_id": -VK_GROUP,
               "parents_stack": list(comment["parents"]), "date": comment["date"],
               "text": comment["text"], "thread": {"count": 0}}
        if comment.get("reply_to_comment"):
            obj["reply_to_comment"] = comment["reply_to_comment"]
            obj["reply_to_user"] = comment["reply_to_user"]
        return obj

    async def comment(self, post_id: int, from_id: int, text: str, *,
                      reply_to: int | None = None) -> dict[str, Any]:
        self.next_comment += 1
        comment: dict[str, Any] = {"id": self.next_comment, "from_id": from_id,
                                   "post_id": post_id, "date": int(time.time()), "text": text,
                                   "parents": []}
        if reply_to is not None:
            parent = self.comments[reply_to]
            comment.update(reply_to_comment=reply_to, reply_to_user=parent["from_id"],
                           parents=[*parent["parents"], reply_to])
        self.comments[comment["id"]] = comment
        self._event("wall_reply_new", self._comment_object(comment))
        await self._notify()
        return comment

    async def edit_comment(self, comment_id: int, text: str) -> None:
        comment = self.comments[comment_id]
        comment["text"] = text
        self._event("wall_reply_edit", self._comment_object(comment))
        await self._notify()

    async def edit_message(self, peer_id: int, cmid: int, text: str) -> None:
        """message_edit: the object is the message itself (docs: "message object")."""
        message = self.messages[(peer_id, cmid)]
        message["text"] = text
        message["update_time"] = int(time.time())
        self._event("message_edit", dict(message))
        await self._notify()

    async def member_writes(self, peer_id: int, user_id: int, text: str, *,
                            reply_to: int | None = None,
                            forwards: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        if peer_id < 2_000_000_000:
            self.allowed.add(user_id)
        if forwards is None:
            return await super().member_writes(peer_id, user_id, text, reply_to=reply_to)
        self.cmid[peer_id] = self.cmid.get(peer_id, 0) + 1
        message: dict[str, Any] = {
            "date": int(time.time()), "from_id": user_id, "id": 0, "out": 0,
            "attachments": [], "conversation_message_id": self.cmid[peer_id],
            "fwd_messages": forwards, "important": False, "is_hidden": False,
            "peer_id": peer_id, "random_id": 0, "text": text}
        self.messages[(peer_id, self.cmid[peer_id])] = message
        self._event("message_new", {"message": message, "client_info": {
            "button_actions": ["text", "callback"], "keyboard": True,
            "inline_keyboard": True, "carousel": True, "lang_id": 0}})
        await self._notify()
        return message

    def forwarded(self, peer_id: int, cmid: int) -> dict[str, Any]:
        source = self.messages[(peer_id, cmid)]
        return {"date": source["date"], "from_id": source["from_id"], "text": source["text"],
                "attachments": [], "conversation_message_id": cmid, "peer_id": peer_id,
                "id": 0, "fwd_messages": []}

    async def invite_bot(self, peer_id: int, by_user: int) -> None:
        self.chats.setdefault(peer_id, {"title": "Strangers", "owner": by_user,
                                        "admins": {by_user}, "members": {by_user}})
        self.cmid[peer_id] = self.cmid.get(peer_id, 0) + 1
        message = {"date": int(time.time()), "from_id": by_user, "id": 0, "out": 0,
                   "attachments": [], "conversation_message_id": self.cmid[peer_id],
                   "fwd_messages": [], "important": False, "is_hidden": False,
                   "peer_id": peer_id, "random_id": 0, "text": "",
                   "action": {"type": "chat_invite_user", "member_id": -VK_GROUP}}
        self.messages[(peer_id, self.cmid[peer_id])] = message
        self._event("message_new", {"message": message, "client_info": {}})
        await self._notify()

    async def allow_messages(self, user_id: int) -> None:
        self.allowed.add(user_id)
        self._event("message_allow", {"user_id": user_id, "key": ""})
        await self._notify()

    def wall_said(self, needle: str) -> list[dict[str, Any]]:
        return [c for c in self.created_comments if needle in c.get("message", "")]

    # -- HTTP: the photo upload server -------------------------------------------------------
    async def _upload(self, request: web.Request) -> web.Response:
        kind = request.match_info["kind"]
        form = await request.post()
        part = form.get("photo")
        if part is None or isinstance(part, str):
            return web.json_response({"server": 0, "photo": "[]", "hash": ""})
        data = part.file.read()
        self.uploads.append((kind, len(data)))
        token = f"h{len(self.uploads):04d}{kind}"
        self.upload_tokens[token] = kind
        await self._notify()
        return web.json_response({"server": 626000 + len(self.uploads),
                                  "photo": json.dumps([{"photo": "abc", "sizes": []}]),
                                  "hash": token})

    # -- methods -----------------------------------------------------------------------------
    def m_messages_send(self, p: dict[str, Any]) -> Any:
        message = str(p.get("message") or "")
        if len(message) > 4096:
            raise VkFault(914, "Message is too long")
        peers = [int(x) for x in str(p.get("peer_ids") or p.get("peer_id") or "0").split(",")]
        for peer in peers:
            if 0 < peer < 2_000_000_000 and peer not in self.allowed:
                raise VkFault(901, "Can't send messages for users without permission")
        before = len(self.sent)
        result = super().m_messages_send(p)
        for record in self.sent[before:]:
            record["attachment"] = p.get("attachment")
        return result

    def m_messages_removeChatUser(self, p: dict[str, Any]) -> Any:
        """Once the community has left a chat it has no access there (917)."""
        chat_id = int(p.get("chat_id") or 0)
        if (chat_id, -VK_GROUP) in self.removed:
            raise VkFault(917, "You don't have access to this chat")
        return super().m_messages_removeChatUser(p)

    async def bot_kicked(self, peer_id: int, by_user: int) -> None:
        self.cmid[peer_id] = self.cmid.get(peer_id, 0) + 1
        message = {"date": int(time.time()), "from_id": by_user, "id": 0, "out": 0,
                   "attachments": [], "conversation_message_id": self.cmid[peer_id],
                   "fwd_messages": [], "important": False, "is_hidden": False,
                   "peer_id": peer_id, "random_id": 0, "text": "",
                   "action": {"type": "chat_kick_user", "member_id": -VK_GROUP}}
        self.messages[(peer_id, self.cmid[peer_id])] = message
        self.removed.append((peer_id - 2_000_000_000, -VK_GROUP))
        self._event("message_new", {"message": message, "client_info": {}})
        await self._notify()

    def m_wall_createComment(self, p: dict[str, Any]) -> Any:
        if int(p.get("owner_id") or 0) != -VK_GROUP or not p.get("post_id"):
            raise VkFault(100, "One of the parameters specified was missing or invalid: "
                               "owner_id or post_id")
        if not p.get("message") and not p.get("attachments"):
            raise VkFault(100, "One of the parameters specified was missing or invalid: "
                               "message is empty")
        if len(str(p.get("message") or "")) > 16000:
            raise VkFault(100, "One of the parameters specified was missing or invalid: "
                               "message is too long")
        reply = p.get("reply_to_comment")
        if reply:
            parent = self.comments.get(int(reply))
            if parent is None or parent.get("deleted"):
                raise VkFault(100, "One of the parameters specified was missing or invalid: "
                                   "reply_to_comment is invalid")
        self.next_comment += 1
        record = dict(p, comment_id=self.next_comment)
        self.created_comments.append(record)
        self.comments[self.next_comment] = {
            "id": self.next_comment, "from_id": -VK_GROUP, "post_id": int(p["post_id"]),
            "date": int(time.time()), "text": p.get("message", ""), "parents": []}
        return {"comment_id": self.next_comment, "parents_stack": []}

    def m_wall_deleteComment(self, p: dict[str, Any]) -> Any:
        comment = self.comments.get(int(p.get("comment_id") or 0))
        if int(p.get("owner_id") or 0) != -VK_GROUP or comment is None:
            raise VkFault(100, "One of the parameters specified was missing or invalid")
        if comment.get("deleted"):
            raise VkFault(211, "Access to wall's comment denied")
        comment["deleted"] = True
        self.deleted_comments.append(int(p["comment_id"]))
        return 1

    def m_wall_editComment(self, p: dict[str, Any]) -> Any:
        comment = self.comments.get(int(p.get("comment_id") or 0))
        if comment is None or comment["from_id"] != -VK_GROUP:
            raise VkFault(15, "Access denied")
        comment["text"] = p.get("message", "")
        self.edited_comments.append(p)
        return 1

    def m_photos_getMessagesUploadServer(self, p: dict[str, Any]) -> Any:
        return {"upload_url": f"http://127.0.0.1:{self.port}/upload/messages",
                "album_id": -3, "group_id": VK_GROUP}

    def m_photos_saveMessagesPhoto(self, p: dict[str, Any]) -> Any:
        if self.upload_tokens.get(str(p.get("hash"))) != "messages" or not p.get("photo"):
            raise VkFault(100, "One of the parameters specified was missing or invalid: "
                               "photo is undefined")
        saved = {"id": 457239100 + len(self.saved_photos), "owner_id": -VK_GROUP,
                 "album_id": -3, "access_key": "5e1f0c0ffee", "date": int(time.time()),
                 "sizes": [], "text": "", "kind": "messages"}
        self.saved_photos.append(saved)
        return [saved]

    def m_photos_getWallUploadServer(self, p: dict[str, Any]) -> Any:
        if not p.get("_as_user"):
            raise VkFault(27, "Group authorization failed: method is unavailable with group "
                              "auth.")
        return {"upload_url": f"http://127.0.0.1:{self.port}/upload/wall", "album_id": -14,
                "user_id": VK_ADMIN}

    def m_photos_saveWallPhoto(self, p: dict[str, Any]) -> Any:
        if not p.get("_as_user"):
            raise VkFault(27, "Group authorization failed: method is unavailable with group "
                              "auth.")
        if self.upload_tokens.get(str(p.get("hash"))) != "wall":
            raise VkFault(100, "One of the parameters specified was missing or invalid: "
                               "photo is undefined")
        saved = {"id": 457239200 + len(self.saved_photos), "owner_id": -VK_GROUP,
                 "album_id": -14, "date": int(time.time()), "sizes": [], "text": "",
                 "kind": "wall"}
        self.saved_photos.append(saved)
        return [saved]


@pytest.fixture
async def edge() -> AsyncIterator[EdgeVkApi]:
    emulator = await EdgeVkApi().start()
    yield emulator
    await emulator.close()


async def start_bot(api: EdgeVkApi, folder: Path, **kw: Any) -> BotProcess:
    return await vk_running(api, folder, **kw)  # type: ignore[arg-type]


@pytest.fixture
async def wallbot(edge: EdgeVkApi, tmp_path: Path) -> AsyncIterator[BotProcess]:
    bot = await start_bot(edge, tmp_path, chats=WALL_CHATS)
    yield bot
    code = await bot.stop()
    assert code == 0, "modbot run did not stop cleanly:\n" + bot.log()[-3000:]


@pytest.fixture
async def chatbot(edge: EdgeVkApi, tmp_path: Path) -> AsyncIterator[BotProcess]:
    bot = await start_bot(edge, tmp_path)
    yield bot
    code = await bot.stop()
    assert code == 0, "modbot run did not stop cleanly:\n" + bot.log()[-3000:]


def chat_texts(api: EdgeVkApi, peer: int) -> list[str]:
    return [s["message"] for s in api.sent_to(peer)]


# == The wall =================================================================================

async def test_obscene_wall_comment_deleted_and_author_warned_under_the_post(
        edge: EdgeVkApi, wallbot: BotProcess) -> None:
    api = edge
    rude = await api.comment(POST, VK_OFFENDER, RUDE)
    await api.wait_for(lambda: rude["id"] in api.deleted_comments, timeout=30,
                       what="wall.deleteComment")
    delete = next(p for m, p in api.calls if m == "wall.deleteComment")
    assert int(delete["owner_id"]) == -VK_GROUP and int(delete["comment_id"]) == rude["id"]
    await api.wait_for(lambda: api.created_comments, timeout=30,
                       what="the warning as a comment under the post")
    warning = api.created_comments[0]
    assert int(warning["post_id"]) == POST, warning
    assert str(warning.get("from_group")) in ("1", str(VK_GROUP)), warning
    assert "Oleg" in warning["message"] or f"id{VK_OFFENDER}" in warning["message"], warning
    # the wall is not a chat: nobody was "removed from the chat", nothing went to the chat
    assert "from the chat" not in warning["message"].lower(), warning["message"]
    assert not api.sent_to(VK_CHAT), chat_texts(api, VK_CHAT)
    assert not [e for e in api.errors if e[0].startswith("wall.")], api.errors
    assert api.unknown_methods == [], api.unknown_methods
    no_tracebacks(wallbot)


async def test_wall_warning_reaches_the_commenter_by_a_mention_link(
        edge: EdgeVkApi, wallbot: BotProcess) -> None:
    """The comment is gone and the warning cannot be a reply to it, so the only way VK tells
    the commenter about it is a mention ([id8300|Name]) in the warning comment. A plain name
    notifies nobody: the author sees the comment vanish and never learns why."""
    api = edge
    await api.comment(POST, VK_OFFENDER, RUDE)
    await api.wait_for(lambda: api.created_comments, timeout=30, what="the wall warning")
    warning = api.created_comments[0]["message"]
    assert f"[id{VK_OFFENDER}|" in warning, warning
    no_tracebacks(wallbot)


async def test_wall_question_answered_as_a_reply_to_the_comment(
        edge: EdgeVkApi, wallbot: BotProcess) -> None:
    api = edge
    asked = await api.comment(POST, VK_MEMBER, "When are you open?")
    await api.wait_for(lambda: api.wall_said("9:00 to 21:00"), timeout=60,
                       what="the FAQ answer under the post")
    answer = api.wall_said("9:00 to 21:00")[0]
    assert int(answer["post_id"]) == POST
    assert str(answer.get("reply_to_comment")) == str(asked["id"]), answer
    assert int(answer["owner_id"]) == -VK_GROUP
    await settle(api)
    assert len(api.wall_said("9:00 to 21:00")) == 1
    assert not api.sent_to(VK_CHAT)
    no_tracebacks(wallbot)


async def test_wall_question_put_to_another_member_in_a_thread_is_left_to_them(
        edge: EdgeVkApi, wallbot: BotProcess) -> None:
    """README: a question in reply to another member is not answered (the conversation is
    theirs); on the wall that is a reply whose reply_to_user is a member."""
    api = edge
    parent = await api.comment(POST, VK_ADMIN, "We came by car last time, it was easy.")
    await api.comment(POST, VK_MEMBER, "Where can I park my car?", reply_to=parent["id"])
    await settle(api, 4)
    # the bot was alive and reading the wall: an obscene comment afterwards is acted on
    rude = await api.comment(POST, VK_OFFENDER, RUDE)
    await api.wait_for(lambda: rude["id"] in api.deleted_comments, timeout=30,
                       what="the later obscene comment deleted")
    assert not api.wall_said("Oak Street"), api.created_comments
    no_tracebacks(wallbot)


async def test_the_communitys_own_comment_is_never_moderated_nor_answered(
        edge: EdgeVkApi, wallbot: BotProcess) -> None:
    api = edge
    own = await api.comment(POST, -VK_GROUP, "Ну что, пиздец как холодно сегодня! "
                                             "When are you open? — спрашиваете вы. Отвечаем.")
    await api.edit_comment(own["id"], "Хуйня какая-то с погодой, простите")
    await settle(api, 4)
    rude = await api.comment(POST, VK_OFFENDER, RUDE)
    await api.wait_for(lambda: rude["id"] in api.deleted_comments, timeout=30,
                       what="a member's obscene comment deleted (the bot is reading)")
    assert own["id"] not in api.deleted_comments
    assert not api.wall_said("9:00 to 21:00")
    assert not [m for m, p in api.calls if m == "groups.ban"
                and str(p.get("owner_id")) == str(-VK_GROUP)]
    no_tracebacks(wallbot)


async def test_wall_comment_edited_into_obscenity_is_deleted_and_warned_once(
        edge: EdgeVkApi, wallbot: BotProcess) -> None:
    api = edge
    comment = await api.comment(POST, VK_OFFENDER, "Nice photos from the fair")
    await settle(api, 2)
    await api.edit_comment(comment["id"], "Nice photos, " + RUDE_2)
    await api.wait_for(lambda: comment["id"] in api.deleted_comments, timeout=30,
                       what="the edited comment deleted")
    await api.wait_for(lambda: api.created_comments, timeout=30, what="the warning")
    await settle(api, 3)
    warnings = [c for c in api.created_comments if "Oleg" in c.get("message", "")
                or f"id{VK_OFFENDER}" in c.get("message", "")]
    assert len(warnings) == 1, api.created_comments
    assert int(warnings[0]["post_id"]) == POST
    no_tracebacks(wallbot)


# == Chats: edits and invitations ===============================================================

async def test_chat_message_edited_into_obscenity_is_deleted_and_warned(
        edge: EdgeVkApi, chatbot: BotProcess) -> None:
    api = edge
    message = await api.member_writes(VK_CHAT, VK_OFFENDER, "see you all at the meeting")
    await settle(api, 2)
    await api.edit_message(VK_CHAT, message["conversation_message_id"],
                           "see you at the meeting, " + RUDE_2)
    await api.wait_for(lambda: (VK_CHAT, message["conversation_message_id"]) in api.deleted,
                       timeout=30, what="messages.delete of the edited message")
    await api.wait_for(lambda: api.sent_to(VK_CHAT), timeout=30, what="the warning")
    await settle(api, 2)
    texts = chat_texts(api, VK_CHAT)
    assert len(texts) == 1 and "Oleg" in texts[0], texts
    no_tracebacks(chatbot)


async def test_bot_reinvited_to_its_configured_chat_stays_and_keeps_moderating(
        edge: EdgeVkApi, chatbot: BotProcess) -> None:
    api = edge
    await api.invite_bot(VK_CHAT, by_user=VK_ADMIN)
    await settle(api, 3)
    assert not [r for r in api.removed if r[1] == -VK_GROUP], api.removed
    assert not [m for m in chat_texts(api, VK_CHAT) if "Leaving" in m], chat_texts(api, VK_CHAT)
    rude = await api.member_writes(VK_CHAT, VK_OFFENDER, RUDE)
    await api.wait_for(lambda: (VK_CHAT, rude["conversation_message_id"]) in api.deleted,
                       timeout=30, what="still moderating after the re-invite")
    no_tracebacks(chatbot)


async def test_bot_invited_to_its_queue_chat_stays(
        edge: EdgeVkApi, chatbot: BotProcess) -> None:
    api = edge
    await api.invite_bot(VK_QUEUE, by_user=VK_MOD)
    await settle(api, 3)
    assert not [r for r in api.removed if r[1] == -VK_GROUP], api.removed
    no_tracebacks(chatbot)


async def test_unknown_chat_with_traffic_gets_one_message_at_most_no_moderation_and_left(
        edge: EdgeVkApi, chatbot: BotProcess) -> None:
    """Invited to a stranger's chat whose members go on talking (a question, a swear word)
    before and after: at most one message there, nothing deleted, the bot removes itself."""
    api = edge
    await api.invite_bot(VK_STRANGE_CHAT, by_user=9900)
    api.chats[VK_STRANGE_CHAT]["members"] |= {9901}
    q = await api.member_writes(VK_STRANGE_CHAT, 9901, "When are you open?")
    rude = await api.member_writes(VK_STRANGE_CHAT, 9901, RUDE)
    await api.wait_for(lambda: (VK_STRANGE_CHAT - 2_000_000_000, -VK_GROUP) in api.removed,
                       timeout=30, what="messages.removeChatUser member_id=-group_id")
    await settle(api, 3)
    assert len(api.sent_to(VK_STRANGE_CHAT)) <= 1, chat_texts(api, VK_STRANGE_CHAT)
    assert (VK_STRANGE_CHAT, rude["conversation_message_id"]) not in api.deleted
    assert (VK_STRANGE_CHAT, q["conversation_message_id"]) not in api.deleted
    leaves = [(p, e) for p, _, e in api.tries("messages.removeChatUser")
              if int(p.get("member_id") or 0) == -VK_GROUP]
    # the members' messages that were already on their way are not reasons to leave again:
    # VK refuses the repeats (917), which only fills the log with errors
    assert len(leaves) == 1, ([p.get("chat_id") for p, _ in leaves], api.errors,
                              [line for line in chatbot.log().splitlines()
                               if "917" in line or "leave" in line][:8])
    assert not api.sent_to(VK_QUEUE), chat_texts(api, VK_QUEUE)
    no_tracebacks(chatbot)


async def test_bot_removed_from_its_chat_tells_the_queue_once_and_stops_writing_there(
        edge: EdgeVkApi, chatbot: BotProcess) -> None:
    """chat_kick_user with member_id = -group_id in a configured chat."""
    api = edge
    await api.bot_kicked(VK_CHAT, by_user=VK_ADMIN)
    await api.wait_for(lambda: api.sent_to(VK_QUEUE), timeout=30, what="the queue told")
    note = chat_texts(api, VK_QUEUE)[0]
    assert str(VK_CHAT) in note or "Oak School VK" in note, note
    await settle(api, 3)
    assert len(api.sent_to(VK_QUEUE)) == 1, chat_texts(api, VK_QUEUE)
    assert not api.sent_to(VK_CHAT), chat_texts(api, VK_CHAT)
    assert not [p for p, _, _ in api.tries("messages.removeChatUser")]
    no_tracebacks(chatbot)


async def test_a_member_leaving_the_chat_gets_no_message(
        edge: EdgeVkApi, chatbot: BotProcess) -> None:
    api = edge
    api.cmid[VK_CHAT] = api.cmid.get(VK_CHAT, 0) + 1
    message = {"date": int(time.time()), "from_id": VK_MEMBER, "id": 0, "out": 0,
               "attachments": [], "conversation_message_id": api.cmid[VK_CHAT],
               "fwd_messages": [], "important": False, "is_hidden": False,
               "peer_id": VK_CHAT, "random_id": 0, "text": "",
               "action": {"type": "chat_kick_user", "member_id": VK_MEMBER}}
    api.messages[(VK_CHAT, api.cmid[VK_CHAT])] = message
    api._event("message_new", {"message": message, "client_info": {}})
    await api._notify()
    await settle(api, 3)
    assert not api.sent_to(VK_CHAT) and not api.sent_to(VK_QUEUE), api.sent
    no_tracebacks(chatbot)


# == Moderator commands with VK targets ==========================================================

async def test_warn_with_a_vk_mention_link_target_and_reason(
        edge: EdgeVkApi, chatbot: BotProcess) -> None:
    api = edge
    await api.member_writes(VK_CHAT, VK_OFFENDER, "check out my channel, best prices")
    await api.member_writes(VK_CHAT, VK_ADMIN,
                            f"/warn [id{VK_OFFENDER}|Олег] advertising in the chat")
    await api.wait_for(lambda: api.sent_to(VK_CHAT), timeout=30, what="the warning notice")
    notice = chat_texts(api, VK_CHAT)[0]
    assert "Oleg" in notice or "Олег" in notice, notice
    assert "advertising" in notice, notice
    assert "usage" not in notice.lower() and "can't find" not in notice.lower(), notice
    await api.member_writes(VK_CHAT, VK_ADMIN, f"/warns [id{VK_OFFENDER}|@oleg]")
    await api.wait_for(lambda: len(api.sent_to(VK_CHAT)) >= 2, timeout=30, what="/warns")
    assert ": 1; the ladder" in chat_texts(api, VK_CHAT)[1], chat_texts(api, VK_CHAT)
    no_tracebacks(chatbot)


async def test_bang_ban_with_a_plain_at_id_target_removes_the_member(
        edge: EdgeVkApi, chatbot: BotProcess) -> None:
    """`!ban @id8300` typed as plain text (a client that did not turn it into a link)."""
    api = edge
    await api.member_writes(VK_CHAT, VK_OFFENDER, "selling accounts, write me")
    await api.member_writes(VK_CHAT, VK_ADMIN, f"!ban @id{VK_OFFENDER}")
    await api.wait_for(lambda: api.removed, timeout=30, what="messages.removeChatUser")
    assert api.removed[0] == (VK_CHAT - 2_000_000_000, VK_OFFENDER), api.removed
    no_tracebacks(chatbot)


async def test_warn_sent_with_a_forwarded_message_warns_its_author(
        edge: EdgeVkApi, chatbot: BotProcess) -> None:
    """On VK one often points at a message by forwarding it with the command."""
    api = edge
    target = await api.member_writes(VK_CHAT, VK_OFFENDER, "everyone here is an idiot")
    fwd = api.forwarded(VK_CHAT, target["conversation_message_id"])
    await api.member_writes(VK_CHAT, VK_ADMIN, "/warn insults", forwards=[fwd])
    await api.wait_for(lambda: api.sent_to(VK_CHAT), timeout=30, what="the warning")
    notice = chat_texts(api, VK_CHAT)[0]
    assert "Oleg" in notice and "Anna" not in notice, notice
    assert "usage" not in notice.lower(), notice
    no_tracebacks(chatbot)


async def test_dwarn_with_a_forwarded_message_deletes_the_original_and_warns(
        edge: EdgeVkApi, chatbot: BotProcess) -> None:
    api = edge
    target = await api.member_writes(VK_CHAT, VK_OFFENDER, "everyone here is an idiot")
    fwd = api.forwarded(VK_CHAT, target["conversation_message_id"])
    await api.member_writes(VK_CHAT, VK_ADMIN, "/dwarn insults", forwards=[fwd])
    await api.wait_for(lambda: (VK_CHAT, target["conversation_message_id"]) in api.deleted,
                       timeout=30, what="the forwarded original deleted")
    await api.wait_for(lambda: api.sent_to(VK_CHAT), timeout=30, what="the warning")
    assert "Oleg" in chat_texts(api, VK_CHAT)[0], chat_texts(api, VK_CHAT)
    no_tracebacks(chatbot)


async def test_del_with_a_message_forwarded_from_another_chat_deletes_nothing_here(
        edge: EdgeVkApi, chatbot: BotProcess) -> None:
    """A forward from another chat carries that chat's conversation_message_id; the same
    number here is someone else's message and must not be deleted."""
    api = edge
    innocent = await api.member_writes(VK_CHAT, VK_MEMBER, "Good morning everyone!")
    api.chats[VK_STRANGE_CHAT] = {"title": "Elsewhere", "owner": 9900, "admins": {9900},
                                  "members": {9900, VK_OFFENDER}}
    api.cmid[VK_STRANGE_CHAT] = innocent["conversation_message_id"]
    elsewhere = {"date": int(time.time()), "from_id": VK_OFFENDER, "text": "rude stuff elsewhere",
                 "attachments": [], "id": 0, "fwd_messages": [],
                 "conversation_message_id": innocent["conversation_message_id"],
                 "peer_id": VK_STRANGE_CHAT}
    await api.member_writes(VK_CHAT, VK_ADMIN, "/del", forwards=[elsewhere])
    await settle(api, 4)
    assert (VK_CHAT, innocent["conversation_message_id"]) not in api.deleted, api.deleted
    assert not [p for p, _, _ in api.tries("messages.delete")
                if str(p.get("peer_id")) == str(VK_CHAT)
                and str(innocent["conversation_message_id"]) in str(p.get("cmids"))]
    no_tracebacks(chatbot)


async def test_warn_addressed_to_the_bot_by_club_mention_in_reply(
        edge: EdgeVkApi, chatbot: BotProcess) -> None:
    api = edge
    target = await api.member_writes(VK_CHAT, VK_OFFENDER, "join my pyramid scheme")
    await api.member_writes(VK_CHAT, VK_ADMIN, f"[club{VK_GROUP}|@oakschool] /warn spam",
                            reply_to=target["conversation_message_id"])
    await api.wait_for(lambda: api.sent_to(VK_CHAT), timeout=30, what="the warning")
    notice = chat_texts(api, VK_CHAT)[0]
    assert "Oleg" in notice and "spam" in notice, notice
    no_tracebacks(chatbot)


async def test_bare_number_mute_gets_a_usage_reply_and_nobody_is_removed(
        edge: EdgeVkApi, chatbot: BotProcess) -> None:
    api = edge
    target = await api.member_writes(VK_CHAT, VK_OFFENDER, "buy followers cheap")
    await api.member_writes(VK_CHAT, VK_ADMIN, "/mute 10",
                            reply_to=target["conversation_message_id"])
    await api.wait_for(lambda: api.sent_to(VK_CHAT), timeout=30, what="the usage reply")
    await settle(api, 2)
    reply = chat_texts(api, VK_CHAT)[0]
    assert "/mute" in reply and ("usage" in reply.lower() or "duration" in reply.lower()), reply
    assert not api.removed, api.removed
    no_tracebacks(chatbot)


async def test_moderators_mistyped_command_in_reply_gets_a_hint_and_does_nothing(
        edge: EdgeVkApi, chatbot: BotProcess) -> None:
    """A moderator types `/wran spam` in reply: nothing must happen to the member, and the
    moderator should learn the command was not understood (else they believe they warned)."""
    api = edge
    target = await api.member_writes(VK_CHAT, VK_OFFENDER, "buy followers cheap")
    await api.member_writes(VK_CHAT, VK_ADMIN, "/wran spam",
                            reply_to=target["conversation_message_id"])
    await settle(api, 4)
    assert not api.removed and not api.deleted
    texts = chat_texts(api, VK_CHAT)
    assert not [t for t in texts if "Warning 1" in t], texts
    assert len(texts) == 1 and "/warn" in texts[0], texts
    no_tracebacks(chatbot)


async def test_members_unknown_slash_word_in_a_chat_gets_no_reply(
        edge: EdgeVkApi, chatbot: BotProcess) -> None:
    """A member's `/me waves` or `/shrug` in a group is not for the bot: silence (Rose)."""
    api = edge
    await api.member_writes(VK_CHAT, VK_MEMBER, "/me waves to everyone")
    await api.member_writes(VK_CHAT, VK_MEMBER, "/shrug")
    await settle(api, 4)
    assert not api.sent_to(VK_CHAT), chat_texts(api, VK_CHAT)
    no_tracebacks(chatbot)


# == Scheduled photo posts ========================================================================

async def test_scheduled_photo_post_to_a_chat_and_the_wall_goes_out_once_each(
        edge: EdgeVkApi, tmp_path: Path) -> None:
    api = edge
    (tmp_path / "poster.png").write_bytes(PNG)
    # due as the bot comes up: what is checked is how the photo goes out, not when
    at = (datetime.now(UTC) + timedelta(seconds=DUE_AT_START_UP)).strftime("%Y-%m-%d %H:%M:%S")
    bot = await start_bot(api, tmp_path, chats=WALL_CHATS,
                          vk_extra=f'user_token = "{VK_USER_TOKEN}"\n', extra=f"""
        [[community.schedule]]
        at = "{at}"
        text = "Spring fair on Saturday! Photos from last year attached."
        photo = "poster.png"
        """)
    try:
        await api.wait_for(lambda: api.wall_posts and [s for s in api.sent_to(VK_CHAT)
                                                       if s.get("attachment")],
                           timeout=90, what="the photo post in the chat and on the wall")
        saved = {p["kind"]: p for p in api.saved_photos}
        assert set(saved) == {"messages", "wall"}, api.saved_photos
        chat_post = next(s for s in api.sent_to(VK_CHAT) if s.get("attachment"))
        msg_photo = saved["messages"]
        assert re.fullmatch(rf"photo{msg_photo['owner_id']}_{msg_photo['id']}(_\w+)?",
                            chat_post["attachment"]), chat_post["attachment"]
        assert "Spring fair" in chat_post["message"]
        wall = api.wall_posts[0]
        assert wall["attachments"] == f"photo{saved['wall']['owner_id']}_{saved['wall']['id']}"
        assert "Spring fair" in wall["message"] and int(wall["owner_id"]) == -VK_GROUP
        assert sorted(k for k, _ in api.uploads) == ["messages", "wall"], api.uploads
        assert all(size == len(PNG) for _, size in api.uploads)
        mark = time.time()  # the next scheduler round must not post it again
        await api.wait_for(lambda: time.time() - mark > seconds_past_a_scheduler_round(),
                           timeout=30)
        assert len(api.wall_posts) == 1, api.wall_posts
        assert len([s for s in api.sent if "Spring fair" in s["message"]]) == 1, api.sent
        assert len(api.uploads) == 2, api.uploads
        assert not api.sent_to(VK_QUEUE), chat_texts(api, VK_QUEUE)
        no_tracebacks(bot)
    finally:
        assert await bot.stop() == 0


async def test_scheduled_photo_chat_post_whose_photo_vk_refuses_is_not_lost_silently(
        edge: EdgeVkApi, tmp_path: Path) -> None:
    """photos.saveMessagesPhoto keeps answering 121 "Invalid hash": the post must either go
    out (once) or the moderators' queue must hear that it did not."""
    api = edge
    for _ in range(6):
        api.fail("photos.saveMessagesPhoto", 121, "Invalid hash")
    (tmp_path / "poster.png").write_bytes(PNG)
    at = (datetime.now(UTC) + timedelta(seconds=15)).strftime("%Y-%m-%d %H:%M:%S")
    bot = await start_bot(api, tmp_path, extra=f"""
        [[community.schedule]]
        at = "{at}"
        text = "Photo day! Bring your smiles."
        photo = "poster.png"
        """)
    try:
        await api.wait_for(lambda: api.tries("photos.saveMessagesPhoto"), timeout=60,
                           what="the photo saved (and refused)")
        await api.wait_for(lambda: [s for s in api.sent if "Photo day" in s["message"]]
                           or [t for t in chat_texts(api, VK_QUEUE) if "Photo day" in t],
                           timeout=60, what="the post, or the queue told")
        await settle(api, 4)
        posted = [s for s in api.sent_to(VK_CHAT) if "Photo day" in s["message"]]
        told = [t for t in chat_texts(api, VK_QUEUE) if "Photo day" in t]
        assert len(posted) + len(told) >= 1 and len(posted) <= 1, (posted, told)
        assert len(told) <= 1, told
        no_tracebacks(bot)
    finally:
        assert await bot.stop() == 0


# == Events the bot does not act on ===============================================================

async def test_group_join_leave_message_allow_and_typing_events_are_quietly_skipped(
        edge: EdgeVkApi, chatbot: BotProcess) -> None:
    api = edge
    api._event("group_join", {"user_id": VK_MEMBER, "join_type": "join"})
    api._event("group_leave", {"user_id": VK_OFFENDER, "self": 1})
    api._event("message_allow", {"user_id": VK_REPORTER, "key": ""})
    api._event("message_deny", {"user_id": VK_REPORTER})
    api._event("message_typing_state", {"state": "typing", "from_id": VK_MEMBER,
                                        "to_id": -VK_GROUP})
    api._event("like_add", {"liker_id": VK_MEMBER, "object_type": "post",
                            "object_owner_id": -VK_GROUP, "object_id": POST,
                            "thread_reply_id": 0, "post_id": 0})
    await api._notify()
    await api.member_writes(VK_CHAT, VK_MEMBER, "When are you open?")
    await api.wait_for(lambda: [s for s in api.sent if "9:00 to 21:00" in s["message"]],
                       timeout=60, what="the FAQ answer after the other events")
    await settle(api, 2)
    assert len(api.sent) == 1, api.sent
    no_tracebacks(chatbot)


# == The private dialog with the community ========================================================

async def test_private_faq_question_answered_in_the_dialog(
        edge: EdgeVkApi, chatbot: BotProcess) -> None:
    api = edge
    await api.allow_messages(VK_MEMBER)
    await api.member_writes(VK_MEMBER, VK_MEMBER, "Where can I park my car?")
    await api.wait_for(lambda: [s for s in api.sent_to(VK_MEMBER) if "Oak Street"
                                in s["message"]], timeout=60, what="the private answer")
    assert not api.sent_to(VK_CHAT)
    assert not [e for e in api.errors if e[1] == 901], api.errors
    no_tracebacks(chatbot)


async def test_private_middle_band_question_gets_did_you_mean_buttons_that_answer(
        edge: EdgeVkApi, chatbot: BotProcess) -> None:
    api = edge
    await api.member_writes(VK_MEMBER, VK_MEMBER, "when does the school open in the morning")
    await api.wait_for(lambda: [s for s in api.sent_to(VK_MEMBER) if s.get("keyboard")],
                       timeout=60, what="did-you-mean buttons")
    offer = next(s for s in api.sent_to(VK_MEMBER) if s.get("keyboard"))
    payloads = kb_payloads(offer)
    assert payloads, offer["keyboard"]
    board = json.loads(offer["keyboard"])
    labels = [b["action"].get("label", "") for row in board["buttons"] for b in row]
    assert all(len(label) <= 40 for label in labels), labels
    hours = [d for d, label in zip(payloads, labels, strict=False) if "open" in label.lower()]
    assert hours, labels
    await api.press(VK_MEMBER, offer["cmid"], VK_MEMBER, json.dumps({"d": hours[0]}))
    await api.wait_for(lambda: [s for s in api.sent_to(VK_MEMBER)
                                if "9:00 to 21:00" in s["message"]], timeout=30,
                       what="the answer after the press")
    no_tracebacks(chatbot)


async def test_private_report_becomes_a_ticket_with_one_private_acknowledgement(
        edge: EdgeVkApi, chatbot: BotProcess) -> None:
    api = edge
    await api.member_writes(VK_REPORTER, VK_REPORTER,
                            "/report Oleg keeps insulting parents in the school chat")
    await api.wait_for(lambda: api.sent_to(VK_QUEUE), timeout=30, what="the ticket card")
    card = chat_texts(api, VK_QUEUE)[0]
    assert "#1" in card and "insulting" in card, card
    await api.wait_for(lambda: api.sent_to(VK_REPORTER), timeout=30, what="the acknowledgement")
    await settle(api, 3)
    acks = chat_texts(api, VK_REPORTER)
    assert len(acks) == 1 and "#1" in acks[0], acks
    assert not api.sent_to(VK_CHAT)
    no_tracebacks(chatbot)


async def test_reporter_who_never_wrote_to_the_community_901_queue_is_told(
        edge: EdgeVkApi, chatbot: BotProcess) -> None:
    """VK refuses a private message to someone who never wrote to the community (901): the
    outcome notice cannot reach the reporter, and the queue must hear so, once."""
    api = edge
    spam = await api.member_writes(VK_CHAT, VK_OFFENDER, "Free iPhones, click vk.cc/abc")
    await api.member_writes(VK_CHAT, VK_REPORTER, "/report scam",
                            reply_to=spam["conversation_message_id"])
    await api.wait_for(lambda: api.sent_to(VK_QUEUE), timeout=30, what="the card")
    card = api.sent_to(VK_QUEUE)[0]
    resolve = next(d for d in kb_payloads(card) if d.startswith("t:resolve:"))
    await api.press(VK_QUEUE, card["cmid"], VK_MOD, json.dumps({"d": resolve}))
    told = lambda: [t for t in chat_texts(api, VK_QUEUE)[1:]  # noqa: E731
                    if "#1" in t and ("Rita" in t or "could not" in t.lower())]
    await api.wait_for(told, timeout=60, what="the queue told the reporter was not reached")
    await settle(api, 3)
    assert len(told()) == 1, chat_texts(api, VK_QUEUE)
    refused = [e for e in api.errors if e == ("messages.send", 901)]
    assert 1 <= len(refused) <= 3, api.errors
    no_tracebacks(chatbot)


async def test_private_report_in_two_steps_prompt_then_description(
        edge: EdgeVkApi, chatbot: BotProcess) -> None:
    api = edge
    await api.member_writes(VK_REPORTER, VK_REPORTER, "/report")
    await api.wait_for(lambda: api.sent_to(VK_REPORTER), timeout=30, what="the prompt")
    assert not api.sent_to(VK_QUEUE)
    await api.member_writes(VK_REPORTER, VK_REPORTER,
                            "Someone in the parents chat sends scam links every evening")
    await api.wait_for(lambda: api.sent_to(VK_QUEUE), timeout=30, what="the ticket card")
    assert "scam links" in chat_texts(api, VK_QUEUE)[0], chat_texts(api, VK_QUEUE)
    await api.wait_for(lambda: len(api.sent_to(VK_REPORTER)) >= 2, timeout=30, what="the ack")
    await settle(api, 2)
    texts = chat_texts(api, VK_REPORTER)
    assert len(texts) == 2 and "#1" in texts[1], texts
    no_tracebacks(chatbot)


# == Long texts ===================================================================================

async def test_warn_with_a_very_long_reason_is_delivered_within_4096(
        edge: EdgeVkApi, chatbot: BotProcess) -> None:
    api = edge
    target = await api.member_writes(VK_CHAT, VK_OFFENDER, "buy followers cheap")
    reason = "спам и реклама в чате, " * 170  # ~3,900 characters
    await api.member_writes(VK_CHAT, VK_ADMIN, "/warn " + reason.strip(),
                            reply_to=target["conversation_message_id"])
    await api.wait_for(lambda: api.sent_to(VK_CHAT) or [e for e in api.errors
                                                        if e[1] == 914],
                       timeout=30, what="the warning or VK's refusal")
    await settle(api, 2)
    assert not [e for e in api.errors if e[1] == 914], api.errors
    notice = chat_texts(api, VK_CHAT)[0]
    assert "Oleg" in notice and len(notice) <= 4096, len(notice)
    no_tracebacks(chatbot)


async def test_queue_listing_of_many_long_tickets_arrives_not_refused(
        edge: EdgeVkApi, chatbot: BotProcess) -> None:
    api = edge
    reporters = list(range(8601, 8613))
    spammers = list(range(8701, 8713))
    api.chats[VK_CHAT]["members"] |= set(reporters) | set(spammers)
    for n, (reporter, spammer) in enumerate(zip(reporters, spammers, strict=True)):
        api.names[reporter] = (f"Parent{n}", "Long")
        api.names[spammer] = (f"Spammer{n}", "Long")
        spam = await api.member_writes(
            VK_CHAT, spammer, f"#{n} " + "Заработок без вложений, пишите в личку! " * 25)
        await api.member_writes(VK_CHAT, reporter, "/report " + "спамит уже неделю " * 20,
                                reply_to=spam["conversation_message_id"])
    await api.wait_for(lambda: len([t for t in chat_texts(api, VK_QUEUE) if "#12" in t]) >= 1,
                       timeout=90, what="twelve cards")
    mark = len(api.sent_to(VK_QUEUE))
    await api.member_writes(VK_QUEUE, VK_MOD, "/queue")
    await api.wait_for(lambda: len(api.sent_to(VK_QUEUE)) > mark
                       or [e for e in api.errors if e[1] == 914], timeout=30,
                       what="the /queue listing")
    await settle(api, 2)
    assert not [e for e in api.errors if e[1] == 914], api.errors
    listing = chat_texts(api, VK_QUEUE)[mark:]
    joined = "\n".join(listing)
    assert re.search(r"#1\b", joined) and "12" in joined, listing
    assert all(len(t) <= 4096 for t in listing)
    no_tracebacks(chatbot)
