"""A moderation action the platform refuses is said in the chat and the queue, once an hour at
most.

The "banned" notice goes out with the ban, before the platform answers; if the platform then
refuses (the bot lost its admin rights), moderators must not go on believing it happened.
"""

from __future__ import annotations

from helpers_complaints import MODERATOR, QUEUE, TG_GROUP, VK_CHAT, message, recorders

from bot.app import App
from bot.core.actions import ActionResult, AnyAction, Ban, SendMessage

NO_RIGHTS = "Bad Request: not enough rights to restrict/demote chat member"


def _refusing_bans(app: App):
    telegram, _vk = recorders(app)
    original = telegram.execute

    async def execute(action: AnyAction) -> ActionResult:
        if isinstance(action, Ban):
            telegram.actions.append(action)
            return ActionResult(ok=False, error=NO_RIGHTS, permanent=True)
        return await original(action)

    telegram.execute = execute  # type: ignore[method-assign]
    return telegram


def _failures(telegram) -> list[SendMessage]:
    return [a for a in telegram.of(SendMessage) if a.text.key.startswith("moderation.failed")]


async def test_a_refused_ban_is_reported_in_the_chat_with_the_reason(app: App) -> None:
    telegram = _refusing_bans(app)
    await app.pipeline.process(message("/ban spam", user=MODERATOR, reply_to="77",
                                       reply_author="66"))
    notice, in_queue = _failures(telegram)
    assert notice.chat == TG_GROUP and notice.text.key == "moderation.failed.ban"
    rendered = app.catalog.render(notice.text, "en")
    assert "could not ban" in rendered and "admin" in rendered
    # the moderators' queue hears it too: a ban given from there would otherwise go unseen;
    # it is told which chat, as moderators there look after several
    assert (in_queue.chat, in_queue.text.key) == (QUEUE, "moderation.failed_queue.ban")
    told = app.catalog.render(in_queue.text, "en")
    assert "could not ban" in told and str(TG_GROUP) in told and "admin" in told
    assert in_queue.delete_after is None


async def test_the_failure_notice_is_not_repeated_within_the_hour(app: App) -> None:
    telegram = _refusing_bans(app)
    for target in ("66", "67"):
        await app.pipeline.process(message("/ban", user=MODERATOR, reply_to="7" + target,
                                           reply_author=target))
    assert [n.chat for n in _failures(telegram)] == [TG_GROUP, QUEUE]


async def test_a_vk_ban_done_as_a_removal_is_corrected_in_the_chat(app: App) -> None:
    """Without a user token VK removes the member instead of banning: the chat is told so in
    its own words, the queue (the owner's readers) also what to set."""
    telegram, vk = recorders(app)
    original = vk.execute

    async def execute(action: AnyAction) -> ActionResult:
        if isinstance(action, Ban):
            vk.actions.append(action)
            return ActionResult(ok=True, details={"degraded": "kick: no user token"})
        return await original(action)

    vk.execute = execute  # type: ignore[method-assign]
    await app.pipeline.process(message("/ban vk:66 spam", user=MODERATOR, chat=QUEUE))
    notices = [a for a in vk.of(SendMessage) if a.text.key == "moderation.failed.ban_degraded"]
    [in_chat] = [a for a in notices if a.chat == VK_CHAT]
    said = app.catalog.render(in_chat.text, "en")
    assert "not banned" in said and "user_token" not in said
    in_queue = [a for a in telegram.of(SendMessage)
                if a.text.key == "moderation.failed_queue.ban_degraded"]
    assert in_queue and all("user_token" in app.catalog.render(a.text, "en") for a in in_queue)
