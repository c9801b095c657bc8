"""Who a moderator command is aimed at: the replied message's author, @username or an ID.

In a community chat a reply names the target; an explicit `@username` or `telegram:ID`
first argument wins over the reply. In the queue chat replies are ignored (they point at the
bot's cards), so the target must be given as @username or ID there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

from bot.core.chats import ChatRef, UserRef
from bot.core.complaints.desk import ticket_of_card
from bot.core.context import MessageContext
from bot.core.directory import Role
from bot.core.events import Author, SenderKind

#: a bot notice about a member (``SUBJECT_REF`` chat|user) has its message id remembered, so a
#: moderator's reply to it means that member (ModerationFeature.on_result)
SUBJECT_REF = "subject:"
SUBJECT_PREFIX = "notice-subject:"

_BARE_ID = re.compile(r"^-?\d{1,20}$")
_FULL_ID = re.compile(r"^(telegram|vk|console):(-?\d{1,20})$")
_PROFILE_LINK = re.compile(
    r"^(?:https?://)?(?:www\.|m\.)?(?:vk\.com|vk\.ru|t\.me)/@?([A-Za-z0-9_.]{2,64})/?$",
    re.IGNORECASE)
_VK_ID_HANDLE = re.compile(r"^id(\d{1,20})$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Target:
    """The member (or the channel a member posted as) a command acts on."""

    author: Author
    message_id: str | None = None  # the replied message, when the target came from a reply

    @property
    def ref(self) -> UserRef:
        return self.author.ref

    @property
    def channel(self) -> bool:
        return self.author.kind is SenderKind.CHANNEL

    @property
    def display(self) -> str:
        return self.author.display


@dataclass(frozen=True, slots=True)
class TargetProblem:
    """Why no target was found: none given, or a name the bot has never seen."""

    kind: Literal["missing", "not_found"]
    who: str = ""


def subject_key(chat: str, message_id: str) -> str:
    """Where the member a bot notice in ``chat`` is about is remembered."""
    return f"{SUBJECT_PREFIX}{chat}:{message_id}"


def names_target(word: str) -> bool:
    """True when ``word`` names a member by itself (@name, an id, a profile link)."""
    return (word.startswith("@") and len(word) > 1) or bool(
        _FULL_ID.match(word) or _BARE_ID.match(word) or _PROFILE_LINK.match(word))


def mention_words(ctx: MessageContext, words: list[str]) -> tuple[UserRef, int] | None:
    """A member named by a mention that carries them (Telegram's text_mention: a name picked
    from the member list for someone without a @username) at the start of ``words``: their
    ref and how many words the name takes."""
    for label, ref in ctx.event.mentions:
        named = label.split()
        if named and not label.startswith("@") and words[:len(named)] == named:
            return ref, len(named)
    return None


async def resolve(ctx: MessageContext, words: list[str]) -> tuple[Target | TargetProblem, list[str]]:
    """The target and the remaining words (duration, reason). Named from the other network's
    queue, a member keeps their name but not their @username: there it is a stranger's."""
    found, rest = await _resolve(ctx, words)
    if isinstance(found, Target) and found.ref.platform != ctx.chat.platform \
            and found.author.username:
        found = replace(found, author=found.author.renamed(found.author.plain_name))
    return found, rest


