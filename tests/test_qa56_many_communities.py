"""QA round 56: an SMM agency runs three clients' communities from ONE bot process.

One App with both adapters (as `modbot run` wires them), in this test's event loop, against the
local Telegram and VK emulators; time moves only by the injected FakeClock (the emulators' message
dates follow it); the scheduler and the housekeeping tick are driven as `modbot run`'s loops
call them.

- "yarn-shop" (ru, Europe/Moscow): Telegram only: group SHOP, queue SHOP_Q (Telegram);
  ladder warn → mute 1h → ban, warn_expiry 1d; the owner allows "хер"; SLA 30m (default);
  no audit; FAQ in Russian.
- "book-club" (en, Asia/Tokyo): VK only: chat CLUB, queue CLUB_Q (a VK chat); filter in
  dry-run; ladder warn → warn → kick, warn_expiry 7d; repeat_window 10m; answer_threshold
  0.7; complaints SLA 1h; audit = true; FAQ in English.
- "cat-cafe" (en, America/New_York): both networks: Telegram group CAFE, VK chat CAFE_VK and
  the VK wall; queue CAFE_Q on Telegram; default ladder (4 steps, 30d); "crap" is an extra
  word; repeat_window 2h; answer_threshold 0.95; complaints SLA 10m; audit = true; FAQ in
  English.

DASHA (Telegram) is a member of SHOP and CAFE; PETE (VK) a member of CLUB and CAFE_VK.

README: "Several [[community]] blocks may share one bot. Each keeps its own moderators, queue,
tickets (numbered from #1), warnings, FAQ and schedule"; `community.filter.*`,
`community.answers.*`, `community.moderation.*` are per community; `language` is "the bot's
replies"; `timezone`: "schedules are read and times shown in it"; "A member's private chat
with the bot belongs to the community where they were last seen".
"""

from __future__ import annotations

import asyncio
import os
import textwrap
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tg_emulator import TelegramEmulator
from tg_emulator.harness import TOKEN, FakeTime, fast_options
from tg_emulator.wire import render, replies_to
from vk_emulator.harness import Sleeps
from vk_emulator.server import VkEmulator

from bot.app import App, create_app
from bot.cli import main as cli
from bot.config import load_config
from bot.core.clock import FakeClock
from bot.features.schedule import service_for

# -- Telegram ---------------------------------------------------------------------------------
SHOP, SHOP_Q = -1001, -2002
CAFE, CAFE_Q = -1101, -2102
SHOP_ADMIN, CAFE_ADMIN = 700, 701
DASHA = 111  # member of SHOP and CAFE
TG_REPORTER = 222  # member of SHOP and CAFE
TG_WITNESS = 4242  # writes privately: its answer marks "all before was handled"
# -- VK ---------------------------------------------------------------------------------------
CLUB, CLUB_Q, CAFE_VK = 2_000_000_001, 2_000_000_002, 2_000_000_003
CLUB_ADMIN, CAFE_VK_ADMIN = 600, 601
PETE = 501  # member of CLUB and CAFE_VK
VK_REPORTER = 502  # member of CLUB and CAFE_VK
VK_WITNESS = 4343

MOSCOW, TOKYO, NEW_YORK = (ZoneInfo("Europe/Moscow"), ZoneInfo("Asia/Tokyo"),
                           ZoneInfo("America/New_York"))

RU_RUDE = "пиздец какой-то"
EN_RUDE = "what the fuck is this"

FAQ_SHOP = '''
[[faq]]
id = "delivery"
lang = "ru"
questions = ["Сколько стоит доставка пряжи?", "Какая цена доставки?"]
answer = "Пряжа: доставка по России стоит 300 рублей."

[[faq]]
id = "hours"
lang = "ru"
questions = ["Во сколько открывается магазин?", "Когда вы работаете?"]
answer = "Пряжа: магазин открыт с 10:00 до 19:00."
'''

FAQ_CLUB = '''
[[faq]]
id = "hours"
lang = "en"
questions = ["When are you open?", "What are your opening hours?"]
answer = "Book club: the reading room is open from 12:00 to 20:00."

[[faq]]
id = "fee"
lang = "en"
questions = ["How much is the membership fee?", "What does membership cost?"]
answer = "Book club: membership is 15 dollars a month."
'''

FAQ_CAFE = '''
[[faq]]
id = "hours"
lang = "en"
questions = ["When are you open?", "What are your opening hours?"]
answer = "Cat cafe: we are open every day from 8:00 to 22:00."

[[faq]]
id = "adopt"
lang = "en"
questions = ["Can I adopt a cat?", "How does cat adoption work?"]
answer = "Cat cafe: every cat can be adopted after a visit and an interview."
'''


def write_config(folder: Path, tg: TelegramEmulator, vk: VkEmulator) -> Path:
    (folder / "faq_shop.toml").write_text(FAQ_SHOP, encoding="utf-8")
    (folder / "faq_club.toml").write_text(FAQ_CLUB, encoding="utf-8")
    (folder / "faq_cafe.toml").write_text(FAQ_CAFE, encoding="utf-8")
    path = folder / "config.toml"
    path.write_text(textwrap.dedent(f"""
        [database]
        url = "sqlite+aiosqlite:///modbot.db"

        [telegram]
        token = "{TOKEN}"
        api_base = "{tg.api_base}"
        poll_timeout = 1

        [vk]
        token = "{vk.token}"
        user_token = "{vk.user_token}"
        group_id = {vk.group_id}
        api_base = "{vk.api_base}"
        poll_wait = 1

        [[community]]
        name = "yarn-shop"
        language = "ru"
        timezone = "Europe/Moscow"
        faq = "faq_shop.toml"
        chats = ["telegram:{SHOP}"]
        queue = "telegram:{SHOP_Q}"

        [community.filter]
        allowed_words = ["хер"]

        [community.moderation]
        warn_expiry = "1d"
        ladder = [{{ action = "warn" }}, {{ action = "mute", duration = "1h" }},
                  {{ action = "ban" }}]

        [[community.schedule]]
        cron = "0 10 * * *"
        text = "Пряжа: доброе утро!"

        [[community]]
        name = "book-club"
        language = "en"
        timezone = "Asia/Tokyo"
        faq = "faq_club.toml"
        chats = ["vk:{CLUB}"]
        moderators = ["vk:{CLUB_ADMIN}"]
        queue = "vk:{CLUB_Q}"
        audit = true

        [community.filter]
        mode = "dry-run"

        [community.answers]
        repeat_window = "10m"
        answer_threshold = 0.7

        [community.complaints]
        sla = "1h"

        [community.moderation]
        warn_expiry = "7d"
        ladder = [{{ action = "warn" }}, {{ action = "warn" }}, {{ action = "kick" }}]

        [[community.schedule]]
        cron = "0 10 * * *"
        text = "Book club: chapter of the day"

        [[community]]
        name = "cat-cafe"
        language = "en"
        timezone = "America/New_York"
        faq = "faq_cafe.toml"
        chats = ["telegram:{CAFE}", "vk:{CAFE_VK}", "vk:wall"]
        queue = "telegram:{CAFE_Q}"
        audit = true

        [community.filter]
        extra_words = ["crap"]

        [community.answers]
        repeat_window = "2h"
        answer_threshold = 0.95

        [community.complaints]
        sla = "10m"

        [[community.schedule]]
        cron = "0 10 * * *"
        text = "Cat cafe: good morning, cat people"
        """), encoding="utf-8")
    return path


