"""QA round 37: moderator commands on the wire, against a STRICT independent Bot API emulator.

`tests/test_qa33_foreign_emulator.py` (ForeignBotApi, BotProcess) and
`tests/test_qa34_foreign_deeper.py` (DeeperBotApi) carry a Bot API server written from the
public documentation only. This file imports them (never edits them) and subclasses the server
to check every parameter of the methods a moderator's command ends in exactly as
core.telegram.org/bots/api defines them:

- restrictChatMember: chat_id, user_id (Integer), permissions (ChatPermissions, a JSON object
  of documented Boolean fields), use_independent_chat_permissions (Boolean), until_date
  (Integer, Unix time; less than 30 s or more than 366 days away = forever);
- banChatMember: chat_id, user_id, until_date (Integer), revoke_messages (Boolean);
- unbanChatMember: chat_id, user_id, only_if_banned (Boolean);
- deleteMessage: chat_id, message_id (Integer); deleteMessages: message_ids (1-100 Integers);
- sendMessage: chat_id, text, message_thread_id (Integer), reply_parameters (ReplyParameters:
  message_id Integer, required), reply_markup …

A wrong type gets a 400 with Telegram's wording; an undocumented parameter is refused too (the
real server ignores it silently, which hides a typo: the emulator is stricter on purpose).
Each refusal is also recorded in `api.violations`, and every test asserts there were none.

The bot runs as an outsider runs it: `modbot run --config FILE` in a subprocess. Time is real;
waits are predicates on what the server saw, never fixed sleeps.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from test_qa33_foreign_emulator import (
    ADMIN,
    BOT_USERNAME,
    GROUP,
    MEMBER,
    OFFENDER,
    QUEUE,
    QUEUE_MOD,
    BotProcess,
    Call,
    Chat,
    no_tracebacks,
    write_config,
)
from test_qa34_foreign_deeper import DeeperBotApi

CO_ADMIN = 4101  # a second admin of GROUP (not the owner)
NOUSER = 5400  # a member without a @username: reachable by a text_mention only
ANON_BOT = {"id": 1087968824, "is_bot": True, "first_name": "Group",
            "username": "GroupAnonymousBot"}
CHANNEL_BOT = {"id": 136817688, "is_bot": True, "first_name": "Channel",
               "username": "Channel_Bot"}
FOREIGN_CHANNEL = {"id": -1001600000077, "type": "channel", "title": "Deals Channel"}
TOPIC = 77

# --------------------------------------------------------------------------------------------
# The documented parameters (core.telegram.org/bots/api)
# --------------------------------------------------------------------------------------------

INT, STR, BOOL, OBJ, ARR, CHAT = "Integer", "String", "Boolean", "Object", "Array", "ChatId"

PERMISSION_FIELDS = (
    "can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos",
    "can_send_videos", "can_send_video_notes", "can_send_voice_notes", "can_send_polls",
    "can_send_other_messages", "can_add_web_page_previews", "can_change_info",
    "can_invite_users", "can_pin_messages", "can_manage_topics",
)
SENDING_FIELDS = PERMISSION_FIELDS[:10]
REPLY_PARAMETER_FIELDS = {"message_id": INT, "chat_id": CHAT,
                          "allow_sending_without_reply": BOOL, "quote": STR,
                          "quote_parse_mode": STR, "quote_entities": ARR,
                          "quote_position": INT, "checklist_task_id": INT}

SPEC: dict[str, dict[str, tuple[str, bool]]] = {  # param -> (type, required)
    "restrictchatmember": {"chat_id": (CHAT, True), "user_id": (INT, True),
                           "permissions": (OBJ, True),
                           "use_independent_chat_permissions": (BOOL, False),
                           "until_date": (INT, False)},
    "banchatmember": {"chat_id": (CHAT, True), "user_id": (INT, True),
                      "until_date": (INT, False), "revoke_messages": (BOOL, False)},
    "unbanchatmember": {"chat_id": (CHAT, True), "user_id": (INT, True),
                        "only_if_banned": (BOOL, False)},
    "banchatsenderchat": {"chat_id": (CHAT, True), "sender_chat_id": (INT, True)},
    "unbanchatsenderchat": {"chat_id": (CHAT, True), "sender_chat_id": (INT, True)},
    "deletemessage": {"chat_id": (CHAT, True), "message_id": (INT, True)},
    "deletemessages": {"chat_id": (CHAT, True), "message_ids": (ARR, True)},
    "getchatmember": {"chat_id": (CHAT, True), "user_id": (INT, True)},
    "getchat": {"chat_id": (CHAT, True)},
    "getchatadministrators": {"chat_id": (CHAT, True)},
    "sendmessage": {"business_connection_id": (STR, False), "chat_id": (CHAT, True),
                    "message_thread_id": (INT, False), "direct_messages_topic_id": (INT, False),
                    "text": (STR, True), "parse_mode": (STR, False), "entities": (ARR, False),
                    "link_preview_options": (OBJ, False), "disable_notification": (BOOL, False),
                    "protect_content": (BOOL, False), "allow_paid_broadcast": (BOOL, False),
                    "message_effect_id": (STR, False),
                    "suggested_post_parameters": (OBJ, False),
                    "reply_parameters": (OBJ, False), "reply_markup": (OBJ, False)},
}

_PARAMS: Any = web.RequestKey("qa37_params", dict) if hasattr(web, "RequestKey") \
    else "qa37_params"
FOREVER_SHORT = 30
FOREVER_LONG = 366 * 86400


def _is_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and re.fullmatch(r"-?\d+", value) is not None


def _is_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    return isinstance(value, str) and value.lower() in ("true", "false", "1", "0")


def _as_bool(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("true", "1"))


class StrictBotApi(DeeperBotApi):
    """DeeperBotApi that checks every parameter of the moderation methods against the docs,
    and keeps what Telegram would: who is restricted with which rights, until when, and
    whether Telegram would read the date as "forever"."""

    JSON_FIELDS = (*DeeperBotApi.JSON_FIELDS, "message_ids")

    def __init__(self) -> None:
        super().__init__()
        self.violations: list[tuple[str, str]] = []
        self.chat_permissions: dict[int, dict[str, bool]] = {}
        self.forum: set[int] = set()
        self.restrictions: dict[tuple[int, int], dict[str, Any]] = {}
        self.forever: list[tuple[str, int, int]] = []  # (method, user, until) read as forever

    # -- checking ----------------------------------------------------------------------------
    def _check(self, method: str, params: dict[str, Any]) -> str | None:
        spec = SPEC.get(method.lower())
        if spec is None:
            return None
        for name in params:
            if name not in spec:
                return f'Bad Request: unknown parameter "{name}"'
        for name, (kind, required) in spec.items():
            value = params.get(name)
            if value is None or value == "":
                if required:
                    return f"Bad Request: {name} is empty"
                continue
            problem = self._type_problem(name, kind, value)
            if problem:
                return problem
        if method.lower() == "restrictchatmember":
            perms = params["permissions"]
            for key, flag in perms.items():
                if key not in PERMISSION_FIELDS or not isinstance(flag, bool):
                    return "Bad Request: can't parse permissions JSON object"
        if method.lower() == "sendmessage" and isinstance(params.get("reply_parameters"), dict):
            reply = params["reply_parameters"]
            if "message_id" not in reply:
                return "Bad Request: can't parse reply parameters JSON object"
            for key, value in reply.items():
                kind = REPLY_PARAMETER_FIELDS.get(key)
                if kind is None or self._type_problem(key, kind, value, raw_json=True):
                    return "Bad Request: can't parse reply parameters JSON object"
        if method.lower() == "deletemessages":
            ids = params["message_ids"]
            if not 1 <= len(ids) <= 100 or not all(isinstance(i, int) for i in ids):
                return "Bad Request: message_ids must be a non-empty array of at most 100 " \
                       "Integers"
        return None

    @staticmethod
    def _type_problem(name: str, kind: str, value: Any, *, raw_json: bool = False) -> str | None:
        if kind == INT and not (isinstance(value, int) and not isinstance(value, bool)
                                if raw_json else _is_int(value)):
            if name == "user_id":
                return "Bad Request: invalid user_id specified"
            return f'Bad Request: field "{name}" must be of type Integer'
        if kind == BOOL and not (isinstance(value, bool) if raw_json else _is_bool(value)):
            return f'Bad Request: field "{name}" must be of type Boolean'
        if kind == STR and not isinstance(value, str):
            return f'Bad Request: field "{name}" must be of type String'
        if kind == OBJ and not isinstance(value, dict):
            what = name.replace("_", " ")
            return f"Bad Request: can't parse {what} JSON object"
        if kind == ARR and not isinstance(value, list):
            return f'Bad Request: field "{name}" must be of type Array'
        if kind == CHAT and not (_is_int(value) or (isinstance(value, str)
                                                     and value.startswith("@"))):
            return "Bad Request: chat not found"
        return None

    async def _params(self, request: web.Request) -> dict[str, Any]:
        # the body can be read once: keep what was read for the handlers behind this one
        if _PARAMS not in request:
            request[_PARAMS] = await super()._params(request)
        return dict(request[_PARAMS])

    async def _http(self, request: web.Request) -> web.Response:
        match = re.fullmatch(r"/bot([^/]+)/([A-Za-z]+)", request.path)
        if match is not None and match.group(1) == self.token \
                and match.group(2).lower() in SPEC:
            method = match.group(2)
            params = await self._params(request)
            problem = self._check(method, params)
            if problem:
                self.violations.append((method, problem))
                self.errors.append((method, 400, problem))
                self.calls.append(Call(method, params, 400, time.monotonic()))
                await self._notify()
                return self._reply(400, {"ok": False, "error_code": 400,
                                         "description": problem})
        return await super()._http(request)  # aiohttp keeps the body read above

    async def wait_for(self, predicate: Any, timeout: float = 30.0, what: str = "") -> Any:
        try:
            return await super().wait_for(predicate, timeout, what)
        except AssertionError as error:
            raise AssertionError(f"{error}; refused: {self.errors[-5:]}") from None

    # -- what Telegram keeps -----------------------------------------------------------------
    def _forever(self, method: str, user_id: int, until: int) -> bool:
        if until == 0:
            return True
        away = until - time.time()
        if away < FOREVER_SHORT or away > FOREVER_LONG:
            self.forever.append((method, user_id, until))
            return True
        return False

    async def m_restrictchatmember(self, p: dict[str, Any]) -> Any:
        result = await super().m_restrictchatmember(p)
        chat_id, user_id = int(p["chat_id"]), int(p["user_id"])
        perms = {k: bool(p["permissions"].get(k, False)) for k in PERMISSION_FIELDS}
        until = int(p.get("until_date") or 0)
        if until:
            self._forever("restrictChatMember", user_id, until)
        if all(perms.values()):
            self.restrictions.pop((chat_id, user_id), None)  # "Pass True for all permissions
        else:                                                 #  to lift restrictions"
            self.restrictions[(chat_id, user_id)] = {**perms, "until_date": until}
        return result

    async def m_banchatmember(self, p: dict[str, Any]) -> Any:
        result = await super().m_banchatmember(p)
        until = int(p.get("until_date") or 0)
        if until:
            self._forever("banChatMember", int(p["user_id"]), until)
        return result

    async def m_deletemessages(self, p: dict[str, Any]) -> Any:
        chat = self._chat(p)
        self._need_admin(chat, "delete the message")
        for message_id in p["message_ids"]:
            key = (chat.id, int(message_id))
            if key in self.messages:
                self.deleted.add(key)
        return True

    async def m_banchatsenderchat(self, p: dict[str, Any]) -> Any:
        chat = self._chat(p)
        self._need_admin(chat, "restrict/unrestrict chat member")
        self.banned[(chat.id, int(p["sender_chat_id"]))] = 0
        return True

    async def m_getchat(self, p: dict[str, Any]) -> Any:
        info = await super().m_getchat(p)
        chat_id = int(p["chat_id"])
        if chat_id in self.chat_permissions:
            info["permissions"] = dict(self.chat_permissions[chat_id])
        if chat_id in self.forum:
            info["is_forum"] = True
        return info

    def _member(self, chat: Chat, user_id: int) -> dict[str, Any]:
        record = super()._member(chat, user_id)
        state = self.restrictions.get((chat.id, user_id))
        if record["status"] == "member" and state is not None:
            return {"status": "restricted", "user": record["user"], "is_member": True,
                    **{k: state[k] for k in PERMISSION_FIELDS},
                    "until_date": state["until_date"]}
        return record

    # -- the world ---------------------------------------------------------------------------
    async def post(self, chat_id: int, sender: dict[str, Any], text: str, *,
                   reply_to: int | None = None, thread: int | None = None,
                   entities: list[dict[str, Any]] | None = None,
                   **fields: Any) -> dict[str, Any]:
        """Any message, as Telegram delivers it: a command gets its bot_command entity."""
        extra: dict[str, Any] = {"text": text, **fields}
        found = list(entities or [])
        command = re.match(r"/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?", text)
        if command:
            found.insert(0, {"type": "bot_command", "offset": 0,
                             "length": len(command.group(0))})
        if found:
            extra["entities"] = found
        if reply_to is not None:
            replied = dict(self.messages[(chat_id, reply_to)])
            replied.pop("reply_to_message", None)
            extra["reply_to_message"] = replied
        if thread is not None:
            extra["message_thread_id"] = thread
            extra["is_topic_message"] = True
        message = self._store(chat_id, self._new_message(chat_id, sender, **extra))
        self._push("message", message)
        await self._notify()
        return message


# --------------------------------------------------------------------------------------------
# Fixtures and helpers
# --------------------------------------------------------------------------------------------

GROUP_DEFAULTS = {  # what the owner allows members in "Oak School Parents"
    "can_send_messages": True, "can_send_audios": True, "can_send_documents": True,
    "can_send_photos": True, "can_send_videos": True, "can_send_video_notes": True,
    "can_send_voice_notes": True, "can_send_polls": False, "can_send_other_messages": True,
    "can_add_web_page_previews": True, "can_change_info": False, "can_invite_users": False,
    "can_pin_messages": True, "can_manage_topics": False,
}


@pytest.fixture
async def strict() -> AsyncIterator[StrictBotApi]:
    api = await StrictBotApi().start()
    api.user(ADMIN, "Alice")  # the owner of GROUP
    api.user(CO_ADMIN, "Boris")
    api.user(QUEUE_MOD, "Quinn")
    api.supergroup(GROUP, "Oak School Parents", creator=ADMIN, admins=(CO_ADMIN,))
    api.supergroup(QUEUE, "Oak School Moderators", creator=QUEUE_MOD)
    api.chat_permissions[GROUP] = dict(GROUP_DEFAULTS)
    api.user(MEMBER, "Mary")
    api.user(OFFENDER, "Oscar", username="oscar_o")
    api.user(NOUSER, "Nadia")
    yield api
    await api.close()


async def running(api: StrictBotApi, tmp_path: Path, extra: str = "") -> BotProcess:
    """As round 33's `running`, with room for a loaded machine (the sentence encoder's first
    load can take a minute when other suites share the two cores)."""
    process = await BotProcess(write_config(tmp_path, api, extra=extra)).start()
    try:
        await api.wait_for(lambda: process.proc.returncode is not None  # type: ignore
                           or len(api.calls_to("getUpdates")) >= 2, timeout=300,
                           what="the bot to start polling")
    except AssertionError:
        await process.stop()
        raise AssertionError("the bot did not start polling:\n" + process.log()[-3000:]) \
            from None
    assert process.proc.returncode is None, process.log()[-3000:]  # type: ignore
    return process


@pytest.fixture
async def bot(strict: StrictBotApi, tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = await running(strict, tmp_path)
    yield process
    code = await process.stop()
    assert code == 0, "modbot run did not stop cleanly:\n" + process.log()[-3000:]


@pytest.fixture
async def audited(strict: StrictBotApi, tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = await running(strict, tmp_path, extra="audit = true\n")
    yield process
    code = await process.stop()
    assert code == 0, "modbot run did not stop cleanly:\n" + process.log()[-3000:]


def who(api: StrictBotApi, user_id: int) -> dict[str, Any]:
    return api.users[user_id]


async def settle(api: StrictBotApi, polls: int = 3) -> None:
    mark = len(api.calls_to("getUpdates"))
    await api.wait_for(lambda: len(api.calls_to("getUpdates")) >= mark + polls, timeout=30,
                       what="more polls")


def replies_to(api: StrictBotApi, chat_id: int, message_id: int) -> list[dict[str, Any]]:
    return [m for m in api.bot_messages(chat_id)
            if (m.get("reply_to_message") or {}).get("message_id") == message_id]


async def reply_to(api: StrictBotApi, chat_id: int, command: dict[str, Any],
                   what: str = "the bot's reply") -> dict[str, Any]:
    found = await api.wait_for(lambda: replies_to(api, chat_id, command["message_id"]),
                               timeout=30, what=what)
    return found[-1]


def clean(api: StrictBotApi, bot: BotProcess) -> None:
    assert api.violations == [], api.violations
    assert api.unknown_methods == [], api.unknown_methods
    no_tracebacks(bot)


def oscar(text: str) -> bool:
    return "Oscar" in text or "@oscar_o" in text


def near(value: int, target: float, slack: float = 60) -> bool:
    return abs(value - target) <= slack


def restricts(api: StrictBotApi, user_id: int) -> list[Call]:
    return [c for c in api.calls_to("restrictChatMember") if int(c.params["user_id"]) == user_id]


def bans(api: StrictBotApi, user_id: int) -> list[Call]:
    return [c for c in api.calls_to("banChatMember") if int(c.params["user_id"]) == user_id]


def member_actions(api: StrictBotApi) -> list[Call]:
    return [c for c in api.calls if c.method.lower() in (
        "restrictchatmember", "banchatmember", "banchatsenderchat", "unbanchatmember")]


def assert_mute_call(call: Call, user_id: int, seconds: float) -> None:
    p = call.params
    assert int(p["chat_id"]) == GROUP and int(p["user_id"]) == user_id, p
    perms = p["permissions"]
    assert isinstance(perms, dict), p
    closed = {k: perms.get(k) for k in SENDING_FIELDS}
    assert all(v is False for v in closed.values()), closed
    assert _as_bool(p.get("use_independent_chat_permissions")), \
        f"use_independent_chat_permissions not set: {p}"
    until = p.get("until_date")
    assert until is not None and _is_int(until), f"until_date must be a Unix time: {p}"
    assert near(int(until), time.time() + seconds), (int(until) - time.time(), seconds)


# --------------------------------------------------------------------------------------------
# Warnings
# --------------------------------------------------------------------------------------------

async def test_warn_with_reason_in_reply_then_warns_lists_it(
        strict: StrictBotApi, bot: BotProcess) -> None:
    api = strict
    target = await api.post(GROUP, who(api, OFFENDER), "buy cheap followers at my site")
    warn = await api.post(GROUP, who(api, ADMIN), "/warn spam links",
                          reply_to=target["message_id"])
    notice = await reply_to(api, GROUP, warn, "the /warn notice")
    assert oscar(notice["text"]) and "spam links" in notice["text"], notice["text"]
    assert "1 of" in notice["text"], notice["text"]
    listing = await api.post(GROUP, who(api, ADMIN), "/warns", reply_to=target["message_id"])
    answer = await reply_to(api, GROUP, listing, "the /warns list")
    assert "spam links" in answer["text"], answer["text"]
    assert not member_actions(api), "a first warning is a warning only"
    assert (GROUP, target["message_id"]) not in api.deleted, "/warn keeps the evidence"
    send = api.calls_to("sendMessage", chat_id=GROUP)[0]
    assert isinstance(send.params.get("reply_parameters"), dict), send.params
    clean(api, bot)


async def test_unwarn_takes_back_the_latest_warning(strict: StrictBotApi,
                                                    bot: BotProcess) -> None:
    api = strict
    target = await api.post(GROUP, who(api, OFFENDER), "join my crypto channel")
    warn = await api.post(GROUP, who(api, ADMIN), "/warn advertising",
                          reply_to=target["message_id"])
    await reply_to(api, GROUP, warn)
    unwarn = await api.post(GROUP, who(api, ADMIN), "/unwarn", reply_to=target["message_id"])
    answer = await reply_to(api, GROUP, unwarn, "the /unwarn answer")
    assert oscar(answer["text"]) and "0" in answer["text"], answer["text"]
    listing = await api.post(GROUP, who(api, ADMIN), "/warns", reply_to=target["message_id"])
    answer = await reply_to(api, GROUP, listing)
    assert "advertising" not in answer["text"], answer["text"]
    clean(api, bot)


async def test_rmwarn_roses_name_for_unwarn_is_not_met_with_silence(
        strict: StrictBotApi, bot: BotProcess) -> None:
    """Rose's command is /rmwarn. At 2 a.m. a moderator types it: it should take the warning
    back (as /unwarn) or at least answer with the command that does."""
    api = strict
    target = await api.post(GROUP, who(api, OFFENDER), "join my crypto channel")
    warn = await api.post(GROUP, who(api, ADMIN), "/warn advertising",
                          reply_to=target["message_id"])
    await reply_to(api, GROUP, warn)
    rm = await api.post(GROUP, who(api, ADMIN), "/rmwarn", reply_to=target["message_id"])
    await settle(api, 4)
    answers = replies_to(api, GROUP, rm["message_id"])
    assert answers, "no answer at all to /rmwarn"
    assert "/unwarn" in answers[-1]["text"] or "Removed" in answers[-1]["text"], answers
    clean(api, bot)


async def test_resetwarns_takes_back_every_warning(strict: StrictBotApi,
                                                   bot: BotProcess) -> None:
    api = strict
    target = await api.post(GROUP, who(api, OFFENDER), "follow my page for free gifts")
    first = await api.post(GROUP, who(api, ADMIN), "/warn ads", reply_to=target["message_id"])
    await reply_to(api, GROUP, first)
    second = await api.post(GROUP, who(api, ADMIN), "/warn ads again",
                            reply_to=target["message_id"])
    await reply_to(api, GROUP, second)  # the ladder: the 2nd warning is a 1h mute
    reset = await api.post(GROUP, who(api, ADMIN), "/resetwarns",
                           reply_to=target["message_id"])
    answer = await reply_to(api, GROUP, reset, "the /resetwarns answer")
    assert oscar(answer["text"]) and "2" in answer["text"], answer["text"]
    listing = await api.post(GROUP, who(api, OFFENDER), "/warns")
    answer = await reply_to(api, GROUP, listing)
    assert "no active warnings" in answer["text"], answer["text"]
    clean(api, bot)


# --------------------------------------------------------------------------------------------
# Mutes
# --------------------------------------------------------------------------------------------

async def test_mute_10m_with_reason_sends_documented_parameters(
        strict: StrictBotApi, bot: BotProcess) -> None:
    api = strict
    target = await api.post(GROUP, who(api, OFFENDER), "BUY BUY BUY")
    mute = await api.post(GROUP, who(api, ADMIN), "/mute 10m caps spam",
                          reply_to=target["message_id"])
    await api.wait_for(lambda: restricts(api, OFFENDER), what="restrictChatMember")
    assert_mute_call(restricts(api, OFFENDER)[0], OFFENDER, 600)
    notice = await reply_to(api, GROUP, mute, "the mute notice")
    assert oscar(notice["text"]) and "caps spam" in notice["text"], notice["text"]
    assert not api.forever, api.forever
    member = api._member(api.chats[GROUP], OFFENDER)
    assert member["status"] == "restricted" and member["can_send_messages"] is False
    clean(api, bot)


async def test_mute_2h_lasts_two_hours(strict: StrictBotApi, bot: BotProcess) -> None:
    api = strict
    target = await api.post(GROUP, who(api, OFFENDER), "spam spam")
    await api.post(GROUP, who(api, ADMIN), "/mute 2h", reply_to=target["message_id"])
    await api.wait_for(lambda: restricts(api, OFFENDER), what="restrictChatMember")
    assert_mute_call(restricts(api, OFFENDER)[0], OFFENDER, 7200)
    assert not api.forever, api.forever
    clean(api, bot)


async def test_mute_without_duration_is_the_default_hour(strict: StrictBotApi,
                                                         bot: BotProcess) -> None:
    api = strict
    target = await api.post(GROUP, who(api, OFFENDER), "spam spam")
    mute = await api.post(GROUP, who(api, ADMIN), "/mute", reply_to=target["message_id"])
    await api.wait_for(lambda: restricts(api, OFFENDER), what="restrictChatMember")
    assert_mute_call(restricts(api, OFFENDER)[0], OFFENDER, 3600)
    await reply_to(api, GROUP, mute)
    assert not api.forever, api.forever
    clean(api, bot)


async def test_unmute_restores_what_the_chat_allows_not_more_not_less(
        strict: StrictBotApi, bot: BotProcess) -> None:
    """The owner does not let members send polls or invite people, but lets them pin.
    After /unmute the member must be back to the chat's own permissions (getChat): either the
    bot passes exactly those, or it passes True for every permission, which the docs say
    lifts the restriction (the member then has the chat's defaults). Passing a partial object
    leaves the member restricted: every omitted right is read as False."""
    api = strict
    target = await api.post(GROUP, who(api, OFFENDER), "spam spam")
    mute = await api.post(GROUP, who(api, ADMIN), "/mute 10m", reply_to=target["message_id"])
    await reply_to(api, GROUP, mute)
    unmute = await api.post(GROUP, who(api, ADMIN), "/unmute", reply_to=target["message_id"])
    await api.wait_for(lambda: len(restricts(api, OFFENDER)) >= 2, what="the unmute call")
    await reply_to(api, GROUP, unmute, "the unmute notice")
    sent = restricts(api, OFFENDER)[1].params["permissions"]
    granted = {k: bool(sent.get(k, False)) for k in PERMISSION_FIELDS}
    lifted = all(granted.values())
    assert lifted or granted == GROUP_DEFAULTS, {
        k: (granted[k], GROUP_DEFAULTS[k]) for k in PERMISSION_FIELDS
        if granted[k] != GROUP_DEFAULTS[k]}
    member = api._member(api.chats[GROUP], OFFENDER)
    assert member["status"] == "member", member
    clean(api, bot)


# --------------------------------------------------------------------------------------------
# Bans, kicks, deletes
# --------------------------------------------------------------------------------------------

async def test_ban_without_duration_is_permanent(strict: StrictBotApi, bot: BotProcess) -> None:
    api = strict
    target = await api.post(GROUP, who(api, OFFENDER), "selling accounts, PM me")
    ban = await api.post(GROUP, who(api, ADMIN), "/ban scam", reply_to=target["message_id"])
    await api.wait_for(lambda: bans(api, OFFENDER), what="banChatMember")
    p = bans(api, OFFENDER)[0].params
    assert int(p["chat_id"]) == GROUP
    assert int(p.get("until_date") or 0) == 0, p
    notice = await reply_to(api, GROUP, ban)
    assert oscar(notice["text"]), notice["text"]
    assert api.banned.get((GROUP, OFFENDER)) == 0
    clean(api, bot)


async def test_ban_1d_ends_in_a_day(strict: StrictBotApi, bot: BotProcess) -> None:
    api = strict
    target = await api.post(GROUP, who(api, OFFENDER), "selling accounts, PM me")
    await api.post(GROUP, who(api, ADMIN), "/ban 1d flooding", reply_to=target["message_id"])
    await api.wait_for(lambda: bans(api, OFFENDER), what="banChatMember")
    p = bans(api, OFFENDER)[0].params
    assert p.get("until_date") is not None and _is_int(p["until_date"]), p
    assert near(int(p["until_date"]), time.time() + 86400), int(p["until_date"]) - time.time()
    assert not api.forever, api.forever
    clean(api, bot)


async def test_unban_lifts_the_ban_with_only_if_banned(strict: StrictBotApi,
                                                       bot: BotProcess) -> None:
    api = strict
    target = await api.post(GROUP, who(api, OFFENDER), "selling accounts, PM me")
    ban = await api.post(GROUP, who(api, ADMIN), "/ban", reply_to=target["message_id"])
    await reply_to(api, GROUP, ban)
    unban = await api.post(GROUP, who(api, ADMIN), f"/unban {OFFENDER}")
    await api.wait_for(lambda: api.calls_to("unbanChatMember"), what="unbanChatMember")
    p = api.calls_to("unbanChatMember")[0].params
    assert int(p["user_id"]) == OFFENDER and _as_bool(p.get("only_if_banned")), p
    assert (GROUP, OFFENDER) not in api.banned
    answer = await reply_to(api, GROUP, unban)
    assert "unbanned" in answer["text"], answer["text"]
    clean(api, bot)


async def test_kick_removes_and_lets_them_come_back(strict: StrictBotApi,
                                                    bot: BotProcess) -> None:
    api = strict
    target = await api.post(GROUP, who(api, OFFENDER), "selling accounts, PM me")
    kick = await api.post(GROUP, who(api, ADMIN), "/kick rude",
                          reply_to=target["message_id"])
    await api.wait_for(lambda: api.calls_to("unbanChatMember"), what="the unban half")
    assert bans(api, OFFENDER), "a kick is a ban lifted at once"
    assert (GROUP, OFFENDER) not in api.banned, "the member may come back"
    p = api.calls_to("unbanChatMember")[0].params
    assert _as_bool(p.get("only_if_banned")), p
    notice = await reply_to(api, GROUP, kick)
    assert oscar(notice["text"]), notice["text"]
    clean(api, bot)


async def test_del_deletes_the_replied_message(strict: StrictBotApi, bot: BotProcess) -> None:
    api = strict
    target = await api.post(GROUP, who(api, OFFENDER), "here is my phone number 555-0199")
    await api.post(GROUP, who(api, ADMIN), "/del", reply_to=target["message_id"])
    await api.wait_for(lambda: (GROUP, target["message_id"]) in api.deleted,
                       what="the replied message deleted")
    assert not member_actions(api)
    clean(api, bot)


async def test_purge_roses_bulk_delete_is_not_met_with_silence(
        strict: StrictBotApi, bot: BotProcess) -> None:
    """Rose's /purge (in reply: delete from there to now). modbot offers /del; a moderator
    typing /purge should get the messages deleted or be pointed to /del, not silence."""
    api = strict
    first = await api.post(GROUP, who(api, OFFENDER), "spam 1")
    await api.post(GROUP, who(api, OFFENDER), "spam 2 with different words")
    purge = await api.post(GROUP, who(api, ADMIN), "/purge", reply_to=first["message_id"])
    await settle(api, 4)
    answered = replies_to(api, GROUP, purge["message_id"])
    acted = (GROUP, first["message_id"]) in api.deleted
    assert acted or (answered and "/del" in answered[-1]["text"]), \
        (api.bot_texts(GROUP), sorted(api.deleted))
    clean(api, bot)


# --------------------------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------------------------

async def test_mute_by_numeric_id_without_reply(strict: StrictBotApi, bot: BotProcess) -> None:
    api = strict
    await api.post(GROUP, who(api, OFFENDER), "hello")
    command = await api.post(GROUP, who(api, ADMIN), f"/mute 10m {OFFENDER} spam")
    await api.wait_for(lambda: restricts(api, OFFENDER), what="restrictChatMember")
    assert_mute_call(restricts(api, OFFENDER)[0], OFFENDER, 600)
    await reply_to(api, GROUP, command)
    clean(api, bot)


async def test_ban_by_username_of_a_member_seen_before(strict: StrictBotApi,
                                                       bot: BotProcess) -> None:
    api = strict
    await api.post(GROUP, who(api, OFFENDER), "hello everyone")
    await api.post(GROUP, who(api, MEMBER), "hi Oscar")
    command = await api.post(GROUP, who(api, ADMIN), "/ban @oscar_o scam")
    await api.wait_for(lambda: bans(api, OFFENDER), what="banChatMember for @oscar_o")
    assert not bans(api, MEMBER)
    await reply_to(api, GROUP, command)
    clean(api, bot)


async def test_mute_by_text_mention_of_a_member_without_username(
        strict: StrictBotApi, bot: BotProcess) -> None:
    """Telegram's clients insert a text_mention (the user inside the entity) when the member
    has no @username; the command must reach that member."""
    api = strict
    await api.post(GROUP, who(api, NOUSER), "cheap watches, write me")
    text = "/mute 10m Nadia spam"
    command = await api.post(GROUP, who(api, ADMIN), text, entities=[
        {"type": "text_mention", "offset": text.index("Nadia"), "length": 5,
         "user": who(api, NOUSER)}])
    await api.wait_for(lambda: restricts(api, NOUSER) or replies_to(api, GROUP,
                                                                    command["message_id"]),
                       what="the mute or an answer")
    await settle(api)
    assert restricts(api, NOUSER), api.bot_texts(GROUP)
    assert_mute_call(restricts(api, NOUSER)[0], NOUSER, 600)
    clean(api, bot)


async def test_mute_by_text_mention_target_first(strict: StrictBotApi,
                                                 bot: BotProcess) -> None:
    """The same text mention with the target before the duration (README: either order)."""
    api = strict
    await api.post(GROUP, who(api, NOUSER), "cheap watches, write me")
    text = "/mute Nadia 10m spam"
    command = await api.post(GROUP, who(api, ADMIN), text, entities=[
        {"type": "text_mention", "offset": text.index("Nadia"), "length": 5,
         "user": who(api, NOUSER)}])
    await api.wait_for(lambda: restricts(api, NOUSER) or replies_to(api, GROUP,
                                                                    command["message_id"]),
                       what="the mute or an answer")
    await settle(api)
    assert restricts(api, NOUSER), api.bot_texts(GROUP)
    assert_mute_call(restricts(api, NOUSER)[0], NOUSER, 600)
    clean(api, bot)


async def test_command_addressed_to_this_bot_works_to_another_bot_is_ignored(
        strict: StrictBotApi, bot: BotProcess) -> None:
    api = strict
    target = await api.post(GROUP, who(api, OFFENDER), "spam spam")
    other = await api.post(GROUP, who(api, ADMIN), "/warn@combot spam",
                           reply_to=target["message_id"])
    mine = await api.post(GROUP, who(api, ADMIN), f"/warn@{BOT_USERNAME} spam",
                          reply_to=target["message_id"])
    notice = await reply_to(api, GROUP, mine, "the answer to /warn@BotName")
    assert oscar(notice["text"]) and "1 of" in notice["text"], notice["text"]
    await settle(api)
    assert not replies_to(api, GROUP, other["message_id"]), api.bot_texts(GROUP)
    clean(api, bot)


@pytest.mark.parametrize("case", ["bot_itself", "another_admin", "chat_owner",
                                  "anonymous_admin"])
async def test_mistaken_target_is_refused_with_a_clear_reply(
        strict: StrictBotApi, bot: BotProcess, case: str) -> None:
    api = strict
    actor = ADMIN
    if case == "bot_itself":
        command = await api.post(GROUP, who(api, actor), f"/ban @{BOT_USERNAME}")
    elif case == "another_admin":
        target = await api.post(GROUP, who(api, CO_ADMIN), "I disagree with the rules")
        command = await api.post(GROUP, who(api, actor), "/ban",
                                 reply_to=target["message_id"])
    elif case == "chat_owner":
        actor = CO_ADMIN
        target = await api.post(GROUP, who(api, ADMIN), "Meeting moved to Friday")
        command = await api.post(GROUP, who(api, actor), "/mute 1h",
                                 reply_to=target["message_id"])
    else:
        target = await api.post(GROUP, ANON_BOT, "Reminder: be kind",
                                sender_chat=api.chats[GROUP].short())
        command = await api.post(GROUP, who(api, actor), "/ban",
                                 reply_to=target["message_id"])
    answer = await reply_to(api, GROUP, command, "the refusal")
    await settle(api)
    assert not member_actions(api), [(c.method, c.params) for c in member_actions(api)]
    assert not [e for e in api.errors if e[0] != "getUpdates"], api.errors
    text = answer["text"].lower()
    assert "banned" not in text.replace("can't be banned", "").replace(
        "cannot be banned", "") and "muted for" not in text, answer["text"]
    clean(api, bot)


# --------------------------------------------------------------------------------------------
# Where the command comes from
# --------------------------------------------------------------------------------------------

async def test_command_in_a_forum_topic_is_answered_in_that_topic(
        strict: StrictBotApi, bot: BotProcess) -> None:
    api = strict
    api.forum.add(GROUP)
    target = await api.post(GROUP, who(api, OFFENDER), "spam in the topic", thread=TOPIC)
    command = await api.post(GROUP, who(api, ADMIN), "/mute 10m spam",
                             reply_to=target["message_id"], thread=TOPIC)
    await api.wait_for(lambda: restricts(api, OFFENDER), what="the mute")
    await reply_to(api, GROUP, command)
    sends = api.calls_to("sendMessage", chat_id=GROUP)
    assert sends, api.calls
    for send in sends:
        assert str(send.params.get("message_thread_id")) == str(TOPIC), send.params
    clean(api, bot)


async def test_forwarded_ban_command_is_a_quote_not_an_order(
        strict: StrictBotApi, bot: BotProcess) -> None:
    """A member forwards an admin's old "/ban 5200" (forward_origin names the admin)."""
    api = strict
    await api.post(GROUP, who(api, OFFENDER), "hello")
    await api.post(GROUP, who(api, MEMBER), f"/ban {OFFENDER}",
                   forward_origin={"type": "user", "sender_user": who(api, ADMIN),
                                   "date": int(time.time()) - 3600})
    await api.post(GROUP, who(api, ADMIN), f"/ban {OFFENDER}",
                   forward_origin={"type": "user", "sender_user": who(api, ADMIN),
                                   "date": int(time.time()) - 3600})
    await settle(api, 4)
    assert not member_actions(api), [(c.method, c.params) for c in member_actions(api)]
    clean(api, bot)


async def test_command_posted_as_a_channel_is_refused(strict: StrictBotApi,
                                                      bot: BotProcess) -> None:
    api = strict
    target = await api.post(GROUP, who(api, OFFENDER), "hello")
    await api.post(GROUP, CHANNEL_BOT, "/ban", reply_to=target["message_id"],
                   sender_chat=FOREIGN_CHANNEL)
    await settle(api, 4)
    assert not member_actions(api), [(c.method, c.params) for c in member_actions(api)]
    clean(api, bot)


# --------------------------------------------------------------------------------------------
# Audit
# --------------------------------------------------------------------------------------------

async def test_audit_line_in_the_queue_names_who_did_what_to_whom_where(
        strict: StrictBotApi, audited: BotProcess) -> None:
    api = strict
    target = await api.post(GROUP, who(api, OFFENDER), "selling accounts, PM me")
    await api.post(GROUP, who(api, CO_ADMIN), "/mute 2h scam", reply_to=target["message_id"])
    await api.wait_for(lambda: [t for t in api.bot_texts(QUEUE) if "Audit" in t],
                       what="the audit line in the queue")
    line = next(t for t in api.bot_texts(QUEUE) if "Audit" in t)
    assert "mute" in line and "Boris" in line and f"telegram:{CO_ADMIN}" in line, line
    assert oscar(line) and f"telegram:{OFFENDER}" in line, line
    assert "Oak School Parents" in line and "scam" in line, line
    assert "@oscar_o" not in line, line
    clean(api, audited)


async def test_audit_of_unmute_and_unban_names_the_moderator(
        strict: StrictBotApi, audited: BotProcess) -> None:
    api = strict
    target = await api.post(GROUP, who(api, OFFENDER), "selling accounts, PM me")
    mute = await api.post(GROUP, who(api, ADMIN), "/mute 10m", reply_to=target["message_id"])
    await reply_to(api, GROUP, mute)
    unmute = await api.post(GROUP, who(api, CO_ADMIN), "/unmute",
                            reply_to=target["message_id"])
    await reply_to(api, GROUP, unmute)
    await api.wait_for(lambda: [t for t in api.bot_texts(QUEUE) if "unmute" in t],
                       what="the unmute audit line")
    line = next(t for t in api.bot_texts(QUEUE) if "unmute" in t)
    assert "Boris" in line and oscar(line), line
    clean(api, audited)
