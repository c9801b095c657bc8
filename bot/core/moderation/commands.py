"""Moderator commands: /warn /dwarn /unwarn /warns /mute /unmute /ban /unban /kick /del.

Each command is aimed by reply or by @username / ID (see `targets`). In a community chat it
acts in that chat; from the queue chat it acts in every community chat on the target's
network. Bad input gets the command's usage line, never silence; moderators and admins
(and oneself) cannot be punished.

As in Rose, /warn leaves the warned message in place (it is the evidence) and /dwarn deletes
it. A duration may come before or after the target (/mute @bob 10m, /mute 10m @bob);
"forever" makes a mute or ban permanent. Anything that starts like a number but is not a
duration ("-5m", "10x") is refused with the reason, never replaced by the default.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from bot.core.actions import AnyAction, DeleteMessage, SendMessage, Unban, Unmute
from bot.core.chats import ChatRef
from bot.core.commands import CommandSpec, ParsedCommand, Where
from bot.core.context import MessageContext
from bot.core.directory import Role
from bot.core.durations import DurationError, join_spaced, parse_duration
from bot.core.events import SenderKind
from bot.core.moderation.bans import (
    NO_END,
    ban_end_in,
    banned_by,
    is_banned,
    is_banned_in,
    is_muted,
    note_banned_by,
    note_why,
    restriction,
)
from bot.core.moderation.ladder import Sanction, count_active, decide, degrade
from bot.core.moderation.sanctions import (
    TextPart,
    done,
    note,
    notice,
    outcome,
    platform_actions,
    progress,
    span,
)
from bot.core.moderation.targets import (
    Target,
    TargetProblem,
    chats_for,
    mention_words,
    names_target,
    resolve,
)
from bot.core.records import WarningRecord
from bot.core.settings import LONGEST_RESTRICTION
from bot.core.texts import Text, clip, mention

PUNITIVE = ("warn", "dwarn", "mute", "dmute", "ban", "dban", "kick", "dkick")
#: a reason quoted in a notice (the audit log keeps it whole)
SHOWN_REASON = 300
#: /warns lists the newest warnings, each reason shortened, so the list fits one message
WARNS_SHOWN = 10
WARNS_REASON = 200
PERMANENT = frozenset({"forever", "permanent", "permanently", "perm", "навсегда", "бессрочно"})
# a word meant as a duration: a sign or a digit first ("-5m", "10x", "30"), or "forever"
#: The most messages one /purge deletes (Telegram's own bulk limit; older ones are usually
#: past the 48 hours in which a bot may delete at all).
PURGE_LIMIT = 100
_DURATION_LIKE = re.compile(r"^[-+]?\d")
# a duration with its unit, which can never be a user ID (so it may precede the target)
_WITH_UNIT = re.compile(r"^[-+]?\d+\s*[^\W\d_]+$")


@dataclass(frozen=True, slots=True)
class Request:
    """A command's parsed arguments, checked and ready to act on."""

    target: Target
    chats: tuple[ChatRef, ...]
    duration: timedelta | None
    reason: str
    permanent: bool = False

    def reason_text(self) -> TextPart:
        return clip(self.reason, SHOWN_REASON) or Text("moderation.reason.unspecified")


def say(ctx: MessageContext, text: Text) -> SendMessage:
    """In a community chat a self-deleting notice; in the queue a lasting reply (a trace)."""
    ttl = ctx.community.moderation.notice_ttl if ctx.role is Role.CHAT else None
    return SendMessage(ctx.chat, text, ctx.lang, ctx.event.message_id, ctx.event.thread_id,
                       delete_after=ttl)


def usage(ctx: MessageContext, command: str) -> list[AnyAction]:
    return [say(ctx, Text(f"moderation.usage.{command}"))]


def _parse(ctx: MessageContext, word: str, command: str) -> timedelta | list[AnyAction]:
    """A command's duration, or the reply saying what is wrong with it (with the usage)."""
    problem = "format"
    try:
        duration = parse_duration(word)
    except DurationError as exc:
        problem = exc.problem
    else:
        if duration <= LONGEST_RESTRICTION:
            return duration
        problem = "too_long"
    key = {"format": "bad_duration", "not_positive": "duration_not_positive"}.get(
        problem, "duration_too_long")
    return [say(ctx, Text(f"moderation.{key}", {
        "value": word, "usage": Text(f"moderation.usage.{command}")}))]


