"""QA round 18: a busy Saturday night. The real Telegram adapter (Bot API emulator) and the real
VK adapter (VK API emulator) driven with the concurrency and load a large community produces:
many members at once, many chats at once, rate limits in the middle, a restart in the middle.

Each test asserts what a member, moderator or owner expects: nothing lost, nothing done twice,
nothing crashes. Timing uses the injected clocks and the emulators' wait helpers, never sleeps.
A failing test is a finding (see /tmp/s5/qa18_findings.md). Scenarios covered by
test_qa9_resilience.py, test_qa12_complaints.py, test_qa5_queue_schedule.py, test_complaints_*,
test_schedule_*, test_moderation_antiflood.py and test_telegram_pacing.py are not repeated.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import os
import sqlite3
import textwrap
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tg_emulator import TelegramEmulator
from tg_emulator.harness import (
    ADMIN,
    GROUP,
    LISTED_MODERATOR,
    QUEUE,
    TOKEN,
    FakeTime,
    RunningBot,
    fast_options,
)
from tg_emulator.wire import render, replies_to, settle, wall_clock
from vk_emulator import VkEmulator
from vk_emulator.harness import CHAT as VK_CHAT
from vk_emulator.harness import MODERATOR as VK_MODERATOR
from vk_emulator.harness import QUEUE as VK_QUEUE
from vk_emulator.harness import RunningBot as VkBot
from vk_emulator.harness import vk_config_text, write_vk_config

from bot.app import App
from bot.config import load_config
from bot.core.clock import FakeClock

SPAMMER = 444
OBSCENE = "Блядь, ну кто так строит?"
OBSCENE_EN = "this is fucking ridiculous"
EXTRA_GROUPS = [-1000 - 100 - i for i in range(20)]  # -1100 … -1119

FAQ_V1 = """
[[faq]]
id = "pay"
lang = "en"
questions = ["How do I pay for the course?", "Can I pay by card?"]
answer = "Pay by card on the website or by bank transfer."
"""

FAQ_V2 = FAQ_V1 + """
[[faq]]
id = "parking"
lang = "en"
questions = ["Where can I park my car?", "Is there parking near the school?"]
answer = "Free parking is behind the building, entrance from Lenin street."
"""


# ============================== plumbing ===================================================

def tg_config_text(api_base: str, *, chats: list[int], faq: bool = False,
                   extra_community: str = "", db_name: str = "modbot.db") -> str:
    chat_list = ", ".join(f'"telegram:{c}"' for c in chats)
    faq_line = 'faq = "faq.toml"' if faq else ""
    return textwrap.dedent(f"""
        [database]
        url = "sqlite+aiosqlite:///{db_name}"

        [telegram]
        token = "{TOKEN}"
        api_base = "{api_base}"
        poll_timeout = 1

        [[community]]
        name = "demo"
        language = "en"
        timezone = "UTC"
        {faq_line}
        chats = [{chat_list}]
        moderators = ["telegram:{LISTED_MODERATOR}"]
        queue = "telegram:{QUEUE}"
        """) + textwrap.dedent(extra_community)


@pytest.fixture
def tg_clock() -> FakeClock:
    return wall_clock()


@pytest.fixture
def make_app(tmp_path: Path, emu: TelegramEmulator, tg_clock: FakeClock,
             open_app: Callable[..., Awaitable[App]]) -> Callable[..., Awaitable[App]]:
    opened = 0

    async def make(*, chats: list[int] | None = None, faq: str | None = None,
                   extra_community: str = "", instance: str = "qa18") -> App:
        nonlocal opened
        if faq is not None:
            (tmp_path / "faq.toml").write_text(textwrap.dedent(faq), encoding="utf-8")
        path = tmp_path / "config.toml"
        path.write_text(tg_config_text(emu.api_base, chats=chats or [GROUP],
                                       faq=faq is not None or (tmp_path / "faq.toml").exists(),
                                       extra_community=extra_community), encoding="utf-8")
        opened += 1
        return await open_app(load_config(path), tg_clock, f"{instance}-{opened - 1}")

    return make


def rows(folder: Path, sql: str) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(folder / "modbot.db")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def tg_button(message: dict[str, Any], prefix: str) -> str:
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for button in row:
            if button["callback_data"].startswith(prefix):
                return str(button["callback_data"])
    raise AssertionError(f"no {prefix} button on {message}")


def cards(emu: TelegramEmulator) -> list[dict[str, Any]]:
    return [m for m in emu.sent_messages(QUEUE) if "Ticket #" in (m.get("text") or "")]


async def tg_report(emu: TelegramEmulator, *, reporter: int = 111,
                    text: str = "cheap watches at spam.example") -> tuple[dict, dict]:
    before = len(cards(emu))
    bad = emu.user_message(GROUP, SPAMMER, text)
    emu.user_message(GROUP, reporter, "/report spam", reply_to=bad["message_id"])
    await emu.wait_for(lambda: len(cards(emu)) > before, what="the card")
    return bad, copy.deepcopy(cards(emu)[before])  # as the moderator's client got it


async def answered(emu: TelegramEmulator, *qids: str) -> list[dict[str, Any]]:
    await emu.wait_for(lambda: all(emu.world.callbacks[q].get("answered") for q in qids),
                       what="the button answers")
    return [emu.world.callbacks[q]["answered"] for q in qids]


def deletes(emu: TelegramEmulator) -> Counter[tuple[int, int]]:
    return Counter((int(c.params["chat_id"]), int(c.params["message_id"]))
                   for c in emu.calls_of("deleteMessage"))


async def retry_until(app: App, clock: FakeClock, done: Callable[[], bool], *,
                      step: timedelta = timedelta(seconds=5), limit: int = 80,
                      fake: FakeTime | None = None) -> None:
    """Move the injected clock on and run the outbox until ``done()``: a retry handed back to
    the outbox is due a little later on the bot's clock, never on a timer of the test's."""
    for _ in range(limit):
        if done():
            return
        clock.advance(step)
        if fake is not None:  # the executor's pacing runs on the runner's monotonic time
            fake.now += step.total_seconds()
        await app.pipeline.drain()
        # a turn for the bot's polling task: on a loaded machine the updates may not have
        # been taken yet, and the fake clock would run out before they are
        await asyncio.sleep(0.02)
    assert done()


def card_now(emu: TelegramEmulator, card: dict[str, Any]) -> str:
    stored = emu.world.messages[(QUEUE, card["message_id"])]
    return str(stored.message.get("text") or "")


# ============================== 1. the ticket card under many hands ========================

async def test_tg_one_moderator_double_clicking_claim_claims_once(make_app, emu,
                                                                  tmp_path) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        _bad, card = await tg_report(emu)
        data = tg_button(card, "t:claim:")
        q1 = emu.press(QUEUE, card["message_id"], ADMIN, data)
        q2 = emu.press(QUEUE, card["message_id"], ADMIN, data)
        a1, a2 = await answered(emu, q1, q2)
        await settle(emu)
    texts = [a1["text"], a2["text"]]
    assert texts.count(render("complaints.done_claim", number=1)) == 1, texts
    assert render("complaints.refused_already_yours", number=1) in texts, texts
    claims = rows(tmp_path, "select actor from ticket_events where action = 'claim'")
    assert claims == [(f"telegram:{ADMIN}",)], claims
    # The queue chat is not told that ADMIN took the ticket over from ADMIN.
    takeover = [t for t in emu.sent_texts(QUEUE) if "took" in t.lower() or ("from" in t.lower()
                and "Ticket #" not in t)]
    assert not takeover, takeover


async def test_tg_two_moderators_pressing_claim_at_once_over_the_wire_one_holder(
        make_app, emu, tmp_path) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        _bad, card = await tg_report(emu)
        data = tg_button(card, "t:claim:")
        q1 = emu.press(QUEUE, card["message_id"], ADMIN, data)
        q2 = emu.press(QUEUE, card["message_id"], LISTED_MODERATOR, data)
        a1, a2 = await answered(emu, q1, q2)
        await settle(emu)
    holder = rows(tmp_path, "select state, claimed_by from tickets where number = 1")
    assert holder and holder[0][0] == "claimed"
    who = holder[0][1]
    # The card names the holder the database has (no lost update between the two edits).
    final = card_now(emu, card)
    holder_id = int(who.split(":")[1])
    assert str(holder_id) in final or emu.world.user(holder_id)["first_name"] in final, (
        who, final)
    events = rows(tmp_path, "select actor from ticket_events where action = 'claim' "
                            "order by id")
    assert events and events[-1][0] == who, events
    del a1, a2


async def test_tg_buttons_on_a_card_closed_by_a_command_do_nothing(make_app, emu,
                                                                   tmp_path) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        emu.user_message(111, 111, "/start")
        await emu.wait_for(lambda: emu.sent_texts(111), what="greeting")
        bad, card = await tg_report(emu)
        cmd = emu.user_message(QUEUE, ADMIN, "/resolve 1 handled in chat")
        await emu.wait_for(lambda: replies_to(emu, QUEUE, cmd["message_id"]), what="resolve")
        await emu.wait_for(lambda: "resolved" in card_now(emu, card), what="card edited")
        stale = card  # the moderator's client still shows the old buttons
        q_claim = emu.press(QUEUE, stale["message_id"], LISTED_MODERATOR,
                            tg_button(stale, "t:claim:"))
        q_reject = emu.press(QUEUE, stale["message_id"], LISTED_MODERATOR,
                             tg_button(stale, "t:reject:"))
        q_ban = emu.press(QUEUE, stale["message_id"], LISTED_MODERATOR,
                          tg_button(stale, "t:ban:"))
        answers = await answered(emu, q_claim, q_reject, q_ban)
        await settle(emu)
    # each press is refused as closed; within a minute of the verdict it also says who gave it
    assert all(a["text"].startswith("Ticket #1 is already closed") for a in answers), answers
    assert len(answers) == 3, answers
    assert rows(tmp_path, "select state from tickets where number = 1") == [("resolved",)]
    assert not emu.calls_of("banChatMember", ok=None), "a closed card's Ban button banned"
    assert not emu.is_deleted(GROUP, bad["message_id"])
    outcomes = [t for t in emu.sent_texts(111) if "Your report #1" in t]
    assert len(outcomes) == 1, outcomes


async def test_tg_ten_members_report_the_same_message_at_once_one_card_ten_reports(
        make_app, emu, tmp_path) -> None:
    app = await make_app()
    reporters = list(range(2001, 2011))
    async with RunningBot(app, fast_options(FakeTime())):
        bad = emu.user_message(GROUP, SPAMMER, "join my casino t.me/scam_casino")
        reports = [emu.user_message(GROUP, r, "/report scam", reply_to=bad["message_id"])
                   for r in reporters]
        await emu.wait_for(lambda: all(replies_to(emu, GROUP, m["message_id"])
                                       for m in reports), timeout=10, what="ten acks")
        await settle(emu)
        await emu.wait_for(lambda: cards(emu) and "reports: 10" in card_now(emu, cards(emu)[0]),
                           timeout=5, what="the card counting ten reports")
    assert len(cards(emu)) == 1, [c["text"] for c in cards(emu)]
    assert rows(tmp_path, "select count(*) from tickets") == [(1,)]
    assert rows(tmp_path, "select count(distinct reporter) from ticket_reporters") == [(10,)] \
        or rows(tmp_path, "select count(*) from ticket_reporters") == [(10,)]
    acks = [replies_to(emu, GROUP, m["message_id"]) for m in reports]
    assert all(len(a) == 1 for a in acks), acks
    assert all("#1" in a[0] for a in acks), acks


# ============================== 2. twenty chats, one second, 429s ==========================

async def test_tg_twenty_chats_obscene_in_the_same_second_under_429_each_punished_once(
        make_app, emu, tmp_path) -> None:
    for chat in EXTRA_GROUPS:
        emu.group(chat, title=f"Room {chat}", admins=(ADMIN,))
    app = await make_app(chats=[GROUP, *EXTRA_GROUPS])
    fake = FakeTime()
    async with RunningBot(app, fast_options(fake)):
        await settle(emu)
        emu.fail_next("deleteMessage", 6, status=429, retry_after=3)
        emu.fail_next("sendMessage", 6, status=429, retry_after=5)
        bad = {chat: emu.user_message(chat, 3000 + i, OBSCENE if i % 2 else OBSCENE_EN)
               for i, chat in enumerate(EXTRA_GROUPS)}
        await emu.wait_for(lambda: len(rows(tmp_path, "select id from warnings")) >= 20,
                           timeout=20, what="twenty warnings stored")
        await retry_until(app, app.clock, lambda: all(
            emu.is_deleted(c, m["message_id"]) for c, m in bad.items()) and all(
            any("removed" in t for t in emu.sent_texts(c)) for c in EXTRA_GROUPS), fake=fake)
        await settle(emu)
    counts = deletes(emu)
    doubled = {k: v for k, v in counts.items() if v > 1}
    assert not doubled, f"messages deleted more than once: {doubled}"
    for chat in EXTRA_GROUPS:
        notices = [t for t in emu.sent_texts(chat) if "removed" in t]
        assert len(notices) == 1, (chat, notices)
        assert "Warning 1" in notices[0] or "warning" in notices[0].lower(), notices[0]
    warned = rows(tmp_path, "select user_ref, count(*) from warnings group by user_ref")
    assert len(warned) == 20 and all(n == 1 for _u, n in warned), warned
    assert not emu.calls_of("restrictChatMember", ok=None), "a first offence muted someone"
    # The 429s were honoured, not hammered through.
    assert any(s >= 3 for s in fake.sleeps), fake.sleeps


async def test_tg_one_member_swearing_across_chats_climbs_one_community_ladder(
        make_app, emu, tmp_path) -> None:
    """README: each community keeps its own warnings; so three offences in three chats of one
    community are steps 1, 2, 3 — not three first warnings — even when they arrive at once."""
    chats = EXTRA_GROUPS[:3]
    for chat in chats:
        emu.group(chat, title=f"Room {chat}", admins=(ADMIN,))
    app = await make_app(chats=[GROUP, *chats])
    async with RunningBot(app, fast_options(FakeTime())):
        await settle(emu)
        bad = [emu.user_message(chat, SPAMMER, OBSCENE) for chat in chats]
        await emu.wait_for(lambda: all(emu.is_deleted(c, m["message_id"])
                                       for c, m in zip(chats, bad, strict=True)),
                           timeout=10, what="three deletions")
        await emu.wait_for(lambda: len(emu.calls_of("restrictChatMember")) >= 2,
                           timeout=10, what="the mutes")
        await settle(emu)
    warned = rows(tmp_path, "select count(*) from warnings where user_ref = "
                            f"'telegram:{SPAMMER}' and revoked = 0")
    assert warned == [(3,)], warned
    notices = [t for c in chats for t in emu.sent_texts(c) if "removed" in t]
    assert len(notices) == 3, notices
    # Exactly one notice per step: one warning, one 1h mute, one 1d mute.
    assert sum("Muted" in n for n in notices) == 2, notices
    steps = [n.split("removed for")[1] for n in notices]
    assert len(set(steps)) == 3, f"two offences got the same step: {notices}"


async def test_tg_ladder_steps_across_chats_are_the_communitys_each_sanction_in_its_chat(
        make_app, emu, tmp_path) -> None:
    """Same night, the consequence. The warnings are the community's, so three offences in
    three chats are steps 1, 2 and 3; each sanction lands in the chat of its offence, as in
    Rose (README: a mute elsewhere could fail on a chat the member never joined and post a
    confusing failure there). A moderator's /mute from the queue chat covers every chat."""
    chats = EXTRA_GROUPS[:3]
    for chat in chats:
        emu.group(chat, title=f"Room {chat}", admins=(ADMIN,))
    app = await make_app(chats=[GROUP, *chats])
    async with RunningBot(app, fast_options(FakeTime())):
        await settle(emu)
        for chat in chats:
            emu.user_message(chat, SPAMMER, OBSCENE)
        await emu.wait_for(lambda: len(emu.calls_of("restrictChatMember")) >= 2,
                           timeout=10, what="the mutes")
        await settle(emu)
    restricts = emu.calls_of("restrictChatMember")
    assert len(restricts) == 2, restricts
    muted_in = {int(call.params["chat_id"]) for call in restricts}
    assert len(muted_in) == 2 and muted_in <= set(chats), restricts
    spans = sorted(int(call.params["until_date"]) for call in restricts)
    assert spans[1] - spans[0] >= 22 * 3600, f"expected a 1h and a 1d mute: {restricts}"