# -- the bot on both emulators ------------------------------------------------------------------

def next_whole_hour() -> datetime:
    """A whole hour ahead of the real time (Telegram reads until_date against it)."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(next_whole_hour())


@pytest.fixture
async def tg(clock: FakeClock) -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(TOKEN) as emulator:
        emulator.world.clock = lambda: clock.now().timestamp()
        emulator.group(SHOP, title="Пряжа и спицы", admins=(SHOP_ADMIN,))
        emulator.group(SHOP_Q, title="Пряжа: модераторы", admins=(SHOP_ADMIN,))
        emulator.group(CAFE, title="Cat Cafe", admins=(CAFE_ADMIN,))
        emulator.group(CAFE_Q, title="Cat Cafe mods", admins=(CAFE_ADMIN,))
        emulator.world.user(DASHA, "Dasha", "dasha")
        yield emulator


@pytest.fixture
async def vk(clock: FakeClock) -> AsyncIterator[VkEmulator]:
    emulator = await VkEmulator().start()
    emulator.clock = lambda: clock.now().timestamp()
    emulator.set_admins(CLUB, CLUB_ADMIN)
    emulator.set_admins(CLUB_Q, CLUB_ADMIN)
    emulator.set_admins(CAFE_VK, CAFE_VK_ADMIN)
    emulator.add_members(CLUB, PETE, VK_REPORTER)
    emulator.add_members(CAFE_VK, PETE, VK_REPORTER)
    emulator.peer(CLUB).title = "Book Club"
    emulator.peer(CLUB_Q).title = "Book Club mods"
    emulator.peer(CAFE_VK).title = "Cat Cafe VK"
    emulator.real_names[PETE] = ("Pete", "Reader")
    yield emulator
    await emulator.close()


class Bot:
    """`modbot run` in this loop: one App, the Telegram and VK adapters as tasks."""

    def __init__(self, app: App, tg: TelegramEmulator, vk: VkEmulator,
                 clock: FakeClock) -> None:
        self.app, self.tg, self.vk, self.clock = app, tg, vk, clock
        self.fake = FakeTime()
        self.stop = asyncio.Event()
        self.tasks: list[asyncio.Task[Any]] = []
        self._last = clock.now()

    async def start(self) -> Bot:
        from handlers.telegram.runner import run_telegram
        from handlers.vk.runner import run_vk

        before = len(self.vk.calls_to("longpoll.check"))
        self.tasks = [
            asyncio.create_task(run_telegram(self.app, self.stop,
                                             options=fast_options(self.fake))),
            asyncio.create_task(run_vk(self.app, self.stop, sleeper=Sleeps(),
                                       housekeeping=False))]
        await self.vk.wait_for(lambda: len(self.vk.calls_to("longpoll.check")) > before)
        await service_for(self.app).start(self.clock.now())  # run_scheduler's first step
        return self

    async def close(self) -> None:
        self.stop.set()
        for task in self.tasks:
            try:
                await asyncio.wait_for(task, 20)
            except BaseException:  # teardown: never hide the test's own failure
                task.cancel()
        await self.app.close()

    async def tick(self) -> None:
        """One housekeeping round and one scheduler round at the clock's time."""
        elapsed = (self.clock.now() - self._last).total_seconds()
        if elapsed > 0:
            self.fake.now += elapsed
        self._last = self.clock.now()
        await self.app.pipeline.tick()
        await service_for(self.app).run_due(self.clock.now())
        await self.app.pipeline.drain()

    async def advance(self, delta: timedelta) -> None:
        self.clock.advance(delta)
        await self.tick()


@pytest.fixture
async def bot(tmp_path: Path, tg: TelegramEmulator, vk: VkEmulator,
              clock: FakeClock) -> AsyncIterator[Bot]:
    app = await create_app(load_config(write_config(tmp_path, tg, vk)), clock=clock,
                           instance_id="qa56")
    running = await Bot(app, tg, vk, clock).start()
    yield running
    await running.close()


# -- helpers ------------------------------------------------------------------------------------

async def settle(bot: Bot) -> None:
    """Everything sent to the bot so far was handled and delivered: a private /help on each
    network got its answer, then the outbox is drained (replies to different chats go out
    side by side, so an answer in one chat does not prove another's was sent)."""
    tg, vk = bot.tg, bot.vk
    probe = tg.user_message(TG_WITNESS, TG_WITNESS, "/help")
    await tg.wait_for(lambda: replies_to(tg, TG_WITNESS, probe["message_id"]),
                      what="the witness's /help answer")
    before = len(vk.sent(VK_WITNESS))
    vk.post_private(VK_WITNESS, "/help")
    await vk.wait_for(lambda: len(vk.sent(VK_WITNESS)) > before)
    await bot.app.pipeline.drain()


async def tg_say(bot: Bot, chat: int, who: int, text: str, **extra: Any) -> str:
    """Send in Telegram `chat` and wait for the bot's reply to it; returns the last reply."""
    tg = bot.tg
    message = tg.user_message(chat, who, text, **extra)
    await tg.wait_for(lambda: replies_to(tg, chat, message["message_id"]),
                      what=f"the reply to {text[:40]!r} in {chat}")
    return replies_to(tg, chat, message["message_id"])[-1]


async def tg_quiet(bot: Bot, chat: int, who: int, text: str,
                   **extra: Any) -> tuple[dict[str, Any], list[str]]:
    """Send, let everything settle; the message and whatever the bot said in `chat` after."""
    before = len(bot.tg.sent_texts(chat))
    message = bot.tg.user_message(chat, who, text, **extra)
    await settle(bot)
    return message, bot.tg.sent_texts(chat)[before:]


async def tg_private(bot: Bot, who: int, text: str) -> list[str]:
    """A private message to the bot on Telegram; everything the bot answered to it."""
    message = bot.tg.user_message(who, who, text)
    await settle(bot)
    return replies_to(bot.tg, who, message["message_id"])


