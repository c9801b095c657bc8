"""QA round 62: incidents an owner meets in the first months, on both networks.

The bot runs in-process (the real Telegram and VK adapters against the local emulators, the
injected clock) while the platform changes under it: it is demoted mid-ladder, removed from a
chat and invited back, a Telegram group (or the queue chat itself) is upgraded to a
supergroup, the token is revoked or lacks a right, Telegram answers 429 / 5xx during a burst
with a scheduled post due, the queue chat cannot be reached, and the owner restarts in the
middle of it.

test_qa50_platform_changes.py, test_qa9_resilience.py, test_qa18_busy_night.py and
test_qa26_owner_ops.py already check the single incidents (one right taken away, a revoked
token backs off, 429/5xx on one send, a removed queue chat keeps the ticket in /queue). This
file goes one step further: what happens to the verdicts, posts and complaints that were in
flight when the incident hit, and after the owner has fixed it.

What a Rose / Combot / tg-spam owner expects, from README / DESIGN / the issues: "Nothing that
reached the bot is lost", "never drops an action silently" (issue #8), "a card not yet
delivered to the queue is delivered after a restart" (issue #6), "a configured group that
Telegram turns into a supergroup is followed to its new id" (README), scheduled posts "exactly
once", "a permanent error ... marks the occurrence failed and tells the queue chat", clear log
lines with no token in them, nothing sent twice, no retry loop that never ends.
"""

from __future__ import annotations

import logging
import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tg_emulator import TelegramEmulator, methods
from tg_emulator.harness import (
    ADMIN,
    GROUP,
    MEMBER,
    OTHER_MEMBER,
    QUEUE,
    TOKEN,
    FakeTime,
    RunningBot,
    fast_options,
)
from tg_emulator.wire import replies_to, settle, wall_clock
from vk_emulator import VkEmulator
from vk_emulator.harness import CHAT as VK_CHAT
from vk_emulator.harness import MODERATOR as VK_MOD
from vk_emulator.harness import QUEUE as VK_QUEUE
from vk_emulator.harness import RunningBot as VkBot
from vk_emulator.harness import vk_config_text, write_vk_config
from vk_emulator.wire import said
from vk_emulator.wire import settle as vk_settle

from bot.app import App
from bot.config import load_config
from bot.core.clock import FakeClock
from bot.features.schedule import service_for

OBSCENE = "Блядь, ну кто так строит?"
OBSCENE_2 = "Это просто пиздец какой-то"
NEW_TOKEN = "123456:NEW-TOKEN-zyxwvutsrqponmlkjihgfedcba"  # same bot, token regenerated
UPGRADED = -1001500000555  # the supergroup Telegram makes of a basic group
UPGRADED_QUEUE = -1001500000666

FAQ = """
[[faq]]
id = "hours"
lang = "en"
questions = ["When are you open?", "What are your opening hours?"]
answer = "We are open from 9:00 to 21:00 every day."
"""
HOURS = "We are open from 9:00 to 21:00 every day."


# ============================================================================================
# Telegram plumbing
# ============================================================================================

@pytest.fixture
def clock() -> FakeClock:
    return wall_clock()


@pytest.fixture
def make_app(make_tg_app: Callable[..., Awaitable[App]], tmp_path: Path
             ) -> Callable[..., Awaitable[App]]:
    async def make(*, instance: str = "qa62", faq: bool = False, **config_parts: str) -> App:
        if faq:
            (tmp_path / "faq.toml").write_text(textwrap.dedent(FAQ), encoding="utf-8")
            config_parts["extra_community"] = 'faq = "faq.toml"\n' + config_parts.get(
                "extra_community", "")
        return await make_tg_app(instance, "en", **config_parts)

    return make


