"""The Core: one entry point for every platform event, routing to features.

It enforces the boundaries (only configured chats), parses commands once, checks moderator
rights once, and asks features in order. It never talks to a platform: it returns actions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bot.core.actions import (
    ActionResult,
    AnswerCallback,
    AnyAction,
    Ban,
    DeleteMessage,
    Kick,
    LeaveChat,
    Mute,
    NotifyQueue,
    SendMessage,
)
from bot.core.budget import CommandBudget
from bot.core.chats import ChatRef
from bot.core.clock import Clock
from bot.core.commands import (
    CommandSpec,
    ParsedCommand,
    Where,
    admin_call,
    near_miss,
    parse_command,
)
from bot.core.context import MessageContext
from bot.core.directory import Directory, Role, home_key, private_community
from bot.core.events import (
    Author,
    CallbackPressed,
    ChatMigrated,
    Event,
    IncomingMessage,
    MemberChanged,
    SenderKind,
)
from bot.core.failures import failure_notice, no_delete_key
from bot.core.feature import Feature
from bot.core.moderation.bans import forget_ban_in, forget_refused, is_banned, note_bans
from bot.core.permissions import Permissions
from bot.core.ports import UnitOfWork
from bot.core.settings import CommunitySettings
from bot.core.texts import Text

log = logging.getLogger(__name__)

# state key prefix: a migrated chat's new id -> the id the config names
MIGRATED_PREFIX = "migrated:"
#: How long after leaving a stranger's chat its messages (sent before the leave) leave no
#: second time.
RELEAVE_AFTER = timedelta(minutes=10)

_ROLE_WHERE = {Role.CHAT: Where.CHAT, Role.QUEUE: Where.QUEUE, Role.PRIVATE: Where.PRIVATE}
_WRONG_PLACE = {
    Where.CHAT: "common.wrong_place.chat",
    Where.CHAT | Where.QUEUE: "common.wrong_place.chat_queue",
    Where.CHAT | Where.PRIVATE: "common.wrong_place.chat_private",
}


class Core:
    def __init__(self, directory: Directory, permissions: Permissions, clock: Clock,
                 features: Sequence[Feature],
                 leave_unknown_chats: Mapping[str, bool] | None = None,
                 decent: Callable[[str, Author], Author] | None = None) -> None:
        """``decent(community, author)``: the author as replies may name them (a name the
        filter would remove is not repeated by the bot)."""
        self.directory = directory
        self.leave_unknown_chats = dict(leave_unknown_chats or {})
        self.permissions = permissions
        self.clock = clock
        self.features = tuple(features)
        self._commands: dict[str, CommandSpec] = {}
        self._remembered: dict[str, tuple[str | None, str]] = {}
        self._homes: dict[str, str] = {}  # member → community last seen in (cache of the state)
        self._budget = CommandBudget()
        self._decent = decent
        for feature in self.features:
            for spec in feature.commands():
                for name in (spec.name, *spec.aliases):
                    if name in self._commands:
                        raise ValueError(f"command /{name} registered twice")
                    self._commands[name] = spec

    @property
    def command_names(self) -> list[str]:
        return sorted(self._commands)

    async def handle(self, event: Event, uow: UnitOfWork) -> list[AnyAction]:
        """Decide what to do about one event, inside the caller's transaction."""
        await self._restore_migration(event.chat, uow)
        if isinstance(event, (IncomingMessage, MemberChanged)):
            self.directory.note_title(event.chat, event.chat_title)
        if isinstance(event, ChatMigrated):
            actions = await self._on_migrated(event, uow)
        elif isinstance(event, IncomingMessage):
            actions = await self._on_message(event, uow)
        elif isinstance(event, CallbackPressed):
            actions = await self._on_callback(event, uow)
        else:
            actions = await self._on_member(event, uow)
        await note_bans(actions, uow, self.clock.now())
        await self._note_deletions(event, actions, uow)
        return actions

    async def _note_deletions(self, event: Event, actions: Sequence[AnyAction],
                              uow: UnitOfWork) -> None:
        """Tell the features about deletions of other messages than the event's own (the
        filter deleting the message it judged is no news to anyone)."""
        own = event.message_id if isinstance(event, IncomingMessage) else None
        for action in actions:
            if isinstance(action, DeleteMessage) and action.message_id != own:
                for feature in self.features:
                    await feature.on_deleted(action.chat, action.message_id, uow,
                                             self.clock.now())

    async def on_result(self, ref: str, result: ActionResult, uow: UnitOfWork) -> list[AnyAction]:
        """Let the feature that asked for an action record what the platform answered."""
        now = self.clock.now()
        follow: list[AnyAction] = []
        for feature in self.features:
            follow.extend(await feature.on_result(ref, result, uow, now))
        return follow

    async def on_gone(self, action: DeleteMessage, uow: UnitOfWork) -> list[AnyAction]:
        """A delete went through: the features update what still shows the message."""
        now = self.clock.now()
        follow: list[AnyAction] = []
        for feature in self.features:
            follow.extend(await feature.on_gone(action.chat, action.message_id, uow, now))
        return follow

    async def on_action_failed(self, action: AnyAction, result: ActionResult,
                               uow: UnitOfWork) -> list[AnyAction]:
        """A moderation action the platform refused for good is said in the chat."""
        if isinstance(action, Ban | Mute) and not result.ok and result.permanent:
            # not banned (muted) after all: /warns must not show it, and the member's next
            # offence must climb the ladder again
            community = self.directory.place(action.chat).community
            alone = community is None or sum(
                chat.platform == action.chat.platform for chat in community.chats) <= 1
            await forget_refused(uow, action, self.clock.now(), only_chat=alone)
        return await failure_notice(self.directory, action, result, uow, self.clock.now())

    async def tick(self, uow: UnitOfWork) -> list[AnyAction]:
        now = self.clock.now()
        out: list[AnyAction] = []
        for feature in self.features:
            out.extend(await feature.tick(uow, now))
        return out

    async def _restore_migration(self, chat: ChatRef, uow: UnitOfWork) -> None:
        """A chat unknown to the config may be a configured group's new id, learnt before a
        restart: read it back before taking the chat for a stranger's."""
        if chat.is_private or self.directory.is_known(chat):
            return
        configured = await uow.state.get(f"{MIGRATED_PREFIX}{chat}")
        if configured is not None:
            self.directory.alias(chat, ChatRef.parse(configured))

    async def _on_migrated(self, event: ChatMigrated, uow: UnitOfWork) -> list[AnyAction]:
        """Follow a configured group to its new id (both its service messages arrive: one
        notice), and tell the queue which id to put in the config."""
        configured = self.directory.configured(event.previous)
        community = self.directory.place(configured).community
        if not self.directory.is_known(configured) or community is None:
            return []
        self.directory.alias(event.chat, configured)
        key = f"{MIGRATED_PREFIX}{event.chat}"
        if await uow.state.get(key) is not None:
            return []
        await uow.state.put(key, str(configured), self.clock.now())
        log.warning("event=boundary.chat_migrated configured=%s new=%s", configured, event.chat)
        if community.queue is None:
            return []
        queue = self.directory.configured(community.queue)
        notice = Text("common.chat_migrated", {"old": str(configured), "new": str(event.chat)})
        return [NotifyQueue(event.chat if queue == configured else community.queue, notice,
                            community.language)]

    async def _leave_unknown(self, chat: ChatRef, uow: UnitOfWork, *,
                             broadcast: bool = False, invited: bool = False) -> list[AnyAction]:
        """At most one message in a chat the owner never configured, then leave (or, where
        the owner turned leaving off, stay silent there). In a channel the bot leaves
        without a word: a message there is a post to a stranger's subscribers.

        Messages already on their way when the bot left come in after it: they leave again
        only once ``RELEAVE_AFTER`` has passed (in case that leave failed), not once each; an
        invitation back always does."""
        if not self.leave_unknown_chats.get(chat.platform, True):
            return []
        key = f"left:{chat}"
        now = self.clock.now()
        left = await uow.state.get(key)
        if left is not None:
            if not invited and _recent(left, now):
                return []
            await uow.state.put(key, now.isoformat(), now)
            return [LeaveChat(chat)]
        await uow.state.put(key, now.isoformat(), now)
        log.warning("event=boundary.unknown_chat chat=%s", chat)
        if broadcast:
            return [LeaveChat(chat)]
        return [SendMessage(chat, Text("common.unknown_chat"), self.directory.default_language),
                LeaveChat(chat)]

    async def _on_member(self, event: MemberChanged, uow: UnitOfWork) -> list[AnyAction]:
        if event.is_bot_itself and event.joined and not self.directory.is_known(event.chat) \
                and not event.chat.is_private:
            return await self._leave_unknown(event.chat, uow, broadcast=event.broadcast,
                                             invited=True)
        if event.is_bot_itself and not event.joined:
            return self._lost_chat(event, "removed")
        if event.is_bot_itself and event.admin is not None:
            # the filter's notices say "removed" only where the bot can remove: a demotion
            # the platform announced counts as a refused delete, a promotion ends it
            now = self.clock.now()
            await uow.state.put(no_delete_key(event.chat), "" if event.admin else now.isoformat(),
                                now)
            return [] if event.admin else self._lost_chat(event, "demoted")
        if event.joined and event.chat.platform == "vk" \
                and self.directory.place(event.chat).role is Role.CHAT \
                and await is_banned(uow, event.user.ref, self.clock.now()):
            log.warning("event=moderation.banned_returned chat=%s user=%s", event.chat,
                        event.user.ref)
            return [Kick(event.chat, event.user.ref)]
        if event.joined and event.chat.platform != "vk":
            # back in a Telegram chat after a ban the bot gave: an admin lifted it by hand
            await forget_ban_in(uow, event.chat, event.user.ref, self.clock.now())
        return []

    def _lost_chat(self, event: MemberChanged, what: str) -> list[AnyAction]:
        """The bot was removed from one of its community's chats (``what`` = "removed"), or
        stays there demoted from admin ("demoted"): moderation there stops, and the
        moderators must hear it now, not find out from the spam days later."""
        placement = self.directory.place(event.chat)
        community = placement.community
        log.warning("event=boundary.%s chat=%s", what, event.chat)
        if placement.role is not Role.CHAT or community is None or community.queue is None:
            return []
        return [NotifyQueue(community.queue,
                            Text(f"common.bot_{what}", {"chat": self.directory.label(event.chat)}),
                            community.language)]

    async def _on_callback(self, event: CallbackPressed, uow: UnitOfWork) -> list[AnyAction]:
        now = self.clock.now()
        for feature in self.features:
            actions = await feature.on_callback(event, uow, now)
            if actions is not None:
                return actions
        placement = self.directory.place(event.chat)
        lang = (placement.community.language if placement.community is not None
                else self.directory.default_language)
        return [AnswerCallback(event.callback_id, event.chat, Text("common.button_unknown"), lang)]

    async def _on_message(self, event: IncomingMessage, uow: UnitOfWork) -> list[AnyAction]:
        placement = self.directory.place(event.chat)
        if placement.role is Role.UNKNOWN or placement.community is None:
            return await self._leave_unknown(event.chat, uow)
        community = placement.community
        now = self.clock.now()
        if placement.role is Role.PRIVATE:
            community = (await private_community(self.directory, uow, event.author.ref)
                         or await self._moderated_by(event.author) or community)
        elif event.author.kind is SenderKind.MEMBER:
            await self._remember_home(event, community, uow, now)
        if event.author.kind in (SenderKind.MEMBER, SenderKind.FORWARDED):
            await self._remember(event, uow, now)
        if self._decent is not None:
            event = self._decently_named(event, community.name)
        ctx = MessageContext(event=event, community=community, role=placement.role, uow=uow,
                             now=now, permissions=self.permissions,
                             title_of=self.directory.title, configured=self.directory.configured)
        # a forwarded "/ban" is a quote; "/ban@otherbot" is not ours; an edit is not a new
        # command (editing an old message into "/ban" must not run it, as in Rose)
        command = None
        if event.author.kind is not SenderKind.FORWARDED and not event.for_other_bot:
            command = parse_command(event.text, event.chat.platform)
            if command is None and placement.role is Role.CHAT and "report" in self._commands \
                    and not event.edited:
                command = admin_call(event.text)
        if event.edited:
            if command is not None and command.name in self._commands:
                return await self._edited_command(ctx, command)
            command = None
        if command is not None and command.name in self._commands:
            screened = await self._screen_command(ctx)
            removed = any(isinstance(a, DeleteMessage) and a.message_id == event.message_id
                          and a.chat == event.chat for a in screened)
            if removed and not self._commands[command.name].runs_when_removed:
                return screened
            spec = self._commands[command.name]
            if spec.budgeted and placement.role is Role.CHAT and not await ctx.is_moderator() \
                    and not self._budget.allow(str(event.chat), str(event.author.ref),
                                               ctx.sent_at):
                log.info("event=boundary.command_budget chat=%s user=%s command=%s",
                         event.chat, event.author.ref, command.name)
                return screened
            return screened + await self._run_command(ctx, command)
        if command is not None and command.prefix != "@":
            hint = await self._near_miss(ctx, command)
            if hint:
                return hint
        return await self._features_on(ctx)

    async def _features_on(self, ctx: MessageContext) -> list[AnyAction]:
        """A message that is no command (or an edit): the first feature that takes it."""
        for feature in self.features:
            actions = await feature.on_message(ctx)
            if actions is not None:
                return [*ctx.noted, *actions]
        return list(ctx.noted)

    async def _edited_command(self, ctx: MessageContext,
                              command: ParsedCommand) -> list[AnyAction]:
        """A moderator fixed a command by editing it (/schedule tomorow → tomorrow). An edit
        never runs (an old message edited into /ban must not ban), but silence would read as
        done: they are told once per message to send it again."""
        event = ctx.event
        if not await ctx.is_moderator():
            return await self._features_on(ctx)
        key = f"edited-command:{event.chat}:{event.message_id}"
        if await ctx.uow.state.get(key):
            return []
        await ctx.uow.state.put(key, "1", ctx.now)
        return [ctx.notice("common.edited_command", command=f"/{command.name}")]

    async def _near_miss(self, ctx: MessageContext, command: ParsedCommand) -> list[AnyAction]:
        """A moderator's "/wran" at 2 a.m. did nothing, and silence reads as done: say so and
        name the command meant. Members' unknown commands (/me, another bot's) stay silent."""
        meant = near_miss(command.name, self._commands)
        if meant is None or not await ctx.is_moderator():
            return []
        return [ctx.notice("common.did_you_mean", typed=f"/{command.name}",
                           command=f"/{meant}")]

    def _decently_named(self, event: IncomingMessage, community: str) -> IncomingMessage:
        assert self._decent is not None
        author = self._decent(community, event.author)
        reply = event.reply_to
        if reply is not None and reply.author is not None:
            named = self._decent(community, reply.author)
            if named is not reply.author:
                reply = replace(reply, author=named)
        if author is event.author and reply is event.reply_to:
            return event
        return replace(event, author=author, reply_to=reply)

    async def _screen_command(self, ctx: MessageContext) -> list[AnyAction]:
        """What the guards make of a command message (see Feature.screen_command)."""
        out: list[AnyAction] = []
        for feature in self.features:
            out.extend(await feature.screen_command(ctx) or [])
        return [*ctx.noted, *out]

    async def _moderated_by(self, author: Author) -> CommunitySettings | None:
        """For someone never seen in a community chat (an admin who only reads): the first
        community they moderate, so their private /help and /faq are that community's."""
        if len(self.directory.communities) < 2:
            return None
        for community in self.directory.communities:
            # the chats on the author's own network: a VK admin is no admin of a Telegram group
            for chat in community.chats:
                if chat.platform == author.ref.platform and not chat.is_vk_wall \
                        and await self.permissions.is_moderator(community, chat, author):
                    return community
        return None

    async def _remember_home(self, event: IncomingMessage, community: CommunitySettings,
                             uow: UnitOfWork, now: datetime) -> None:
        """Where a member was last seen decides whose their private chat is (only when the
        bot serves several communities; the write is skipped while nothing changes)."""
        if len(self.directory.communities) < 2:
            return
        ref = str(event.author.ref)
        if self._homes.get(ref) == community.name:
            return
        await uow.state.put(home_key(event.author.ref), community.name, now)
        if len(self._homes) >= 50_000:
            self._homes.clear()
        self._homes[ref] = community.name

    async def _remember(self, event: IncomingMessage, uow: UnitOfWork, now: datetime) -> None:
        """Keep @username → id current; skip the write when nothing changed (the hot path)."""
        ref = str(event.author.ref)
        seen = (event.author.username, event.author.name)
        if self._remembered.get(ref) == seen:
            return
        await uow.users.remember(ref, event.author.username, event.author.name, now)
        if len(self._remembered) >= 50_000:
            self._remembered.clear()
        self._remembered[ref] = seen

    async def _run_command(self, ctx: MessageContext, command: ParsedCommand) -> list[AnyAction]:
        spec = self._commands[command.name]
        if spec.moderator_only and not await ctx.is_moderator():
            return await ctx.refuse(command.name)
        if not (spec.where & _ROLE_WHERE[ctx.role]):
            # Silence here left a moderator guessing why /mute in a private chat did nothing.
            key = _WRONG_PLACE.get(spec.where, "common.wrong_place.other")
            if ctx.role is Role.PRIVATE:
                return [ctx.reply(key, command=f"/{command.name}")]
            return [ctx.notice(key, command=f"/{command.name}")]
        # handlers see the canonical name (/tmute is /mute): usage texts and audit lines
        # are keyed by it
        return await spec.handler(ctx, replace(command, name=spec.name))


def _recent(left: str, now: datetime) -> bool:
    """Whether a stored leave time is within ``RELEAVE_AFTER`` (a value from before leave
    times were stored, "1", is not)."""
    try:
        return now - datetime.fromisoformat(left) < RELEAVE_AFTER
    except ValueError:
        return False
