"""The ladder: escalation, expiry on the injected clock, durations, per-community ladders and
VK degradation — first as pure decisions, then through the filter flow on real SQLite."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import create_app
from bot.config import load_config
from bot.core.actions import Ban, DeleteMessage, Kick, Mute
from bot.core.chats import ChatRef
from bot.core.clock import FakeClock
from bot.core.events import MemberChanged
from bot.core.moderation.ladder import Sanction, count_active, decide, degrade, step_for
from bot.core.settings import LadderStep, ModerationSettings
from tests.conftest import BASIC_CONFIG
from tests.helpers_moderation import (
    CHANNEL,
    MEMBER,
    VK_CHAT,
    VK_MEMBER,
    WALL,
    FakeFilter,
    message,
    moderation_core,
    of,
    run,
    texts,
)

LADDER = ModerationSettings().ladder  # warn, mute 1h, mute 1d, ban
TELEGRAM = ChatRef("telegram", "-1001")


def test_default_ladder_escalates_and_repeats_the_last_step() -> None:
    actions = [step_for(LADDER, n) for n in range(1, 7)]
    assert [(s.action, s.duration) for s in actions] == [
        ("warn", None), ("mute", timedelta(hours=1)), ("mute", timedelta(days=1)),
        ("ban", None), ("ban", None), ("ban", None)]
    with pytest.raises(ValueError):
        step_for(LADDER, 0)


def test_rung_shows_progress_and_next_step() -> None:
    rung = decide(LADDER, 2, TELEGRAM, channel=False, fallback="kick")
    assert (rung.number, rung.total, rung.sanction.action, rung.next.action) == (2, 4, "mute", "mute")
    assert rung.sanction.until is not None and rung.next.duration == timedelta(days=1)
    beyond = decide(LADDER, 6, TELEGRAM, channel=False, fallback="kick")
    assert (beyond.shown_number, beyond.sanction.action, beyond.next.action) == (4, "ban", "ban")


def test_expiry_counts_only_recent_warnings(clock: FakeClock) -> None:
    issued = [clock.now()]
    clock.advance(timedelta(days=20))
    issued.append(clock.now())
    assert count_active(issued, clock.now(), timedelta(days=30)) == 2
    clock.advance(timedelta(days=10))  # the first is exactly 30 days old: expired
    assert count_active(issued, clock.now(), timedelta(days=30)) == 1
    clock.advance(timedelta(days=25))
    assert count_active(issued, clock.now(), timedelta(days=30)) == 0


def test_sanction_until_uses_the_given_clock(clock: FakeClock) -> None:
    mute = Sanction("mute", timedelta(hours=1))
    assert mute.until(clock.now()) == clock.now() + timedelta(hours=1)
    assert Sanction("ban").until(clock.now()) is None


@pytest.mark.parametrize(("chat", "fallback", "wanted", "expected"), [
    # Telegram does everything as asked
    ("telegram:-1001", "kick", LadderStep(action="mute", duration="1h"), ("mute", 3600, None)),
    # VK chats: mute follows vk_mute_fallback
    ("vk:2000000001", "warn", LadderStep(action="mute", duration="1h"), ("warn", None, "mute")),
    ("vk:2000000001", "kick", LadderStep(action="mute", duration="1h"), ("kick", None, "mute")),
    ("vk:2000000001", "ban", LadderStep(action="mute", duration="1h"), ("ban", 3600, "mute")),
    ("vk:2000000001", "kick", LadderStep(action="kick"), ("kick", None, None)),
    ("vk:2000000001", "kick", LadderStep(action="ban", duration="1d"), ("ban", 86400, None)),
    # VK wall comments: nobody can be kicked from a wall
    ("vk:wall", "warn", LadderStep(action="mute", duration="1h"), ("warn", None, "mute")),
    ("vk:wall", "kick", LadderStep(action="mute", duration="1h"), ("ban", 3600, "mute")),
    ("vk:wall", "ban", LadderStep(action="mute", duration="1h"), ("ban", 3600, "mute")),
    ("vk:wall", "kick", LadderStep(action="kick"), ("warn", None, "kick")),
    ("vk:wall", "kick", LadderStep(action="kick", duration="2h"), ("ban", 7200, "kick")),
])
def test_vk_degradation(chat: str, fallback: str, wanted: LadderStep,
                        expected: tuple[str, int | None, str | None]) -> None:
    result = degrade(wanted, ChatRef.parse(chat), channel=False, fallback=fallback)
    seconds = int(result.duration.total_seconds()) if result.duration else None
    assert (result.action, seconds, result.degraded_from) == expected
    assert (result.note is None) == (expected[2] is None)


def test_channel_senders_can_only_be_warned_or_banned() -> None:
    mute = degrade(LadderStep(action="mute", duration="1h"), TELEGRAM, channel=True, fallback="kick")
    kick = degrade(LadderStep(action="kick"), TELEGRAM, channel=True, fallback="kick")
    ban = degrade(LadderStep(action="ban"), TELEGRAM, channel=True, fallback="kick")
    assert (mute.action, kick.action, ban.action) == ("warn", "warn", "ban")
    assert mute.note == "moderation.degraded.channel_warn"


def test_a_page_commenting_on_the_vk_wall_is_banned_for_a_mute_like_a_person() -> None:
    """Only Telegram limits a sender chat to bans: VK bans a page from the community with an
    end date, so a wall comment posted as a page gets the wall's usual timed ban."""
    wall = ChatRef.parse("vk:wall")
    mute = degrade(LadderStep(action="mute", duration="1h"), wall, channel=True, fallback="kick")
    assert (mute.action, mute.duration, mute.note) == (
        "ban", timedelta(hours=1), "moderation.degraded.wall_ban")


