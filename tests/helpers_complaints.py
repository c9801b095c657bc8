"""Small builders for complaint tests: events, a recording executor per network, lookups."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from bot.app import App
from bot.core.actions import ActionResult, AnyAction, NotifyQueue
from bot.core.chats import ChatRef, UserRef
from bot.core.complaints.ports import TicketEventRecord, TicketRecord
from bot.core.events import Author, CallbackPressed, IncomingMessage, ReplyTarget
from bot.core.texts import Text

TG_GROUP = ChatRef("telegram", "-1001")
VK_CHAT = ChatRef("vk", "2000000001")
QUEUE = ChatRef("telegram", "-2002")
MODERATOR = "900"
_ids = itertools.count(1)


class Recorder:
    """A fake network: records every action and answers with increasing message ids."""

    def __init__(self, platform: str = "telegram", start: int = 500) -> None:
        self.platform = platform
        self.actions: list[AnyAction] = []
        self._next = itertools.count(start)

    async def execute(self, action: AnyAction) -> ActionResult:
        self.actions.append(action)
        return ActionResult(ok=True, message_id=str(next(self._next)))

    def of(self, kind: type) -> list:
        return [a for a in self.actions if isinstance(a, kind)]

    def cards(self) -> list[NotifyQueue]:
        return [a for a in self.of(NotifyQueue) if a.ref and a.ref.startswith("ticket-card:")]


def recorders(app: App) -> tuple[Recorder, Recorder]:
    telegram, vk = Recorder("telegram", 500), Recorder("vk", 800)
    app.router.add(telegram)
    app.router.add(vk)
    return telegram, vk


def author(user: str, platform: str = "telegram", name: str = "") -> Author:
    return Author(UserRef(platform, user), name or f"user{user}")


def message(text: str, *, user: str = "5", chat: ChatRef = TG_GROUP,
            reply_to: str | None = None, reply_author: str | None = "66",
            reply_text: str = "you are all idiots", message_id: str | None = None,
            event_id: str | None = None, link: str | None = None) -> IncomingMessage:
    """A message in `chat`; with `reply_to`, a reply to message `reply_to` by `reply_author`."""
    mid = message_id or str(next(_ids) + 1000)
    target = None
    if reply_to is not None:
        reply_by = author(reply_author, chat.platform) if reply_author else None
        target = ReplyTarget(message_id=reply_to, author=reply_by, text=reply_text)
    return IncomingMessage(
        event_id=event_id or f"{chat}:{mid}", chat=chat, message_id=mid,
        author=author(user, chat.platform), text=text,
        date=datetime(2026, 3, 2, 9, 0, tzinfo=UTC), reply_to=target, link=link,
    )


def report(reason: str = "", *, user: str = "5", target: str = "77",
           chat: ChatRef = TG_GROUP, reported: str | None = "66",
           prefix: str = "/") -> IncomingMessage:
    text = f"{prefix}report {reason}".strip()
    return message(text, user=user, chat=chat, reply_to=target, reply_author=reported)


def private(text: str, *, user: str = "5", platform: str = "telegram") -> IncomingMessage:
    return message(text, user=user, chat=ChatRef(platform, user))


def press(data: str, *, user: str = MODERATOR, chat: ChatRef = QUEUE,
          card_message_id: str = "500") -> CallbackPressed:
    n = next(_ids)
    return CallbackPressed(
        event_id=f"cb:{n}", chat=chat, message_id=card_message_id,
        author=author(user, chat.platform), data=data, callback_id=f"q{n}",
        date=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
    )


async def ticket(app: App, number: int, community: str = "demo") -> TicketRecord:
    async with app.uow_factory() as uow:
        found = await uow.tickets.by_number(community, number)
    assert found is not None, f"no ticket #{number}"
    return found


async def tickets(app: App, community: str = "demo") -> list[TicketRecord]:
    async with app.uow_factory() as uow:
        return await uow.tickets.in_states(
            community, ("new", "claimed", "resolved", "rejected"), 1000)


async def history(app: App, number: int) -> list[TicketEventRecord]:
    found = await ticket(app, number)
    async with app.uow_factory() as uow:
        return await uow.tickets.events(found.id)


def render(app: App, text: Text, lang: str = "en") -> str:
    return app.catalog.render(text, lang)


def keys(actions: list[AnyAction]) -> list[str]:
    """Catalog keys of the messages among `actions` (what people were told)."""
    return [a.text.key for a in actions if hasattr(a, "text") and isinstance(a.text, Text)]
