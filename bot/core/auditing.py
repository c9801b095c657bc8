"""The audit trail: every moderation action stored, and mirrored to the queue chat on request.

Commands typed in a chat and buttons pressed on a queue card both act; both must leave the
same trace, or the owner who turned `audit` on sees only half of what moderators do at night.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.core.actions import AnyAction, NotifyQueue
from bot.core.ports import UnitOfWork
from bot.core.records import AuditRecord
from bot.core.settings import CommunitySettings
from bot.core.texts import Text

#: actors that are the bot itself: "auto:filter", "auto:antiflood"
AUTO = "auto:"
#: audit actions the catalogs word (audit.action.*); any other is shown as recorded
AUDIT_ACTIONS = frozenset({
    "warn", "mute", "ban", "kick", "unwarn", "resetwarns", "unmute", "unban", "delete", "filter.delete",
    "filter.flag", "filter.dry_run", "flood.delete", "flood.warn", "flood.mute", "flood.ban", "flood.kick",
    "schedule.add", "schedule.remove", "reporter_abusive", "reporter_trusted", "faq.add",
    "faq.edit", "faq.delete",
})


def audit_action_text(action: str) -> Text | str:
    """The audit line names the action in the queue's language ("мут", not "mute")."""
    if action in AUDIT_ACTIONS:
        return Text(f"audit.action.{action.replace('.', '_')}")
    return action


def _actor_text(actor: str, name: str) -> Text | str:
    """The bot's own actors ("auto:filter") in the reader's words ("фильтр"); people by name."""
    if actor.startswith(AUTO):
        return Text(f"audit.actor.{actor.removeprefix(AUTO)}")
    return _named(actor, name)


def _named(ref: str, name: str) -> str:
    """"Olga (telegram:700)": the moderator reading the queue knows people by name, and the
    ref tells two Olgas apart (and is what /ban accepts on the other network)."""
    shown = " ".join(w for w in name.split() if not w.startswith("@"))  # may be read on VK
    return f"{shown} ({ref})" if shown and shown != ref else ref


async def record(uow: UnitOfWork, community: CommunitySettings, now: datetime, action: str, *,
                 actor: str, chat: str, chat_title: str = "", target: str | None = None,
                 actor_name: str = "", target_name: str = "", reason: str = "",
                 shown_reason: Text | None = None, applied_in: Sequence[str] = (),
                 chat_titles: Mapping[str, str] | None = None,
                 **details: Any) -> list[AnyAction]:
    """Store an audit record; with `audit = true`, the line for the queue chat.

    ``chat`` is where the command came from; ``applied_in`` where it took effect, when that
    is elsewhere (a /ban typed in the queue chat lands in the community's groups): the record
    and the line name the place it took effect, or the moderator reading "banned in the queue"
    cannot tell which group the member left (``chat_titles`` names those places as their
    titles were last seen). ``shown_reason`` words a reason the bot itself
    gives in the queue's language (the record keeps ``reason``); ``chat_title`` names
    ``chat`` on the line, for the moderator reading it on the other network, and
    ``actor_name``/``target_name`` name the people (the record keeps the refs, and the names
    as they were then).
    """
    where = list(applied_in) or [chat]
    stored_chat = where[0] if len(where) == 1 else chat
    if applied_in:
        details = {**details, "applied_in": list(applied_in)}
    names = {k: v for k, v in (("actor_name", actor_name), ("target_name", target_name)) if v}
    if names:
        details = {**details, **names}
    await uow.audit.add(AuditRecord(community=community.name, at=now, actor=actor, action=action,
                                    target=target, chat=stored_chat, reason=reason,
                                    details=details))
    if not (community.audit and community.queue is not None):
        return []
    return [NotifyQueue(community.queue, Text("audit.line", {
        "action": audit_action_text(action), "actor": _actor_text(actor, actor_name),
        "target": _named(target, target_name) if target else "-",
        "chat": ", ".join(_chat_text(c, chat_title if c == chat else
                                     (chat_titles or {}).get(c, "")) for c in where),
        "reason": shown_reason or reason or "-",
    }), community.language)]


def _chat_text(chat: str, title: str) -> str:
    return f"{title} ({chat})" if title else chat
