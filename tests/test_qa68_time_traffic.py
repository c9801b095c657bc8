"""QA round 68: seeded random traffic where time moves, on Telegram and on VK.

Round 66 (`test_qa66_random_traffic`) mixed what members, moderators and the platform do at
nearly one moment. Here the same generator (imported, not copied: its events, its model of
the ladder, tickets and reports, its readers of the emulators and its invariant checks) drives
the real adapters in-process (tests/tg_emulator, tests/vk_emulator on 127.0.0.1) through
sequences that also move the injected clocks (the bot's FakeClock, the Telegram runner's
FakeTime) by random jumps of seconds, minutes, hours and days, and use what is bound to time:

- timed mutes (/mute 10m … 1d, the ladder's 1h and 1d) and timed bans (/ban 45m … 1d) that
  end on their own, /unmute and /unban before the end; on VK, where `vk_mute_fallback =
  "ban"` makes a mute a timed community ban, a member invited back before the end is removed
  again and one invited after it stays;
- warnings that expire after `warn_expiry` (2d here): the ladder counts only active ones, so
  after a quiet stretch the next offence is "Warning 1 of 4" again;
- scheduled posts from config (`cron` every 3 h to every chat, a one-off to the Telegram
  channel / the VK wall) and from moderators in chat (/schedule in 2h …, a date, every day
  HH:MM, an hourly cron), /schedule (the list) and /unschedule ID (config posts too),
  restarts between creation and the due time (the mid-sequence restart may be a downtime of
  hours or days), jumps across several occurrences (README: "Posts missed during downtime go
  out late within `schedule_grace` (for a recurring post, only the latest missed one); older
  ones are skipped"), a post due while the platform answers 429 / 5xx;
- tickets left open across SLA reminders, claimed, taken over, given back with /untake
  (README: "the SLA reminder can fire again") and closed days later;
- temporary messages (the ladder's notices, report acknowledgements, "answered above"
  pointers, refusals) that must go at their TTL, not before, also after a jump or a restart;
- FAQ entries added, edited and removed in chat (/faq add Q | A, /faq edit ID | A,
  /faq del ID) between members' questions: answered right after an add, the new answer
  after an edit (README: an edit lifts the "answered above" window), silence after a del,
  and the pointer's window (`repeat_window`, 30m) over after a jump.

Every burst and every scheduler round lands clear of the moments the model cannot call (a
mute's or ban's end, a warning's expiry, a repeat window's end within ±2.5 min of a burst; a
post's due time or the end of its grace within ±3 min of a round): the generator moves on a
few minutes instead, so each expectation is exact rather than tolerant. A jump never follows
an injected fault within three bursts (a retry carried past its grace is "failed and the
queue told", which the model does not predict), and a redelivered update is less than 20 h
old (Telegram keeps updates a day; the bot remembers the ids it handled for a week: seed 27
of the first sweeps redelivered a ten-day-old question, which was rightly answered anew).

After each sequence round 66's invariants are checked (one notice per offence, one ack and
one card per report, tickets 1..N, one outcome per reporter, cards as the tickets are, the
ladder's notices and the platform's sanctions with their ends, nothing in a stranger's
group, no traceback or token in the logs, `modbot audit` listing every moderation action
once; two adjusted: its three fixed posts are not in this config, and a question edited into
abuse more than 47 h after it was answered keeps its answer, as the bot keeps that link two
days, `ASKED_KEPT`, Telegram letting a bot delete for 48 h), and these:

- each scheduled occurrence goes out exactly once on every chat it names where the README
  says it does, never on another chat, never before its time, never past its grace, the
  skipped ones not at all, and `schedule.published` is audited once per chat;
- /schedule replies name the first run in the community's time; /schedule lists the live
  posts and not the cancelled ones; /unschedule, /faq add|edit|del and /untake answer once;
- mutes and bans end on time and never before: after every round the platform's restriction
  (Telegram's `restricted` / `kicked` + until_date, VK's community ban + end_date and chat
  membership) agrees with the model, and every /warns agrees with both (the active warnings
  after expiry, "Muted until" / "Banned until" with the right end while it runs, nothing once
  it is over);
- temporary messages are deleted after their TTL: never before it, and gone once the
  housekeeping has run at it and again three minutes later;
- FAQ: each question gets exactly the reply the model says (the current answer, one pointer
  naming the asker, or silence);
- SLA reminders: at most one per ticket, plus one per /untake;
- the bot posts only in the chats the config names (and private chats, and one line in a
  stranger's group); a transient error (every fault injected here is one) never reaches the
  queue as a failure.

The invariants were shown to fire by breaking one thing at a time (locally, not kept): a
scheduled post shown twice in the channel ("each due occurrence goes out once"), a report's
acknowledgement sent twice ("one ack per report"), the model reading /mute 2h as 1h
("sanctions", "the platform's restriction agrees"), notices believed to live 5 minutes ("a
temporary message stays its TTL"), warnings believed to expire after 5 days (/warns,
"ladder notices", the audit), the model forgetting the repeat window (the FAQ replies).

Two seeds per network by default (32 events on Telegram, 16 on VK, where each call costs
~90 ms), chosen among seeds 1–40 for what they cover; `QA68_SEEDS=1,2,3`, `QA68_EVENTS=80`
and `QA68_COVERAGE=FILE` (a line per sequence: jumps, posts, tickets, …) sweep more. Seeds
1–115 on both networks were swept while the generator grew. Each finding was shrunk into a
named deterministic test at the end (xfail(strict=True) while the product is wrong); two
were fixed while this round ran (7bfe73e) and stay as regression tests.
"""

from __future__ import annotations

import logging
import os
import re
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import pytest
from test_qa66_random_traffic import (
    FAQ,
    LADDER_MUTES,
    POINTER,
    WEIGHTS,
    Expect,
    Member,
    Msg,
    Scene,
    TgNet,
    Traffic,
    TrafficTelegram,
    Verdict,
    VkNet,
    check_invariants,
    peers,
    read_audit,
)
from tg_emulator.harness import ADMIN, GROUP, LISTED_MODERATOR, QUEUE, TOKEN, telegram_config
from tg_emulator.server import Fault
from tg_emulator.wire import wall_clock
from vk_emulator import VkEmulator
from vk_emulator.harness import CHAT as VK_CHAT
from vk_emulator.harness import MODERATOR as VK_MOD
from vk_emulator.harness import vk_config_text, write_vk_config

from bot.config import load_config
from bot.core.clock import FakeClock
from bot.features.schedule import service_for

CHANNEL = -1007  # the community's Telegram channel: scheduled posts only
VK_ADMIN = 950  # as in round 66
WARN_EXPIRY = timedelta(days=2)
GRACE = timedelta(hours=1)  # schedule_grace's default
REPEAT_WINDOW = timedelta(minutes=30)
MINUTE = timedelta(minutes=1)
BURST_MARGIN = timedelta(seconds=150)
ROUND_MARGIN = timedelta(minutes=3)
RECENT = timedelta(hours=20)  # what a platform may still deliver again

#: FAQ entries moderators add in chat: id hint → (question, answer, the answer after an edit)
CHAT_FAQ = {
    "dress": ("Is there a dress code at the club?", "Smart casual, no sportswear please.",
              "Anything tidy goes; sportswear is fine on Fridays."),
    "dogs": ("Can I bring my dog to the club?", "Dogs on a leash are welcome in the garden.",
             "Only guide dogs are allowed inside."),
    "gift": ("Do you sell gift cards?", "Gift cards are sold at the front desk.",
             "Gift cards are sold online and at the front desk."),
}
POST_TEXTS = ("Open mic on Friday, sign up at the bar", "The sauna is closed for repairs",
              "New yoga group starts next week", "Reminder: lockers are emptied on Sundays",
              "Photo contest: send your best summer shot")
CONFIG_CRON = "Config: every three hours, stretch your legs"
CONFIG_ONCE = "Config: the channel's one-off announcement"


# --------------------------------------------------------------------------------------------
# The two networks, with what this round reads off them
# --------------------------------------------------------------------------------------------