def _trailing_duration(ctx: MessageContext, word: str,
                       command: str) -> timedelta | list[AnyAction] | None:
    """A duration at the end of the reason; the reply when it is one but out of range; None
    when the word is no duration at all ("3pm" stays in the reason)."""
    try:
        parse_duration(word)
    except DurationError as exc:
        if exc.problem == "format":
            return None
    return _parse(ctx, word, command)


#: "for" before a trailing time ("/mute flood for 10m") belongs to the time, not the reason
_FOR = frozenset({"for", "на"})


def _without_for(words: list[str]) -> list[str]:
    return words[:-1] if len(words) > 1 and words[-1].lower() in _FOR else words


async def active_warnings(ctx: MessageContext, user_ref: str) -> list[WarningRecord]:
    """Active by the stored expiry *and* by today's `warn_expiry`."""
    stored = await ctx.uow.warnings.active(ctx.community.name, user_ref, ctx.now)
    expiry = ctx.community.moderation.warn_expiry
    return [w for w in stored if count_active([w.created_at], ctx.now, expiry)]


async def issue_warning(ctx: MessageContext, user_ref: str, reason: str,
                        issued_by: str) -> int:
    """Store a warning; returns how many are active now, this one included."""
    expiry = ctx.community.moderation.warn_expiry
    await ctx.uow.warnings.add(ctx.community.name, user_ref, reason, issued_by, ctx.now,
                               ctx.now + expiry)
    return len(await active_warnings(ctx, user_ref))


