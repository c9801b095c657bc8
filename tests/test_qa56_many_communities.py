"""QA round 56: an SMM agency runs three clients' communities from ONE bot process.

One App with both adapters (as `modbot run` wires them), in this test's event loop, against the
local Telegram and VK emulators; time moves only by the injected FakeClock (the emulators' message
dates follow it); the scheduler and the housekeeping tick are driven as `modbot run`'s loops
call them.

- "yarn-shop" (ru, Europe/Moscow): Telegram only: group SHOP, queue SHOP_Q (Telegram);
  ladder warn → mute 1h → ban, warn_expiry 1d; the owner allows "хер"; FAQ in Russian.
- "book-club" (en, Asia/Tokyo): VK only: chat CLUB, queue CLUB_Q (a VK chat); filter in
  dry-run; ladder warn → warn → kick, warn_expiry 7d; repeat_window 10m; FAQ in English.
- "cat-cafe" (en, America/New_York): both networks: Telegram group CAFE, VK chat CAFE_VK and
  the VK wall; queue CAFE_Q on Telegram; default ladder (4 steps, 30d); "crap" is an extra
  word; repeat_window 2h; audit = true; FAQ in English.

DASHA (Telegram) is a member of SHOP and CAFE; PETE (VK) a member of CLUB and CAFE_VK.

README: "Several [[community]] blocks may share one bot. Each keeps its own moderators, queue,
tickets (numbered from #1), warnings, FAQ and schedule"; `community.filter.*`,
`community.answers.*`, `community.moderation.*` are per community; `language` is "the bot's
replies"; `timezone`: "schedules are read and times shown in it"; "A member's private chat
with the bot belongs to the community where they were last seen".
"""

from __future__ import annotations

import asyncio
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

        [[community.schedule]]
        cron = "0 10 * * *"
        text = "Cat cafe: good morning, cat people"
        """), encoding="utf-8")
    return path


# -- the bot on both emulators ------------------------------------------------------------------

def start_of_tomorrow() -> datetime:
    """A whole hour ahead of the real time (Telegram reads until_date against it)."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start_of_tomorrow())


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
        return self

    async def close(self) -> None:
        self.stop.set()
        for task in self.tasks:
            try:
                await asyncio.wait_for(task, 20)
            except BaseException:  # noqa: BLE001 - teardown: never hide the test's own failure
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


# ==============================================================================================
# exploration
# ==============================================================================================

async def test_explore(bot, tg, vk, clock) -> None:
    print(await tg_say(bot, SHOP, DASHA, "/help"))
    print(await tg_say(bot, CAFE, DASHA, "/help"))
    print(await vk_say(bot, CLUB, PETE, "/help"))
    print(await vk_say(bot, CAFE_VK, PETE, "/help"))
    print(await tg_quiet(bot, SHOP, DASHA, RU_RUDE))
    print(await tg_quiet(bot, CAFE, DASHA, RU_RUDE))
    print(await vk_quiet(bot, CLUB, PETE, EN_RUDE))
    print(await vk_quiet(bot, CAFE_VK, PETE, EN_RUDE))
    print(await tg_quiet(bot, SHOP, DASHA, "Когда вы работаете?"))
    print(await vk_quiet(bot, CLUB, PETE, "When are you open?"))
    print(await vk_quiet(bot, CAFE_VK, PETE, "When are you open?"))
    print(await vk_quiet(bot, CLUB, PETE, "When are you open?"))
    print(await vk_quiet(bot, CAFE_VK, PETE, "When are you open?"))
    assert False
