"""The ticket state machine, as a pure function.

    new ──claim──▶ claimed ──resolve/reject──▶ resolved | rejected ──reopen──▶ new
     ▲└───────────────resolve/reject─────────────▲
     └──────release──────┘

Decisions (documented because moderators will ask):
- Resolve and reject are allowed straight from `new`: a moderator who handles a ticket in one
  step should not have to press Claim first; the closer is then recorded as the claimer.
- Claiming a ticket someone else claimed takes it over (the queue must not stall when a
  moderator goes offline); claiming your own ticket again is refused as a no-op. A claim
  within a minute of another moderator's is refused instead (two presses at once are a race;
  desk.CLAIM_SETTLE, which needs the clock this pure function does not have).
- A closed ticket (resolved or rejected) cannot be claimed, resolved or rejected again; it
  must be reopened first, which clears the claim and restarts the SLA clock.
- A claim taken by mistake is released back to `new` (by any moderator, like a takeover), so
  the SLA reminder can fire again and someone else picks it up.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TicketState(StrEnum):
    NEW = "new"
    CLAIMED = "claimed"
    RESOLVED = "resolved"
    REJECTED = "rejected"

    @property
    def is_open(self) -> bool:
        return self in (TicketState.NEW, TicketState.CLAIMED)


OPEN_STATES = (TicketState.NEW.value, TicketState.CLAIMED.value)
ALL_STATES = tuple(state.value for state in TicketState)


class TicketAction(StrEnum):
    CLAIM = "claim"
    RESOLVE = "resolve"
    REJECT = "reject"
    REOPEN = "reopen"
    RELEASE = "release"


@dataclass(frozen=True, slots=True)
class Moved:
    """A legal transition: the new state and who holds the ticket afterwards."""

    state: TicketState
    claimed_by: str | None


@dataclass(frozen=True, slots=True)
class Refused:
    """An illegal transition; `reason` is a catalog key suffix under `complaints.refused_`."""

    reason: str


Outcome = Moved | Refused

_CLOSING = {TicketAction.RESOLVE: TicketState.RESOLVED, TicketAction.REJECT: TicketState.REJECTED}


def transition(state: TicketState, action: TicketAction, actor: str,
               claimed_by: str | None) -> Outcome:
    """Decide whether `actor` may apply `action` to a ticket in `state`."""
    if action is TicketAction.REOPEN:
        if state.is_open:
            return Refused("already_open")
        return Moved(TicketState.NEW, None)
    if not state.is_open:
        return Refused("closed")
    if action is TicketAction.RELEASE:
        if state is not TicketState.CLAIMED:
            return Refused("not_claimed")
        return Moved(TicketState.NEW, None)
    if action is TicketAction.CLAIM:
        if state is TicketState.CLAIMED and claimed_by == actor:
            return Refused("already_yours")
        return Moved(TicketState.CLAIMED, actor)
    # a closed ticket names who closed it, even if someone else had claimed it
    return Moved(_CLOSING[action], actor)
