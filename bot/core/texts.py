"""Wording as data: the core returns catalog keys and parameters, never sentences."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.core.chats import UserRef

RAW_KEY = "raw"


@dataclass(frozen=True, slots=True)
class Text:
    """A catalog key with its parameters; `Text.raw` carries owner-written text (FAQ, posts)."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def raw(cls, text: str) -> Text:
        return cls(RAW_KEY, {"text": text})


MENTION_KEY = "common.mention"


def mention(name: str, user: UserRef) -> Text:
    """A member named in a notice about them: it reads as ``name``; where a plain name
    notifies nobody and the message it answers is gone (a deleted VK wall comment), the
    adapter turns it into the platform's link to the member."""
    return Text(MENTION_KEY, {"name": name, "user": user})


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters with "…": a member's or moderator's words
    quoted inside a bot message must leave room for the message's own (a 4,000-character
    reason would push "Warning 1 of 4; next: mute 1h" past the platform's limit)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class Catalog(Protocol):
    """Renders a Text in one language (implemented by `bot.texts`)."""

    def render(self, text: Text, lang: str) -> str: ...
