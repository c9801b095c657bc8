"""QA round 48: an owner's config.toml over months — stop, edit, restart.

One bot process (one App with the Telegram and VK adapters, as `modbot run` has) against the
local Bot API and VK API emulators. The owner starts it with one config, stops it, edits
config.toml and starts it again over the same SQLite database: chats added and removed, the
ladder and mute durations changed, a community added or renamed, the queue moved, the
language and the FAQ file changed, `[[community.schedule]]` entries removed or re-timed, and
the usual slips of an edit (typos, wrong types, a token variable missing from the
environment) that `check-config` and `modbot run` must name before anything half starts.

Time moves only by the injected FakeClock (a whole hour ahead of the wall clock, so
Telegram's until_date is read as intended); the scheduler is driven by
`service_for(app).run_due(now)` rounds as `modbot run`'s loop calls it. The CLI is run as an
owner runs it (`python -m bot …` in a subprocess).

Expectations come from README.md, docs/DESIGN.md (shared), issues #2–#9, or what a Rose /
Combot user would plainly expect; a test marked xfail(strict) is a finding.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import textwrap
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tg_emulator import TelegramEmulator
from tg_emulator.harness import TOKEN, FakeTime, fast_options
from tg_emulator.wire import replies_to, wall_clock
from vk_emulator.harness import Sleeps
from vk_emulator.server import ChatMessage, VkEmulator

from bot.app import App, create_app
from bot.config import load_config
from bot.core.clock import FakeClock
from bot.features.schedule import service_for

REPO = Path(__file__).resolve().parent.parent

# Telegram
GROUP = -1001  # the community's first group
GROUP_2 = -1003  # a second group, added or removed over the months
QUEUE = -2002  # the moderators' queue chat
NEW_QUEUE = -2004  # where the owner moves the queue
ADMIN = 700  # admin of every Telegram chat above
OLD_QUEUE_ADMIN = 710  # admin of the old queue chat only
TG_LISTED = 910  # a listed moderator (telegram:910) who later leaves the team
MEMBER, OFFENDER, REPORTER = 111, 444, 555
WITNESS = 333
# VK
VK_CHAT = 2_000_000_001
VK_CHAT_2 = 2_000_000_003
VK_QUEUE = 2_000_000_002
VK_MOD = 900  # listed moderator (vk:900)
VK_MEMBER, VK_OFFENDER, VK_REPORTER = 501, 502, 503

RUDE = "ты хуйло ебаное"
RUDE_2 = "ну ты и пиздабол"
RUDE_3 = "иди нахуй со своими правилами"

FAQ_OLD = """
[[faq]]
id = "hours"
lang = "en"
questions = ["When are you open?", "What are your opening hours?"]
answer = "We are open from 9:00 to 21:00 every day."
"""

FAQ_NEW = """
[[faq]]
id = "parking"
lang = "en"
questions = ["Is there parking near the studio?", "Where can I park my car?"]
answer = "Free parking is behind the building, entrance from Lenina street."
"""


# --------------------------------------------------------------------------------------------
# config.toml as the owner writes it
# --------------------------------------------------------------------------------------------

def community(name: str = "school", *, language: str = "en",
              chats: tuple[str, ...] = (f"telegram:{GROUP}", f"vk:{VK_CHAT}"),
              queue: str | None = f"telegram:{QUEUE}", faq: str | None = None,
              moderators: tuple[str, ...] = (f"vk:{VK_MOD}",), extra: str = "") -> str:
    lines = ["", "[[community]]", f'name = "{name}"', f'language = "{language}"',
             'timezone = "UTC"',
             "chats = [" + ", ".join(f'"{c}"' for c in chats) + "]",
             "moderators = [" + ", ".join(f'"{m}"' for m in moderators) + "]"]
    if queue is not None:
        lines.append(f'queue = "{queue}"')
    if faq is not None:
        lines.append(f'faq = "{faq}"')
    return "\n".join(lines) + "\n" + textwrap.dedent(extra) + "\n"


def write_config(folder: Path, tg: TelegramEmulator, vk: VkEmulator, *communities: str,
                 tokens_from_env: bool = False, vk_extra: str = "",
                 user_token: bool = True) -> Path:
    tg_token = "${MODBOT_TELEGRAM_TOKEN}" if tokens_from_env else TOKEN
    vk_token = "${MODBOT_VK_TOKEN}" if tokens_from_env else vk.token
    user = ("${MODBOT_VK_USER_TOKEN}" if tokens_from_env else vk.user_token)
    path = folder / "config.toml"
    path.write_text(textwrap.dedent(f"""
        [database]
        url = "sqlite+aiosqlite:///modbot.db"

        [telegram]
        token = "{tg_token}"
        api_base = "{tg.api_base}"
        poll_timeout = 1

        [vk]
        token = "{vk_token}"
        group_id = {vk.group_id}
        api_base = "{vk.api_base}"
        poll_wait = 1
        """) + (f'user_token = "{user}"\n' if user_token else "") + textwrap.dedent(vk_extra)
        + "".join(communities or (community(),)), encoding="utf-8")
    return path


def schedule(*, text: str, cron: str | None = None, at: str | None = None,
             chats: tuple[str, ...] | None = None) -> str:
    when = f'cron = "{cron}"' if cron is not None else f'at = "{at}"'
    out = f'\n[[community.schedule]]\n{when}\ntext = "{text}"\n'
    if chats is not None:
        out += "chats = [" + ", ".join(f'"{c}"' for c in chats) + "]\n"
    return out


# --------------------------------------------------------------------------------------------
# the bot process: start, stop, edit, start again over the same database
# --------------------------------------------------------------------------------------------

class Bot:
    """Both adapters on one App, as `modbot run` has; a restart is a new App (a new instance
    id, as a new process has) over the same database, reading config.toml afresh."""

    def __init__(self, config_path: Path, clock: FakeClock, tg: TelegramEmulator,
                 vk: VkEmulator) -> None:
        self.config_path, self.clock, self.tg, self.vk = config_path, clock, tg, vk
        self.generation = 0
        self.app: App | None = None
        self.stop_event = asyncio.Event()
        self.tasks: list[asyncio.Task[Any]] = []

    async def start(self) -> Bot:
        from handlers.telegram.runner import run_telegram
        from handlers.vk.runner import run_vk

        self.generation += 1
        self.app = await create_app(load_config(self.config_path), clock=self.clock,
                                    instance_id=f"qa48-{self.generation}")
        self.stop_event = asyncio.Event()
        before = len(self.vk.calls_to("longpoll.check"))
        tg_before = self.tg.request_counts.get("getUpdates", 0)
        self.tasks = [
            asyncio.create_task(run_telegram(self.app, self.stop_event,
                                             options=fast_options(FakeTime()))),
            asyncio.create_task(run_vk(self.app, self.stop_event, sleeper=Sleeps(),
                                       housekeeping=False)),
        ]
        await self.vk.wait_for(lambda: len(self.vk.calls_to("longpoll.check")) > before)
        await self.tg.wait_for(lambda: self.tg.request_counts.get("getUpdates", 0) > tg_before,
                               what="the bot polling Telegram")
        return self

    async def stop(self) -> None:
        self.stop_event.set()
        try:
            await asyncio.wait_for(asyncio.gather(*self.tasks), 30)
        finally:
            self.tasks = []
            if self.app is not None:
                await self.app.close()
                self.app = None

    async def restart(self, config_text: str | None = None, *,
                      down_for: timedelta = timedelta(0)) -> Bot:
        """Stop, (the owner edits config.toml), `down_for` passes, start again."""
        await self.stop()
        if config_text is not None:
            self.config_path.write_text(config_text, encoding="utf-8")
        self.clock.advance(down_for)
        return await self.start()

    async def schedule_round(self) -> None:
        """One round of `modbot run`'s scheduler loop at the clock's time."""
        assert self.app is not None
        await service_for(self.app).run_due(self.clock.now())
        await self.app.pipeline.drain()

    async def tick(self) -> None:
        """One housekeeping round (SLA reminders, notice removal) at the clock's time."""
        assert self.app is not None
        await self.app.pipeline.tick()
        await self.app.pipeline.drain()


