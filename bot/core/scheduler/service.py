"""The publishing service: scheduled posts go out exactly once, even across crashes and with
two instances on one database.

Guarantee: each occurrence (post × chat × due time) is published at most once, and exactly
once unless a crash interrupts its send; then its outcome is unknown, and it is reported
(`event=schedule.unknown_outcome occurrence=ID` plus a queue notice), never repeated.

How: the database is the source of truth. An occurrence is claimed with a conditional update
(pending → sending, only if still pending) committed *before* the platform call, and its
outcome is recorded after. An occurrence still in `sending` when an instance starts (its own
claim) or whose claim is older than `claim_timeout` (another instance died) may or may not
have gone out, so it becomes `unknown` instead of being sent again.

Publish does not go through the pipeline's outbox: the outbox retries an interrupted send
blindly. Queue notices do go through it (a duplicate notice is harmless; a lost one is not).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from itertools import groupby

from bot.core.actions import ActionResult, DeleteMessage, NotifyQueue, Publish
from bot.core.chats import PostTarget
from bot.core.clock import Clock
from bot.core.codec import encode_action
from bot.core.ports import UnitOfWork, UnitOfWorkFactory
from bot.core.reasons import reason_text
from bot.core.records import AuditRecord
from bot.core.scheduler.occurrences import due_times
from bot.core.scheduler.plan import CONFIG_ACTOR, preview, rule_of
from bot.core.scheduler.ports import (
    NewPost,
    OccurrenceRecord,
    OccurrenceState,
    PostRecord,
    PostSource,
    Publisher,
    ScheduleRepo,
)
from bot.core.scheduler.withdraw import withdraw_postponed
from bot.core.scheduler.zones import zone_label
from bot.core.settings import CommunitySettings
from bot.core.texts import Text

log = logging.getLogger(__name__)

S = OccurrenceState
ACTOR = "scheduler"
# VK wall posts can be handed to VK as postponed posts this long before they are due.
POSTPONE_LEAD = timedelta(minutes=10)
# VK refuses a postponed time too close to now; closer than this, post immediately.
POSTPONE_MIN = timedelta(minutes=1)


def retry_delay(attempt: int, retry_after: float | None = None) -> timedelta:
    """The platform's retry_after, else 30 s, 60 s, 120 s … at most 10 minutes."""
    if retry_after is not None:
        return timedelta(seconds=max(retry_after, 0.0))
    return timedelta(seconds=min(30 * 2 ** max(attempt - 1, 0), 600))


@dataclass
class RunReport:
    """What one `run_due` round did, by occurrence id (for tests, logs and the demo)."""

    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)


