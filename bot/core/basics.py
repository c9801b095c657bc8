"""/start and /help: what every member and moderator can ask the bot."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.actions import AnyAction
from bot.core.commands import CommandSpec, ParsedCommand, Where
from bot.core.context import MessageContext
from bot.core.feature import BaseFeature


class BasicsFeature(BaseFeature):
    name = "basics"

    def commands(self) -> Sequence[CommandSpec]:
        return (
            CommandSpec("help", self._help, moderator_only=False, where=Where.ANY,
                        aliases=("start",)),
        )

    async def _help(self, ctx: MessageContext, _cmd: ParsedCommand) -> list[AnyAction]:
        key = "common.help_moderator" if await ctx.is_moderator() else "common.help_member"
        if ctx.role.value == "private":
            # in private there is nothing to reply to: a complaint is written to the bot
            # a forwarded message is how one points at a chat message on VK only
            member = "common.help_private_vk" if ctx.event.chat.platform == "vk" \
                else "common.help_private"
            private = "common.help_moderator" if key == "common.help_moderator" else member
            return [ctx.reply("common.greeting"), ctx.reply(private)]
        return [ctx.notice(key)]