@pytest.fixture
def clock() -> FakeClock:
    return wall_clock()


@pytest.fixture
async def tg(clock: FakeClock) -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(TOKEN) as emulator:
        emulator.world.clock = lambda: clock.now().timestamp()
        emulator.group(GROUP, title="Yoga School", admins=(ADMIN,))
        emulator.group(GROUP_2, title="Yoga School Flea Market", admins=(ADMIN,))
        emulator.group(QUEUE, title="Yoga moderators", admins=(ADMIN, OLD_QUEUE_ADMIN))
        emulator.group(NEW_QUEUE, title="Yoga moderators 2027", admins=(ADMIN,))
        yield emulator


@pytest.fixture
async def vk(clock: FakeClock) -> AsyncIterator[VkEmulator]:
    emulator = await VkEmulator().start()
    emulator.clock = lambda: clock.now().timestamp()
    for peer in (VK_CHAT, VK_CHAT_2):
        emulator.add_members(peer, VK_MOD, VK_MEMBER, VK_OFFENDER, VK_REPORTER)
    emulator.set_admins(VK_QUEUE, VK_MOD)
    yield emulator
    await emulator.close()


@pytest.fixture
async def bot_with(tmp_path: Path, clock: FakeClock, tg: TelegramEmulator, vk: VkEmulator
                   ) -> AsyncIterator[Callable[..., Any]]:
    """`await bot_with(config text)` → a started Bot on tmp_path/config.toml."""
    started: list[Bot] = []

    async def make(text: str) -> Bot:
        path = tmp_path / "config.toml"
        path.write_text(text, encoding="utf-8")
        running = Bot(path, clock, tg, vk)
        started.append(running)
        return await running.start()

    yield make
    for running in started:
        if running.app is not None:
            await running.stop()


def config_text(tmp_path: Path, tg: TelegramEmulator, vk: VkEmulator, *communities: str,
                **options: Any) -> str:
    """The config.toml text an owner would save (written to a scratch file, then read)."""
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    return write_config(scratch, tg, vk, *communities, **options).read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------
# what members and moderators see
# --------------------------------------------------------------------------------------------

async def tg_settle(tg: TelegramEmulator, chat: int = GROUP) -> None:
    """Everything sent before has been handled: a bystander's /help got its answer."""
    probe = tg.user_message(chat, WITNESS, "/help")
    await tg.wait_for(lambda: replies_to(tg, chat, probe["message_id"]),
                      what=f"the witness's /help in {chat}")


async def vk_settle(vk: VkEmulator) -> None:
    polls = len(vk.calls_to("longpoll.check"))
    await vk.wait_for(lambda: len(vk.calls_to("longpoll.check")) > polls + 1)


async def settle(tg: TelegramEmulator, vk: VkEmulator) -> None:
    await tg_settle(tg)
    await vk_settle(vk)


def tg_texts(tg: TelegramEmulator, chat: int) -> list[str]:
    return tg.sent_texts(chat)


def vk_texts(vk: VkEmulator, peer: int) -> list[str]:
    return [m.text for m in vk.sent(peer)]


def tg_buttons(message: dict[str, Any]) -> dict[str, str]:
    """action → callback data of a Telegram card ("del" → "t:del:1")."""
    out: dict[str, str] = {}
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            data = str(button.get("callback_data") or "")
            if data.count(":") >= 2:
                out[data.split(":")[1]] = data
    return out


def vk_buttons(message: ChatMessage) -> dict[str, str]:
    out: dict[str, str] = {}
    if message.keyboard is None:
        return out
    for row in message.keyboard["buttons"]:
        for button in row:
            data = str(json.loads(button["action"]["payload"])["d"])
            out[data.split(":")[1]] = data
    return out


def tg_cards(tg: TelegramEmulator, chat: int) -> list[dict[str, Any]]:
    return [m for m in tg.sent_messages(chat) if tg_buttons(m)]


def tg_callback_answers(tg: TelegramEmulator, query_id: str) -> list[str]:
    return [str(c.params.get("text") or "") for c in tg.calls_of("answerCallbackQuery")
            if c.params.get("callback_query_id") == query_id]


async def tg_report(tg: TelegramEmulator, chat: int, text: str, *,
                    queue: int = QUEUE) -> dict[str, Any]:
    """OFFENDER writes `text` in `chat`, REPORTER reports it; returns the card in `queue`."""
    before = len(tg_cards(tg, queue))
    bad = tg.user_message(chat, OFFENDER, text, first_name="Oscar")
    tg.user_message(chat, REPORTER, "/report spam", reply_to=bad["message_id"],
                    first_name="Rita")
    await tg.wait_for(lambda: len(tg_cards(tg, queue)) > before, what="the ticket card")
    return tg_cards(tg, queue)[before]


def vk_report(vk: VkEmulator, peer: int, text: str) -> int:
    """VK_OFFENDER writes `text` in `peer`, VK_REPORTER reports it; returns the message's cmid."""
    bad = vk.post_message(peer, VK_OFFENDER, text)
    vk.post_message(peer, VK_REPORTER, "!report spam", reply_to=bad)
    return bad


def tg_restrictions(tg: TelegramEmulator, user: int) -> list[dict[str, Any]]:
    return [c.params for c in tg.calls_of("restrictChatMember")
            if int(c.params["user_id"]) == user]


def tg_bans(tg: TelegramEmulator, user: int) -> list[dict[str, Any]]:
    return [c.params for c in tg.calls_of("banChatMember") if int(c.params["user_id"]) == user]


def vk_bans(vk: VkEmulator, user: int) -> list[dict[str, str]]:
    return [c.params for c in vk.calls_to("groups.ban") if int(c.params["owner_id"]) == user]


def vk_removed(vk: VkEmulator, peer: int, user: int) -> bool:
    return any(int(c.params.get("chat_id", 0)) == peer - 2_000_000_000
               and int(c.params.get("member_id", c.params.get("user_id", 0))) == user
               for c in vk.calls_to("messages.removeChatUser"))


async def tg_offend(tg: TelegramEmulator, text: str, *, chat: int = GROUP,
                    who: int = OFFENDER) -> dict[str, Any]:
    bad = tg.user_message(chat, who, text, first_name="Oscar")
    await tg.wait_for(lambda: tg.is_deleted(chat, bad["message_id"]),
                      what="the obscene message deleted")
    return bad


async def vk_offend(vk: VkEmulator, text: str, *, peer: int = VK_CHAT,
                    who: int = VK_OFFENDER) -> int:
    cmid = vk.post_message(peer, who, text)
    await vk.wait_for(lambda: any(int(c.params.get("peer_id", 0)) == peer
                                  and str(cmid) in c.params.get("cmids", "").split(",")
                                  for c in vk.calls_to("messages.delete")))
    return cmid


# ============================================================================================
# 1. Chats added and removed
# ============================================================================================

async def test_a_chat_added_to_the_config_is_moderated_after_the_restart_on_both_networks(
        tmp_path, tg, vk, bot_with) -> None:
    """Month two: the owner adds the flea-market group and a second VK chat to `chats` and
    restarts. Swearing there is now removed, and the warning the member got in month one
    still counts (README: warnings count across the community's chats; each step lands in
    the chat of the offence): the second offence, in the new chat, is the mute step."""
    bot = await bot_with(config_text(tmp_path, tg, vk))
    await tg_offend(tg, RUDE, chat=GROUP)
    await vk_offend(vk, RUDE, peer=VK_CHAT)
    await tg.wait_for(lambda: tg_texts(tg, GROUP), what="warning 1")
    await vk.wait_for(lambda: vk_texts(vk, VK_CHAT))
    await bot.restart(config_text(tmp_path, tg, vk, community(chats=(
        f"telegram:{GROUP}", f"telegram:{GROUP_2}", f"vk:{VK_CHAT}", f"vk:{VK_CHAT_2}"))))
    await tg_offend(tg, RUDE_2, chat=GROUP_2)
    await vk_offend(vk, RUDE_2, peer=VK_CHAT_2)
    await tg.wait_for(lambda: tg_restrictions(tg, OFFENDER), what="step 2: the mute")
    assert {int(r["chat_id"]) for r in tg_restrictions(tg, OFFENDER)} == {GROUP_2}
    await vk.wait_for(lambda: vk_removed(vk, VK_CHAT_2, VK_OFFENDER))
    await settle(tg, vk)
    assert not tg.calls_of("leaveChat"), "the bot left a group the owner just added"
    assert not vk_removed(vk, VK_CHAT_2, -vk.group_id)


