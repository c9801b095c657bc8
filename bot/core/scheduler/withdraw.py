"""Taking back VK wall posts already handed to VK's postponed queue.

With `[vk] wall_postponed = true` an occurrence is "sent" when VK accepts it as a postponed
post, hours before VK publishes it. Unscheduling the post, or editing its config entry, must
take that postponed post back, or VK publishes it anyway (twice, after a typo fix).
"""

from __future__ import annotations

from datetime import datetime

from bot.core.actions import DeleteMessage
from bot.core.chats import PostTarget
from bot.core.scheduler.ports import OccurrenceState, ScheduleRepo


async def withdraw_postponed(repo: ScheduleRepo, post_id: int,
                             now: datetime) -> list[DeleteMessage]:
    """The deletions that take back ``post_id``'s postponed wall posts not yet published;
    their occurrences become cancelled (sent → cancelled, the one way back from sent)."""
    out: list[DeleteMessage] = []
    for occurrence in await repo.occurrences(post_id=post_id, states=[OccurrenceState.SENT]):
        target = PostTarget.parse(occurrence.chat)
        if not (target.chat.is_vk_wall and occurrence.due_at > now
                and occurrence.platform_message_id):
            continue
        if await repo.transition(occurrence.id, OccurrenceState.CANCELLED, now,
                                 from_states=(OccurrenceState.SENT,),
                                 error="taken back from VK's postponed posts"):
            out.append(DeleteMessage(target.chat, occurrence.platform_message_id))
    return out