def post_at(clock: FakeClock, minutes: int, text: str) -> str:
    """A config post to every community chat, due in `minutes` (the community is on UTC)."""
    at = (clock.now() + timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M")
    return f'\n[[community.schedule]]\nat = "{at}"\ntext = "{text}"\n'


def bot_status_update(emu: TelegramEmulator, chat_id: int, status: str) -> None:
    """A my_chat_member update: an admin of `chat_id` changes the bot's status there (and the
    emulated chat follows, so later calls are answered accordingly)."""
    chat = emu.world.chats[chat_id]
    old = emu.world.member_json(chat, emu.world.bot_id)
    chat.bot_status = status
    new = emu.world.member_json(chat, emu.world.bot_id)
    if status == "kicked":
        new = {"status": "kicked", "user": emu.world.bot_user, "until_date": 0}
    emu.inject_raw({"my_chat_member": {
        "chat": chat.as_json(), "from": emu.world.user(ADMIN),
        "date": int(emu.world.clock()), "old_chat_member": old, "new_chat_member": new}})


def service_message(emu: TelegramEmulator, chat_id: int, **fields: Any) -> None:
    """A service message (no text) in `chat_id`, e.g. migrate_to_chat_id."""
    chat = emu.world.chat(chat_id)
    message = emu.world.new_message(chat, **{"from": emu.world.user(ADMIN)}, **fields)
    emu.world.store(chat, message, from_bot=False)
    emu.inject_raw({"message": message})


def upgrade(emu: TelegramEmulator, monkeypatch: pytest.MonkeyPatch, old: int, new: int,
            title: str) -> None:
    """Telegram turns the basic group `old` into the supergroup `new`: both service messages
    arrive, and from then on every call naming `old` is refused with migrate_to_chat_id (what
    the Bot API answers for an upgraded group)."""
    emu.group(new, title=title, admins=tuple(emu.world.chats[old].admins))
    original = methods._chat

    def chat(world: Any, params: dict[str, Any], *, must_be_in: bool = True) -> Any:
        if str(params.get("chat_id")) == str(old):
            raise methods.ApiError(
                400, "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": new})
        return original(world, params, must_be_in=must_be_in)

    monkeypatch.setattr(methods, "_chat", chat)
    service_message(emu, old, migrate_to_chat_id=new)
    service_message(emu, new, migrate_from_chat_id=old)


def tg_button(message: dict[str, Any], prefix: str) -> str:
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for button in row:
            if button["callback_data"].startswith(prefix):
                return str(button["callback_data"])
    raise AssertionError(f"no {prefix} button on {message}")


def tg_cards(emu: TelegramEmulator, chat: int, number: int = 1) -> list[dict[str, Any]]:
    """The bot's messages in `chat` that are ticket #number's card (or its SLA reminder), with
    the card's buttons."""
    return [m for m in emu.sent_messages(chat) if f"#{number}" in (m.get("text") or "")
            and m.get("reply_markup")]


async def run_clock(app: App, clock: FakeClock, fake: FakeTime | None = None, *,
                    step: timedelta = timedelta(seconds=30), rounds: int = 4,
                    posts: bool = False) -> None:
    """Move the injected clock on and let the outbox (and, with `posts`, the scheduler) do
    what has come due: retries after a flood wait, SLA reminders, posts."""
    for _ in range(rounds):
        clock.advance(step)
        if fake is not None:
            fake.now += step.total_seconds()
        if posts:
            await service_for(app).run_due(clock.now())
        await app.pipeline.tick()
        await app.pipeline.drain()


def queue_failures(emu: TelegramEmulator, chat: int = QUEUE) -> list[str]:
    return [t for t in emu.sent_texts(chat) if "could not" in t]


# ============================================================================================
# Telegram: demoted in the middle of a member's ladder
# ============================================================================================

async def test_tg_demoted_mid_ladder_the_refused_mute_is_not_on_record_nor_retried(
        make_app, emu, fake, clock) -> None:
    """The bot is demoted to a member while a member climbs the ladder (warn, then mute 1h).
    The queue hears of the demotion once when it happens; the mute Telegram refuses is tried
    once, not retried for ever; and /warns must not show the member as "Muted until …" (a
    moderator would leave them be, believing the bot had muted them)."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        first = emu.user_message(GROUP, MEMBER, OBSCENE)
        await emu.wait_for(lambda: emu.is_deleted(GROUP, first["message_id"]), what="delete")
        await settle(emu)
        bot_status_update(emu, GROUP, "member")
        await emu.wait_for(lambda: [t for t in emu.sent_texts(QUEUE) if "no longer" in t],
                           what="the demotion notice")
        emu.user_message(GROUP, MEMBER, OBSCENE_2)
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember", ok=False),
                           what="the refused mute")
        await run_clock(app, clock, fake, step=timedelta(minutes=2), rounds=5)
        await settle(emu)
        warns = emu.user_message(GROUP, ADMIN, f"/warns {MEMBER}")
        await emu.wait_for(lambda: replies_to(emu, GROUP, warns["message_id"]), what="/warns")
    (listing,) = replies_to(emu, GROUP, warns["message_id"])
    demoted = [t for t in emu.sent_texts(QUEUE) if "no longer" in t]
    assert len(demoted) == 1 and "Demo" in demoted[0], emu.sent_texts(QUEUE)
    assert len(emu.calls_of("restrictChatMember", ok=None)) == 1, \
        "the refused mute was retried"
    assert "active warnings: 2" in listing, listing
    assert "Muted until" not in listing, listing



async def test_tg_after_a_demotion_telegram_announced_offenders_are_not_told_removed_or_muted(
        make_app, emu, fake) -> None:
    """Telegram tells the bot it was demoted (my_chat_member) and the queue hears it. The next
    offender's notice must not say "your message was removed" while the message visibly
    stays: README already has the wording for a
    message that stays ("this message breaks the rules"), used after a refused delete; here
    the bot knows before it even tries."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        await settle(emu)
        bot_status_update(emu, GROUP, "member")
        await emu.wait_for(lambda: [t for t in emu.sent_texts(QUEUE) if "no longer" in t],
                           what="the demotion notice")
        bad = emu.user_message(GROUP, MEMBER, OBSCENE)
        await emu.wait_for(lambda: [t for t in emu.sent_texts(GROUP) if "Warning 1 of 4" in t],
                           what="the notice")
        await settle(emu)
    (notice,) = [t for t in emu.sent_texts(GROUP) if "Warning 1 of 4" in t]
    assert not emu.is_deleted(GROUP, bad["message_id"])
    assert "removed" not in notice and "breaks the rules" in notice, notice


