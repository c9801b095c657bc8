"""ModerationFeature: the content filter and anti-flood on every chat message, plus the
moderator commands. First in the Core's order, because it may delete the message.

Protected authors (admins, listed moderators, anonymous admins) are never punished
automatically. In `dry-run` mode the filter only writes `filter.dry_run` audit records, so an
owner can watch its verdicts before letting it act.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.core.actions import ActionResult, AnyAction, DeleteMessage, SendMessage
from bot.core.commands import CommandSpec
from bot.core.context import MessageContext
from bot.core.directory import Role
from bot.core.durations import format_duration
from bot.core.events import Author, SenderKind
from bot.core.failures import no_delete_key
from bot.core.feature import BaseFeature
from bot.core.moderation.antiflood import FloodGuard, FloodVerdict
from bot.core.moderation.bans import is_banned_in
from bot.core.moderation.commands import ModerationCommands, issue_warning
from bot.core.moderation.ladder import Sanction, decide, degrade
from bot.core.moderation.sanctions import note, notice, outcome, platform_actions, progress
from bot.core.moderation.targets import SUBJECT_PREFIX, SUBJECT_REF, subject_key
from bot.core.ports import ContentFilter, ContentVerdict, UnitOfWork
from bot.core.texts import Text, mention

FILTER_ACTOR = "auto:filter"
FLOOD_ACTOR = "auto:antiflood"


PUNISHED_PREFIX = "filtered:"
#: ref of a filter's delete in a chat where a delete was refused for want of the right
DELETED_REF = "deleted:"
#: the value recorded for a message a ladder step with delete = false kept: its edits stay too
KEPT = "kept"
PUNISHED_KEPT = timedelta(days=1)
#: how long a refused delete is taken to mean the right is still missing
NO_DELETE_TRUSTED = timedelta(days=1)
PURGE_EVERY = timedelta(hours=1)


class ModerationFeature(BaseFeature):
    name = "moderation"

    def __init__(self, filters: Mapping[str, ContentFilter] | None = None,
                 flood: FloodGuard | None = None) -> None:
        """`filters`: one content filter per community name (absent = no filter there)."""
        self._filters = dict(filters or {})
        self._flood = flood or FloodGuard()
        self._commands = ModerationCommands()
        self._purged_at: datetime | None = None

    async def tick(self, uow: UnitOfWork, now: datetime) -> list[AnyAction]:
        """Hourly, forget which messages were punished a day ago: an edit comes within
        minutes, and the marks would otherwise pile up one per obscene message."""
        if self._purged_at is None or now - self._purged_at >= PURGE_EVERY:
            self._purged_at = now
            await uow.state.forget(PUNISHED_PREFIX, now - PUNISHED_KEPT)
            await uow.state.forget(SUBJECT_PREFIX, now - PUNISHED_KEPT)
        return []

    async def on_result(self, ref: str, result: ActionResult, uow: UnitOfWork,
                        now: datetime) -> list[AnyAction]:
        """A notice about a member reached the chat: a moderator's /unwarn in reply to it
        means that member (their own message is gone; the notice is what is left)."""
        if ref.startswith(SUBJECT_REF) and result.ok and result.message_id:
            chat, _, user = ref.removeprefix(SUBJECT_REF).partition("|")
            await uow.state.put(subject_key(chat, result.message_id), user, now)
        elif ref.startswith(DELETED_REF) and result.ok:
            # the right is back: members are told "removed" again
            await uow.state.put(no_delete_key(ref.removeprefix(DELETED_REF)), "", now)
        return []

    def commands(self) -> Sequence[CommandSpec]:
        return self._commands.specs()

    async def on_message(self, ctx: MessageContext) -> list[AnyAction] | None:
        return await self._judge(ctx, flood_counts=True)

    async def screen_command(self, ctx: MessageContext) -> list[AnyAction] | None:
        """A member's command is judged by the filter like any message: abuse behind "/help"
        is abuse. Anti-flood leaves commands alone: three "/report"s about three spammers
        are not a repeated message (the command budget, bot/core/budget.py, limits them)."""
        return await self._judge(ctx, flood_counts=False)

    async def _judge(self, ctx: MessageContext, *, flood_counts: bool) -> list[AnyAction] | None:
        """The filter's verdict (enforced or dry-run) and, for plain messages, anti-flood's;
        None when neither has anything to do."""
        event = ctx.event
        if not await self._judges(ctx):
            return None
        flood = FloodVerdict()
        if flood_counts and not event.edited:
            key = (ctx.community.name, str(ctx.chat), str(event.author.ref))
            flood = self._flood.observe(key, event.message_id, event.thread_id, event.text,
                                        ctx.sent_at, ctx.community.antiflood,
                                        album=event.album)
        verdict = self._check(ctx)
        if verdict is not None and ctx.community.filter.mode == "enforce":
            return await self._enforce(ctx, verdict)
        if not flood.acted:
            if verdict is not None:
                # a trial verdict changes nothing for the member: the FAQ still answers them
                ctx.noted.extend(await self._dry_run(ctx, verdict))
            return None
        out = await self._dry_run(ctx, verdict) if verdict is not None else []
        return out + await self._on_flood(ctx, flood)

    @staticmethod
    async def _judges(ctx: MessageContext) -> bool:
        """Members' messages in community chats; never admins, bots or the linked channel."""
        event = ctx.event
        if ctx.role is not Role.CHAT or not _judged(event.author):
            return False
        return not await ctx.permissions.is_protected(ctx.community, ctx.chat, event.author)

    def _check(self, ctx: MessageContext) -> ContentVerdict | None:
        """The verdict when the community's filter flags the text, else None."""
        content_filter = self._filters.get(ctx.community.name)
        event = ctx.event
        seen = "\n".join(part for part in (event.text, event.shown,
                                            *(label for label, _ in event.labels)) if part)
        if content_filter is None or not ctx.community.filter.enabled or not seen:
            return None
        verdict = content_filter.check(seen)
        return verdict if verdict.obscene else None

    def decent(self, community: str, author: Author) -> Author:
        """``author`` as every reply may name them: a name the community's filter would
        remove is replaced by the id, so no FAQ pointer or /warns reply says it."""
        content_filter = self._filters.get(community)
        if content_filter is None or not content_filter.check(author.display).obscene:
            return author
        return author.renamed(f"id{author.ref.user_id}")

    def _chat_notice(self, ctx: MessageContext, text: Text, *,
                     answers: bool = False) -> SendMessage:
        """Not a reply, as the member's message is being deleted, unless it is kept
        (``answers``). The notice remembers whom it is about (see on_result)."""
        return SendMessage(ctx.chat, text, ctx.lang, thread_id=ctx.event.thread_id,
                           reply_to=ctx.event.message_id if answers else None,
                           delete_after=ctx.community.moderation.notice_ttl,
                           ref=f"{SUBJECT_REF}{ctx.chat}|{ctx.event.author.ref}")

    async def _enforce(self, ctx: MessageContext, verdict: ContentVerdict) -> list[AnyAction]:
        """Delete the message, record a warning with the filter's explanation, climb the ladder."""
        settings = ctx.community.moderation
        author = ctx.event.author
        explanation = verdict.explain()
        # One message is one offence: its edits (a fix-up seconds later, or edits racing the
        # deletion) delete again but never climb the ladder a second time.
        punished = f"{PUNISHED_PREFIX}{ctx.chat}:{ctx.event.message_id}"
        if ctx.event.edited and (done := await ctx.uow.state.get(punished)) is not None:
            return [] if done == KEPT else [ctx.delete_current()]
        if await is_banned_in(ctx.uow, ctx.chat, author.ref, ctx.now):
            await ctx.uow.state.put(punished, "1", ctx.now)
            # the backlog of a member banned a moment ago (a raid's burst): the ladder is done
            # with them, so no step, no notice, and no mute that would lift the ban
            return [ctx.delete_current(), *await ctx.audit(
                "filter.delete", actor=FILTER_ACTOR, target=str(author.ref), reason=explanation,
                message_id=ctx.event.message_id, matches=_matches(verdict), banned=True)]
        count = await issue_warning(ctx, str(author.ref), explanation, FILTER_ACTOR)
        rung = decide(settings.ladder, count, ctx.chat,
                      channel=author.kind is SenderKind.CHANNEL,
                      fallback=settings.vk_mute_fallback)
        # a step with delete = false keeps the message as evidence: the notice answers it
        kept = not rung.sanction.delete
        await ctx.uow.state.put(punished, KEPT if kept else "1", ctx.now)
        # without the right to delete, the delete is still tried (the right may be back) but
        # members are not told a message that stays was removed
        refused_at = await ctx.uow.state.get(no_delete_key(ctx.chat)) if not kept else None
        # a day later the right may well be back unnoticed (no offence since): try "removed"
        cannot_delete = bool(refused_at) and \
            ctx.now - datetime.fromisoformat(str(refused_at)) < NO_DELETE_TRUSTED
        out: list[AnyAction] = [] if kept else [
            ctx.delete_current(ref=f"{DELETED_REF}{ctx.chat}" if cannot_delete else None)]
        out.extend(platform_actions(rung.sanction, ctx.chat, author.ref,
                                    channel=author.kind is SenderKind.CHANNEL, now=ctx.now,
                                    thread_id=ctx.event.thread_id))
        head = Text("moderation.auto.kept" if kept or cannot_delete else "moderation.auto.head",
                    {"user": mention(author.display, author.ref),
                     "reason": Text("moderation.reason.obscene")})
        said = notice(head, result=outcome(rung.sanction), step=progress(rung),
                      why=note(rung.sanction))
        out.append(self._chat_notice(ctx, said, answers=kept))
        matches = _matches(verdict)
        out.extend(await ctx.audit("filter.flag" if kept else "filter.delete",
                                   actor=FILTER_ACTOR, target=str(author.ref),
                                   reason=explanation, message_id=ctx.event.message_id,
                                   matches=matches))
        out.extend(await ctx.audit("warn", actor=FILTER_ACTOR, target=str(author.ref),
                                   reason=explanation, warning=count, of=rung.total))
        if rung.sanction.action != "warn":
            until = rung.sanction.until(ctx.now)
            out.extend(await ctx.audit(
                rung.sanction.action, actor=FILTER_ACTOR, target=str(author.ref),
                reason=explanation, warning=count, of=rung.total,
                until=until.isoformat() if until else None,
                degraded_from=rung.sanction.degraded_from))
        return out

    async def _dry_run(self, ctx: MessageContext, verdict: ContentVerdict) -> list[AnyAction]:
        return await ctx.audit("filter.dry_run", actor=FILTER_ACTOR,
                               target=str(ctx.event.author.ref), reason=verdict.explain(),
                               message_id=ctx.event.message_id, matches=_matches(verdict))

    async def _on_flood(self, ctx: MessageContext, flood: FloodVerdict) -> list[AnyAction]:
        author = ctx.event.author
        channel = author.kind is SenderKind.CHANNEL
        out: list[AnyAction] = [DeleteMessage(ctx.chat, message_id, thread_id)
                                for message_id, thread_id in flood.delete]
        if flood.delete:
            if flood.first_repeat:
                out.append(self._chat_notice(ctx, Text("moderation.flood.repeats", {
                    "user": mention(author.display, author.ref)})))
            out.extend(await ctx.audit("flood.delete", actor=FLOOD_ACTOR,
                                       target=str(author.ref), reason="repeated message",
                                       shown_reason=Text("audit.reason.repeats"),
                                       message_ids=[m for m, _ in flood.delete]))
        if flood.mute and not await is_banned_in(ctx.uow, ctx.chat, author.ref, ctx.now):
            wanted = Sanction("mute", ctx.community.antiflood.mute, delete=False)
            sanction = degrade(wanted, ctx.chat, channel=channel,
                               fallback=ctx.community.moderation.vk_mute_fallback)
            if sanction.action == "warn":
                await issue_warning(ctx, str(author.ref), "flood", FLOOD_ACTOR)
            out.extend(platform_actions(sanction, ctx.chat, author.ref, channel=channel,
                                        now=ctx.now, thread_id=ctx.event.thread_id))
            head = Text("moderation.flood.head", {"user": mention(author.display, author.ref)})
            out.append(ctx.notice("moderation.notice", **_pieces(head, sanction)))
            until = sanction.until(ctx.now)
            out.extend(await ctx.audit(
                f"flood.{sanction.action}", actor=FLOOD_ACTOR, target=str(author.ref),
                reason=f"{ctx.community.antiflood.messages} messages within "
                       f"{format_duration(ctx.community.antiflood.window)}",
                shown_reason=Text("audit.reason.burst", {
                    "messages": ctx.community.antiflood.messages,
                    "window": ctx.community.antiflood.window}),
                until=until.isoformat() if until else None,
                degraded_from=sanction.degraded_from))
        return out


def _judged(author: Author) -> bool:
    """Bots are left alone, and so is a linked channel's post that Telegram copies into its
    discussion group (a forward whose author is a channel): those are the owner's words."""
    if author.kind is SenderKind.BOT:
        return False
    linked_channel = author.kind is SenderKind.FORWARDED and author.ref.platform == "telegram" \
        and author.ref.user_id.startswith("-")
    return not linked_channel


def _pieces(head: Text, sanction: Sanction) -> dict[str, Any]:
    return dict(notice(head, result=outcome(sanction), why=note(sanction)).params)


def _matches(verdict: ContentVerdict) -> list[dict[str, Any]]:
    return [{"word": m.word, "start": m.start, "end": m.end, "lexicon": m.lexicon}
            for m in verdict.matches]
