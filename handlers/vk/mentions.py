"""Members named in a wall comment as VK links, so the comment reaches them.

A warning under a post is read by the commenter only if VK tells them: their own comment is
deleted, so no reply can point at it, and a plain name notifies nobody. "[id7|Name]" does.
Chat messages keep plain names (sent with ``disable_mentions``: a notice never pings).
"""

from __future__ import annotations

import re
from typing import Any

from bot.core.texts import MENTION_KEY, RAW_KEY, Text

_LINK_BREAKERS = str.maketrans({"[": "(", "]": ")", "|": "/"})


def linked_mentions(text: Text) -> Text:
    """``text`` with every member mention of a VK user turned into a VK mention link."""
    if text.key == MENTION_KEY:
        user = text.params.get("user")
        name = str(text.params.get("name", ""))
        if user is not None and user.platform == "vk" and user.user_id.lstrip("-").isdigit():
            # a community commenting as itself has a negative id: its link is [clubN|…]
            kind, number = ("club", user.user_id[1:]) if user.user_id.startswith("-") \
                else ("id", user.user_id)
            return Text.raw(f"[{kind}{number}|{name.translate(_LINK_BREAKERS)}]")
        return text
    params = {key: _linked(value) for key, value in text.params.items()}
    return Text(text.key, params)


def _linked(value: Any) -> Any:
    if isinstance(value, Text):
        return linked_mentions(value)
    if isinstance(value, tuple | list):
        return type(value)(_linked(v) for v in value)
    return value


#: VK's link markup: "[id1|text]", "[club123|text]" — in a name, a link to a stranger's page
_VK_MARKUP = re.compile(r"\[(?:id|club|public|event)\d+\|[^\]]*\]")


def defanged(text: Text) -> Text:
    """``text`` with VK link markup inside its worded parameters (names from the other
    network, a reporter's reason) broken into plain text, so "[club123|FREE CRYPTO]" as a
    Telegram name is not a link in a VK queue. Raw texts (an FAQ answer, a post, the bot's
    own wall mentions) are the owner's or the bot's and keep their links."""
    if text.key == RAW_KEY:
        return text
    return Text(text.key, {key: _defanged(value) for key, value in text.params.items()})


def _defanged(value: Any) -> Any:
    if isinstance(value, str) and "[" in value:
        return _VK_MARKUP.sub(lambda found: found.group().translate(_LINK_BREAKERS), value)
    if isinstance(value, Text):
        return defanged(value)
    if isinstance(value, tuple | list):
        return type(value)(_defanged(v) for v in value)
    return value