async def vk_say(bot: Bot, peer: int, who: int, text: str, *,
                 reply_to: int | None = None) -> str:
    """Post in VK `peer` and wait for the next thing the bot says there."""
    vk = bot.vk
    before = len(vk.sent(peer))
    vk.post_message(peer, who, text, reply_to=reply_to)
    await vk.wait_for(lambda: len(vk.sent(peer)) > before)
    return vk.sent(peer)[before].text


async def vk_quiet(bot: Bot, peer: int, who: int, text: str, *,
                   reply_to: int | None = None) -> tuple[int, list[str]]:
    """Post, let everything settle; the cmid and whatever the bot said in `peer` after."""
    before = len(bot.vk.sent(peer))
    cmid = bot.vk.post_message(peer, who, text, reply_to=reply_to)
    await settle(bot)
    return cmid, [m.text for m in bot.vk.sent(peer)[before:]]


def vk_deleted(vk: VkEmulator, peer: int, cmid: int) -> bool:
    return any(c.params.get("peer_id") == str(peer) and str(cmid) in c.params["cmids"].split(",")
               for c in vk.calls_to("messages.delete"))


def tg_restricted(tg: TelegramEmulator, user: int) -> list[int]:
    return [int(c.params["chat_id"]) for c in tg.calls_of("restrictChatMember", ok=None)
            if int(c.params.get("user_id", 0)) == user]


def tg_banned(tg: TelegramEmulator, user: int) -> list[int]:
    return [int(c.params["chat_id"]) for c in tg.calls_of("banChatMember", ok=None)
            if int(c.params.get("user_id", 0)) == user]


def vk_removed(vk: VkEmulator, user: int) -> list[int]:
    return [2_000_000_000 + int(c.params["chat_id"]) for c in vk.calls_to(
        "messages.removeChatUser") if c.params.get("member_id") == str(user)]


def vk_texts(vk: VkEmulator, peer: int) -> list[str]:
    return [m.text for m in vk.sent(peer)]


async def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    code = await asyncio.to_thread(cli, list(args))
    out = capsys.readouterr()
    assert code == 0, out.out + out.err
    return out.out


def card_lines(texts: list[str]) -> list[str]:
    """The first line of every ticket card among `texts`."""
    return [t.split("\n", 1)[0] for t in texts if t.startswith(("Ticket #", "Тикет #"))]


# ==============================================================================================
# 1. Each community speaks its own language; a private chat follows the member
# ==============================================================================================

async def test_each_community_answers_in_its_own_language_and_private_chat_follows_the_member(
        bot, tg, vk) -> None:
    """The Russian yarn shop answers in Russian, the cat cafe in English, on Telegram and on
    VK. README: a member's private chat "belongs to the community where they were last seen":
    its language, its FAQ, and its queue for a private /complaint (the cafe's Telegram queue
    for Pete, last seen in the cafe's VK chat, not the book club's VK queue)."""
    assert await tg_say(bot, SHOP, DASHA, "/help") == render("common.help_member", "ru")
    assert await tg_say(bot, CAFE, DASHA, "/help") == render("common.help_member", "en")
    assert await vk_say(bot, CLUB, PETE, "/help") == render("common.help_member", "en")
    assert await vk_say(bot, CAFE_VK, PETE, "/help") == render("common.help_member", "en")
    # Dasha was last seen in the yarn shop: her private chat is the shop's, in Russian
    await tg_quiet(bot, SHOP, DASHA, "Всем привет!")
    assert render("common.help_private", "ru") in await tg_private(bot, DASHA, "/help")
    shop_faq = await tg_say(bot, DASHA, DASHA, "/faq")
    assert "Сколько стоит доставка пряжи?" in shop_faq and "cat" not in shop_faq, shop_faq
    # then she writes in the cat cafe: now it is the cafe's, in English
    await tg_quiet(bot, CAFE, DASHA, "Hello everyone!")
    assert render("common.help_private", "en") in await tg_private(bot, DASHA, "/help")
    cafe_faq = await tg_say(bot, DASHA, DASHA, "/faq")
    assert "Can I adopt a cat?" in cafe_faq and "пряж" not in cafe_faq, cafe_faq
    # on VK likewise: Pete seen in the book club, then in the cafe's VK chat
    await vk_quiet(bot, CLUB, PETE, "Good evening, readers")
    club_faq = await vk_say(bot, PETE, PETE, "/faq")
    assert "membership fee" in club_faq and "adopt" not in club_faq, club_faq
    await vk_quiet(bot, CAFE_VK, PETE, "Hi cat people")
    cafe_vk_faq = await vk_say(bot, PETE, PETE, "/faq")
    assert "adopt" in cafe_vk_faq and "membership fee" not in cafe_vk_faq, cafe_vk_faq
    # private complaints go to the queue of the community the member was last seen in
    ack = await vk_say(bot, PETE, PETE, "/complaint someone sells kittens in the cafe chat")
    assert ack == render("complaints.ack", "en", number=1), ack
    await tg_quiet(bot, SHOP, DASHA, "Девочки, привет")
    acks = await tg_private(bot, DASHA, "/complaint в чате продают поддельную пряжу")
    assert acks == [render("complaints.ack", "ru", number=1)], acks
    assert card_lines(tg.sent_texts(CAFE_Q)) == ["Ticket #1 · cat-cafe · new"], \
        tg.sent_texts(CAFE_Q)
    assert "sells kittens" in tg.sent_texts(CAFE_Q)[0]
    assert card_lines(tg.sent_texts(SHOP_Q)) == ["Тикет #1 · yarn-shop · новый"], \
        tg.sent_texts(SHOP_Q)
    assert "поддельную пряжу" in tg.sent_texts(SHOP_Q)[0]
    assert card_lines(vk_texts(vk, CLUB_Q)) == [], vk_texts(vk, CLUB_Q)


# ==============================================================================================
# 2. Filter settings and audit are the community's own: allowed/extra words, dry-run
# ==============================================================================================

async def test_allowed_and_extra_words_apply_only_in_the_community_that_set_them(
        bot, tg) -> None:
    """The yarn shop allows "хер"; the cat cafe adds "crap". One member of both writes the
    same two messages in each group: each group judges them by its own list."""
    allowed, _ = await tg_quiet(bot, SHOP, DASHA, "какой хер это придумал")
    extra, _ = await tg_quiet(bot, SHOP, DASHA, "this yarn is crap")
    assert not tg.is_deleted(SHOP, allowed["message_id"]), "the shop allows хер"
    assert not tg.is_deleted(SHOP, extra["message_id"]), "crap is the cafe's extra word"
    assert tg.sent_texts(SHOP) == []
    first, said = await tg_quiet(bot, CAFE, DASHA, "какой хер это придумал")
    assert tg.is_deleted(CAFE, first["message_id"]), "хер is obscene in the cafe"
    assert len(said) == 1 and "Warning 1 of 4" in said[0], said
    second, said = await tg_quiet(bot, CAFE, DASHA, "this coffee is crap")
    assert tg.is_deleted(CAFE, second["message_id"]), "crap is the cafe's extra word"
    assert len(said) == 1 and "Warning 2 of 4" in said[0], said
    assert tg_restricted(tg, DASHA) == [CAFE], "the cafe's step 2 mutes in the cafe only"


