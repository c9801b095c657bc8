"""Who may use moderator commands: every command, sent by a member, an admin, an anonymous
admin, a forwarded message (of an admin's words) and a channel sender. Admins come from a
fake ChatAdmins behind the app's admin cache."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

import pytest

from bot.core.actions import AnyAction, Ban, DeleteMessage, Kick, Mute, Unban, Unmute
from bot.core.chats import UserRef
from bot.core.clock import FakeClock
from bot.core.events import Author
from tests.helpers_moderation import (
    ADMIN,
    ANONYMOUS_ADMIN,
    CHANNEL,
    FORWARDED,
    MEMBER,
    OTHER,
    QUEUE,
    TG_CHAT,
    VK_CHAT,
    VK_MEMBER,
    FakeAdmins,
    keys,
    message,
    moderation_core,
    of,
    run,
)

Check = Callable[[Sequence[AnyAction]], bool]


def _said(key: str) -> Check:
    return lambda actions: key in keys(actions)


# What each command visibly does when a moderator sends it in reply to Eve's message.
EFFECT: dict[str, Check] = {
    "warn": _said("moderation.done.warn"),
    "unwarn": _said("moderation.no_warnings"),
    "warns": _said("moderation.no_warnings"),
    "mute": lambda a: bool(of(a, Mute)),
    "unmute": lambda a: bool(of(a, Unmute)),
    "ban": lambda a: bool(of(a, Ban)),
    "unban": lambda a: bool(of(a, Unban)),
    "kick": lambda a: bool(of(a, Kick)),
    "del": lambda a: len(of(a, DeleteMessage)) == 2,
}
SENDERS: dict[str, tuple[Author, bool]] = {
    "member": (MEMBER, False),
    "admin": (ADMIN, True),
    "anonymous_admin": (ANONYMOUS_ADMIN, True),
    "forwarded": (FORWARDED, False),  # an admin's id, but forwarded words are not a command
    "channel": (CHANNEL, False),
}


@pytest.fixture
def admins(app) -> FakeAdmins:
    source = FakeAdmins({TG_CHAT: {"777"}})
    app.admin_cache.set_source(source)
    return source


@pytest.mark.parametrize("sender", SENDERS)
@pytest.mark.parametrize("command", EFFECT)
async def test_every_command_by_every_sender_kind(app, admins, command: str, sender: str) -> None:
    author, allowed = SENDERS[sender]
    out = await run(app, message(f"/{command}", author=author, reply_to=OTHER))
    if allowed:
        assert EFFECT[command](out), (command, sender, out)
        assert "common.not_moderator" not in keys(out)
    elif sender == "forwarded":
        assert out == [], (command, sender, out)  # a quote of a command is not a command
    else:
        assert keys(out) == ["common.not_moderator"], (command, sender, out)
        assert len(out) == 1  # nothing but the polite refusal


async def test_refusal_comes_once_per_cooldown(app, admins, clock: FakeClock) -> None:
    first = await run(app, message("/ban", reply_to=OTHER))
    assert keys(first) == ["common.not_moderator"]
    assert await run(app, message("/mute", reply_to=OTHER)) == []
    clock.advance(timedelta(minutes=11))
    assert keys(await run(app, message("/kick", reply_to=OTHER))) == ["common.not_moderator"]


async def test_vk_bang_prefix_and_refusal_on_vk(app) -> None:
    out = await run(app, message("!ban", chat=VK_CHAT, author=VK_MEMBER, reply_to=OTHER))
    assert keys(out) == ["common.not_moderator"]


async def test_admin_rights_expire_with_the_cache(app, admins, clock: FakeClock) -> None:
    assert of(await run(app, message("/mute", author=ADMIN, reply_to=OTHER)), Mute)
    admins.admins[TG_CHAT].discard("777")
    clock.advance(timedelta(seconds=60))  # still cached
    assert of(await run(app, message("/mute", author=ADMIN, reply_to=OTHER)), Mute)
    clock.advance(timedelta(seconds=300))  # cache expired: Ann is a member now
    assert keys(await run(app, message("/mute", author=ADMIN, reply_to=OTHER))) == \
        ["common.not_moderator"]


async def test_listed_moderator_works_from_the_queue(app, admins) -> None:
    out = await run(app, message("/ban 502 spam", chat=QUEUE, author=Author(
        UserRef("telegram", "900"), "Mo")))
    [ban] = of(out, Ban)
    assert ban.chat == TG_CHAT


async def test_admin_of_the_queue_chat_is_a_moderator_there(app) -> None:
    app.admin_cache.set_source(FakeAdmins({QUEUE: {"888"}}))
    mod = Author(UserRef("telegram", "888"), "Q")
    assert of(await run(app, message("/kick 502", chat=QUEUE, author=mod)), Kick)


async def test_members_cannot_use_commands_in_the_queue_either(app, admins) -> None:
    assert keys(await run(app, message("/ban 502", chat=QUEUE, author=MEMBER))) == \
        ["common.not_moderator"]


class BrokenAdmins(FakeAdmins):
    """Admin lists that cannot be read for some chats (the bot was removed, the API is down)."""

    def __init__(self, admins, broken) -> None:
        super().__init__(admins)
        self.broken = set(broken)

    async def admin_ids(self, chat):
        if chat in self.broken:
            raise RuntimeError("getChatAdministrators failed")
        return await super().admin_ids(chat)


async def test_an_unreadable_other_chat_neither_breaks_nor_disarms_moderation(app) -> None:
    app.admin_cache.set_source(BrokenAdmins({TG_CHAT: {"777"}}, broken={QUEUE}))
    assert of(await run(app, message("/kick", author=ADMIN, reply_to=OTHER)), Kick)
    assert keys(await run(app, message("/kick", reply_to=OTHER))) == ["common.not_moderator"]
    punished = await run(app, message("badword"), moderation_core(app))
    assert of(punished, DeleteMessage)


async def test_when_this_chats_admins_are_unknown_the_filter_still_acts(app) -> None:
    app.admin_cache.set_source(BrokenAdmins({}, broken={TG_CHAT}))
    assert of(await run(app, message("badword"), moderation_core(app)), DeleteMessage)
    assert keys(await run(app, message("/kick", reply_to=OTHER))) == ["common.not_moderator"]
