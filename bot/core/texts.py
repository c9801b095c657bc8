"""Wording as data: the core returns catalog keys and parameters, never sentences."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

RAW_KEY = "raw"


@dataclass(frozen=True, slots=True)
class Text:
    """A catalog key with its parameters; `Text.raw` carries owner-written text (FAQ, posts)."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def raw(cls, text: str) -> Text:
        return cls(RAW_KEY, {"text": text})


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters with "…": a member's or moderator's words
    quoted inside a bot message must leave room for the message's own (a 4,000-character
    reason would push "Warning 1 of 4; next: mute 1h" past the platform's limit)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class Catalog(Protocol):
    """Renders a Text in one language (implemented by `bot.texts`)."""

    def render(self, text: Text, lang: str) -> str: ...