async def test_a_chat_removed_from_the_config_is_no_longer_moderated_and_hears_at_most_once(
        tmp_path, tg, vk, bot_with) -> None:
    """The owner hands the flea-market group and the second VK chat to another team and takes
    them out of `chats`. DESIGN: the bot acts only in the community's chats and its queue; in
    any other group it sends at most one message and leaves. Swearing there is not the
    bot's to remove any more, and it does not keep talking there."""
    both = community(chats=(f"telegram:{GROUP}", f"telegram:{GROUP_2}",
                            f"vk:{VK_CHAT}", f"vk:{VK_CHAT_2}"))
    bot = await bot_with(config_text(tmp_path, tg, vk, both))
    await tg_offend(tg, RUDE, chat=GROUP_2)  # month one: moderated there
    await bot.restart(config_text(tmp_path, tg, vk))
    tg_before, vk_before = len(tg_texts(tg, GROUP_2)), len(vk_texts(vk, VK_CHAT_2))
    rude = [tg.user_message(GROUP_2, OFFENDER, text) for text in (RUDE_2, RUDE_3)]
    vk_rude = [vk.post_message(VK_CHAT_2, VK_OFFENDER, text) for text in (RUDE_2, RUDE_3)]
    await settle(tg, vk)
    await tg_settle(tg)
    assert not any(tg.is_deleted(GROUP_2, m["message_id"]) for m in rude)
    assert not tg_restrictions(tg, OFFENDER) and not tg_bans(tg, OFFENDER)
    assert len(tg_texts(tg, GROUP_2)) - tg_before <= 1, tg_texts(tg, GROUP_2)
    vk_deleted = [c for c in vk.calls_to("messages.delete")
                  if int(c.params.get("peer_id", 0)) == VK_CHAT_2]
    assert not vk_deleted, ("the bot still deletes in a chat the owner removed", vk_rude)
    assert len(vk_texts(vk, VK_CHAT_2)) - vk_before <= 1, vk_texts(vk, VK_CHAT_2)
    assert not vk_removed(vk, VK_CHAT_2, VK_OFFENDER) and not vk_bans(vk, VK_OFFENDER)
    assert [int(c.params["chat_id"]) for c in tg.calls_of("leaveChat")] == [GROUP_2]
    assert vk_removed(vk, VK_CHAT_2, -vk.group_id), "the bot did not leave the VK chat"


async def test_tickets_from_a_removed_chat_can_be_closed_but_not_acted_on_there(
        tmp_path, tg, vk, bot_with) -> None:
    """Two reports, one from the flea-market group (Telegram) and one from the second VK chat,
    wait in the Telegram queue when the owner takes both chats out of `chats`. README:
    "Delete message" and "Ban author" on a ticket whose chat the owner has since taken out of
    `chats` are refused with that reason (the bot no longer acts there); resolve and reject
    still work."""
    both = community(chats=(f"telegram:{GROUP}", f"telegram:{GROUP_2}",
                            f"vk:{VK_CHAT}", f"vk:{VK_CHAT_2}"))
    bot = await bot_with(config_text(tmp_path, tg, vk, both))
    tg_card = await tg_report(tg, GROUP_2, "Selling followers, 1000 for $1")
    vk_report(vk, VK_CHAT_2, "Casino bonus 500%, link in bio")
    await tg.wait_for(lambda: len(tg_cards(tg, QUEUE)) == 2, what="the VK ticket's card")
    vk_card = tg_cards(tg, QUEUE)[1]
    assert "#1" in tg_card["text"] and "#2" in vk_card["text"], (tg_card, vk_card)
    await bot.restart(config_text(tmp_path, tg, vk))

    deleted = tg.press(QUEUE, tg_card["message_id"], ADMIN, tg_buttons(tg_card)["del"])
    banned = tg.press(QUEUE, vk_card["message_id"], ADMIN, tg_buttons(vk_card)["ban"])
    await tg.wait_for(lambda: tg_callback_answers(tg, deleted) and tg_callback_answers(tg, banned),
                      what="both presses answered")
    await settle(tg, vk)
    assert not tg.calls_of("deleteMessage", ok=None) and not tg.calls_of("deleteMessages", ok=None)
    assert not vk.calls_to("groups.ban") and not vk_removed(vk, VK_CHAT_2, VK_OFFENDER)
    for number, query in ((1, deleted), (2, banned)):
        [answer] = tg_callback_answers(tg, query)
        assert f"#{number}" in answer and "no longer" in answer, answer

    for command, number in (("/resolve", 1), ("/reject", 2)):
        sent = tg.user_message(QUEUE, ADMIN, f"{command} {number}")
        await tg.wait_for(lambda sent=sent: replies_to(tg, QUEUE, sent["message_id"]),
                          what=f"the answer to {command}")
        [reply] = replies_to(tg, QUEUE, sent["message_id"])
        assert f"#{number}" in reply and ("resolved" in reply or "rejected" in reply), reply


# ============================================================================================
# 2. The content plan across edits
# ============================================================================================

def daily(moment: Any) -> str:
    """A cron for every day at `moment`'s hour and minute (UTC, the community's timezone)."""
    return f"{moment.minute} {moment.hour} * * *"


