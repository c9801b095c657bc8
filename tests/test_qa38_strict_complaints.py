"""QA round 38: the complaint queue on the wire, against a STRICT independent Bot API emulator.

Builds on round 37's `StrictBotApi` (tests/test_qa37_strict_commands.py), itself built on the
foreign emulators of rounds 33/34 (written from the public Bot API documentation only). This
file imports them (never edits them) and extends the strictness to the methods a ticket goes
through, exactly as core.telegram.org/bots/api defines them:

- sendMessage: text 1-4096 characters; reply_markup an InlineKeyboardMarkup whose buttons have
  a non-empty `text` and exactly one action field, `callback_data` 1-64 BYTES (UTF-8);
  parse_mode, if used, one of HTML / MarkdownV2 / Markdown and the text parseable in it;
- editMessageText: chat_id + message_id, or inline_message_id (never both, never neither);
  text 1-4096 characters; identical content is "message is not modified" (round 33's server);
- editMessageReplyMarkup: the same addressing, reply_markup an InlineKeyboardMarkup;
- answerCallbackQuery: callback_query_id of a query that exists and was not answered yet,
  text 0-200 characters, show_alert Boolean, cache_time Integer; a query answered after its
  lifetime (QUERY_LIFETIME seconds) is "query is too old and response timeout expired";
- deleteMessage, banChatMember: round 37's checks.

A refusal is Telegram's 400, also recorded in `api.violations`; every test asserts there were
none, that every press was answered exactly once, and that the bot logged no traceback.

The bot runs as an outsider runs it: `modbot run --config FILE` in a subprocess. Time is real;
waits are predicates on what the server saw (generous timeouts for a loaded machine).
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
    GROUP,
    MEMBER,
    OFFENDER,
    QUEUE,
    QUEUE_MOD,
    REPORTER,
    ApiError,
    BotProcess,
    Call,
    no_tracebacks,
)
from test_qa37_strict_commands import (
    ARR,
    BOOL,
    CHAT,
    GROUP_DEFAULTS,
    INT,
    OBJ,
    STR,
    StrictBotApi,
    _as_bool,
    running,
)

CO_ADMIN = 4101  # a second admin of GROUP (a moderator in the queue chat too)
WITNESS = 5500  # a second reporter
LURKER = 5600  # a member of the queue chat who is no moderator
QUERY_LIFETIME = 15.0  # seconds a callback query may wait for its answer

BUTTON_ACTIONS = ("url", "callback_data", "web_app", "login_url", "switch_inline_query",
                  "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
                  "copy_text", "callback_game", "pay")
BUTTON_FIELDS = ("text", "icon_custom_emoji_id", "style", *BUTTON_ACTIONS)
PARSE_MODES = ("HTML", "MarkdownV2", "Markdown")

TICKET_SPEC: dict[str, dict[str, tuple[str, bool]]] = {
    "editmessagetext": {"business_connection_id": (STR, False), "chat_id": (CHAT, False),
                        "message_id": (INT, False), "inline_message_id": (STR, False),
                        "text": (STR, True), "parse_mode": (STR, False),
                        "entities": (ARR, False), "link_preview_options": (OBJ, False),
                        "reply_markup": (OBJ, False)},
    "editmessagereplymarkup": {"business_connection_id": (STR, False),
                               "chat_id": (CHAT, False), "message_id": (INT, False),
                               "inline_message_id": (STR, False),
                               "reply_markup": (OBJ, False)},
    "answercallbackquery": {"callback_query_id": (STR, True), "text": (STR, False),
                            "show_alert": (BOOL, False), "url": (STR, False),
                            "cache_time": (INT, False)},
}


def markup_problem(markup: Any) -> str | None:
    """InlineKeyboardMarkup as the docs define it (Array of Array of InlineKeyboardButton)."""
    if not isinstance(markup, dict):
        return "Bad Request: can't parse reply keyboard markup JSON object"
    if "inline_keyboard" not in markup:
        if set(markup) & {"keyboard", "remove_keyboard", "force_reply"}:
            return None
        return "Bad Request: can't parse reply keyboard markup JSON object"
    if set(markup) != {"inline_keyboard"}:
        return f"Bad Request: unknown InlineKeyboardMarkup fields {sorted(set(markup))}"
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        return "Bad Request: field \"inline_keyboard\" must be an Array of Arrays"
    for row in rows:
        if not row:
            return "Bad Request: an inline keyboard row is empty"
        for button in row:
            if not isinstance(button, dict):
                return "Bad Request: can't parse inline keyboard button"
            unknown = set(button) - set(BUTTON_FIELDS)
            if unknown:
                return f"Bad Request: unknown InlineKeyboardButton fields {sorted(unknown)}"
            text = button.get("text")
            if not isinstance(text, str) or not text.strip():
                return "Bad Request: BUTTON_TEXT_EMPTY"
            actions = [k for k in BUTTON_ACTIONS if k in button]
            if len(actions) != 1:
                return ("Bad Request: can't parse inline keyboard button: exactly one of the "
                        f"optional fields must be used, got {actions}")
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
                    return "Bad Request: BUTTON_DATA_INVALID"
    return None


_HTML_TAG = re.compile(r"</?([a-zA-Z-]+)(\s[^<>]*)?>")
_HTML_OK = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
            "a", "tg-emoji", "code", "pre", "blockquote", "tg-time"}
_MDV2_SPECIAL = set("_*[]()~`>#+-=|{}.!")


def parse_problem(text: str, mode: Any) -> str | None:
    """Formatting options: what Telegram refuses with "can't parse entities"."""
    if mode in (None, ""):
        return None
    if mode not in PARSE_MODES:
        return f"Bad Request: unsupported parse_mode {mode!r}"
    if mode == "HTML":
        for match in re.finditer(r"<", text):
            tag = _HTML_TAG.match(text, match.start())
            if tag is None or tag.group(1).lower() not in _HTML_OK:
                return ("Bad Request: can't parse entities: Unsupported start tag at byte "
                        f"offset {match.start()}")
        if re.search(r"&(?!(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", text):
            return "Bad Request: can't parse entities: unescaped &"
    if mode == "MarkdownV2":
        escaped = False
        for char in text:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char in _MDV2_SPECIAL:
                return (f"Bad Request: can't parse entities: Character '{char}' is reserved "
                        "and must be escaped with the preceding '\\'")
    return None


class TicketBotApi(StrictBotApi):
    """StrictBotApi plus the methods a ticket's card, buttons and notices go through."""

    def __init__(self) -> None:
        super().__init__()
        # query id -> {"at", "user", "data", "message", "answers": [(params, at)]}
        self.queries: dict[str, dict[str, Any]] = {}

    # -- checking ----------------------------------------------------------------------------
    def _ticket_check(self, method: str, params: dict[str, Any]) -> str | None:
        name = method.lower()
        if name == "sendmessage":
            text = params.get("text")
            if isinstance(text, str) and len(text) > 4096:
                return "Bad Request: message is too long"
            if "reply_markup" in params and params["reply_markup"] is not None:
                problem = markup_problem(params["reply_markup"])
                if problem:
                    return problem
            return parse_problem(str(text or ""), params.get("parse_mode"))
        spec = TICKET_SPEC.get(name)
        if spec is None:
            return None
        for key in params:
            if key not in spec:
                return f'Bad Request: unknown parameter "{key}"'
        for key, (kind, required) in spec.items():
            value = params.get(key)
            if value is None or value == "":
                if required:
                    return f"Bad Request: {key} is empty"
                continue
            problem = self._type_problem(key, kind, value)
            if problem:
                return problem
        if name in ("editmessagetext", "editmessagereplymarkup"):
            inline = params.get("inline_message_id") not in (None, "")
            direct = [params.get(k) not in (None, "") for k in ("chat_id", "message_id")]
            if inline and any(direct):
                return "Bad Request: pass either inline_message_id or chat_id and message_id"
            if not inline and not all(direct):
                return "Bad Request: message identifier is not specified"
            if params.get("reply_markup") is not None:
                problem = markup_problem(params["reply_markup"])
                if problem:
                    return problem
        if name == "editmessagetext":
            text = str(params.get("text") or "")
            if not text.strip():
                return "Bad Request: text must be non-empty"
            if len(text) > 4096:
                return "Bad Request: MESSAGE_TOO_LONG"
            return parse_problem(text, params.get("parse_mode"))
        if name == "answercallbackquery":
            text = params.get("text")
            if text is not None and len(str(text)) > 200:
                return "Bad Request: MESSAGE_TOO_LONG"
        return None

    async def _http(self, request: web.Request) -> web.Response:
        match = re.fullmatch(r"/bot([^/]+)/([A-Za-z]+)", request.path)
        if match is not None and match.group(1) == self.token and (
                match.group(2).lower() in TICKET_SPEC or match.group(2).lower() == "sendmessage"):
            method = match.group(2)
            params = await self._params(request)
            problem = self._ticket_check(method, params)
            if problem:
                self.violations.append((method, problem))
                self.errors.append((method, 400, problem))
                self.calls.append(Call(method, params, 400, time.monotonic()))
                await self._notify()
                return self._reply(400, {"ok": False, "error_code": 400,
                                         "description": problem})
        return await super()._http(request)

    # -- callback queries --------------------------------------------------------------------
    async def press(self, chat_id: int, message_id: int, user_id: int, data: str) -> str:
        query_id = await super().press(chat_id, message_id, user_id, data)
        self.queries[query_id] = {"at": time.monotonic(), "user": user_id, "data": data,
                                  "message": message_id, "answers": []}
        return query_id

    async def m_answercallbackquery(self, p: dict[str, Any]) -> Any:
        query_id = str(p.get("callback_query_id") or "")
        query = self.queries.get(query_id)
        too_old = ("Bad Request: query is too old and response timeout expired or query ID "
                   "is invalid")
        if query is None:
            self.violations.append(("answerCallbackQuery", f"unknown query {query_id}"))
            raise ApiError(400, too_old)
        late = time.monotonic() - query["at"]
        query["answers"].append((dict(p), late))
        if len(query["answers"]) > 1:
            self.violations.append(("answerCallbackQuery", f"answered twice: {query_id}"))
            raise ApiError(400, too_old)
        if late > QUERY_LIFETIME:
            self.violations.append(("answerCallbackQuery",
                                    f"answered {late:.1f}s after the press: {query_id}"))
            raise ApiError(400, too_old)
        return True

    def answer(self, query_id: str) -> dict[str, Any] | None:
        answers = self.queries[query_id]["answers"]
        return answers[0][0] if answers else None

    async def answered(self, query_id: str, what: str = "the press answered") -> dict[str, Any]:
        await self.wait_for(lambda: self.queries[query_id]["answers"], timeout=120, what=what)
        found = self.answer(query_id)
        assert found is not None
        return found

    # -- the world ---------------------------------------------------------------------------
    async def post_media(self, chat_id: int, sender: dict[str, Any], *,
                         reply_to: int | None = None, **fields: Any) -> dict[str, Any]:
        """A message without `text` (a photo with its caption, a video...)."""
        extra = dict(fields)
        if reply_to is not None:
            replied = dict(self.messages[(chat_id, reply_to)])
            replied.pop("reply_to_message", None)
            extra["reply_to_message"] = replied
        message = self._store(chat_id, self._new_message(chat_id, sender, **extra))
        self._push("message", message)
        await self._notify()
        return message

    async def post_together(self, chat_id: int, first: tuple[dict[str, Any], str],
                            reply: tuple[dict[str, Any], str]) -> tuple[dict[str, Any],
                                                                        dict[str, Any]]:
        """Two messages delivered in one getUpdates batch: a message and a reply to it."""
        sender, text = first
        one = self._store(chat_id, self._new_message(chat_id, sender, text=text))
        self._push("message", one)
        reporter, command = reply
        replied = dict(one)
        two = self._store(chat_id, self._new_message(
            chat_id, reporter, text=command, reply_to_message=replied,
            entities=[{"type": "bot_command", "offset": 0,
                       "length": len(command.split()[0])}]))
        self._push("message", two)
        await self._notify()
        return one, two


