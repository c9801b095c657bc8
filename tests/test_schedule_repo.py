"""The schedule repository on real SQLite: claims and transitions are conditional."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.scheduler.ports import NewPost, PostSource
from bot.core.scheduler.ports import OccurrenceState as S

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def _one_occurrence(app) -> tuple[int, int]:
    async with app.uow_factory() as uow:
        post = await uow.schedule.add_post(NewPost(
            community="demo", source=PostSource.CHAT, text="Hi", chats=("telegram:-1001",),
            created_by="telegram:900", at=NOW), NOW)
        occurrence_id = await uow.schedule.add_occurrence(post.id, "telegram:-1001", NOW,
                                                          S.PENDING, NOW)
        assert await uow.schedule.add_occurrence(post.id, "telegram:-1001", NOW,
                                                 S.PENDING, NOW) is None
        await uow.commit()
    assert occurrence_id is not None
    return post.id, occurrence_id


async def test_only_one_claim_wins(app):
    _, occurrence_id = await _one_occurrence(app)
    async with app.uow_factory() as uow:
        assert await uow.schedule.claim(occurrence_id, "a", NOW)
        await uow.commit()
    async with app.uow_factory() as uow:
        assert not await uow.schedule.claim(occurrence_id, "b", NOW)
        # only the holder may record the outcome
        assert not await uow.schedule.transition(occurrence_id, S.SENT, NOW,
                                                 from_states=(S.SENDING,), holder="b")
        assert await uow.schedule.transition(occurrence_id, S.SENT, NOW,
                                             from_states=(S.SENDING,), holder="a",
                                             message_id="42")
        await uow.commit()
    async with app.uow_factory() as uow:
        occurrence = await uow.schedule.get_occurrence(occurrence_id)
    assert occurrence is not None
    assert (occurrence.state, occurrence.claimed_by, occurrence.attempts,
            occurrence.platform_message_id) == (S.SENT, "a", 1, "42")


async def test_due_respects_retry_time_and_expansion_is_compare_and_set(app):
    post_id, occurrence_id = await _one_occurrence(app)
    later = NOW + timedelta(minutes=1)
    async with app.uow_factory() as uow:
        assert await uow.schedule.claim(occurrence_id, "a", NOW)
        assert await uow.schedule.transition(occurrence_id, S.PENDING, NOW,
                                             from_states=(S.SENDING,), next_attempt_at=later)
        assert await uow.schedule.due(NOW, NOW, 10) == []
        assert [o.id for o in await uow.schedule.due(later, later, 10)] == [occurrence_id]
        assert await uow.schedule.advance_expansion(post_id, None, NOW)
        assert not await uow.schedule.advance_expansion(post_id, None, later)
        assert await uow.schedule.deactivate(post_id, "telegram:900", NOW) == 1
        assert not await uow.schedule.advance_expansion(post_id, NOW, later)  # inactive
        await uow.commit()