def local(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def post_counts(tg: TelegramEmulator, vk: VkEmulator, text: str) -> dict[str, int]:
    """How often members saw `text` on each target (the queue excluded)."""
    wall = [p for p in vk.posts.values() if text in str(p.get("message", ""))
            and not p.get("deleted")]
    return {
        f"telegram:{GROUP}": tg_texts(tg, GROUP).count(text),
        f"telegram:{GROUP_2}": tg_texts(tg, GROUP_2).count(text),
        f"vk:{VK_CHAT}": vk_texts(vk, VK_CHAT).count(text),
        f"vk:{VK_CHAT_2}": vk_texts(vk, VK_CHAT_2).count(text),
        "vk:wall": len(wall),
    }


async def rounds(bot: Bot, until: Any, step: timedelta = timedelta(minutes=5)) -> None:
    """Scheduler rounds every `step` up to `until` (inclusive), as `modbot run` makes them."""
    while True:
        await bot.schedule_round()
        if bot.clock.now() >= until:
            return
        bot.clock.set(min(bot.clock.now() + step, until))


async def test_posts_stop_going_to_a_removed_chat_and_still_reach_the_others(
        tmp_path, clock, tg, vk, bot_with) -> None:
    """A daily config post (no `chats`: all of them) and a one-off a moderator scheduled from
    the queue chat (all chats too) were planned while the community had four chats. The
    owner removes the flea-market group and the second VK chat: from then on both posts go
    to the two remaining chats only, once each, and never to a chat the bot no longer
    serves (DESIGN: the bot acts only in the community's chats)."""
    start = clock.now()
    due = start + timedelta(hours=2)
    four = (f"telegram:{GROUP}", f"telegram:{GROUP_2}", f"vk:{VK_CHAT}", f"vk:{VK_CHAT_2}")
    entry = schedule(cron=daily(due), text="Daily tip: drink water")
    bot = await bot_with(config_text(tmp_path, tg, vk, community(chats=four, extra=entry)))
    sent = tg.user_message(QUEUE, ADMIN, "/schedule in 3h Open lesson tonight at 19:00")
    await tg.wait_for(lambda: replies_to(tg, QUEUE, sent["message_id"]), what="confirmation")
    await bot.schedule_round()
    await bot.restart(config_text(tmp_path, tg, vk, community(extra=entry)))
    await rounds(bot, start + timedelta(hours=3, minutes=10))
    remaining = {f"telegram:{GROUP}": 1, f"telegram:{GROUP_2}": 0, f"vk:{VK_CHAT}": 1,
                 f"vk:{VK_CHAT_2}": 0, "vk:wall": 0}
    assert post_counts(tg, vk, "Daily tip: drink water") == remaining
    assert post_counts(tg, vk, "Open lesson tonight at 19:00") == remaining


async def test_a_removed_schedule_entry_stops_and_leaves_the_plan_on_both_networks(
        tmp_path, clock, tg, vk, bot_with) -> None:
    """A daily promo went out on day one to the group and the VK chat. The promo is over: the
    owner deletes its `[[community.schedule]]` block and restarts. It is not posted again
    on any following day, and `/schedule` (Telegram) and `!schedule` (VK) no longer list it,
    while the entry the owner kept goes on."""
    start = clock.now()
    due = start + timedelta(minutes=30)
    promo = schedule(cron=daily(due), text="Promo: 20% off all passes")
    kept = schedule(cron=daily(due + timedelta(minutes=5)), text="Daily tip: stretch")
    bot = await bot_with(config_text(tmp_path, tg, vk, community(extra=promo + kept)))
    await rounds(bot, due + timedelta(minutes=10))
    assert post_counts(tg, vk, "Promo: 20% off all passes")[f"telegram:{GROUP}"] == 1
    await bot.restart(config_text(tmp_path, tg, vk, community(extra=kept)))
    await rounds(bot, due + timedelta(days=2, minutes=10), step=timedelta(hours=1))
    await rounds(bot, due + timedelta(days=2, minutes=15))
    counts = post_counts(tg, vk, "Promo: 20% off all passes")
    assert counts[f"telegram:{GROUP}"] == 1 and counts[f"vk:{VK_CHAT}"] == 1, counts
    kept_counts = post_counts(tg, vk, "Daily tip: stretch")
    assert kept_counts[f"telegram:{GROUP}"] == 3 and kept_counts[f"vk:{VK_CHAT}"] == 3, \
        kept_counts
    sent = tg.user_message(GROUP, ADMIN, "/schedule")
    await tg.wait_for(lambda: replies_to(tg, GROUP, sent["message_id"]), what="the plan")
    [plan] = replies_to(tg, GROUP, sent["message_id"])
    assert "Promo" not in plan and "stretch" in plan, plan
    before = len(vk.sent(VK_CHAT))
    vk.post_message(VK_CHAT, VK_MOD, "!schedule")
    await vk.wait_for(lambda: len(vk.sent(VK_CHAT)) > before)
    vk_plan = vk.sent(VK_CHAT)[before].text
    assert "Promo" not in vk_plan and "stretch" in vk_plan, vk_plan


async def test_a_removed_entrys_postponed_vk_wall_post_is_taken_back(
        tmp_path, clock, tg, vk, bot_with) -> None:
    """With `[vk] wall_postponed = true` the bot hands a wall post to VK's postponed posts
    ahead of time. The owner then deletes the entry (the event was cancelled) and restarts
    before its time: the postponed post is taken back (wall.delete), so VK does not publish
    a cancelled announcement by itself. README: an edited entry's postponed VK wall post is
    taken back; a removed one must not be left behind either."""
    due = clock.now() + timedelta(hours=1)
    chats = (f"telegram:{GROUP}", f"vk:{VK_CHAT}", "vk:wall")
    entry = schedule(at=local(due), text="Concert on Saturday!", chats=("vk:wall",))
    bot = await bot_with(config_text(tmp_path, tg, vk, community(chats=chats, extra=entry),
                                     vk_extra="wall_postponed = true\n"))
    clock.set(due - timedelta(minutes=5))
    await bot.schedule_round()
    [handed] = vk.calls_to("wall.post")
    assert int(handed.params.get("publish_date", 0)) == int(due.timestamp()), handed.params
    await bot.restart(config_text(tmp_path, tg, vk, community(chats=chats),
                                  vk_extra="wall_postponed = true\n"))
    await bot.schedule_round()
    assert vk.calls_to("wall.delete"), "the cancelled post stays in VK's postponed posts"
    clock.set(due + timedelta(minutes=5))
    await bot.schedule_round()
    assert len(vk.calls_to("wall.post")) == 1


async def test_moving_a_daily_posts_time_after_todays_went_out_does_not_post_it_again(
        tmp_path, clock, tg, vk, bot_with) -> None:
    """The daily tip went out at 10:00 on both networks. At 10:20 the owner moves it to 10:10
    (`cron` edited, text unchanged) and restarts: 10:10 is already past and within the
    grace, but today's tip went out — nothing is posted at the restart. The next day it goes
    out once, at the new time. (README: posts go out exactly once; editing an entry after it
    went out does not publish it again.)"""
    ten = clock.now() + timedelta(hours=1)
    text = "Daily tip: drink water"
    bot = await bot_with(config_text(tmp_path, tg, vk, community(
        extra=schedule(cron=daily(ten), text=text))))
    await rounds(bot, ten + timedelta(minutes=5))
    once = {f"telegram:{GROUP}": 1, f"telegram:{GROUP_2}": 0, f"vk:{VK_CHAT}": 1,
            f"vk:{VK_CHAT_2}": 0, "vk:wall": 0}
    assert post_counts(tg, vk, text) == once
    clock.set(ten + timedelta(minutes=20))
    await bot.restart(config_text(tmp_path, tg, vk, community(
        extra=schedule(cron=daily(ten + timedelta(minutes=10)), text=text))))
    await rounds(bot, ten + timedelta(hours=2))
    assert post_counts(tg, vk, text) == once, "the edit re-posted today's tip"
    await rounds(bot, ten + timedelta(days=1, minutes=5))
    assert post_counts(tg, vk, text) == once, "posted at the old time"
    await rounds(bot, ten + timedelta(days=1, minutes=15))
    assert post_counts(tg, vk, text) == {**once, f"telegram:{GROUP}": 2, f"vk:{VK_CHAT}": 2}


async def test_restarting_with_an_unchanged_cron_within_the_grace_posts_nothing_twice(
        tmp_path, clock, tg, vk, bot_with) -> None:
    """The owner edits something unrelated (the FAQ thresholds) at 10:20 and restarts, twice
    in a row: the daily 10:00 post, already out, is not published again (the restart lies
    within `schedule_grace`)."""
    ten = clock.now() + timedelta(hours=1)
    text = "Daily tip: stretch your back"
    entry = schedule(cron=daily(ten), text=text)
    bot = await bot_with(config_text(tmp_path, tg, vk, community(extra=entry)))
    await rounds(bot, ten + timedelta(minutes=5))
    edited = community(extra="[community.answers]\nrepeat_window = \"1h\"\n" + entry)
    for minutes in (20, 30):
        clock.set(ten + timedelta(minutes=minutes))
        await bot.restart(config_text(tmp_path, tg, vk, edited))
        await bot.schedule_round()
    counts = post_counts(tg, vk, text)
    assert counts[f"telegram:{GROUP}"] == 1 and counts[f"vk:{VK_CHAT}"] == 1, counts


async def test_a_daily_post_missed_while_the_owner_fixed_its_typo_goes_out_late_once(
        tmp_path, clock, tg, vk, bot_with) -> None:
    """At 9:55 the owner stops the bot to fix a typo in the daily 10:00 post and starts it
    again at 10:10. README: posts missed during downtime go out late within
    `schedule_grace` (1h), and an edited entry is the same post (it is not published a
    second time). So today's post goes out once, late, with the fixed text — not never."""
    ten = clock.now() + timedelta(hours=1)
    bot = await bot_with(config_text(tmp_path, tg, vk, community(
        extra=schedule(cron=daily(ten), text="Yoga at 19:00, bring a mat"))))
    await rounds(bot, ten - timedelta(minutes=5))
    await bot.restart(config_text(tmp_path, tg, vk, community(
        extra=schedule(cron=daily(ten), text="Yoga at 19:00, bring a mat!"))),
        down_for=timedelta(minutes=15))
    await rounds(bot, ten + timedelta(minutes=30))
    fixed = post_counts(tg, vk, "Yoga at 19:00, bring a mat!")
    assert fixed[f"telegram:{GROUP}"] == 1 and fixed[f"vk:{VK_CHAT}"] == 1, fixed
    assert post_counts(tg, vk, "Yoga at 19:00, bring a mat")[f"telegram:{GROUP}"] == 0


async def test_a_one_off_missed_while_the_owner_fixed_its_typo_goes_out_late_once(
        tmp_path, clock, tg, vk, bot_with) -> None:
    """The same edit for a one-off (`at`): stopped at 9:55, typo fixed, started at 10:10 —
    the announcement goes out late once with the fixed text on both networks."""
    ten = clock.now() + timedelta(hours=1)
    bot = await bot_with(config_text(tmp_path, tg, vk, community(
        extra=schedule(at=local(ten), text="Open day on Sunday, 12:00"))))
    await rounds(bot, ten - timedelta(minutes=5))
    await bot.restart(config_text(tmp_path, tg, vk, community(
        extra=schedule(at=local(ten), text="Open day on Sunday, 13:00"))),
        down_for=timedelta(minutes=15))
    await rounds(bot, ten + timedelta(minutes=30))
    fixed = post_counts(tg, vk, "Open day on Sunday, 13:00")
    assert fixed[f"telegram:{GROUP}"] == 1 and fixed[f"vk:{VK_CHAT}"] == 1, fixed
    assert post_counts(tg, vk, "Open day on Sunday, 12:00")[f"telegram:{GROUP}"] == 0



# ============================================================================================
# 3. Communities renamed and added
# ============================================================================================

async def test_renaming_the_community_does_not_publish_todays_post_again(
        tmp_path, clock, tg, vk, bot_with) -> None:
    """The daily post went out at 10:00. At 10:20 the owner renames the community ("school"
    → "yoga-school": the brand changed) and restarts. Nothing about the post changed; it
    must not go out a second time today (README: scheduled posts go out exactly once)."""
    ten = clock.now() + timedelta(hours=1)
    text = "Daily tip: breathe"
    entry = schedule(cron=daily(ten), text=text)
    bot = await bot_with(config_text(tmp_path, tg, vk, community("school", extra=entry)))
    await rounds(bot, ten + timedelta(minutes=5))
    clock.set(ten + timedelta(minutes=20))
    await bot.restart(config_text(tmp_path, tg, vk, community("yoga-school", extra=entry)))
    await rounds(bot, ten + timedelta(minutes=40))
    counts = post_counts(tg, vk, text)
    assert counts[f"telegram:{GROUP}"] == 1 and counts[f"vk:{VK_CHAT}"] == 1, counts


async def test_a_community_added_later_starts_its_own_tickets_and_warnings_the_first_goes_on(
        tmp_path, clock, tg, vk, bot_with) -> None:
    """Month three: the owner adds a second `[[community]]` (Russian, the flea-market group
    and the second VK chat, its queue a VK chat). README: each community keeps its own
    moderators, queue, tickets (numbered from #1) and warnings. The first community's next
    ticket is #2 in its Telegram queue; the new one's first ticket is #1 in the VK queue, in
    Russian; an offender warned in the first community starts at warning 1 in the new one."""
    bot = await bot_with(config_text(tmp_path, tg, vk))
    await tg_report(tg, GROUP, "Selling followers, 1000 for $1")
    await tg_offend(tg, RUDE)
    flea = community("flea", language="ru", chats=(f"telegram:{GROUP_2}", f"vk:{VK_CHAT_2}"),
                     queue=f"vk:{VK_QUEUE}", moderators=())
    await bot.restart(config_text(tmp_path, tg, vk, community(), flea))
    card = await tg_report(tg, GROUP, "Crypto doubling, DM me")
    assert card["text"].startswith("Ticket #2"), card["text"]
    vk_report(vk, VK_CHAT_2, "Казино бонус 500%, пиши в лс")
    await vk.wait_for(lambda: [m for m in vk.sent(VK_QUEUE) if "Казино" in m.text])
    [vk_card] = [m for m in vk.sent(VK_QUEUE) if "Казино" in m.text]
    assert vk_card.text.startswith("Тикет #1"), vk_card.text
    await tg_offend(tg, RUDE_2, chat=GROUP_2)
    await tg.wait_for(lambda: tg_texts(tg, GROUP_2), what="the flea market's warning")
    await settle(tg, vk)
    assert not tg_restrictions(tg, OFFENDER), "the other community's warning counted here"
    notice = tg_texts(tg, GROUP_2)[-1]
    assert "1" in notice and any("а" <= ch <= "я" for ch in notice.lower()), notice
    assert len(tg_cards(tg, QUEUE)) == 2 and not [t for t in tg_texts(tg, QUEUE) if "Казино" in t]


# ============================================================================================
# 4. The ladder and durations changed: warnings given before still count
# ============================================================================================

LADDER_WARN_BAN = """
[community.moderation]
ladder = [{ action = "warn" }, { action = "ban" }]
"""


async def test_a_shorter_ladder_counts_the_warnings_given_before_the_edit(
        tmp_path, clock, tg, vk, bot_with) -> None:
    """Both offenders got warning 1 under the default ladder (warn, mute 1h, mute 1d, ban).
    The owner tightens it to warn → ban and restarts. As in Rose, whose warn limit applies to
    the warnings members already have: the second offence is the second step — a ban — on
    both networks, not a fresh first warning."""
    bot = await bot_with(config_text(tmp_path, tg, vk))
    await tg_offend(tg, RUDE)
    await vk_offend(vk, RUDE)
    await settle(tg, vk)
    await bot.restart(config_text(tmp_path, tg, vk, community(extra=LADDER_WARN_BAN)))
    await tg_offend(tg, RUDE_2)
    await vk_offend(vk, RUDE_2)
    await tg.wait_for(lambda: tg_bans(tg, OFFENDER), what="the ban (step 2 of the new ladder)")
    await vk.wait_for(lambda: vk_bans(vk, VK_OFFENDER))
    assert not tg_restrictions(tg, OFFENDER)
    assert not tg_bans(tg, OFFENDER)[0].get("until_date"), "the new ladder's ban is permanent"


async def test_a_longer_mute_step_applies_to_the_next_offence_on_both_networks(
        tmp_path, clock, tg, vk, bot_with) -> None:
    """The owner finds one hour too mild and sets the ladder's mute step to 3 hours (VK:
    `vk_mute_fallback = "ban"`, a community ban for the mute's duration). The member warned
    last week is muted for 3 hours at the next offence — the config's new duration, told in
    the notice — and the VK member banned for 3 hours."""
    old = community(extra='[community.moderation]\nvk_mute_fallback = "ban"\n')
    bot = await bot_with(config_text(tmp_path, tg, vk, old))
    await tg_offend(tg, RUDE)
    await vk_offend(vk, RUDE)
    await settle(tg, vk)
    await bot.restart(config_text(tmp_path, tg, vk, community(extra="""
        [community.moderation]
        vk_mute_fallback = "ban"
        ladder = [{ action = "warn" }, { action = "mute", duration = "3h" }, { action = "ban" }]
        """)), down_for=timedelta(days=7))
    now = clock.now().timestamp()
    await tg_offend(tg, RUDE_2)
    await vk_offend(vk, RUDE_2)
    [mute] = await tg.wait_for(lambda: tg_restrictions(tg, OFFENDER), what="the mute")
    assert abs(int(mute["until_date"]) - (now + 3 * 3600)) < 120, (mute, now)
    [ban] = await vk.wait_for(lambda: vk_bans(vk, VK_OFFENDER))
    assert abs(int(ban["end_date"]) - (now + 3 * 3600)) < 120, (ban, now)
    await tg.wait_for(lambda: len(tg_texts(tg, GROUP)) >= 2, what="the mute notice")
    assert "3h" in tg_texts(tg, GROUP)[-1].replace(" ", ""), tg_texts(tg, GROUP)[-1]


async def test_a_shorter_warn_expiry_forgets_warnings_older_than_it_after_the_restart(
        tmp_path, clock, tg, vk, bot_with) -> None:
    """config.example.toml: `warn_expiry` — warnings older than this no longer count. Both
    offenders were warned two days ago under the default 30 days; the owner sets 1 day and
    restarts. Their next offence is a first warning again: no mute, no removal."""
    bot = await bot_with(config_text(tmp_path, tg, vk))
    await tg_offend(tg, RUDE)
    await vk_offend(vk, RUDE)
    await settle(tg, vk)
    await bot.restart(config_text(tmp_path, tg, vk, community(
        extra='[community.moderation]\nwarn_expiry = "1d"\n')), down_for=timedelta(days=2))
    await tg_offend(tg, RUDE_2)
    await vk_offend(vk, RUDE_2)
    await tg.wait_for(lambda: len(tg_texts(tg, GROUP)) >= 2, what="the second notice")
    await vk.wait_for(lambda: len(vk_texts(vk, VK_CHAT)) >= 2)
    await settle(tg, vk)
    assert not tg_restrictions(tg, OFFENDER) and not vk_removed(vk, VK_CHAT, VK_OFFENDER)
    assert "Warning 1 of 4" in tg_texts(tg, GROUP)[-2], tg_texts(tg, GROUP)
    assert "Warning 1 of 4" in vk_texts(vk, VK_CHAT)[-1], vk_texts(vk, VK_CHAT)


async def test_a_new_default_mute_is_what_a_bare_mute_gives_after_the_restart(
        tmp_path, clock, tg, vk, bot_with) -> None:
    """The owner sets `default_mute = "2h"`. A moderator's `/mute` without a duration, in reply,
    mutes for two hours on Telegram and (fallback "ban") bans for two hours on VK."""
    extra = '[community.moderation]\nvk_mute_fallback = "ban"\n'
    bot = await bot_with(config_text(tmp_path, tg, vk, community(extra=extra)))
    await bot.restart(config_text(tmp_path, tg, vk, community(
        extra=extra + 'default_mute = "2h"\n')))
    now = clock.now().timestamp()
    chatter = tg.user_message(GROUP, OFFENDER, "lol whatever")
    tg.user_message(GROUP, ADMIN, "/mute", reply_to=chatter["message_id"])
    vk_chatter = vk.post_message(VK_CHAT, VK_OFFENDER, "lol whatever")
    vk.post_message(VK_CHAT, VK_MOD, "!mute", reply_to=vk_chatter)
    [mute] = await tg.wait_for(lambda: tg_restrictions(tg, OFFENDER), what="the mute")
    assert abs(int(mute["until_date"]) - (now + 2 * 3600)) < 120, (mute, now)
    [ban] = await vk.wait_for(lambda: vk_bans(vk, VK_OFFENDER))
    assert abs(int(ban["end_date"]) - (now + 2 * 3600)) < 120, (ban, now)


# ============================================================================================
# 5. The queue chat moved
# ============================================================================================

async def test_queue_moved_to_vk_new_cards_go_there_and_old_tickets_are_handled_from_it(
        tmp_path, clock, tg, vk, bot_with) -> None:
    """The moderators move from their Telegram chat to a VK chat: the owner sets
    `queue = "vk:…"`. README: the queue may be on either network; tickets belong to the
    community. The next report's card (#2) arrives in the VK queue, and ticket #1, filed
    before the move, is resolved from the VK queue with `!resolve 1`; the reporter is told
    (or, where Telegram will not let the bot write first, the new queue hears so). The old
    Telegram queue chat hears nothing more."""
    bot = await bot_with(config_text(tmp_path, tg, vk))
    await tg_report(tg, GROUP, "Selling followers, 1000 for $1")
    await bot.restart(config_text(tmp_path, tg, vk, community(queue=f"vk:{VK_QUEUE}")))
    tg_queue_before = len(tg_texts(tg, QUEUE))
    vk_report(vk, VK_CHAT, "Casino bonus 500%, link in bio")
    await vk.wait_for(lambda: [m for m in vk.sent(VK_QUEUE) if "Casino" in m.text])
    [card] = [m for m in vk.sent(VK_QUEUE) if "Casino" in m.text]
    assert card.text.startswith("Ticket #2"), card.text
    before = len(vk.sent(VK_QUEUE))
    vk.post_message(VK_QUEUE, VK_MOD, "!resolve 1 banned elsewhere")
    await vk.wait_for(lambda: len(vk.sent(VK_QUEUE)) > before)
    reply = vk.sent(VK_QUEUE)[before].text
    assert "#1" in reply and "resolved" in reply, reply
    await settle(tg, vk)
    told = tg_texts(tg, REPORTER) or [t for t in vk_texts(vk, VK_QUEUE) if "Rita" in t]
    assert told, "neither the reporter nor the new queue heard how #1 ended"
    assert len(tg_texts(tg, QUEUE)) == tg_queue_before, tg_texts(tg, QUEUE)[tg_queue_before:]


async def test_an_unclaimed_tickets_sla_reminder_goes_to_the_new_queue_chat(
        tmp_path, clock, tg, vk, bot_with) -> None:
    """Ticket #1 (a Telegram report) and #2 (a VK report) are filed and nobody claims them.
    Ten minutes later the owner moves the queue to the new moderators' chat. When the SLA
    (30m) runs out, each is re-announced once — in the chat the moderators now read, not in
    the old one nobody watches (README: a ticket unclaimed past `sla` is re-announced)."""
    start = clock.now()
    bot = await bot_with(config_text(tmp_path, tg, vk))
    await tg_report(tg, GROUP, "Selling followers, 1000 for $1")
    vk_report(vk, VK_CHAT, "Casino bonus 500%, link in bio")
    await tg.wait_for(lambda: len(tg_cards(tg, QUEUE)) == 2, what="both cards")
    old_queue = len(tg_texts(tg, QUEUE))
    await bot.restart(config_text(tmp_path, tg, vk, community(queue=f"telegram:{NEW_QUEUE}")),
                      down_for=timedelta(minutes=10))
    clock.set(start + timedelta(minutes=31))
    await bot.tick()
    clock.set(start + timedelta(minutes=45))
    await bot.tick()
    await tg_settle(tg)
    reminders = [t for t in tg_texts(tg, NEW_QUEUE) if "#1" in t or "#2" in t]
    assert len([t for t in reminders if "#1" in t]) == 1, tg_texts(tg, NEW_QUEUE)
    assert len([t for t in reminders if "#2" in t]) == 1, tg_texts(tg, NEW_QUEUE)
    assert len(tg_texts(tg, QUEUE)) == old_queue, tg_texts(tg, QUEUE)[old_queue:]


async def test_after_the_queue_moved_the_old_queue_chat_can_no_longer_ban_or_close_tickets(
        tmp_path, clock, tg, vk, bot_with) -> None:
    """The owner moved the queue because the old moderators' chat had people in it who no
    longer moderate (an admin of that chat only). Its old cards and commands must not act
    any more: "Ban author" pressed on the old card bans nobody, and `/resolve 1` typed
    there resolves nothing (README: card buttons only in the queue; the bot acts only in
    the community's chats and its queue chat)."""
    bot = await bot_with(config_text(tmp_path, tg, vk))
    card = await tg_report(tg, GROUP, "Selling followers, 1000 for $1")
    vk_report(vk, VK_CHAT, "Casino bonus 500%, link in bio")
    await tg.wait_for(lambda: len(tg_cards(tg, QUEUE)) == 2, what="both cards")
    vk_card = tg_cards(tg, QUEUE)[1]
    await bot.restart(config_text(tmp_path, tg, vk, community(queue=f"telegram:{NEW_QUEUE}")))
    tg.press(QUEUE, card["message_id"], OLD_QUEUE_ADMIN, tg_buttons(card)["ban"])
    tg.press(QUEUE, vk_card["message_id"], OLD_QUEUE_ADMIN, tg_buttons(vk_card)["ban"])
    tg.user_message(QUEUE, OLD_QUEUE_ADMIN, "/resolve 1")
    tg.user_message(QUEUE, OLD_QUEUE_ADMIN, f"/ban vk:{VK_OFFENDER}")
    await settle(tg, vk)
    await tg_settle(tg)
    assert not tg_bans(tg, OFFENDER) and not vk.calls_to("groups.ban"), \
        "the old queue chat still bans"
    assert not vk_removed(vk, VK_CHAT, VK_OFFENDER)
    sent = tg.user_message(NEW_QUEUE, ADMIN, "/queue")
    await tg.wait_for(lambda: replies_to(tg, NEW_QUEUE, sent["message_id"]), what="/queue")
    [listing] = replies_to(tg, NEW_QUEUE, sent["message_id"])
    assert "#1" in listing and "#2" in listing, listing


# ============================================================================================
# 5b. The team changed: a listed moderator removed
# ============================================================================================

async def test_a_moderator_taken_off_the_list_loses_the_powers_on_both_networks(
        tmp_path, clock, tg, vk, bot_with) -> None:
    """A moderator leaves the team: the owner removes "telegram:910" and "vk:900" from
    `moderators` and restarts. Their `/ban` and `!ban` are refused like any member's (one
    polite refusal), nobody is banned — powers follow the config, not the last run's
    memory."""
    mods = (f"telegram:{TG_LISTED}", f"vk:{VK_MOD}")
    bot = await bot_with(config_text(tmp_path, tg, vk, community(moderators=mods)))
    chatter = tg.user_message(GROUP, OFFENDER, "lol whatever")
    first = tg.user_message(GROUP, TG_LISTED, "/warn be nice", reply_to=chatter["message_id"])
    await tg.wait_for(lambda: replies_to(tg, GROUP, first["message_id"]), what="the warning")
    await bot.restart(config_text(tmp_path, tg, vk, community(moderators=())))
    chatter = tg.user_message(GROUP, OFFENDER, "lol whatever again")
    banned = tg.user_message(GROUP, TG_LISTED, "/ban spam", reply_to=chatter["message_id"])
    vk_chatter = vk.post_message(VK_CHAT, VK_OFFENDER, "lol whatever")
    before = len(vk.sent(VK_CHAT))
    vk.post_message(VK_CHAT, VK_MOD, "!ban spam", reply_to=vk_chatter)
    await tg.wait_for(lambda: replies_to(tg, GROUP, banned["message_id"]), what="the refusal")
    await vk.wait_for(lambda: len(vk.sent(VK_CHAT)) > before)
    await settle(tg, vk)
    assert not tg_bans(tg, OFFENDER) and not vk_bans(vk, VK_OFFENDER)
    assert not vk_removed(vk, VK_CHAT, VK_OFFENDER)
    assert "moderator" in replies_to(tg, GROUP, banned["message_id"])[0].lower()
    assert "moderator" in vk.sent(VK_CHAT)[before].text.lower(), vk.sent(VK_CHAT)[before].text


# ============================================================================================
# 6. Language and FAQ file changed
# ============================================================================================

def cyrillic(text: str) -> bool:
    return any("а" <= ch <= "я" for ch in text.lower())


async def test_switching_the_language_to_english_changes_every_reply_on_both_networks(
        tmp_path, clock, tg, vk, bot_with) -> None:
    """The community went international: `language = "ru"` → `"en"`. After the restart the
    bot's notices and replies are English on Telegram and VK, the queue's cards too — and
    the ladder the member was on goes on (the second offence is the mute step)."""
    bot = await bot_with(config_text(tmp_path, tg, vk, community(language="ru")))
    await tg_offend(tg, RUDE)
    await vk_offend(vk, RUDE)
    await tg.wait_for(lambda: tg_texts(tg, GROUP), what="the Russian warning")
    await vk.wait_for(lambda: vk_texts(vk, VK_CHAT))
    assert cyrillic(tg_texts(tg, GROUP)[0]) and cyrillic(vk_texts(vk, VK_CHAT)[0])
    await bot.restart(config_text(tmp_path, tg, vk, community(language="en")))
    help_tg = tg.user_message(GROUP, MEMBER, "/help")
    await tg.wait_for(lambda: replies_to(tg, GROUP, help_tg["message_id"]), what="/help")
    before = len(vk.sent(VK_CHAT))
    vk.post_message(VK_CHAT, VK_MEMBER, "!help")
    await vk.wait_for(lambda: len(vk.sent(VK_CHAT)) > before)
    assert not cyrillic(replies_to(tg, GROUP, help_tg["message_id"])[0])
    assert not cyrillic(vk.sent(VK_CHAT)[before].text), vk.sent(VK_CHAT)[before].text
    card = await tg_report(tg, GROUP, "Selling followers, 1000 for $1")
    assert card["text"].startswith("Ticket #1"), card["text"]
    tg_before = len(tg_texts(tg, GROUP))
    await tg_offend(tg, RUDE_2)
    await tg.wait_for(lambda: tg_restrictions(tg, OFFENDER), what="step 2: the mute")
    await tg.wait_for(lambda: [t for t in tg_texts(tg, GROUP)[tg_before:] if "Oscar" in t],
                      what="the mute notice")
    [notice] = [t for t in tg_texts(tg, GROUP)[tg_before:] if "Oscar" in t]
    assert not cyrillic(notice), notice
    vk_before = len(vk.sent(VK_CHAT))
    await vk_offend(vk, RUDE_2)
    await vk.wait_for(lambda: vk_removed(vk, VK_CHAT, VK_OFFENDER))
    await vk.wait_for(lambda: len(vk.sent(VK_CHAT)) > vk_before)
    vk_notice = vk.sent(VK_CHAT)[vk_before].text
    assert not cyrillic(vk_notice), vk_notice


async def test_a_new_faq_file_path_answers_from_the_new_file_on_both_networks(
        tmp_path, clock, tg, vk, bot_with) -> None:
    """The owner keeps FAQs in a folder now: `faq = "faq.toml"` → `faq = "faq/studio.toml"`
    (relative to config.toml). After the restart a question the new file answers is answered
    on Telegram and VK, and the old file's entries are no longer used."""
    (tmp_path / "faq.toml").write_text(FAQ_OLD, encoding="utf-8")
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "studio.toml").write_text(FAQ_NEW, encoding="utf-8")
    bot = await bot_with(config_text(tmp_path, tg, vk, community(faq="faq.toml")))
    asked = tg.user_message(GROUP, MEMBER, "When are you open?")
    await tg.wait_for(lambda: replies_to(tg, GROUP, asked["message_id"]), what="old answer")
    assert "9:00 to 21:00" in replies_to(tg, GROUP, asked["message_id"])[0]
    await bot.restart(config_text(tmp_path, tg, vk, community(faq="faq/studio.toml")),
                      down_for=timedelta(hours=2))
    parking = tg.user_message(GROUP, MEMBER, "Is there parking near the studio?")
    hours = tg.user_message(GROUP, OFFENDER, "When are you open?")
    await tg.wait_for(lambda: replies_to(tg, GROUP, parking["message_id"]), what="new answer")
    before = len(vk.sent(VK_CHAT))
    vk.post_message(VK_CHAT, VK_MEMBER, "Where can I park my car?")
    vk.post_message(VK_CHAT, VK_REPORTER, "When are you open?")
    await vk.wait_for(lambda: len(vk.sent(VK_CHAT)) > before)
    await settle(tg, vk)
    assert "Free parking" in replies_to(tg, GROUP, parking["message_id"])[0]
    assert not replies_to(tg, GROUP, hours["message_id"]), "answered from the old file"
    assert [m.text for m in vk.sent(VK_CHAT)[before:]] == [
        "Free parking is behind the building, entrance from Lenina street."], \
        vk_texts(vk, VK_CHAT)