async def test_dry_run_and_audit_stay_with_the_community_that_set_them(bot, tg, vk,
                                                                       capsys) -> None:
    """The book club trials the filter (dry-run); the cat cafe, on the same VK community,
    enforces. Pete swears in both VK chats: the club's message stays, with no notice and no
    warning (a moderator's warning afterwards is the club's first), the cafe's is deleted
    with a warning. README: dry-run "records verdicts in the audit log without acting";
    `audit = true` posts every action to the community's queue (the club's on VK, the cafe's
    on Telegram; the shop has none); `modbot audit --community` prints one community's
    actions, times on its own clock (Tokyo for the club, New York for the cafe)."""
    club_cmid, club_said = await vk_quiet(bot, CLUB, PETE, EN_RUDE)
    cafe_cmid, cafe_said = await vk_quiet(bot, CAFE_VK, PETE, EN_RUDE)
    assert not vk_deleted(vk, CLUB, club_cmid) and club_said == [], club_said
    assert vk_deleted(vk, CAFE_VK, cafe_cmid)
    assert len(cafe_said) == 1 and "Warning 1 of 4" in cafe_said[0], cafe_said
    spam = vk.post_message(CLUB, PETE, "buy followers at spam.example")
    warned = await vk_say(bot, CLUB, CLUB_ADMIN, "!warn club-reason", reply_to=spam)
    assert "Warning 1 of 3" in warned, warned
    bad = tg.user_message(SHOP, DASHA, "shop spam")
    await tg_say(bot, SHOP, SHOP_ADMIN, "/warn shop-reason", reply_to=bad["message_id"])
    bad = tg.user_message(CAFE, DASHA, "cafe spam")
    await tg_say(bot, CAFE, CAFE_ADMIN, "/warn cafe-reason", reply_to=bad["message_id"])
    await settle(bot)
    club_audit = [t for t in vk_texts(vk, CLUB_Q) if t.startswith("Audit")]
    cafe_audit = [t for t in tg.sent_texts(CAFE_Q) if t.startswith("Audit")]
    assert any("club-reason" in t and "Book Club (vk:2000000001)" in t for t in club_audit), \
        club_audit
    assert all("vk:2000000003" not in t and "telegram:" not in t for t in club_audit), club_audit
    assert any("Cat Cafe VK (vk:2000000003)" in t for t in cafe_audit), cafe_audit
    assert any("cafe-reason" in t and "Cat Cafe (telegram:-1101)" in t for t in cafe_audit), \
        cafe_audit
    assert all("vk:2000000001" not in t and "telegram:-1001" not in t for t in cafe_audit), \
        cafe_audit
    assert [t for t in tg.sent_texts(SHOP_Q) if "shop-reason" in t] == [], tg.sent_texts(SHOP_Q)
    config = str(bot.app.config.path)
    audits = {name: await run_cli(capsys, "audit", "--community", name, "--config", config,
                                  "--since", "7d")
              for name in ("yarn-shop", "book-club", "cat-cafe")}
    club, cafe, shop = audits["book-club"], audits["cat-cafe"], audits["yarn-shop"]
    assert "filter.dry_run" in club and "club-reason" in club, club
    assert "vk:2000000003" not in club and "cafe-reason" not in club, club
    assert " JST " in club and " EST " not in club, club
    assert "vk:2000000003" in cafe and "cafe-reason" in cafe and "dry_run" not in cafe, cafe
    assert "vk:2000000001" not in cafe and "shop-reason" not in cafe, cafe
    assert " EST " in cafe and " JST " not in cafe, cafe
    assert "shop-reason" in shop and "cafe-reason" not in shop and "vk:" not in shop, shop


# ==============================================================================================
# 3. Ladders and warn_expiry are per community; a member of two keeps two records
# ==============================================================================================

async def test_telegram_member_of_two_communities_climbs_two_ladders_with_their_own_expiry(
        bot, tg, clock) -> None:
    """Dasha swears in the yarn shop (warn → mute 1h → ban, warnings expire after 1d) and in
    the cat cafe (warn → mute 1h → mute 1d → ban, 30d). Day 0 twice in each: each group mutes
    her for an hour in that group only, in its own words. Day 2: the shop's warnings have
    expired (she starts over at 1 of 3), the cafe's still count (3 of 4: mute 1d)."""
    said: dict[int, list[str]] = {SHOP: [], CAFE: []}
    for _ in range(2):
        for chat in (SHOP, CAFE):
            message, notes = await tg_quiet(bot, chat, DASHA, RU_RUDE)
            assert tg.is_deleted(chat, message["message_id"])
            said[chat] += notes
        await bot.advance(timedelta(minutes=2))
    assert [("Предупреждение 1 из 3" in said[SHOP][0]), ("Предупреждение 2 из 3" in said[SHOP][1])
            ] == [True, True], said[SHOP]
    assert ["Warning 1 of 4" in said[CAFE][0], "Warning 2 of 4" in said[CAFE][1]] == [True, True], \
        said[CAFE]
    assert sorted(tg_restricted(tg, DASHA)) == sorted([SHOP, CAFE])
    await bot.advance(timedelta(days=2))
    _, shop_note = await tg_quiet(bot, SHOP, DASHA, RU_RUDE)
    _, cafe_note = await tg_quiet(bot, CAFE, DASHA, RU_RUDE)
    assert len(shop_note) == 1 and "Предупреждение 1 из 3" in shop_note[0], shop_note
    assert len(cafe_note) == 1 and "Warning 3 of 4" in cafe_note[0], cafe_note
    assert tg_banned(tg, DASHA) == [], "nobody reached a ban"
    mutes = [(int(c.params["chat_id"]), int(c.params.get("until_date") or 0))
             for c in tg.calls_of("restrictChatMember", ok=None)
             if int(c.params["user_id"]) == DASHA]
    last_cafe = [until for chat, until in mutes if chat == CAFE][-1]
    assert last_cafe - int(clock.now().timestamp()) == 86400, mutes
    assert [chat for chat, _ in mutes].count(SHOP) == 1, mutes
    # each group lists only its own warnings, dated on its own clock
    now = clock.now()
    shop_list = await tg_say(bot, SHOP, DASHA, "/warns")
    cafe_list = await tg_say(bot, CAFE, DASHA, "/warns")
    assert "действующих предупреждений: 1;" in shop_list, shop_list
    assert now.astimezone(MOSCOW).strftime("%Y-%m-%d %H:%M") in shop_list, shop_list
    assert "active warnings: 3;" in cafe_list, cafe_list
    assert now.astimezone(NEW_YORK).strftime("%Y-%m-%d %H:%M") in cafe_list, cafe_list