# ============================================================================================
# Telegram: a community group upgraded to a supergroup
# ============================================================================================

async def test_tg_group_upgraded_faq_and_a_config_post_follow_it_also_after_a_restart(
        make_app, emu, fake, clock, monkeypatch, tmp_path, open_app, caplog) -> None:
    """The owner's basic group becomes a supergroup (a new id; the config still names the
    old one). Members ask in the new chat and get the FAQ answer there; the post planned in
    config.toml for the old id is published once, in the new chat, with no "could not be
    published" in the queue; after a restart (the config still unchanged) the next planned
    post and moderation follow the new id too."""
    emu.group(GROUP, title="Oak parents", admins=(ADMIN,), type="group")
    extra = post_at(clock, 10, "Parents meeting today at 19:00") \
        + post_at(clock, 40, "Reminder: bring the forms")
    app = await make_app(faq=True, extra_community=extra)
    async with RunningBot(app, fast_options(fake)):
        await settle(emu)
        upgrade(emu, monkeypatch, GROUP, UPGRADED, "Oak parents")
        await emu.wait_for(lambda: [t for t in emu.sent_texts(QUEUE) if str(UPGRADED) in t],
                           what="the migration notice")
        asked = emu.user_message(UPGRADED, MEMBER, "When are you open?")
        await emu.wait_for(lambda: replies_to(emu, UPGRADED, asked["message_id"]),
                           what="the FAQ answer in the new chat")
        await run_clock(app, clock, fake, step=timedelta(minutes=2), rounds=8, posts=True)
        await settle(emu, UPGRADED)
    first_run = list(emu.sent_texts(UPGRADED))
    await app.close()
    again = await open_app(load_config(tmp_path / "config.toml"), clock, "qa62-after")
    fake2 = FakeTime()
    caplog.clear()
    async with RunningBot(again, fast_options(fake2, check_rights=True)):
        await run_clock(again, clock, fake2, step=timedelta(minutes=2), rounds=15, posts=True)
        rude = emu.user_message(UPGRADED, OTHER_MEMBER, OBSCENE)
        await emu.wait_for(lambda: emu.is_deleted(UPGRADED, rude["message_id"]),
                           what="moderation in the new chat after the restart")
        await settle(emu, UPGRADED)
    assert replies_to(emu, UPGRADED, asked["message_id"]) == [HOURS]
    assert first_run.count("Parents meeting today at 19:00") == 1, first_run
    assert emu.sent_texts(UPGRADED).count("Parents meeting today at 19:00") == 1
    assert emu.sent_texts(UPGRADED).count("Reminder: bring the forms") == 1, \
        emu.sent_texts(UPGRADED)
    assert not queue_failures(emu), emu.sent_texts(QUEUE)
    assert len([t for t in emu.sent_texts(QUEUE) if str(UPGRADED) in t]) == 1
    # the start-up check tells the owner what to change, and admin lookups follow the group
    assert f"event=telegram.chat_migrated chat=telegram:{GROUP} new_chat=telegram:{UPGRADED}" \
        in caplog.text, caplog.text[-3000:]
    assert "admins_unavailable" not in caplog.text, caplog.text[-3000:]
    assert not emu.calls_of("leaveChat", ok=None)
    refused = [c for c in emu.calls if not c.ok and str(c.params.get("chat_id")) == str(GROUP)]
    assert len(refused) <= 8, [c.method for c in refused]


