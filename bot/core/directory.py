"""Which community a chat belongs to, and in what role (its chat, its queue, a private chat)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.core.chats import ChatRef, UserRef
from bot.core.ports import UnitOfWork
from bot.core.settings import CommunitySettings


class Role(StrEnum):
    CHAT = "chat"
    QUEUE = "queue"
    PRIVATE = "private"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Placement:
    role: Role
    community: CommunitySettings | None


class Directory:
    """Boundaries: the bot acts only in configured chats and queues (and private chats)."""

    def __init__(self, communities: Sequence[CommunitySettings]) -> None:
        self.communities = tuple(communities)
        languages = {c.language for c in self.communities}
        #: for a chat outside every community: the communities' language when they share one
        self.default_language = languages.pop() if len(languages) == 1 else "en"
        self._chats = {chat: c for c in self.communities for chat in c.chats}
        self._queues = {c.queue: c for c in self.communities if c.queue is not None}
        self._aliases: dict[ChatRef, ChatRef] = {}  # a migrated chat's new id -> configured id
        self._titles: dict[ChatRef, str] = {}  # the last title seen, for configured chats only

    def note_title(self, chat: ChatRef, title: str) -> None:
        """Remember a configured chat's title as events bring it, so notices sent elsewhere
        (the queue) can name it; strangers' chats are not kept (the map stays bounded)."""
        if title and self.is_known(chat):
            self._titles[self.configured(chat)] = title

    def title(self, chat: ChatRef) -> str:
        """The chat's last seen title, or "" (not seen since the start)."""
        return self._titles.get(self.configured(chat), "")

    def label(self, chat: ChatRef) -> str:
        """How a notice names a chat to moderators who look after several: its title when
        one was seen, and its id (which config.toml uses)."""
        title = self.title(chat)
        return f"{title} ({chat})" if title else str(chat)

    def alias(self, new: ChatRef, configured: ChatRef) -> None:
        """From now on `new` is placed as `configured` (a group Telegram made a supergroup)."""
        self._aliases[new] = configured

    def by_name(self, name: str) -> CommunitySettings | None:
        return next((c for c in self.communities if c.name == name), None)

    def configured(self, chat: ChatRef) -> ChatRef:
        """The id the config knows this chat by (itself unless it migrated)."""
        return self._aliases.get(chat, chat)

    def place(self, chat: ChatRef) -> Placement:
        """A chat that is both a community chat and a queue counts as the chat."""
        chat = self.configured(chat)
        if chat in self._chats:
            return Placement(Role.CHAT, self._chats[chat])
        if chat in self._queues:
            return Placement(Role.QUEUE, self._queues[chat])
        if chat.is_private:
            return Placement(Role.PRIVATE, self.default_for(chat.platform))
        return Placement(Role.UNKNOWN, None)

    def default_for(self, platform: str) -> CommunitySettings | None:
        """The community a private chat on this network belongs to (the first one on it)."""
        for community in self.communities:
            if any(chat.platform == platform for chat in community.chats):
                return community
        return self.communities[0] if self.communities else None

    def is_known(self, chat: ChatRef) -> bool:
        chat = self.configured(chat)
        return chat in self._chats or chat in self._queues


def home_key(user: UserRef) -> str:
    return f"home:{user}"


async def private_community(directory: Directory, uow: UnitOfWork,
                            user: UserRef) -> CommunitySettings | None:
    """The community a member's private chat with the bot belongs to when the bot serves
    several: the one where they were last seen (a beta member's private complaint must reach
    beta's queue, their /faq be beta's FAQ). None for someone never seen in any."""
    if len(directory.communities) < 2:
        return None
    name = await uow.state.get(home_key(user))
    return directory.by_name(name) if name else None