class TgNet68(TgNet):
    targets = (f"telegram:{GROUP}", f"telegram:{CHANNEL}")
    fault_target = f"telegram:{CHANNEL}"
    tz = ZoneInfo("UTC")
    ttl: ClassVar[dict[str, timedelta]] = {
        "notice": timedelta(minutes=2), "ack": timedelta(minutes=1),
        "pointer": timedelta(minutes=2), "refusal": timedelta(minutes=2)}

    def post_counts(self) -> dict[str, Counter[str]]:
        return {f"telegram:{chat}": Counter(s.text for s in self.sent(chat))
                for chat in (GROUP, CHANNEL)}

    def sent_at(self, chat: int, key: int) -> datetime | None:
        stored = self.emu.world.messages.get((chat, key))
        return None if stored is None else datetime.fromtimestamp(
            stored.message["date"], self.clock.now().tzinfo)

    def foreign_sends(self, allowed: set[int]) -> list[str]:
        out = []
        for call in self.emu.calls:
            if call.method in ("sendMessage", "sendPhoto") and call.ok:
                chat = int(call.result["chat"]["id"])
                if chat < 0 and chat not in allowed:
                    out.append(f"{chat}: {str(call.params.get('text'))[:60]!r}")
        return out

    def restriction(self, uid: int) -> tuple[str, int | None, bool]:
        """What Telegram holds for ``uid`` in the group: (free | mute | ban, until, in chat)."""
        info = self.emu.world.chats[GROUP].members.get(uid, {"status": "member"})
        until = int(info.get("until_date") or 0) or None
        if info["status"] == "kicked":
            if until is None or until > self.clock.now().timestamp():
                return "ban", until, False
            return "free", None, True
        if info["status"] == "restricted" and not info.get("can_send_messages") and (
                until is None or until > self.clock.now().timestamp()):
            return "mute", until, True
        return "free", None, True

    def fail_post(self, rng: Any) -> str:
        if rng.random() < 0.5:
            fault = Fault(429, retry_after=rng.randint(5, 100))
            self.emu.fail_in(CHANNEL, "sendMessage", fault)
            return f"channel sendMessage 429 retry_after={fault.retry_after}"
        times = rng.randint(1, 3)
        for _ in range(times):
            self.emu.fail_in(CHANNEL, "sendMessage", Fault(rng.choice((500, 502))))
        return f"channel sendMessage 5xx ×{times}"

    def invite(self, uid: int) -> Any:
        raise AssertionError("members are never removed from the Telegram group here")


class VkNet68(VkNet):
    targets = (f"vk:{VK_CHAT}", "vk:wall")
    fault_target = "vk:wall"
    tz = ZoneInfo("Europe/Moscow")
    # round 66's choice: notices and acknowledgements stay up for hours (each VK call costs
    # ~35 ms here); the jumps still carry them past their TTL
    ttl: ClassVar[dict[str, timedelta]] = dict.fromkeys(
        ("notice", "ack", "pointer", "refusal"), timedelta(hours=6))

    def post_counts(self) -> dict[str, Counter[str]]:
        return {f"vk:{VK_CHAT}": Counter(s.text for s in self.sent(VK_CHAT)),
                "vk:wall": Counter(p.get("message", "") for p in self.vk.posts.values()
                                   if not p.get("deleted"))}

    def sent_at(self, chat: int, key: int) -> datetime | None:
        return None  # VK's messages carry no date in the emulator: the observation bounds it

    def foreign_sends(self, allowed: set[int]) -> list[str]:
        out = []
        for call in self.vk.calls:
            if call.method == "messages.send" and call.error is None:
                for peer in peers(call.params):
                    if peer and int(peer) >= 2_000_000_000 and int(peer) not in allowed:
                        out.append(f"{peer}: {call.params.get('message', '')[:60]!r}")
        return out

    def restriction(self, uid: int) -> tuple[str, int | None, bool]:
        in_chat = uid in self.vk.peer(VK_CHAT).members
        if uid in self.vk.bans:
            end = self.vk.bans[uid]
            if end is None or end > self.clock.now().timestamp():
                return "ban", end, in_chat
        return "free", None, in_chat

    def fail_post(self, rng: Any) -> str:
        code = rng.choice((6, 10))
        times = rng.randint(1, 2)
        lost = rng.random() < 0.5
        self.vk.fail("wall.post", code, times=times, after_effect=lost)
        return f"wall.post error {code} ×{times}{' after the effect' if lost else ''}"

    def invite(self, uid: int) -> Any:
        """A moderator adds ``uid`` back to the chat (VK's chat_invite_user)."""
        self.vk.peer(VK_CHAT).members[uid] = "member"
        self.vk.post_message(VK_CHAT, VK_MOD, "", action={"type": "chat_invite_user",
                                                          "member_id": uid})
        return self.vk.updates[-1]


Net68 = TgNet68 | VkNet68


def aligned_clock() -> FakeClock:
    """Round 66's clock (near the wall clock: Telegram reads until_date against it), moved on
    to hh:10 of an hour that is 2 (mod 3): the config's "every 3 hours" post last ran 2h10m
    ago, past its grace, so the first start owes nothing."""
    clock = wall_clock()
    hours = (2 - clock.now().hour) % 3
    clock.advance(timedelta(hours=hours, minutes=10))
    return clock


@pytest.fixture
def clock() -> FakeClock:
    return aligned_clock()


@pytest.fixture
async def tg(clock: FakeClock) -> AsyncIterator[TrafficTelegram]:
    """Round 66's Telegram emulator, with the community's news channel."""
    async with TrafficTelegram(TOKEN) as emu:
        emu.world.clock = lambda: clock.now().timestamp()
        emu.group(GROUP, title="Club", admins=(ADMIN,))
        emu.group(QUEUE, title="Moderators", admins=(ADMIN,))
        emu.group(CHANNEL, title="Club news", admins=(ADMIN,), type="channel")
        yield emu


def community_extra(clock: FakeClock, tz: ZoneInfo, once_target: str, *,
                    moderation: str = "", complaints: str = "") -> str:
    once = (clock.now() + timedelta(minutes=50)).astimezone(tz)
    return (f'faq = "faq.toml"\n\n[community.moderation]\nwarn_expiry = "2d"\n{moderation}'
            f"\n[community.complaints]\n{complaints}"
            f'\n[[community.schedule]]\ncron = "0 */3 * * *"\ntext = "{CONFIG_CRON}"\n'
            f'\n[[community.schedule]]\nat = "{once:%Y-%m-%d %H:%M}"\ntext = "{CONFIG_ONCE}"\n'
            f'chats = ["{once_target}"]\n')


async def tg_net68(tmp_path: Path, emu: TrafficTelegram, clock: FakeClock) -> TgNet68:
    (tmp_path / "faq.toml").write_text(FAQ, encoding="utf-8")
    path = telegram_config(tmp_path, emu.api_base).path  # round 66's, plus the channel
    path.write_text(path.read_text(encoding="utf-8").replace(
        f'chats = ["telegram:{GROUP}"]', f'chats = ["telegram:{GROUP}", "telegram:{CHANNEL}"]')
        + community_extra(clock, TgNet68.tz, f"telegram:{CHANNEL}"), encoding="utf-8")
    return TgNet68(emu, load_config(path), clock)


async def vk_net68(tmp_path: Path, vk: VkEmulator, clock: FakeClock) -> VkNet68:
    (tmp_path / "faq.toml").write_text(FAQ, encoding="utf-8")
    extra = community_extra(clock, VkNet68.tz, "vk:wall",
                            moderation='vk_mute_fallback = "ban"\nnotice_ttl = "6h"\n',
                            complaints='ack_ttl = "6h"\n')
    config = write_vk_config(tmp_path, vk_config_text(vk, community_extra=extra))
    vk.set_admins(VK_CHAT, VK_ADMIN)
    vk.add_members(VK_CHAT, *VkNet68.members)
    return VkNet68(vk, config, clock)


# --------------------------------------------------------------------------------------------
# What the generator remembers about time
# --------------------------------------------------------------------------------------------

@dataclass
class Post:
    """A scheduled post: a one-off (``due``) or a recurring one (``anchor`` + k·``period``)."""

    text: str
    targets: tuple[str, ...]
    created: datetime
    origin: str  # config | chat
    due: datetime | None = None
    anchor: datetime | None = None
    period: timedelta | None = None
    number: int | None = None  # the bot's #ID (config posts: their place in the file)
    cmd: Msg | None = None  # the /schedule message (its reply names the ID)
    cancelled: datetime | None = None

    def occurrences(self, after: datetime, until: datetime) -> list[datetime]:
        """Due times in (after, until]."""
        if self.due is not None:
            return [self.due] if after < self.due <= until else []
        assert self.anchor is not None and self.period is not None
        k = (after - self.anchor) // self.period + 1
        out = []
        while (at := self.anchor + k * self.period) <= until:
            if at > after:
                out.append(at)
            k += 1
        return out

    def next_after(self, moment: datetime) -> datetime | None:
        found = self.occurrences(moment, moment + timedelta(days=4))
        return found[0] if found else None


@dataclass
class FaqEntry:
    hint: str
    question: str
    answer: str
    alive: bool = False
    ident: str | None = None
    add_msg: Msg | None = None
    edits: int = 0
    #: chat → the question that got the last full answer there, and when
    last: dict[int, Msg] = field(default_factory=dict)