async def test_vk_member_of_two_communities_has_two_ladders_and_kicks_stay_in_their_chat(
        bot, vk, clock) -> None:
    """Pete is warned twice by the book club's moderator (warn → warn → kick, 7d) and swears
    once in the cafe's VK chat (4 steps, 30d). Eight days later the club's warnings have
    expired (a third warning is "1 of 3", no kick) while the cafe's still counts (his next
    offence there is step 2, "mute 1h", which VK turns into removal from THAT chat)."""
    _, cafe_said = await vk_quiet(bot, CAFE_VK, PETE, EN_RUDE)
    assert "Warning 1 of 4" in cafe_said[0], cafe_said
    for n in (1, 2):
        spam = vk.post_message(CLUB, PETE, f"buy followers #{n}")
        warned = await vk_say(bot, CLUB, CLUB_ADMIN, "!warn spam", reply_to=spam)
        assert f"Warning {n} of 3" in warned, warned
    own = await vk_say(bot, CAFE_VK, PETE, "!warns")
    assert "1" in own and "spam" not in own, own
    await bot.advance(timedelta(days=8))
    spam = vk.post_message(CLUB, PETE, "buy followers #3")
    warned = await vk_say(bot, CLUB, CLUB_ADMIN, "!warn spam", reply_to=spam)
    assert "Warning 1 of 3" in warned, "the club's warnings expire after 7d: " + warned
    assert vk_removed(vk, PETE) == []
    cmid, cafe_said = await vk_quiet(bot, CAFE_VK, PETE, EN_RUDE)
    assert vk_deleted(vk, CAFE_VK, cmid)
    assert len(cafe_said) == 1 and "Warning 2 of 4" in cafe_said[0], cafe_said
    assert vk_removed(vk, PETE) == [CAFE_VK], "removed from the cafe's chat only"


# ==============================================================================================
# 4. Tickets: numbered per community, in the right queue, acted on from that queue only
# ==============================================================================================

async def file_reports(bot: Bot) -> dict[str, str]:
    """Four reports: the shop's group, the club's VK chat, the cafe's VK chat and the cafe's
    Telegram group (in that order); returns the acknowledgements."""
    tg, vk = bot.tg, bot.vk
    acks = {}
    bad = tg.user_message(SHOP, DASHA, "дешёвые подписчики на shop-spam.example")
    acks["shop"] = await tg_say(bot, SHOP, TG_REPORTER, "/report спам", reply_to=bad["message_id"])
    bad_vk = vk.post_message(CLUB, PETE, "free books at club-spam.example")
    acks["club"] = await vk_say(bot, CLUB, VK_REPORTER, "!report spam", reply_to=bad_vk)
    bad_vk = vk.post_message(CAFE_VK, PETE, "cheap cat food at cafevk-spam.example")
    acks["cafe_vk"] = await vk_say(bot, CAFE_VK, VK_REPORTER, "!report spam", reply_to=bad_vk)
    bad = tg.user_message(CAFE, DASHA, "cheap cat toys at cafetg-spam.example")
    acks["cafe_tg"] = await tg_say(bot, CAFE, TG_REPORTER, "/report spam",
                                   reply_to=bad["message_id"])
    await settle(bot)
    return acks


async def test_tickets_are_numbered_per_community_and_one_queue_never_reaches_anothers(
        bot, tg, vk, capsys) -> None:
    """The yarn shop's first ticket is #1, the book club's first is #1, and the cat cafe's
    VK and Telegram reports are its #1 and #2 (one community, one numbering, both networks);
    each card lands in its own community's queue (the club's on VK), in its language. Then
    the club's moderator resolves #1 in the club's VK queue and the shop's moderator rejects
    #1 and tries #2 in the shop's queue: the cafe's #1 and #2 stay open and untouched, their
    cards unedited."""
    acks = await file_reports(bot)
    assert acks == {"shop": render("complaints.ack", "ru", number=1),
                    "club": render("complaints.ack", "en", number=1),
                    "cafe_vk": render("complaints.ack", "en", number=1),
                    "cafe_tg": render("complaints.ack", "en", number=2)}, acks
    assert card_lines(tg.sent_texts(SHOP_Q)) == ["Тикет #1 · yarn-shop · новый"]
    assert card_lines(vk_texts(vk, CLUB_Q)) == ["Ticket #1 · book-club · new"]
    assert card_lines(tg.sent_texts(CAFE_Q)) == ["Ticket #1 · cat-cafe · new",
                                                 "Ticket #2 · cat-cafe · new"]
    everything = {SHOP_Q: "\n".join(tg.sent_texts(SHOP_Q)),
                  CLUB_Q: "\n".join(vk_texts(vk, CLUB_Q)),
                  CAFE_Q: "\n".join(tg.sent_texts(CAFE_Q))}
    assert "shop-spam" in everything[SHOP_Q] and "club-spam" in everything[CLUB_Q]
    assert "cafevk-spam" in everything[CAFE_Q] and "cafetg-spam" in everything[CAFE_Q]
    for queue, text in everything.items():
        others = {"shop-spam", "club-spam", "cafevk-spam", "cafetg-spam"} - {
            SHOP_Q: {"shop-spam"}, CLUB_Q: {"club-spam"},
            CAFE_Q: {"cafevk-spam", "cafetg-spam"}}[queue]
        assert not [o for o in others if o in text], (queue, text)
    cafe_cards = [m["message_id"] for m in tg.sent_messages(CAFE_Q)]
    resolved = await vk_say(bot, CLUB_Q, CLUB_ADMIN, "!resolve 1 handled")
    assert "#1" in resolved and "resolved" in resolved, resolved
    rejected = await tg_say(bot, SHOP_Q, SHOP_ADMIN, "/reject 1 не спам")
    assert "#1" in rejected, rejected
    missing = await tg_say(bot, SHOP_Q, SHOP_ADMIN, "/take 2")
    assert missing == render("complaints.not_found", "ru", number="2"), missing
    await settle(bot)
    edited = [c for c in tg.calls_of("editMessageText", ok=None)
              if int(c.params.get("chat_id", 0)) == CAFE_Q
              and c.params.get("message_id") in cafe_cards]
    assert edited == [], [c.params.get("text") for c in edited]
    listing = await tg_say(bot, CAFE_Q, CAFE_ADMIN, "/queue")
    assert listing.startswith("Open tickets: 2"), listing
    assert "cafevk-spam" in listing and "cafetg-spam" in listing, listing
    config = str(bot.app.config.path)
    cafe = await run_cli(capsys, "queue", "--community", "cat-cafe", "--config", config,
                         "--state", "all")
    rows = [line.split("\t")[:2] for line in cafe.splitlines() if "\t" in line]
    assert rows == [["#1", "new"], ["#2", "new"]], cafe
    club = await run_cli(capsys, "queue", "--community", "book-club", "--config", config,
                         "--state", "all")
    assert [line.split("\t")[:2] for line in club.splitlines() if "\t" in line] == [
        ["#1", "resolved"]], club


