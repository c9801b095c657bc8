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


class Catalog(Protocol):
    """Renders a Text in one language (implemented by `bot.texts`)."""

    def render(self, text: Text, lang: str) -> str: ...