async def test_tg_queue_chat_upgraded_cards_arrive_there_and_their_buttons_work(
        make_app, emu, fake, clock, monkeypatch) -> None:
    """The moderators' queue is a small basic group, and Telegram upgrades it. The bot follows
    it ("I carry on there"): the next report's card arrives in the new queue chat, once, and
    the moderators press Claim on it as on any card."""
    emu.group(QUEUE, title="Mods", admins=(ADMIN,), type="group")
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        await settle(emu)
        upgrade(emu, monkeypatch, QUEUE, UPGRADED_QUEUE, "Mods")
        await emu.wait_for(lambda: emu.sent_texts(UPGRADED_QUEUE), what="the migration notice")
        spam = emu.user_message(GROUP, 444, "cheap watches at spam.example")
        report = emu.user_message(GROUP, MEMBER, "/report spam", reply_to=spam["message_id"])
        await emu.wait_for(lambda: replies_to(emu, GROUP, report["message_id"]), what="ack")
        await run_clock(app, clock, fake, step=timedelta(seconds=5), rounds=4)
        await emu.wait_for(lambda: tg_cards(emu, UPGRADED_QUEUE), what="the card, new queue")
        card = tg_cards(emu, UPGRADED_QUEUE)[0]
        qid = emu.press(UPGRADED_QUEUE, card["message_id"], ADMIN, tg_button(card, "t:claim:"))
        await emu.wait_for(lambda: emu.world.callbacks[qid].get("answered"), what="the answer")
        await run_clock(app, clock, fake, step=timedelta(seconds=5), rounds=2)
        await settle(emu)
    assert "telegram:-1001500000666" in emu.sent_texts(UPGRADED_QUEUE)[0]
    assert len(tg_cards(emu, UPGRADED_QUEUE)) == 1
    assert not emu.calls_of("leaveChat", ok=None)
    answer = emu.world.callbacks[qid]["answered"]["text"]
    assert answer == "Ticket #1 is yours.", answer
    assert "claimed" in emu.world.messages[(UPGRADED_QUEUE, card["message_id"])].message["text"]


# ============================================================================================
# Telegram: the token revoked with a complaint and a post in flight
# ============================================================================================

async def test_tg_token_revoked_for_two_hours_the_complaint_reaches_the_queue_after_the_new_token(
        make_app, emu, fake, clock, tmp_path, open_app, caplog) -> None:
    """A member reports a spammer just as the owner regenerates the token in @BotFather
    (the card's send is refused with 401), and the bot runs on with the dead token for two
    hours until the owner notices, puts the new token in and restarts. The log said what was wrong
    (`event=telegram.token_rejected`, no token in it); the complaint must not be lost: once
    the bot is back, ticket #1's card (or its reminder) is in the queue with its buttons."""
    caplog.set_level(logging.INFO)
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        await settle(emu)
        emu.fail_next("sendMessage", times=2, status=401, description="Unauthorized")
        spam = emu.user_message(GROUP, 444, "cheap watches at spam.example")
        emu.user_message(GROUP, MEMBER, "/report spam", reply_to=spam["message_id"])
        await emu.wait_for(lambda: len(emu.calls_of("sendMessage", ok=False)) >= 2,
                           what="the refused sends")
        emu.token = NEW_TOKEN
        await run_clock(app, clock, fake, step=timedelta(minutes=5), rounds=24)
    await app.close()
    path = tmp_path / "config.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(TOKEN, NEW_TOKEN), encoding="utf-8")
    again = await open_app(load_config(path), clock, "qa62-new-token")
    fake2 = FakeTime()
    async with RunningBot(again, fast_options(fake2)):
        await settle(emu)
        await run_clock(again, clock, fake2, step=timedelta(minutes=1), rounds=5)
        await settle(emu)
    logged = [r.getMessage() for r in caplog.records]
    assert any("event=telegram.token_rejected" in line for line in logged), \
        [line for line in logged if "token" in line][-5:]
    assert not any("TEST-TOKEN" in line or "NEW-TOKEN" in line for line in logged)
    assert 1 <= len(tg_cards(emu, QUEUE)) <= 2, emu.sent_texts(QUEUE)



async def test_tg_token_revoked_when_a_post_falls_due_it_goes_out_once_after_the_new_token(
        make_app, emu, fake, clock, tmp_path, open_app) -> None:
    """The token is revoked ten minutes before a planned post; the owner puts the new token in
    and restarts twenty minutes after it was due, within `schedule_grace`. The post goes out
    late, once, and the queue is not told it failed (a 401 means nothing was posted)."""
    text = "Webinar starts at 19:00"
    app = await make_app(extra_community=post_at(clock, 10, text))
    async with RunningBot(app, fast_options(fake)):
        await settle(emu)
        emu.token = NEW_TOKEN
        await run_clock(app, clock, fake, step=timedelta(minutes=1), rounds=30, posts=True)
    await app.close()
    path = tmp_path / "config.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(TOKEN, NEW_TOKEN), encoding="utf-8")
    again = await open_app(load_config(path), clock, "qa62-post-new-token")
    fake2 = FakeTime()
    async with RunningBot(again, fast_options(fake2)):
        await run_clock(again, clock, fake2, step=timedelta(minutes=1), rounds=6, posts=True)
        await settle(emu)
    assert emu.sent_texts(GROUP).count(text) == 1, emu.sent_texts(GROUP)
    assert not [t for t in emu.sent_texts(QUEUE) if text in t], emu.sent_texts(QUEUE)


# ============================================================================================
# Telegram: 5xx and 429 during a burst of verdicts and a scheduled post
# ============================================================================================

