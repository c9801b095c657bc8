"""VK names are cached, but not for ever: a member who renames is named anew within hours."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.core.chats import ChatRef, UserRef
from bot.core.events import Author, IncomingMessage
from handlers.vk.names import NAME_TTL, VkNames


class FakeVk:
    """users.get answering with whatever name the member has now; counts the calls."""

    def __init__(self) -> None:
        self.name = "Old Name"
        self.calls = 0

    async def call(self, method: str, params: dict[str, Any], **_: Any) -> Any:
        if method == "users.get":
            self.calls += 1
            first, last = self.name.split()
            return [{"id": 501, "first_name": first, "last_name": last, "screen_name": "id501"}]
        return {"items": []}


def _message() -> IncomingMessage:
    return IncomingMessage(event_id="vk:1", chat=ChatRef("vk", "2000000001"), message_id="1",
                           author=Author(UserRef("vk", "501"), "id501", None), text="hi",
                           date=datetime(2026, 11, 28, tzinfo=UTC))


async def test_a_renamed_member_is_named_anew_after_the_cache_time() -> None:
    vk, clock = FakeVk(), [1000.0]
    names = VkNames(vk, monotonic=lambda: clock[0])  # type: ignore[arg-type]
    (first,) = await names.enrich([_message()])
    vk.name = "New Name"
    clock[0] += 60
    (soon,) = await names.enrich([_message()])
    clock[0] += NAME_TTL
    (later,) = await names.enrich([_message()])
    assert isinstance(first, IncomingMessage) and first.author.name == "Old Name"
    assert isinstance(soon, IncomingMessage) and soon.author.name == "Old Name"
    assert isinstance(later, IncomingMessage) and later.author.name == "New Name"
    assert vk.calls == 2
