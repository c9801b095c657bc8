"""Prints what the bot does, so the demo shows replies and actions as a member would see them."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import TextIO

from bot.core.actions import (
    ActionResult,
    AnswerCallback,
    AnyAction,
    Ban,
    Button,
    DeleteMessage,
    EditMessage,
    Kick,
    LeaveChat,
    Mute,
    NotifyQueue,
    Publish,
    SendMessage,
    Unban,
    Unmute,
)
from bot.core.chats import ChatRef
from bot.texts import TextCatalog


class ConsoleExecutor:
    """Executes actions by printing them; keeps the buttons of each message for `/press`."""

    platform = "console"

    def __init__(self, out: TextIO, catalog: TextCatalog, message_ids: itertools.count[int]) -> None:
        self.out = out
        self.catalog = catalog
        self._ids = message_ids
        self.buttons: dict[str, tuple[Button, ...]] = {}
        self.texts: dict[str, str] = {}
        self.chats: dict[str, ChatRef] = {}
        self.deleted: set[str] = set()
        #: who may not write in the group, and until when (None: until lifted)
        self.restricted: dict[str, tuple[str, datetime | None]] = {}
        #: people's names by ref ("console:1001" → "Alice"), for the action lines
        self.names: dict[str, str] = {}

    def _print(self, line: str) -> None:
        print(line, file=self.out, flush=True)

    def _buttons_line(self, rows: tuple[tuple[Button, ...], ...], lang: str) -> str:
        flat = [b for row in rows for b in row]
        return "  ".join(f"[{i}: {self.catalog.render(b.label, lang)}]"
                         for i, b in enumerate(flat, start=1))

    def _send(self, chat: ChatRef, body: str, reply_to: str | None,
              rows: tuple[tuple[Button, ...], ...], lang: str, tag: str = "bot") -> ActionResult:
        message_id = str(next(self._ids))
        arrow = f" ↪ #{reply_to}" if reply_to else ""
        self._print(f"[{chat.chat_id} #{message_id}] {tag}{arrow}: {body}")
        if rows:
            self._print("    " + self._buttons_line(rows, lang))
            self.buttons[message_id] = tuple(b for row in rows for b in row)
        self.texts[message_id] = body
        self.chats[message_id] = chat
        return ActionResult(ok=True, message_id=message_id)

    async def execute(self, action: AnyAction) -> ActionResult:
        if isinstance(action, SendMessage):
            body = self.catalog.render(action.text, action.lang)
            return self._send(action.chat, body, action.reply_to, action.buttons, action.lang)
        if isinstance(action, NotifyQueue):
            body = self.catalog.render(action.text, action.lang)
            return self._send(action.queue, body, None, action.buttons, action.lang)
        if isinstance(action, EditMessage):
            body = self.catalog.render(action.text, action.lang)
            self._print(f"[{action.chat.chat_id} #{action.message_id}] bot (edited): {body}")
            if action.buttons:
                self._print("    " + self._buttons_line(action.buttons, action.lang))
            self.buttons[action.message_id] = tuple(b for row in action.buttons for b in row)
            return ActionResult(ok=True, message_id=action.message_id)
        if isinstance(action, Publish):
            photo = f" [photo: {action.photo}]" if action.photo else ""
            return self._send(action.chat, action.text + photo, None, (), "en", tag="bot (post)")
        if isinstance(action, AnswerCallback):
            self._print(f"  * {self.catalog.render(action.text, action.lang)}")
            return ActionResult(ok=True)
        return ActionResult(ok=True, message_id=None, details={"said": self._describe(action)})

    def _describe(self, action: AnyAction) -> str:
        self._remember(action)
        line = self._line(action)
        self._print(line)
        return line

    def _remember(self, action: AnyAction) -> None:
        """What a real network would now refuse: replies to deleted messages, posts by the
        muted and the banned."""
        if isinstance(action, DeleteMessage):
            self.deleted.add(action.message_id)
        elif isinstance(action, Mute | Ban):
            self.restricted[str(action.user)] = (
                "muted" if isinstance(action, Mute) else "banned", action.until)
        elif isinstance(action, Unmute | Unban):
            self.restricted.pop(str(action.user), None)

    def _who(self, user: object) -> str:
        ref = str(user)
        name = self.names.get(ref)
        return f"{name} ({ref})" if name else ref

    def _line(self, action: AnyAction) -> str:
        if isinstance(action, DeleteMessage):
            return f"  * deleted message #{action.message_id} in {action.chat.chat_id}"
        if isinstance(action, Mute):
            return f"  * muted {self._who(action.user)}{_until(action)}"
        if isinstance(action, Unmute):
            return f"  * unmuted {self._who(action.user)}"
        if isinstance(action, Ban):
            who = "channel " if action.sender_chat else ""
            return f"  * banned {who}{self._who(action.user)}{_until(action)}"
        if isinstance(action, Unban):
            return f"  * unbanned {self._who(action.user)}"
        if isinstance(action, Kick):
            return f"  * kicked {self._who(action.user)}"
        if isinstance(action, LeaveChat):
            return f"  * left {action.chat}"
        return f"  * {type(action).__name__}"


def _until(action: Mute | Ban) -> str:
    return f" until {action.until:%Y-%m-%d %H:%M} UTC" if action.until else ""