async def test_sla_reminders_follow_each_communitys_own_sla_in_its_own_queue(
        bot, tg, vk) -> None:
    """Each community's `complaints.sla` is its own (the cafe 10m, the shop the default 30m,
    the club 1h): a reminder goes out once per ticket, when its own SLA is up, in its own
    queue and language, never in another's."""
    await file_reports(bot)

    def reminders() -> dict[str, list[str]]:
        return {"shop": [t.split("\n")[0] for t in tg.sent_texts(SHOP_Q) if t.startswith("⏰")],
                "club": [t.split("\n")[0] for t in vk_texts(vk, CLUB_Q) if t.startswith("⏰")],
                "cafe": [t.split("\n")[0] for t in tg.sent_texts(CAFE_Q) if t.startswith("⏰")]}

    await bot.advance(timedelta(minutes=11))
    await settle(bot)
    seen = reminders()
    assert seen["shop"] == [] and seen["club"] == [], seen
    assert [line.split(" has")[0] for line in seen["cafe"]] == ["⏰ Ticket #1", "⏰ Ticket #2"], \
        seen
    await bot.advance(timedelta(minutes=20))
    await settle(bot)
    seen = reminders()
    assert [line.split(" ждёт")[0] for line in seen["shop"]] == ["⏰ Тикет #1"], seen
    assert seen["club"] == [] and len(seen["cafe"]) == 2, seen
    await bot.advance(timedelta(minutes=30))
    await settle(bot)
    seen = reminders()
    assert [line.split(" has")[0] for line in seen["club"]] == ["⏰ Ticket #1"], seen
    assert len(seen["shop"]) == 1 and len(seen["cafe"]) == 2, seen


# ==============================================================================================
# 5. Queue-chat commands act on their own community's members only
# ==============================================================================================

async def test_queue_commands_act_only_in_their_own_communitys_chats(bot, tg, vk) -> None:
    """README: "In the queue chat a command acts in every community chat on the target's
    network" — the community's. From the club's VK queue, !kick and !mute of Pete (also a
    member of the cafe's VK chat) remove him from the club's chat only; from the shop's
    queue, /warn and /mute of Dasha (also in the cafe) count and mute in the shop only. A
    queue's command aimed at the other network, where its community has no chat (the shop's
    /ban of a VK member, the club's !ban of a Telegram member), is refused: it must not
    reach the other communities' chats there (nor VK's community-wide ban)."""
    await vk_quiet(bot, CLUB, PETE, "hello readers")
    await vk_quiet(bot, CAFE_VK, PETE, "hello cats")
    await vk_say(bot, CLUB_Q, CLUB_ADMIN, f"!mute vk:{PETE} 1h")
    await vk_say(bot, CLUB_Q, CLUB_ADMIN, f"!kick vk:{PETE}")
    await settle(bot)
    assert set(vk_removed(vk, PETE)) == {CLUB}, vk_removed(vk, PETE)
    assert vk.calls_to("groups.ban") == [], "a mute or kick is no community-wide ban"
    await tg_quiet(bot, SHOP, DASHA, "привет")
    await tg_quiet(bot, CAFE, DASHA, "hi")
    warned = await tg_say(bot, SHOP_Q, SHOP_ADMIN, f"/warn {DASHA} флуд")
    assert "1 из 3" in warned, warned
    await tg_say(bot, SHOP_Q, SHOP_ADMIN, f"/mute {DASHA} 10m")
    await settle(bot)
    assert tg_restricted(tg, DASHA) == [SHOP], tg_restricted(tg, DASHA)
    cafe_view = await tg_say(bot, CAFE_Q, CAFE_ADMIN, f"/warns {DASHA}")
    assert "флуд" not in cafe_view and "no active warnings" in cafe_view, cafe_view
    for command in (f"/warn vk:{PETE} спам", f"/ban vk:{PETE} спам", f"/kick vk:{PETE}"):
        refused = await tg_say(bot, SHOP_Q, SHOP_ADMIN, command)
        assert "нет чатов" in refused, (command, refused)
    for command in (f"!warn telegram:{DASHA} spam", f"!ban telegram:{DASHA} spam"):
        refused = await vk_say(bot, CLUB_Q, CLUB_ADMIN, command)
        assert "no chats on telegram" in refused, (command, refused)
    await settle(bot)
    assert vk.calls_to("groups.ban") == [] and set(vk_removed(vk, PETE)) == {CLUB}
    assert tg_banned(tg, DASHA) == [] and tg_restricted(tg, DASHA) == [SHOP]
    pete_in_cafe = await tg_say(bot, CAFE_Q, CAFE_ADMIN, f"/warns vk:{PETE}")
    assert "no active warnings" in pete_in_cafe, pete_in_cafe


# ==============================================================================================
# 6. FAQ: own answers, own thresholds, own repeat windows, own gaps
# ==============================================================================================

