"""Members named in a wall comment as VK links, so the comment reaches them.

A warning under a post is read by the commenter only if VK tells them: their own comment is
deleted, so no reply can point at it, and a plain name notifies nobody. "[id7|Name]" does.
Chat messages keep plain names (sent with ``disable_mentions``: a notice never pings).
"""

from __future__ import annotations

from typing import Any

from bot.core.texts import MENTION_KEY, Text

_LINK_BREAKERS = str.maketrans({"[": "(", "]": ")", "|": "/"})


def linked_mentions(text: Text) -> Text:
    """``text`` with every member mention of a VK user turned into a VK mention link."""
    if text.key == MENTION_KEY:
        user = text.params.get("user")
        name = str(text.params.get("name", ""))
        if user is not None and user.platform == "vk" and user.user_id.isdigit():
            return Text.raw(f"[id{user.user_id}|{name.translate(_LINK_BREAKERS)}]")
        return text
    params = {key: _linked(value) for key, value in text.params.items()}
    return Text(text.key, params)


def _linked(value: Any) -> Any:
    if isinstance(value, Text):
        return linked_mentions(value)
    if isinstance(value, tuple | list):
        return type(value)(_linked(v) for v in value)
    return value
