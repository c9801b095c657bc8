"""QA round 39: ONE `modbot run` serving Telegram and VK at once, two communities.

Black-box, on the wire, against the independent emulators of rounds 33–35 (imported, never
edited; extended here only by subclassing to script outages):

- community "oak-school" (English): a Telegram group, a VK chat and the VK wall; its complaint
  queue is a Telegram chat; a VK user is listed as a moderator;
- community "birch-club" (Russian): only a VK chat; its queue is a VK chat.

DESIGN.md: "One community, many chats, both networks". README: warnings count across the
community's chats, a queue may be on the other network, a queue-chat command acts in every
community chat on the target's network, scheduled posts go out exactly once to all of the
community's chats, each community keeps its own moderators, queue, tickets and FAQ.

Time is real (a subprocess cannot be given the harness's clock): waits are predicates on what
the servers saw, with generous timeouts. An outage lasts until the bot has failed OUTAGE_POLLS
long polls in a row on the network that is down (so it is backing off, and its outbox retries
too), rather than a wall-clock minute: see `outage_spans_retries`.
"""

from __future__ import annotations

import json
import re
import textwrap
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from test_qa33_foreign_emulator import (
    ADMIN,
    DUE_AT_START_UP,
    FAQ,
    GROUP,
    MEMBER,
    OFFENDER,
    QUEUE,
    QUEUE_MOD,
    REPORTER,
    TOKEN,
    VK_ADMIN,
    VK_CHAT,
    VK_GROUP,
    VK_MEMBER,
    VK_OFFENDER,
    VK_TOKEN,
    ApiError,
    BotProcess,
    ForeignBotApi,
    VkFault,
    buttons,
    seconds_past_a_scheduler_round,
)
from test_qa34_foreign_deeper import VK_MOD, VK_QUEUE, VK_REPORTER, VK_USER_TOKEN
from test_qa35_vk_community_edges import EdgeVkApi

VK_CHAT_B = 2_000_000_003  # birch-club's only chat
VK_B_ADMIN = 8600  # owner of VK_CHAT_B
VK_B_MEMBER = 8700
VK_B_OFFENDER = 8800
VK_A_LISTED = 8900  # listed moderator of oak-school (moderators = ["vk:8900"])
#: Both pollers back off 1, 2, 4, 8, 16, 32 … s after failed long polls (handlers/vk/poller.py,
#: handlers/telegram/polling.py), so they try again 1, 3, 7, 15, 31 … s after the first failure;
#: the outbox backs off 1, 2, 4, 8 … s per attempt (bot/runtime/pipeline.py). An outage that
#: ends once 4 polls have failed (≈7 s in) is over before the 5th try (≈15 s in): the bot has
#: gone through several backoffs and comes back from one, like after a minute — but a 30 s
#: outage ended in the 16 s wait and came back only at ≈31 s, the ban's outbox item at ≈42 s.
OUTAGE_POLLS = 4
#: When the VK server is unreachable the emulator cannot count refusals: the poller's tries
#: then fail at once, at 0, 1, 3, 7 and 15 s; ending at 11 s falls between the 4th and the 5th.
OFFLINE_FOR = 11.0
POST = 77
RUDE = "ты хуйло ебаное"
RUDE_2 = "ну ты и пиздабол"
RUDE_3 = "иди нахуй со своими правилами"

FAQ_RU = """
[[faq]]
id = "price"
lang = "ru"
questions = ["Сколько стоит абонемент?", "Какая цена абонемента на месяц?"]
answer = "Абонемент стоит 3000 рублей в месяц."

[[faq]]
id = "training"
lang = "ru"
questions = ["Во сколько начинаются тренировки?", "Когда начинаются занятия?"]
answer = "Тренировки начинаются в 19:00 по будням."
"""


# --------------------------------------------------------------------------------------------
# The emulators, with scripted outages
# --------------------------------------------------------------------------------------------

