"""What the Telegram wire scenarios share: reading the bot's replies off the emulator, waiting
until everything sent so far has been handled, and a clock near real time.

Telegram reads ``until_date`` against the wall clock and the executor never sends one less
than 31 s ahead of it, so scenarios that check mute and ban end times run the bot's clock near
the present (``wall_clock``).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from bot.core.clock import FakeClock
from bot.core.texts import Text
from bot.texts import catalog
from tg_emulator.harness import GROUP
from tg_emulator.server import TelegramEmulator

WITNESS = 333  # a bystander whose /help marks "everything before has been processed"


def render(key: str, lang: str = "en", **params: object) -> str:
    """A catalog text as the bot sends it."""
    return catalog().render(Text(key, params), lang)


def wall_clock() -> FakeClock:
    """A fake clock starting at the next whole hour from now.

    ``MODBOT_TEST_WALL_HOUR=H`` starts it at the next H:00 UTC instead (still ahead of the
    real time, which Telegram reads ``until_date`` against): running the wire suites once per
    hour of the day finds scenarios that only pass at some hours (a daily post's next run).
    """
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    hour = os.environ.get("MODBOT_TEST_WALL_HOUR")
    if hour:
        start += timedelta(hours=(int(hour) - start.hour) % 24)
    return FakeClock(start)


def reply_messages(emu: TelegramEmulator, chat_id: int, message_id: int) -> list[dict]:
    """The bot's messages in ``chat_id`` that reply to ``message_id``, in order."""
    out = []
    for call in emu.calls_of("sendMessage"):
        if call.result["chat"]["id"] != chat_id:
            continue
        reply = call.result.get("reply_to_message") or {}
        wanted = (call.params.get("reply_parameters") or {}).get("message_id")
        if reply.get("message_id") == message_id or wanted == message_id:
            out.append(call.result)
    return out


def replies_to(emu: TelegramEmulator, chat_id: int, message_id: int) -> list[str]:
    """The texts of :func:`reply_messages`."""
    return [m.get("text") or "" for m in reply_messages(emu, chat_id, message_id)]


async def settle(emu: TelegramEmulator, chat_id: int = GROUP) -> None:
    """Everything sent before this has been processed: a bystander's /help got its answer."""
    probe = emu.user_message(chat_id, WITNESS, "/help")
    await emu.wait_for(lambda: replies_to(emu, chat_id, probe["message_id"]),
                       what="the witness's /help answer")


def non_help(texts: list[str]) -> list[str]:
    """``texts`` without the /help answers that :func:`settle` caused."""
    helps = (render("common.help_member"), render("common.help_moderator"))
    return [t for t in texts if t not in helps]


async def command(emu: TelegramEmulator, who: int, text: str, *, chat: int = GROUP,
                  what: str = "the reply", **extra: object) -> dict:
    """Send ``text`` as ``who`` and wait for the bot's reply to it."""
    cmd = emu.user_message(chat, who, text, **extra)
    await emu.wait_for(lambda: replies_to(emu, chat, cmd["message_id"]), what=what)
    return cmd