def test_next_step_is_degraded_for_the_chat_too() -> None:
    rung = decide(LADDER, 1, ChatRef.parse("vk:2000000001"), channel=False, fallback="kick")
    assert rung.next.action == "kick"


# --- through the filter flow, on real SQLite -------------------------------------------------


async def test_filter_climbs_the_ladder_and_warnings_expire(app, clock: FakeClock) -> None:
    core = moderation_core(app)
    first = await run(app, message("badword"), core)
    assert of(first, DeleteMessage) and not of(first, Mute)
    assert "Warning 1 of 4; next: mute 1h." in texts(app, first)[0]
    clock.advance(timedelta(minutes=5))
    second = await run(app, message("badword again"), core)
    [mute] = of(second, Mute)
    assert mute.user == MEMBER.ref and mute.until == clock.now() + timedelta(hours=1)
    assert "Muted for 1h. Warning 2 of 4; next: mute 1d." in texts(app, second)[0]
    third = await run(app, message("badword 3"), core)
    assert of(third, Mute)[0].until == clock.now() + timedelta(days=1)
    fourth = await run(app, message("badword 4"), core)
    [ban] = of(fourth, Ban)
    assert ban.until is None and not ban.sender_chat
    assert texts(app, fourth)[0].endswith("Banned until a moderator lifts it.")  # no "next"
    # a message that arrives after the permanent ban (sent before it landed) is only
    # deleted: no second ban, no second notice, and never a mute that would lift the ban
    fifth = await run(app, message("badword 5"), core)
    assert of(fifth, DeleteMessage) and not of(fifth, Ban) and not of(fifth, Mute)
    assert texts(app, fifth) == []
    # an admin lifted the ban by hand and the member came back; 31 days later every warning
    # has expired: back to the first step
    await run(app, MemberChanged("tg:join:1", TELEGRAM, MEMBER, joined=True,
                                 is_bot_itself=False, date=clock.now()), core)
    clock.advance(timedelta(days=31))
    fresh = await run(app, message("badword"), core)
    assert not of(fresh, Mute) and not of(fresh, Ban)
    assert "Warning 1 of 4" in texts(app, fresh)[0]


TWO_COMMUNITIES = BASIC_CONFIG + """
[community.moderation]
warn_expiry = "1d"
ladder = [{ action = "mute", duration = "10m" }, { action = "kick" }]

[[community]]
name = "strict"
language = "ru"
chats = ["telegram:-1003"]

[community.moderation]
ladder = [{ action = "ban", duration = "3d" }]
"""


async def test_each_community_has_its_own_ladder(write_config, clock: FakeClock) -> None:
    app = await create_app(load_config(write_config(TWO_COMMUNITIES)), clock=clock,
                           instance_id="t")
    try:
        core = moderation_core(app, {"demo": FakeFilter(), "strict": FakeFilter()})
        demo = await run(app, message("badword"), core)
        assert of(demo, Mute)[0].until == clock.now() + timedelta(minutes=10)
        assert of(await run(app, message("badword"), core), Kick)
        strict_chat = ChatRef("telegram", "-1003")
        strict = await run(app, message("badword", chat=strict_chat), core)
        [ban] = of(strict, Ban)
        assert ban.chat == strict_chat and ban.until == clock.now() + timedelta(days=3)
        assert "Предупреждение 1 из 1" in texts(app, strict, "ru")[0]
        # demo's warnings expire after one day, strict's after the default 30 (four days on,
        # strict's three-day ban has run out too)
        clock.advance(timedelta(days=4))
        assert of(await run(app, message("badword"), core), Mute)
        assert of(await run(app, message("badword", chat=strict_chat), core), Ban)
    finally:
        await app.close()


async def test_vk_chat_mute_becomes_kick_and_says_so(app) -> None:
    core = moderation_core(app)
    await run(app, message("badword", chat=VK_CHAT, author=VK_MEMBER), core)
    second = await run(app, message("badword", chat=VK_CHAT, author=VK_MEMBER), core)
    assert not of(second, Mute)
    [kick] = of(second, Kick)
    assert kick.chat == VK_CHAT and kick.user == VK_MEMBER.ref
    assert "VK has no mute: removed from the chat instead." in texts(app, second)[0]


async def test_vk_wall_mute_becomes_timed_ban(app, clock: FakeClock) -> None:
    core = moderation_core(app)
    await run(app, message("badword", chat=WALL, author=VK_MEMBER), core)
    second = await run(app, message("badword", chat=WALL, author=VK_MEMBER), core)
    [ban] = of(second, Ban)
    assert ban.chat == WALL and ban.until == clock.now() + timedelta(hours=1)
    [delete] = of(second, DeleteMessage)
    assert delete.thread_id == "10"
    assert "banned for 1h instead" in texts(app, second)[0]


async def test_channel_sender_is_warned_then_banned_as_a_channel(app) -> None:
    core = moderation_core(app)
    for _ in range(3):
        out = await run(app, message("badword", author=CHANNEL), core)
        assert not of(out, Mute) and not of(out, Ban)
    [ban] = of(await run(app, message("badword", author=CHANNEL), core), Ban)
    assert ban.sender_chat and ban.user == CHANNEL.ref
