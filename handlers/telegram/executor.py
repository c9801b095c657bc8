"""Core actions → Bot API calls through aiogram's `Bot`.

Errors are sorted into three kinds, because the outbox needs to know which it got:
- flood control (429): wait `retry_after` inline when it is short, else hand it back;
- transient (5xx, network, bad gateway pages): retried here with exponential backoff a few
  times, then `TransientError` so the outbox tries again later — never dropped;
- permanent (no rights, not a member, chat gone): `ActionResult(ok=False, permanent=True)`.
A scheduled post whose request may have reached Telegram is never resent blindly: its outcome
is reported as unknown instead (the scheduler tells a human).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar, cast

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramEntityTooLarge,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    ChatPermissions,
    FSInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)
from aiohttp import ClientConnectorError

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
from bot.core.texts import Catalog
from bot.runtime.executor import TransientError
from handlers.telegram.client import PROXY_ERRORS, UNWRAPPED_NETWORK_ERRORS
from handlers.telegram.pacing import Pacer
from handlers.telegram.raw import GetRawChatMember

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleeper = Callable[[float], Awaitable[None]]

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024

_RETRYABLE: tuple[type[Exception], ...] = (
    TelegramServerError, TelegramNetworkError, *UNWRAPPED_NETWORK_ERRORS)

# Answers that mean the goal is already reached: nothing to retry, nothing to report.
_ALREADY_DONE = ("message to delete not found", "message is not modified")

_NO_PERMISSIONS = ChatPermissions(
    can_send_messages=False, can_send_audios=False, can_send_documents=False,
    can_send_photos=False, can_send_videos=False, can_send_video_notes=False,
    can_send_voice_notes=False, can_send_polls=False, can_send_other_messages=False,
    can_add_web_page_previews=False,
)
# "Pass True for all permissions to lift restrictions from a user" (Bot API): the member is
# back under the chat's own defaults. A partial object left them restricted, every omitted
# right (pinning, where the chat allows it) read as False.
_FULL_PERMISSIONS = ChatPermissions(
    can_send_messages=True, can_send_audios=True, can_send_documents=True,
    can_send_photos=True, can_send_videos=True, can_send_video_notes=True,
    can_send_voice_notes=True, can_send_polls=True, can_send_other_messages=True,
    can_add_web_page_previews=True, can_change_info=True, can_invite_users=True,
    can_pin_messages=True, can_manage_topics=True,
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounds on what the executor absorbs itself before the outbox takes over."""

    network_attempts: int = 4  # tries per call on 5xx / network errors
    base_delay: float = 0.5  # then 1, 2 … seconds between them
    max_inline_wait: float = 5.0  # longer flood/pacing waits go back to the outbox
    flood_attempts: int = 3  # 429s absorbed per call


class _UnknownOutcome(Exception):
    """The request may have been carried out; resending could post twice."""


class _Permanent(Exception):
    def __init__(self, message: str, details: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.details = details or {}


def keyboard(buttons: tuple[tuple[Button, ...], ...], catalog: Catalog,
             lang: str) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=catalog.render(b.label, lang), callback_data=b.data)
         for b in row]
        for row in buttons if row
    ])


def _fit(text: str, limit: int) -> str:
    """Telegram rejects longer texts; a cut message beats a lost one."""
    if len(text) <= limit:
        return text
    log.warning("event=telegram.text_truncated length=%s limit=%s", len(text), limit)
    return text[: limit - 1] + "…"


MIN_RESTRICTION = 31  # Telegram reads an until_date under 30 s away as "forever"


def until_date(moment: datetime | None, wall_now: float) -> int | None:
    """A short (or late-delivered) mute must not turn into a permanent one."""
    if moment is None:
        return None
    return max(int(moment.timestamp()), int(wall_now) + MIN_RESTRICTION)