# ============================================================================================
# 7. Slips of an edit: check-config and `modbot run` name them, and nothing half starts
# ============================================================================================

async def modbot(*args: str, cwd: Path, env: dict[str, str] | None = None,
                 timeout: float = 120) -> tuple[int | None, str, str]:
    """`python -m bot ARGS` as an owner runs it. A `run` that does not exit on its own within
    `timeout` has started: it is stopped with SIGINT and its code is None."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("MODBOT_")}
    full["PYTHONPATH"] = os.pathsep.join([str(REPO), full.get("PYTHONPATH", "")])
    full.update(env or {})
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=str(cwd), env=full,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
        code: int | None = proc.returncode
    except TimeoutError:
        proc.send_signal(2)
        out, err = await asyncio.wait_for(proc.communicate(), 30)
        code = None
    return code, out.decode(errors="replace"), err.decode(errors="replace")


def network_calls(tg: TelegramEmulator, vk: VkEmulator) -> list[str]:
    return [*tg.request_counts, *(c.method for c in vk.calls)]


async def check_and_run(path: Path, tg: TelegramEmulator, vk: VkEmulator,
                        env: dict[str, str] | None = None) -> tuple[list[str], list[str]]:
    """check-config and run on `path`: both exit 1, and run made no call to either network.
    Returns (check-config's lines, run's lines)."""
    code, out, err = await modbot("check-config", str(path), cwd=path.parent, env=env)
    assert code == 1, (code, out, err)
    check_lines = [line for line in err.splitlines() if line.strip()]
    code, out, err = await modbot("run", "--config", str(path), cwd=path.parent, env=env)
    assert code == 1, ("modbot run did not refuse the config", code, out[-2000:], err[-2000:])
    run_lines = [line for line in err.splitlines() if line.strip()]
    assert not network_calls(tg, vk), ("modbot run half started", network_calls(tg, vk))
    return check_lines, run_lines


async def test_typos_made_in_an_edit_are_named_by_file_key_and_suggestion_and_run_refuses(
        tmp_path, tg, vk) -> None:
    """Editing at night the owner mistypes four keys in four sections. README: check-config
    (and run, which refuses to start on the same problems) names the file, the key and what
    is wrong, all problems in one pass, a typo with a suggestion."""
    path = write_config(tmp_path, tg, vk, community(extra="""
        [community.moderation]
        warn_expiri = "7d"

        [[community.schedule]]
        cron = "0 10 * * *"
        txt = "Daily tip"
        """))
    text = path.read_text(encoding="utf-8")
    text = text.replace("poll_timeout = 1", "poll_timout = 1").replace(
        "poll_wait = 1", "pol_wait = 1").replace("moderators = [", "moderatros = [")
    path.write_text(text, encoding="utf-8")
    check, run = await check_and_run(path, tg, vk)
    wanted = {"telegram.poll_timout": "poll_timeout", "vk.pol_wait": "poll_wait",
              "community[0].moderatros": "moderators",
              "community[0].moderation.warn_expiri": "warn_expiry",
              "community[0].schedule[0].txt": "text"}
    for key, meant in wanted.items():
        [line] = [line for line in check if f": {key}:" in line]
        assert line.startswith(f"{path}: {key}: ") and f"did you mean {meant}" in line, line
    assert run == check, (run, check)


async def test_wrong_types_after_an_edit_are_each_named_and_run_refuses(tmp_path, tg, vk) -> None:
    """The usual wrong types of a hand edit, one per section: a number quoted, a list
    written as a string, yes for true, a duration without its unit. Each is one line naming
    the file, the key and what was expected; run prints the same lines and starts nothing."""
    path = write_config(tmp_path, tg, vk, community(extra="""
        audit = "yes"

        [community.moderation]
        ladder = [{ action = "warn" }, { action = "mute", duration = 3600 }]
        """))
    text = path.read_text(encoding="utf-8")
    text = text.replace("poll_timeout = 1", 'poll_timeout = "1"').replace(
        f"group_id = {vk.group_id}", f'group_id = "{vk.group_id}"').replace(
        f'chats = ["telegram:{GROUP}", "vk:{VK_CHAT}"]', f'chats = "telegram:{GROUP}"')
    path.write_text(text, encoding="utf-8")
    check, run = await check_and_run(path, tg, vk)
    keys = ("telegram.poll_timeout", "vk.group_id", "community[0].chats", "community[0].audit",
            "community[0].moderation.ladder[1].duration")
    for key in keys:
        [line] = [line for line in check if f": {key}:" in line]
        assert line.startswith(f"{path}: {key}: "), line
        assert "got" in line or "expected" in line or "unit" in line, line
    assert len(check) == len(keys), check
    assert run == check, (run, check)


async def test_a_second_community_with_a_mistake_means_the_first_is_not_served_half_way(
        tmp_path, tg, vk) -> None:
    """The owner adds a community and mistypes its timezone. README: run refuses to start on
    the problems check-config finds — the first, healthy community is not served alone
    while the new one is silently missing (no getUpdates, no long poll)."""
    path = write_config(tmp_path, tg, vk, community(),
                        community("flea", chats=(f"telegram:{GROUP_2}",), queue=None,
                                  moderators=()).replace('timezone = "UTC"',
                                                         'timezone = "Europe/Moskow"'))
    check, run = await check_and_run(path, tg, vk)
    assert check == [f"{path}: community[1].timezone: unknown timezone 'Europe/Moskow'; use "
                     "an IANA name like Europe/Moscow"], check
    assert run == check


async def test_leftovers_of_a_removed_chat_and_a_moved_faq_file_are_named(
        tmp_path, tg, vk) -> None:
    """The owner removes the flea-market group from `chats` but not from a schedule entry's
    `chats`, and moves the FAQ file's path to a folder without moving the file. Both are
    named (key, chat, path) by check-config and by run, which refuses to start."""
    path = write_config(tmp_path, tg, vk, community(faq="faq/studio.toml", extra=schedule(
        cron="0 10 * * *", text="Flea market opens!", chats=(f"telegram:{GROUP_2}",))))
    check, run = await check_and_run(path, tg, vk)
    [faq] = [line for line in check if ": community[0].faq:" in line]
    assert faq.startswith(f"{path}: community[0].faq: file not found: "), faq
    assert faq.endswith(str(Path("faq") / "studio.toml")), faq
    assert (f"{path}: community[0].schedule[0].chats[0]: telegram:{GROUP_2} is not one of "
            "the community's chats") in check, check
    assert run == check


@pytest.mark.parametrize("variable,key,how", [
    ("MODBOT_TELEGRAM_TOKEN", "telegram.token", "unset"),
    ("MODBOT_VK_TOKEN", "vk.token", "empty"),
    ("MODBOT_VK_USER_TOKEN", "vk.user_token", "unset")])
async def test_a_token_variable_missing_after_an_edit_is_named_and_no_token_is_printed(
        tmp_path, tg, vk, variable: str, key: str, how: str) -> None:
    """After check-config's note the owner moves the tokens out of config.toml into
    `${VAR}`s, but the service's environment lacks one (not exported, or an env file line
    `VAR=` with nothing after it). README: an unset variable is an error naming the key;
    tokens are never printed. check-config and run name the key and the variable, print
    none of the tokens that are set, and run starts nothing."""
    path = write_config(tmp_path, tg, vk, community(), tokens_from_env=True)
    env = {"MODBOT_TELEGRAM_TOKEN": TOKEN, "MODBOT_VK_TOKEN": vk.token,
           "MODBOT_VK_USER_TOKEN": vk.user_token}
    secrets = [value for name, value in env.items() if name != variable]
    if how == "unset":
        del env[variable]
    else:
        env[variable] = ""
    check, run = await check_and_run(path, tg, vk, env=env)
    [line] = check
    assert line.startswith(f"{path}: {key}: ") and variable in line, line
    assert run == check, run
    for secret in secrets:
        assert not [text for text in check + run if secret in text]
        assert secret.split(":")[-1] not in "\n".join(check + run)