def outage(monkeypatch: pytest.MonkeyPatch, clock: FakeClock, until: Any, *names: str,
           status: int = 502) -> None:
    """Telegram answers `status` to the methods `names` until the bot's clock reaches
    `until` (an outage of the Bot API, measured on the injected clock)."""
    for name in names:
        original = methods.METHODS[name]

        def failing(world: Any, params: dict[str, Any], original: Any = original) -> Any:
            if clock.now() < until:
                raise methods.ApiError(status, "Bad Gateway")
            return original(world, params)

        monkeypatch.setitem(methods.METHODS, name, failing)


async def test_tg_ten_minute_5xx_outage_during_a_burst_and_a_due_post_loses_nothing(
        make_app, emu, fake, clock, monkeypatch) -> None:
    """Telegram answers 502 to every send and delete for ten minutes (a common Telegram
    incident), just as three members swear, one asks the FAQ and a planned post falls due.
    When Telegram is back, each obscene message is deleted once, each warning and the answer
    arrive once, and the post goes out late, once ("a ten-minute outage at 10:00 delays the
    post, it does not lose it"); nothing was given up, so the queue hears no failure."""
    app = await make_app(faq=True, extra_community=post_at(clock, 5, "Open lesson at 19:00"))
    async with RunningBot(app, fast_options(fake)):
        await settle(emu)
        outage(monkeypatch, clock, clock.now() + timedelta(minutes=10),
               "sendMessage", "deleteMessage")
        bad = [emu.user_message(GROUP, uid, OBSCENE) for uid in (501, 502, 503)]
        asked = emu.user_message(GROUP, 504, "When are you open?")
        await emu.wait_for(lambda: len(emu.calls_of("deleteMessage", ok=False)) >= 3,
                           what="the refused deletes")
        await run_clock(app, clock, fake, step=timedelta(minutes=1), rounds=16, posts=True)
        await settle(emu)
    for message in bad:
        assert emu.is_deleted(GROUP, message["message_id"]), emu.sent_texts(GROUP)
    warned = [t for t in emu.sent_texts(GROUP) if "Warning 1 of 4" in t]
    assert len(warned) == 3, emu.sent_texts(GROUP)
    assert replies_to(emu, GROUP, asked["message_id"]) == [HOURS]
    assert emu.sent_texts(GROUP).count("Open lesson at 19:00") == 1
    assert not queue_failures(emu), emu.sent_texts(QUEUE)


async def test_tg_restart_while_a_burst_and_a_due_post_wait_out_a_429_sends_each_once(
        make_app, emu, fake, clock, tmp_path, open_app,
        caplog: pytest.LogCaptureFixture) -> None:
    """Telegram tells the group to wait a minute (429, retry_after 60) while three members
    swear and a planned post falls due; the owner restarts the bot before the minute is up.
    The new process deletes each message once, sends each warning once and the post once:
    nothing lost with the old process, nothing repeated by the new one, and no "unknown
    outcome" or "could not be published" in the queue (a 429 means nothing was sent)."""
    extra = post_at(clock, 1, "Open lesson at 19:00")
    app = await make_app(extra_community=extra)
    async with RunningBot(app, fast_options(fake)):
        await settle(emu)
        emu.fail_next("deleteMessage", 20, status=429, retry_after=60)
        emu.fail_next("sendMessage", 20, status=429, retry_after=60)
        bad = [emu.user_message(GROUP, uid, OBSCENE) for uid in (501, 502, 503)]
        await emu.wait_for(lambda: emu.calls_of("deleteMessage", ok=False),
                           what="the deletes told to wait")
        await run_clock(app, clock, fake, step=timedelta(seconds=20), rounds=4, posts=True)
        await emu.wait_for(lambda: not emu.pending_updates, what="updates confirmed")

        def post_held() -> bool:
            """The post was due and waits: told so by a 429 of its own, or held back without
            a call because the chat's warnings were told to wait first (which comes first
            depends on the lanes' timing)."""
            return bool([c for c in emu.calls_of("sendMessage", ok=False)
                         if c.params.get("text") == "Open lesson at 19:00"]) \
                or "event=schedule.retry occurrence=" in caplog.text

        await emu.wait_for(post_held, what="the post told to wait too")
    told_to_wait = post_held()
    await app.close()
    emu.faults.clear()
    clock.advance(timedelta(seconds=30))
    again = await open_app(load_config(tmp_path / "config.toml"), clock, "qa62-after-429")
    fake2 = FakeTime()
    async with RunningBot(again, fast_options(fake2)):
        await run_clock(again, clock, fake2, step=timedelta(seconds=30), rounds=8, posts=True)
        await settle(emu)
    deletes = [int(c.params["message_id"]) for c in emu.calls_of("deleteMessage")]
    for message in bad:
        assert deletes.count(message["message_id"]) == 1, deletes
    warned = [t for t in emu.sent_texts(GROUP) if "Warning 1 of 4" in t]
    assert len(warned) == 3, emu.sent_texts(GROUP)
    assert told_to_wait, "the post was not due before the restart"
    assert emu.sent_texts(GROUP).count("Open lesson at 19:00") == 1, emu.sent_texts(GROUP)
    assert not [t for t in emu.sent_texts(QUEUE) if "Open lesson" in t], emu.sent_texts(QUEUE)


