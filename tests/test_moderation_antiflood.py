"""Anti-flood: N messages within T → mute (degraded on VK); the same text repeated → the
repeats are deleted; protected members are exempt. Time moves only by the FakeClock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import create_app
from bot.config import load_config
from bot.core.actions import Ban, DeleteMessage, Kick, Mute
from bot.core.clock import FakeClock
from bot.core.moderation.antiflood import FloodGuard
from bot.core.settings import AntifloodSettings
from tests.conftest import BASIC_CONFIG
from tests.helpers_moderation import (
    ADMIN,
    OTHER,
    TG_CHAT,
    VK_CHAT,
    VK_MEMBER,
    WALL,
    FakeAdmins,
    keys,
    message,
    moderation_core,
    of,
    run,
    texts,
)

SETTINGS = AntifloodSettings(messages=4, window=timedelta(seconds=10), repeats=3,
                             repeat_window=timedelta(minutes=2))
KEY = ("demo", "telegram:-1001", "telegram:501")


def test_guard_mutes_on_the_nth_message_within_the_window(clock: FakeClock) -> None:
    guard = FloodGuard()
    verdicts = []
    for n in range(4):
        verdicts.append(guard.observe(KEY, str(n), None, f"text {n}", clock.now(), SETTINGS))
        clock.advance(timedelta(seconds=2))
    assert [v.mute for v in verdicts] == [False, False, False, True]
    # the history restarts after a mute
    assert not guard.observe(KEY, "9", None, "again", clock.now(), SETTINGS).mute


def test_guard_forgets_messages_outside_the_window(clock: FakeClock) -> None:
    guard = FloodGuard()
    for n in range(10):
        assert not guard.observe(KEY, str(n), None, f"text {n}", clock.now(), SETTINGS).mute
        clock.advance(timedelta(seconds=4))  # 3 messages per 10s: never 4


def test_guard_deletes_repeats_but_keeps_the_first(clock: FakeClock) -> None:
    guard = FloodGuard()
    first = guard.observe(KEY, "1", None, "Buy now!", clock.now(), SETTINGS)
    clock.advance(timedelta(seconds=20))
    second = guard.observe(KEY, "2", None, "buy   NOW!", clock.now(), SETTINGS)
    clock.advance(timedelta(seconds=20))
    third = guard.observe(KEY, "3", None, "Buy now!", clock.now(), SETTINGS)
    clock.advance(timedelta(seconds=20))
    fourth = guard.observe(KEY, "4", None, "Buy now!", clock.now(), SETTINGS)
    assert not first.acted and not second.acted
    assert third.delete == (("2", None), ("3", None)) and third.first_repeat
    assert fourth.delete == (("4", None),) and not fourth.first_repeat


def test_guard_repeats_expire(clock: FakeClock) -> None:
    guard = FloodGuard()
    for n in range(3):
        assert not guard.observe(KEY, str(n), None, "same", clock.now(), SETTINGS).acted
        clock.advance(timedelta(minutes=1, seconds=1))


def test_disabled_guard_does_nothing(clock: FakeClock) -> None:
    guard = FloodGuard()
    off = SETTINGS.model_copy(update={"enabled": False})
    for n in range(10):
        assert not guard.observe(KEY, str(n), None, "same", clock.now(), off).acted


FLOOD = BASIC_CONFIG + """
[community.antiflood]
messages = 4
window = "10s"
mute = "15m"
repeats = 3
repeat_window = "2m"
"""


async def _flood_app(write_config, clock):
    return await create_app(load_config(write_config(FLOOD)), clock=clock, instance_id="t")


async def test_flooding_member_is_muted(write_config, clock: FakeClock) -> None:
    app = await _flood_app(write_config, clock)
    try:
        core = moderation_core(app)
        outs = []
        for n in range(4):
            outs.append(await run(app, message(f"msg {n}", author=OTHER), core))
            clock.advance(timedelta(seconds=1))
        assert outs[:3] == [[], [], []]
        [mute] = of(outs[3], Mute)
        assert mute.user == OTHER.ref and mute.until == clock.now() - timedelta(seconds=1) \
            + timedelta(minutes=15)
        assert texts(app, outs[3]) == ["@eve, please slow down. Muted for 15m."]
        async with app.uow_factory() as uow:
            [record] = await uow.audit.since("demo", datetime(2000, 1, 1, tzinfo=UTC))
        assert (record.action, record.actor) == ("flood.mute", "auto:antiflood")
    finally:
        await app.close()


async def test_repeated_text_is_deleted(write_config, clock: FakeClock) -> None:
    app = await _flood_app(write_config, clock)
    try:
        core = moderation_core(app)
        outs = []
        for n in range(3):
            outs.append(await run(app, message("join my channel", author=OTHER,
                                               message_id=f"r{n}"), core))
            clock.advance(timedelta(seconds=30))
        assert outs[0] == [] and outs[1] == []
        assert [d.message_id for d in of(outs[2], DeleteMessage)] == ["r1", "r2"]
        assert keys(outs[2]) == ["moderation.flood.repeats"]
        assert not of(outs[2], Mute)
    finally:
        await app.close()


async def test_flood_mute_degrades_on_vk(write_config, clock: FakeClock) -> None:
    app = await _flood_app(write_config, clock)
    try:
        core = moderation_core(app)
        out: list = []
        for n in range(4):
            out = await run(app, message(f"m{n}", chat=VK_CHAT, author=VK_MEMBER), core)
        assert of(out, Kick) and not of(out, Mute)
        assert "VK has no mute: removed from the chat instead." in texts(app, out)[0]
        wall: list = []
        for n in range(4):
            wall = await run(app, message(f"w{n}", chat=WALL, author=VK_MEMBER), core)
        [ban] = of(wall, Ban)
        assert ban.until == clock.now() + timedelta(minutes=15)
    finally:
        await app.close()


async def test_protected_members_and_edits_are_exempt(write_config, clock: FakeClock) -> None:
    app = await _flood_app(write_config, clock)
    try:
        app.admin_cache.set_source(FakeAdmins({TG_CHAT: {"777"}}))
        core = moderation_core(app)
        for n in range(6):
            assert await run(app, message("same", author=ADMIN), core) == []
            assert await run(app, message(f"edit {n}", author=OTHER, edited=True), core) == []
    finally:
        await app.close()