@dataclass
class Said:
    """One reply the bot owes ``msg``, judged by ``ok`` at the end (or none, ``silent``); a
    pointer answers the earlier answer, the one to ``above``, naming the asker."""

    msg: Msg
    what: str
    ok: Callable[[str], bool] | None = None
    silent: bool = False
    above: Msg | None = None


@dataclass
class Temp:
    """A temporary message of the bot in the members' chat."""

    chat: int
    key: int
    kind: str
    ttl: timedelta
    sent_lo: datetime  # it was sent in [sent_lo, sent_hi]
    sent_hi: datetime
    text: str
    deleted_by: datetime | None = None  # observed deleted at (it went in (prev obs, this])
    alive_at: datetime | None = None  # the last observation that saw it


class TimeTraffic(Traffic):
    """Round 66's generator with a clock that jumps, and what is bound to time."""

    net: Net68

    def __init__(self, net: Net68, seed: int) -> None:
        super().__init__(net, seed)
        self.warn_at: dict[int, list[datetime]] = {uid: [] for uid in net.members}
        self.ban_until: dict[int, datetime] = {}  # a /ban with a duration: its end
        self.mute_ban_until: dict[int, datetime] = {}  # VK: a mute given as a timed ban
        self.posts: list[Post] = []
        self.faq = {hint: FaqEntry(hint, q, a) for hint, (q, a, _) in CHAT_FAQ.items()}
        self.said: list[Said] = []
        self.releases: Counter[int] = Counter()
        self.rounds: list[datetime] = []
        self.seen_posts: list[tuple[datetime, str, str]] = []
        self.counts: dict[str, Counter[str]] = {}
        self.temps: dict[tuple[int, int], Temp] = {}
        self.last_obs: datetime = net.clock.now()
        self.problems: list[tuple[str, str]] = []
        self.pending_jump: float | None = None
        self.arm_fault = False
        self.fault_post_burst = self.fault_burst = -10
        self.jumps: list[str] = []
        self.checks = Counter[str]()
        self.kinds = Counter[str]()
        #: audit records whose target the bot names in its reply (a post's or entry's id)
        self.late_audit: list[Callable[[], tuple[str, str, str]]] = []
        self.gone_time: dict[int, datetime] = {}  # id(msg) → when the model saw it removed
        self.removed_in: dict[int, int] = {}  # VK: the burst a member was last removed in
        self.disagree: dict[int, int] = {}  # checks in a row the platform disagreed
        self.burst_at: dict[int, datetime] = {}

    # -- the model's clock-bound state -------------------------------------------------------
    def expire(self, uid: int) -> None:
        """Warnings older than warn_expiry no longer count; an /unban's reset clears all."""
        member = self.members[uid]
        if member.warnings == 0:
            self.warn_at[uid] = []
        self.warn_at[uid] = [at for at in self.warn_at[uid] if self.now - at < WARN_EXPIRY]
        member.warnings = len(self.warn_at[uid])

    def offence(self, uid: int, by: str) -> None:
        self.expire(uid)
        super().offence(uid, by)
        self.warn_at[uid].append(self.now)
        if self.net.name == "vk" and self.members[uid].warnings in LADDER_MUTES:
            # the ladder's mute is a timed community ban here (vk_mute_fallback = "ban"),
            # audited as a ban, not as round 66's kick
            self.audit[("kick", by, self.ref(uid))] -= 1
            self.audit[("ban", by, self.ref(uid))] += 1

    def filtered(self, msg: Msg) -> None:
        """On VK a mute is a timed ban, and a banned member's messages that arrive after the
        ban are only deleted, "with no second ban or notice" (README)."""
        member = self.members.get(msg.author)
        if self.net.name == "vk" and member is not None and not member.banned \
                and msg.author not in self.net.mods and self.running(msg.author, self.now):
            msg.obscene = True
            if msg.gone is None:
                msg.gone, msg.gone_at = "filter", len(self.story)
            if not msg.offence:
                msg.offence = True
                self.audit[("filter.delete", "auto:filter", self.ref(msg.author))] += 1
            return
        super().filtered(msg)

    def sanction(self, uid: int, kind: str, seconds: int | None = None) -> None:
        """Round 66's sanctions, plus time: a /ban with a duration ends by itself, and on VK
        a mute is a community ban for its duration (vk_mute_fallback = "ban")."""
        member = self.members[uid]
        vk = self.net.name == "vk"
        if vk and not member.removed and kind in ("mute", "ban"):
            self.removed_in[uid] = self.burst  # (the removal may land after an invite now)
        if kind == "unban":
            self.mute_ban_until.pop(uid, None)
            self.ban_until.pop(uid, None)
        if kind == "ban" and seconds is not None:
            end = self.now + timedelta(seconds=seconds)
            self.ban_until[uid] = end
            member.banned = True
            if vk:
                member.sanctions.append(("ban", int(end.timestamp())))
                if not member.removed:
                    member.sanctions.append(("kick", None))
                member.removed = True
            else:
                member.sanctions.append(("ban", None))
                member.muted_until = None  # on Telegram a ban replaces the restriction
            return
        if kind == "ban":
            self.ban_until.pop(uid, None)  # a permanent ban replaces a timed one
        if vk and kind == "mute":
            assert seconds is not None
            end = self.now + timedelta(seconds=seconds)
            member.sanctions.append(("ban", int(end.timestamp())))
            if not member.removed:
                member.sanctions.append(("kick", None))
            member.removed = True
            self.mute_ban_until[uid] = end
            return
        super().sanction(uid, kind, seconds)

    def lift_ended_bans(self) -> None:
        """A timed ban is over at its end: the member is judged afresh (on VK they must be
        invited back first)."""
        for uid, end in list(self.ban_until.items()):
            if end <= self.now:
                self.members[uid].banned = False
                del self.ban_until[uid]

    def running(self, uid: int, at: datetime) -> tuple[str, datetime | None] | None:
        """The restriction the bot gave ``uid`` that still runs at ``at``."""
        member = self.members[uid]
        if member.banned:
            end = self.ban_until.get(uid)
            if end is None or end > at:
                return "ban", end
        if self.net.name == "vk":
            end = self.mute_ban_until.get(uid)
            return ("ban", end) if end is not None and end > at else None
        if member.muted_until is not None and member.muted_until > at:
            return "mute", member.muted_until
        return None

    def member_edges(self, uid: int) -> list[datetime]:
        edges = [at + WARN_EXPIRY for at in self.warn_at[uid]]
        member = self.members[uid]
        if member.muted_until is not None:
            edges.append(member.muted_until)
        edges += [d[uid] for d in (self.ban_until, self.mute_ban_until) if uid in d]
        return edges

    def burst_edges(self) -> list[datetime]:
        edges = [e for uid in self.members for e in self.member_edges(uid)]
        edges += [q.at + REPEAT_WINDOW for entry in self.faq.values() for q in entry.last.values()]
        return edges

    def round_edges(self, around: datetime) -> list[datetime]:
        edges = []
        for post in self.live_posts(around - GRACE - ROUND_MARGIN):
            for due in post.occurrences(around - GRACE - 2 * ROUND_MARGIN,
                                        around + 2 * ROUND_MARGIN):
                edges += [due, due + GRACE]
        return edges

    def live_posts(self, at: datetime) -> list[Post]:
        return [p for p in self.posts if p.cancelled is None or p.cancelled > at]

    # -- the bot's words ---------------------------------------------------------------------
    def reply_to(self, msg: Msg) -> str | None:
        said = [s.text for s in self.net.sent(msg.chat) if s.reply_to == msg.key]
        return said[0] if said else None

    def post_number(self, post: Post) -> int | None:
        if post.number is None and post.cmd is not None:
            text = self.reply_to(post.cmd) or ""
            m = re.match(r"Scheduled post #(\d+):", text)
            post.number = int(m[1]) if m else None
        return post.number

    def faq_ident(self, entry: FaqEntry) -> str | None:
        if entry.ident is None and entry.add_msg is not None:
            entry.ident = self.faq_ident_of(entry.add_msg)
        return entry.ident

    def faq_ident_of(self, add: Msg) -> str | None:
        m = re.match(r"Added to the FAQ as (\S+):", self.reply_to(add) or "")
        return m[1] if m else None

    def expect_said(self, msg: Msg, what: str, ok: Callable[[str], bool] | None = None, *,
                    silent: bool = False) -> None:
        self.said.append(Said(msg, what, ok, silent))

    def local(self, moment: datetime) -> str:
        return f"{moment.astimezone(self.net.tz):%Y-%m-%d %H:%M}"

    def mod_chat(self) -> int:
        return self.net.queue if self.rng.random() < 0.25 else self.net.group

    # -- events: time ------------------------------------------------------------------------
    def quiet_platform(self) -> bool:
        """No fault injected lately: whatever was refused has been retried, so a jump now
        does not carry a retry past its grace (that is the README's "failed and the queue
        told", which this model does not predict)."""
        return self.burst - max(self.fault_post_burst, self.fault_burst) > 3

    def ev_fault(self) -> bool:
        self.fault_burst = self.burst
        return super().ev_fault()

    def ev_redeliver(self) -> bool:
        """Round 66's redelivery, of an update less than a day old: Telegram keeps updates a
        day, and the bot remembers the ids it handled for a week (README), so a week-old
        update coming back is no platform's behaviour (seed 27 answered one)."""
        every = self.updates
        self.updates = [(b, u) for b, u in every if self.now - self.burst_at[b] < RECENT]
        try:
            return super().ev_redeliver()
        finally:
            self.updates = every

    def ev_jump(self) -> bool:
        if self.pending_jump is not None or not self.quiet_platform():
            return False
        scale = self.rng.choices(("seconds", "minutes", "hours", "days"), (2, 3, 3, 3))[0]
        seconds = {"seconds": self.rng.randint(10, 50),
                   "minutes": self.rng.randint(2, 50) * 60,
                   "hours": self.rng.randint(1, 10) * 3600 + self.rng.randint(0, 59) * 60,
                   "days": self.rng.randint(1, 3) * 86400 + self.rng.randint(0, 23) * 3600,
                   }[scale]
        self.pending_jump = seconds
        self.story.append(f"b{self.burst} the clock will jump {timedelta(seconds=seconds)}")
        return True

    def ev_tmute(self) -> bool:
        picked = self.target(in_chat=True) if self.free_mods() else None
        if picked is None:
            return False
        member, msg = picked
        tail, seconds = self.rng.choice((("10m", 600), ("45m", 2700), ("2h", 7200),
                                         ("1d", 86400), ("1h30m", 5400)))
        cmd = self.mod_command("mute", member, msg, tail)
        action = "ban" if self.net.name == "vk" else "mute"
        self.audit[(action, self.ref(cmd.author), self.ref(member.uid))] += 1
        self.sanction(member.uid, "mute", seconds)
        return True

    def ev_tban(self) -> bool:
        """/ban with a duration: over by itself at its end (README: "/ban [duration|forever]",
        the platform's until_date / end_date)."""
        picked = self.target(in_chat=True) if self.free_mods() else None
        if picked is None or picked[0].uid in self.mute_ban_until:
            return False
        member, msg = picked
        tail, seconds = self.rng.choice((("45m", 2700), ("2h", 7200), ("1d", 86400),
                                         ("3h", 10800)))
        cmd = self.mod_command("ban", member, msg, tail)
        self.audit[("ban", self.ref(cmd.author), self.ref(member.uid))] += 1
        self.sanction(member.uid, "ban", seconds)
        return True

    def ev_rejoin(self) -> bool:
        """VK: a moderator adds a removed member back; the bot removes them again only while
        its ban on them runs (README: a member the bot banned whom someone invites back is
        removed again)."""
        if self.net.name != "vk":
            return False
        options = [m for m in self.members.values() if m.removed and m.uid not in self.busy
                   and self.removed_in.get(m.uid, -1) < self.burst]
        if not options:
            return False
        member = self.rng.choice(options)
        update = self.net.invite(member.uid)
        self.updates.append((self.burst, update))
        ban = self.running(member.uid, self.now)
        self.story.append(f"b{self.burst} {member.uid} invited back ({'banned' if ban else 'free'})")
        if ban is not None:
            member.sanctions.append(("kick", None))
        else:
            member.removed = False
        self.busy.add(member.uid)  # their invitation is this burst's doing
        return True

    def ev_untake(self) -> bool:
        options = [t for t in self.tickets if t.state == "claimed" and t.touched < self.burst
                   and t.holder in self.free_mods()]
        if not options:
            return False
        ticket = self.rng.choice(options)
        assert ticket.holder is not None
        verb = self.rng.choice(("untake", "release", "unclaim"))
        msg = self.post(ticket.holder, self.cmd(f"{verb} {ticket.number}"), "command",
                        chat=self.mod_chat())
        self.touch(ticket)
        ticket.state, ticket.holder = "new", None
        self.releases[ticket.number] += 1
        self.audit[("ticket.release", self.ref(msg.author), self.ref(ticket.msg.author))] += 1
        number = ticket.number
        self.expect_said(msg, "the ticket is back in the queue",
                         lambda t: t.startswith(f"Ticket #{number} is back in the queue"))
        return True

    # -- events: FAQ edits in chat -----------------------------------------------------------
    def ev_faq_add(self) -> bool:
        mods = self.free_mods()
        absent = [e for e in self.faq.values() if not e.alive]
        if not mods or not absent:
            return False
        entry = self.rng.choice(absent)
        msg = self.post(self.rng.choice(mods), self.cmd(f"faq add {entry.question} | "
                                                        f"{entry.answer}"), "command",
                        chat=self.mod_chat())
        entry.alive, entry.ident, entry.add_msg, entry.last = True, None, msg, {}
        self.late_audit.append(lambda: ("faq.add", self.ref(msg.author),
                                        str(self.faq_ident_of(msg))))
        self.expect_said(msg, "/faq add is confirmed",
                         lambda t: t.startswith("Added to the FAQ as "))
        if self.rng.random() < 0.3:  # a member asks the moment after
            self.ask(entry)
        return True

    def settled_chat_entries(self) -> list[Any]:
        """Entries added in chat in an earlier burst, whose id the bot has already told."""
        return [e for e in self.faq.values() if e.alive and self.faq_ident(e)
                and e.add_msg is not None and e.add_msg.burst < self.burst]

    def ev_faq_edit(self) -> bool:
        mods, options = self.free_mods(), self.settled_chat_entries()
        if not mods or not options:
            return False
        entry = self.rng.choice(options)
        entry.edits += 1
        base = CHAT_FAQ[entry.hint][1 + entry.edits % 2]
        entry.answer = f"{base} (updated {entry.edits})"
        ident = entry.ident
        msg = self.post(self.rng.choice(mods), self.cmd(f"faq edit {ident} | {entry.answer}"),
                        "command", chat=self.mod_chat())
        entry.last = {}  # README: an edited answer is sent again, not pointed to
        self.audit[("faq.edit", self.ref(msg.author), str(ident))] += 1
        self.expect_said(msg, "/faq edit is confirmed", lambda t: t.startswith(f"Updated {ident}"))
        return True

    def ev_faq_del(self) -> bool:
        mods, options = self.free_mods(), self.settled_chat_entries()
        if not mods or not options:
            return False
        entry = self.rng.choice(options)
        ident = entry.ident
        msg = self.post(self.rng.choice(mods), self.cmd(f"faq del {ident}"), "command",
                        chat=self.mod_chat())
        entry.alive = False
        answer = entry.answer
        self.audit[("faq.delete", self.ref(msg.author), str(ident))] += 1
        self.expect_said(msg, "/faq del shows what it removed",
                         lambda t: t.startswith(f"Removed {ident} from the FAQ") and answer in t)
        return True

    def ask(self, entry: FaqEntry) -> bool:
        who = self.writers()
        if not who:
            return False
        text = self.rng.choice((entry.question, entry.question.lower()))
        msg = self.post(self.rng.choice(who), text, "faq_q")
        if not entry.alive:
            self.expect_said(msg, f"silence: {entry.hint} is not in the FAQ", silent=True)
            return True
        last = entry.last.get(msg.chat)
        if last is not None and self.now - last.at < REPEAT_WINDOW:
            self.said.append(Said(msg, f"a pointer to the answer of {entry.hint} given "
                                       f"{self.now - last.at} ago", above=last))
        else:
            answer = entry.answer
            entry.last[msg.chat] = msg
            self.expect_said(msg, f"the answer of {entry.hint}: {answer!r}",
                             lambda t: t == answer)
        return True

    def ev_faq_ask(self) -> bool:
        alive = [e for e in self.faq.values() if e.alive]
        pool = alive if alive and self.rng.random() < 0.75 else list(self.faq.values())
        return self.ask(self.rng.choice(pool))

    # -- events: the content plan ------------------------------------------------------------
    def new_post(self, cmd_tail: str, post: Post) -> Post:
        mod = self.rng.choice(self.free_mods())
        msg = self.post(mod, self.cmd(f"schedule {cmd_tail} {post.text}"), "command",
                        chat=self.mod_chat())
        post.cmd, post.created = msg, self.now
        self.posts.append(post)
        self.late_audit.append(lambda: ("schedule.add", self.ref(mod),
                                        f"post:{self.post_number(post)}"))
        first = post.next_after(self.now)
        assert first is not None
        # a relative time may be shown to the minute either way
        shown = {self.local(first), self.local(first - MINUTE), self.local(first + MINUTE)} \
            if post.due is not None and cmd_tail.startswith("in ") else {self.local(first)}
        self.expect_said(msg, f"/schedule names the first run {self.local(first)}",
                         lambda t: t.startswith("Scheduled post #")
                         and any(f"next run {s} " in t for s in shown))
        return post

    def chat_posts(self) -> list[Post]:
        return [p for p in self.posts if p.origin == "chat"]

    def ev_sched_once(self) -> bool:
        if not self.free_mods() or len(self.chat_posts()) >= 7:
            return False
        text = f"Chat post {len(self.posts) + 1}: {self.rng.choice(POST_TEXTS)}"
        minutes = self.rng.choice((self.rng.randint(5, 55), self.rng.randint(60, 600),
                                   self.rng.randint(1440, 3000)))
        post = Post(text, self.net.targets, self.now, "chat")
        if self.rng.random() < 0.5:
            post.due = self.now + timedelta(minutes=minutes)
            hours, rest = divmod(minutes, 60)
            tail = "in " + (f"{hours}h" if hours else "") + (f"{rest}m" if rest else "")
        else:
            local = (self.now + timedelta(minutes=minutes)).astimezone(self.net.tz)
            local = local.replace(second=0, microsecond=0)
            post.due = local.astimezone(self.now.tzinfo)
            tail = f"{local:%Y-%m-%d %H:%M}"
        self.new_post(tail, post)
        return True

    def ev_sched_repeat(self) -> bool:
        if not self.free_mods() or len([p for p in self.chat_posts() if p.period]) >= 3:
            return False
        local = self.now.astimezone(self.net.tz)
        text = f"Chat post {len(self.posts) + 1} (repeats): {self.rng.choice(POST_TEXTS)}"
        post = Post(text, self.net.targets, self.now, "chat")
        if self.rng.random() < 0.5:
            # every day at a time at least 10 minutes away from now
            at = local.replace(second=0, microsecond=0) + timedelta(
                minutes=self.rng.randint(10, 24 * 60 - 10))
            post.anchor, post.period = at.astimezone(self.now.tzinfo), timedelta(days=1)
            tail = f"every day {at:%H:%M}"
        else:
            minute = (local.minute + self.rng.randint(6, 54)) % 60
            at = local.replace(minute=minute, second=0, microsecond=0)
            post.anchor, post.period = at.astimezone(self.now.tzinfo), timedelta(hours=1)
            tail = f"{minute} * * * *"
        self.new_post(tail, post)
        return True

    def ev_sched_list(self) -> bool:
        mods = self.free_mods()
        if not mods or not self.chat_posts():
            return False
        msg = self.post(self.rng.choice(mods), self.cmd("schedule"), "command",
                        chat=self.mod_chat())
        listed = [p for p in self.posts if (p.cmd is None or p.cmd.burst < self.burst)
                  and p.cancelled is None and (p.due is None or p.due > self.now + ROUND_MARGIN)]
        gone = [p for p in self.posts if p.cancelled is not None]
        self.said.append(Said(msg, "the plan", self.listing_check(listed, gone)))
        return True

    def listing_check(self, listed: list[Post], gone: list[Post]) -> Callable[[str], bool]:
        def ok(text: str) -> bool:
            shown = set(re.findall(r"^#(\d+) · ", text, re.M))
            return all(str(self.post_number(p)) in shown for p in listed) and not any(
                str(self.post_number(p)) in shown for p in gone)
        return ok

    def ev_unsched(self) -> bool:
        mods = self.free_mods()
        # the config's posts too: cancelled from chat, they stay cancelled after a restart
        options = [p for p in self.posts if p.cancelled is None and self.post_number(p)
                   and (p.cmd is None or p.cmd.burst < self.burst)
                   and (p.due is None or p.due > self.now + ROUND_MARGIN)]
        if not mods or not options or self.burst - self.fault_post_burst < 3:
            return False
        post = self.rng.choice(options)
        number = post.number
        msg = self.post(self.rng.choice(mods), self.cmd(f"unschedule {number}"), "command",
                        chat=self.mod_chat())
        post.cancelled = self.now
        self.audit[("schedule.remove", self.ref(msg.author), f"post:{number}")] += 1
        self.expect_said(msg, f"post #{number} is unscheduled",
                         lambda t: t.startswith(f"Post #{number} is unscheduled"))
        return True

    def ev_post_fault(self) -> bool:
        """Jump to just after the next post due on the fault target, and have the platform
        refuse that send with 429 or 5xx (README: retried until the grace runs out)."""
        if self.pending_jump is not None or self.arm_fault or not self.quiet_platform():
            return False
        dues = [d for p in self.live_posts(self.now) if self.net.fault_target in p.targets
                for d in [p.next_after(self.now + MINUTE)] if d is not None]
        if not dues:
            return False
        due = min(dues)
        self.pending_jump = (due - self.now).total_seconds() + self.rng.randint(30, 1200)
        self.arm_fault = True
        self.fault_post_burst = self.burst
        self.story.append(f"b{self.burst} the clock will jump past {self.local(due)}, where a "
                          f"post meets a platform error")
        return True

    def mod_command(self, verb: str, member: Member, msg: Msg | None, tail: str = "") -> Msg:
        """Round 66's, except that on Telegram a /mute or /ban of a member already banned in
        the group is typed in the group: from the queue it also reaches the channel, where
        they are not banned (test_tg_queue_mute_of_a_member_banned_in_the_group_…)."""
        if self.net.name == "telegram" and member.banned:
            self.net.queue = self.net.group  # an instance attribute, for this call only
            try:
                return super().mod_command(verb, member, msg, tail)
            finally:
                del self.net.queue
        return super().mod_command(verb, member, msg, tail)

    def ev_double_ban(self) -> bool:
        """Round 66's race of two moderators banning one raider. On Telegram the second
        types it where the first did: a second /ban from the queue now also covers the
        channel (test_tg_second_ban_from_the_queue_also_bans_in_the_channel)."""
        mods = self.free_mods()
        picked = self.target() if len(mods) == 2 else None
        if picked is None:
            return False
        member, msg = picked
        first = self.mod_command("ban", member, msg)
        self.audit[("ban", self.ref(first.author), self.ref(member.uid))] += 1
        self.sanction(member.uid, "ban")
        chat = self.net.group if self.net.name == "telegram" and first.chat == self.net.group \
            else self.rng.choice((self.net.group, self.net.queue))
        second = self.post(self.free_mods()[0], self.cmd(f"ban {member.uid}"), "command",
                           chat=chat)
        self.expects.append(Expect(second, "says", text="already banned"))
        return True

    # -- what /warns must say ----------------------------------------------------------------
    def warns_expect(self, msg: Msg, member: Member) -> Expect:
        self.expire(member.uid)
        self.lift_ended_bans()
        warnings, banned = member.warnings, member.banned
        running = self.running(member.uid, self.now)
        mute_ban = self.mute_ban_until.get(member.uid)
        vk = self.net.name == "vk"
        tz = self.net.tz

        def ok(text: str) -> bool:
            if ("no active warnings" in text) != (warnings == 0):
                return False
            if warnings and f"active warnings: {warnings};" not in text:
                return False
            m = re.search(r"(Muted|Banned) until (\d{4}-\d\d-\d\d \d\d:\d\d)", text)
            forever = re.search(r"(Muted|Banned) until a moderator lifts it", text)
            if running is None:
                return m is None and forever is None
            kind, end = running
            word = {"mute": "Muted", "ban": "Banned"}[kind]
            if end is None:
                return forever is not None and forever[1] == word and m is None
            if m is None or forever is not None:
                return False
            if m[1] != word and not (vk and end == mute_ban):
                return False  # (on VK a mute is a timed ban: either word will do)
            shown = datetime.strptime(m[2], "%Y-%m-%d %H:%M").replace(tzinfo=tz)
            return abs(shown - end) <= 2 * MINUTE

        detail = f"{warnings} warnings, banned={banned}, running={running}"
        self.said.append(Said(msg, f"/warns: {detail}", ok))
        return Expect(msg, "warns68")

    # -- the run -----------------------------------------------------------------------------
    async def round(self, seconds: float) -> None:
        """Round 66's round (the clock moves on, the scheduler and housekeeping run), moved
        on until no post's due time or grace ends near it."""
        app = self.net.app
        assert app is not None
        target = self.net.clock.now() + timedelta(seconds=seconds)
        for _ in range(30):
            if not any(abs(edge - target) <= ROUND_MARGIN for edge in self.round_edges(target)):
                break
            target += timedelta(minutes=4)
        self.net.advance((target - self.net.clock.now()).total_seconds())
        if self.arm_fault:
            self.arm_fault = False
            self.story.append(f"b{self.burst} post fault: {self.net.fail_post(self.rng)}")
        self.rounds.append(self.net.clock.now())
        await service_for(app).run_due(self.net.clock.now())
        await app.pipeline.tick()
        await self.net.settle()
        self.observe()

    def clear_burst(self) -> None:
        """Move on until no boundary the model cannot call lies near this burst."""
        for _ in range(60):
            now = self.net.clock.now()
            if not any(now - BURST_MARGIN <= edge <= now + timedelta(seconds=45) + BURST_MARGIN
                       for edge in self.burst_edges()):
                return
            self.net.advance(240)

    def observe(self) -> None:
        """Read what the bot did since the last look: posts (with the clock's time) and its
        temporary messages in the members' chat."""
        now = self.net.clock.now()
        counts = self.net.post_counts()
        texts = {p.text for p in self.posts}
        for target, counter in counts.items():
            before = self.counts.get(target, Counter())
            for text in texts:
                for _ in range(counter[text] - before[text]):
                    self.seen_posts.append((now, target, text))
        self.counts = counts
        for s in self.net.sent(self.net.group):
            kind = temp_kind(s.text)
            if kind is None:
                continue
            temp = self.temps.get((s.chat, s.key))
            if temp is None:
                at = self.net.sent_at(s.chat, s.key)
                temp = Temp(s.chat, s.key, kind, self.net.ttl[kind], at or self.last_obs,
                            at or now, s.text)
                self.temps[(s.chat, s.key)] = temp
            if s.deleted and temp.deleted_by is None:
                temp.deleted_by = now
            elif not s.deleted:
                temp.alive_at = now
        for msg in self.msgs:
            if msg.gone is not None:
                self.gone_time.setdefault(id(msg), now)
        self.last_obs = now

    def check_now(self) -> None:
        """After a round: the platform's restrictions agree with the model, and temporary
        messages past their TTL are gone."""
        now = self.net.clock.now()
        self.now = now
        self.lift_ended_bans()
        for uid in self.members:
            self.expire(uid)
            if any(abs(edge - now) <= ROUND_MARGIN for edge in self.member_edges(uid)):
                continue
            self.checks["restriction"] += 1
            kind, until, in_chat = self.net.restriction(uid)
            want = self.running(uid, now)
            member = self.members[uid]
            ok = (want is None) == (kind == "free")
            if want is not None:
                want_kind, end = want
                if self.net.name == "telegram":
                    ok = ok and kind == want_kind
                ok = ok and (end is None) == (until is None)
                if end is not None and until is not None:
                    ok = ok and abs(until - end.timestamp()) <= 120
            if self.net.name == "vk":
                ok = ok and in_chat == (not member.removed)
            # a restriction refused with 429 / 5xx is retried: it must agree by the next look
            self.disagree[uid] = 0 if ok else self.disagree.get(uid, 0) + 1
            if self.disagree[uid] == 2:
                self.problems.append(("the platform's restriction agrees with the model", (
                    f"{now:%m-%d %H:%M} {uid}: platform {kind} until {until} "
                    f"(in chat: {in_chat}), model {want} (removed: {member.removed})")))
        for temp in self.temps.values():
            if temp.deleted_by is not None:
                continue
            # due at its TTL; a delete refused with 429 / 5xx then is retried: gone once the
            # housekeeping has run at the TTL and again three minutes after
            due = [r for r in self.rounds if r >= temp.sent_hi + temp.ttl]
            if due and due[-1] - due[0] >= 3 * MINUTE:
                self.checks["temporary gone"] += 1
                self.problems.append(("a temporary message goes at its TTL", (
                    f"{temp.kind} #{temp.key} sent by {temp.sent_hi:%m-%d %H:%M:%S}, ttl "
                    f"{temp.ttl}, still there at {now:%m-%d %H:%M:%S}: {temp.text[:70]!r}")))
                temp.deleted_by = now  # said once

    async def run(self, events: int) -> None:
        kinds = list(WEIGHTS68)
        weights = [WEIGHTS68[k] for k in kinds]
        await self.net.start()
        self.start = self.net.clock.now()
        self.add_config_posts()
        await self.round(0)  # `modbot run` starts its scheduler loop at once: the config's
        # posts are read (and numbered 1, 2) before anyone types /schedule
        done = 0
        while done < events:
            self.burst += 1
            self.clear_burst()
            self.now = self.net.clock.now()
            self.burst_at[self.burst] = self.now
            self.lift_ended_bans()
            self.busy = set()
            restart = False
            for _ in range(self.rng.randint(2, 4)):  # (round 66: 1–4; fewer rounds here)
                kind = self.rng.choices(kinds, weights)[0]
                if kind == "restart":
                    restart = restart or self.restarts < 2
                    continue
                if getattr(self, f"ev_{kind}")():
                    done += 1
                    self.kinds[kind] += 1
            await self.net.settle()
            self.observe()
            await self.round(45)
            self.check_now()
            if not self.restarts and done >= events // 2:
                restart = True  # every sequence restarts at least once, in its middle
                if not self.jumps and self.pending_jump is None:
                    self.ev_jump()  # and the clock jumps at least once (a long downtime)
            if restart:
                self.restarts += 1
                self.story.append(f"b{self.burst} restart")
                await self.net.stop()
                if self.pending_jump:  # the jump is the downtime
                    self.jumps.append(f"{timedelta(seconds=self.pending_jump)} (down)")
                    self.net.advance(self.pending_jump)
                    self.pending_jump = None
                await self.net.start()
                await self.net.settle()
                self.observe()
                await self.round(0)
                self.check_now()
            if self.pending_jump:
                # the clock jumps; the housekeeping's next tick (every second in `modbot
                # run`) comes before anyone's next message
                self.jumps.append(str(timedelta(seconds=self.pending_jump)))
                self.net.advance(self.pending_jump)
                self.pending_jump = None
                await self.round(0)
                self.check_now()
            self.net.advance(self.rng.randint(40, 100))
        # the end: quiet until every temporary message's TTL is over
        for seconds in (60, 600, max(t.total_seconds() for t in self.net.ttl.values()) + 600,
                        60):
            self.net.advance(seconds)
            await self.round(0)
            self.check_now()
        self.end = self.net.clock.now()
        await self.net.stop()

    def add_config_posts(self) -> None:
        start = self.start
        midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
        once = (start + timedelta(minutes=50)).astimezone(self.net.tz).replace(
            second=0, microsecond=0).astimezone(start.tzinfo)
        self.posts += [
            Post(CONFIG_CRON, self.net.targets, start, "config", anchor=midnight,
                 period=timedelta(hours=3), number=1),
            Post(CONFIG_ONCE, (self.net.fault_target,), start, "config", due=once, number=2)]

    # -- what the schedule should have done --------------------------------------------------
    def expected_posts(self) -> dict[tuple[str, str], list[datetime]]:
        """Per (text, target): the due times that go out, from the rounds that ran (README:
        late within the grace, only the latest missed one of a recurring post)."""
        out: dict[tuple[str, str], list[datetime]] = {}
        for post in self.posts:
            dues: list[datetime] = []
            previous = post.created
            for moment in self.rounds:
                if moment <= post.created:
                    continue
                if post.cancelled is not None and post.cancelled < moment:
                    break
                missed = post.occurrences(previous, moment)
                previous = moment
                if missed and moment - missed[-1] <= GRACE:
                    dues.append(missed[-1])
            for target in (*self.net.targets,):
                out[(post.text, target)] = dues if target in post.targets else []
        return out