# ============================================================================================
# Telegram: the queue chat itself unreachable for an hour
# ============================================================================================

async def test_tg_removed_from_the_queue_for_an_hour_the_card_arrives_once_back_and_restarted(
        make_app, emu, fake, clock, tmp_path, open_app) -> None:
    """A moderator tidying the queue chat removes the bot; an hour later the owner adds it
    back as an admin and restarts it. The report filed meanwhile was acknowledged and is
    ticket #1; its card (refused while the bot was out) must now reach the queue with its
    buttons, once (issue #6: "a card not yet delivered to the queue is delivered after a
    restart"), not only show up if a moderator thinks of typing /queue."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        await settle(emu)
        bot_status_update(emu, QUEUE, "kicked")
        await settle(emu)
        spam = emu.user_message(GROUP, 444, "cheap watches at spam.example")
        report = emu.user_message(GROUP, MEMBER, "/report spam", reply_to=spam["message_id"])
        await emu.wait_for(lambda: replies_to(emu, GROUP, report["message_id"]), what="ack")
        await run_clock(app, clock, fake, step=timedelta(minutes=5), rounds=12)
        refused = [c for c in emu.calls_of("sendMessage", ok=False)
                   if str(c.params.get("chat_id")) == str(QUEUE)]
        bot_status_update(emu, QUEUE, "administrator")
        await settle(emu)
    await app.close()
    again = await open_app(load_config(tmp_path / "config.toml"), clock, "qa62-back")
    fake2 = FakeTime()
    async with RunningBot(again, fast_options(fake2)):
        await run_clock(again, clock, fake2, step=timedelta(minutes=1), rounds=5)
        await settle(emu)
    assert "#1" in replies_to(emu, GROUP, report["message_id"])[0]
    assert 1 <= len(refused) <= 4, f"the refused card was tried {len(refused)} times"
    assert len(tg_cards(emu, QUEUE)) == 1, emu.sent_texts(QUEUE)


# ============================================================================================
# VK plumbing
# ============================================================================================

CHAT_ADMIN = 600  # the VK chat's owner, who kicks and invites the community


@pytest.fixture
async def vk_run(emulator: VkEmulator, tmp_path: Path, clock: FakeClock
           ) -> AsyncIterator[Callable[..., Awaitable[VkBot]]]:
    """Start the VK adapter; the first call writes the config, a later ``vk_run(instance=…)``
    (after ``stop()``) is a restart on the same config and database. Every bot is stopped."""
    emulator.peer(VK_CHAT).title = "Oak chat"
    emulator.set_admins(VK_CHAT, CHAT_ADMIN)
    emulator.add_members(VK_CHAT, VK_MOD, 501, 502, 503, 504)
    emulator.add_members(VK_QUEUE, VK_MOD)
    bots: list[VkBot] = []

    async def run(*, user_token: bool = True, community_extra: str = "",
                  instance: str = "qa62-vk") -> VkBot:
        if not bots:
            write_vk_config(tmp_path, vk_config_text(emulator, user_token=user_token,
                                                     community_extra=community_extra))
        bot = VkBot(load_config(tmp_path / "config.toml"), clock, emulator, instance)
        bots.append(bot)
        await bot.start()
        return bot

    yield run  # type: ignore[misc]
    for bot in bots:
        if bot.app is not None and bot._task is not None and not bot._task.done():
            await bot.stop()


async def vk_clock(bot: VkBot, clock: FakeClock, *, step: timedelta = timedelta(seconds=30),
                   rounds: int = 4, posts: bool = False) -> None:
    assert bot.app is not None
    for _ in range(rounds):
        clock.advance(step)
        if posts:
            await service_for(bot.app).run_due(clock.now())
        await bot.app.pipeline.tick()
        await bot.app.pipeline.drain()


def vk_deleted(emulator: VkEmulator, peer: int = VK_CHAT) -> list[int]:
    return [int(x) for c in emulator.calls_to("messages.delete")
            if c.params.get("peer_id") == str(peer) for x in c["cmids"].split(",")]


def vk_cards(emulator: VkEmulator, number: int = 1) -> list[Any]:
    return [m for m in emulator.sent(VK_QUEUE) if f"#{number}" in m.text and m.keyboard]


def vk_post(clock: FakeClock, minutes: int, text: str, chat: str) -> str:
    """A config post due in `minutes`, written on the VK community's clock (Moscow)."""
    moment = (clock.now() + timedelta(minutes=minutes)).astimezone(ZoneInfo("Europe/Moscow"))
    at = moment.strftime("%Y-%m-%d %H:%M")
    return f'\n[[community.schedule]]\nat = "{at}"\ntext = "{text}"\nchats = ["{chat}"]\n'


