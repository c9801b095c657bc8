"""Actions to JSON and back, so decided actions can wait in the outbox across a crash."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any, cast

from bot.core import actions
from bot.core.chats import ChatRef, UserRef
from bot.core.texts import Text

_ACTION_TYPES: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in (
        actions.SendMessage, actions.EditMessage, actions.DeleteMessage, actions.Mute,
        actions.Unmute, actions.Ban, actions.Unban, actions.Kick, actions.Publish,
        actions.AnswerCallback, actions.LeaveChat, actions.NotifyQueue,
    )
}


def _encode(value: Any) -> Any:
    if isinstance(value, ChatRef):
        return {"$chat": str(value)}
    if isinstance(value, UserRef):
        return {"$user": str(value)}
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, timedelta):
        return {"$td": value.total_seconds()}
    if isinstance(value, Text):
        return {"$text": value.key, "params": _encode(dict(value.params))}
    if isinstance(value, actions.Button):
        return {"$button": _encode(value.label), "data": value.data}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"$action": type(value).__name__, **fields}
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_decode(v) for v in value)
    if not isinstance(value, dict):
        return value
    if "$chat" in value:
        platform, _, chat_id = value["$chat"].partition(":")
        return ChatRef(platform, chat_id)
    if "$user" in value:
        platform, _, user_id = value["$user"].partition(":")
        return UserRef(platform, user_id)
    if "$dt" in value:
        return datetime.fromisoformat(value["$dt"])
    if "$td" in value:
        return timedelta(seconds=value["$td"])
    if "$text" in value:
        params = {k: _decode(v) for k, v in value["params"].items()}
        return Text(value["$text"], params)
    if "$button" in value:
        return actions.Button(_decode(value["$button"]), value["data"])
    if "$action" in value:
        cls = _ACTION_TYPES[value["$action"]]
        return cls(**{k: _decode(v) for k, v in value.items() if k != "$action"})
    return {k: _decode(v) for k, v in value.items()}


def encode_action(action: actions.AnyAction) -> dict[str, Any]:
    encoded = _encode(action)
    assert isinstance(encoded, dict)
    return encoded


def decode_action(payload: dict[str, Any]) -> actions.AnyAction:
    decoded = _decode(payload)
    if not isinstance(decoded, tuple(_ACTION_TYPES.values())):
        raise ValueError(f"not an action payload: {payload.get('$action')!r}")
    return cast(actions.AnyAction, decoded)