class TelegramExecutor:
    """Performs core actions on Telegram; one instance per bot token."""

    platform = "telegram"

    def __init__(self, bot: Bot, catalog: Catalog, *, sleeper: Sleeper = asyncio.sleep,
                 monotonic: Callable[[], float] = time.monotonic,
                 policy: RetryPolicy | None = None, pacer: Pacer | None = None,
                 wallclock: Callable[[], float] = time.time) -> None:
        self.bot = bot
        self._wallclock = wallclock
        self.catalog = catalog
        self._sleep = sleeper
        self.policy = policy or RetryPolicy()
        self.pacer = pacer or Pacer(monotonic)
        # groups Telegram turned into supergroups: old id -> new id, learnt from the refusal
        # of a send to the old one (the config and stored tickets keep naming the old id)
        self._moved: dict[int, int] = {}
        #: the community's channels, learnt from Telegram's refusal to restrict there
        self._channels: set[int] = set()

    def _target(self, chat: ChatRef) -> int:
        chat_id = int(chat.chat_id)
        return self._moved.get(chat_id, chat_id)

    async def close(self) -> None:
        await self.bot.session.close()

    async def execute(self, action: AnyAction) -> ActionResult:
        try:
            return await self._dispatch(action)
        except _Permanent as exc:
            log.warning("event=telegram.action_refused action=%s error=%s",
                        type(action).__name__, exc)
            return ActionResult(ok=False, error=str(exc), permanent=True, details=exc.details)
        except _UnknownOutcome as exc:
            log.error("event=telegram.unknown_outcome action=%s error=%s",
                      type(action).__name__, exc)
            return ActionResult(ok=False, error=f"outcome unknown: {exc}", permanent=True,
                                details={"outcome": "unknown"})

    async def _dispatch(self, action: AnyAction) -> ActionResult:
        if isinstance(action, SendMessage):
            return await self._send(self._target(action.chat),
                                    self.catalog.render(action.text, action.lang),
                                    reply_to=action.reply_to, thread_id=action.thread_id,
                                    markup=keyboard(action.buttons, self.catalog, action.lang))
        if isinstance(action, NotifyQueue):
            return await self._send(self._target(action.queue),
                                    self.catalog.render(action.text, action.lang),
                                    markup=keyboard(action.buttons, self.catalog, action.lang))
        if isinstance(action, Publish):
            return await self._publish(action)
        chat_id = self._target(action.chat)
        if isinstance(action, EditMessage):
            message_id = int(action.message_id)
            text = _fit(self.catalog.render(action.text, action.lang), TEXT_LIMIT)
            markup = keyboard(action.buttons, self.catalog, action.lang)
            await self._call(chat_id, lambda: self.bot.edit_message_text(
                text=text, chat_id=chat_id, message_id=message_id, reply_markup=markup),
                paced=True)
            return ActionResult(ok=True, message_id=action.message_id)
        if isinstance(action, DeleteMessage):
            message_id = int(action.message_id)
            await self._call(chat_id, lambda: self.bot.delete_message(chat_id, message_id))
            return ActionResult(ok=True, message_id=action.message_id)
        if isinstance(action, AnswerCallback):
            text = self.catalog.render(action.text, action.lang)
            # not a message to the chat, and a button's answer cannot wait out its 429
            await self._call(chat_id, lambda: self.bot.answer_callback_query(
                action.callback_id, text=_fit(text, 200), show_alert=action.alert),
                chat_bound=False)
            return ActionResult(ok=True)
        if isinstance(action, LeaveChat):
            await self._call(chat_id, lambda: self.bot.leave_chat(chat_id))
            return ActionResult(ok=True)
        return await self._member_action(chat_id, action)

    async def _member_action(self, chat_id: int,
                             action: Mute | Unmute | Ban | Unban | Kick) -> ActionResult:
        user_id = int(action.user.user_id)
        if isinstance(action, Mute | Unmute):
            return await self._restrict(chat_id, user_id, action)
        if isinstance(action, Ban) and action.sender_chat:
            await self._call(chat_id, lambda: self.bot.ban_chat_sender_chat(chat_id, user_id))
        elif isinstance(action, Ban):
            until = until_date(action.until, self._wallclock())
            await self._call(chat_id, lambda: self.bot.ban_chat_member(
                chat_id, user_id, until_date=until))
        elif isinstance(action, Unban) and action.sender_chat:
            await self._call(chat_id, lambda: self.bot.unban_chat_sender_chat(chat_id, user_id))
        elif isinstance(action, Unban):
            await self._call(chat_id, lambda: self.bot.unban_chat_member(
                chat_id, user_id, only_if_banned=True))
        else:  # Kick: Telegram has no kick; a ban lifted at once removes without barring
            member = await self._call(chat_id, lambda: self.bot(
                GetRawChatMember(chat_id=chat_id, user_id=user_id)))
            if member.get("status") == "kicked":
                # already banned: the lifting half would end that ban, and they are out anyway
                return ActionResult(ok=True)
            await self._call(chat_id, lambda: self.bot.ban_chat_member(chat_id, user_id))
            await self._call(chat_id, lambda: self.bot.unban_chat_member(
                chat_id, user_id, only_if_banned=True))
        return ActionResult(ok=True)

    async def _restrict(self, chat_id: int, user_id: int, action: Mute | Unmute) -> ActionResult:
        """A mute (or its end) in a chat. A channel of the community has none to give: its
        subscribers cannot write, and Telegram refuses the call there ("only for
        supergroups"). A mute from the queue covers every community chat, so that refusal is
        no failure to tell the moderators about; the channel is passed by from then on. (A
        basic group refuses alike, and there the mute really did not happen: that stays a
        failure, so the chat's type is asked before the refusal is forgiven.)"""
        if chat_id in self._channels:
            return ActionResult(ok=True, details={"skipped": "channel"})
        if isinstance(action, Mute):
            until = until_date(action.until, self._wallclock())
            permissions, extra = _NO_PERMISSIONS, {"until_date": until}
        else:
            permissions, extra = _FULL_PERMISSIONS, {}
        try:
            await self._call(chat_id, lambda: self.bot.restrict_chat_member(
                chat_id, user_id, permissions, use_independent_chat_permissions=True, **extra))
        except _Permanent as exc:
            if "only for supergroups" not in str(exc) or not await self._is_channel(chat_id):
                raise
            self._channels.add(chat_id)
            log.info("event=telegram.channel_not_restricted chat=%s", chat_id)
            return ActionResult(ok=True, details={"skipped": "channel"})
        return ActionResult(ok=True)

    async def _is_channel(self, chat_id: int) -> bool:
        """Asked only after a refusal that a channel and a basic group share."""
        try:
            chat = await self._call(chat_id, lambda: self.bot.get_chat(chat_id))
        except (_Permanent, TransientError):
            return False
        return chat.type == "channel"

    async def _send(self, chat_id: int, text: str, *, reply_to: str | None = None,
                    thread_id: str | None = None,
                    markup: InlineKeyboardMarkup | None = None) -> ActionResult:
        reply = (ReplyParameters(message_id=int(reply_to), allow_sending_without_reply=True)
                 if reply_to else None)
        thread = int(thread_id) if thread_id and thread_id.isdigit() else None
        body = _fit(text, TEXT_LIMIT)

        def send(to: ReplyParameters | None) -> Callable[[], Awaitable[Message]]:
            return lambda: self.bot.send_message(chat_id, body, message_thread_id=thread,
                                                 reply_parameters=to, reply_markup=markup,
                                                 parse_mode=None)

        try:
            message = await self._call(chat_id, send(reply), paced=True)
        except _Permanent as exc:
            # allow_sending_without_reply is asked for, but a server that ignores it refuses
            # a reply to a deleted message: the answer still matters without the thread line.
            if reply is None or not _REPLY_GONE.search(str(exc)):
                raise
            log.info("event=telegram.reply_target_gone chat=%s", chat_id)
            message = await self._call(chat_id, send(None), paced=True)
        return ActionResult(ok=True, message_id=message_id_of(message))

    async def _publish(self, action: Publish) -> ActionResult:
        chat_id = self._target(action.chat)
        topic = int(action.thread_id) if action.thread_id else None
        if action.photo is None:
            body = _fit(action.text, TEXT_LIMIT)
            message = await self._call(chat_id, lambda: self.bot.send_message(
                chat_id, body, parse_mode=None, message_thread_id=topic),
                paced=True, resend_safe=False)
            return ActionResult(ok=True, message_id=message_id_of(message))
        picture = _picture(action.photo)
        long_text = len(action.text) > CAPTION_LIMIT
        caption = None if long_text else (action.text or None)
        photo = await self._call(chat_id, lambda: self.bot.send_photo(
            chat_id, picture, caption=caption, parse_mode=None, message_thread_id=topic),
            paced=True, resend_safe=False)
        result = ActionResult(ok=True, message_id=message_id_of(photo))
        if long_text:  # a caption holds 1024 characters; the text follows the photo instead
            body = _fit(action.text, TEXT_LIMIT)
            try:
                await self._call(chat_id, lambda: self.bot.send_message(
                    chat_id, body, parse_mode=None, message_thread_id=topic),
                    paced=True, resend_safe=False)
            except (TransientError, _UnknownOutcome, _Permanent) as exc:
                # The photo is out: a retry of the whole post would publish it twice.
                log.error("event=telegram.post_text_failed chat=%s error=%s", chat_id, exc)
                result = ActionResult(ok=True, message_id=result.message_id,
                                      details={"text": f"not sent: {exc}"})
        return result

    async def _backoff_or_raise(self, exc: Exception, failures: int, chat_id: int,
                                resend_safe: bool) -> int:
        """Sleep before the next try, or give the error up to the caller; returns failures."""
        if not resend_safe and not _never_sent(exc):
            raise _UnknownOutcome(str(exc)) from exc
        failures += 1
        if failures >= self.policy.network_attempts:
            raise TransientError(f"gave up after {failures} tries: {exc}") from exc
        delay = self.policy.base_delay * 2 ** (failures - 1)
        log.warning("event=telegram.retry chat=%s attempt=%s in=%.1fs error=%s",
                    chat_id, failures, delay, str(exc).splitlines()[0][:300])
        await self._sleep(delay)
        return failures

    async def _call(self, chat_id: int, make: Callable[[], Awaitable[T]], *,
                    paced: bool = False, resend_safe: bool = True, chat_bound: bool = True) -> T:
        """One Bot API call with pacing, flood waits and bounded backoff. A send is paced;
        any other call to the chat (``chat_bound``) waits out a 429 the chat got."""
        policy = self.policy
        failures = 0
        floods = 0
        while True:
            if paced:
                booked, delay = self.pacer.reserve(chat_id, policy.max_inline_wait)
            else:
                delay = self.pacer.blocked_for(chat_id) if chat_bound else 0.0
                booked = delay <= policy.max_inline_wait
            if not booked:
                log.info("event=telegram.paced chat=%s wait=%.1fs", chat_id, delay)
                raise TransientError(f"chat {chat_id} is paced", retry_after=delay)
            if delay > 0:
                await self._sleep(delay)
            try:
                return await make()
            except TelegramRetryAfter as exc:
                floods += 1
                self.pacer.penalize(chat_id, exc.retry_after)
                log.warning("event=telegram.flood_wait chat=%s retry_after=%s", chat_id,
                            exc.retry_after)
                if exc.retry_after > policy.max_inline_wait or floods >= policy.flood_attempts:
                    raise TransientError(f"flood control: {exc.message}",
                                         retry_after=float(exc.retry_after)) from exc
            except TelegramMigrateToChat as exc:
                # Never sent: the same action goes to the new id on its next try.
                self._moved[chat_id] = exc.migrate_to_chat_id
                log.warning("event=telegram.chat_migrated chat=%s new=telegram:%s "
                            "hint='put the new id in config.toml'", chat_id,
                            exc.migrate_to_chat_id)
                raise TransientError(f"chat moved to {exc.migrate_to_chat_id}") from exc
            except TelegramUnauthorizedError as exc:
                raise TransientError(f"token rejected: {exc.message}") from exc
            except TelegramEntityTooLarge as exc:
                raise _Permanent(exc.message) from exc
            except ClientDecodeError as exc:
                if isinstance(exc.data, dict) and exc.data.get("ok") is True:
                    # Done, but the answer does not fit aiogram's model (a newer or odder
                    # server): resending would do it twice, so take the raw result.
                    log.warning("event=telegram.undecoded_result chat=%s", chat_id)
                    return cast(T, exc.data.get("result"))
                failures = await self._backoff_or_raise(exc, failures, chat_id, resend_safe)
            except _RETRYABLE as exc:
                failures = await self._backoff_or_raise(exc, failures, chat_id, resend_safe)
            except TelegramAPIError as exc:
                if any(marker in exc.message for marker in _ALREADY_DONE):
                    log.info("event=telegram.already_done chat=%s note=%s", chat_id, exc.message)
                    return cast(T, True)  # delete/edit answer only True; nobody reads it
                raise _Permanent(exc.message) from exc