async def _resolve(ctx: MessageContext, words: list[str]
                   ) -> tuple[Target | TargetProblem, list[str]]:
    mentioned = mention_words(ctx, words)
    if mentioned is not None:
        return await _by_id(ctx, mentioned[0]), words[mentioned[1]:]
    first = words[0] if words else ""
    link = _PROFILE_LINK.match(first)
    if link:  # a profile link, as copied from the browser: vk.com/id777, t.me/bob
        first = f"@{link.group(1)}"
    if first.startswith("@") and len(first) > 1:
        return await _by_username(ctx, first), words[1:]
    full = _FULL_ID.match(first)
    if full:
        return await _by_id(ctx, UserRef(full.group(1), full.group(2))), words[1:]
    reply = ctx.event.reply_to
    if reply is not None and _BARE_ID.match(first) and int(first) != 0:
        # with a reply a bare number may be part of the reason ("/warn 2nd time"), unless
        # it is the id of someone the bot has seen: then it names them, as @name would
        ref = UserRef(_id_platform(ctx), first)
        if await ctx.uow.users.get(str(ref)) is not None:
            return await _by_id(ctx, ref), words[1:]
    if ctx.role is Role.CHAT and reply is not None:
        subject = await ctx.uow.state.get(subject_key(str(ctx.chat), reply.message_id))
        if subject:  # the bot's notice about a member ("…Warning 1 of 4"): that member
            return await _by_id(ctx, UserRef.parse(subject)), words
        if reply.author is None:
            return TargetProblem("missing"), words
        return Target(reply.author, reply.message_id), words
    if ctx.role is Role.QUEUE and reply is not None and reply.message_id:
        # a reply to a ticket's card in the queue chat means the ticket's author: the card is
        # all the moderator has of them ("/ban 1d" in reply to it, as Rose users would)
        ticket = await ticket_of_card(ctx.uow, ctx.configured_chat, reply, ctx.community.name)
        if ticket is not None and ticket.reported_user:
            return await _by_id(ctx, UserRef.parse(ticket.reported_user)), words
    if _BARE_ID.match(first):
        if int(first) == 0:  # no account has ID 0: a typo, not a target
            return TargetProblem("missing"), words
        return await _by_id(ctx, UserRef(_id_platform(ctx), first)), words[1:]
    return TargetProblem("missing"), words


def _platforms(ctx: MessageContext) -> list[str]:
    """Networks to look a name up on: this chat's first, then the community's others."""
    ordered = [ctx.chat.platform, *(c.platform for c in ctx.community.chats)]
    return list(dict.fromkeys(ordered))


def _id_platform(ctx: MessageContext) -> str:
    """A bare ID belongs to this chat's network when the community has chats there."""
    platforms = {c.platform for c in ctx.community.chats}
    return ctx.chat.platform if ctx.chat.platform in platforms else ctx.community.chats[0].platform


async def _by_username(ctx: MessageContext, word: str) -> Target | TargetProblem:
    name = word[1:]
    for mention, ref in ctx.event.mentions:
        if mention.lstrip("@").lower() == name.lower():
            return await _by_id(ctx, ref)
    for platform in _platforms(ctx):
        known = await ctx.uow.users.by_username(platform, name)
        if known is not None:
            return Target(Author(UserRef.parse(known.user_ref), known.name, known.username))
    vk_id = _VK_ID_HANDLE.match(name)
    if vk_id and "vk" in _platforms(ctx):  # VK's own handle for a profile without a name
        return await _by_id(ctx, UserRef("vk", vk_id.group(1)))
    return TargetProblem("not_found", word)


async def _by_id(ctx: MessageContext, ref: UserRef) -> Target:
    """An ID needs no lookup; a negative Telegram ID is a channel (members posting as one)."""
    kind = SenderKind.CHANNEL if ref.platform == "telegram" and ref.user_id.startswith("-") \
        else SenderKind.MEMBER
    known = await ctx.uow.users.get(str(ref))
    if known is not None:
        return Target(Author(ref, known.name, known.username, kind))
    return Target(Author(ref, str(ref), None, kind))


def chats_for(ctx: MessageContext, target: Target) -> tuple[ChatRef, ...]:
    """Where the command acts: this chat, or from the queue (or for a member of the other
    network) every community chat on the target's network."""
    if ctx.role is Role.CHAT and ctx.chat.platform == target.ref.platform:
        return (ctx.chat,)
    return tuple(c for c in ctx.community.chats if c.platform == target.ref.platform)