# ============================== 3. fifty posts in one minute ===============================

async def _fifty_posts(make_app, emu, tg_clock, faults: Callable[[], None]) -> list[int]:
    from bot.features.schedule import service_for

    chats = EXTRA_GROUPS[:5]
    for chat in chats:
        emu.group(chat, title=f"Room {chat}", admins=(ADMIN,))
    when = (tg_clock.now() + timedelta(minutes=10)).strftime("%Y-%m-%d %H:%M")
    entries = "".join(textwrap.dedent(f"""
        [[community.schedule]]
        at = "{when}"
        text = "Saturday post {n:02d}"
        chats = ["telegram:{chats[n % 5]}"]
        """) for n in range(50))
    app = await make_app(chats=[GROUP, *chats], extra_community=entries)
    fake = FakeTime()
    async with RunningBot(app, fast_options(fake)):
        await settle(emu)
        faults()
        service = service_for(app)
        for _ in range(15):
            tg_clock.advance(timedelta(minutes=2))
            fake.now += 120
            await service.run_due(tg_clock.now())
            await app.pipeline.drain()
        await settle(emu)
    return chats


def _check_fifty(emu: TelegramEmulator, chats: list[int]) -> None:
    posted = [t for t in emu.sent_texts() if t.startswith("Saturday post")]
    counts = Counter(posted)
    missing = sorted({f"Saturday post {n:02d}" for n in range(50)} - set(counts))
    assert not missing, f"never published: {missing}"
    assert all(v == 1 for v in counts.values()), {k: v for k, v in counts.items() if v > 1}
    for i, chat in enumerate(chats):
        in_chat = [t for t in emu.sent_texts(chat) if t.startswith("Saturday post")]
        expected = [f"Saturday post {n:02d}" for n in range(i, 50, 5)]
        assert in_chat == expected, f"chat {chat} read the posts as {in_chat}"


