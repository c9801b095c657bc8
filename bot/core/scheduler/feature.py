"""/schedule and /unschedule: moderators manage the content plan from a chat or the queue.

`/schedule <when> <text>` or `/schedule <when>` in reply to a message (its text and photo) adds
a post; `/schedule` alone lists what is coming; `/unschedule ID` retires a post. Both write the
audit log, so "who scheduled what" has an answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.actions import AnyAction, SendMessage
from bot.core.chats import PostTarget
from bot.core.commands import CommandSpec, ParsedCommand, Where
from bot.core.context import MessageContext
from bot.core.directory import Role
from bot.core.feature import BaseFeature
from bot.core.scheduler.occurrences import next_time
from bot.core.scheduler.plan import MAX_POST_TEXT, preview, rule_of
from bot.core.scheduler.ports import NewPost, PostRecord, PostSource, ScheduleRepo
from bot.core.scheduler.repeat import describe
from bot.core.scheduler.when import OneOff, Recurring, ScheduleRuleError, split_when
from bot.core.scheduler.withdraw import withdraw_postponed
from bot.core.scheduler.zones import zone_label
from bot.core.texts import Text

LIST_LIMIT = 20
_LIST_WORDS = ("list", "список")


def local_time(moment: datetime, tz: ZoneInfo) -> str:
    """How times are shown to people: on the community's clock, to the minute."""
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def upcoming(posts: Sequence[PostRecord], now: datetime,
             tz: ZoneInfo) -> list[tuple[datetime, PostRecord]]:
    """Active posts with a next run after `now`, soonest first."""
    coming: list[tuple[datetime, PostRecord]] = []
    for post in posts:
        moment = next_time(rule_of(post), tz, now)
        if moment is not None:
            coming.append((moment, post))
    coming.sort(key=lambda pair: (pair[0], pair[1].id))
    return coming


def plan_line(moment: datetime, post: PostRecord, tz: ZoneInfo) -> tuple[str | Text, ...]:
    """One line of the plan: "#3 · 2026-12-01 10:00 · every Monday at 10:00 · chats · text"
    (the repeat in the reader's words, see repeat.py; "—" keeps a one-off's column)."""
    repeat = describe(post.cron) if post.cron is not None else "—"
    rest = " · ".join([", ".join(post.chats), preview(post.text)])
    return (f"#{post.id} · {local_time(moment, tz)} · ", repeat, f" · {rest}")


