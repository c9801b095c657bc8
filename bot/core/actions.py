"""Actions: what the core decided; adapters execute them and report results back by `ref`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core.chats import ChatRef, UserRef
from bot.core.texts import Text


@dataclass(frozen=True, slots=True)
class Button:
    """An inline (Telegram) or callback (VK) button; `data` comes back in CallbackPressed."""

    label: Text
    data: str


@dataclass(frozen=True, slots=True)
class SendMessage:
    """Send text to a chat, optionally as a reply and with buttons.

    `ref` names what the message is for (e.g. "ticket-card:5") so the runtime can record the
    platform's message id; `delete_after` keeps the chat clean by removing bot notices later.
    """

    chat: ChatRef
    text: Text
    lang: str
    reply_to: str | None = None
    thread_id: str | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()
    delete_after: timedelta | None = None
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class EditMessage:
    """Edit a message the bot sent before (queue cards are edited in place)."""

    chat: ChatRef
    message_id: str
    text: Text
    lang: str
    buttons: tuple[tuple[Button, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class DeleteMessage:
    chat: ChatRef
    message_id: str
    # VK wall: the post a comment is under; without it the message is the wall post itself
    thread_id: str | None = None
    # e.g. "deleted:CHAT|": the filter learns the bot can delete in that chat again
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class Mute:
    """Restrict a member from writing until `until` (None = until unmuted)."""

    chat: ChatRef
    user: UserRef
    until: datetime | None
    thread_id: str | None = None  # the forum topic a failure notice goes to


@dataclass(frozen=True, slots=True)
class Unmute:
    chat: ChatRef
    user: UserRef


@dataclass(frozen=True, slots=True)
class Ban:
    """Ban a member, or a channel a member posted as (`sender_chat=True`)."""

    chat: ChatRef
    user: UserRef
    until: datetime | None
    sender_chat: bool = False
    thread_id: str | None = None  # the forum topic a failure notice goes to
    ref: str | None = None  # e.g. "ticket-ban:5": the ticket resolved once the ban holds


@dataclass(frozen=True, slots=True)
class Unban:
    chat: ChatRef
    user: UserRef
    sender_chat: bool = False


@dataclass(frozen=True, slots=True)
class Kick:
    chat: ChatRef
    user: UserRef
    thread_id: str | None = None  # the forum topic a failure notice goes to


@dataclass(frozen=True, slots=True)
class Publish:
    """A scheduled post; `ref` is "occurrence:ID" so the scheduler records the outcome."""

    chat: ChatRef
    text: str
    photo: str | None
    ref: str
    publish_at: datetime | None = None  # VK postponed wall posts
    thread_id: str | None = None  # a Telegram forum topic


@dataclass(frozen=True, slots=True)
class AnswerCallback:
    callback_id: str
    chat: ChatRef
    text: Text
    lang: str
    alert: bool = False


@dataclass(frozen=True, slots=True)
class LeaveChat:
    chat: ChatRef


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What executing an action produced: the platform message id, or an error."""

    ok: bool
    message_id: str | None = None
    error: str | None = None
    permanent: bool = False  # a retry cannot help (no rights, bot not in chat)
    details: dict[str, str] = field(default_factory=dict)


Action = (
    SendMessage
    | EditMessage
    | DeleteMessage
    | Mute
    | Unmute
    | Ban
    | Unban
    | Kick
    | Publish
    | AnswerCallback
    | LeaveChat
)


@dataclass(frozen=True, slots=True)
class NotifyQueue:
    """Post to a community's queue chat (complaint cards, audit lines, failures a human must see).

    The queue may be on the other network; the runtime routes it there.
    """

    queue: ChatRef
    text: Text
    lang: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    ref: str | None = None


AnyAction = Action | NotifyQueue