class SchedulerService:
    """Materialises due occurrences, claims them atomically, publishes, records the outcome."""

    def __init__(self, *, uow_factory: UnitOfWorkFactory,
                 communities: Sequence[CommunitySettings], clock: Clock, instance_id: str,
                 publisher: Publisher, drain: Callable[[], Awaitable[object]],
                 config_posts: Sequence[NewPost] = (),
                 transient: tuple[type[Exception], ...] = (),
                 postponed_wall: bool = False,
                 claim_timeout: timedelta = timedelta(minutes=10),
                 max_attempts: int = 100, batch: int = 100,
                 started_at: datetime | None = None) -> None:
        self._uow_factory = uow_factory
        self._communities = {c.name: c for c in communities}
        self.clock = clock
        self.instance_id = instance_id
        self._publisher = publisher
        self._drain = drain
        self._config_posts = tuple(config_posts)
        self._transient = transient
        self._postponed_wall = postponed_wall
        self._claim_timeout = claim_timeout
        self._max_attempts = max_attempts
        self._batch = batch
        self._started_at = started_at
        self._synced = False
        self._settled = False

    # -- start -------------------------------------------------------------------------------

    async def start(self, now: datetime) -> RunReport:
        """Sync the config's content plan and settle this instance's interrupted sends.

        A sync that loses a race with another instance starting at the same moment (a
        duplicate key on PostgreSQL) is retried next round, when the rows are there.
        """
        report = RunReport()
        if not self._synced:
            try:
                await self.sync_config(now)
                self._synced = True
            except Exception as exc:
                log.warning("event=schedule.sync_retry error=%s", type(exc).__name__)
        if not self._settled:
            await self._settle_in_flight(now, report, own=True)
            self._settled = True
        return report

    async def sync_config(self, now: datetime) -> None:
        """Config entries → posts: new keys inserted, vanished keys retired, unchanged kept.

        A post a moderator unscheduled stays off; one that left the config and came back is
        switched on again (from now, so its missed times are not replayed). A new recurring
        entry counts from when the process started (`started_at`), not from the first round;
        an edited one (the same cron as an entry that left the config) from where its old
        version stopped.
        """
        wanted = {(p.community, p.config_key): p for p in self._config_posts}
        async with self._uow_factory() as uow:
            repo = _repo(uow)
            existing = await repo.posts(active_only=False, source=PostSource.CONFIG)
            known = {(p.community, p.config_key): p for p in existing}
            for key, new in wanted.items():
                row = known.get(key)
                if row is None:
                    since = min(self._started_at or now, now)
                    edited = _edited_from(new, [p for k, p in known.items()
                                                if k not in wanted and p.active])
                    if edited is not None and edited.expanded_until is not None:
                        # the owner fixed an entry while the bot was down: its new version
                        # takes over where the old one stopped, so a time missed in between
                        # still goes out late (within schedule_grace), once
                        since = min(since, edited.expanded_until)
                    added = await repo.add_post(replace(new, since=since), now)
                    log.info("event=schedule.config_added post=%s community=%s",
                             added.id, added.community)
                elif not row.active and row.ended_by == CONFIG_ACTOR:
                    await repo.reactivate(row.id, now)
            withdrawn: list[DeleteMessage] = []
            for key, row in known.items():
                # a community this config does not name is another config's (one database
                # may serve several bots): its posts are not ours to retire
                if row.active and key not in wanted and row.community in self._communities:
                    await repo.deactivate(row.id, CONFIG_ACTOR, now)
                    withdrawn += await withdraw_postponed(repo, row.id, now)
                    log.info("event=schedule.config_removed post=%s community=%s",
                             row.id, row.community)
            await uow.commit()
        for deletion in withdrawn:  # an edited entry's postponed wall post is taken back
            result = await self._publisher.execute(deletion)
            log.info("event=schedule.withdrawn chat=%s post_id=%s ok=%s error=%s",
                     deletion.chat, deletion.message_id, result.ok, result.error)

    # -- one round ---------------------------------------------------------------------------

    async def run_due(self, now: datetime) -> RunReport:
        """One scheduler round: settle stale claims, expand rules, publish what is due."""
        report = await self.start(now) if not (self._synced and self._settled) else RunReport()
        await self._settle_in_flight(now, report, own=False)
        await self._expand(now, report)
        await self._dispatch(now, report)
        return report

    async def _settle_in_flight(self, now: datetime, report: RunReport, *, own: bool) -> None:
        """Sends whose outcome nobody can know any more become `unknown`, never resent."""
        notices: list[tuple[OccurrenceRecord, NotifyQueue]] = []
        settled: list[int] = []
        async with self._uow_factory() as uow:
            repo = _repo(uow)
            if own:
                rows = await repo.in_flight(holder=self.instance_id)
            else:
                rows = await repo.in_flight(claimed_before=now - self._claim_timeout)
            for row in rows:
                if not await repo.transition(row.id, S.UNKNOWN, now, from_states=(S.SENDING,),
                                             error="outcome unknown: interrupted while sending"):
                    continue
                settled.append(row.id)
                await self._audit(uow, row, "schedule.unknown_outcome", now)
                notice = self._notice(row, "schedule.unknown_outcome")
                if notice is not None:
                    notices.append((row, notice))
            await self._queue_notices(uow, notices, "unknown", now)
            await uow.commit()
        for occurrence_id in settled:
            log.warning("event=schedule.unknown_outcome occurrence=%s", occurrence_id)
            report.unknown.append(occurrence_id)
        if notices:
            await self._drain()

    async def _expand(self, now: datetime, report: RunReport) -> None:
        """Materialise occurrences due by now (a little ahead for postponed VK wall posts)."""
        async with self._uow_factory() as uow:
            posts = await _repo(uow).posts()
        for post in posts:
            community = self._communities.get(post.community)
            if community is None:
                continue
            try:
                until = now + self._lead(post.chats)
                times = due_times(rule_of(post), community.tz, post.expanded_until, until)
                if not times and post.expanded_until is not None:
                    continue
                if not times and post.at is not None and post.at > until:
                    continue  # a one-off still in the future: nothing to write yet
                await self._materialise(post, community, times, until, now, report)
            except Exception:  # one broken post must not hold up every other one
                log.exception("event=schedule.expand_error post=%s", post.id)

    async def _materialise(self, post: PostRecord, community: CommunitySettings,
                           times: list[datetime], until: datetime, now: datetime,
                           report: RunReport) -> None:
        chats = [c for c in post.chats if PostTarget.parse(c).chat in community.chats]
        oldest_ok = now - community.schedule_grace
        # Of several missed times only the latest within grace may go out: no burst.
        latest_ok = max((t for t in times if oldest_ok <= t <= now), default=None)
        async with self._uow_factory() as uow:
            repo = _repo(uow)
            if not await repo.advance_expansion(post.id, post.expanded_until, until):
                return  # another instance expanded this window first
            skipped: list[tuple[int, datetime, str]] = []
            for due in times:
                late = due < oldest_ok
                state = S.PENDING if (due == latest_ok or due > now) else S.SKIPPED
                for chat in chats:
                    reason = "stale" if late else "superseded"
                    chat_state = state
                    if state == S.PENDING and due <= now and post.source == PostSource.CONFIG \
                            and await repo.published_by_retired(post.community, chat, due):
                        # the owner edited an entry that already went out (a typo, the chat
                        # list): its new version is not published a second time
                        chat_state, reason = S.SKIPPED, "published"
                    occurrence_id = await repo.add_occurrence(post.id, chat, due, chat_state,
                                                              now)
                    if occurrence_id is not None and chat_state == S.SKIPPED:
                        skipped.append((occurrence_id, due, reason))
            await uow.commit()
        for occurrence_id, due, reason in skipped:
            log.info("event=schedule.skipped occurrence=%s due=%s reason=%s",
                     occurrence_id, due.isoformat(), reason)
            report.skipped.append(occurrence_id)

    async def _dispatch(self, now: datetime, report: RunReport) -> None:
        horizon = now + (POSTPONE_LEAD if self._postponed_wall else timedelta(0))
        async with self._uow_factory() as uow:
            due = await _repo(uow).due(now, horizon, self._batch)
            # A chat reads its posts in their planned order: while one waits for a retry,
            # the later ones for that chat wait behind it (a thread's part 1 never comes last).
            held: dict[str, tuple[datetime, int]] = {}
            for waiting in await _repo(uow).waiting(now):
                held.setdefault(waiting.chat, (waiting.due_at, waiting.id))
        ready = [o for o in due if o.due_at <= now + self._lead((o.chat,))]
        ready.sort(key=lambda o: (o.post_id, o.chat, o.due_at, o.id))
        latest_ones: list[OccurrenceRecord] = []
        for _, group in groupby(ready, key=lambda o: (o.post_id, o.chat)):
            items = list(group)
            for older in items[:-1]:
                await self._skip(older, now, "superseded", report)
            latest_ones.append(items[-1])
        latest_ones.sort(key=lambda o: (o.due_at, o.id))
        for latest in latest_ones:
            blocker = held.get(latest.chat)
            if blocker is not None and (latest.due_at, latest.id) > blocker:
                continue
            community = self._communities.get(latest.community)
            if community is None:
                continue
            if latest.due_at < now - community.schedule_grace:
                if latest.attempts == 0:
                    await self._skip(latest, now, "stale", report)
                else:
                    await self._give_up(latest, community, now, "retries ran past the grace "
                                        "window", report)
                continue
            try:
                await self._publish(latest, community, now, report)
            except Exception:  # logged; a claimed one left in `sending` becomes `unknown`
                log.exception("event=schedule.publish_error occurrence=%s", latest.id)
            if latest.id in report.retried:
                held.setdefault(latest.chat, (latest.due_at, latest.id))

    # -- one occurrence ----------------------------------------------------------------------

    async def _publish(self, occurrence: OccurrenceRecord, community: CommunitySettings,
                       now: datetime, report: RunReport) -> None:
        async with self._uow_factory() as uow:
            won = await _repo(uow).claim(occurrence.id, self.instance_id, now)
            await uow.commit()
        if not won:
            return  # another instance claimed it
        attempts = occurrence.attempts + 1
        target = PostTarget.parse(occurrence.chat)
        chat = target.chat
        publish_at = None
        if self._postponed_wall and chat.is_vk_wall and occurrence.due_at > now + POSTPONE_MIN:
            publish_at = occurrence.due_at
        action = Publish(chat=chat, text=occurrence.text, photo=occurrence.photo,
                         ref=f"occurrence:{occurrence.id}", publish_at=publish_at,
                         thread_id=target.topic)
        try:
            result = await self._publisher.execute(action)
        except self._transient as exc:
            await self._retry_or_fail(occurrence, community, attempts, exc, now, report)
            return
        except Exception as exc:  # an executor bug fails this post, not the whole loop
            log.exception("event=schedule.executor_error occurrence=%s", occurrence.id)
            result = ActionResult(ok=False, error=f"{type(exc).__name__}: {exc}", permanent=True)
        if result.ok:
            await self._record_sent(occurrence, result, now, report)
        elif result.details.get("outcome") == "unknown":
            # the request left but its answer was lost: it may be in the chat, so it is
            # neither resent nor reported as not published (a manager would post it again)
            await self._mark_unknown(occurrence, result.error or "outcome unknown", now, report)
        elif not result.permanent:  # the platform said no, but a retry may help
            await self._retry_or_fail(occurrence, community, attempts,
                                      RuntimeError(result.error or "failed"), now, report)
        else:
            await self._give_up(occurrence, community, now, result.error or "failed", report,
                                from_state=S.SENDING)

    async def _record_sent(self, occurrence: OccurrenceRecord, result: ActionResult,
                           now: datetime, report: RunReport) -> None:
        async with self._uow_factory() as uow:
            repo = _repo(uow)
            # `unknown` too: a slow send another instance gave up on did go out after all.
            recorded = await repo.transition(
                occurrence.id, S.SENT, now, from_states=(S.SENDING, S.UNKNOWN),
                holder=self.instance_id, message_id=result.message_id or "", error="")
            await self._audit(uow, occurrence, "schedule.published", now,
                              message_id=result.message_id or "")
            await uow.commit()
        if not recorded:
            log.error("event=schedule.record_lost occurrence=%s", occurrence.id)
        log.info("event=schedule.published occurrence=%s post=%s chat=%s message_id=%s",
                 occurrence.id, occurrence.post_id, occurrence.chat, result.message_id)
        report.sent.append(occurrence.id)

    async def _retry_or_fail(self, occurrence: OccurrenceRecord, community: CommunitySettings,
                             attempts: int, exc: Exception, now: datetime,
                             report: RunReport) -> None:
        # An outage is retried for as long as the post may still go out late (the community's
        # schedule_grace), not a fixed number of times: a ten-minute 502 must not lose it.
        deadline = occurrence.due_at + community.schedule_grace
        if attempts >= self._max_attempts or now >= deadline:
            await self._give_up(occurrence, community, now,
                                f"still failing after {attempts} attempts, past schedule_grace: "
                                f"{exc}", report, from_state=S.SENDING)
            return
        delay = min(retry_delay(attempts, getattr(exc, "retry_after", None)), deadline - now)
        async with self._uow_factory() as uow:
            await _repo(uow).transition(occurrence.id, S.PENDING, now,
                                        from_states=(S.SENDING,), holder=self.instance_id,
                                        error=str(exc), next_attempt_at=now + delay)
            await uow.commit()
        log.warning("event=schedule.retry occurrence=%s attempt=%s in=%ss error=%s",
                    occurrence.id, attempts, int(delay.total_seconds()), exc)
        report.retried.append(occurrence.id)

    async def _mark_unknown(self, occurrence: OccurrenceRecord, error: str, now: datetime,
                            report: RunReport) -> None:
        """unknown + a queue notice asking a human to look in the chat."""
        notice = self._notice(occurrence, "schedule.unknown_outcome")
        if await self._close(occurrence, S.UNKNOWN, S.SENDING, now, error, notice,
                             audit="schedule.unknown_outcome", kind="unknown"):
            log.warning("event=schedule.unknown_outcome occurrence=%s error=%s",
                        occurrence.id, error)
            report.unknown.append(occurrence.id)

    async def _give_up(self, occurrence: OccurrenceRecord, community: CommunitySettings,
                       now: datetime, error: str, report: RunReport, *,
                       from_state: OccurrenceState = S.PENDING) -> None:
        """failed + a queue notice: a human should know a planned post did not go out."""
        # the queue reads the reason in its language; the raw text is logged and stored
        notice = self._notice(occurrence, "schedule.failed", error=reason_text(error))
        if await self._close(occurrence, S.FAILED, from_state, now, error, notice,
                             audit="schedule.failed", kind="failed"):
            log.warning("event=schedule.failed occurrence=%s chat=%s error=%s",
                        occurrence.id, occurrence.chat, error)
            report.failed.append(occurrence.id)

    async def _close(self, occurrence: OccurrenceRecord, to: OccurrenceState,
                     from_state: OccurrenceState, now: datetime, error: str,
                     notice: NotifyQueue | None, *, audit: str, kind: str) -> bool:
        """Move to a final state with its audit record and queue notice, in one transaction;
        False when another instance (or an earlier round) got there first."""
        holder = self.instance_id if from_state == S.SENDING else None
        async with self._uow_factory() as uow:
            done = await _repo(uow).transition(occurrence.id, to, now, from_states=(from_state,),
                                               holder=holder, error=error)
            if done:
                await self._audit(uow, occurrence, audit, now, error=error)
                await self._queue_notices(uow, [(occurrence, notice)] if notice else [], kind,
                                          now)
            await uow.commit()
        if done and notice is not None:
            await self._drain()
        return done

    async def _skip(self, occurrence: OccurrenceRecord, now: datetime, reason: str,
                    report: RunReport) -> None:
        async with self._uow_factory() as uow:
            done = await _repo(uow).transition(occurrence.id, S.SKIPPED, now,
                                               from_states=(S.PENDING,), error=reason)
            await uow.commit()
        if done:
            log.info("event=schedule.skipped occurrence=%s due=%s reason=%s",
                     occurrence.id, occurrence.due_at.isoformat(), reason)
            report.skipped.append(occurrence.id)

    # -- helpers -----------------------------------------------------------------------------

    def _lead(self, chats: Sequence[str]) -> timedelta:
        if self._postponed_wall and "vk:wall" in chats:
            return POSTPONE_LEAD
        return timedelta(0)

    def _notice(self, occurrence: OccurrenceRecord, key: str,
                **extra: str | Text) -> NotifyQueue | None:
        community = self._communities.get(occurrence.community)
        if community is None or community.queue is None:
            return None
        due = occurrence.due_at.astimezone(community.tz).strftime("%Y-%m-%d %H:%M")
        params = {"id": occurrence.id, "post": occurrence.post_id, "chat": occurrence.chat,
                  "due": due, "tz": zone_label(community.timezone, occurrence.due_at),
                  "text": preview(occurrence.text), **extra}
        return NotifyQueue(community.queue, Text(key, params), community.language)

    async def _queue_notices(self, uow: UnitOfWork,
                             notices: Sequence[tuple[OccurrenceRecord, NotifyQueue]],
                             kind: str, now: datetime) -> None:
        """Notices ride the pipeline's outbox, committed with the state change they report."""
        for occurrence, notice in notices:
            await uow.outbox.add(f"schedule:{kind}:{occurrence.id}", [encode_action(notice)],
                                 now)

    async def _audit(self, uow: UnitOfWork, occurrence: OccurrenceRecord, action: str,
                     now: datetime, **details: str) -> None:
        await uow.audit.add(AuditRecord(
            community=occurrence.community, at=now, actor=ACTOR, action=action,
            target=f"post:{occurrence.post_id}", chat=occurrence.chat,
            details={"occurrence": occurrence.id, "due": occurrence.due_at.isoformat(),
                     "instance": self.instance_id, **details}))


def _repo(uow: UnitOfWork) -> ScheduleRepo:
    repo: ScheduleRepo = uow.schedule
    return repo


def _edited_from(new: NewPost, retiring: Sequence[PostRecord]) -> PostRecord | None:
    """The recurring entry ``new`` is an edit of: one of this community's retiring entries
    with the same cron (its text or chats fixed). A moved time is not followed: today's post
    may have gone out at the old time, and the new one would post it again."""
    if new.cron is None:
        return None
    return next((p for p in retiring if p.community == new.community and p.cron == new.cron),
                None)