async def test_same_question_gets_each_communitys_answer_and_repeat_windows_are_separate(
        bot, vk, tg) -> None:
    """"When are you open?" in the club's VK chat and in the cafe's VK chat: each its own
    answer (the cafe's first answer is not "answered above" because the club answered).
    repeat_window is the club's 10m and the cafe's 2h: 15 minutes later the club answers
    again while the cafe points to its earlier answer. Both FAQs have an entry "hours": the
    club's moderator edits the club's (README: an edited answer is sent again at once); the
    cafe's answer, its repeat window and its `/faq hours` are untouched. After 2h the cafe
    answers again."""
    question = "When are you open?"
    _, club = await vk_quiet(bot, CLUB, PETE, question)
    _, cafe = await vk_quiet(bot, CAFE_VK, PETE, question)
    assert club == ["Book club: the reading room is open from 12:00 to 20:00."], club
    assert cafe == ["Cat cafe: we are open every day from 8:00 to 22:00."], cafe
    _, cafe_tg = await tg_quiet(bot, CAFE, DASHA, question)
    assert cafe_tg == cafe, "another chat of the cafe: answered there too"
    await bot.advance(timedelta(minutes=15))
    _, club = await vk_quiet(bot, CLUB, VK_REPORTER, question)
    _, cafe = await vk_quiet(bot, CAFE_VK, VK_REPORTER, question)
    assert club == ["Book club: the reading room is open from 12:00 to 20:00."], club
    assert len(cafe) == 1 and "Cat cafe" not in cafe[0] and "↑" in cafe[0], cafe
    edited = await vk_say(bot, CLUB_Q, CLUB_ADMIN, "/faq edit hours | Book club: open 9 to 21.")
    assert "hours" in edited, edited
    await bot.advance(timedelta(minutes=1))
    _, club = await vk_quiet(bot, CLUB, PETE, question)
    _, cafe = await vk_quiet(bot, CAFE_VK, PETE, question)
    assert club == ["Book club: open 9 to 21."], club
    assert len(cafe) == 1 and "↑" in cafe[0], "the club's edit is not the cafe's: " + str(cafe)
    cafe_entry = await tg_say(bot, CAFE_Q, CAFE_ADMIN, "/faq hours")
    assert "Cat cafe: we are open every day from 8:00 to 22:00." in cafe_entry, cafe_entry
    await bot.advance(timedelta(hours=2))
    _, cafe = await vk_quiet(bot, CAFE_VK, PETE, question)
    assert cafe == ["Cat cafe: we are open every day from 8:00 to 22:00."], cafe


async def test_answer_threshold_and_faq_gaps_are_each_communitys_own(bot, tg, vk,
                                                                      capsys) -> None:
    """The club lowers answer_threshold to 0.7, the cafe raises it to 0.95. A loose
    paraphrase is answered in the club and not in the cafe. `modbot faq gaps --community`
    then lists, for each community, only what ITS members asked unanswered (the cafe's from
    both networks), never another community's questions."""
    paraphrase = "till what time are you open today?"
    _, club = await vk_quiet(bot, CLUB, PETE, paraphrase)
    assert club == ["Book club: the reading room is open from 12:00 to 20:00."], club
    _, cafe = await vk_quiet(bot, CAFE_VK, PETE, paraphrase)
    assert cafe == [], cafe
    for chat, who, text in ((SHOP, DASHA, "Можно ли вернуть пряжу без чека?"),
                            (SHOP, TG_REPORTER, "Можно вернуть пряжу, если не подошла?"),
                            (CAFE, DASHA, "Do you have vegan cakes?")):
        _, said = await tg_quiet(bot, chat, who, text)
        assert said == [], (text, said)
    for peer, text in ((CLUB, "Is there parking near the club?"),
                       (CAFE_VK, "Do you sell vegan cakes?")):
        _, said = await vk_quiet(bot, peer, VK_REPORTER, text)
        assert said == [], (text, said)
    config = str(bot.app.config.path)
    gaps = {name: await run_cli(capsys, "faq", "gaps", "--community", name, "--config",
                                config, "--since", "7d")
            for name in ("yarn-shop", "book-club", "cat-cafe")}
    assert "пряж" in gaps["yarn-shop"] and "vegan" not in gaps["yarn-shop"], gaps
    assert "parking" not in gaps["yarn-shop"], gaps
    assert "parking" in gaps["book-club"], gaps
    assert "vegan" not in gaps["book-club"] and "till what time" not in gaps["book-club"], gaps
    assert "vegan" in gaps["cat-cafe"] and "till what time" in gaps["cat-cafe"], gaps
    assert "parking" not in gaps["cat-cafe"] and "пряж" not in gaps["cat-cafe"], gaps


