"""/schedule and /unschedule through the pipeline, as a moderator types them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.app import App
from bot.core.actions import DeleteMessage, SendMessage
from bot.core.clock import FakeClock
from bot.core.events import ReplyTarget
from bot.core.scheduler.ports import OccurrenceState as S
from bot.texts import catalog
from tests.helpers_schedule import (
    MEMBER,
    MODERATOR,
    ScriptedExecutor,
    entry,
    make_app,
    message,
    occurrences,
    run,
    schedule_config,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(utc(2026, 3, 2, 8, 0))  # Monday 09:00 in Berlin


@pytest.fixture
async def bot(write_config, clock):
    config = schedule_config(write_config, chats='["telegram:-1001", "vk:2000000001"]')
    app, telegram, vk = await make_app(config, clock)
    yield app, telegram, vk
    await app.close()


_event_ids = iter(range(1, 10_000))


async def say(app: App, telegram: ScriptedExecutor, text: str, clock: FakeClock,
              **kwargs) -> list[SendMessage]:
    before = len(telegram.actions)
    await app.pipeline.process(message(text, at=clock.now(), event_id=f"e{next(_event_ids)}",
                                       **kwargs))
    return [a for a in telegram.actions[before:] if isinstance(a, SendMessage)]


async def posts(app: App) -> list:
    async with app.uow_factory() as uow:
        return list(await uow.schedule.posts("demo"))


@pytest.mark.parametrize(("args", "cron", "at"), [
    ("2026-12-01 10:00 Open lesson", None, utc(2026, 12, 1, 9, 0)),
    ("tomorrow 9:00 Open lesson", None, utc(2026, 3, 3, 8, 0)),
    ("in 2h Open lesson", None, utc(2026, 3, 2, 10, 0)),
    ("every monday 10:00 Open lesson", "0 10 * * MON", None),
    ("0 10 * * MON Open lesson", "0 10 * * MON", None),
])
async def test_schedule_accepts_every_form(bot, clock, args, cron, at):
    app, telegram, _ = bot
    [reply] = await say(app, telegram, f"/schedule {args}", clock)
    assert reply.text.key == "schedule.added"
    [post] = await posts(app)
    assert (post.cron, post.at, post.text) == (cron, at, "Open lesson")
    assert post.source == "chat" and post.created_by == "telegram:900"
    assert post.chats == ("telegram:-1001", "vk:2000000001")
    assert reply.text.params["id"] == post.id and reply.text.params["tz"] == "Europe/Berlin, UTC+1"


@pytest.mark.parametrize("args", ["soon Hello", "tomorrow Hello", "every moonday 10:00 Hi",
                                  "in 2h", "25:00 Hello"])
async def test_bad_input_gets_the_usage_reply(bot, clock, args):
    app, telegram, _ = bot
    [reply] = await say(app, telegram, f"/schedule {args}", clock)
    assert reply.text.key == "schedule.usage"
    assert await posts(app) == []
    rendered = app.catalog.render(reply.text, "en")
    for form in ("2026-12-01 10:00", "tomorrow 9:00", "in 2h", "every monday 10:00",
                 "0 10 * * MON", "Europe/Berlin"):
        assert form in rendered


async def test_a_time_already_past_is_refused(bot, clock):
    app, telegram, _ = bot
    [reply] = await say(app, telegram, "/schedule today 8:00 Too late", clock)
    assert reply.text.key == "schedule.in_past"
    assert await posts(app) == []


async def test_members_cannot_schedule(bot, clock):
    app, telegram, _ = bot
    [reply] = await say(app, telegram, "/schedule in 2h Spam", clock, author=MEMBER)
    assert reply.text.key == "common.not_moderator"
    assert await posts(app) == []


async def test_schedule_in_reply_publishes_that_message_text_and_photo(bot, clock):
    app, telegram, vk = bot
    original = ReplyTarget(message_id="55", author=MEMBER, text="Look at this",
                           photo="AgACAgIAAxkBAAIB")
    [reply] = await say(app, telegram, "/schedule in 1h", clock, reply_to=original)
    assert reply.text.key == "schedule.added"
    assert "vk:2000000001 will not get this post" in catalog().render(reply.text, "en")
    [post] = await posts(app)
    assert (post.text, post.photo) == ("Look at this", "AgACAgIAAxkBAAIB")
    assert post.chats == ("telegram:-1001",)  # a Telegram file id cannot be posted on VK
    clock.advance(timedelta(hours=1))
    await run(app, clock)
    [published] = telegram.published
    assert (published.text, published.photo) == ("Look at this", "AgACAgIAAxkBAAIB")
    assert vk.published == []


async def test_listing_shows_what_is_coming_with_ids_in_local_time(bot, clock):
    app, telegram, _ = bot
    [empty] = await say(app, telegram, "/schedule", clock)
    assert empty.text.key == "schedule.list_empty"
    await say(app, telegram, "/schedule every monday 10:00 Weekly digest", clock)
    await say(app, telegram, "/schedule tomorrow 9:00 Good morning", clock)
    [listing] = await say(app, telegram, "/schedule", clock)
    assert listing.text.key == "schedule.list"
    lines = catalog()._param(listing.text.params["items"], "en").splitlines()
    ids = [p.id for p in await posts(app)]
    # the repeat in words, not cron
    assert lines[0].startswith(f"#{ids[0]} · 2026-03-02 10:00 · every Monday at 10:00 · ")
    assert lines[1].startswith(f"#{ids[1]} · 2026-03-03 09:00 · ")
    assert lines[1].endswith("Good morning")


async def test_listing_in_the_queue_is_a_plain_reply(bot, clock):
    app, telegram, _ = bot
    [reply] = await say(app, telegram, "/schedule", clock, chat="telegram:-2002")
    assert reply.text.key == "schedule.list_empty" and reply.delete_after is None
    [notice] = await say(app, telegram, "/schedule", clock)
    assert notice.delete_after is not None  # in a community chat it cleans itself up


async def test_unschedule_cancels_pending_and_audits(bot, clock):
    app, telegram, _ = bot
    await say(app, telegram, "/schedule every day 9:00 Daily", clock)
    [post] = await posts(app)
    [bad] = await say(app, telegram, "/unschedule", clock)
    assert bad.text.key == "schedule.unschedule_usage"
    [missing] = await say(app, telegram, "/unschedule 999", clock)
    assert missing.text.key == "schedule.not_found"
    [removed] = await say(app, telegram, f"/unschedule #{post.id}", clock)
    assert removed.text.key == "schedule.removed"
    assert await posts(app) == []
    clock.advance(timedelta(days=2))
    await run(app, clock)
    assert telegram.published == []
    async with app.uow_factory() as uow:
        records = await uow.audit.since("demo", utc(2000, 1, 1))
    trail = [(r.action, r.actor, r.target) for r in records]
    assert ("schedule.add", "telegram:900", f"post:{post.id}") in trail
    assert ("schedule.remove", "telegram:900", f"post:{post.id}") in trail


async def test_unschedule_cancels_an_occurrence_already_materialised(write_config, clock):
    """With postponed VK wall posts, occurrences exist a few minutes ahead: unscheduling
    cancels the ones not yet handed to a platform, and takes back the postponed wall post
    VK already holds (or VK would publish it anyway)."""
    config = schedule_config(write_config, chats='["telegram:-1001", "vk:wall"]',
                             vk_extra="wall_postponed = true",
                             entries=entry(at="2026-03-02 10:00"))
    app, telegram, vk = await make_app(config, clock)
    try:
        clock.set(utc(2026, 3, 2, 8, 55))
        await run(app, clock)
        [post] = await posts(app)
        states = {o.chat: o.state for o in await occurrences(app)}
        assert states == {"telegram:-1001": S.PENDING, "vk:wall": S.SENT}
        await say(app, telegram, f"/unschedule {post.id}", clock)
        states = {o.chat: o.state for o in await occurrences(app)}
        assert states == {"telegram:-1001": S.CANCELLED, "vk:wall": S.CANCELLED}
        [handed] = vk.published
        withdrawn = [a for a in vk.actions if isinstance(a, DeleteMessage)]
        assert [(str(a.chat), a.thread_id) for a in withdrawn] == [("vk:wall", None)]
        clock.set(utc(2026, 3, 2, 9, 0))
        await run(app, clock)
        assert telegram.published == [] and vk.published == [handed]
    finally:
        await app.close()


async def test_unschedule_of_another_communitys_post_is_not_found(write_config, clock):
    text = """
    [[community]]
    name = "other"
    language = "en"
    chats = ["telegram:-3003"]
    moderators = ["telegram:900"]
    """
    config = schedule_config(write_config, community_extra="", entries="\n" + text)
    app, telegram, _ = await make_app(config, clock)
    try:
        await say(app, telegram, "/schedule in 1h Other's post", clock, chat="telegram:-3003")
        async with app.uow_factory() as uow:
            [post] = await uow.schedule.posts("other")
        [reply] = await say(app, telegram, f"/unschedule {post.id}", clock)
        assert reply.text.key == "schedule.not_found"
    finally:
        await app.close()


def test_moderator_is_the_listed_one():
    assert str(MODERATOR.ref) == "telegram:900"
