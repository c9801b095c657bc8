"""Small core pieces: chat references, durations, command parsing, permissions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.chats import ChatRef, ChatRefError, UserRef
from bot.core.clock import FakeClock
from bot.core.commands import parse_command
from bot.core.durations import DurationError, format_duration, join_spaced, parse_duration
from bot.core.events import Author, SenderKind
from bot.core.permissions import AdminCache, Permissions
from bot.core.settings import CommunitySettings


@pytest.mark.parametrize("text", ["telegram:-1001234567890", "vk:2000000001", "vk:wall",
                                  "telegram:12345"])
def test_chat_refs_round_trip(text: str) -> None:
    assert str(ChatRef.parse(text)) == text


@pytest.mark.parametrize("text", ["telegram", "tg:-1", "telegram:abc", "vk:-5", "vk:", ":1"])
def test_bad_chat_refs(text: str) -> None:
    with pytest.raises(ChatRefError):
        ChatRef.parse(text)


def test_private_chats() -> None:
    assert ChatRef.parse("telegram:555").is_private
    assert not ChatRef.parse("telegram:-1001").is_private
    assert ChatRef.parse("vk:555").is_private
    assert not ChatRef.parse("vk:2000000001").is_private
    assert not ChatRef.parse("vk:wall").is_private


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("10m", 600), ("2h", 7200),
                                               ("3d", 259200), ("1w", 604800),
                                               ("1h30m", 5400), ("10м", 600),
                                               ("10min", 600), ("2hours", 7200),
                                               ("1day", 86400), ("10мин", 600),
                                               ("2часа", 7200), ("3дня", 259200),
                                               ("1сутки", 86400), ("2нед", 1209600)])
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "10", "10x", "m", "-5m", "0m", "1.5h", "10months",
                                  "10 bananas", "m10"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(DurationError):
        parse_duration(text)


def test_format_duration() -> None:
    assert format_duration(timedelta(minutes=90)) == "1h30m"


def test_command_parsing() -> None:
    parsed = parse_command("/ban@modbot 1d spam", "telegram")
    assert parsed is not None and (parsed.name, parsed.args) == ("ban", "1d spam")
    assert parse_command("!report rude", "vk") is not None
    assert parse_command("!report rude", "telegram") is None
    assert parse_command("hello /ban", "telegram") is None


class Admins:
    def __init__(self) -> None:
        self.calls = 0

    async def admin_ids(self, chat: ChatRef) -> frozenset[str]:
        self.calls += 1
        return frozenset({"77"})


async def test_permissions_by_sender_kind() -> None:
    clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
    source = Admins()
    cache = AdminCache(source, clock, timedelta(minutes=5))
    perms = Permissions(cache)
    community = CommunitySettings(name="c", chats=["telegram:-1001"], moderators=["telegram:5"])
    chat = ChatRef.parse("telegram:-1001")

    def who(user: str, kind: SenderKind = SenderKind.MEMBER) -> Author:
        return Author(UserRef("telegram", user), "x", kind=kind)

    assert await perms.is_moderator(community, chat, who("77"))
    assert await perms.is_moderator(community, chat, who("5"))
    assert not await perms.is_moderator(community, chat, who("8"))
    assert await perms.is_moderator(community, chat, who("-1001", SenderKind.ANONYMOUS_ADMIN))
    assert not await perms.is_moderator(community, chat, who("77", SenderKind.FORWARDED))
    assert not await perms.is_moderator(community, chat, who("-100500", SenderKind.CHANNEL))
    calls = source.calls
    clock.advance(timedelta(minutes=4))
    await perms.is_moderator(community, chat, who("8"))
    assert source.calls == calls
    clock.advance(timedelta(minutes=2))
    await perms.is_moderator(community, chat, who("8"))
    assert source.calls == calls + 1


async def test_each_network_keeps_its_admin_lists_for_its_own_admins_ttl() -> None:
    clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
    source = Admins()
    cache = AdminCache(source, clock, timedelta(minutes=5),
                       {"telegram": timedelta(minutes=5), "vk": timedelta(minutes=1)})
    telegram, vk = ChatRef.parse("telegram:-1001"), ChatRef.parse("vk:2000000001")
    await cache.admins(telegram)
    await cache.admins(vk)
    clock.advance(timedelta(minutes=2))
    await cache.admins(telegram)
    assert source.calls == 2  # Telegram's list is still fresh
    await cache.admins(vk)
    assert source.calls == 3  # VK's was kept one minute


async def test_an_unreadable_admin_list_is_not_asked_for_every_message() -> None:
    from bot.core.permissions import AdminsUnavailable

    class Failing:
        calls = 0

        async def admin_ids(self, chat: ChatRef) -> frozenset[str]:
            Failing.calls += 1
            raise RuntimeError("getChatAdministrators: 404")

    clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
    cache = AdminCache(Failing(), clock, timedelta(minutes=5))
    chat = ChatRef.parse("telegram:-1001")
    with pytest.raises(RuntimeError):
        await cache.admins(chat)
    with pytest.raises(AdminsUnavailable):
        await cache.admins(chat)
    assert Failing.calls == 1
    clock.advance(timedelta(minutes=2))
    with pytest.raises(RuntimeError):
        await cache.admins(chat)
    assert Failing.calls == 2


@pytest.mark.parametrize(("words", "joined"), [
    ("1 час", ["1час"]),
    ("2 часа флуд", ["2часа", "флуд"]),
    ("15 мин. спам", ["15мин", "спам"]),
    ("2 часа 30 минут причина", ["2часа30минут", "причина"]),
    ("@bob 1 hour", ["@bob", "1hour"]),
    ("1 неделю", ["1неделю"]),
    # a one-letter word that is also a preposition is not a unit written apart
    ("5 с ним", ["5", "с", "ним"]),
    ("2nd time", ["2nd", "time"]),
])
def test_a_number_and_its_unit_written_apart_are_one_duration(words: str,
                                                               joined: list[str]) -> None:
    assert join_spaced(words.split()) == joined
    for word in joined:
        if word[0].isdigit() and word not in ("5", "2nd"):
            parse_duration(word)
