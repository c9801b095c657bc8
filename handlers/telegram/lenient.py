"""Reading an update whose objects lack rights flags the newest Bot API made required.

Every Bot API release adds required booleans to the chat-member objects (can_post_stories in
7.0, can_manage_direct_messages, can_send_welcome_messages…), and aiogram validates against
the newest. A server one release behind (a self-hosted telegram-bot-api build, a test double)
sends a `my_chat_member` or `chat_member` update without them, and the whole update would be
dropped: the bot would miss being made admin, or being added to a stranger's group. A right
the server did not report is a right not held, so each missing flag reads as false.
"""

from __future__ import annotations

import copy
from typing import Any

from aiogram import Bot
from aiogram.types import Update
from pydantic import ValidationError

_FLAG_PREFIXES = ("can_", "is_", "has_")
# Each pass fills the flags one validation reports; nested unions may report in layers.
_PASSES = 3


def parse_update(raw: Any, bot: Bot) -> Update:
    """`Update.model_validate`, with missing rights flags read as false; raises
    ValidationError when anything else is wrong (or still wrong)."""
    try:
        return Update.model_validate(raw, context={"bot": bot})
    except ValidationError as exc:
        if not isinstance(raw, dict):
            raise
        error = exc
    patched = copy.deepcopy(raw)
    for _ in range(_PASSES):
        if not _fill_missing_flags(patched, error):
            raise error
        try:
            return Update.model_validate(patched, context={"bot": bot})
        except ValidationError as exc:
            error = exc
    raise error


def _fill_missing_flags(raw: dict[str, Any], error: ValidationError) -> bool:
    """Set each missing flag the error names to False; False when it names anything else."""
    filled = False
    for problem in error.errors():
        location = problem["loc"]
        name = location[-1] if location else None
        if problem["type"] != "missing" or not isinstance(name, str) \
                or not name.startswith(_FLAG_PREFIXES):
            return False
        holder = _holder(raw, location[:-1])
        if holder is None:
            return False
        holder[name] = False
        filled = True
    return filled


def _holder(raw: dict[str, Any], path: tuple[int | str, ...]) -> dict[str, Any] | None:
    """The dict at `path`, skipping the union tags pydantic adds ('administrator', …)."""
    node: Any = raw
    for step in path:
        in_dict = isinstance(node, dict) and step in node
        in_list = isinstance(node, list) and isinstance(step, int) and step < len(node)
        if in_dict or in_list:
            node = node[step]
        elif isinstance(step, str):
            continue  # a union member's tag, not a key of the data
        else:
            return None
    return node if isinstance(node, dict) else None