# ============================================================================================
# VK: removed from a community chat and invited back
# ============================================================================================

async def test_vk_removed_from_its_chat_and_invited_back_stays_and_moderates_told_once(
        emulator, vk_run, clock) -> None:
    """The chat's owner kicks the community out of the chat, then invites it back. The queue
    hears of the removal once, naming the chat; invited back, the bot takes its own chat for
    its own (no "works only in the chats its owner configured", no leaving) and an obscene
    message is deleted again, without the queue being told anything more."""
    await vk_run()
    del emulator.peer(VK_CHAT).members[-emulator.group_id]
    emulator.post_message(VK_CHAT, CHAT_ADMIN, "", action={
        "type": "chat_kick_user", "member_id": -emulator.group_id})
    await emulator.wait_for(lambda: said(emulator, VK_QUEUE, "removed"))
    emulator.invite_bot(VK_CHAT, CHAT_ADMIN)
    await vk_settle(emulator)
    bad = emulator.post_message(VK_CHAT, 501, OBSCENE)
    await emulator.wait_for(lambda: bad in vk_deleted(emulator))
    await vk_settle(emulator)
    told = [m.text for m in emulator.sent(VK_QUEUE)]
    assert len(told) == 1 and str(VK_CHAT) in told[0] and "removed" in told[0], told
    assert not [c for c in emulator.calls_to("messages.removeChatUser")
                if c["member_id"] == str(-emulator.group_id)]
    assert not said(emulator, VK_CHAT, "configured"), [m.text for m in emulator.sent(VK_CHAT)]
    assert len(said(emulator, VK_CHAT, "Warning 1 of 4")) == 1


# ============================================================================================
# VK: a token that lacks a right for a planned wall post
# ============================================================================================

@pytest.mark.parametrize("case", ["no_user_token_27", "user_token_without_wall_right_15"])
async def test_vk_wall_post_refused_for_want_of_a_right_fails_once_and_the_queue_is_told(
        emulator, vk_run, clock, case) -> None:
    """The owner plans a wall post, but VK refuses wall.post: to the community token (27,
    and no `[vk] user_token` is set), or to an admin's user token that lacks the wall right
    (15). The post is failed after one refusal, not retried until the grace runs out; the
    queue hears once that it was not published and why (naming the missing key when that is
    the fix); the chat is still moderated."""
    text = "Spring sale starts today"
    extra = vk_post(clock, 2, text, "vk:wall")
    if case == "no_user_token_27":
        bot = await vk_run(user_token=False, community_extra=extra)
    else:
        emulator.fail("wall.post", 15, times=50)
        bot = await vk_run(community_extra=extra)
    await vk_clock(bot, clock, step=timedelta(minutes=2), rounds=12, posts=True)
    await vk_settle(emulator)
    bad = emulator.post_message(VK_CHAT, 501, OBSCENE)
    await emulator.wait_for(lambda: bad in vk_deleted(emulator))
    tries = [c for c in emulator.calls if c.method == "wall.post"]
    told = said(emulator, VK_QUEUE, text)
    assert len(told) == 1 and "could not be published" in told[0].text, \
        [m.text for m in emulator.sent(VK_QUEUE)]
    if case == "no_user_token_27":
        assert "user_token" in told[0].text, told[0].text
    assert 1 <= len(tries) <= 2, [(c.token, c.error) for c in tries]
    assert not emulator.posts


# ============================================================================================
# VK: the queue chat unreachable for an hour
# ============================================================================================

async def test_vk_queue_chat_lost_for_an_hour_the_card_arrives_once_back_and_restarted(
        emulator, vk_run, clock) -> None:
    """The community is taken out of the VK moderators' chat (917 on every send there) for an
    hour; a member's !report meanwhile is acknowledged as #1. The owner invites the community
    back and restarts the bot: ticket #1's card must reach the queue, with its buttons, once
    (issue #6), not stay known only to /queue and `modbot queue`."""
    bot = await vk_run()
    del emulator.peer(VK_QUEUE).members[-emulator.group_id]
    spam = emulator.post_message(VK_CHAT, 502, "buy followers at spam.example")
    emulator.post_message(VK_CHAT, 501, "!report spam", reply_to=spam)
    await emulator.wait_for(lambda: said(emulator, VK_CHAT, "#1"))
    await vk_clock(bot, clock, step=timedelta(minutes=5), rounds=12)
    refused = [c for c in emulator.calls if c.method == "messages.send" and c.error == 917]
    emulator.invite_bot(VK_QUEUE, VK_MOD)
    await vk_settle(emulator)
    await bot.stop()
    again = await vk_run(instance="qa62-vk-back")
    await vk_clock(again, clock, step=timedelta(minutes=1), rounds=5)
    await vk_settle(emulator)
    assert 1 <= len(refused) <= 4, f"the refused card was tried {len(refused)} times"
    assert not emulator.calls_to("messages.removeChatUser")
    assert len(vk_cards(emulator)) == 1, [m.text for m in emulator.sent(VK_QUEUE)]


