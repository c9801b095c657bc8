"""QA round 64: an owner UPGRADES modbot.

They ran an older release for a week (commit 58172d2, migration 0001; see
tests/data/upgrade/README.txt): its SQLite database holds tickets closed and open with cards in
the queue, warnings, a running mute, a three-day ban and a permanent one, FAQ entries added,
edited and deleted in chat, a fresh FAQ answer, a daily config post, a daily and two one-off
posts scheduled in chat, audit records, and two messages the Bot API had told to wait (429)
still in the outbox. They stop it at 2026-11-26 06:45 UTC (09:45 in Europe/Moscow, the
community's clock), install this release and start it with the same config and database.

Each test copies that database to tmp_path and starts the CURRENT bot on it, in process, with
both adapters against the local emulators, whose worlds continue where the old release's
left them (tests/data/upgrade/world.json: the messages, the cards with their buttons, the next
update and message ids, VK's long-poll ts). Time is the injected FakeClock. Each test checks
what the owner, the moderators and the members would see; a failing test is a finding.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import shutil
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from tg_emulator import TelegramEmulator
from tg_emulator.harness import TOKEN, FakeTime, fast_options
from tg_emulator.wire import render, replies_to
from vk_emulator.harness import Sleeps
from vk_emulator.server import ChatMessage, Peer, VkEmulator

from bot.app import App, create_app
from bot.config import load_config
from bot.core.clock import FakeClock
from bot.db.migrate import alembic_config

DATA = Path(__file__).parent / "data" / "upgrade"
STOPPED = datetime(2026, 11, 26, 6, 45, tzinfo=UTC)  # the old release's last moment

GROUP, QUEUE = -1001, -2002
OLGA, MAX = 700, 900  # Olga: admin of the group and the queue; Max: a listed moderator
BOB, CAROL, DAN, EVE, RITA, FRANK = 111, 222, 444, 555, 666, 888
VK_CHAT = 2_000_000_001
VASYA, LENA, SPAMMY = 501, 502, 777
# what the old release left in the emulators' worlds (see world.json)
CARD_3, CARD_4 = 108, 109  # the queue's cards of tickets #3 (new) and #4 (claimed by Max)
EVE_AD = 144  # Eve's message reported in ticket #3
RITA_REPORT_5 = 151  # Rita's /report of ticket #5, whose acknowledgement is in the outbox
LAST_ANSWER = 149  # the FAQ answer to "When are the lessons?" at 06:35
MORNING = "Good morning, Oak School!"
EVENING = "Evening reminder: homework is due at 23:00."
OPEN_LESSON = "Open lesson tomorrow at 10:00"
MEETING = "Parents' meeting today"

#: the newest migration: an upgraded database ends there
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


# --------------------------------------------------------------------------------------------
# The platforms as the old release left them
# --------------------------------------------------------------------------------------------

def _world() -> dict[str, Any]:
    import json

    return json.loads((DATA / "world.json").read_text(encoding="utf-8"))


def restore_telegram(emu: TelegramEmulator, world: dict[str, Any]) -> None:
    tg = world["telegram"]
    for user in tg["users"]:
        emu.world.users[int(user["id"])] = dict(user)
    for info in tg["chats"]:
        chat = emu.world.chat(info["id"], info["type"], info["title"], info["username"])
        chat.admins = set(info["admins"])
        chat.members = {int(k): v for k, v in info["members"].items()}
        chat.next_message_id = info["next_message_id"]
    for stored in tg["messages"]:
        chat = emu.world.chats[stored["chat_id"]]
        emu.world.store(chat, stored["message"], from_bot=stored["from_bot"]).deleted = \
            stored["deleted"]
    emu.world._update_ids = itertools.count(tg["next_update_id"])
    emu.world._callback_ids = itertools.count(tg["next_callback_id"])


def restore_vk(emu: VkEmulator, world: dict[str, Any]) -> None:
    vk = world["vk"]
    emu.ts_offset = vk["ts"]
    emu._events = itertools.count(vk["next_event"])
    emu._ids = itertools.count(vk["next_id"])
    for info in vk["peers"]:
        peer = Peer(info["peer_id"], {int(k): v for k, v in info["members"].items()},
                    next_cmid=info["next_cmid"])
        peer.messages = [ChatMessage(info["peer_id"], m["cmid"], m["from_id"], m["text"],
                                     m["keyboard"], m["reply_to"], m["deleted"])
                         for m in info["messages"]]
        emu.peers[peer.peer_id] = peer
    emu.posts = {int(k): v for k, v in vk["posts"].items()}
    emu.bans = {int(k): v for k, v in vk["bans"].items()}
    emu.real_names.update({int(k): (v[0], v[1]) for k, v in vk["real_names"].items()})


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(STOPPED + timedelta(minutes=5))  # five minutes to install the new release


@pytest.fixture
async def tg(clock: FakeClock) -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(TOKEN) as emulator:
        emulator.world.clock = lambda: clock.now().timestamp()
        restore_telegram(emulator, _world())
        yield emulator


@pytest.fixture
async def vk(clock: FakeClock) -> AsyncIterator[VkEmulator]:
    emulator = await VkEmulator().start()
    emulator.clock = lambda: clock.now().timestamp()
    restore_vk(emulator, _world())
    yield emulator
    await emulator.close()


@pytest.fixture
def config_path(tmp_path: Path, tg: TelegramEmulator, vk: VkEmulator,
                monkeypatch: pytest.MonkeyPatch) -> Path:
    """The owner's own config and database, copied; only the API addresses are the
    emulators' (the saved config names placeholders), tokens from the environment."""
    for name in ("modbot.db", "faq.toml"):
        shutil.copyfile(DATA / name, tmp_path / name)
    text = (DATA / "config.toml").read_text(encoding="utf-8")
    text = text.replace("http://127.0.0.1:8082/method/", vk.api_base)
    text = text.replace("http://127.0.0.1:8081", tg.api_base)
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("MODBOT_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("MODBOT_VK_TOKEN", vk.token)
    monkeypatch.setenv("MODBOT_VK_USER_TOKEN", vk.user_token)
    return path


class Bot:
    """The new release: both adapters on one App, as `modbot run` does, and its scheduler
    driven by hand on the injected clock."""

    def __init__(self, config_path: Path, clock: FakeClock, tg: TelegramEmulator,
                 vk: VkEmulator) -> None:
        self.config_path, self.clock, self.tg, self.vk = config_path, clock, tg, vk
        self.app: App | None = None
        self.stop_event = asyncio.Event()
        self.tasks: list[asyncio.Task[Any]] = []
        self.witnesses = itertools.count(7000)

    async def start(self) -> Bot:
        from handlers.telegram.runner import run_telegram
        from handlers.vk.runner import run_vk

        self.app = await create_app(load_config(self.config_path), clock=self.clock,
                                    instance_id="new-host:5151")
        before = len(self.vk.calls_to("longpoll.check"))
        self.tasks = [
            asyncio.create_task(run_telegram(self.app, self.stop_event,
                                             options=fast_options(FakeTime()))),
            asyncio.create_task(run_vk(self.app, self.stop_event, sleeper=Sleeps(),
                                       housekeeping=False)),
        ]
        await self.vk.wait_for(lambda: len(self.vk.calls_to("longpoll.check")) > before)
        return self

    async def stop(self) -> None:
        self.stop_event.set()
        try:
            await asyncio.wait_for(asyncio.gather(*self.tasks), 30)
        finally:
            if self.app is not None:
                await self.app.close()
                self.app = None

    async def run_due(self, moment: datetime) -> None:
        """The scheduler loop's round at ``moment`` (the clock moves there first)."""
        from bot.features.schedule import service_for

        assert self.app is not None
        self.clock.set(moment)
        await service_for(self.app).run_due(moment)
        await self.settle()

    async def settle(self) -> None:
        """Everything sent before has been handled: a moderator's /help in the queue got its
        answer (updates are handled in order), and the outbox has been drained."""
        probe = self.tg.user_message(QUEUE, OLGA, "/help")
        await self.tg.wait_for(lambda: replies_to(self.tg, QUEUE, probe["message_id"]),
                               what="the settle probe's /help answer")
        assert self.app is not None
        await self.app.pipeline.drain()

    async def ask(self, chat: int, who: int, text: str, **extra: Any) -> list[str]:
        """Send ``text`` and wait for the bot's replies to it."""
        msg = self.tg.user_message(chat, who, text, **extra)
        await self.tg.wait_for(lambda: replies_to(self.tg, chat, msg["message_id"]),
                               what=f"the reply to {text!r}")
        return replies_to(self.tg, chat, msg["message_id"])

    async def quiet(self, chat: int, who: int, text: str, **extra: Any) -> list[str]:
        """Send ``text``, let everything settle, return what the bot replied (maybe nothing)."""
        msg = self.tg.user_message(chat, who, text, **extra)
        await self.settle()
        return replies_to(self.tg, chat, msg["message_id"])


@pytest.fixture
async def bot(config_path: Path, clock: FakeClock, tg: TelegramEmulator,
              vk: VkEmulator) -> AsyncIterator[Bot]:
    running = Bot(config_path, clock, tg, vk)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


def card_text(tg: TelegramEmulator, message_id: int) -> str:
    stored = tg.world.messages[(QUEUE, message_id)]
    return str(stored.message.get("text") or "")


def card_buttons(tg: TelegramEmulator, message_id: int) -> list[str]:
    markup = tg.world.messages[(QUEUE, message_id)].message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


def callback_answers(tg: TelegramEmulator, query_id: str) -> list[str]:
    return [c.params.get("text") or "" for c in tg.calls_of("answerCallbackQuery", ok=None)
            if c.params.get("callback_query_id") == query_id]


def count_sent(tg: TelegramEmulator, chat: int, words: str) -> int:
    return sum(words in text for text in tg.sent_texts(chat))


def vk_new(vk: VkEmulator, peer: int) -> list[ChatMessage]:
    """The bot's messages in ``peer`` since the upgrade (the old release's are restored)."""
    old = next((p["next_cmid"] for p in _world()["vk"]["peers"] if p["peer_id"] == peer), 1)
    return [m for m in vk.sent(peer) if m.cmid >= old]


def vk_count(vk: VkEmulator, peer: int, words: str) -> int:
    return sum(words in m.text for m in vk_new(vk, peer))


def wall_count(vk: VkEmulator, words: str) -> int:
    return sum(words in c.params.get("message", "") for c in vk.calls_to("wall.post"))


def revision(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return str(db.execute("SELECT version_num FROM alembic_version").fetchone()[0])


# --------------------------------------------------------------------------------------------
# The first start
# --------------------------------------------------------------------------------------------

async def test_owner_cli_then_first_start_migrate_by_themselves_and_the_queue_is_as_it_was(
        config_path: Path, clock: FakeClock, tg: TelegramEmulator, vk: VkEmulator,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Before starting the new release the owner looks at the queue and the audit with its
    CLI: no `modbot db upgrade` needed, the old records read as before (66 of them, a week of
    work), no traceback. Then the bot starts (README: "migrations are applied on start") and
    the moderators' /queue lists the three tickets that were open when the old release
    stopped, oldest first, and no closed one."""
    from bot.features.complaints import run_queue
    from bot.features.moderation import audit_command

    assert revision(config_path.parent / "modbot.db") == "0001", "the old release's database"
    assert await run_queue(argparse.Namespace(
        config=str(config_path), community="oak-school", state="open")) == 0
    queue = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[:2] for line in queue[:-1]] == [
        ["#3", "new"], ["#4", "claimed"], ["#5", "new"]], queue
    assert queue[-1] == "3 ticket(s)"
    assert await audit_command(argparse.Namespace(
        config=str(config_path), community="oak-school", since="30d"), clock=clock) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 66, lines
    actions = [line.split()[3] for line in lines]
    for action in ("faq.add", "faq.edit", "faq.delete", "schedule.add", "schedule.published",
                   "ticket.report", "ticket.claim", "ticket.resolve", "ticket.reject", "ban",
                   "mute", "warn"):
        assert action in actions, (action, sorted(set(actions)))
    (dan,) = [line for line in lines if line.split()[3] == "ban" and "telegram:444" in line]
    assert dan.startswith("2026-11-25 13:00:00 MSK  ban  by=telegram:700"), dan
    assert 'reason="advertising"' in dan, dan
    assert revision(config_path.parent / "modbot.db") == HEAD

    bot = await Bot(config_path, clock, tg, vk).start()
    try:
        (listing,) = await bot.ask(QUEUE, OLGA, "/queue")
    finally:
        await bot.stop()
    for number in ("#3", "#4", "#5"):
        assert number in listing, listing
    assert "#1 " not in listing and "#2 " not in listing, listing
    assert listing.index("#3") < listing.index("#4") < listing.index("#5"), "oldest first"
    assert "Selling my old textbooks" in listing and "Earn $500" in listing, listing


# --------------------------------------------------------------------------------------------
# Tickets: old cards, text commands, the outbox
# --------------------------------------------------------------------------------------------

async def test_old_card_buttons_and_resolve_by_number_still_work(bot: Bot,
                                                                 tg: TelegramEmulator) -> None:
    """Ticket #3 was filed by the old release; its card's buttons are pressed after the
    upgrade: Claim takes it, Delete message removes Eve's ad, /resolve 3 closes it and the
    card shows it, without the buttons of an open ticket."""
    assert "t:claim:3" in card_buttons(tg, CARD_3)
    query = tg.press(QUEUE, CARD_3, OLGA, "t:claim:3")
    await tg.wait_for(lambda: "claimed" in card_text(tg, CARD_3), what="the card claimed")
    assert callback_answers(tg, query), "the button press is answered"
    assert "olga" in card_text(tg, CARD_3).lower()

    tg.press(QUEUE, CARD_3, OLGA, "t:del:3")
    await tg.wait_for(lambda: tg.is_deleted(GROUP, EVE_AD), what="Eve's ad deleted")

    (done,) = await bot.ask(QUEUE, OLGA, "/resolve 3 removed the ad")
    assert done == render("complaints.done_resolve", number=3), done
    await tg.wait_for(lambda: "resolved" in card_text(tg, CARD_3), what="the card resolved")
    assert not any(b.startswith(("t:claim", "t:resolve", "t:del")) for b in
                   card_buttons(tg, CARD_3)), card_buttons(tg, CARD_3)


async def test_reporters_of_tickets_filed_before_the_upgrade_are_still_known(
        bot: Bot, tg: TelegramEmulator) -> None:
    """Carol reported Eve's ad (ticket #3) under the old release. After the upgrade, a second
    /report of hers on the same message is "already reported", not a second reporter on the
    card; and when the ticket is resolved she is told privately, as reporters are."""
    again = tg.user_message(GROUP, CAROL, "/report ads", reply_to=EVE_AD)
    await tg.wait_for(lambda: replies_to(tg, GROUP, again["message_id"]), what="the answer")
    told_before = count_sent(tg, CAROL, "#3")
    await bot.ask(QUEUE, OLGA, "/resolve 3 removed the ad")
    await bot.settle()
    assert replies_to(tg, GROUP, again["message_id"]) == [
        render("complaints.ack_duplicate", number=3)]
    assert "reports: 1" in card_text(tg, CARD_3), card_text(tg, CARD_3)
    assert count_sent(tg, CAROL, "#3") == told_before + 1, tg.sent_texts(CAROL)


async def test_vk_ticket_claimed_before_the_upgrade_bans_from_its_old_card(
        bot: Bot, tg: TelegramEmulator, vk: VkEmulator) -> None:
    """Ticket #4 (a VK spammer, claimed by Max in the old release): Max presses "Ban author"
    on the old card in the Telegram queue. The ban runs on VK, the spam goes, the ticket is
    resolved."""
    spam = next(m for m in vk.peer(VK_CHAT).messages if m.from_id == SPAMMY)
    assert not spam.deleted
    tg.press(QUEUE, CARD_4, MAX, "t:ban:4")
    await vk.wait_for(lambda: vk.calls_to("groups.ban"))
    (ban,) = vk.calls_to("groups.ban")
    assert ban["owner_id"] == str(SPAMMY) and ban.token == "user"
    await vk.wait_for(lambda: spam.deleted)
    await tg.wait_for(lambda: "resolved" in card_text(tg, CARD_4), what="#4 resolved")
    await bot.settle()
    assert len(vk.calls_to("groups.ban")) == 1


async def test_backlog_in_the_old_outbox_goes_out_once_and_nothing_old_is_resent(
        bot: Bot, tg: TelegramEmulator, vk: VkEmulator, clock: FakeClock) -> None:
    """The card of ticket #5 and Rita's acknowledgement were waiting (429) when the old
    release stopped: each is sent once. Nothing the old release had delivered (cards, FAQ
    answers, posts, outcome notices) is sent again. The SLA reminder of ticket #3 (unclaimed
    since 06:25) comes once when it is due, and none for #4 (claimed)."""
    await tg.wait_for(lambda: count_sent(tg, QUEUE, "Ticket #5") >= 1, what="card #5")
    await tg.wait_for(lambda: replies_to(tg, GROUP, RITA_REPORT_5), what="Rita's ack")
    await bot.settle()
    assert count_sent(tg, QUEUE, "Ticket #5") == 1
    (ack,) = replies_to(tg, GROUP, RITA_REPORT_5)
    assert ack == render("complaints.ack", number=5)
    card = next(m for m in tg.sent_messages(QUEUE) if "Ticket #5" in (m.get("text") or ""))
    assert "t:claim:5" in [b["callback_data"] for row in card["reply_markup"]["inline_keyboard"]
                           for b in row]
    assert "casino.example" in card["text"]

    # nothing of the old week again
    for chat in (GROUP, QUEUE, CAROL, RITA):
        assert [t for t in tg.sent_texts(chat) if "#5" not in t
                and not t.startswith(("Moderator commands", "Commands"))] == [], chat
    assert vk_new(vk, VK_CHAT) == [] and vk.calls_to("wall.post") == []

    clock.set(utc(26, 6, 56))  # #3 was filed at 06:25, the SLA is 30 minutes
    await tg.wait_for(lambda: count_sent(tg, QUEUE, "⏰ Ticket #3") >= 1, what="#3 reminder")
    clock.set(utc(26, 7, 15))  # #5 (06:40) is due too by now
    await tg.wait_for(lambda: count_sent(tg, QUEUE, "⏰ Ticket #5") >= 1, what="#5 reminder")
    clock.set(utc(26, 8, 0))
    await bot.settle()
    assert count_sent(tg, QUEUE, "⏰ Ticket #3") == 1
    assert count_sent(tg, QUEUE, "⏰ Ticket #5") == 1
    assert count_sent(tg, QUEUE, "⏰ Ticket #4") == 0
    assert count_sent(tg, QUEUE, "Ticket #5") == 2  # the card and its reminder
    assert len(replies_to(tg, GROUP, RITA_REPORT_5)) == 1


async def test_card_from_the_old_outbox_reads_like_any_other_card(
        bot: Bot, tg: TelegramEmulator) -> None:
    """The moderators read card #5 as they read every card: no template holes."""
    await tg.wait_for(lambda: count_sent(tg, QUEUE, "Ticket #5") >= 1, what="card #5")
    card = next(t for t in tg.sent_texts(QUEUE) if "Ticket #5" in t)
    assert "{" not in card and "}" not in card, card


# --------------------------------------------------------------------------------------------
# Warnings, mutes and bans
# --------------------------------------------------------------------------------------------

async def test_running_mute_ends_on_time_and_the_ladder_counts_old_warnings(
        bot: Bot, tg: TelegramEmulator, clock: FakeClock) -> None:
    """Bob was muted for an hour at 09:20 (Moscow) by the old release, with two active
    warnings (a third, from a week ago, expired at 09:05). After the upgrade /warns lists
    both and the mute's end; after 10:20 the mute is gone from /warns; his next offence is
    the ladder's third step."""
    (warns,) = await bot.ask(GROUP, OLGA, "/warns @bob")
    assert "active warnings: 2" in warns, warns
    assert "2026-11-24 12:00" in warns and "2026-11-26 09:20" in warns, warns
    assert "2026-11-19" not in warns, "the expired warning does not count"
    assert "Muted until 2026-11-26 10:20" in warns, warns

    clock.set(utc(26, 7, 25))
    (later,) = await bot.ask(GROUP, OLGA, "/warns @bob")
    assert "active warnings: 2" in later and "Muted" not in later, later

    mutes_before = len([c for c in tg.calls_of("restrictChatMember")
                        if c.params.get("user_id") == BOB])
    bad = tg.user_message(GROUP, BOB, "да какого хера опять")
    await tg.wait_for(lambda: tg.is_deleted(GROUP, bad["message_id"]), what="deleted")
    await tg.wait_for(lambda: replies_to(tg, GROUP, bad["message_id"])
                      or any("Warning 3 of 4" in t for t in tg.sent_texts(GROUP)),
                      what="the notice")
    await bot.settle()
    notice = next(t for t in tg.sent_texts(GROUP) if "Warning 3 of 4" in t)
    assert "Muted for 1d" in notice or "Muted for 1 d" in notice, notice
    assert len([c for c in tg.calls_of("restrictChatMember")
                if c.params.get("user_id") == BOB]) == mutes_before + 1


async def test_bans_given_by_the_old_release_stand_against_a_second_moderator(
        bot: Bot, tg: TelegramEmulator) -> None:
    """README: a member the bot banned in a chat stays banned there; no second moderator's
    /mute replaces the ban ("is banned here… /unban first"), and a /ban 1d after a permanent
    ban does not cut it to a day. Dan (3 days, until 28 Nov) and Frank (for good) were banned
    by the old release the day before the upgrade."""
    (mute,) = await bot.ask(GROUP, MAX, "/mute 1h @dan")
    (ban,) = await bot.ask(GROUP, MAX, "/ban 1d @frank")
    await bot.settle()
    dan_muted = [c.params for c in tg.calls_of("restrictChatMember", ok=None)
                 if c.params.get("user_id") == DAN]  # a restriction lifts a Telegram ban
    frank_rebanned = [c.params for c in tg.calls_of("banChatMember", ok=None)
                      if c.params.get("user_id") == FRANK]  # a day's ban replaces "forever"
    assert (dan_muted, frank_rebanned, mute.startswith("@dan is banned here"),
            ban.startswith("@frank is already banned here")) == ([], [], True, True), (mute, ban)


# --------------------------------------------------------------------------------------------
# FAQ
# --------------------------------------------------------------------------------------------

async def test_chat_edited_faq_and_the_recent_answer_carry_on(bot: Bot,
                                                             tg: TelegramEmulator) -> None:
    """Entries added, edited and deleted in chat under the old release stay so (the FAQ file
    still has the old texts); the question answered at 09:35 is pointed to, not answered
    again, within the 30-minute repeat window."""
    tg.user_message(GROUP, EVE, "When are the lessons?")
    await tg.wait_for(lambda: count_sent(tg, GROUP, "↑"), what="the pointer")
    (sent,) = [c for c in tg.calls_of("sendMessage") if "↑" in c.result["text"]]
    assert sent.result["text"] == render("faq.answered_above", who="@eve"), sent.result["text"]
    assert sent.result["reply_to_message"]["message_id"] == LAST_ANSWER, "quotes the answer"

    (pay,) = await bot.ask(GROUP, BOB, "How do I pay for lessons?")
    assert "oak-school.example/pay" in pay, pay
    (park,) = await bot.ask(GROUP, CAROL, "Where can I park?")
    assert "Lesnaya street" in park, park
    assert await bot.quiet(GROUP, RITA, "Do children need a school uniform?") == []
    (listing,) = await bot.ask(GROUP, RITA, "/faq")
    assert "Where can I park?" in listing and "How do I pay for lessons?" in listing, listing
    assert "uniform" not in listing, listing
    assert count_sent(tg, GROUP, "Lessons are on Tuesdays") == 0


# --------------------------------------------------------------------------------------------
# Scheduled posts
# --------------------------------------------------------------------------------------------

async def test_recurring_and_one_off_posts_go_on_exactly_once(bot: Bot, tg: TelegramEmulator,
                                                              vk: VkEmulator) -> None:
    """Stopped at 09:45, started at 09:50: the 10:00 config post, the 20:00 chat post and the
    one-off of 27 Nov 18:00 each go out once to each of their chats, for two days; none of the
    week's posts is repeated (the one-off of 24 Nov included)."""
    await bot.run_due(utc(26, 6, 50))
    assert count_sent(tg, GROUP, MORNING) == 0 and vk_count(vk, VK_CHAT, MORNING) == 0
    await bot.run_due(utc(26, 7, 0))
    await bot.run_due(utc(26, 7, 1))
    assert (count_sent(tg, GROUP, MORNING), vk_count(vk, VK_CHAT, MORNING)) == (1, 1)
    await bot.run_due(utc(26, 17, 0))
    await bot.run_due(utc(26, 17, 5))
    assert (count_sent(tg, GROUP, EVENING), vk_count(vk, VK_CHAT, EVENING),
            wall_count(vk, EVENING)) == (1, 1, 1)
    for moment in (utc(27, 7, 0), utc(27, 15, 0), utc(27, 17, 0), utc(27, 17, 30)):
        await bot.run_due(moment)
    assert (count_sent(tg, GROUP, MORNING), vk_count(vk, VK_CHAT, MORNING)) == (2, 2)
    assert (count_sent(tg, GROUP, OPEN_LESSON), vk_count(vk, VK_CHAT, OPEN_LESSON),
            wall_count(vk, OPEN_LESSON)) == (1, 1, 1)
    assert (count_sent(tg, GROUP, EVENING), vk_count(vk, VK_CHAT, EVENING),
            wall_count(vk, EVENING)) == (2, 2, 2)
    assert count_sent(tg, GROUP, MEETING) == 0 and vk_count(vk, VK_CHAT, MEETING) == 0
    assert wall_count(vk, MEETING) == 0
    assert not any("could not" in t or "can't tell" in t for t in tg.sent_texts(QUEUE))


async def test_post_missed_while_upgrading_goes_out_late_once(
        config_path: Path, clock: FakeClock, tg: TelegramEmulator, vk: VkEmulator) -> None:
    """The upgrade took 45 minutes, over the 10:00 post: it goes out late (within the hour's
    schedule_grace) once, and the next day's on time."""
    clock.set(utc(26, 7, 30))
    bot = await Bot(config_path, clock, tg, vk).start()
    try:
        await bot.run_due(utc(26, 7, 30))
        await bot.run_due(utc(26, 7, 31))
        assert (count_sent(tg, GROUP, MORNING), vk_count(vk, VK_CHAT, MORNING)) == (1, 1)
        await bot.run_due(utc(27, 7, 0))
        await bot.run_due(utc(27, 7, 2))
        assert (count_sent(tg, GROUP, MORNING), vk_count(vk, VK_CHAT, MORNING)) == (2, 2)
        assert not any("could not" in t or "can't tell" in t for t in tg.sent_texts(QUEUE))
    finally:
        await bot.stop()