# --------------------------------------------------------------------------------------------
# Fixtures and helpers
# --------------------------------------------------------------------------------------------

@pytest.fixture
async def tapi() -> AsyncIterator[TicketBotApi]:
    api = await TicketBotApi().start()
    api.user(ADMIN, "Alice")  # creator of GROUP
    api.user(CO_ADMIN, "Boris")
    api.user(QUEUE_MOD, "Quinn")
    api.supergroup(GROUP, "Oak School Parents", creator=ADMIN, admins=(CO_ADMIN,))
    api.supergroup(QUEUE, "Oak School Moderators", creator=QUEUE_MOD)
    api.chat_permissions[GROUP] = dict(GROUP_DEFAULTS)
    api.user(MEMBER, "Mary")
    api.user(OFFENDER, "Oscar", username="oscar_o")
    api.user(REPORTER, "Rita")
    api.user(WITNESS, "Wendy")
    api.user(LURKER, "Larry")
    yield api
    await api.close()


@pytest.fixture
async def tbot(tapi: TicketBotApi, tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = await running(tapi, tmp_path)
    yield process
    code = await process.stop()
    assert code == 0, "modbot run did not stop cleanly:\n" + process.log()[-3000:]


MANY = """
[community.complaints]
rate_limit = 100

[community.antiflood]
enabled = false
"""


@pytest.fixture
async def tbot_many(tapi: TicketBotApi, tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = await running(tapi, tmp_path, extra=MANY)
    yield process
    code = await process.stop()
    assert code == 0, "modbot run did not stop cleanly:\n" + process.log()[-3000:]


def who(api: TicketBotApi, user_id: int) -> dict[str, Any]:
    return api.users[user_id]


async def settle(api: TicketBotApi, polls: int = 3) -> None:
    mark = len(api.calls_to("getUpdates"))
    await api.wait_for(lambda: len(api.calls_to("getUpdates")) >= mark + polls, timeout=60,
                       what="more polls")


async def start_private(api: TicketBotApi, user_id: int) -> None:
    """The member pressed Start in a private chat with the bot."""
    await api.member_writes(user_id, user_id, "/start")
    await settle(api, 2)


def cards(api: TicketBotApi) -> list[dict[str, Any]]:
    return [m for m in api.bot_messages(QUEUE) if (m.get("text") or "").startswith("Ticket #")]


def card_of(api: TicketBotApi, number: int) -> dict[str, Any] | None:
    found = [m for m in cards(api) if m["text"].startswith(f"Ticket #{number} ")]
    return found[-1] if found else None


async def wait_card(api: TicketBotApi, number: int = 1) -> dict[str, Any]:
    await api.wait_for(lambda: card_of(api, number), timeout=180,
                       what=f"the card of ticket #{number}")
    card = card_of(api, number)
    assert card is not None
    return card


def button_data(message: dict[str, Any]) -> dict[str, str]:
    """label -> callback_data of the message's inline keyboard as the server keeps it."""
    markup = message.get("reply_markup") or {}
    return {b["text"]: b.get("callback_data", "")
            for row in markup.get("inline_keyboard", []) for b in row}


def replies_to(api: TicketBotApi, chat_id: int, message_id: int) -> list[dict[str, Any]]:
    return [m for m in api.bot_messages(chat_id)
            if (m.get("reply_to_message") or {}).get("message_id") == message_id]


def acks(api: TicketBotApi, number: int) -> list[dict[str, Any]]:
    return [m for m in api.bot_messages(GROUP)
            if f"report #{number}" in (m.get("text") or "") and "sent to the moderators"
            in (m.get("text") or "")]


def private_texts(api: TicketBotApi, user_id: int) -> list[str]:
    return [t for t in api.bot_texts(user_id) if "#" in t]


def clean(api: TicketBotApi, bot: BotProcess) -> None:
    assert api.violations == [], api.violations
    assert api.unknown_methods == [], api.unknown_methods
    unanswered = {q: v["data"] for q, v in api.queries.items() if len(v["answers"]) != 1}
    assert not unanswered, f"presses not answered exactly once: {unanswered}"
    edits = [e for e in api.errors if e[0].lower().startswith("edit")]
    assert not edits, edits
    no_tracebacks(bot)


async def report(api: TicketBotApi, reporter: int = REPORTER,
                 text: str = "Earn $5000 a week from home, DM me",
                 command: str = "/report spam",
                 author: int = OFFENDER) -> tuple[dict[str, Any], dict[str, Any]]:
    spam = await api.post(GROUP, who(api, author), text)
    filed = await api.post(GROUP, who(api, reporter), command, reply_to=spam["message_id"])
    return spam, filed


async def press(api: TicketBotApi, card: dict[str, Any], user: int, label: str) -> str:
    message = api.messages[(QUEUE, card["message_id"])]
    data = button_data(message)
    assert label in data, (label, data)
    return await api.press(QUEUE, card["message_id"], user, data[label])


# --------------------------------------------------------------------------------------------
# Filing: /report and @admin
# --------------------------------------------------------------------------------------------

async def test_report_in_reply_makes_one_valid_card_and_one_ack(
        tapi: TicketBotApi, tbot: BotProcess) -> None:
    api = tapi
    spam, filed = await report(api)
    card = await wait_card(api)
    text = card["text"]
    assert "Earn $5000 a week" in text and "Rita" in text and "Oscar" in text, text
    assert "Oak School Parents" in text and "Reason: spam" in text, text
    labels = list(button_data(card))
    assert labels == ["Claim", "Resolve", "Reject", "Delete message", "Ban author"], labels
    send = next(c for c in api.calls_to("sendMessage", chat_id=QUEUE))
    assert send.params.get("parse_mode") in (None, ""), send.params
    ack = await api.wait_for(lambda: acks(api, 1), timeout=120, what="the acknowledgement")
    await settle(api, 4)
    assert len(acks(api, 1)) == 1, api.bot_texts(GROUP)
    assert (ack[0].get("reply_to_message") or {}).get("message_id") == filed["message_id"], ack
    assert len(cards(api)) == 1, api.bot_texts(QUEUE)
    assert (GROUP, spam["message_id"]) not in api.deleted, "a report alone deletes nothing"
    clean(api, tbot)


@pytest.mark.parametrize("words", ["@admin", "@admins this is a scam",
                                   "Scam again, please look @admin."])
async def test_at_admin_in_reply_is_a_report(tapi: TicketBotApi, tbot: BotProcess,
                                             words: str) -> None:
    """README: as in Rose, a reply that calls @admin or @admins is a report, the rest of the
    message its reason. Members end sentences with a full stop."""
    api = tapi
    spam = await api.post(GROUP, who(api, OFFENDER), "Free crypto signals, join t.me/xyz")
    call = await api.post(GROUP, who(api, REPORTER), words, reply_to=spam["message_id"],
                          entities=[{"type": "mention", "offset": words.index("@admin"),
                                     "length": len("@admins") if "@admins" in words
                                     else len("@admin")}])
    await api.wait_for(lambda: card_of(api, 1) or replies_to(api, GROUP, call["message_id"]),
                       timeout=180, what="a card or an answer")
    await settle(api, 4)
    card = card_of(api, 1)
    assert card is not None, ("no ticket for a reply calling @admin", api.bot_texts(GROUP))
    assert "Free crypto signals" in card["text"], card["text"]
    rest = " ".join(re.sub(r"@admins?", " ", words).split()).strip(" .")
    if rest:
        assert rest.rstrip(".") in card["text"], card["text"]
    assert len(acks(api, 1)) == 1, api.bot_texts(GROUP)
    clean(api, tbot)


# --------------------------------------------------------------------------------------------
# Buttons pressed by a moderator
# --------------------------------------------------------------------------------------------

async def test_claim_then_resolve_buttons_edit_the_card_and_tell_the_reporter(
        tapi: TicketBotApi, tbot: BotProcess) -> None:
    api = tapi
    await start_private(api, REPORTER)
    await report(api)
    card = await wait_card(api)
    query = await press(api, card, QUEUE_MOD, "Claim")
    answer = await api.answered(query)
    assert "#1" in str(answer.get("text")) and not _as_bool(answer.get("show_alert")), answer
    await api.wait_for(lambda: "Claim" not in button_data(api.messages[(QUEUE,
                                                                        card["message_id"])]),
                       timeout=120, what="the card edited after the claim")
    claimed = api.messages[(QUEUE, card["message_id"])]
    assert "claimed by Quinn" in claimed["text"], claimed["text"]
    assert list(button_data(claimed)) == ["Resolve", "Reject", "Delete message",
                                          "Ban author"], button_data(claimed)
    query = await press(api, claimed, QUEUE_MOD, "Resolve")
    await api.answered(query)
    await api.wait_for(lambda: "resolved" in api.messages[(QUEUE, card["message_id"])]["text"],
                       timeout=120, what="the card resolved")
    resolved = api.messages[(QUEUE, card["message_id"])]
    assert list(button_data(resolved)) == ["Reopen"], button_data(resolved)
    told = await api.wait_for(lambda: private_texts(api, REPORTER), timeout=120,
                              what="the reporter told privately")
    assert "#1" in told[-1] and "resolved" in told[-1], told
    await settle(api, 4)
    assert len(private_texts(api, REPORTER)) == 1, api.bot_texts(REPORTER)
    assert len(cards(api)) == 1, "the card is edited in place, not re-sent"
    clean(api, tbot)


async def test_reject_button_tells_the_reporter_no_action(tapi: TicketBotApi,
                                                          tbot: BotProcess) -> None:
    api = tapi
    await start_private(api, REPORTER)
    await report(api, text="I think the meeting should be on Friday")
    card = await wait_card(api)
    query = await press(api, card, ADMIN, "Reject")
    await api.answered(query)
    told = await api.wait_for(lambda: private_texts(api, REPORTER), timeout=120,
                              what="the reporter told privately")
    assert "no action" in told[-1], told
    assert not api.calls_to("banChatMember") and not api.calls_to("deleteMessage", chat_id=GROUP)
    clean(api, tbot)


async def test_delete_button_deletes_the_message_and_keeps_the_ticket_open(
        tapi: TicketBotApi, tbot: BotProcess) -> None:
    api = tapi
    spam, _ = await report(api)
    card = await wait_card(api)
    query = await press(api, card, QUEUE_MOD, "Delete message")
    await api.answered(query)
    await api.wait_for(lambda: (GROUP, spam["message_id"]) in api.deleted, timeout=120,
                       what="deleteMessage of the reported message")
    call = next(c for c in api.calls_to("deleteMessage")
                if int(c.params["message_id"]) == spam["message_id"])
    assert int(call.params["chat_id"]) == GROUP, call.params
    await settle(api, 4)
    now = api.messages[(QUEUE, card["message_id"])]
    assert "Resolve" in button_data(now), button_data(now)
    assert not api.calls_to("banChatMember")
    clean(api, tbot)


async def test_ban_author_button_bans_deletes_and_resolves(tapi: TicketBotApi,
                                                           tbot: BotProcess) -> None:
    api = tapi
    await start_private(api, REPORTER)
    spam, _ = await report(api)
    card = await wait_card(api)
    query = await press(api, card, QUEUE_MOD, "Ban author")
    await api.answered(query)
    await api.wait_for(lambda: api.calls_to("banChatMember"), timeout=120, what="the ban")
    ban = api.calls_to("banChatMember")[0].params
    assert int(ban["chat_id"]) == GROUP and int(ban["user_id"]) == OFFENDER, ban
    assert int(ban.get("until_date") or 0) == 0, "a ban from the card is permanent"
    await api.wait_for(lambda: (GROUP, spam["message_id"]) in api.deleted, timeout=120,
                       what="the message deleted with the ban")
    await api.wait_for(lambda: "resolved" in api.messages[(QUEUE, card["message_id"])]["text"],
                       timeout=120, what="the ticket resolved once the ban is confirmed")
    await api.wait_for(lambda: private_texts(api, REPORTER), timeout=120,
                       what="the reporter told")
    clean(api, tbot)


# --------------------------------------------------------------------------------------------
# Buttons pressed by the wrong person, and at the same time
# --------------------------------------------------------------------------------------------

async def test_non_moderator_presses_every_button_refused_with_an_alert_nothing_changes(
        tapi: TicketBotApi, tbot: BotProcess) -> None:
    api = tapi
    await start_private(api, REPORTER)
    spam, _ = await report(api)
    card = await wait_card(api)
    before = dict(api.messages[(QUEUE, card["message_id"])])
    edits = len(api.calls_to("editMessageText"))
    queries = []
    for label in ("Claim", "Resolve", "Reject", "Delete message", "Ban author"):
        queries.append((label, await press(api, card, LURKER, label)))
    for label, query in queries:
        answer = await api.answered(query, f"the refusal of {label}")
        assert _as_bool(answer.get("show_alert")), (label, answer)
        assert "only moderators" in str(answer.get("text")), (label, answer)
    await settle(api, 4)
    assert len(api.calls_to("editMessageText")) == edits, "a refused press edited the card"
    assert api.messages[(QUEUE, card["message_id"])]["text"] == before["text"]
    assert (GROUP, spam["message_id"]) not in api.deleted
    assert not api.calls_to("banChatMember")
    assert not private_texts(api, REPORTER), api.bot_texts(REPORTER)
    clean(api, tbot)


async def test_two_moderators_claim_at_once_one_holds_it_the_other_is_told(
        tapi: TicketBotApi, tbot: BotProcess) -> None:
    """Quinn and Alice press Claim in the same second. README: claiming a ticket another
    moderator holds takes it over; the new holder is told whom they took it from, and the
    queue chat hears it. So: one holder on the card, and whoever does not hold it is told."""
    api = tapi
    await report(api)
    card = await wait_card(api)
    first = await press(api, card, QUEUE_MOD, "Claim")
    second = await press(api, card, ADMIN, "Claim")
    a1 = str((await api.answered(first)).get("text"))
    a2 = str((await api.answered(second)).get("text"))
    await settle(api, 5)
    final = api.messages[(QUEUE, card["message_id"])]["text"]
    holders = [name for name in ("Quinn", "Alice") if f"claimed by {name}" in final]
    assert len(holders) == 1, final
    plain = [a for a in (a1, a2) if a == "Ticket #1 is yours."]
    assert len(plain) <= 1, ("both were told the ticket is theirs", a1, a2)
    if holders == ["Alice"]:  # Alice took it over: Quinn must hear it
        assert "took it over from Quinn" in a2, (a1, a2)
        assert [t for t in api.bot_texts(QUEUE) if "took it over from Quinn" in t
                and "Alice" in t], api.bot_texts(QUEUE)
    else:  # Quinn kept it: Alice was told it is taken
        assert "yours" not in a2, (a1, a2)
    clean(api, tbot)


async def test_ban_and_resolve_pressed_at_once_by_two_moderators_ban_once_told_once(
        tapi: TicketBotApi, tbot: BotProcess) -> None:
    api = tapi
    await start_private(api, REPORTER)
    await report(api)
    card = await wait_card(api)
    ban = await press(api, card, QUEUE_MOD, "Ban author")
    resolve = await press(api, card, CO_ADMIN, "Resolve")
    await api.answered(ban)
    await api.answered(resolve)
    await api.wait_for(lambda: private_texts(api, REPORTER), timeout=120,
                       what="the reporter told")
    await settle(api, 6)
    assert len(private_texts(api, REPORTER)) == 1, api.bot_texts(REPORTER)
    assert len(api.calls_to("banChatMember")) <= 1
    final = api.messages[(QUEUE, card["message_id"])]
    assert "resolved" in final["text"] and list(button_data(final)) == ["Reopen"], final
    clean(api, tbot)


async def test_ban_and_reject_pressed_at_once_by_two_moderators_one_outcome(
        tapi: TicketBotApi, tbot: BotProcess) -> None:
    """Quinn presses Ban author while Boris presses Reject ("no action") in the same second.
    The two contradict each other: one must win and the other be told. If the ban goes
    out, the reporter must not hear "the moderators took no action" and the card must not
    say rejected; if the reject wins, nobody is banned."""
    api = tapi
    await start_private(api, REPORTER)
    await report(api)
    card = await wait_card(api)
    ban = await press(api, card, QUEUE_MOD, "Ban author")
    reject = await press(api, card, CO_ADMIN, "Reject")
    a_ban = str((await api.answered(ban)).get("text"))
    a_rej = str((await api.answered(reject)).get("text"))
    await api.wait_for(lambda: private_texts(api, REPORTER), timeout=120,
                       what="the reporter told")
    await settle(api, 6)
    told = private_texts(api, REPORTER)
    final = api.messages[(QUEUE, card["message_id"])]["text"]
    banned = bool(api.calls_to("banChatMember"))
    won = [a for a in (a_ban, a_rej) if "is being banned" in a or a.endswith("is rejected.")]
    assert len(won) == 1, (f"both presses were told they won: {a_ban!r} / {a_rej!r}; "
                           f"banned: {banned}; reporter told: {told}; card: "
                           f"{final.splitlines()[0]!r}")
    if banned:
        assert not [t for t in told if "no action" in t], (told, final)
        assert "rejected" not in final.splitlines()[0], final
    else:
        assert "rejected" in final.splitlines()[0], final
    assert len(told) == 1, told
    clean(api, tbot)


# --------------------------------------------------------------------------------------------
# The reporter who never started the bot
# --------------------------------------------------------------------------------------------

async def test_reporter_who_never_started_the_bot_the_queue_hears_it(
        tapi: TicketBotApi, tbot: BotProcess) -> None:
    api = tapi
    await report(api)
    card = await wait_card(api)
    query = await press(api, card, QUEUE_MOD, "Resolve")
    await api.answered(query)
    note = await api.wait_for(lambda: [t for t in api.bot_texts(QUEUE)
                                       if "could not tell" in t], timeout=120,
                              what="the queue told the reporter was not told")
    assert "Rita" in note[0] and "#1" in note[0], note
    forbidden = [e for e in api.errors if e[1] == 403]
    assert len(forbidden) == 1, ("one try, not a retry storm", forbidden)
    clean(api, tbot)


# --------------------------------------------------------------------------------------------
# Text commands in the queue chat
# --------------------------------------------------------------------------------------------

async def test_text_commands_take_untake_resolve_reopen_reject_with_hash_numbers(
        tapi: TicketBotApi, tbot: BotProcess) -> None:
    api = tapi
    await start_private(api, REPORTER)
    await report(api)
    await report(api, text="Second spam: cheap watches, DM")
    one = await wait_card(api, 1)
    two = await wait_card(api, 2)

    async def command(text: str) -> str:
        sent = await api.post(QUEUE, who(api, QUEUE_MOD), text)
        found = await api.wait_for(lambda: replies_to(api, QUEUE, sent["message_id"]),
                                   timeout=120, what=f"the answer to {text}")
        return found[-1]["text"]

    def card_text(message: dict[str, Any]) -> str:
        return api.messages[(QUEUE, message["message_id"])]["text"]

    assert "yours" in await command("/take #1")
    await api.wait_for(lambda: "claimed by Quinn" in card_text(one), timeout=120,
                       what="card #1 claimed")
    assert "back in the queue" in await command("/untake 1")
    await api.wait_for(lambda: "claimed" not in card_text(one).splitlines()[0], timeout=120,
                       what="card #1 unclaimed")
    assert "Claim" in button_data(api.messages[(QUEUE, one["message_id"])])
    assert "resolved" in await command("/resolve #1 removed the spammer, thanks")
    await api.wait_for(lambda: "removed the spammer" in card_text(one), timeout=120,
                       what="card #1 resolved with the note")
    told = await api.wait_for(lambda: [t for t in private_texts(api, REPORTER) if "#1" in t],
                              timeout=120, what="the reporter told about #1")
    assert "removed the spammer" in told[-1], told
    assert "open again" in await command("/reopen 1")
    await api.wait_for(lambda: "· new" in card_text(one).splitlines()[0]
                       or "· claimed" in card_text(one).splitlines()[0], timeout=120,
                       what="card #1 open again")
    assert "rejected" in await command("/reject #2 not spam, just an ad for the fair")
    await api.wait_for(lambda: "rejected" in card_text(two).splitlines()[0], timeout=120,
                       what="card #2 rejected")
    told = await api.wait_for(lambda: [t for t in private_texts(api, REPORTER) if "#2" in t],
                              timeout=120, what="the reporter told about #2")
    assert "not spam, just an ad" in told[-1], told
    clean(api, tbot)


async def test_queue_with_many_long_emoji_tickets_fits_one_message(
        tapi: TicketBotApi, tbot_many: BotProcess) -> None:
    api = tapi
    count = 24
    for i in range(count):
        uid = 7000 + i
        api.user(uid, ("👨‍👩‍👧‍👦 Ахмед ‏الرحمن‎ " * 4)[:60] + f" {i}",
                 username=f"long_name_spammer_{i:02d}")
        text = (f"#{i} " + "🔥 Купи подписку دورة мгновенно ​zero‍width " * 10)[:900]
        spam = await api.post(GROUP, who(api, uid), text)
        await api.post(GROUP, who(api, REPORTER if i % 2 else WITNESS),
                       f"/report spam {i}", reply_to=spam["message_id"])
    await api.wait_for(lambda: len(cards(api)) >= count, timeout=420,
                       what=f"{count} cards")
    sent = await api.post(QUEUE, who(api, QUEUE_MOD), "/queue")
    found = await api.wait_for(lambda: replies_to(api, QUEUE, sent["message_id"]),
                               timeout=180, what="the /queue answer")
    listing = found[-1]["text"]
    assert len(listing) <= 4096
    assert "#1 " in listing or "#1 ·" in listing or "#1" in listing, listing[:300]
    lines = listing.splitlines()
    assert lines[-1].startswith("…and") or f"#{count}" in listing, lines[-3:]
    clean(api, tbot_many)


# --------------------------------------------------------------------------------------------
# What is reported: long, media, emoji / RTL / zero-width
# --------------------------------------------------------------------------------------------

async def test_report_of_a_4096_character_message_with_emoji_rtl_and_zero_width(
        tapi: TicketBotApi, tbot: BotProcess) -> None:
    api = tapi
    api.user(OFFENDER + 1, "\u202eNOSCAM\u202c 👩‍💻 مرحبا", username="rtl_spammer")
    body = ("שלום 👋🏽 مرحبا\u200b\u200d\u200e Привет 🇺🇦 zero\u2060width " * 200)[:4096]
    reason = "\u202eflipped\u202c спам 🤬 " + "إعلان " * 300
    spam = await api.post(GROUP, who(api, OFFENDER + 1), body)
    await api.post(GROUP, who(api, REPORTER), "/report " + reason,
                   reply_to=spam["message_id"])
    card = await wait_card(api)
    assert len(card["text"]) <= 4096
    assert body[:40] in card["text"], card["text"][:400]
    assert "NOSCAM" in card["text"] and "rtl_spammer" in card["text"], card["text"][:400]
    for data in button_data(card).values():
        assert 1 <= len(data.encode("utf-8")) <= 64, data
    query = await press(api, card, QUEUE_MOD, "Claim")
    await api.answered(query)
    await api.wait_for(lambda: "claimed" in api.messages[(QUEUE, card["message_id"])]["text"]
                       .splitlines()[0], timeout=120, what="the long card edited")
    clean(api, tbot)


async def test_report_of_a_photo_with_a_caption_shows_the_caption(
        tapi: TicketBotApi, tbot: BotProcess) -> None:
    api = tapi
    caption = "Buy followers 👉 cheap-follow.example — 1000 for $1 🔥"
    photo = await api.post_media(GROUP, who(api, OFFENDER), photo=[
        {"file_id": "AgACAgIAAxkBAAIBsmall", "file_unique_id": "AQADs1", "width": 90,
         "height": 90},
        {"file_id": "AgACAgIAAxkBAAIBlarge", "file_unique_id": "AQADl1", "width": 1280,
         "height": 1280}], caption=caption,
        caption_entities=[{"type": "bold", "offset": 0, "length": 13}])
    await api.post(GROUP, who(api, REPORTER), "/report ads", reply_to=photo["message_id"])
    card = await wait_card(api)
    assert caption in card["text"], card["text"]
    assert "Delete message" in button_data(card) and "Ban author" in button_data(card)
    clean(api, tbot)


async def test_report_of_a_video_without_caption_names_the_video(
        tapi: TicketBotApi, tbot: BotProcess) -> None:
    api = tapi
    video = await api.post_media(GROUP, who(api, OFFENDER), video={
        "file_id": "BAACAgIAAxkBAAIvideo", "file_unique_id": "AQADvid", "width": 640,
        "height": 360, "duration": 12})
    await api.post(GROUP, who(api, REPORTER), "/report shock content",
                   reply_to=video["message_id"])
    card = await wait_card(api)
    line = next(ln for ln in card["text"].splitlines() if ln.startswith("Message:"))
    assert "video" in line.lower(), card["text"]
    clean(api, tbot)


# --------------------------------------------------------------------------------------------
# The reported message disappears; the same message reported twice
# --------------------------------------------------------------------------------------------

async def test_reported_message_then_deleted_by_the_filter_ticket_still_workable(
        tapi: TicketBotApi, tbot: BotProcess) -> None:
    api = tapi
    rude, _command = await api.post_together(
        GROUP, (who(api, OFFENDER), "ты хуйло ебаное, иди нахуй"),
        (who(api, REPORTER), "/report insults"))
    await api.wait_for(lambda: (GROUP, rude["message_id"]) in api.deleted, timeout=120,
                       what="the filter deleting the message")
    card = await wait_card(api)
    assert "Oscar" in card["text"], card["text"]
    assert len([c for c in cards(api)]) == 1
    query = await press(api, card, QUEUE_MOD, "Delete message")
    answer = str((await api.answered(query)).get("text")).lower()
    assert "not found" not in answer and "error" not in answer and "bad request" not in answer, \
        answer
    await settle(api, 4)
    assert not [t for t in api.bot_texts(QUEUE) if "Bad Request" in t], api.bot_texts(QUEUE)
    query = await press(api, card, QUEUE_MOD, "Ban author")
    await api.answered(query)
    await api.wait_for(lambda: api.calls_to("banChatMember"), timeout=120, what="the ban")
    await api.wait_for(lambda: "resolved" in api.messages[(QUEUE, card["message_id"])]["text"],
                       timeout=120, what="the ticket resolved by the ban")
    clean(api, tbot)


async def test_second_report_on_the_same_message_merges_into_the_card(
        tapi: TicketBotApi, tbot: BotProcess) -> None:
    api = tapi
    spam, first = await report(api)
    card = await wait_card(api)
    await api.wait_for(lambda: acks(api, 1), timeout=120, what="the first ack")
    second = await api.post(GROUP, who(api, WITNESS), "/report same spammer again",
                            reply_to=spam["message_id"])
    await api.wait_for(lambda: "reports: 2" in api.messages[(QUEUE, card["message_id"])]["text"],
                       timeout=120, what="the card counting two reporters")
    await api.wait_for(lambda: replies_to(api, GROUP, second["message_id"]), timeout=120,
                       what="the second reporter acknowledged")
    await settle(api, 4)
    assert len(cards(api)) == 1, api.bot_texts(QUEUE)
    answer = replies_to(api, GROUP, second["message_id"])
    assert len(answer) == 1 and "#1" in answer[0]["text"], answer
    assert len(replies_to(api, GROUP, first["message_id"])) == 1
    clean(api, tbot)


async def test_stale_button_on_a_closed_card_is_answered_and_changes_nothing(
        tapi: TicketBotApi, tbot: BotProcess) -> None:
    """A moderator's client still shows the old keyboard (a slow phone): Ban on a card that
    another moderator already rejected."""
    api = tapi
    await report(api)
    card = await wait_card(api)
    old = dict(api.messages[(QUEUE, card["message_id"])])
    query = await press(api, card, ADMIN, "Reject")
    await api.answered(query)
    await api.wait_for(lambda: "rejected" in api.messages[(QUEUE, card["message_id"])]["text"],
                       timeout=120, what="the card rejected")
    ban_data = button_data(old)["Ban author"]
    stale = await api.press(QUEUE, card["message_id"], QUEUE_MOD, ban_data)
    answer = await api.answered(stale)
    assert "closed" in str(answer.get("text")), answer
    await settle(api, 4)
    assert not api.calls_to("banChatMember")
    assert "rejected" in api.messages[(QUEUE, card["message_id"])]["text"]
    clean(api, tbot)

async def test_same_reporter_twice_then_another_member_counts_two_no_identical_edit(
        tapi: TicketBotApi, tbot: BotProcess) -> None:
    api = tapi
    spam, _first = await report(api)
    card = await wait_card(api)
    await api.wait_for(lambda: acks(api, 1), timeout=120, what="the first ack")
    again = await api.post(GROUP, who(api, REPORTER), "/report spam!!",
                           reply_to=spam["message_id"])
    answer = await api.wait_for(lambda: replies_to(api, GROUP, again["message_id"]),
                                timeout=120, what="the answer to the repeated report")
    assert "already" in answer[-1]["text"].lower(), answer[-1]["text"]
    await api.post(GROUP, who(api, WITNESS), "/report", reply_to=spam["message_id"])
    await api.wait_for(lambda: "reports: 2" in api.messages[(QUEUE, card["message_id"])]["text"],
                       timeout=120, what="the card counting two reporters")
    await settle(api, 4)
    assert "reports: 2" in api.messages[(QUEUE, card["message_id"])]["text"]
    assert len(cards(api)) == 1
    clean(api, tbot)


ACK_TTL = """
[community.complaints]
ack_ttl = "10s"
"""


@pytest.fixture
async def tbot_ack(tapi: TicketBotApi, tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = await running(tapi, tmp_path, extra=ACK_TTL)
    yield process
    code = await process.stop()
    assert code == 0, "modbot run did not stop cleanly:\n" + process.log()[-3000:]


async def test_ack_is_removed_after_ack_ttl_with_a_valid_delete(
        tapi: TicketBotApi, tbot_ack: BotProcess) -> None:
    api = tapi
    await report(api)
    ack = await api.wait_for(lambda: acks(api, 1), timeout=120, what="the acknowledgement")
    seen = time.monotonic()
    key = (GROUP, ack[0]["message_id"])
    await api.wait_for(lambda: key in api.deleted, timeout=120, what="the ack removed")
    assert time.monotonic() - seen >= 8, "removed before ack_ttl"
    call = next(c for c in api.calls_to("deleteMessage")
                if int(c.params["message_id"]) == ack[0]["message_id"])
    assert int(call.params["chat_id"]) == GROUP
    assert card_of(api, 1) is not None, "the card stays in the queue"
    assert (QUEUE, card_of(api, 1)["message_id"]) not in api.deleted  # type: ignore[index]
    clean(api, tbot_ack)


async def test_two_moderators_press_delete_at_once_deleted_once_no_raw_error(
        tapi: TicketBotApi, tbot: BotProcess) -> None:
    api = tapi
    spam, _ = await report(api)
    card = await wait_card(api)
    q1 = await press(api, card, QUEUE_MOD, "Delete message")
    q2 = await press(api, card, ADMIN, "Delete message")
    a1 = str((await api.answered(q1)).get("text"))
    a2 = str((await api.answered(q2)).get("text"))
    await api.wait_for(lambda: (GROUP, spam["message_id"]) in api.deleted, timeout=120,
                       what="the message deleted")
    await settle(api, 5)
    for text in (a1, a2, *api.bot_texts(QUEUE)):
        assert "Bad Request" not in text and "not found" not in text, text
    assert "Resolve" in button_data(api.messages[(QUEUE, card["message_id"])])
    clean(api, tbot)


async def test_sigterm_with_a_backlog_of_acks_and_cards_stops_within_ten_seconds(
        tapi: TicketBotApi, tmp_path: Path) -> None:
    """An owner runs the bot under Docker: `docker stop` sends SIGTERM and kills after 10 s.
    The outbox is durable (README: a card not sent is sent after a restart), so a stop
    should not wait for the send-rate backlog of acknowledgements and cards to drain."""
    api = tapi
    process = await running(api, tmp_path, extra=MANY)
    try:
        for i in range(10):
            uid = 7200 + i
            api.user(uid, f"Spammer{i}")
            spam = await api.post(GROUP, who(api, uid), f"Crypto pump #{i}, t.me/pump{i}")
            await api.post(GROUP, who(api, REPORTER if i % 2 else WITNESS), "/report spam",
                           reply_to=spam["message_id"])
        await api.wait_for(lambda: len(cards(api)) >= 6, timeout=300, what="the first cards")
    finally:
        asked = time.monotonic()
        code = await process.stop()
        took = time.monotonic() - asked
    assert code == 0, process.log()[-2000:]
    assert took <= 10, f"SIGTERM to exit took {took:.1f}s; cards so far: {len(cards(api))}"
    no_tracebacks(process)