async def test_a_broken_faq_file_is_reported_to_its_own_queue_and_reloads_stay_separate(
        bot, tg, vk) -> None:
    """The agency edits two clients' FAQ files at once: the club's is fixed (a new answer),
    the cafe's is saved broken. README: the file is reloaded when it changes, "a file saved
    broken keeps the last good version answering, and the queue chat is told". The club
    answers with its new text, the cafe with its last good one, the shop as before; only the
    cafe's queue hears about the cafe's file."""
    folder = bot.app.config.path.parent
    broken = FAQ_CAFE.replace('id = "adopt"', 'id = "adopt')
    (folder / "faq_cafe.toml").write_text(broken, encoding="utf-8")
    (folder / "faq_club.toml").write_text(FAQ_CLUB.replace("12:00 to 20:00", "9:00 to 21:00"),
                                          encoding="utf-8")
    for name in ("faq_cafe.toml", "faq_club.toml"):  # a later mtime: the change is seen
        stat = (folder / name).stat()
        os.utime(folder / name, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    await bot.advance(timedelta(seconds=5))
    _, club = await vk_quiet(bot, CLUB, PETE, "When are you open?")
    _, cafe = await vk_quiet(bot, CAFE_VK, PETE, "When are you open?")
    _, shop = await tg_quiet(bot, SHOP, DASHA, "Когда вы работаете?")
    assert club == ["Book club: the reading room is open from 9:00 to 21:00."], club
    assert cafe == ["Cat cafe: we are open every day from 8:00 to 22:00."], cafe
    assert shop == ["Пряжа: магазин открыт с 10:00 до 19:00."], shop
    await bot.advance(timedelta(seconds=5))
    await settle(bot)
    told = [t for t in tg.sent_texts(CAFE_Q) if "faq_cafe.toml" in t]
    assert len(told) == 1, tg.sent_texts(CAFE_Q)
    assert not [t for t in vk_texts(vk, CLUB_Q) if "faq" in t.lower()], vk_texts(vk, CLUB_Q)
    assert not [t for t in tg.sent_texts(SHOP_Q) if "faq" in t.lower()], tg.sent_texts(SHOP_Q)


# ==============================================================================================
# 7. Schedules: each community's posts, in its chats, at its local time
# ==============================================================================================

def next_local(now: datetime, zone: ZoneInfo, hour: int) -> datetime:
    local = now.astimezone(zone)
    at = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if at <= local:
        at += timedelta(days=1)
    return at.astimezone(UTC)


async def test_daily_posts_go_to_their_own_chats_at_their_own_local_time(bot, tg, vk,
                                                                          clock) -> None:
    """Three daily posts at "10:00", in Moscow, Tokyo and New York: over 24 hours (scheduler
    rounds every 30 minutes) each goes out once, at 10:00 in its community's timezone, to
    that community's chats only (the cafe's to its group, its VK chat and the wall)."""
    start = clock.now()
    due = {"Пряжа: доброе утро!": next_local(start, MOSCOW, 10),
           "Book club: chapter of the day": next_local(start, TOKYO, 10),
           "Cat cafe: good morning, cat people": next_local(start, NEW_YORK, 10)}
    targets = {"Пряжа: доброе утро!": {f"telegram:{SHOP}"},
               "Book club: chapter of the day": {f"vk:{CLUB}"},
               "Cat cafe: good morning, cat people": {f"telegram:{CAFE}", f"vk:{CAFE_VK}",
                                                      "vk:wall"}}

    def everywhere() -> dict[str, list[str]]:
        out = {f"telegram:{c}": tg.sent_texts(c) for c in (SHOP, CAFE, SHOP_Q, CAFE_Q)}
        out.update({f"vk:{p}": vk_texts(vk, p) for p in (CLUB, CAFE_VK, CLUB_Q)})
        out["vk:wall"] = [p.get("message", "") for p in vk.posts.values()]
        return out

    seen: list[tuple[datetime, str, str]] = []
    before = everywhere()
    while clock.now() <= start + timedelta(hours=24):
        await bot.tick()
        after = everywhere()
        for key, texts in after.items():
            for text in texts[len(before.get(key, [])):]:
                if text in due:
                    seen.append((clock.now(), key, text))
        before = after
        clock.advance(timedelta(minutes=30))
    for text, at in due.items():
        got = [(when, key) for when, key, said in seen if said == text]
        assert {key for _, key in got} == targets[text], (text, got)
        assert len(got) == len(targets[text]), (text, got)
        assert {when for when, _ in got} == {at}, (text, got, at)


async def test_schedule_commands_see_and_touch_only_their_own_communitys_plan(bot, tg,
                                                                           vk) -> None:
    """`/schedule` in each queue lists the community's own plan in its own timezone and
    language; a post the club's moderator plans from the club's VK queue cannot be removed
    from the cafe's queue ("no post #N in this community"), and goes out only in the club."""
    shop = await tg_say(bot, SHOP_Q, SHOP_ADMIN, "/schedule")
    club = await vk_say(bot, CLUB_Q, CLUB_ADMIN, "/schedule")
    cafe = await tg_say(bot, CAFE_Q, CAFE_ADMIN, "/schedule")
    assert "Europe/Moscow" in shop and "Пряжа" in shop, shop
    assert "Book club" not in shop and "Cat cafe" not in shop, shop
    assert "Asia/Tokyo" in club and "Book club" in club, club
    assert "Пряжа" not in club and "Cat cafe" not in club, club
    assert "America/New_York" in cafe and "Cat cafe" in cafe, cafe
    assert "Пряжа" not in cafe and "Book club" not in cafe, cafe
    added = await vk_say(bot, CLUB_Q, CLUB_ADMIN, "/schedule in 1h Book club: author Q&A")
    post_id = added.split("#", 1)[1].split()[0].strip(":.,")
    refused = await tg_say(bot, CAFE_Q, CAFE_ADMIN, f"/unschedule {post_id}")
    assert refused == render("schedule.not_found", "en", id=post_id), refused
    await bot.advance(timedelta(minutes=61))
    await settle(bot)
    assert "Book club: author Q&A" in vk_texts(vk, CLUB)
    for texts in (tg.sent_texts(SHOP), tg.sent_texts(CAFE), vk_texts(vk, CAFE_VK),
                  [p.get("message", "") for p in vk.posts.values()]):
        assert "Book club: author Q&A" not in texts, texts









# ==============================================================================================
# 8. Findings
# ==============================================================================================

async def test_vk_admin_who_never_posted_gets_the_community_they_moderate_in_private(
        bot, tg, vk) -> None:
    """README: a private chat belongs to the community where the member was last seen, "an
    admin who never posted: the first community they moderate". The cafe's owner on Telegram
    (never posted) gets the cafe's FAQ and the moderator help privately; so must the admin
    of the cafe's VK chat, who moderates only the cafe (README: in private chats "an admin of
    any of its chats counts"), when writing to the VK community: not the book club's FAQ
    (another client's) and a member's help."""
    tg_help = await tg_private(bot, CAFE_ADMIN, "/help")
    assert render("common.help_moderator", "en") in tg_help, tg_help
    tg_faq = await tg_private(bot, CAFE_ADMIN, "/faq")
    assert len(tg_faq) == 1 and "Can I adopt a cat?" in tg_faq[0], tg_faq
    vk.post_private(CAFE_VK_ADMIN, "/help")
    await settle(bot)
    vk_help = vk_texts(vk, CAFE_VK_ADMIN)
    vk_faq = await vk_say(bot, CAFE_VK_ADMIN, CAFE_VK_ADMIN, "/faq")
    assert "membership fee" not in vk_faq, "the book club's FAQ shown to the cafe's admin: " \
        + vk_faq
    assert "Can I adopt a cat?" in vk_faq, vk_faq
    assert render("common.help_moderator", "en") in vk_help, vk_help


async def test_forwarded_private_report_goes_to_the_community_of_the_forwarded_message(
        bot, tg, vk) -> None:
    """README: on VK a member reports privately with "`/report [reason]` with the chat's
    message forwarded", and "reports on the same message merge (the card counts reporters)".
    A spam message in the book club's chat is reported there with !report (club #1); another
    member, last seen in the cat cafe's VK chat, forwards the same message to the community
    with /report. The book club's moderators must get it (merged into #1), not the cafe's
    moderators, who do not moderate that chat and cannot delete the message or see where it
    was posted."""
    other = 503
    vk.add_members(CLUB, other)
    vk.add_members(CAFE_VK, other)
    bad = vk.post_message(CLUB, PETE, "free e-books at fwd-spam.example")
    ack = await vk_say(bot, CLUB, VK_REPORTER, "!report spam", reply_to=bad)
    assert ack == render("complaints.ack", "en", number=1), ack
    await vk_quiet(bot, CLUB, other, "nice book")
    await vk_quiet(bot, CAFE_VK, other, "nice cats")  # last seen in the cafe
    vk.push("message_new", {"message": {
        "date": int(vk.clock()), "from_id": other, "id": 9001, "out": 0, "peer_id": other,
        "text": "/report spam", "conversation_message_id": 9001, "attachments": [],
        "fwd_messages": [{"from_id": PETE, "text": "free e-books at fwd-spam.example",
                          "date": int(vk.clock()), "peer_id": CLUB,
                          "conversation_message_id": bad}]}, "client_info": {}})
    await settle(bot)
    cafe_cards = [t for t in tg.sent_texts(CAFE_Q) if t.startswith("Ticket #")]
    assert cafe_cards == [], "the club's message reported into the cafe's queue: " \
        + repr(cafe_cards)
    assert vk_texts(vk, other) == [render("complaints.ack_merged", "en", number=1)], \
        vk_texts(vk, other)