#: round 66's events, rarer (its own sequences run them densely; here they are the background
#: the clock moves under), its fixed /mute 10m replaced by tmute; and this round's
WEIGHTS68 = {**WEIGHTS, "chatter": 5, "question": 4, "obscene": 7, "report": 9, "ticket_cmd": 5,
             "press": 4, "redeliver": 3, "edit_dirty": 2, "warn": 2, "unban": 2, "del": 2,
             "warns": 2, "nonmod_cmd": 2, "mod_obscene": 1, "quick_fix": 1, "self_delete": 1,
             "report_race": 1, "double_offence": 1, "report_pile": 1, "claim_race": 1,
             "verdict_race": 1, "mute": 0,
             "jump": 10, "tmute": 4, "tban": 3, "rejoin": 4, "untake": 5, "faq_add": 3,
             "faq_edit": 3, "faq_del": 2, "faq_ask": 7, "sched_once": 3, "sched_repeat": 2,
             "sched_list": 2, "unsched": 2, "post_fault": 2}


def temp_kind(text: str) -> str | None:
    """Which of the bot's messages in the members' chat delete themselves."""
    if "your message was removed" in text or "this message breaks the rules" in text:
        return "notice"
    if text.startswith("Thank you! Your report") or text.startswith("Thank you, your report"):
        return "ack"
    if POINTER in text:
        return "pointer"
    if "only moderators" in text:
        return "refusal"
    return None


