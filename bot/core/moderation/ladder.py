"""The ladder as a pure decision: which step the Nth active warning brings, in which chat.

Platforms cannot do everything a ladder asks. VK chats have no timed mute, VK wall comments
cannot be "kicked" from, and a Telegram channel a member posts as can only be banned. The
decision degrades such steps *here*, explicitly, and says so (`note`), so an adapter never
has to improvise and the member's notice tells the truth.

Mapping (documented in the README):
- VK chat, mute  → `vk_mute_fallback`: warn (warning only), kick (removed from the chat),
  ban (community ban for the mute's duration).
- VK wall, mute  → warn stays warn; kick and ban become a community ban for the mute's duration.
- VK wall, kick  → a ban for the step's duration when it has one, else a warning only.
- channel sender, mute or kick → a warning only (Telegram can only ban a channel).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from bot.core.chats import ChatRef
from bot.core.settings import LadderStep

SanctionKind = Literal["warn", "mute", "kick", "ban"]
Fallback = Literal["warn", "kick", "ban"]


@dataclass(frozen=True, slots=True)
class Sanction:
    """What actually happens in one chat; `note` is the catalog key explaining a degradation."""

    action: SanctionKind
    duration: timedelta | None = None
    delete: bool = True
    degraded_from: SanctionKind | None = None
    note: str | None = None

    def until(self, now: datetime) -> datetime | None:
        return now + self.duration if self.duration is not None else None


@dataclass(frozen=True, slots=True)
class Rung:
    """The decision for the Nth active warning: what happens now and what comes next."""

    number: int
    total: int
    sanction: Sanction
    next: Sanction

    @property
    def shown_number(self) -> int:
        """Beyond the last step the last one repeats, so "warning 6 of 4" is shown as 4 of 4."""
        return min(self.number, self.total)


def step_for(ladder: Sequence[LadderStep], count: int) -> LadderStep:
    """The step for the `count`-th active warning; beyond the last step, the last repeats."""
    if not ladder:
        raise ValueError("a ladder needs at least one step")
    if count < 1:
        raise ValueError("count starts at 1 (the warning just issued)")
    return ladder[min(count, len(ladder)) - 1]


def count_active(issued: Iterable[datetime], now: datetime, expiry: timedelta) -> int:
    """Warnings issued within `expiry` before `now` count; older ones are forgotten.

    Applied on top of each warning's stored expiry, so shortening `warn_expiry` in the config
    takes effect at once. A warning dated after `now` counts: the clock was stepped back (an
    NTP correction, a restored VM), and the offence happened all the same.
    """
    return sum(1 for at in issued if now - at < expiry)


def degrade(step: LadderStep | Sanction, chat: ChatRef, *, channel: bool,
            fallback: Fallback) -> Sanction:
    """Map a wanted step onto what this chat's platform can do (see the module docstring)."""
    wanted = Sanction(step.action, step.duration, step.delete)
    if channel and chat.platform != "vk" and wanted.action in ("mute", "kick"):
        # Telegram can only ban a sender chat; a VK page commenting on the wall is banned
        # from the community like a person (below).
        return _become(wanted, "warn", None, "moderation.degraded.channel_warn")
    if chat.platform != "vk":
        return wanted
    if wanted.action == "mute":
        if fallback == "warn":
            return _become(wanted, "warn", None, "moderation.degraded.vk_warn")
        if chat.is_vk_wall:
            return _become(wanted, "ban", wanted.duration, "moderation.degraded.wall_ban")
        if fallback == "kick":
            return _become(wanted, "kick", None, "moderation.degraded.vk_kick")
        return _become(wanted, "ban", wanted.duration, "moderation.degraded.vk_ban")
    if wanted.action == "kick" and chat.is_vk_wall:
        if wanted.duration is not None:
            return _become(wanted, "ban", wanted.duration, "moderation.degraded.wall_ban")
        return _become(wanted, "warn", None, "moderation.degraded.wall_warn")
    return wanted


def _become(wanted: Sanction, action: SanctionKind, duration: timedelta | None,
            note: str) -> Sanction:
    return replace(wanted, action=action, duration=duration, degraded_from=wanted.action,
                   note=note)


def decide(ladder: Sequence[LadderStep], count: int, chat: ChatRef, *, channel: bool,
           fallback: Fallback) -> Rung:
    """The rung for the `count`-th active warning in `chat`, and the one after it."""
    now_step = degrade(step_for(ladder, count), chat, channel=channel, fallback=fallback)
    next_step = degrade(step_for(ladder, count + 1), chat, channel=channel, fallback=fallback)
    return Rung(number=count, total=len(ladder), sanction=now_step, next=next_step)
