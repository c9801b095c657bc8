"""Builders for moderation tests: a tiny content filter, fake chat admins, events, a Core
with a chosen filter, and a recording executor."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.app import App
from bot.core.actions import ActionResult, AnyAction, SendMessage
from bot.core.chats import ChatRef, UserRef
from bot.core.core import Core
from bot.core.directory import Directory
from bot.core.events import Author, Event, IncomingMessage, ReplyTarget, SenderKind
from bot.core.moderation.feature import ModerationFeature
from bot.core.ports import ContentFilter
from bot.core.texts import Text

TG_CHAT = ChatRef("telegram", "-1001")
VK_CHAT = ChatRef("vk", "2000000001")
WALL = ChatRef("vk", "wall")
QUEUE = ChatRef("telegram", "-2002")

MEMBER = Author(UserRef("telegram", "501"), "Bob", "bob")
OTHER = Author(UserRef("telegram", "502"), "Eve", "eve")
ADMIN = Author(UserRef("telegram", "777"), "Ann", "ann")
LISTED_MODERATOR = Author(UserRef("telegram", "900"), "Mo", "mo")
ANONYMOUS_ADMIN = Author(UserRef("telegram", "-1001"), "Group", None, SenderKind.ANONYMOUS_ADMIN)
FORWARDED = Author(UserRef("telegram", "777"), "Ann", "ann", SenderKind.FORWARDED)
CHANNEL = Author(UserRef("telegram", "-100555"), "Bob's channel", "bobchan", SenderKind.CHANNEL)
VK_MEMBER = Author(UserRef("vk", "301"), "Vasya", None)

_ids = itertools.count(1000)


@dataclass(frozen=True)
class FakeMatch:
    word: str
    start: int
    end: int
    fragment: str
    normalized: str
    lexicon: str = "test"


@dataclass(frozen=True)
class FakeVerdict:
    matches: tuple[FakeMatch, ...] = ()

    @property
    def obscene(self) -> bool:
        return bool(self.matches)

    def explain(self) -> str:
        return "; ".join(f"{m.word!r} at {m.start}-{m.end} ({m.lexicon})" for m in self.matches)


@dataclass
class FakeFilter:
    """Flags the word "badword" (and any extra words), nothing else."""

    words: tuple[str, ...] = ("badword",)
    checked: list[str] = field(default_factory=list)

    def check(self, text: str) -> FakeVerdict:
        self.checked.append(text)
        found = []
        for word in self.words:
            for hit in re.finditer(re.escape(word), text, re.IGNORECASE):
                found.append(FakeMatch(word, hit.start(), hit.end(), hit.group(0), word))
        return FakeVerdict(tuple(found))


class FakeAdmins:
    """ChatAdmins: who administers each chat; mutable so tests can demote someone."""

    def __init__(self, admins: Mapping[ChatRef, set[str]] | None = None) -> None:
        self.admins: dict[ChatRef, set[str]] = {k: set(v) for k, v in (admins or {}).items()}
        self.calls = 0

    async def admin_ids(self, chat: ChatRef) -> frozenset[str]:
        self.calls += 1
        return frozenset(self.admins.get(chat, set()))


class Recorder:
    """A fake network that records actions and answers with increasing message ids."""

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.actions: list[AnyAction] = []
        self._next = itertools.count(5000)

    async def execute(self, action: AnyAction) -> ActionResult:
        self.actions.append(action)
        return ActionResult(ok=True, message_id=str(next(self._next)))


def message(text: str, *, chat: ChatRef = TG_CHAT, author: Author = MEMBER,
            reply_to: Author | None = None, reply_id: str = "77", reply_text: str = "hey",
            edited: bool = False, thread_id: str | None = None, message_id: str | None = None,
            mentions: tuple[tuple[str, UserRef], ...] = ()) -> IncomingMessage:
    mid = message_id or str(next(_ids))
    if chat.is_vk_wall and thread_id is None:
        thread_id = "10"
    reply = ReplyTarget(reply_id, reply_to, reply_text) if reply_to is not None else None
    return IncomingMessage(event_id=f"{chat}:{mid}:{next(_ids)}", chat=chat, message_id=mid,
                           author=author, text=text, date=datetime(2026, 3, 2, tzinfo=UTC),
                           reply_to=reply, edited=edited, thread_id=thread_id,
                           mentions=mentions)


def moderation_core(app: App, filters: Mapping[str, ContentFilter] | None = None) -> Core:
    """A Core with only the moderation feature, over the app's DB, permissions and clock."""
    return Core(Directory(app.config.app.community), app.core.permissions, app.clock,
                [ModerationFeature(filters if filters is not None else {"demo": FakeFilter()})])


async def run(app: App, event: Event, core: Core | None = None) -> list[AnyAction]:
    """One event through the Core in its own committed transaction."""
    async with app.uow_factory() as uow:
        actions = await (core or app.core).handle(event, uow)
        await uow.commit()
    return actions


def of(actions: Sequence[AnyAction], kind: type) -> list:
    return [a for a in actions if isinstance(a, kind)]


def texts(app: App, actions: Sequence[AnyAction], lang: str = "en") -> list[str]:
    """What members would read: every SendMessage rendered."""
    return [app.catalog.render(a.text, lang) for a in of(actions, SendMessage)]


def keys(actions: Sequence[AnyAction]) -> list[str]:
    """Catalog keys of sent messages, looking through the notice's head."""
    out = []
    for action in of(actions, SendMessage):
        text: Text = action.text
        head = text.params.get("head")
        out.append(head.key if isinstance(head, Text) else text.key)
    return out
