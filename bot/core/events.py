"""Neutral events: what adapters map each platform update into, once, at the edge."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.core.chats import ChatRef, UserRef


class SenderKind(StrEnum):
    """Who stands behind a message; only MEMBER and ANONYMOUS_ADMIN can be moderators."""

    MEMBER = "member"
    ANONYMOUS_ADMIN = "anonymous_admin"  # an admin posting on behalf of the group
    CHANNEL = "channel"  # a member posting as a channel (Telegram sender_chat)
    FORWARDED = "forwarded"  # a forwarded message: its text is someone else's words
    BOT = "bot"


#: direction overrides, embeddings and isolates: left in a name, an unclosed one reverses the
#: rest of every bot notice that quotes it (a troll's way to make warnings unreadable); and
#: invisible characters ("Ad\u200bmin"), with which an impersonator's name reads like an
#: admin's on a ticket card yet is not found by searching the chat. Joiners are kept where
#: they join emoji (👨‍👩‍👧), dropped between letters.
_INVISIBLE = re.compile(
    "[\u202a-\u202e\u2066-\u2069\u200b\u200e\u200f\u2060-\u2064\ufeff\u00ad]"
    "|(?<=\\w)[\u200c\u200d]|[\u200c\u200d](?=\\w)")


def visible(text: str) -> str:
    """``text`` without direction controls and invisible characters (see _INVISIBLE)."""
    return _INVISIBLE.sub("", text) if _INVISIBLE.search(text) else text
# A chosen name the bot must not repeat: a mention or something a client turns into a link.
_PING_OR_LINK = re.compile(
    r"@|://|www\.|\b[\w-]+\.(?:me|com|ru|org|net|io|ly|gg|xyz|link|site|top|info|biz|cc|su|"
    r"рф|dev|app|tv|co|to|pro|club|online|shop)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Author:
    """The sender as the core needs it; `ref` is stable, names are for display only."""

    ref: UserRef
    name: str
    username: str | None = None
    kind: SenderKind = SenderKind.MEMBER

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", visible(self.name))

    @property
    def display(self) -> str:
        """@username (the platform vouches for it), else the name, unless the name would
        ping someone or advertise ("@boss_admin", "t.me/scam" as a first name): then the id."""
        if self.username:
            return f"@{self.username}"
        if not self.name.strip() or _PING_OR_LINK.search(self.name):
            return f"id{self.ref.user_id}"
        return self.name

    @property
    def plain_name(self) -> str:
        """The chosen name alone, or "" when it would ping or advertise: for lines read on
        either network (the audit line), where a @username may be a stranger's handle."""
        if not self.name.strip() or _PING_OR_LINK.search(self.name):
            return ""
        return self.name

    @property
    def card_name(self) -> str:
        """The name and the @username together ("Спамер @spammer"): on a ticket card the
        moderator looks for the name the chat shows, and may need the handle to act."""
        if self.username and self.name.strip() and not _PING_OR_LINK.search(self.name):
            return f"{self.name} @{self.username}"
        return self.display

    def renamed(self, name: str) -> Author:
        """The same sender shown by ``name`` (the @username, which could carry the same
        word, is dropped)."""
        return Author(self.ref, name, None, self.kind)


@dataclass(frozen=True, slots=True)
class ReplyTarget:
    """The message a command or report replies to."""

    message_id: str
    author: Author | None
    text: str
    photo: str | None = None
    link: str | None = None  # where the platform has message links (a ticket card shows it)
    media: str | None = None  # what a message without text was: "sticker 🖕", "video", …
    # Set only for a message forwarded into a private chat with the bot (VK): the chat it
    # came from, to which message_id belongs; a private /report then points at it.
    chat: ChatRef | None = None


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """A chat message, a private message or a VK wall comment."""

    event_id: str  # unique per platform update, for idempotency
    chat: ChatRef
    message_id: str
    author: Author
    text: str
    date: datetime
    reply_to: ReplyTarget | None = None
    thread_id: str | None = None  # VK wall post id for comments
    photo: str | None = None
    edited: bool = False
    link: str | None = None  # a URL to the message where the platform has one
    mentions: tuple[tuple[str, UserRef], ...] = field(default=())  # (@username, resolved ref)
    for_other_bot: bool = False  # "/ban@otherbot": a command meant for another bot in the group
    album: str | None = None  # Telegram media_group_id: an album's photos are one post
    # What else the message shows that is not its own text: forwarded messages and the
    # labels of VK mention links ("[id7|any words]" reads as those words). The filter judges
    # it; commands and the FAQ read `text` only.
    shown: str = ""
    # VK mention labels with the member they link to; the adapter drops the ones that are
    # just that member's real name (VK fills them in), the rest are the writer's words.
    labels: tuple[tuple[str, UserRef], ...] = field(default=())
    poll: bool = False  # the text is a poll's question and options (judged, never answered)
    chat_title: str = ""  # the group's title (Telegram sends it; VK: messages.getConversationsById)

    def __post_init__(self) -> None:
        object.__setattr__(self, "chat_title", visible(self.chat_title))

    @property
    def is_private(self) -> bool:
        return self.chat.is_private


@dataclass(frozen=True, slots=True)
class CallbackPressed:
    """A button press (Telegram callback query, VK message_event)."""

    event_id: str
    chat: ChatRef
    message_id: str  # the message that carries the button
    author: Author
    data: str
    callback_id: str
    date: datetime


@dataclass(frozen=True, slots=True)
class MemberChanged:
    """Someone joined or left a chat, the bot itself was added somewhere, or its admin rights
    there were given or taken (``admin``; then ``joined`` is True: it is still in)."""

    event_id: str
    chat: ChatRef
    user: Author
    joined: bool
    is_bot_itself: bool
    date: datetime
    chat_title: str = ""
    # a channel: anything the bot says there is a post to every subscriber
    broadcast: bool = False
    # the bot itself stayed in the chat but its admin rights changed: True made an admin,
    # False made an ordinary member (it can no longer delete, mute or ban there)
    admin: bool | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "chat_title", visible(self.chat_title))


@dataclass(frozen=True, slots=True)
class ChatMigrated:
    """Telegram turned a group into a supergroup: the same chat under a new id from now on.

    It happens without the owner asking (making the group public, turning on topics, passing
    200 members), so the configured id goes stale while members keep writing in the new one.
    """

    event_id: str
    chat: ChatRef  # the new id
    previous: ChatRef  # the id the config may name
    date: datetime


Event = IncomingMessage | CallbackPressed | MemberChanged | ChatMigrated