class ModerationCommands:
    """The command handlers; stateless, everything comes through the context."""

    def specs(self) -> Sequence[CommandSpec]:
        both = Where.CHAT | Where.QUEUE
        return (
            CommandSpec("warn", self.warn, where=both),
            CommandSpec("dwarn", self.warn, where=both),
            CommandSpec("unwarn", self.unwarn, where=both, aliases=("rmwarn",)),
            CommandSpec("resetwarns", self.resetwarns, where=both,
                        aliases=("resetwarn", "clearwarns")),
            # as in Rose, a member may ask for their own warnings, in private too
            CommandSpec("warns", self.warns, moderator_only=False, where=Where.ANY),
            CommandSpec("mute", self.mute, where=both, aliases=("tmute",)),
            CommandSpec("dmute", self.mute, where=both),
            CommandSpec("unmute", self.unmute, where=both),
            CommandSpec("ban", self.ban, where=both, aliases=("tban",)),
            CommandSpec("dban", self.ban, where=both),
            CommandSpec("unban", self.unban, where=both),
            CommandSpec("kick", self.kick, where=both),
            CommandSpec("dkick", self.kick, where=both),
            CommandSpec("del", self.delete, where=Where.CHAT),
            CommandSpec("purge", self.purge, where=Where.CHAT),
        )

    async def _request(self, ctx: MessageContext, cmd: ParsedCommand, *,
                       timed: bool) -> Request | list[AnyAction]:
        """Parse target, duration and reason; on any problem the answer to send instead."""
        words = join_spaced(cmd.words) if timed else cmd.words
        leading = timed and len(words) > 1 and (
            _WITH_UNIT.match(words[0]) is not None or words[0].lower() in PERMANENT)
        if leading and (names_target(words[1]) or mention_words(ctx, words[1:]) is not None):
            # "/mute 10m @bob", "/ban forever 222": the duration first, and a named target
            # wins over the message replied to, as it does when it comes first
            found, rest = await resolve(ctx, words[1:])
            rest = [words[0], *rest]
        else:
            found, rest = await resolve(ctx, words)
        if (leading and isinstance(found, TargetProblem) and found.kind == "missing"
                and _WITH_UNIT.match(words[0])):
            found, rest = await resolve(ctx, words[1:])
            rest = [words[0], *rest]
        if isinstance(found, TargetProblem):
            if found.kind == "not_found":
                return [say(ctx, Text("moderation.user_not_found", {
                    "who": found.who, "usage": Text(f"moderation.usage.{cmd.name}")}))]
            return usage(ctx, cmd.name)
        duration: timedelta | None = None
        permanent = False
        if timed and rest and rest[0].lower() in PERMANENT:
            permanent, rest = True, rest[1:]
        elif timed and rest and _DURATION_LIKE.match(rest[0]):
            parsed = _parse(ctx, rest[0], cmd.name)
            if not isinstance(parsed, timedelta):
                return parsed
            duration, rest = parsed, rest[1:]
        elif timed and len(rest) > 1 and _WITH_UNIT.match(rest[-1]) is not None:
            # "/ban spam 1d", «/mute спам 2 часа»: the time typed after the reason is still the
            # time (a reason never ends in one); left in the reason, the ban would be permanent
            trailing = _trailing_duration(ctx, rest[-1], cmd.name)
            if isinstance(trailing, list):
                return trailing
            if trailing is not None:
                duration, rest = trailing, _without_for(rest[:-1])
        chats = chats_for(ctx, found)
        if not chats:
            return [say(ctx, Text("moderation.no_chats", {"platform": found.ref.platform}))]
        request = Request(found, chats, duration, " ".join(rest), permanent)
        if cmd.name in PUNITIVE:
            refusal = await self._refusal(ctx, request, cmd.name)
            if refusal is not None:
                return [refusal]
        return request

    async def _refusal(self, ctx: MessageContext, request: Request,
                       command: str) -> SendMessage | None:
        if request.target.ref == ctx.event.author.ref:
            return say(ctx, Text("moderation.refuse.self", {"command": f"/{command}"}))
        for chat in request.chats:
            if await ctx.permissions.is_protected(ctx.community, chat, request.target.author):
                return say(ctx, Text("moderation.refuse.protected",
                                     {"user": request.target.display}))
        return None

    async def _audit(self, ctx: MessageContext, action: str, request: Request,
                     reason: str, **details: Any) -> list[AnyAction]:
        return await ctx.audit(action, actor=str(ctx.event.author.ref),
                               target=str(request.target.ref),
                               target_name=request.target.author.plain_name, reason=reason,
                               applied_in=[str(c) for c in request.chats], **details)

    async def _apply(self, ctx: MessageContext, request: Request, wanted: Sanction,
                     command: str) -> list[AnyAction]:
        """Apply a direct sanction (no ladder) in every chat, degrading per platform; a
        sanction that degrades to a warning records one warning."""
        fallback = ctx.community.moderation.vk_mute_fallback
        out: list[AnyAction] = []
        applied = [degrade(wanted, chat, channel=request.target.channel, fallback=fallback)
                   for chat in request.chats]
        for chat, sanction in zip(request.chats, applied, strict=True):
            out.extend(platform_actions(
                sanction, chat, request.target.ref, channel=request.target.channel, now=ctx.now,
                thread_id=ctx.event.thread_id if chat == ctx.chat else None))
        if any(s.action == "warn" for s in applied):
            await issue_warning(ctx, str(request.target.ref), request.reason,
                                str(ctx.event.author.ref))
        notes = [note(s) for s in {s.note: s for s in applied if s.note}.values()]
        # one outcome everywhere: say what was done (a VK "mute" that removed is no mute);
        # outcomes that differ per chat: say what was asked, and the notes say the rest
        outcomes = {(s.action, s.duration) for s in applied}
        head = applied[0] if len(outcomes) == 1 else wanted
        out.append(say(ctx, notice(done(head, _named(request), request.reason_text()),
                                   why=notes[0] if notes else "")))
        out.extend(say(ctx, Text("moderation.note_only", {"note": extra})) for extra in notes[1:])
        for sanction in dict.fromkeys(applied):
            out.extend(await self._audit(
                ctx, sanction.action, request, request.reason, command=f"/{command}",
                until=_iso(sanction, ctx), degraded_from=sanction.degraded_from))
        await note_why(ctx.uow, out, request.reason, ctx.now)
        out.extend(_tell_member(ctx, request, head))
        return out

    async def warn(self, ctx: MessageContext, cmd: ParsedCommand) -> list[AnyAction]:
        """Warn and climb the ladder; /dwarn also deletes the message replied to."""
        request = await self._request(ctx, cmd, timed=False)
        if not isinstance(request, Request):
            return request
        settings = ctx.community.moderation
        user = str(request.target.ref)
        count = await issue_warning(ctx, user, request.reason, str(ctx.event.author.ref))
        out: list[AnyAction] = []
        rungs = [decide(settings.ladder, count, chat, channel=request.target.channel,
                        fallback=settings.vk_mute_fallback) for chat in request.chats]
        rung = rungs[0]
        out.extend(_evidence_deleted(ctx, cmd, request))
        for chat, each in zip(request.chats, rungs, strict=True):
            if each.sanction.action == "mute" and await is_banned_in(
                    ctx.uow, chat, request.target.ref, ctx.now):
                continue  # a mute would lift the ban there (see ModerationCommands.mute)
            out.extend(platform_actions(
                each.sanction, chat, request.target.ref, channel=request.target.channel,
                now=ctx.now, thread_id=ctx.event.thread_id if chat == ctx.chat else None))
        head = done(Sanction("warn"), _named(request), request.reason_text())
        out.append(say(ctx, notice(head, result=outcome(rung.sanction), step=progress(rung),
                                   why=note(rung.sanction))))
        out.extend(await self._audit(ctx, "warn", request, request.reason, warning=count,
                                     of=rung.total))
        if rung.sanction.action != "warn":
            out.extend(await self._audit(
                ctx, rung.sanction.action, request, f"ladder: warning {count} of {rung.total}",
                until=_iso(rung.sanction, ctx), degraded_from=rung.sanction.degraded_from))
        await note_why(ctx.uow, out, request.reason, ctx.now)
        out.extend(_tell_member(ctx, request, Sanction("warn"), outcome(rung.sanction)))
        return out

    async def unwarn(self, ctx: MessageContext, cmd: ParsedCommand) -> list[AnyAction]:
        request = await self._request(ctx, cmd, timed=False)
        if not isinstance(request, Request):
            return request
        user = str(request.target.ref)
        revoked = await ctx.uow.warnings.revoke_latest(ctx.community.name, user, ctx.now)
        if revoked is None:
            return [say(ctx, Text("moderation.no_warnings", {"user": request.target.display}))]
        left = len(await active_warnings(ctx, user))
        out: list[AnyAction] = [say(ctx, Text("moderation.unwarned", {
            "user": request.target.display, "count": left}))]
        out.extend(await self._audit(ctx, "unwarn", request, request.reason,
                                     warning_id=revoked.id))
        return out

    async def resetwarns(self, ctx: MessageContext, cmd: ParsedCommand) -> list[AnyAction]:
        """Rose's /resetwarns: every active warning of the member taken back at once."""
        request = await self._request(ctx, cmd, timed=False)
        if not isinstance(request, Request):
            return request
        cleared = await ctx.uow.warnings.revoke_all(ctx.community.name,
                                                    str(request.target.ref), ctx.now)
        if not cleared:
            return [say(ctx, Text("moderation.no_warnings", {"user": request.target.display}))]
        out: list[AnyAction] = [say(ctx, Text("moderation.resetwarns", {
            "user": request.target.display, "count": cleared}))]
        out.extend(await self._audit(ctx, "resetwarns", request, request.reason,
                                     warnings_cleared=cleared))
        return out

    async def warns(self, ctx: MessageContext, cmd: ParsedCommand) -> list[AnyAction]:
        """Moderators look anyone up; a member (as in Rose) may see only their own warnings."""
        if await ctx.is_moderator():
            request = await self._request(ctx, cmd, timed=False)
            if not isinstance(request, Request):
                return request
            target = request.target
        else:
            own = await self._own_target(ctx, cmd)
            if own is None:
                return await ctx.refuse(cmd.name)
            target = own
        active = await active_warnings(ctx, str(target.ref))
        running = await self._restriction_text(ctx, target)
        if not active:
            return [say(ctx, _with_state(
                Text("moderation.no_warnings", {"user": target.display}), running))]
        numbered = list(enumerate(active, start=1))
        hidden = len(numbered) - WARNS_SHOWN
        items: TextPart = Text("moderation.warns.earlier", {"count": hidden}) if hidden > 0 else ""
        for number, warning in reversed(numbered[-WARNS_SHOWN:]):
            items = Text("moderation.warns.item", {
                "n": number,
                "date": warning.created_at.astimezone(ctx.community.tz).strftime("%Y-%m-%d %H:%M"),
                "reason": self._shown_reason(ctx, warning),
                "rest": items,
            })
        return [say(ctx, _with_state(Text("moderation.warns.list", {
            "user": target.display, "count": len(active),
            "total": len(ctx.community.moderation.ladder), "items": items}), running))]

    @staticmethod
    async def _restriction_text(ctx: MessageContext, target: Target) -> TextPart:
        """The ban or mute the member is under, with its end and the moderator's reason: the
        moderator looking a member up at night, and the member asking why they cannot write,
        need it more than the list of warnings."""
        running = await restriction(ctx.uow, target.ref, ctx.now)
        if running is None:
            return ""
        why: TextPart = Text("moderation.warns.why", {"reason": clip(running.reason, WARNS_REASON)}) \
            if running.reason else ""
        if running.until is None:
            return Text(f"moderation.warns.{running.kind}_forever", {"why": why})
        until = running.until.astimezone(ctx.community.tz).strftime("%Y-%m-%d %H:%M")
        return Text(f"moderation.warns.{running.kind}_until", {"until": until, "why": why})

    @staticmethod
    async def _own_target(ctx: MessageContext, cmd: ParsedCommand) -> Target | None:
        """The member asking about themselves (no target, or one that is the sender), else None.

        Only a member speaking as themselves qualifies: a channel or forwarded message has no
        warnings of its own to show."""
        if ctx.event.author.kind is not SenderKind.MEMBER:
            return None
        found, _ = await resolve(ctx, cmd.words)
        if isinstance(found, TargetProblem):
            return Target(ctx.event.author) if found.kind == "missing" else None
        return found if found.ref == ctx.event.author.ref else None

    @staticmethod
    def _shown_reason(ctx: MessageContext, warning: WarningRecord) -> TextPart:
        """The filter's explanation quotes the obscene word: moderators see it in the queue,
        the chat and a member asking in private see only the polite reason."""
        if warning.issued_by.startswith("auto:filter") and ctx.role is not Role.QUEUE:
            return Text("moderation.reason.obscene")
        if warning.issued_by.startswith("auto:antiflood"):
            return Text("moderation.reason.flood")
        return clip(warning.reason, WARNS_REASON) or Text("moderation.reason.unspecified")

    async def mute(self, ctx: MessageContext, cmd: ParsedCommand) -> list[AnyAction]:
        request = await self._request(ctx, cmd, timed=True)
        if not isinstance(request, Request):
            return request
        duration = None if request.permanent else (
            request.duration or ctx.community.moderation.default_mute)
        # a member the bot banned stays banned: on Telegram a restriction replaces the ban (a
        # second moderator muting the raider Olga banned a moment ago would let them back)
        open_chats = tuple([chat for chat in request.chats
                            if not await is_banned_in(ctx.uow, chat, request.target.ref, ctx.now)])
        if not open_chats:
            return [say(ctx, Text("moderation.mute_banned", {"user": request.target.display}))]
        return _evidence_deleted(ctx, cmd, request) + await self._apply(
            ctx, replace(request, chats=open_chats), Sanction("mute", duration, delete=False),
            cmd.name)

    async def ban(self, ctx: MessageContext, cmd: ParsedCommand) -> list[AnyAction]:
        """A ban where the bot's own ban already runs at least as long does nothing: two
        moderators banning one raider seconds apart ban once, and a second moderator's
        "/ban 1d" never cuts a permanent ban to a day (the platform would replace it)."""
        request = await self._request(ctx, cmd, timed=True)
        if not isinstance(request, Request):
            return request
        wanted_end = NO_END if request.duration is None else ctx.now + request.duration
        ends = {chat: await ban_end_in(ctx.uow, chat, request.target.ref, ctx.now)
                for chat in dict.fromkeys((*request.chats, *_vk_chats(ctx, request)))}
        # a VK ban is the community's (groups.ban), whichever of its chats it was given in: a
        # second moderator's /ban from the queue must find the first one's in the VK chat
        vk_end = max((end for chat, end in ends.items() if end is not None
                      and chat.platform == "vk"), default=None)
        longer = tuple([chat for chat in request.chats
                        if ((end := ends[chat] or (vk_end if chat.platform == "vk" else None))
                            is None or end < wanted_end)])
        if not longer:
            given_in = next((chat for chat, end in ends.items() if end), request.chats[0])
            who = await banned_by(ctx.uow, given_in, request.target.ref)
            params = {"user": request.target.display, "who": who}
            key = "moderation.already_banned_by" if who else "moderation.already_banned"
            return [*_evidence_deleted(ctx, cmd, request), say(ctx, Text(key, params))]
        who = ctx.event.author.plain_name or ctx.event.author.display
        for chat in longer:
            await note_banned_by(ctx.uow, chat, request.target.ref, who, ctx.now)
        return _evidence_deleted(ctx, cmd, request) + await self._apply(
            ctx, replace(request, chats=longer), Sanction("ban", request.duration, delete=False),
            cmd.name)

    async def kick(self, ctx: MessageContext, cmd: ParsedCommand) -> list[AnyAction]:
        request = await self._request(ctx, cmd, timed=False)
        if not isinstance(request, Request):
            return request
        return _evidence_deleted(ctx, cmd, request) + await self._apply(
            ctx, request, Sanction("kick", None, delete=False), cmd.name)

    async def unmute(self, ctx: MessageContext, cmd: ParsedCommand) -> list[AnyAction]:
        """Telegram lifts the mute; on VK a mute became a ban only with fallback "ban", so
        that is lifted; otherwise there is nothing to lift, and the reply says so."""
        request = await self._request(ctx, cmd, timed=False)
        if not isinstance(request, Request):
            return request
        # on VK with fallback "ban" a mute was given as a (timed) ban: lifting it is the point
        vk_ban_is_mute = request.target.ref.platform == "vk" \
            and ctx.community.moderation.vk_mute_fallback == "ban"
        banned = await is_banned(ctx.uow, request.target.ref, ctx.now)
        if banned and not vk_ban_is_mute:
            # a restriction with every right would let a banned member back in on Telegram
            return [say(ctx, Text("moderation.unmute_banned", {"user": request.target.display}))]
        on_record = banned or await is_muted(ctx.uow, request.target.ref, ctx.now)
        fallback = ctx.community.moderation.vk_mute_fallback
        out: list[AnyAction] = []
        lifted = False
        for chat in request.chats:
            if request.target.channel:
                continue
            if chat.platform != "vk":
                out.append(Unmute(chat, request.target.ref))
                lifted = True
            elif fallback == "ban":
                out.append(Unban(chat, request.target.ref))
                lifted = True
        why: TextPart = "" if lifted else Text("moderation.degraded.nothing_to_lift")
        done_key = "moderation.done.unmute" if on_record or not lifted \
            else "moderation.done.unmute_unknown"
        out.append(say(ctx, notice(Text(done_key, {"user": request.target.display}), why=why)))
        out.extend(await self._audit(ctx, "unmute", request, request.reason))
        return out

    async def unban(self, ctx: MessageContext, cmd: ParsedCommand) -> list[AnyAction]:
        """Unban everywhere asked. Lifting the bot's own ban also clears active warnings (a
        fresh start, so the next slip does not jump straight back to the ban step); with no
        ban on record (given by hand, or none at all) the warnings stay and the reply says so."""
        request = await self._request(ctx, cmd, timed=False)
        if not isinstance(request, Request):
            return request
        out: list[AnyAction] = [Unban(chat, request.target.ref, request.target.channel)
                                for chat in request.chats]
        cleared = 0
        if await is_banned(ctx.uow, request.target.ref, ctx.now):
            cleared = await ctx.uow.warnings.revoke_all(ctx.community.name,
                                                        str(request.target.ref), ctx.now)
            out.append(say(ctx, Text("moderation.done.unban", {
                "user": request.target.display, "count": cleared})))
        else:
            out.append(say(ctx, Text("moderation.done.unban_unknown",
                                     {"user": request.target.display})))
        out.extend(await self._audit(ctx, "unban", request, request.reason,
                                     warnings_cleared=cleared))
        return out

    async def delete(self, ctx: MessageContext, cmd: ParsedCommand) -> list[AnyAction]:
        """Delete the replied message and the command itself."""
        reply = ctx.event.reply_to
        if reply is None:
            return usage(ctx, "del")
        out: list[AnyAction] = [DeleteMessage(ctx.chat, reply.message_id, ctx.event.thread_id),
                                ctx.delete_current()]
        target = str(reply.author.ref) if reply.author is not None else None
        out.extend(await ctx.audit("delete", actor=str(ctx.event.author.ref), target=target,
                                   reason=cmd.args, message_id=reply.message_id))
        return out

    async def purge(self, ctx: MessageContext, cmd: ParsedCommand) -> list[AnyAction]:
        """Rose's /purge: every message from the one replied to up to the command. Message
        numbers run in order within a chat on both networks (not on a VK wall), so the range
        is known without a history; numbers already gone are no failure."""
        reply = ctx.event.reply_to
        first = _numbered(reply.message_id) if reply is not None else None
        last = _numbered(ctx.event.message_id)
        if ctx.chat.is_vk_wall:
            return [ctx.notice("common.wrong_place.chat", command="/purge")]
        if first is None or last is None or first > last:
            return usage(ctx, "purge")
        count = last - first + 1
        if count > PURGE_LIMIT:
            return [say(ctx, Text("moderation.purge_too_many",
                                  {"count": count, "limit": PURGE_LIMIT}))]
        out: list[AnyAction] = [DeleteMessage(ctx.chat, str(number), ctx.event.thread_id)
                                for number in range(first, last + 1)]
        out.append(SendMessage(ctx.chat, Text("moderation.purged", {"count": count}), ctx.lang,
                               None, ctx.event.thread_id,
                               delete_after=ctx.community.moderation.notice_ttl))
        target = str(reply.author.ref) if reply is not None and reply.author else None
        out.extend(await ctx.audit("purge", actor=str(ctx.event.author.ref), target=target,
                                   reason=cmd.args, first=str(first), last=str(last)))
        return out


