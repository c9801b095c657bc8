"""Telling a chat that a moderation action failed on the platform, or was done differently.

The notice ("@bob is banned") goes out with the ban, before the platform has answered; when
the platform then refuses for good (the bot lost its admin rights, the member left), or the
adapter had to do something else (VK without a user token removes instead of banning), the
moderators must not go on believing it happened. One short notice per chat and kind of action
per hour, so a bot without rights does not answer every message with an apology; it goes to
the chat and to the moderators' queue chat.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.actions import ActionResult, AnyAction, Ban, DeleteMessage, Kick, Mute, SendMessage
from bot.core.chats import ChatRef
from bot.core.directory import Directory
from bot.core.events import Author
from bot.core.ports import UnitOfWork
from bot.core.reasons import classify, reason_text
from bot.core.texts import Text

QUIET = timedelta(hours=1)
WATCHED = (Mute, Ban, Kick, DeleteMessage)
_KINDS = {Mute: "mute", Ban: "ban", Kick: "kick", DeleteMessage: "delete"}
def no_delete_key(chat: ChatRef | str) -> str:
    """When the bot was refused a delete in ``chat`` for want of the right (empty once a
    delete there works again): the filter stops telling members "your message was removed"."""
    return f"nodelete:{chat}"


async def failure_notice(directory: Directory, action: AnyAction, result: ActionResult,
                         uow: UnitOfWork, now: datetime) -> list[AnyAction]:
    """The notice for a permanently failed or degraded moderation action, or nothing."""
    degraded = result.ok and bool(result.details.get("degraded"))
    if not isinstance(action, WATCHED) or not (degraded or (not result.ok and result.permanent)):
        return []
    placement = directory.place(action.chat)
    if placement.community is None:
        return []
    if isinstance(action, DeleteMessage) and not degraded and classify(result.error) == "rights":
        await uow.state.put(no_delete_key(action.chat), now.isoformat(), now)
    kind = _KINDS[type(action)]
    key = f"failed:{action.chat}:{kind}"
    last = await uow.state.get(key)
    if last is not None and now - datetime.fromisoformat(last) < QUIET:
        return []
    await uow.state.put(key, now.isoformat(), now)
    who = ""
    if not isinstance(action, DeleteMessage):
        known = await uow.users.get(str(action.user))
        # as every notice names people: never by a name that pings or advertises
        who = (Author(action.user, known.name, known.username).display if known
               else str(action.user))
    if degraded:
        kind = f"{kind}_degraded"
        # the owner's fix (a config key) is for the queue; the chat hears what happened
        why: Text = Text("moderation.failed.why_degraded")
        why_here: Text = Text("moderation.failed.why_degraded_chat")
    else:
        why, why_here = reason_text(result.error), reason_text(result.error, owner=False)
    text = Text(f"moderation.failed.{kind}", {"user": who, "why": why_here})
    lang = placement.community.language
    ttl = placement.community.moderation.notice_ttl
    notices: list[AnyAction] = [SendMessage(action.chat, text, lang,
                                            thread_id=getattr(action, "thread_id", None),
                                            delete_after=ttl)]
    queue = placement.community.queue
    if queue is not None and queue != action.chat:
        # the moderator may have acted from the queue chat (/ban ID, a card's button) and
        # would otherwise never see that it failed; the queue keeps its messages
        # and, looking after several chats, must read which one needs their attention
        notices.append(SendMessage(queue, Text(f"moderation.failed_queue.{kind}", {
            "user": who, "why": why, "chat": directory.label(action.chat)}), lang))
    return notices
