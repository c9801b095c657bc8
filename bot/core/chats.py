"""Chat references as the config writes them: "telegram:ID", "vk:PEER_ID", "vk:wall"."""

from __future__ import annotations

import re
from dataclasses import dataclass

PLATFORMS = ("telegram", "vk", "console")
VK_CHAT_PEER_BASE = 2_000_000_000

_TELEGRAM_ID = re.compile(r"^-?\d{1,20}$")
_VK_PEER = re.compile(r"^\d{1,12}$")


class ChatRefError(ValueError):
    """A chat reference that does not name a network and a chat."""


@dataclass(frozen=True, slots=True, order=True)
class ChatRef:
    """One chat on one network; `str(ref)` gives back the config spelling."""

    platform: str
    chat_id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.chat_id}"

    @property
    def is_vk_wall(self) -> bool:
        return self.platform == "vk" and self.chat_id == "wall"

    @property
    def is_private(self) -> bool:
        """A one-to-one chat with the bot (Telegram user id > 0, VK peer below the chat base)."""
        if self.platform == "telegram":
            return not self.chat_id.startswith("-")
        if self.platform == "vk":
            return self.chat_id != "wall" and int(self.chat_id) < VK_CHAT_PEER_BASE
        return self.chat_id.startswith("private")

    @classmethod
    def parse(cls, text: str) -> ChatRef:
        """Parse and check a reference; the error says what a valid one looks like."""
        platform, sep, chat_id = text.strip().partition(":")
        if not sep or not chat_id:
            raise ChatRefError(
                f"{text!r} is not a chat reference; use \"telegram:ID\", \"vk:PEER_ID\" or \"vk:wall\""
            )
        if platform == "telegram":
            if not _TELEGRAM_ID.match(chat_id) or int(chat_id) == 0:
                raise ChatRefError(f"{text!r}: a Telegram chat id is an integer like -1001234567890")
            chat_id = str(int(chat_id))  # "-01001" is -1001, as the platform writes it
        elif platform == "vk":
            if chat_id != "wall":
                if not _VK_PEER.match(chat_id):
                    raise ChatRefError(
                        f"{text!r}: a VK chat is a peer id like 2000000001, or \"wall\"")
                chat_id = str(int(chat_id))
        elif platform == "console":
            pass
        else:
            raise ChatRefError(f"{text!r}: unknown network {platform!r}; use telegram or vk")
        return cls(platform, chat_id)


GENERAL_TOPIC = 1  # a forum's General topic: its messages carry no message_thread_id


@dataclass(frozen=True, slots=True, order=True)
class PostTarget:
    """Where a scheduled post goes: a chat, and in a Telegram forum one of its topics.

    Written "telegram:-1001234567890/45" (topic 45); without the topic a forum post lands in
    General. A post scheduled from inside a topic goes back to that topic. Topic 1 is General
    itself, which the Bot API refuses as a message_thread_id ("message thread not found"), so
    "…/1" means the chat.
    """

    chat: ChatRef
    topic: str | None = None

    def __str__(self) -> str:
        return f"{self.chat}/{self.topic}" if self.topic else str(self.chat)

    @classmethod
    def parse(cls, text: str) -> PostTarget:
        base, sep, topic = text.strip().partition("/")
        chat = ChatRef.parse(base)
        if not sep:
            return cls(chat)
        if chat.platform != "telegram" or not (topic.isascii() and topic.isdigit()) \
                or not 0 < int(topic) < 2**31:
            raise ChatRefError(
                f"{text!r}: only a Telegram forum topic may follow the chat, as "
                f"\"telegram:-1001234567890/TOPIC_ID\""
            )
        return cls(chat, None if int(topic) == GENERAL_TOPIC else str(int(topic)))


@dataclass(frozen=True, slots=True, order=True)
class UserRef:
    """A person (or channel) on one network: "telegram:111", "vk:222"."""

    platform: str
    user_id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.user_id}"

    @classmethod
    def parse(cls, text: str) -> UserRef:
        platform, sep, user_id = text.strip().partition(":")
        if not sep or platform not in PLATFORMS or not re.match(r"^-?\d{1,20}$|^[\w.]+$", user_id):
            raise ChatRefError(f"{text!r} is not a user reference; use \"telegram:ID\" or \"vk:ID\"")
        if re.fullmatch(r"-?\d+", user_id):
            user_id = str(int(user_id))  # "0111" is the account 111
        return cls(platform, user_id)

    def private_chat(self) -> ChatRef | None:
        """The person's private chat with the bot: on Telegram and VK its id is the user's own
        (the console demo names it "private-<user>"). A sender that is a chat (an anonymous
        admin or a channel on Telegram, a community on VK: a negative id) has none, and a
        "private" message sent there would be public: None."""
        if self.platform == "console":
            return ChatRef("console", f"private-{self.user_id}")
        if self.user_id.startswith("-"):
            return None
        return ChatRef(self.platform, self.user_id)