async def test_tg_fifty_posts_due_in_the_same_minute_with_5xx_each_published_once_in_order(
        make_app, emu, tg_clock) -> None:
    def faults() -> None:
        emu.fail_next("sendMessage", 4, status=502)
        emu.fail_next("sendMessage", 2, status=500)
        emu.fail_next("sendMessage", 1, status=429, retry_after=2)

    _check_fifty(emu, await _fifty_posts(make_app, emu, tg_clock, faults))


async def test_tg_fifty_posts_first_send_fails_once_the_chat_still_reads_in_order(
        make_app, emu, tg_clock) -> None:
    """A single 502 on the very first post of the minute: members of that chat must not see
    part 2 before part 1 (a thread of announcements scheduled for the same minute)."""
    _check_fifty(emu, await _fifty_posts(
        make_app, emu, tg_clock, lambda: emu.fail_next("sendMessage", 1, status=502)))


# ============================== 4. restart in the middle of the night ======================

async def test_tg_restart_with_open_ticket_running_mute_and_due_post_loses_nothing(
        make_app, emu, tg_clock, tmp_path) -> None:
    from bot.features.schedule import service_for

    when = (tg_clock.now() + timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M")
    extra = textwrap.dedent(f"""
        [[community.schedule]]
        at = "{when}"
        text = "Late-night announcement"
        """)
    app = await make_app(extra_community=extra)
    fake = FakeTime()
    async with RunningBot(app, fast_options(fake)):
        _bad, card = await tg_report(emu)
        target = emu.user_message(GROUP, 555, "annoying message")
        mute = emu.user_message(GROUP, ADMIN, "/mute 2h", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="the mute")
        await emu.wait_for(lambda: replies_to(emu, GROUP, mute["message_id"]), what="reply")
        await settle(emu)
    muted_until = int(emu.calls_of("restrictChatMember")[0].params["until_date"])
    expected_until = int((tg_clock.now() + timedelta(hours=2)).timestamp())
    await app.close()

    # Down for 20 minutes; the post falls due 10 minutes after the new instance starts.
    tg_clock.advance(timedelta(minutes=20))
    again = await make_app(extra_community=extra, instance="qa18-after")
    fake2 = FakeTime()
    async with RunningBot(again, fast_options(fake2)):
        qid = emu.press(QUEUE, card["message_id"], LISTED_MODERATOR, tg_button(card, "t:claim:"))
        (claim,) = await answered(emu, qid)
        service = service_for(again)
        for _ in range(8):
            tg_clock.advance(timedelta(minutes=2))
            fake2.now += 120
            await service.run_due(tg_clock.now())
            await again.pipeline.drain()
        # An hour and a half later the mute must still be in force as set (not lifted early,
        # not re-applied with a new end).
        tg_clock.advance(timedelta(minutes=90))
        fake2.now += 5400
        await service.run_due(tg_clock.now())
        await again.pipeline.drain()
        await settle(emu)
    assert claim["text"] == render("complaints.done_claim", number=1), claim
    assert emu.sent_texts(GROUP).count("Late-night announcement") == 1
    assert abs(muted_until - expected_until) <= 60, (muted_until, expected_until)
    restricts = emu.calls_of("restrictChatMember")
    assert len(restricts) == 1, [c.params for c in restricts]
    assert rows(tmp_path, "select state, claimed_by from tickets where number = 1") == [
        ("claimed", f"telegram:{LISTED_MODERATOR}")]
    assert len(cards(emu)) == 1, "the restart re-sent the ticket card"


# ============================== 5. SQLite under concurrent writes ==========================

async def test_tg_gaps_tickets_and_moderation_in_one_tick_never_lock_sqlite(
        make_app, emu, tmp_path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    chats = EXTRA_GROUPS[:4]
    for chat in chats:
        emu.group(chat, title=f"Room {chat}", admins=(ADMIN,))
    app = await make_app(chats=[GROUP, *chats], faq=FAQ_V1)
    sent: list[tuple[int, dict[str, Any]]] = []
    async with RunningBot(app, fast_options(FakeTime())):
        await settle(emu)
        for i in range(10):
            for chat in chats:
                uid = 4000 + i * 10 + chats.index(chat)
                q = emu.user_message(chat, uid, f"What time does the pool open on day {i}?")
                bad = emu.user_message(chat, uid + 500, OBSCENE)
                spam = emu.user_message(chat, uid + 700, f"spam spam {i} at spam.example")
                emu.user_message(chat, uid, "/report spam", reply_to=spam["message_id"])
                sent += [(chat, q), (chat, bad)]
        await emu.wait_for(lambda: len(cards(emu)) >= 40, timeout=30, what="forty cards")
        await emu.wait_for(lambda: all(emu.is_deleted(c, m["message_id"]) for c, m in sent
                                       if m.get("text") == OBSCENE), timeout=30,
                           what="forty deletions")
        for chat in chats:
            await settle(emu, chat)
    locked = [r.getMessage() for r in caplog.records
              if "locked" in r.getMessage().lower() or (r.exc_info and "locked" in
                                                         str(r.exc_info[1]).lower())]
    assert not locked, locked[:3]
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, errors[:3]
    assert rows(tmp_path, "select count(*) from tickets") == [(40,)]
    assert rows(tmp_path, "select count(*) from warnings") == [(40,)]
    gaps = rows(tmp_path, "select count(*) from faq_gaps")[0][0]
    assert gaps >= 1, "no unanswered question was logged as a gap"
    assert len(cards(emu)) == 40


async def test_two_instances_on_one_sqlite_file_writing_at_once_never_lock(
        make_app, emu, tg_clock, tmp_path, caplog) -> None:
    """Two bot processes on one SQLite DB (README: both run; one polls, the scheduler shares
    work): while one handles a burst, the other's scheduler claims posts in the same tick."""
    from bot.features.schedule import service_for

    caplog.set_level(logging.DEBUG)
    when = (tg_clock.now() + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M")
    entries = "".join(textwrap.dedent(f"""
        [[community.schedule]]
        at = "{when}"
        text = "Twin post {n:02d}"
        """) for n in range(10))
    first = await make_app(faq=FAQ_V1, extra_community=entries, instance="twin-a")
    second = await make_app(faq=FAQ_V1, extra_community=entries, instance="twin-b")
    async with RunningBot(first, fast_options(FakeTime())), \
            RunningBot(second, fast_options(FakeTime())):
        await settle(emu)
        for i in range(15):
            emu.user_message(GROUP, 8000 + i, f"Where is the lost and found, room {i}?")
            emu.user_message(GROUP, 8100 + i, OBSCENE)
        tg_clock.advance(timedelta(minutes=6))
        await asyncio.gather(service_for(first).run_due(tg_clock.now()),
                             service_for(second).run_due(tg_clock.now()))
        await asyncio.gather(first.pipeline.drain(), second.pipeline.drain())
        await emu.wait_for(lambda: len(rows(tmp_path, "select id from warnings")) >= 15,
                           timeout=20, what="fifteen warnings")
        await settle(emu)
    locked = [r.getMessage() for r in caplog.records if "locked" in r.getMessage().lower()]
    assert not locked, locked[:3]
    counts = Counter(t for t in emu.sent_texts(GROUP) if t.startswith("Twin post"))
    assert sorted(counts) == [f"Twin post {n:02d}" for n in range(10)], counts
    assert set(counts.values()) == {1}, counts
    warned = rows(tmp_path, "select user_ref, count(*) from warnings group by user_ref")
    assert len(warned) == 15 and all(n == 1 for _u, n in warned), warned


# ============================== 6. FAQ edited on disk mid-conversation =====================

async def test_tg_faq_file_edited_while_questions_arrive_is_reloaded_without_restart(
        make_app, emu, tg_clock, tmp_path) -> None:
    app = await make_app(faq=FAQ_V1)
    faq = tmp_path / "faq.toml"
    async with RunningBot(app, fast_options(FakeTime())):
        first = emu.user_message(GROUP, 5001, "Where can I park my car?")
        pay = emu.user_message(GROUP, 5002, "How do I pay for the course?")
        await emu.wait_for(lambda: replies_to(emu, GROUP, pay["message_id"]), what="pay answer")
        await settle(emu)
        assert replies_to(emu, GROUP, first["message_id"]) == []
        # An editor saving the file: first a half-written file (cut mid-entry), questions arrive.
        full = textwrap.dedent(FAQ_V2)
        faq.write_text(full[: full.index("answer = \"Free")] + 'answer = "Free par',
                       encoding="utf-8")
        tg_clock.advance(timedelta(minutes=31))  # past repeat_window: a full answer again
        mid = emu.user_message(GROUP, 5003, "Can I pay by card?")
        mid_park = emu.user_message(GROUP, 5004, "Is there parking near the school?")
        await emu.wait_for(lambda: replies_to(emu, GROUP, mid["message_id"]),
                           what="answers from the last good file while the file is half-written")
        await settle(emu)
        assert replies_to(emu, GROUP, mid_park["message_id"]) == []
        # The save completes.
        faq.write_text(full, encoding="utf-8")
        tg_clock.advance(timedelta(seconds=3))
        later = emu.user_message(GROUP, 5005, "Where can I park my car?")
        await emu.wait_for(lambda: replies_to(emu, GROUP, later["message_id"]), timeout=5,
                           what="the new entry answered without a restart")
        await settle(emu)
    assert replies_to(emu, GROUP, mid["message_id"]) == [
        "Pay by card on the website or by bank transfer."]
    assert replies_to(emu, GROUP, later["message_id"]) == [
        "Free parking is behind the building, entrance from Lenin street."]


async def test_tg_faq_file_truncated_to_a_valid_prefix_mid_save_does_not_drop_answers(
        make_app, emu, tg_clock, tmp_path) -> None:
    """An editor that truncates and rewrites (no atomic rename) can be caught with only the
    first entry written: a valid file. Questions arriving in that instant lose the other
    entries; once the write completes (two seconds later) the full FAQ must be back."""
    app = await make_app(faq=FAQ_V2)
    faq = tmp_path / "faq.toml"
    full = textwrap.dedent(FAQ_V2)
    async with RunningBot(app, fast_options(FakeTime())):
        q1 = emu.user_message(GROUP, 5201, "Where can I park my car?")
        await emu.wait_for(lambda: replies_to(emu, GROUP, q1["message_id"]), what="answer 1")
        faq.write_text(textwrap.dedent(FAQ_V1), encoding="utf-8")  # caught mid-save
        tg_clock.advance(timedelta(seconds=3))
        emu.user_message(GROUP, 5202, "How do I pay for the course?")  # triggers the check
        await settle(emu)
        faq.write_text(full, encoding="utf-8")  # save complete
        tg_clock.advance(timedelta(minutes=31))
        q3 = emu.user_message(GROUP, 5203, "Is there parking near the school?")
        await emu.wait_for(lambda: replies_to(emu, GROUP, q3["message_id"]), timeout=5,
                           what="the parking answer after the save completed")
        await settle(emu)
    assert replies_to(emu, GROUP, q3["message_id"]) == [
        "Free parking is behind the building, entrance from Lenin street."]


async def test_tg_faq_file_rewritten_in_place_with_same_size_is_still_reloaded(
        make_app, emu, tg_clock, tmp_path) -> None:
    """An editor rewriting one word keeps the size; a coarse-mtime filesystem can keep the
    mtime too. The answer members get must still be the new one within a few seconds."""

    app = await make_app(faq=FAQ_V1)
    faq = tmp_path / "faq.toml"
    async with RunningBot(app, fast_options(FakeTime())):
        q1 = emu.user_message(GROUP, 5101, "How do I pay for the course?")
        await emu.wait_for(lambda: replies_to(emu, GROUP, q1["message_id"]), what="answer 1")
        stat = faq.stat()
        new = textwrap.dedent(FAQ_V1).replace("bank transfer", "bank deposits")
        assert len(new) == len(textwrap.dedent(FAQ_V1))
        faq.write_text(new, encoding="utf-8")
        os.utime(faq, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same tick, same size
        tg_clock.advance(timedelta(minutes=31))  # past repeat_window
        q2 = emu.user_message(GROUP, 5102, "How do I pay for the course?")
        await emu.wait_for(lambda: replies_to(emu, GROUP, q2["message_id"]), what="answer 2")
        await settle(emu)
    assert replies_to(emu, GROUP, q2["message_id"]) == [
        "Pay by card on the website or by bank deposits."], replies_to(
        emu, GROUP, q2["message_id"])


# ============================== 7. VK: the same night on VK ================================

@pytest.fixture
async def vk_bot(emulator: VkEmulator, tmp_path: Path,
                 clock: FakeClock) -> AsyncIterator[VkBot]:
    emulator.set_admins(VK_QUEUE, 901)
    running = VkBot(write_vk_config(tmp_path, vk_config_text(emulator)), clock, emulator)
    await running.start()
    yield running
    await running.stop()


def vk_button(message: Any, label: str) -> str:
    for row in message.keyboard["buttons"]:
        for button in row:
            action = button["action"]
            if label.lower() in str(action.get("label", "")).lower():
                return str(json.loads(action["payload"])["d"])
    raise AssertionError(f"no button {label!r}")


def vk_cards(emulator: VkEmulator) -> list[Any]:
    return [m for m in emulator.sent(VK_QUEUE) if "Ticket #" in m.text]


async def vk_settle(emulator: VkEmulator) -> None:
    polls = len(emulator.calls_to("longpoll.check"))
    await emulator.wait_for(lambda: len(emulator.calls_to("longpoll.check")) > polls + 1)


async def test_vk_ten_members_report_one_message_at_once_one_card(emulator, vk_bot,
                                                                  tmp_path) -> None:
    bad = emulator.post_message(VK_CHAT, 777, "buy followers at spam.example")
    for r in range(6001, 6011):
        emulator.post_message(VK_CHAT, r, "!report spam", reply_to=bad)
    await emulator.wait_for(lambda: vk_cards(emulator))
    await vk_settle(emulator)
    await vk_settle(emulator)
    assert len(vk_cards(emulator)) == 1, [m.text for m in vk_cards(emulator)]
    assert "reports: 10" in vk_cards(emulator)[0].text, vk_cards(emulator)[0].text
    assert rows(tmp_path, "select count(*) from tickets") == [(1,)]


async def test_vk_double_click_claim_and_a_press_after_a_bang_resolve(emulator, vk_bot,
                                                                      tmp_path) -> None:
    bad = emulator.post_message(VK_CHAT, 777, "buy followers at spam.example")
    emulator.post_message(VK_CHAT, 501, "!report spam", reply_to=bad)
    await emulator.wait_for(lambda: vk_cards(emulator))
    card = copy.deepcopy(vk_cards(emulator)[0])
    claim = vk_button(card, "Claim")
    emulator.press(VK_QUEUE, VK_MODERATOR, card.cmid, claim)
    emulator.press(VK_QUEUE, VK_MODERATOR, card.cmid, claim)
    await emulator.wait_calls("messages.sendMessageEventAnswer", 2)
    emulator.post_message(VK_QUEUE, 901, "!resolve 1 done")
    await emulator.wait_for(lambda: rows(tmp_path, "select state from tickets") == [
        ("resolved",)])
    ban = vk_button(card, "Ban")
    emulator.press(VK_QUEUE, 901, card.cmid, ban)
    await emulator.wait_calls("messages.sendMessageEventAnswer", 3)
    await vk_settle(emulator)
    claims = rows(tmp_path, "select actor from ticket_events where action = 'claim'")
    assert claims == [(f"vk:{VK_MODERATOR}",)], claims
    assert not emulator.calls_to("groups.ban"), "a closed card's Ban button banned"
    assert not emulator.calls_to("messages.removeChatUser")
    shown = [json.loads(a.params.get("event_data", "{}")).get("text", "")
             for a in emulator.calls_to("messages.sendMessageEventAnswer")]
    assert any("already closed" in s for s in shown), shown


async def test_vk_obscene_burst_under_rate_limit_each_warned_once(emulator, vk_bot,
                                                                  tmp_path) -> None:
    emulator.fail("messages.delete", 6, times=4)
    emulator.fail("messages.send", 6, times=4)
    posted = [emulator.post_message(VK_CHAT, 7000 + i, OBSCENE) for i in range(12)]
    await emulator.wait_for(
        lambda: rows(tmp_path, "select count(*) from warnings") == [(12,)])
    clock = vk_bot.clock
    for _ in range(20):
        deleted = {int(x) for c in emulator.calls_to("messages.delete")
                   if c.error is None for x in str(c.params.get("cmids", "")).split(",") if x}
        if set(posted) <= deleted and len([m for m in emulator.sent(VK_CHAT)
                                           if "removed" in m.text]) >= 12:
            break
        clock.advance(timedelta(seconds=5))
        assert vk_bot.app is not None
        await vk_bot.app.pipeline.drain()
        await vk_settle(emulator)
    notices = [m.text for m in emulator.sent(VK_CHAT) if "removed" in m.text]
    assert len(notices) == 12, notices
    ok_deletes = Counter(x for c in emulator.calls_to("messages.delete") if c.error is None
                         for x in str(c.params.get("cmids", "")).split(",") if x)
    assert {int(k) for k in ok_deletes} >= set(posted), (ok_deletes, posted)
    assert all(v == 1 for v in ok_deletes.values()), ok_deletes


# ============================== 8. more of the same night ==================================

async def test_tg_claim_and_resolve_pressed_at_once_never_leave_a_resolved_ticket_reopened(
        make_app, emu, tmp_path) -> None:
    """Moderator A presses Resolve while B presses Claim on the same fresh card: whatever the
    order, the ticket must not end 'claimed' after having been resolved (the reporter was
    told it was resolved)."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        emu.user_message(111, 111, "/start")
        await emu.wait_for(lambda: emu.sent_texts(111), what="greeting")
        for round_ in range(5):
            _bad, card = await tg_report(emu, text=f"scam offer number {round_}")
            q1 = emu.press(QUEUE, card["message_id"], ADMIN, tg_button(card, "t:resolve:"))
            q2 = emu.press(QUEUE, card["message_id"], LISTED_MODERATOR,
                           tg_button(card, "t:claim:"))
            await answered(emu, q1, q2)
        await settle(emu)
    states = rows(tmp_path, "select number, state from tickets order by number")
    told = [t for t in emu.sent_texts(111) if t.startswith("Your report #")]
    for number, state in states:
        was_told = any(t.startswith(f"Your report #{number} ") for t in told)
        assert not (was_told and state != "resolved"), (
            f"#{number}: reporter told it was resolved, but the ticket is {state}")
    assert all(s == "resolved" for _n, s in states), states


async def test_tg_flooder_in_two_chats_at_once_is_muted_once_per_chat(make_app, emu) -> None:
    chats = EXTRA_GROUPS[:2]
    for chat in chats:
        emu.group(chat, title=f"Room {chat}", admins=(ADMIN,))
    app = await make_app(chats=[GROUP, *chats])
    async with RunningBot(app, fast_options(FakeTime())):
        await settle(emu)
        for i in range(12):
            for chat in chats:
                emu.user_message(chat, SPAMMER, f"buy now {i}")
        await emu.wait_for(lambda: len({c.params["chat_id"] for c in
                                        emu.calls_of("restrictChatMember")}) >= 2,
                           timeout=10, what="a flood mute in each chat")
        for chat in chats:
            await settle(emu, chat)
    per_chat = Counter(int(c.params["chat_id"]) for c in emu.calls_of("restrictChatMember",
                                                                       ok=None))
    assert per_chat == {chats[0]: 1, chats[1]: 1}, per_chat
    for chat in chats:
        notices = [t for t in emu.sent_texts(chat) if "slow down" in t or "flooding" in t]
        assert len(notices) == 1, (chat, emu.sent_texts(chat))


async def test_tg_twenty_chats_ask_the_faq_in_the_same_second_under_429_each_answered_once(
        make_app, emu, tg_clock) -> None:
    for chat in EXTRA_GROUPS:
        emu.group(chat, title=f"Room {chat}", admins=(ADMIN,))
    app = await make_app(chats=[GROUP, *EXTRA_GROUPS], faq=FAQ_V1)
    fake = FakeTime()
    async with RunningBot(app, fast_options(fake)):
        await settle(emu)
        emu.fail_next("sendMessage", 8, status=429, retry_after=4)
        asked = {chat: emu.user_message(chat, 3100 + i, "How do I pay for the course?")
                 for i, chat in enumerate(EXTRA_GROUPS)}
        await retry_until(app, tg_clock, lambda: all(
            replies_to(emu, c, m["message_id"]) for c, m in asked.items()), fake=fake)
        for _ in range(3):
            tg_clock.advance(timedelta(seconds=5))
            fake.now += 5
            await app.pipeline.drain()
        await settle(emu)
    for chat, message in asked.items():
        assert replies_to(emu, chat, message["message_id"]) == [
            "Pay by card on the website or by bank transfer."], chat


async def test_tg_sla_overdue_with_two_instances_reannounces_each_ticket_once(
        make_app, emu, tg_clock) -> None:
    first = await make_app(instance="sla-a")
    second = await make_app(instance="sla-b")
    async with RunningBot(first, fast_options(FakeTime())), \
            RunningBot(second, fast_options(FakeTime())):
        for n in range(8):
            await tg_report(emu, reporter=2100 + n, text=f"shady link {n}")
        tg_clock.advance(timedelta(minutes=31))
        for _ in range(4):
            await asyncio.gather(first.pipeline.tick(), second.pipeline.tick())
            await asyncio.gather(first.pipeline.drain(), second.pipeline.drain())
        await emu.wait_for(lambda: len([t for t in emu.sent_texts(QUEUE)
                                        if t.startswith("⏰")]) >= 8, timeout=60,
                               what="eight reminders")
        tg_clock.advance(timedelta(minutes=31))
        for _ in range(2):
            await asyncio.gather(first.pipeline.tick(), second.pipeline.tick())
            await asyncio.gather(first.pipeline.drain(), second.pipeline.drain())
        await settle(emu)
    reminders = Counter(t.split(" has waited")[0] for t in emu.sent_texts(QUEUE)
                        if t.startswith("⏰"))
    assert len(reminders) == 8 and set(reminders.values()) == {1}, reminders


async def test_tg_card_edits_under_429_end_showing_the_latest_state(make_app, emu, tg_clock,
                                                                    tmp_path) -> None:
    """Claim then Resolve in quick succession while Telegram rate-limits edits of the card:
    the retried 'claimed' edit must not land after the 'resolved' one and leave the card
    showing a closed ticket as still claimed (with live buttons)."""
    app = await make_app()
    fake = FakeTime()
    async with RunningBot(app, fast_options(fake)):
        _bad, card = await tg_report(emu)
        emu.fail_next("editMessageText", 1, status=429, retry_after=7)
        q1 = emu.press(QUEUE, card["message_id"], ADMIN, tg_button(card, "t:claim:"))
        await answered(emu, q1)
        q2 = emu.press(QUEUE, card["message_id"], ADMIN, tg_button(card, "t:resolve:"))
        await answered(emu, q2)
        for _ in range(6):
            tg_clock.advance(timedelta(seconds=5))
            fake.now += 5
            await app.pipeline.drain()
        await settle(emu)
    assert rows(tmp_path, "select state from tickets where number = 1") == [("resolved",)]
    final = emu.world.messages[(QUEUE, card["message_id"])].message
    assert "resolved" in final["text"], final["text"]
    labels = [b["text"] for row in final.get("reply_markup", {}).get("inline_keyboard", [])
              for b in row]
    assert "Claim" not in labels and "Resolve" not in labels, labels


async def test_tg_ten_reports_at_once_while_the_queue_is_rate_limited_one_card_counts_ten(
        make_app, emu, tg_clock, tmp_path) -> None:
    app = await make_app()
    fake = FakeTime()
    async with RunningBot(app, fast_options(fake)):
        await settle(emu)
        emu.fail_next("sendMessage", 3, status=429, retry_after=6)
        emu.fail_next("editMessageText", 3, status=429, retry_after=6)
        bad = emu.user_message(GROUP, SPAMMER, "crypto doubling t.me/scam")
        for r in range(2201, 2211):
            emu.user_message(GROUP, r, "/report scam", reply_to=bad["message_id"])
        await retry_until(app, tg_clock, lambda: cards(emu) and "reports: 10" in
                          emu.world.messages[(QUEUE, cards(emu)[0]["message_id"])]
                          .message.get("text", ""), fake=fake)
        await settle(emu)
    assert len(cards(emu)) == 1, [c["text"][:60] for c in cards(emu)]
    assert rows(tmp_path, "select count(*) from tickets") == [(1,)]


async def test_tg_double_clicked_resolve_tells_the_reporter_once(make_app, emu,
                                                                 tmp_path) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        emu.user_message(111, 111, "/start")
        await emu.wait_for(lambda: emu.sent_texts(111), what="greeting")
        _bad, card = await tg_report(emu)
        data = tg_button(card, "t:resolve:")
        q1 = emu.press(QUEUE, card["message_id"], ADMIN, data)
        q2 = emu.press(QUEUE, card["message_id"], ADMIN, data)
        await answered(emu, q1, q2)
        await settle(emu)
    told = [t for t in emu.sent_texts(111) if t.startswith("Your report #1")]
    assert len(told) == 1, told
    assert rows(tmp_path, "select count(*) from ticket_events where action = 'resolve'") == [
        (1,)]


async def test_tg_restart_while_429_retries_are_pending_delivers_each_once(
        make_app, emu, tg_clock, tmp_path) -> None:
    """Ten chats swear at once, Telegram answers 429 with a long retry_after, and the owner
    restarts the bot before the retries are due: the new process deletes and warns each
    exactly once (nothing lost with the old process, nothing repeated by the new one)."""
    chats = EXTRA_GROUPS[:10]
    for chat in chats:
        emu.group(chat, title=f"Room {chat}", admins=(ADMIN,))
    app = await make_app(chats=[GROUP, *chats])
    async with RunningBot(app, fast_options(FakeTime())):
        await settle(emu)
        emu.fail_next("deleteMessage", 30, status=429, retry_after=60)
        emu.fail_next("sendMessage", 30, status=429, retry_after=60)
        bad = {chat: emu.user_message(chat, 3300 + i, OBSCENE) for i, chat in enumerate(chats)}
        await emu.wait_for(lambda: len(rows(tmp_path, "select id from warnings")) >= 10,
                           timeout=20, what="ten warnings stored")
        await emu.wait_for(lambda: not emu.pending_updates, what="updates confirmed")
    await app.close()
    emu.faults.clear()
    tg_clock.advance(timedelta(seconds=61))
    again = await make_app(chats=[GROUP, *chats], instance="qa18-after-429")
    fake = FakeTime()
    async with RunningBot(again, fast_options(fake)):
        await retry_until(again, tg_clock, lambda: all(
            emu.is_deleted(c, m["message_id"]) for c, m in bad.items()) and all(
            any("removed" in t for t in emu.sent_texts(c)) for c in chats), fake=fake)
        for _ in range(3):
            tg_clock.advance(timedelta(seconds=30))
            fake.now += 30
            await again.pipeline.drain()
        await settle(emu)
    doubled = {k: v for k, v in deletes(emu).items() if v > 1}
    assert not doubled, doubled
    for chat in chats:
        notices = [t for t in emu.sent_texts(chat) if "removed" in t]
        assert len(notices) == 1, (chat, notices)
    assert rows(tmp_path, "select count(*) from warnings") == [(10,)]


async def test_tg_thirty_posts_in_one_chat_in_one_minute_are_paced_not_lost_and_in_order(
        make_app, emu, tg_clock) -> None:
    """Over Telegram's ≈20-a-minute group pace: the rest wait for their turn, none is dropped
    as 'failed', none is sent twice, and the chat reads them in the planned order."""
    from bot.features.schedule import service_for

    when = (tg_clock.now() + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M")
    entries = "".join(textwrap.dedent(f"""
        [[community.schedule]]
        at = "{when}"
        text = "Lot {n:02d} is open for bids"
        """) for n in range(30))
    app = await make_app(extra_community=entries)
    fake = FakeTime()
    async with RunningBot(app, fast_options(fake)):
        await settle(emu)
        service = service_for(app)
        for _ in range(20):
            tg_clock.advance(timedelta(seconds=30))
            fake.now += 30
            await service.run_due(tg_clock.now())
            await app.pipeline.drain()
        await settle(emu)
    lots = [t for t in emu.sent_texts(GROUP) if t.startswith("Lot ")]
    assert lots == [f"Lot {n:02d} is open for bids" for n in range(30)], lots
    assert not [t for t in emu.sent_texts(QUEUE) if "Lot " in t], "the queue was told of a failure"


async def test_tg_one_burst_of_four_obscene_messages_climbs_each_step_exactly_once(
        make_app, emu, tmp_path) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        await settle(emu)
        bad = [emu.user_message(GROUP, SPAMMER, f"{OBSCENE} {i}") for i in range(4)]
        await emu.wait_for(lambda: all(emu.is_deleted(GROUP, m["message_id"]) for m in bad),
                           timeout=10, what="four deletions")
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), timeout=10, what="the ban")
        await settle(emu)
    notices = [t for t in emu.sent_texts(GROUP) if "removed" in t]
    assert len(notices) == 4, notices
    assert len(set(notices)) == 4, f"a step was announced twice: {notices}"
    assert len(emu.calls_of("restrictChatMember")) == 2
    assert len(emu.calls_of("banChatMember")) == 1
    assert rows(tmp_path, "select count(*) from warnings") == [(4,)]


async def test_vk_twenty_posts_due_at_once_on_wall_and_chat_with_errors_each_once_in_order(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    from zoneinfo import ZoneInfo

    from bot.features.schedule import service_for

    moscow = (clock.now() + timedelta(minutes=10)).astimezone(ZoneInfo("Europe/Moscow"))
    when = moscow.strftime("%Y-%m-%d %H:%M")  # the VK harness community is on Moscow time
    entries = "".join(textwrap.dedent(f"""
        [[community.schedule]]
        at = "{when}"
        text = "Evening digest part {n:02d}"
        chats = ["{'vk:wall' if n % 2 else f'vk:{VK_CHAT}'}"]
        """) for n in range(20))
    running = VkBot(write_vk_config(tmp_path, vk_config_text(emulator, community_extra=entries)),
                    clock, emulator)
    await running.start()
    try:
        emulator.fail("wall.post", 6, times=2)   # too many requests per second
        emulator.fail("wall.post", 10, times=1)  # internal server error
        emulator.fail("messages.send", 6, times=2)
        emulator.fail("messages.send", 9, times=1)  # flood control
        assert running.app is not None
        service = service_for(running.app)
        for _ in range(15):
            clock.advance(timedelta(minutes=1))
            await service.run_due(clock.now())
            await running.app.pipeline.drain()
        await vk_settle(emulator)
    finally:
        await running.stop()
    wall = [p.get("message", "") for p in emulator.posts.values()
            if "Evening digest" in p.get("message", "")]
    chat = [m.text for m in emulator.sent(VK_CHAT) if m.text.startswith("Evening digest")]
    assert sorted(Counter(wall).values()) == [1] * 10, Counter(wall)
    assert sorted(Counter(chat).values()) == [1] * 10, Counter(chat)
    assert (wall, chat) == ([f"Evening digest part {n:02d}" for n in range(1, 20, 2)],
                            [f"Evening digest part {n:02d}" for n in range(0, 20, 2)]), (
        f"the wall reads {wall}; the chat reads {chat}")