# --------------------------------------------------------------------------------------------
# The invariants of this round (round 66's are checked too)
# --------------------------------------------------------------------------------------------

def check_time_invariants(traffic: TimeTraffic, v: Verdict) -> None:
    net = traffic.net
    for name, detail in traffic.problems:
        v.check(name, False, detail)
    v.checked.update(traffic.checks)

    # 1. every reply the model expects, once; silence where it expects silence; a pointer
    # (which answers the earlier answer, "↑") once per asker and earlier answer
    pointers: Counter[tuple[int, int, int]] = Counter()
    for said in traffic.said:
        if said.above is not None:
            pointers[(said.msg.chat, said.above.key, said.msg.author)] += 1
    for (chat, question, asker), count in pointers.items():
        # Telegram's pointer answers the earlier answer ("↑"); VK's answers the question
        asked = {m.key for m in traffic.msgs if m.chat == chat and m.author == asker}
        answer = {s.key for s in net.sent(chat) if s.reply_to == question}
        found = [s.text for s in net.sent(chat) if s.reply_to in answer | asked
                 and POINTER in s.text and net.display(asker) in s.text]
        v.check("one pointer per repeated question", len(found) == count,
                f"{asker} asked again what #{question} asked ({count}×): pointers {found}")
    for said in traffic.said:
        texts = [s.text for s in net.sent(said.msg.chat) if s.reply_to == said.msg.key]
        if said.above is not None:
            v.check("a pointer, not a second answer", all(POINTER in t for t in texts),
                    f"{said.msg.text!r}: {texts}")
        elif said.silent:
            v.check("silence after /faq del", not texts, f"{said.msg.text!r}: {texts}")
        else:
            assert said.ok is not None
            v.check("the reply the model expects, once", len(texts) == 1 and said.ok(texts[0]),
                    f"{said.msg.text!r} (#{said.msg.key} at {said.msg.at:%m-%d %H:%M}) "
                    f"should get {said.what}: {texts}")

    # 2. scheduled posts: exactly the occurrences due, each once, on the chats named
    expected = traffic.expected_posts()
    for (text, target), dues in expected.items():
        seen = sorted(at for at, where, said in traffic.seen_posts
                      if where == target and said == text)
        v.check("each due occurrence goes out once, on its chats only", len(seen) == len(dues),
                f"{text!r} on {target}: due {[traffic.local(d) for d in dues]}, went out "
                f"{[traffic.local(s) for s in seen]}")
        for due, at in zip(dues, seen, strict=False):
            v.check("a post goes out in its time and grace", due - MINUTE <= at
                    <= due + GRACE + 10 * MINUTE,
                    f"{text!r} on {target}: due {traffic.local(due)}, out {traffic.local(at)}")
        for post in traffic.posts:
            if post.text == text and traffic.post_number(post) is not None:
                traffic.audit[("schedule.published", "scheduler", f"post:{post.number}")] += \
                    len(dues)
    for record in traffic.late_audit:
        traffic.audit[record()] += 1
    for text in net.queue_texts():
        v.check("nothing about a post that went out reaches the queue",
                "could not be published" not in text and "can't tell whether" not in text,
                text[:160])
        # every fault injected here is transient (429, 5xx, VK 6/10, long-poll failures):
        # retried, never a failure told to the moderators (members who never wrote to the
        # bot cannot be told a report's outcome: that one is real)
        v.check("a transient error never reaches the queue as a failure",
                not text.startswith("I could not") or text.startswith("I could not tell "),
                text[:160])

    # 3. only the configured chats (and private chats, and a stranger's group once)
    allowed = {net.group, net.queue, *[int(t.split(":")[1]) for t in net.targets
                                       if t.split(":")[1].lstrip("-").isdigit()],
               *traffic.stranger_chats}
    foreign = net.foreign_sends(allowed)
    v.check("nothing posted to a chat the config does not name", not foreign, foreign[:5])

    # 4. temporary messages: never before their TTL
    for temp in traffic.temps.values():
        if temp.deleted_by is not None and temp.alive_at is not None \
                and temp.deleted_by > temp.alive_at:
            v.check("a temporary message stays its TTL", temp.deleted_by >= temp.sent_lo
                    + temp.ttl - timedelta(seconds=5),
                    f"{temp.kind} #{temp.key} sent at {temp.sent_lo:%m-%d %H:%M:%S}, gone by "
                    f"{temp.deleted_by:%m-%d %H:%M:%S}: {temp.text[:60]!r}")

    # 5. SLA reminders: once per ticket, once more per /untake
    reminders = Counter(int(m[1]) for text in net.queue_texts()
                        if (m := re.match(r"⏰ Ticket #(\d+) ", text)))
    for ticket in traffic.tickets:
        allowed_count = 1 + traffic.releases[ticket.number]
        v.check("SLA reminders at most once per unclaimed stretch",
                reminders[ticket.number] <= allowed_count,
                f"#{ticket.number}: {reminders[ticket.number]} reminders, "
                f"{traffic.releases[ticket.number]} releases")