# ============================================================================================
# VK: flood control during a burst and a chat post, and a restart
# ============================================================================================

async def test_vk_restart_while_a_burst_and_a_due_post_wait_out_flood_control_sends_each_once(
        emulator, vk_run, clock) -> None:
    """VK answers "flood control" (9) to the community's sends while three members swear and
    a planned chat post falls due; the owner restarts the bot before the retries. Each
    message is deleted once, each warning and the post arrive once (VK's random_id makes a
    retried send idempotent), and the queue hears no failure."""
    text = "Open lesson at 19:00"
    bot = await vk_run(community_extra=vk_post(clock, 1, text, f"vk:{VK_CHAT}"))
    emulator.fail("messages.send", 9, times=30)
    bad = [emulator.post_message(VK_CHAT, uid, OBSCENE) for uid in (501, 502, 503)]
    await emulator.wait_for(lambda: set(bad) <= set(vk_deleted(emulator)))
    await vk_clock(bot, clock, step=timedelta(seconds=20), rounds=4, posts=True)
    await vk_settle(emulator)
    waited = [c for c in emulator.calls if c.method == "messages.send" and c.error == 9]
    await bot.stop()
    emulator.failures.clear()
    clock.advance(timedelta(seconds=30))
    again = await vk_run(instance="qa62-vk-after-9")
    await vk_clock(again, clock, step=timedelta(seconds=30), rounds=8, posts=True)
    await vk_settle(emulator)
    assert any(text in c.params.get("message", "") for c in waited), "the post never waited"
    deleted = vk_deleted(emulator)
    assert all(deleted.count(cmid) == 1 for cmid in bad), deleted
    assert len(said(emulator, VK_CHAT, "Warning 1 of 4")) == 3, \
        [m.text for m in emulator.sent(VK_CHAT)]
    assert len(said(emulator, VK_CHAT, text)) == 1, [m.text for m in emulator.sent(VK_CHAT)]
    assert not emulator.sent(VK_QUEUE), [m.text for m in emulator.sent(VK_QUEUE)]


# ============================================================================================
# VK: the FAQ file edited (and broken) while the bot runs
# ============================================================================================

FAQ_PARKING = FAQ + """
[[faq]]
id = "parking"
lang = "en"
questions = ["Where can I park my car?", "Is there parking near the school?"]
answer = "Free parking is behind the building."
"""


async def test_vk_faq_file_saved_broken_while_running_keeps_answering_and_tells_the_queue_once(
        emulator, vk_run, clock, tmp_path) -> None:
    """The SMM manager edits faq.toml on the server and leaves a quote open. VK members keep
    getting answers from the last good version, the VK queue chat hears once (naming the
    file) however many times the file is checked, and once the file is saved whole its new
    entry is answered, without a restart."""
    (tmp_path / "faq.toml").write_text(textwrap.dedent(FAQ), encoding="utf-8")
    bot = await vk_run(community_extra='faq = "faq.toml"')
    first = emulator.post_message(VK_CHAT, 501, "When are you open?")
    await emulator.wait_for(lambda: [m for m in emulator.sent(VK_CHAT) if m.reply_to == first])
    (tmp_path / "faq.toml").write_text(
        textwrap.dedent(FAQ_PARKING).replace('answer = "Free', 'answer = Free'), encoding="utf-8")
    await vk_clock(bot, clock, step=timedelta(seconds=3), rounds=5)
    clock.advance(timedelta(minutes=31))  # past repeat_window: a full answer again
    during = emulator.post_message(VK_CHAT, 502, "What are your opening hours?")
    await emulator.wait_for(lambda: [m for m in emulator.sent(VK_CHAT) if m.reply_to == during])
    await vk_clock(bot, clock, step=timedelta(seconds=3), rounds=5)
    (tmp_path / "faq.toml").write_text(textwrap.dedent(FAQ_PARKING), encoding="utf-8")
    await vk_clock(bot, clock, step=timedelta(seconds=3), rounds=2)
    parking = emulator.post_message(VK_CHAT, 503, "Where can I park my car?")
    await emulator.wait_for(lambda: [m for m in emulator.sent(VK_CHAT) if m.reply_to == parking])
    await vk_settle(emulator)
    told = [m.text for m in emulator.sent(VK_QUEUE)]
    assert len(told) == 1 and "faq.toml" in told[0], told
    assert [m.text for m in emulator.sent(VK_CHAT) if m.reply_to == during] == [HOURS]
    assert [m.text for m in emulator.sent(VK_CHAT) if m.reply_to == parking] == [
        "Free parking is behind the building."]