class SchedulerFeature(BaseFeature):
    name = "schedule"

    def commands(self) -> Sequence[CommandSpec]:
        return (
            CommandSpec("schedule", self._schedule, where=Where.CHAT | Where.QUEUE),
            CommandSpec("unschedule", self._unschedule, where=Where.CHAT | Where.QUEUE),
        )

    async def _schedule(self, ctx: MessageContext, cmd: ParsedCommand) -> list[AnyAction]:
        if not cmd.args or cmd.args.lower() in _LIST_WORDS:
            return await self._list(ctx)
        tz = ctx.community.tz
        try:
            rule, rest = split_when(cmd.args, now=ctx.now, tz=tz)
        except ScheduleRuleError:
            return [self._answer(ctx, "schedule.usage", tz=zone_label(ctx.community.timezone, ctx.now))]
        reply = ctx.event.reply_to
        text = rest.strip() or (reply.text.strip() if reply else "")
        photo = reply.photo if reply else None
        if not text and photo is None:
            return [self._answer(ctx, "schedule.usage", tz=zone_label(ctx.community.timezone, ctx.now))]
        if len(text) > MAX_POST_TEXT:  # posted as one message, it would be cut
            return [self._answer(ctx, "schedule.too_long", length=len(text),
                                 limit=MAX_POST_TEXT)]
        if isinstance(rule, OneOff) and rule.at <= ctx.now:
            return [self._answer(ctx, "schedule.in_past", when=local_time(rule.at, tz),
                                 tz=zone_label(ctx.community.timezone, rule.at))]
        here = PostTarget(ctx.chat, ctx.event.thread_id if ctx.role is Role.CHAT else None)
        targets = [here if c == ctx.chat else PostTarget(c) for c in ctx.community.chats]
        chats = [str(t) for t in targets]
        skipped: list[str] = []
        if photo is not None:  # a platform file id works only on the network it came from
            chats = [str(t) for t in targets if t.chat.platform == ctx.chat.platform]
            skipped = [str(t) for t in targets if t.chat.platform != ctx.chat.platform]
            if not chats:
                return [self._answer(ctx, "schedule.photo_platform",
                                     platform=_network_in(ctx.chat.platform))]
        author = str(ctx.event.author.ref)
        post = await _repo(ctx).add_post(NewPost(
            community=ctx.community.name, source=PostSource.CHAT, text=text,
            chats=tuple(chats), created_by=author,
            at=rule.at if isinstance(rule, OneOff) else None,
            cron=rule.cron if isinstance(rule, Recurring) else None, photo=photo), ctx.now)
        first = next_time(rule, tz, ctx.now)
        out: list[AnyAction] = [self._answer(
            ctx, "schedule.added", id=post.id, next=local_time(first, tz) if first else "-",
            tz=zone_label(ctx.community.timezone, first or ctx.now), chats=", ".join(chats),
            # said, not silent: the moderator expects the post on both networks
            skipped=Text("schedule.photo_skipped", {"platform": _network_in(ctx.chat.platform),
                                                    "skipped": ", ".join(skipped)})
            if skipped else "")]
        out.extend(await ctx.audit("schedule.add", actor=author, target=f"post:{post.id}",
                                   when=post.cron or (local_time(rule.at, tz)
                                                      if isinstance(rule, OneOff) else ""),
                                   text=preview(text), chats=", ".join(chats)))
        return out

    async def _list(self, ctx: MessageContext) -> list[AnyAction]:
        tz = ctx.community.tz
        posts = await _repo(ctx).posts(ctx.community.name)
        planned = upcoming(posts, ctx.now, tz)
        coming = planned[:LIST_LIMIT]
        if not coming:
            return [self._answer(ctx, "schedule.list_empty")]
        items = tuple(piece for index, (moment, post) in enumerate(coming)
                      for piece in (("\n",) if index else ()) + plan_line(moment, post, tz))
        hidden = len(planned) - len(coming)
        more = Text("schedule.list_more", {"count": hidden}) if hidden else ""
        return [self._answer(ctx, "schedule.list", tz=zone_label(ctx.community.timezone, ctx.now),
                             items=items, count=len(coming), more=more)]

    async def _unschedule(self, ctx: MessageContext, cmd: ParsedCommand) -> list[AnyAction]:
        words = cmd.words
        raw = words[0].lstrip("#") if len(words) == 1 else ""
        if not (raw.isascii() and raw.isdigit()):  # "²" is a digit to isdigit(), not to int()
            return [self._answer(ctx, "schedule.unschedule_usage")]
        # An id beyond the INTEGER column would crash the query; no such post exists anyway.
        post = await _repo(ctx).get_post(int(raw)) if len(raw) <= 9 else None
        if post is None or post.community != ctx.community.name or not post.active:
            return [self._answer(ctx, "schedule.not_found", id=raw)]
        author = str(ctx.event.author.ref)
        occurrences = await _repo(ctx).occurrences(post_id=post.id)
        gone_out = post.cron is None and any(o.state == "sent" for o in occurrences) and not any(
            o.state in ("pending", "sending") for o in occurrences)
        cancelled = await _repo(ctx).deactivate(post.id, author, ctx.now)
        withdrawn = await withdraw_postponed(_repo(ctx), post.id, ctx.now)
        gone_out = gone_out and not withdrawn
        # a one-off that already went out is only taken off the list: saying "unscheduled"
        # would make the moderator believe it never reached the members
        key = "schedule.already_out" if gone_out else "schedule.removed"
        out: list[AnyAction] = [*withdrawn, self._answer(ctx, key, id=post.id, text=preview(post.text))]
        out.extend(await ctx.audit("schedule.remove", actor=author, target=f"post:{post.id}",
                                   text=preview(post.text), cancelled=cancelled))
        return out

    @staticmethod
    def _answer(ctx: MessageContext, key: str, **params: Any) -> SendMessage:
        """In the queue a plain reply; in a community chat a notice that cleans itself up."""
        if ctx.role is Role.QUEUE:
            return ctx.reply(key, **params)
        return ctx.notice(key, **params)


def _repo(ctx: MessageContext) -> ScheduleRepo:
    repo: ScheduleRepo = ctx.uow.schedule
    return repo


def _network_in(platform: str) -> Text:
    """"on Telegram", «во ВКонтакте»: a network as people name it, not its config key."""
    return Text(f"common.network_in.{platform}")