def adjust_round66(traffic: TimeTraffic, v: Verdict) -> None:
    """Round 66's checks that this round's config or events change: its three fixed posts
    are not in this config (the schedule model above replaces that check); a ticket given
    back with /untake may be reminded again (README); and the bot remembers which answer
    belongs to which question for two days (bot/core/faq/service.py, ASKED_KEPT: Telegram
    lets a bot delete a message for 48 hours), so a question edited into abuse later than
    that leaves its answer."""
    released = {f"#{n}:" for n in traffic.releases} | {f"#{n} " for n in traffic.releases}
    group = {m.key: m for m in traffic.msgs if m.chat == traffic.net.group}
    kept = []
    for problem in v.problems:
        if problem.startswith("[scheduled post once]"):
            continue
        m = re.match(r"\[no answer under a removed question\] #(\d+) ", problem)
        if m and int(m[1]) in group:
            question = group[int(m[1])]
            gone = traffic.gone_time.get(id(question))
            if gone is not None and gone - question.at >= timedelta(hours=47):
                continue
        if problem.startswith(("[one SLA reminder at most]", "[no reminder after a claim]")) \
                and any(tag in problem for tag in released):
            continue
        kept.append(problem)
    v.problems = kept


# ============================================================================================
# The random sequences
# ============================================================================================