def _named(request: Request) -> Text:
    """The target as the notice names them (a link on the VK wall: see sanctions.done)."""
    return mention(request.target.display, request.target.ref)


def _numbered(message_id: str | None) -> int | None:
    return int(message_id) if message_id is not None and message_id.isdigit() else None


def _evidence_deleted(ctx: MessageContext, cmd: ParsedCommand,
                      request: Request) -> list[AnyAction]:
    """Rose's d-variants (/dwarn, /dmute, /dban, /dkick) also delete the message replied to;
    only in a community chat, where that message is (a card in the queue stays)."""
    if not cmd.name.startswith("d") or not request.target.message_id or ctx.role is not Role.CHAT:
        return []
    return [DeleteMessage(ctx.chat, request.target.message_id, ctx.event.thread_id)]


def _iso(sanction: Sanction, ctx: MessageContext) -> str | None:
    until = sanction.until(ctx.now)
    return until.isoformat() if until is not None else None


def _with_state(record: Text, running: TextPart) -> Text:
    """A /warns answer with the ban or mute that runs, when one does."""
    return Text("moderation.warns.with_state", {"record": record, "state": running}) \
        if running else record


def _tell_member(ctx: MessageContext, request: Request, sanction: Sanction,
                 result: TextPart = "") -> list[AnyAction]:
    """A sanction given from the queue chat is told to the member privately: nobody in their
    group saw the command, and a member muted without a word only learns that they cannot
    write. A platform may refuse a private message the member never allowed: nothing more
    is said then (a SendMessage failure is not a moderation failure)."""
    private = request.target.ref.private_chat()
    if ctx.role is not Role.QUEUE or request.target.channel or private is None:
        return []
    where = ", ".join(dict.fromkeys(ctx.title_of(chat) or ctx.community.name
                                    for chat in request.chats))
    text = Text(f"moderation.told.{sanction.action}", {
        "where": where, "span": span(sanction.duration), "reason": request.reason_text(),
        "outcome": result})
    return [SendMessage(private, text, ctx.community.language)]


def _vk_chats(ctx: MessageContext, request: Request) -> tuple[ChatRef, ...]:
    """The community's VK chats, when the target is a VK member (their ban is one)."""
    if request.target.ref.platform != "vk":
        return ()
    return tuple(chat for chat in ctx.community.chats if chat.platform == "vk")

