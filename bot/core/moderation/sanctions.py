"""Turn a decided sanction into platform actions and into the words of its notice.

Notices are built from catalog pieces — a head ("X has been warned: reason."), the outcome
("Muted for 1h."), the progress ("Warning 2 of 4; next: ban 1d.") and the degradation note
("VK has no mute: removed from the chat instead.") — so every combination reads naturally
in both languages without a key per combination.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.actions import Action, Ban, Kick, Mute
from bot.core.chats import ChatRef, UserRef
from bot.core.moderation.ladder import Rung, Sanction
from bot.core.texts import Text

TextPart = Text | str


def platform_actions(sanction: Sanction, chat: ChatRef, user: UserRef, *, channel: bool,
                     now: datetime, thread_id: str | None = None) -> list[Action]:
    """The platform calls for one chat; a warning needs none (it lives in the database).
    ``thread_id``: the forum topic where a failure would be said (the moderator's own)."""
    until = sanction.until(now)
    if sanction.action == "mute":
        return [Mute(chat, user, until, thread_id)]
    if sanction.action == "kick":
        return [Kick(chat, user, thread_id)]
    if sanction.action == "ban":
        return [Ban(chat, user, until, sender_chat=channel, thread_id=thread_id)]
    return []


def span(duration: timedelta | None) -> Text:
    """"for 1h" or "until a moderator lifts it"."""
    if duration is None:
        return Text("moderation.span.forever")
    return Text("moderation.span.for", {"duration": duration})


def describe(sanction: Sanction) -> Text:
    """A step as a noun phrase, for "next: …"."""
    if sanction.action in ("mute", "ban") and sanction.duration is not None:
        return Text(f"moderation.step.{sanction.action}",
                    {"duration": sanction.duration})
    if sanction.action in ("mute", "ban"):
        return Text(f"moderation.step.{sanction.action}_forever")
    return Text(f"moderation.step.{sanction.action}")


def outcome(sanction: Sanction) -> TextPart:
    """What happened beyond the warning itself (nothing for a plain warning)."""
    if sanction.action == "warn":
        return ""
    return Text(f"moderation.outcome.{sanction.action}", {"span": span(sanction.duration)})


def note(sanction: Sanction) -> TextPart:
    """Why the sanction differs from what was asked (e.g. VK has no mute), or nothing."""
    if sanction.note is None:
        return ""
    return Text(sanction.note, {"span": span(sanction.duration)})


def progress(rung: Rung) -> TextPart:
    """"Warning 2 of 4; next: mute 1d" — nothing after a permanent ban: there is no next."""
    if rung.sanction.action == "ban" and rung.sanction.duration is None:
        return ""
    return Text("moderation.progress", {"n": rung.shown_number, "total": rung.total,
                                        "next": describe(rung.next)})


def notice(head: Text, *, result: TextPart = "", step: TextPart = "",
           why: TextPart = "") -> Text:
    """One notice from its pieces; empty pieces simply vanish. A degradation note replaces
    the outcome, because it says what happened instead."""
    return Text("moderation.notice", {"head": head, "outcome": "" if why else result,
                                      "note": why, "progress": step})


def done(sanction: Sanction, user: TextPart, reason: TextPart) -> Text:
    """The head of a moderator command's notice: what the moderator asked for (a note
    follows when a platform could not do exactly that). ``user`` is a mention, so that on
    the VK wall, where a plain name notifies nobody, the member is linked and told."""
    params: dict[str, TextPart] = {"user": user, "reason": reason,
                                   "span": span(sanction.duration)}
    return Text(f"moderation.done.{sanction.action}", params)