EVENTS = {"telegram": 32, "vk": 16}
#: QA68_SEEDS=1,2,3 sweeps other seeds (how the named tests below were found); by default,
#: of seeds 1–40, the two per network that cover the most (day-long jumps, a downtime,
#: /untake, timed bans and mutes, FAQ edits, a refused post; on VK members invited back)
SWEEP = tuple(int(x) for x in os.environ.get("QA68_SEEDS", "").split(",") if x)
TG_SEEDS = SWEEP or (5, 33)
VK_SEEDS = SWEEP or (18, 31)


async def play(net: Net68, seed: int, capsys: pytest.CaptureFixture[str],
               caplog: pytest.LogCaptureFixture) -> TimeTraffic:
    caplog.set_level(logging.INFO)
    traffic = TimeTraffic(net, seed)
    try:
        await traffic.run(int(os.environ.get("QA68_EVENTS") or EVENTS[net.name]))
    finally:
        if net.app is not None:
            await net.stop()
    audit = await read_audit(net, capsys, since="60d")  # round 66 reads one day
    v = Verdict(traffic)
    check_time_invariants(traffic, v)  # first: it adds the published posts to the audit
    round66 = check_invariants(traffic, audit, caplog.text, caplog.records)
    adjust_round66(traffic, round66)
    v.problems += round66.problems
    v.checked.update(round66.checked)
    if os.environ.get("QA68_COVERAGE"):
        k = traffic.kinds
        with open(os.environ["QA68_COVERAGE"], "a", encoding="utf-8") as out:
            print(f"{net.name} {seed} ok={not v.problems} jumps={len(traffic.jumps)} "
                  f"days={sum('day' in j for j in traffic.jumps)} "
                  f"down={sum('down' in j for j in traffic.jumps)} posts={len(traffic.seen_posts)} "
                  f"tickets={len(traffic.tickets)} untake={k['untake']} rejoin={k['rejoin']} "
                  f"tban={k['tban']} tmute={k['tmute']} faq={k['faq_add']}/{k['faq_edit']}/"
                  f"{k['faq_del']}/{k['faq_ask']} sched={k['sched_once']}/{k['sched_repeat']}/"
                  f"{k['sched_list']}/{k['unsched']} postfault={k['post_fault']} "
                  f"warns={k['warns'] + k['own_warns']}", file=out)
    if os.environ.get("QA68_VERBOSE"):
        print(f"seed {seed} on {net.name}: jumps {traffic.jumps}, rounds {len(traffic.rounds)}"
              f", {traffic.net.clock.now() - traffic.start} of clock, events "
              f"{dict(traffic.kinds)}, checks {dict(v.checked)}")
    v.assert_clean()
    assert traffic.jumps, "the clock never jumped: the sequence proves nothing new"
    return traffic


