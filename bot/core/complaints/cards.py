"""The queue card and other composed wording, built as catalog Texts (never sentences).

The card is one Text whose optional lines are nested Texts (an empty `Text.raw("")` when a
line does not apply), so both catalogs decide the layout and the codec can store it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from bot.core.actions import Button
from bot.core.complaints.lifecycle import TicketState
from bot.core.complaints.ports import TicketRecord
from bot.core.texts import Text, clip

CARD_TEXT_LIMIT = 700
#: a report's reason and a moderator's note: the card must keep its other lines in the limit
CARD_REASON_LIMIT = 1000
LINE_TEXT_LIMIT = 60
#: a /queue line's author: two long names with @usernames must not push the list past the
#: message limit, where the platform would cut it mid-line
LINE_NAME_LIMIT = 40
#: characters of /queue lines (estimated generously: state, age, claimer) kept under the
#: 4,096 a Telegram message holds, so the list ends with whole lines and "…and N more"
QUEUE_BUDGET = 3300
LINE_OVERHEAD = 70
_NUMBER = re.compile(r"^[#№]?(\d{1,9})$")
_CARD_NUMBER = re.compile(r"#(\d{1,9})\b")

Buttons = tuple[tuple[Button, ...], ...]


def parse_number(word: str) -> int | None:
    """`17`, `#17` and `№17` all name ticket 17."""
    match = _NUMBER.match(word.strip())
    return int(match.group(1)) if match else None


def card_number(text: str) -> int | None:
    """The "#N" a card (or the SLA reminder standing in for it) names in its first line."""
    match = _CARD_NUMBER.search(text.partition("\n")[0])
    return int(match.group(1)) if match else None


def _empty() -> Text:
    return Text.raw("")


def _short(text: str, limit: int) -> str:
    """Spaces squeezed but line breaks kept (a spam message's layout is part of the evidence),
    at most one blank line in a row."""
    lines = [" ".join(line.split()) for line in text.strip().splitlines()]
    kept = [line for i, line in enumerate(lines) if line or (i and lines[i - 1])]
    return clip("\n".join(kept), limit)


def _one_line(text: str, limit: int) -> str:
    """A reporter's own words on one line: with line breaks a reason could add a fake
    "Author:" or "reports: 9" line to the card."""
    return clip(" ".join(text.split()), limit)


def _person(name: str, ref: str | None, shown_on: str = "") -> str:
    """"Name @username (network:id)". On a card in the other network's queue the @username
    is left out (or loses its @ when it is all there is): in VK, @spammer is the mention of
    whichever VK account has that short name."""
    if ref is None:
        return name
    if shown_on and "@" in name and not ref.startswith(f"{shown_on}:"):
        plain = " ".join(word for word in name.split() if not word.startswith("@"))
        name = plain or name.replace("@", "")
    return f"{name} ({ref})" if name and name != ref else ref


def _claimed(ticket: TicketRecord) -> Text:
    if not ticket.claimed_by:
        return _empty()
    return Text("complaints.card_claimed",
                {"who": _person(ticket.claimed_name, ticket.claimed_by)})


def state_text(ticket: TicketRecord) -> Text:
    return Text(f"complaints.state_{ticket.state}")


def card_text(ticket: TicketRecord) -> Text:
    """Everything a moderator needs to act without opening the chat."""
    shown_on = ticket.card_chat.partition(":")[0] if ticket.card_chat else ""
    author: str | Text = (_person(ticket.reported_name, ticket.reported_user, shown_on)
                          if ticket.reported_user or ticket.reported_name
                          else Text("complaints.card_no_author"))
    chat: str | Text = Text("complaints.card_private")
    if ticket.chat:
        chat = f"{ticket.chat_title} ({ticket.chat})" if ticket.chat_title else ticket.chat
    return Text("complaints.card", {
        "number": ticket.number,
        "community": ticket.community,
        "state": state_text(ticket),
        "claimed": _claimed(ticket),
        "against": (Text("complaints.card_against_moderator")
                    if ticket.against_moderator else _empty()),
        "chat": chat,
        "reporter": _person(ticket.reporter_name, ticket.reporter, shown_on),
        "reports": ticket.reporters_count,
        "author": author,
        "text": _short(ticket.message_text, CARD_TEXT_LIMIT) or "—",
        "deleted": Text("complaints.card_deleted") if ticket.message_deleted else _empty(),
        "link": (Text("complaints.card_link", {"link": ticket.message_link})
                 if ticket.message_link else _empty()),
        "reason": (Text("complaints.card_reason", {"reason": _one_line(ticket.reason,
                                                                     CARD_REASON_LIMIT)})
                   if ticket.reason else _empty()),
        "resolution": (Text("complaints.card_resolution", {
            "note": _short(ticket.resolution, CARD_REASON_LIMIT)})
                       if ticket.resolution else _empty()),
    })


def _button(key: str, action: str, ticket: TicketRecord) -> Button:
    return Button(Text(f"complaints.btn_{key}"), data=f"t:{action}:{ticket.id}")


def card_buttons(ticket: TicketRecord) -> Buttons:
    """Open tickets get the work buttons; closed ones only Reopen."""
    if not TicketState(ticket.state).is_open:
        return ((_button("reopen", "reopen", ticket),),)
    first: list[Button] = []
    if ticket.state == TicketState.NEW:
        first.append(_button("claim", "claim", ticket))
    first += [_button("resolve", "resolve", ticket), _button("reject", "reject", ticket)]
    second: list[Button] = []
    if ticket.chat and ticket.message_id and not ticket.message_deleted:
        second.append(_button("delete", "del", ticket))
    if ticket.chat and ticket.reported_user and not ticket.against_moderator:
        second.append(_button("ban", "ban", ticket))
    return (tuple(first), tuple(second)) if second else (tuple(first),)


def join_lines(lines: Sequence[Text]) -> Text:
    """Several Texts as one, a line each (a catalog cannot render a list by itself)."""
    if not lines:
        return _empty()
    joined = lines[-1]
    for line in reversed(lines[:-1]):
        joined = Text("complaints.join", {"head": line, "tail": joined})
    return joined


def queue_text(tickets: Sequence[TicketRecord], total: int, now: datetime) -> Text:
    """`/queue`: open tickets oldest first, with their age."""
    if not tickets:
        return Text("complaints.queue_empty")
    lines: list[Text] = []
    used = 0
    for t in tickets:
        author = clip(t.reported_name or t.reported_user or "—", LINE_NAME_LIMIT)
        text = _short(t.message_text, LINE_TEXT_LIMIT) or "—"
        used += len(author) + len(text) + len(t.claimed_name or "") + LINE_OVERHEAD
        if lines and used > QUEUE_BUDGET:
            break
        lines.append(Text("complaints.queue_line", {
            "number": t.number, "age": now - t.created_at, "state": state_text(t),
            "claimed": _claimed(t), "author": author, "text": text}))
    more = (Text("complaints.queue_more", {"count": total - len(lines)})
            if total > len(lines) else _empty())
    return Text("complaints.queue_list", {"count": total, "lines": join_lines(lines),
                                          "more": more})


def sla_text(ticket: TicketRecord, now: datetime) -> Text:
    return Text("complaints.sla_overdue", {
        "number": ticket.number,
        "age": now - ticket.opened_at,
        "card": card_text(ticket),
    })