# "message to be replied not found", "replied message not found"
_REPLY_GONE = re.compile(r"repl\w* not found|to be replied", re.IGNORECASE)


def message_id_of(result: object) -> str | None:
    """From a parsed Message, or from the raw dict of an answer aiogram could not parse."""
    if isinstance(result, Message):
        return str(result.message_id)
    if isinstance(result, dict) and result.get("message_id") is not None:
        return str(result["message_id"])
    return None


_IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp"})


def _picture(photo: str) -> FSInputFile | str:
    """A post's photo: a file of the owner's (a config post) is uploaded; anything else is a
    Telegram file_id (a post scheduled in reply to a photo) and is sent as it is."""
    path = Path(photo)
    if path.is_file():
        return FSInputFile(path)
    if "/" in photo or "\\" in photo or path.suffix.lower() in _IMAGE_SUFFIXES:
        raise _Permanent(f"photo file not found: {path}")
    return photo


def _never_sent(exc: Exception) -> bool:
    """A refused connection (to Telegram or the proxy) means the request never left; an error
    answer from the Bot API (5xx) means the method failed, so nothing was posted either. So does
    an answer that is not JSON at all: a gateway's HTML error page (502/503/504 from a proxy in
    front of the Bot API) stands for a 5xx, not for a post of unknown fate."""
    if isinstance(exc, TelegramServerError):
        return True
    if isinstance(exc, ClientDecodeError) and not isinstance(exc.data, dict):
        return True
    if isinstance(exc, PROXY_ERRORS) and not isinstance(exc, TimeoutError):
        return "timeout" not in type(exc).__name__.lower()
    return isinstance(exc, TelegramNetworkError) and isinstance(
        exc.__cause__, ClientConnectorError)