class TwoNetVkApi(EdgeVkApi):
    """EdgeVkApi plus birch-club's chat and a switch that makes VK answer 502 to everything
    (API methods and the long poll) while `down` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.chats[VK_CHAT]["members"] |= {VK_A_LISTED}
        self.chats[VK_CHAT_B] = {"title": "Birch Club", "owner": VK_B_ADMIN,
                                 "admins": {VK_B_ADMIN},
                                 "members": {VK_B_ADMIN, VK_B_MEMBER, VK_B_OFFENDER, VK_ADMIN,
                                             VK_A_LISTED}}
        self.names.update({VK_B_ADMIN: ("Boris", "Birch"), VK_B_MEMBER: ("Vera", "Birch"),
                           VK_B_OFFENDER: ("Gleb", "Grubiyan"),
                           VK_A_LISTED: ("Lena", "Listed")})
        self.down = False
        self.refused_while_down = 0
        self.polls_refused = 0  # long polls answered 502 (the outage is seen by the poller)
        self.unbans: list[dict[str, Any]] = []

    def _outage(self) -> web.Response:
        self.refused_while_down += 1
        return web.Response(status=502, text="<html><body>502 Bad Gateway</body></html>",
                            content_type="text/html")

    async def _method(self, request: web.Request) -> web.Response:
        if self.down:
            return self._outage()
        return await super()._method(request)

    async def _longpoll(self, request: web.Request) -> web.Response:
        if self.down:
            self.polls_refused += 1
            return self._outage()
        answer = await super()._longpoll(request)
        if self.down:  # the outage began while this request was waiting
            self.polls_refused += 1
            return self._outage()
        return answer

    async def go_offline(self) -> None:
        """The server goes away: connections are refused (network errors, not HTTP)."""
        assert self._runner is not None
        await self._runner.cleanup()
        self._runner = None

    async def come_back(self) -> None:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/method/{name}", self._method)
        app.router.add_route("*", "/lp", self._longpoll)
        app.router.add_route("POST", "/upload/{kind}", self._upload)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", self.port, reuse_address=True).start()
        self._runner = runner

    def card_is_a_message(self, peer_id: int, record: dict[str, Any]) -> None:
        """Make a message the bot sent repliable (as a member's client sees it)."""
        self.messages[(peer_id, record["cmid"])] = {
            "date": int(time.time()), "from_id": -VK_GROUP, "text": record["message"],
            "attachments": [], "conversation_message_id": record["cmid"],
            "peer_id": peer_id, "id": 0}

    def m_groups_unban(self, p: dict[str, Any]) -> Any:
        if not p.get("_as_user"):
            raise VkFault(27, "Group authorization failed: method is unavailable with group "
                              "auth.")
        self.unbans.append(p)
        return 1

    def ok_calls(self, method: str) -> list[dict[str, Any]]:
        return [p for m, p, _, code in self.attempts if m == method and code is None]


class TwoNetBotApi(ForeignBotApi):
    """ForeignBotApi whose getUpdates answers 502 while `updates_down` is set, and whose
    every method answers a proxy's HTML 502 while `all_down` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.updates_down = False
        self.all_down = False
        self.refused_while_down = 0
        self.polls_refused = 0  # getUpdates answered 502 (the outage is seen by the poller)

    async def _http(self, request: web.Request) -> web.Response:
        if self.all_down:
            self.refused_while_down += 1
            if request.path.endswith("/getUpdates"):
                self.polls_refused += 1
            return web.Response(status=502, text="<html><body>502 Bad Gateway</body></html>",
                                content_type="text/html")
        return await super()._http(request)

    async def m_getupdates(self, p: dict[str, Any]) -> Any:
        if self.updates_down:
            self.polls_refused += 1
            raise ApiError(502, "Bad Gateway")
        result = await super().m_getupdates(p)
        if self.updates_down:
            self.polls_refused += 1
            raise ApiError(502, "Bad Gateway")
        return result


def write_two_network_config(folder: Path, tg: ForeignBotApi, vk: TwoNetVkApi,
                             extra_a: str = "") -> Path:
    (folder / "faq.toml").write_text(FAQ, encoding="utf-8")
    (folder / "faq_ru.toml").write_text(FAQ_RU, encoding="utf-8")
    path = folder / "config.toml"
    path.write_text(textwrap.dedent(f"""
        [database]
        url = "sqlite+aiosqlite:///modbot.db"

        [telegram]
        token = "${{MODBOT_TELEGRAM_TOKEN}}"
        api_base = "{tg.api_base}"
        poll_timeout = 1

        [vk]
        token = "${{MODBOT_VK_TOKEN}}"
        group_id = {VK_GROUP}
        api_base = "{vk.api_base}"
        user_token = "{VK_USER_TOKEN}"
        poll_wait = 1

        [[community]]
        name = "oak-school"
        language = "en"
        timezone = "UTC"
        faq = "faq.toml"
        chats = ["telegram:{GROUP}", "vk:{VK_CHAT}", "vk:wall"]
        moderators = ["vk:{VK_A_LISTED}"]
        queue = "telegram:{QUEUE}"
        """) + textwrap.dedent(extra_a) + textwrap.dedent(f"""
        [[community]]
        name = "birch-club"
        language = "ru"
        timezone = "Europe/Moscow"
        faq = "faq_ru.toml"
        chats = ["vk:{VK_CHAT_B}"]
        queue = "vk:{VK_QUEUE}"
        """), encoding="utf-8")
    return path


async def start_both(tg: ForeignBotApi, vk: TwoNetVkApi, config: Path) -> BotProcess:
    """Start `modbot run` and wait until it polls BOTH networks (generous: the sentence
    encoder's first load can take a minute on a loaded machine)."""
    tg_mark = len(tg.calls_to("getUpdates"))
    vk_mark = len(vk.calls_to("longpoll.check"))
    bot = await BotProcess(config, env={"MODBOT_TELEGRAM_TOKEN": TOKEN,
                                        "MODBOT_VK_TOKEN": VK_TOKEN}).start()
    try:
        await tg.wait_for(lambda: bot.proc.returncode is not None  # type: ignore[union-attr]
                          or (len(tg.calls_to("getUpdates")) >= tg_mark + 2
                              and len(vk.calls_to("longpoll.check")) >= vk_mark + 1),
                          timeout=300, what="the bot polling both networks")
    except AssertionError:
        await bot.stop()
        raise AssertionError("the bot did not start polling both networks:\n"
                             + bot.log()[-3000:]) from None
    assert bot.proc.returncode is None, "modbot run exited:\n" + bot.log()[-3000:]  # type: ignore
    bot.polling()
    return bot


@pytest.fixture
async def tg() -> AsyncIterator[TwoNetBotApi]:
    api = await TwoNetBotApi().start()
    api.supergroup(GROUP, "Oak School Parents", creator=ADMIN)
    api.supergroup(QUEUE, "Oak School Moderators", creator=QUEUE_MOD)
    api.user(MEMBER, "Mary")
    api.user(OFFENDER, "Oscar", username="oscar_o")
    api.user(REPORTER, "Rita")
    yield api
    await api.close()


@pytest.fixture
async def vk() -> AsyncIterator[TwoNetVkApi]:
    api = await TwoNetVkApi().start()
    yield api
    await api.close()


@pytest.fixture
async def bot(tg: TwoNetBotApi, vk: TwoNetVkApi, tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = await start_both(tg, vk, write_two_network_config(tmp_path, tg, vk))
    yield process
    code = await process.stop()
    assert code == 0, "modbot run did not stop cleanly:\n" + process.log()[-3000:]


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------

async def settle(tg: ForeignBotApi, vk: TwoNetVkApi, polls: int = 3) -> None:
    """Let the bot go round both long polls a few more times."""
    tg_mark = len(tg.calls_to("getUpdates"))
    vk_mark = len(vk.calls_to("longpoll.check"))
    await tg.wait_for(lambda: len(tg.calls_to("getUpdates")) >= tg_mark + polls
                      and len(vk.calls_to("longpoll.check")) >= vk_mark + polls,
                      timeout=60, what="more polls on both networks")


async def outage_spans_retries(api: TwoNetBotApi | TwoNetVkApi, mark: int) -> None:
    """Keep the network down until the bot has failed OUTAGE_POLLS more long polls on it."""
    await api.wait_for(lambda: api.polls_refused >= mark + OUTAGE_POLLS, timeout=90,
                       what=f"{OUTAGE_POLLS} failed long polls during the outage")


async def elapse(tg: ForeignBotApi, seconds: float) -> None:
    start = time.monotonic()
    await tg.wait_for(lambda: time.monotonic() - start >= seconds, timeout=seconds + 30,
                      what=f"{seconds}s to pass")


def texts(vk: TwoNetVkApi, peer: int) -> list[str]:
    return [s["message"] for s in vk.sent_to(peer)]


def removed_from(vk: TwoNetVkApi, peer: int, member: int) -> bool:
    return (peer - 2_000_000_000, member) in vk.removed


def bans_of(vk: TwoNetVkApi, member: int) -> list[dict[str, Any]]:
    return [b for b in vk.bans if int(b.get("owner_id") or 0) == member]


def cyrillic(text: str) -> bool:
    return bool(re.search(r"[А-Яа-яЁё]", text))


def no_tracebacks(bot: BotProcess) -> None:
    log = bot.log()
    assert "Traceback" not in log, log[-4000:]


async def vk_report_to_tg_queue(tg: TwoNetBotApi, vk: TwoNetVkApi,
                                spam_text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    spam = await vk.member_writes(VK_CHAT, VK_OFFENDER, spam_text)
    await vk.member_writes(VK_CHAT, VK_REPORTER, "!report spam",
                           reply_to=spam["conversation_message_id"])
    await tg.wait_for(lambda: [m for m in tg.bot_messages(QUEUE)
                               if spam_text[:20] in (m.get("text") or "")], timeout=60,
                      what="the VK ticket card in the Telegram queue")
    card = next(m for m in tg.bot_messages(QUEUE) if spam_text[:20] in (m.get("text") or ""))
    return spam, card


# --------------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------------

async def test_warnings_count_across_the_vk_chat_and_the_wall_and_the_ladder_continues(
        tg: TwoNetBotApi, vk: TwoNetVkApi, bot: BotProcess) -> None:
    """README: warnings count across the community's chats; each step lands in the chat of
    the offence. Oleg swears in oak-school's VK chat (warning 1), then on its wall (step 2,
    mute → on the wall a community ban for the mute's hour), then in the chat again (step 3,
    mute 1d → removed from the chat). A Telegram member's ladder is his own."""
    first = await vk.member_writes(VK_CHAT, VK_OFFENDER, RUDE)
    await vk.wait_for(lambda: (VK_CHAT, first["conversation_message_id"]) in vk.deleted,
                      timeout=60, what="the chat message deleted")
    await vk.wait_for(lambda: vk.sent_to(VK_CHAT), timeout=30, what="warning 1")
    assert not vk.removed and not vk.bans, (vk.removed, vk.bans)

    comment = await vk.comment(POST, VK_OFFENDER, RUDE_2)
    await vk.wait_for(lambda: comment["id"] in vk.deleted_comments, timeout=60,
                      what="the wall comment deleted")
    await vk.wait_for(lambda: bans_of(vk, VK_OFFENDER), timeout=60,
                      what="step 2 on the wall: a community ban for the mute's hour")
    ban = bans_of(vk, VK_OFFENDER)[0]
    end = int(ban.get("end_date") or 0)
    assert abs(end - (time.time() + 3600)) < 300, \
        f"step 2 (mute 1h) should be a one-hour community ban, got {ban}"

    third = await vk.member_writes(VK_CHAT, VK_OFFENDER, RUDE_3)
    await vk.wait_for(lambda: (VK_CHAT, third["conversation_message_id"]) in vk.deleted,
                      timeout=60, what="the third offence deleted")
    await vk.wait_for(lambda: removed_from(vk, VK_CHAT, VK_OFFENDER), timeout=60,
                      what="step 3 (mute 1d) in the chat: removed from the chat")

    # a Telegram member's first offence is his own first step: a warning, no mute
    rude_tg = await tg.member_writes(GROUP, OFFENDER, "ты хуйло ебаное")
    await tg.wait_for(lambda: (GROUP, rude_tg["message_id"]) in tg.deleted, timeout=60,
                      what="the Telegram message deleted")
    await tg.wait_for(lambda: tg.bot_messages(GROUP), timeout=30, what="the Telegram warning")
    await settle(tg, vk)
    assert not tg.calls_to("restrictChatMember"), "a first Telegram offence is a warning"
    assert not vk.sent_to(VK_CHAT_B) and not vk.sent_to(VK_QUEUE)
    no_tracebacks(bot)


async def test_vk_report_card_in_the_telegram_queue_ban_author_acts_on_vk(
        tg: TwoNetBotApi, vk: TwoNetVkApi, bot: BotProcess) -> None:
    """A VK member's report lands in oak-school's Telegram queue; "Ban author" bans on VK
    (groups.ban with the user token, removed from the chat), deletes the message and
    resolves the ticket; nothing goes to birch-club's VK queue."""
    spam, card = await vk_report_to_tg_queue(tg, vk, "Earn $5000 a week from home, DM me")
    assert "#1" in card["text"], card["text"]
    ban = next(d for d in buttons(card) if d.startswith("t:ban:"))
    query = await tg.press(QUEUE, card["message_id"], QUEUE_MOD, ban)
    await tg.wait_for(lambda: tg.calls_to("answerCallbackQuery", callback_query_id=query),
                      timeout=60, what="the press answered")
    await vk.wait_for(lambda: bans_of(vk, VK_OFFENDER), timeout=60, what="groups.ban on VK")
    assert not vk.bans[0].get("end_date"), "Ban author is a permanent ban"
    await vk.wait_for(lambda: (VK_CHAT, spam["conversation_message_id"]) in vk.deleted,
                      timeout=60, what="the reported VK message deleted")
    await vk.wait_for(lambda: removed_from(vk, VK_CHAT, VK_OFFENDER), timeout=60,
                      what="removed from the VK chat")
    await tg.wait_for(lambda: not any(d.startswith("t:ban:") for d in buttons(
        tg.messages[(QUEUE, card["message_id"])])), timeout=60, what="the card closed")
    await settle(tg, vk)
    assert len(bans_of(vk, VK_OFFENDER)) == 1, vk.bans
    assert not tg.calls_to("banChatMember"), "nothing to ban on Telegram"
    assert not vk.sent_to(VK_QUEUE), texts(vk, VK_QUEUE)
    no_tracebacks(bot)


async def test_schedule_from_the_telegram_queue_posts_once_to_every_chat_on_both_networks(
        tg: TwoNetBotApi, vk: TwoNetVkApi, bot: BotProcess) -> None:
    """/schedule in the Telegram queue with no chats named goes to all of oak-school's chats:
    the Telegram group, the VK chat and the VK wall — each exactly once — and nowhere else."""
    text = "Open day on Saturday at 11:00, everyone welcome"
    # the bot is up and polling (the fixture waited for it): a few seconds ahead is enough
    await tg.member_writes(QUEUE, QUEUE_MOD, f"/schedule in 5s {text}")
    await tg.wait_for(lambda: [t for t in tg.bot_texts(GROUP) if text in t]
                      and [s for s in vk.sent_to(VK_CHAT) if text in s["message"]]
                      and [w for w in vk.wall_posts if text in str(w.get("message"))],
                      timeout=120, what="the post in the group, the VK chat and on the wall")
    await elapse(tg, seconds_past_a_scheduler_round())  # the next round does not post again
    await settle(tg, vk)
    assert len([t for t in tg.bot_texts(GROUP) if text in t]) == 1, tg.bot_texts(GROUP)
    assert len([s for s in vk.sent_to(VK_CHAT) if text in s["message"]]) == 1, \
        texts(vk, VK_CHAT)
    assert len([w for w in vk.wall_posts if text in str(w.get("message"))]) == 1, \
        vk.wall_posts
    assert not [t for t in tg.bot_texts(QUEUE) if t == text], "not posted into the queue"
    assert not [s for s in vk.sent if s["peer_id"] in (VK_CHAT_B, VK_QUEUE)
                and text in s["message"]], "birch-club is another community"
    no_tracebacks(bot)


async def test_faq_answers_on_both_networks_from_each_communitys_faq(
        tg: TwoNetBotApi, vk: TwoNetVkApi, bot: BotProcess) -> None:
    """oak-school's English FAQ answers in its Telegram group, its VK chat and under its wall
    posts; birch-club's Russian FAQ answers in its VK chat, and oak's FAQ does not."""
    q_tg = await tg.member_writes(GROUP, MEMBER, "When are you open?")
    q_vk = await vk.member_writes(VK_CHAT, VK_MEMBER, "Where can I park my car?")
    q_wall = await vk.comment(POST, VK_MEMBER, "When are you open?")
    q_b = await vk.member_writes(VK_CHAT_B, VK_B_MEMBER, "Сколько стоит абонемент?")
    await tg.wait_for(lambda: [m for m in tg.bot_messages(GROUP)
                               if "9:00 to 21:00" in (m.get("text") or "")], timeout=120,
                      what="the Telegram answer")
    answer = next(m for m in tg.bot_messages(GROUP) if "9:00 to 21:00" in m.get("text", ""))
    assert answer["reply_to_message"]["message_id"] == q_tg["message_id"]
    await vk.wait_for(lambda: [s for s in vk.sent_to(VK_CHAT) if "Oak Street" in s["message"]],
                      timeout=60, what="the VK chat answer")
    vk_answer = next(s for s in vk.sent_to(VK_CHAT) if "Oak Street" in s["message"])
    forward = json.loads(vk_answer.get("forward") or "{}")
    assert forward.get("conversation_message_ids") == [q_vk["conversation_message_id"]]
    await vk.wait_for(lambda: vk.wall_said("9:00 to 21:00"), timeout=60,
                      what="the answer under the wall post")
    assert int(vk.wall_said("9:00 to 21:00")[0].get("reply_to_comment") or 0) == q_wall["id"]
    await vk.wait_for(lambda: [s for s in vk.sent_to(VK_CHAT_B) if "3000" in s["message"]],
                      timeout=60, what="birch-club's Russian answer")
    b_answer = next(s for s in vk.sent_to(VK_CHAT_B) if "3000" in s["message"])
    assert json.loads(b_answer.get("forward") or "{}").get("conversation_message_ids") == [
        q_b["conversation_message_id"]]
    # oak's English FAQ is not birch-club's
    await vk.member_writes(VK_CHAT_B, VK_B_MEMBER, "When are you open?")
    await settle(tg, vk, polls=4)
    assert not [s for s in vk.sent_to(VK_CHAT_B) if "9:00 to 21:00" in s["message"]]
    assert len([s for s in vk.sent_to(VK_CHAT) if "Oak Street" in s["message"]]) == 1
    no_tracebacks(bot)


async def test_replies_are_in_each_communitys_language_on_vk(
        tg: TwoNetBotApi, vk: TwoNetVkApi, bot: BotProcess) -> None:
    """The same bot, the same VK group: the warning in birch-club's chat is Russian, the one
    in oak-school's chat English."""
    rude_b = await vk.member_writes(VK_CHAT_B, VK_B_OFFENDER, RUDE)
    rude_a = await vk.member_writes(VK_CHAT, VK_OFFENDER, RUDE)
    await vk.wait_for(lambda: (VK_CHAT_B, rude_b["conversation_message_id"]) in vk.deleted
                      and (VK_CHAT, rude_a["conversation_message_id"]) in vk.deleted,
                      timeout=60, what="both deleted")
    await vk.wait_for(lambda: vk.sent_to(VK_CHAT_B) and vk.sent_to(VK_CHAT), timeout=60,
                      what="both warnings")
    b_notice = texts(vk, VK_CHAT_B)[0]
    a_notice = texts(vk, VK_CHAT)[0]
    assert cyrillic(b_notice.replace("Глеб", "").replace("Грубиян", "")), b_notice
    assert "warning" in a_notice.lower(), a_notice
    no_tracebacks(bot)


async def test_vk_down_for_a_minute_telegram_keeps_moderating_nothing_lost_or_doubled(
        tg: TwoNetBotApi, vk: TwoNetVkApi, bot: BotProcess) -> None:
    """VK answers 502 to every method and to the long poll (until the bot has backed off
    several times: OUTAGE_POLLS). Meanwhile Telegram is moderated and answered as usual. When
    VK is back, what was written on VK during the outage is handled exactly once, and a "Ban
    author" pressed in the Telegram queue on a VK card during the outage takes effect once."""
    _, card = await vk_report_to_tg_queue(tg, vk, "Followers for sale, 1000 for $1")
    vk.down = True
    down_at = time.monotonic()
    refused = vk.polls_refused
    # written on VK during the outage (VK keeps the events for the long poll's ts)
    rude_vk = await vk.member_writes(VK_CHAT, VK_OFFENDER, RUDE)
    q_vk = await vk.member_writes(VK_CHAT, VK_MEMBER, "When are you open?")
    ban = next(d for d in buttons(card) if d.startswith("t:ban:"))
    await tg.press(QUEUE, card["message_id"], QUEUE_MOD, ban)
    # Telegram, meanwhile
    rude_tg = await tg.member_writes(GROUP, OFFENDER, "иди нахуй")
    q_tg = await tg.member_writes(GROUP, MEMBER, "Where can I park my car?")
    await tg.wait_for(lambda: (GROUP, rude_tg["message_id"]) in tg.deleted, timeout=40,
                      what="Telegram moderation during the VK outage")
    await tg.wait_for(lambda: [m for m in tg.bot_messages(GROUP)
                               if "Oak Street" in (m.get("text") or "")], timeout=40,
                      what="the Telegram FAQ answer during the VK outage")
    assert vk.down and time.monotonic() - down_at < 60, "Telegram waited for VK"
    assert next(m for m in tg.bot_messages(GROUP) if "Oak Street" in m.get("text", ""))[
        "reply_to_message"]["message_id"] == q_tg["message_id"]
    await outage_spans_retries(vk, refused)
    assert vk.refused_while_down > 0, "the bot did not even try VK during the outage"
    assert bot.proc.returncode is None, bot.log()[-3000:]  # type: ignore[union-attr]
    vk.down = False

    await vk.wait_for(lambda: (VK_CHAT, rude_vk["conversation_message_id"]) in vk.deleted,
                      timeout=120, what="the VK message written during the outage deleted")
    await vk.wait_for(lambda: [s for s in vk.sent_to(VK_CHAT) if "9:00 to 21:00" in
                               s["message"]], timeout=60, what="the VK question answered")
    await vk.wait_for(lambda: bans_of(vk, VK_OFFENDER), timeout=120,
                      what="the ban pressed during the outage carried out")
    await settle(tg, vk, polls=6)  # past the outbox's drains and any redelivery
    assert len([s for s in vk.sent_to(VK_CHAT) if "9:00 to 21:00" in s["message"]]) == 1, \
        texts(vk, VK_CHAT)
    warnings = [s for s in vk.sent_to(VK_CHAT) if "Oleg" in s["message"]
                and "warn" in s["message"].lower()]
    assert len(warnings) <= 1, texts(vk, VK_CHAT)
    assert len(bans_of(vk, VK_OFFENDER)) == 1, vk.bans
    assert len([p for p in vk.ok_calls("messages.delete")
                if str(p.get("cmids")) == str(rude_vk["conversation_message_id"])]) <= 1
    assert len([m for m in tg.bot_messages(GROUP)
                if "Oak Street" in (m.get("text") or "")]) == 1, tg.bot_texts(GROUP)
    assert bot.proc.returncode is None  # type: ignore[union-attr]
    vk_answer = next(s for s in vk.sent_to(VK_CHAT) if "9:00 to 21:00" in s["message"])
    assert json.loads(vk_answer.get("forward") or "{}").get("conversation_message_ids") == [
        q_vk["conversation_message_id"]], vk_answer
    no_tracebacks(bot)


async def test_telegram_getupdates_failing_for_a_minute_vk_keeps_going_nothing_lost(
        tg: TwoNetBotApi, vk: TwoNetVkApi, bot: BotProcess) -> None:
    """Telegram's getUpdates answers 502 (until the bot has backed off several times:
    OUTAGE_POLLS). VK is moderated and answered as
    usual, and a VK report still reaches the Telegram queue (sending works). When getUpdates
    recovers, the Telegram messages written meanwhile are handled exactly once."""
    tg.updates_down = True
    down_at = time.monotonic()
    refused = tg.polls_refused
    rude_tg = await tg.member_writes(GROUP, OFFENDER, "ты хуйло ебаное")
    q_tg = await tg.member_writes(GROUP, MEMBER, "When are you open?")
    rude_vk = await vk.member_writes(VK_CHAT, VK_OFFENDER, RUDE)
    await vk.wait_for(lambda: (VK_CHAT, rude_vk["conversation_message_id"]) in vk.deleted,
                      timeout=40, what="VK moderation during the Telegram outage")
    await vk.member_writes(VK_CHAT, VK_MEMBER, "Where can I park my car?")
    await vk.wait_for(lambda: [s for s in vk.sent_to(VK_CHAT) if "Oak Street" in s["message"]],
                      timeout=40, what="the VK FAQ answer during the Telegram outage")
    spam = await vk.member_writes(VK_CHAT, VK_OFFENDER, "Buy likes cheap, PM me")
    await vk.member_writes(VK_CHAT, VK_REPORTER, "!report spam",
                           reply_to=spam["conversation_message_id"])
    await tg.wait_for(lambda: [t for t in tg.bot_texts(QUEUE) if "Buy likes" in t],
                      timeout=40, what="the VK card in the Telegram queue during the outage")
    assert time.monotonic() - down_at < 60, "VK waited for Telegram"
    assert (GROUP, rude_tg["message_id"]) not in tg.deleted
    await outage_spans_retries(tg, refused)
    assert bot.proc.returncode is None, bot.log()[-3000:]  # type: ignore[union-attr]
    tg.updates_down = False

    await tg.wait_for(lambda: (GROUP, rude_tg["message_id"]) in tg.deleted, timeout=120,
                      what="the Telegram message written during the outage deleted")
    await tg.wait_for(lambda: [m for m in tg.bot_messages(GROUP)
                               if "9:00 to 21:00" in (m.get("text") or "")], timeout=60,
                      what="the Telegram question answered")
    await settle(tg, vk, polls=4)
    answers = [m for m in tg.bot_messages(GROUP) if "9:00 to 21:00" in (m.get("text") or "")]
    assert len(answers) == 1 and answers[0]["reply_to_message"]["message_id"] == \
        q_tg["message_id"], tg.bot_texts(GROUP)
    warnings = [t for t in tg.bot_texts(GROUP) if "Oscar" in t or "oscar" in t]
    assert len(warnings) == 1, tg.bot_texts(GROUP)
    assert len([t for t in tg.bot_texts(QUEUE) if "Buy likes" in t]) == 1, tg.bot_texts(QUEUE)
    assert len([s for s in vk.sent_to(VK_CHAT) if "Oak Street" in s["message"]]) == 1
    no_tracebacks(bot)


async def test_sigterm_stops_both_networks_cleanly_and_a_restart_repeats_nothing(
        tg: TwoNetBotApi, vk: TwoNetVkApi, tmp_path: Path) -> None:
    """Activity on both networks (answers, tickets in both queues, a scheduled post to every
    chat), SIGTERM → exit 0 within seconds; a restart on the same database sends nothing
    again, and then handles new messages on both networks."""
    # due as the bot comes up: this test checks that a restart does not repeat the post, not
    # its time (test_qa33's config schedule test does), so it need not wait out a start-up
    # guess; one due before the first round goes out in it (schedule_grace is an hour)
    at = (datetime.now(UTC) + timedelta(seconds=DUE_AT_START_UP)).strftime("%Y-%m-%d %H:%M:%S")
    post = "Term starts on Monday, see you at 8:30"
    config = write_two_network_config(tmp_path, tg, vk, extra_a=f"""
        [[community.schedule]]
        at = "{at}"
        text = "{post}"
        """)
    bot = await start_both(tg, vk, config)
    try:
        await tg.member_writes(GROUP, MEMBER, "When are you open?")
        await vk.member_writes(VK_CHAT, VK_MEMBER, "Where can I park my car?")
        await vk_report_to_tg_queue(tg, vk, "Earn money fast, click my profile")
        spam_b = await vk.member_writes(VK_CHAT_B, VK_B_OFFENDER, "Продаю подписчиков дёшево")
        await vk.member_writes(VK_CHAT_B, VK_B_MEMBER, "!report спам",
                               reply_to=spam_b["conversation_message_id"])
        await tg.wait_for(lambda: [m for m in tg.bot_messages(GROUP)
                                   if "9:00 to 21:00" in (m.get("text") or "")]
                          and [s for s in vk.sent_to(VK_CHAT) if "Oak Street" in s["message"]]
                          and vk.sent_to(VK_QUEUE)
                          and [t for t in tg.bot_texts(GROUP) if post in t]
                          and [s for s in vk.sent_to(VK_CHAT) if post in s["message"]]
                          and [w for w in vk.wall_posts if post in str(w.get("message"))],
                          timeout=120, what="everything done once")
        await settle(tg, vk)
    finally:
        stopped_at = time.monotonic()
        code = await bot.stop()
    assert code == 0, bot.log()[-3000:]
    assert time.monotonic() - stopped_at < 15, "SIGTERM took too long to stop both pollers"
    tg_before = [(m.get("text") or "") for c in (GROUP, QUEUE) for m in tg.bot_messages(c)]
    vk_before = len(vk.sent)
    walls_before = len(vk.wall_posts)

    bot = await start_both(tg, vk, config)
    try:
        # two scheduler rounds after the restart: the first as it starts, then one more
        await elapse(tg, seconds_past_a_scheduler_round())
        await settle(tg, vk, polls=3)
        tg_after = [(m.get("text") or "") for c in (GROUP, QUEUE) for m in tg.bot_messages(c)]
        assert tg_after == tg_before, "Telegram got messages again after the restart"
        assert len(vk.sent) == vk_before, [s["message"] for s in vk.sent[vk_before:]]
        assert len(vk.wall_posts) == walls_before, vk.wall_posts
        # and it is alive on both networks
        await tg.member_writes(GROUP, MEMBER, "Where can I park my car?")
        await vk.member_writes(VK_CHAT_B, VK_B_MEMBER, "Сколько стоит абонемент?")
        await tg.wait_for(lambda: [m for m in tg.bot_messages(GROUP)
                                   if "Oak Street" in (m.get("text") or "")]
                          and [s for s in vk.sent_to(VK_CHAT_B) if "3000" in s["message"]],
                          timeout=60, what="answers after the restart on both networks")
        no_tracebacks(bot)
    finally:
        code = await bot.stop()
    assert code == 0, bot.log()[-3000:]


async def test_moderators_of_oak_school_have_no_powers_in_birch_clubs_chat(
        tg: TwoNetBotApi, vk: TwoNetVkApi, bot: BotProcess) -> None:
    """The owner of oak's VK chat and oak's listed VK moderator are plain members in
    birch-club's chat: their /ban and /warn there do nothing. A /ban typed in oak's Telegram
    queue does not reach into birch-club's chat."""
    target = await vk.member_writes(VK_CHAT_B, VK_B_OFFENDER, "Продаю аккаунты, пишите в лс")
    await vk.member_writes(VK_CHAT_B, VK_ADMIN, "/ban",
                           reply_to=target["conversation_message_id"])
    await vk.member_writes(VK_CHAT_B, VK_A_LISTED, "/warn спам",
                           reply_to=target["conversation_message_id"])
    await vk.member_writes(VK_CHAT_B, VK_A_LISTED, "!kick",
                           reply_to=target["conversation_message_id"])
    await tg.member_writes(QUEUE, QUEUE_MOD, f"/kick vk:{VK_B_OFFENDER}")
    await tg.wait_for(lambda: tg.bot_messages(QUEUE), timeout=60,
                      what="the queue's answer to /kick")
    await settle(tg, vk, polls=5)
    assert not removed_from(vk, VK_CHAT_B, VK_B_OFFENDER), vk.removed
    assert not bans_of(vk, VK_B_OFFENDER), vk.bans
    said = " ".join(texts(vk, VK_CHAT_B))
    assert "Глеб" not in said or "предупрежд" not in said.lower(), said
    # and the same people do have those powers at home
    home = await vk.member_writes(VK_CHAT, VK_OFFENDER, "Selling accounts, PM me")
    await vk.member_writes(VK_CHAT, VK_A_LISTED, "/kick",
                           reply_to=home["conversation_message_id"])
    await vk.wait_for(lambda: removed_from(vk, VK_CHAT, VK_OFFENDER), timeout=60,
                      what="the listed moderator's /kick at home")
    no_tracebacks(bot)


async def test_birch_clubs_vk_queue_gets_its_own_tickets_only(
        tg: TwoNetBotApi, vk: TwoNetVkApi, bot: BotProcess) -> None:
    """Reports in oak's Telegram group and VK chat go to oak's Telegram queue as #1 and #2;
    a report in birch-club's chat goes to birch-club's VK queue as its own #1, in Russian;
    neither queue sees the other community's tickets."""
    spam_tg = await tg.member_writes(GROUP, OFFENDER, "Cheap watches at my shop")
    await tg.member_writes(GROUP, REPORTER, "/report spam", reply_to=spam_tg["message_id"])
    await tg.wait_for(lambda: [t for t in tg.bot_texts(QUEUE) if "Cheap watches" in t],
                      timeout=60, what="oak's Telegram ticket")
    _, card_vk = await vk_report_to_tg_queue(tg, vk, "Casino bonus 500%, link in bio")
    spam_b = await vk.member_writes(VK_CHAT_B, VK_B_OFFENDER, "Казино бонус 500%, ссылка в профиле")
    await vk.member_writes(VK_CHAT_B, VK_B_MEMBER, "!report спам",
                           reply_to=spam_b["conversation_message_id"])
    await vk.wait_for(lambda: [t for t in texts(vk, VK_QUEUE) if "Казино" in t], timeout=60,
                      what="birch-club's card in its VK queue")
    await settle(tg, vk)
    b_cards = [t for t in texts(vk, VK_QUEUE) if "Казино" in t]
    assert len(b_cards) == 1 and "#1" in b_cards[0], b_cards
    assert cyrillic(b_cards[0].replace("Казино", "")), b_cards[0]
    assert "#2" in card_vk["text"], card_vk["text"]
    assert not [t for t in texts(vk, VK_QUEUE) if "Cheap watches" in t or "Casino" in t], \
        texts(vk, VK_QUEUE)
    assert not [t for t in tg.bot_texts(QUEUE) if "Казино" in t], tg.bot_texts(QUEUE)
    ack_b = texts(vk, VK_CHAT_B)
    assert len(ack_b) == 1 and "#1" in ack_b[0] and cyrillic(ack_b[0]), ack_b
    no_tracebacks(bot)


async def test_vk_unreachable_for_a_minute_network_errors_telegram_unaffected_nothing_lost(
        tg: TwoNetBotApi, vk: TwoNetVkApi, bot: BotProcess) -> None:
    """VK's server is unreachable (connections refused: network errors, not HTTP answers) for
    OFFLINE_FOR seconds, several of the poller's backoffs (a minute at first, shortened for CI
    like the other outages). Telegram goes on; afterwards the VK backlog is handled exactly
    once."""
    await vk.go_offline()
    down_at = time.monotonic()
    try:
        rude_vk = await vk.member_writes(VK_CHAT, VK_OFFENDER, RUDE)
        await vk.member_writes(VK_CHAT_B, VK_B_MEMBER, "Сколько стоит абонемент?")
        rude_tg = await tg.member_writes(GROUP, OFFENDER, "иди нахуй")
        await tg.member_writes(GROUP, MEMBER, "When are you open?")
        await tg.wait_for(lambda: (GROUP, rude_tg["message_id"]) in tg.deleted
                          and [m for m in tg.bot_messages(GROUP)
                               if "9:00 to 21:00" in (m.get("text") or "")],
                          timeout=40, what="Telegram moderation while VK is unreachable")
        assert time.monotonic() - down_at < 60, "Telegram waited for VK"
        await tg.wait_for(lambda: time.monotonic() - down_at >= OFFLINE_FOR, timeout=60,
                          what="the outage to span several backoffs")
        assert bot.proc.returncode is None, bot.log()[-3000:]  # type: ignore[union-attr]
    finally:
        await vk.come_back()
    await vk.wait_for(lambda: (VK_CHAT, rude_vk["conversation_message_id"]) in vk.deleted
                      and [s for s in vk.sent_to(VK_CHAT_B) if "3000" in s["message"]],
                      timeout=180, what="the VK backlog handled after VK came back")
    await settle(tg, vk, polls=6)  # past the outbox's drains and any redelivery
    assert len([s for s in vk.sent_to(VK_CHAT_B) if "3000" in s["message"]]) == 1, \
        texts(vk, VK_CHAT_B)
    assert len(texts(vk, VK_CHAT)) == 1, texts(vk, VK_CHAT)  # one warning
    assert len([m for m in tg.bot_messages(GROUP)
                if "9:00 to 21:00" in (m.get("text") or "")]) == 1
    no_tracebacks(bot)


async def test_telegram_down_for_a_minute_vk_report_card_reaches_the_telegram_queue_once(
        tg: TwoNetBotApi, vk: TwoNetVkApi, bot: BotProcess) -> None:
    """Every Telegram method answers a proxy's 502 (until the bot has backed off several
    times: OUTAGE_POLLS). VK goes on (moderation, the
    reporter's acknowledgement); the card of a VK report, due in the Telegram queue, is
    delivered once when Telegram is back — not lost, not doubled."""
    tg.all_down = True
    down_at = time.monotonic()
    refused = tg.polls_refused
    rude_vk = await vk.member_writes(VK_CHAT, VK_OFFENDER, RUDE)
    spam = await vk.member_writes(VK_CHAT, VK_OFFENDER, "Followers for sale, 1000 for $1")
    await vk.member_writes(VK_CHAT, VK_REPORTER, "!report spam",
                           reply_to=spam["conversation_message_id"])
    await vk.wait_for(lambda: (VK_CHAT, rude_vk["conversation_message_id"]) in vk.deleted
                      and [t for t in texts(vk, VK_CHAT) if "#1" in t], timeout=40,
                      what="VK moderation and the acknowledgement while Telegram is down")
    assert time.monotonic() - down_at < 60, "VK waited for Telegram"
    await outage_spans_retries(tg, refused)
    assert tg.refused_while_down > 0
    assert bot.proc.returncode is None, bot.log()[-3000:]  # type: ignore[union-attr]
    tg.all_down = False
    await tg.wait_for(lambda: [t for t in tg.bot_texts(QUEUE) if "Followers for sale" in t],
                      timeout=180, what="the card delivered after Telegram came back")
    await settle(tg, vk, polls=6)  # past the outbox's drains and any redelivery
    assert len([t for t in tg.bot_texts(QUEUE) if "Followers for sale" in t]) == 1, \
        tg.bot_texts(QUEUE)
    assert len([t for t in texts(vk, VK_CHAT) if "#1" in t]) == 1, texts(vk, VK_CHAT)
    no_tracebacks(bot)


async def test_ban_pressed_while_vk_is_down_survives_a_restart_and_lands_once(
        tg: TwoNetBotApi, vk: TwoNetVkApi, tmp_path: Path) -> None:
    """README: the outbox is delivered, after a crash or stop on restart. A "Ban author"
    pressed in the Telegram queue while VK answers 502, then SIGTERM (exit 0), then VK back
    and a restart: the VK ban happens exactly once."""
    config = write_two_network_config(tmp_path, tg, vk)
    bot = await start_both(tg, vk, config)
    try:
        spam, card = await vk_report_to_tg_queue(tg, vk, "Crypto doubling scheme, DM me")
        vk.down = True
        ban = next(d for d in buttons(card) if d.startswith("t:ban:"))
        query = await tg.press(QUEUE, card["message_id"], QUEUE_MOD, ban)
        await tg.wait_for(lambda: tg.calls_to("answerCallbackQuery", callback_query_id=query),
                          timeout=60, what="the press answered")
        refused = vk.refused_while_down
        await vk.wait_for(lambda: vk.refused_while_down > refused + 2, timeout=60,
                          what="the bot trying VK")
    finally:
        code = await bot.stop()
    assert code == 0, bot.log()[-3000:]
    assert not vk.bans
    vk.down = False
    bot = await start_both(tg, vk, config)
    try:
        await vk.wait_for(lambda: bans_of(vk, VK_OFFENDER), timeout=120,
                          what="the ban carried out after the restart")
        await elapse(tg, 8)
        await settle(tg, vk)
        assert len(bans_of(vk, VK_OFFENDER)) == 1, vk.bans
        await vk.wait_for(lambda: (VK_CHAT, spam["conversation_message_id"]) in vk.deleted,
                          timeout=60, what="the reported message deleted")
        no_tracebacks(bot)
    finally:
        code = await bot.stop()
    assert code == 0, bot.log()[-3000:]


async def test_ban_in_reply_to_a_card_in_birch_clubs_vk_queue_acts_in_birch_club_only(
        tg: TwoNetBotApi, vk: TwoNetVkApi, bot: BotProcess) -> None:
    """birch-club's moderator answers its VK card with !ban: the author is banned (VK's ban is
    community-wide) and removed from birch-club's chat, not from oak-school's chat, and oak's
    Telegram queue hears nothing of it."""
    vk.chats[VK_CHAT]["members"] |= {VK_B_OFFENDER}
    spam = await vk.member_writes(VK_CHAT_B, VK_B_OFFENDER, "Казино бонус 500%, пиши в лс")
    await vk.member_writes(VK_CHAT_B, VK_B_MEMBER, "!report спам",
                           reply_to=spam["conversation_message_id"])
    await vk.wait_for(lambda: [s for s in vk.sent_to(VK_QUEUE) if "Казино" in s["message"]],
                      timeout=60, what="birch-club's card")
    card = next(s for s in vk.sent_to(VK_QUEUE) if "Казино" in s["message"])
    vk.card_is_a_message(VK_QUEUE, card)
    queue_before = len(tg.bot_texts(QUEUE))
    await vk.member_writes(VK_QUEUE, VK_MOD, "!ban спам", reply_to=card["cmid"])
    await vk.wait_for(lambda: removed_from(vk, VK_CHAT_B, VK_B_OFFENDER), timeout=60,
                      what="removed from birch-club's chat")
    await settle(tg, vk)
    assert bans_of(vk, VK_B_OFFENDER), vk.bans
    assert not removed_from(vk, VK_CHAT, VK_B_OFFENDER), vk.removed
    assert len(tg.bot_texts(QUEUE)) == queue_before, tg.bot_texts(QUEUE)
    no_tracebacks(bot)


async def test_private_questions_on_vk_go_to_the_community_the_member_was_last_seen_in(
        tg: TwoNetBotApi, vk: TwoNetVkApi, bot: BotProcess) -> None:
    """README: a member's private chat with the bot belongs to the community where they were
    last seen. One VK group serves both communities: birch-club's member gets birch-club's
    Russian FAQ in private, oak-school's member gets oak's English one."""
    await vk.member_writes(VK_CHAT_B, VK_B_MEMBER, "Всем привет, я новенькая")
    await vk.member_writes(VK_CHAT, VK_MEMBER, "Hi all, glad to be here")
    await settle(tg, vk)
    await vk.member_writes(VK_B_MEMBER, VK_B_MEMBER, "Сколько стоит абонемент?")
    await vk.member_writes(VK_MEMBER, VK_MEMBER, "When are you open?")
    await vk.wait_for(lambda: [s for s in vk.sent_to(VK_B_MEMBER) if "3000" in s["message"]]
                      and [s for s in vk.sent_to(VK_MEMBER) if "9:00 to 21:00" in s["message"]],
                      timeout=60, what="each member answered privately from their community's FAQ")
    await settle(tg, vk)
    assert len(vk.sent_to(VK_B_MEMBER)) == 1, texts(vk, VK_B_MEMBER)
    assert len(vk.sent_to(VK_MEMBER)) == 1, texts(vk, VK_MEMBER)
    no_tracebacks(bot)


async def test_photo_scheduled_from_the_telegram_queue_reaches_the_vk_chats_or_says_why_not(
        tg: TwoNetBotApi, vk: TwoNetVkApi, bot: BotProcess) -> None:
    """README: `/schedule <when>` in reply to a message posts its text and photo; without
    `chats` a post goes to all the community's chats. A moderator schedules a poster from the
    Telegram queue: the VK chat and the wall get it too — or, if a Telegram photo cannot go
    to VK, the confirmation says the VK chats are left out (not just a shorter chat list)."""
    photo = [{"file_id": "AgACAgIAAxkBAAIB_small_00001", "file_unique_id": "AQADs1",
              "width": 90, "height": 60},
             {"file_id": "AgACAgIAAxkBAAIB_big_000001", "file_unique_id": "AQADb1",
              "width": 1280, "height": 853}]
    poster = tg._store(QUEUE, tg._new_message(QUEUE, tg.user(QUEUE_MOD), photo=photo,
                                              caption="Spring fair on Saturday at 12:00!"))
    tg._push("message", poster)
    await tg._notify()
    command = await tg.member_writes(QUEUE, QUEUE_MOD, "/schedule in 5s",
                                     reply_to=poster["message_id"])
    await tg.wait_for(lambda: [m for m in tg.bot_messages(QUEUE)
                               if (m.get("reply_to_message") or {}).get("message_id")
                               == command["message_id"]], timeout=60, what="the confirmation")
    confirmation = next(m for m in tg.bot_messages(QUEUE)
                        if (m.get("reply_to_message") or {}).get("message_id")
                        == command["message_id"])["text"]
    await tg.wait_for(lambda: tg.calls_to("sendPhoto", chat_id=GROUP), timeout=90,
                      what="the poster in the Telegram group")
    await elapse(tg, seconds_past_a_scheduler_round())  # the VK ones too, or never
    await settle(tg, vk)
    on_vk_chat = [s for s in vk.sent_to(VK_CHAT) if "Spring fair" in s["message"]]
    on_wall = [w for w in vk.wall_posts if "Spring fair" in str(w.get("message"))]
    told = "vk" in confirmation.lower() and ("photo" in confirmation.lower()
                                             or "only" in confirmation.lower())
    assert (on_vk_chat and on_wall) or told, (
        "the poster went to Telegram only and the moderator was not told VK is left out",
        confirmation, texts(vk, VK_CHAT), vk.wall_posts)
    assert len(tg.calls_to("sendPhoto", chat_id=GROUP)) == 1
    no_tracebacks(bot)


async def test_same_numeric_id_on_both_networks_is_two_people(
        tg: TwoNetBotApi, vk: TwoNetVkApi, bot: BotProcess) -> None:
    """Telegram user 8300 and VK user 8300 are strangers. The VK one's warning does not make
    the Telegram one's first offence a second step, and `/ban vk:8300` typed in the Telegram
    queue bans on VK only."""
    tg.user(VK_OFFENDER, "Tanya")  # a Telegram member whose id happens to be 8300
    rude_vk = await vk.member_writes(VK_CHAT, VK_OFFENDER, RUDE)
    await vk.wait_for(lambda: (VK_CHAT, rude_vk["conversation_message_id"]) in vk.deleted
                      and vk.sent_to(VK_CHAT), timeout=60, what="VK warning 1")
    rude_tg = await tg.member_writes(GROUP, VK_OFFENDER, "ну ты и пиздабол")
    await tg.wait_for(lambda: (GROUP, rude_tg["message_id"]) in tg.deleted
                      and tg.bot_messages(GROUP), timeout=60, what="Telegram warning")
    await settle(tg, vk)
    assert not tg.calls_to("restrictChatMember"), "Tanya's first offence is a warning"
    assert "Tanya" in " ".join(tg.bot_texts(GROUP)), tg.bot_texts(GROUP)
    await tg.member_writes(QUEUE, QUEUE_MOD, f"/ban vk:{VK_OFFENDER} spam")
    await vk.wait_for(lambda: bans_of(vk, VK_OFFENDER), timeout=60, what="the VK ban")
    await settle(tg, vk)
    assert not tg.calls_to("banChatMember"), [c.params for c in tg.calls_to("banChatMember")]
    no_tracebacks(bot)


async def test_unban_typed_in_the_telegram_queue_lifts_a_vk_ban_and_clears_warnings(
        tg: TwoNetBotApi, vk: TwoNetVkApi, bot: BotProcess) -> None:
    """README: lifting the bot's own ban also clears the member's warnings (a fresh start).
    Oleg is warned on VK, banned from the Telegram queue, then unbanned from it: groups.unban
    is called, and his next offence is a first warning again, not a removal."""
    first = await vk.member_writes(VK_CHAT, VK_OFFENDER, RUDE)
    await vk.wait_for(lambda: (VK_CHAT, first["conversation_message_id"]) in vk.deleted
                      and vk.sent_to(VK_CHAT), timeout=60, what="warning 1")
    await tg.member_writes(QUEUE, QUEUE_MOD, f"/ban vk:{VK_OFFENDER} abuse")
    await vk.wait_for(lambda: bans_of(vk, VK_OFFENDER), timeout=60, what="the ban")
    await tg.member_writes(QUEUE, QUEUE_MOD, f"/unban vk:{VK_OFFENDER}")
    await vk.wait_for(lambda: [u for u in vk.unbans
                               if int(u.get("owner_id") or 0) == VK_OFFENDER], timeout=60,
                      what="groups.unban")
    await settle(tg, vk)
    removed_before = list(vk.removed)
    again = await vk.member_writes(VK_CHAT, VK_OFFENDER, RUDE_2)
    await vk.wait_for(lambda: (VK_CHAT, again["conversation_message_id"]) in vk.deleted,
                      timeout=60, what="the new offence deleted")
    await settle(tg, vk)
    assert vk.removed == removed_before, ("after an unban the ladder starts afresh",
                                          vk.removed, texts(vk, VK_CHAT))
    no_tracebacks(bot)
