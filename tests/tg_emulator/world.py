"""The emulated Telegram world: chats, members, messages and the update queue.

Kept apart from the HTTP layer so tests can build situations (a group with admins, a member's
message, a button press) in plain Python, and read back what the bot did.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ADMIN_RIGHTS = {
    "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
    "can_delete_messages": True, "can_manage_video_chats": True,
    "can_restrict_members": True, "can_promote_members": False, "can_change_info": True,
    "can_invite_users": True, "can_post_stories": False, "can_edit_stories": False,
    "can_delete_stories": False, "can_send_welcome_messages": False, "can_pin_messages": True,
}


@dataclass
class Chat:
    id: int
    type: str  # private | group | supergroup | channel
    title: str = ""
    username: str | None = None
    admins: set[int] = field(default_factory=set)
    bot_status: str = "administrator"  # administrator | member | left | kicked
    bot_rights: dict[str, Any] = field(default_factory=lambda: dict(ADMIN_RIGHTS))
    members: dict[int, dict[str, Any]] = field(default_factory=dict)  # user id → status info
    banned_sender_chats: set[int] = field(default_factory=set)
    next_message_id: int = 100
    linked_chat_id: int | None = None  # a discussion group's channel (getChat only)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private":
            data["first_name"] = self.title or f"user{self.id}"
        else:
            data["title"] = self.title or f"chat{self.id}"
        if self.username:
            data["username"] = self.username
        return data

    def bot_can(self, right: str) -> bool:
        if self.type == "private":
            return False
        return self.bot_status == "administrator" and bool(self.bot_rights.get(right))


@dataclass
class StoredMessage:
    chat_id: int
    message: dict[str, Any]
    from_bot: bool
    deleted: bool = False

    @property
    def message_id(self) -> int:
        return int(self.message["message_id"])


class World:
    """State shared by the HTTP handlers and the test-facing API."""

    def __init__(self, bot_id: int, bot_username: str = "modbot_test_bot") -> None:
        #: Telegram's clock for message dates; tests with a fake clock share theirs (the
        #: bot judges members' pace by these dates)
        self.clock: Callable[[], float] = time.time
        self.bot_user = {"id": bot_id, "is_bot": True, "first_name": "ModBot",
                         "username": bot_username}
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, Chat] = {}
        self.messages: dict[tuple[int, int], StoredMessage] = {}
        self.updates: list[dict[str, Any]] = []
        self.callbacks: dict[str, dict[str, Any]] = {}
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._photo_ids = itertools.count(1)

    @property
    def bot_id(self) -> int:
        return int(self.bot_user["id"])

    # -- people and places -------------------------------------------------------------
    def user(self, user_id: int, first_name: str | None = None, username: str | None = None,
             is_bot: bool = False) -> dict[str, Any]:
        if user_id not in self.users or first_name or username:
            data: dict[str, Any] = {"id": user_id, "is_bot": is_bot,
                                    "first_name": first_name or f"User{user_id}"}
            if username:
                data["username"] = username
            self.users[user_id] = data
        return self.users[user_id]

    def chat(self, chat_id: int, type: str | None = None, title: str = "",
             username: str | None = None) -> Chat:
        if chat_id not in self.chats:
            kind = type or ("private" if chat_id > 0 else "supergroup")
            self.chats[chat_id] = Chat(chat_id, kind, title, username)
            if kind == "private":
                self.chats[chat_id].bot_status = "member"
        return self.chats[chat_id]

    # -- messages ------------------------------------------------------------------------
    def store(self, chat: Chat, message: dict[str, Any], from_bot: bool) -> StoredMessage:
        stored = StoredMessage(chat.id, message, from_bot)
        self.messages[(chat.id, stored.message_id)] = stored
        return stored

    def new_message(self, chat: Chat, **fields: Any) -> dict[str, Any]:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        return {"message_id": message_id, "date": int(self.clock()), "chat": chat.as_json(),
                **fields}

    def find(self, chat_id: int, message_id: int) -> StoredMessage | None:
        stored = self.messages.get((chat_id, message_id))
        return None if stored is None or stored.deleted else stored

    def photo_sizes(self) -> list[dict[str, Any]]:
        n = next(self._photo_ids)
        return [
            {"file_id": f"photo-{n}-s", "file_unique_id": f"u{n}s", "width": 90, "height": 90,
             "file_size": 1200},
            {"file_id": f"photo-{n}-m", "file_unique_id": f"u{n}m", "width": 320,
             "height": 320, "file_size": 9000},
            {"file_id": f"photo-{n}-x", "file_unique_id": f"u{n}x", "width": 1280,
             "height": 1280, "file_size": 90000},
        ]

    # -- updates -------------------------------------------------------------------------
    def push(self, kind: str, payload: Any) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), kind: payload}
        self.updates.append(update)
        return update

    def push_raw(self, update: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **update}
        self.updates.append(update)
        return update

    def new_callback_id(self) -> str:
        return f"cbq-{next(self._callback_ids)}"

    # -- membership ----------------------------------------------------------------------
    def member_json(self, chat: Chat, user_id: int) -> dict[str, Any]:
        if user_id == self.bot_id:
            status = chat.bot_status
            data: dict[str, Any] = {"status": status, "user": self.bot_user}
            if status == "administrator":
                data.update(chat.bot_rights)
            return data
        user = self.user(user_id)
        if user_id in chat.admins:
            return {"status": "administrator", "user": user, **ADMIN_RIGHTS}
        info = chat.members.get(user_id, {"status": "member"})
        data = {"user": user, **info}
        if info["status"] == "restricted":
            data = {**_restricted_defaults(), **data}
        return data


def _restricted_defaults() -> dict[str, Any]:
    return {
        "is_member": True, "can_send_messages": False, "can_send_audios": False,
        "can_send_documents": False, "can_send_photos": False, "can_send_videos": False,
        "can_send_video_notes": False, "can_send_voice_notes": False, "can_send_polls": False,
        "can_send_other_messages": False, "can_add_web_page_previews": False,
        "can_react_to_messages": False, "can_edit_tag": False, "can_change_info": False,
        "can_invite_users": False, "can_pin_messages": False, "can_manage_topics": False,
        "until_date": 0,
    }