@pytest.mark.parametrize("seed", TG_SEEDS)
async def test_tg_time_traffic_keeps_the_invariants(
        seed: int, tmp_path: Path, tg: TrafficTelegram, clock: FakeClock,
        capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    """A seeded random stretch of days in a Telegram group and channel: every invariant in
    the module docstring holds across clock jumps, restarts, 429/5xx and redeliveries."""
    await play(await tg_net68(tmp_path, tg, clock), seed, capsys, caplog)


@pytest.mark.parametrize("seed", VK_SEEDS)
async def test_vk_time_traffic_keeps_the_invariants(
        seed: int, tmp_path: Path, emulator: VkEmulator, clock: FakeClock,
        capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    """The same on VK: the community chat and the wall, mutes given as timed community bans,
    members invited back before and after their ban ends."""
    await play(await vk_net68(tmp_path, emulator, clock), seed, capsys, caplog)


# ============================================================================================
# What the seeds found, shrunk to minimal deterministic scenarios
# ============================================================================================

def reply_in(net: Net68, chat: int, key: int) -> list[str]:
    return [s.text for s in net.sent(chat) if s.reply_to == key]


async def test_tg_queue_mute_passes_the_channel_by_without_a_false_alarm(
        tmp_path: Path, tg: TrafficTelegram, clock: FakeClock,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Found by every seed whose moderators muted from the queue, once the emulator answered
    restrictChatMember in a channel as Telegram does ("Use this method to restrict a user in
    a supergroup"; the emulator alone accepted it). The community is a group and its news
    channel (DESIGN: "a Telegram group, a Telegram channel, …"). Olga types `/mute 10m` for
    Ann, then `/unmute`, then `/mute 2h` for Bob in the queue chat. README: "from the queue
    chat a moderator's `/mute` covers them all"; a channel has no mute to give, and nothing
    went wrong. Every such mute and unmute left the moderators "I could not mute User5101 in
    telegram:-1007: the platform refused", a false alarm naming the channel by id. (Found by
    this round; fixed in 7bfe73e while it ran: the channel is passed by once Telegram has
    said so.)"""
    net = await tg_net68(tmp_path, tg, clock)
    ann, bob = net.members[:2]
    async with Scene(net, capsys) as scene:
        scene.say(ann, "hello all")
        scene.say(bob, "hi")
        await scene.step()
        commands = [scene.say(ADMIN, f"/mute 10m {ann}", chat=QUEUE)]
        await scene.step()
        commands.append(scene.say(ADMIN, f"/unmute {ann}", chat=QUEUE))
        await scene.step()
        commands.append(scene.say(ADMIN, f"/mute 2h {bob}", chat=QUEUE))
        await scene.step()
        told = [reply_in(net, QUEUE, key) for key in commands]
        queue = net.queue_texts()
        restricts = [int(c.params["chat_id"]) for c in tg.calls
                     if c.method == "restrictChatMember" and c.ok]
        refused = [c for c in tg.calls if c.method == "restrictChatMember" and not c.ok]
    assert [len(t) for t in told] == [1, 1, 1], told
    assert "is muted for 10m" in told[0][0] and "can write again" in told[1][0] \
        and "is muted for 2h" in told[2][0], told
    assert restricts == [GROUP, GROUP, GROUP], restricts
    assert len(refused) <= 1, "asked the channel again after Telegram refused it"
    assert not [t for t in queue if t.startswith("I could not")], queue


@pytest.mark.xfail(strict=True, reason="QA68: a second moderator's /mute or /ban from the "
                   "queue of a raider just banned in the group is reported as done (the "
                   "channel's part) instead of saying who banned them")
async def test_tg_queue_command_on_a_member_banned_in_the_group_says_so(
        tmp_path: Path, tg: TrafficTelegram, clock: FakeClock,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Shrunk from Telegram seeds 3, 7 and 16 (the /ban: round 66's double ban, the second
    typed in the queue) and 56 (the /mute: round 66's mute of a banned member, typed in the
    queue) of the first sweeps, in a community with a group and a channel. Masha bans a
    raider in the group; Olga, in the queue, types /mute 10m, then /ban, with his id a
    moment later. README: "two moderators banning one raider seconds apart ban once, and the
    second hears who got there first ('already banned here by Olga… nothing was done'), also
    when the second types it in the queue chat", and no mute — "a second moderator's /mute
    ('is banned here… /unban first')" — replaces the ban. Olga reads "User5101 is muted for
    10m" (nothing was muted anywhere: the group refused it for the ban, the channel has no
    mutes) and then "User5101 is banned until a moderator lifts it" (the channel's ban, the
    only new thing); she never hears that Masha banned him, and the audit holds her mute
    and her ban as actions of their own."""
    net = await tg_net68(tmp_path, tg, clock)
    raider = net.members[0]
    async with Scene(net, capsys) as scene:
        scene.say(raider, "cheap followers, DM me")
        await scene.step()
        scene.say(LISTED_MODERATOR, f"/ban {raider}")
        mute = scene.say(ADMIN, f"/mute 10m {raider}", chat=QUEUE)
        await scene.step()
        ban = scene.say(ADMIN, f"/ban {raider}", chat=QUEUE)
        await scene.step()
        told = reply_in(net, QUEUE, mute) + reply_in(net, QUEUE, ban)
        records = await scene.audit()
    assert len(told) == 2 and "is banned here" in told[0] \
        and "already banned here by User900" in told[1], told
    assert [r["by"] for r in records if r["action"] in ("ban", "mute")] == \
        [f"telegram:{LISTED_MODERATOR}"], records


async def card_closed_as_its_message_goes(net: Net68, how: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Shrunk from Telegram seed 30 (an edit into abuse and a Resolve press in one batch)
    and VK seeds 21 and 28 (/del and /resolve or /reject in one batch). Bob reports Ann's
    message; in the same moment Ann edits it into abuse (or Olga deletes it with /del) and
    Masha resolves the ticket from the queue. README: "once the message is gone, whoever
    deleted it (the card, the filter, /del, /purge), the card says '🗑 The message is
    deleted from the chat.'". The message went first, but the resolved card still showed
    it there, with its link: a moderator reading the closed queue believed the message
    still stood in the group. (Round 66 fixed the reopened card; the closed one kept the old
    text. Found by this round; fixed in 7bfe73e while it ran.)"""
    ann, bob = net.members[:2]
    olga, masha = net.mods
    async with Scene(net, capsys) as scene:
        message = scene.say(ann, "ну и жара сегодня")
        await scene.step()
        scene.say(bob, "/report off-topic", reply_to=message)
        await scene.step()
        if how == "edit":
            net.edit(Msg(message, net.group, ann, "", "chatter", net.clock.now(), 0),
                     "idi nahuy")
        else:
            scene.say(olga, "/del", reply_to=message)
        scene.say(masha, "/resolve 1 done", chat=net.queue)
        await scene.step()
        text, _ = net.cards_now()[1]
    assert net.is_deleted(net.group, message)
    assert "· resolved by" in text.splitlines()[0], text
    assert "The message is deleted from the chat" in text, text


async def test_tg_card_closed_as_its_message_is_filtered_says_it_is_gone(
        tmp_path: Path, tg: TrafficTelegram, clock: FakeClock,
        capsys: pytest.CaptureFixture[str]) -> None:
    await card_closed_as_its_message_goes(await tg_net68(tmp_path, tg, clock), "edit", capsys)


async def test_vk_card_closed_as_its_message_is_deleted_says_it_is_gone(
        tmp_path: Path, emulator: VkEmulator, clock: FakeClock,
        capsys: pytest.CaptureFixture[str]) -> None:
    await card_closed_as_its_message_goes(await vk_net68(tmp_path, emulator, clock), "del",
                                          capsys)
