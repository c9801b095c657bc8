"""The content filter in the message flow: enforce vs dry-run, protected authors, channel
senders, audit records with the filter's explanation, and the chat notice's wording."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import create_app
from bot.config import load_config
from bot.core.actions import Ban, DeleteMessage, Kick, Mute, NotifyQueue, SendMessage
from bot.core.chats import UserRef
from bot.core.clock import FakeClock
from bot.core.events import SenderKind
from bot.runtime.pipeline import Pipeline
from tests.conftest import BASIC_CONFIG
from tests.helpers_moderation import (
    ADMIN,
    ANONYMOUS_ADMIN,
    CHANNEL,
    FORWARDED,
    LISTED_MODERATOR,
    MEMBER,
    QUEUE,
    TG_CHAT,
    VK_CHAT,
    VK_MEMBER,
    WALL,
    FakeAdmins,
    FakeFilter,
    Recorder,
    message,
    moderation_core,
    of,
    run,
    texts,
)


async def _records(app, action: str | None = None):
    from datetime import UTC, datetime

    async with app.uow_factory() as uow:
        records = await uow.audit.since("demo", datetime(2000, 1, 1, tzinfo=UTC))
    return [r for r in records if action is None or r.action == action]


async def _warnings(app, user: str):
    async with app.uow_factory() as uow:
        return await uow.warnings.active("demo", user, app.clock.now())


async def _app(write_config, clock: FakeClock, extra: str):
    return await create_app(load_config(write_config(BASIC_CONFIG + extra)), clock=clock,
                            instance_id="t")


async def test_enforce_deletes_warns_and_audits_with_the_explanation(app) -> None:
    flt = FakeFilter()
    out = await run(app, message("what a badword day", message_id="42"), moderation_core(
        app, {"demo": flt}))
    assert flt.checked == ["what a badword day"]
    [delete] = of(out, DeleteMessage)
    assert (delete.chat, delete.message_id) == (TG_CHAT, "42")
    [notice] = of(out, SendMessage)
    assert notice.reply_to is None  # the message it would reply to is being deleted
    assert notice.delete_after == app.config.app.community[0].moderation.notice_ttl
    [text] = texts(app, out)
    assert "badword" not in text
    assert text == ("@bob, your message was removed for strong language. "
                    "Warning 1 of 4; next: mute 1h.")
    [warning] = await _warnings(app, "telegram:501")
    assert warning.reason == "'badword' at 7-14 (test)" and warning.issued_by == "auto:filter"
    [deleted] = await _records(app, "filter.delete")
    assert (deleted.actor, deleted.target, deleted.chat) == ("auto:filter", "telegram:501",
                                                           "telegram:-1001")
    assert deleted.reason == "'badword' at 7-14 (test)"
    assert deleted.details["matches"] == [{"word": "badword", "start": 7, "end": 14,
                                           "lexicon": "test"}]
    assert deleted.at == app.clock.now()
    assert [r.action for r in await _records(app)] == ["filter.delete", "warn"]


async def test_clean_messages_pass_to_later_features(app) -> None:
    core = moderation_core(app)
    assert await run(app, message("hello there"), core) == []
    assert await _records(app) == []


async def test_dry_run_records_the_verdict_and_does_not_act(write_config, clock) -> None:
    app = await _app(write_config, clock, 'audit = true\n[community.filter]\nmode = "dry-run"\n')
    try:
        out = await run(app, message("badword", message_id="9"), moderation_core(app))
        assert not of(out, DeleteMessage) and not of(out, Mute) and not of(out, SendMessage)
        [queue_line] = of(out, NotifyQueue)
        assert queue_line.queue == QUEUE
        rendered = app.catalog.render(queue_line.text, "en")
        assert "filter trial" in rendered and "telegram:501" in rendered and "{" not in rendered
        [record] = await _records(app)
        assert record.action == "filter.dry_run" and record.details["message_id"] == "9"
        assert record.reason == "'badword' at 0-7 (test)"
        assert await _warnings(app, "telegram:501") == []
    finally:
        await app.close()


async def test_audit_true_posts_every_acted_verdict_to_the_queue(write_config, clock) -> None:
    app = await _app(write_config, clock, "audit = true\n")
    try:
        out = await run(app, message("badword"), moderation_core(app))
        lines = [app.catalog.render(q.text, "en") for q in of(out, NotifyQueue)]
        assert len(lines) == 2 and "obscene message deleted" in lines[0] and "badword" in lines[0]
        assert lines[1].startswith("Audit: warning by the filter")
        [ru] = [app.catalog.render(q.text, "ru") for q in of(out, NotifyQueue)][:1]
        assert ru.startswith("Аудит: удалено сообщение с матом, кто: фильтр")
    finally:
        await app.close()


async def test_disabled_filter_is_not_asked(write_config, clock) -> None:
    app = await _app(write_config, clock, "[community.filter]\nenabled = false\n")
    try:
        flt = FakeFilter()
        assert await run(app, message("badword"), moderation_core(app, {"demo": flt})) == []
        assert flt.checked == []
    finally:
        await app.close()


@pytest.mark.parametrize("author", [ADMIN, LISTED_MODERATOR, ANONYMOUS_ADMIN],
                         ids=["admin", "listed", "anonymous"])
async def test_protected_authors_are_never_punished(app, author) -> None:
    app.admin_cache.set_source(FakeAdmins({TG_CHAT: {"777"}}))
    out = await run(app, message("badword", author=author), moderation_core(app))
    assert out == []
    assert await _warnings(app, str(author.ref)) == []


async def test_an_admin_of_another_community_chat_is_protected_on_the_wall(app) -> None:
    app.admin_cache.set_source(FakeAdmins({VK_CHAT: {"301"}}))
    assert await run(app, message("badword", chat=WALL, author=VK_MEMBER),
                     moderation_core(app)) == []


async def test_forwarded_obscenity_is_the_forwarders_responsibility(app) -> None:
    forwarded = FORWARDED.__class__(MEMBER.ref, MEMBER.name, MEMBER.username, FORWARDED.kind)
    out = await run(app, message("badword", author=forwarded), moderation_core(app))
    assert of(out, DeleteMessage)
    assert len(await _warnings(app, "telegram:501")) == 1


async def test_edited_message_is_checked_too(app) -> None:
    out = await run(app, message("now a badword", edited=True), moderation_core(app))
    assert of(out, DeleteMessage)


async def test_channel_sender_is_banned_via_sender_chat(write_config, clock) -> None:
    app = await _app(write_config, clock, '[community.moderation]\nladder = [{ action = "ban" }]\n')
    try:
        out = await run(app, message("badword", author=CHANNEL), moderation_core(app))
        [ban] = of(out, Ban)
        assert ban.sender_chat and ban.user == CHANNEL.ref and ban.chat == TG_CHAT
        assert of(out, DeleteMessage)
        assert "@bobchan" in texts(app, out)[0]
    finally:
        await app.close()


async def test_vk_mute_fallback_ban_in_a_vk_chat(write_config, clock) -> None:
    app = await _app(write_config, clock, '[community.moderation]\nvk_mute_fallback = "ban"\n'
                     'ladder = [{ action = "mute", duration = "2h" }]\n')
    try:
        out = await run(app, message("badword", chat=VK_CHAT, author=VK_MEMBER),
                        moderation_core(app))
        [ban] = of(out, Ban)
        assert ban.until == clock.now() + timedelta(hours=2) and not of(out, Kick)
        assert "VK has no mute: banned for 2h instead." in texts(app, out)[0]
        [record] = await _records(app, "ban")
        assert record.details["degraded_from"] == "mute"
    finally:
        await app.close()


async def test_vk_mute_fallback_warn_only_warns(write_config, clock) -> None:
    app = await _app(write_config, clock, '[community.moderation]\nvk_mute_fallback = "warn"\n'
                     'ladder = [{ action = "mute", duration = "2h" }]\n')
    try:
        out = await run(app, message("badword", chat=VK_CHAT, author=VK_MEMBER),
                        moderation_core(app))
        assert of(out, DeleteMessage) and not of(out, Ban) and not of(out, Kick)
        assert "VK has no mute, so this counts as a warning only." in texts(app, out)[0]
    finally:
        await app.close()


async def test_russian_community_gets_russian_notices(write_config, clock) -> None:
    text = BASIC_CONFIG.replace('language = "en"', 'language = "ru"')
    app = await create_app(load_config(write_config(text)), clock=clock, instance_id="t")
    try:
        out = await run(app, message("badword"), moderation_core(app))
        [notice] = texts(app, out, "ru")
        assert notice.startswith("@bob, сообщение удалено: нецензурная лексика.")
        assert of(out, SendMessage)[0].lang == "ru"
    finally:
        await app.close()


async def test_through_the_pipeline_actions_are_executed(app) -> None:
    telegram = Recorder("telegram")
    app.router.add(telegram)
    pipeline = Pipeline(moderation_core(app), app.uow_factory, app.router, app.clock, "t")
    assert await pipeline.process(message("badword", message_id="55"))
    kinds = [type(a).__name__ for a in telegram.actions]
    assert kinds == ["DeleteMessage", "SendMessage"]


async def test_real_obscenity_filter_in_the_flow(app) -> None:
    module = pytest.importorskip("filters.obscenity")
    if not hasattr(module, "ObscenityFilter"):
        pytest.skip("filters.obscenity does not export ObscenityFilter yet")
    from bot.features.moderation import make_filter

    real = make_filter(app.config.app.community[0].filter)
    assert real is not None
    core = moderation_core(app, {"demo": real})
    out = await run(app, message("Блядь, ну кто так строит?"), core)
    assert of(out, DeleteMessage)
    assert "Блядь" not in texts(app, out)[0]
    [record] = await _records(app, "filter.delete")
    assert record.reason  # the filter's own explanation
    assert await run(app, message("Мы живём в Херсоне, всё хорошо"), core) == []


async def test_linked_channel_posts_and_bots_are_left_alone(app) -> None:
    linked = CHANNEL.__class__(CHANNEL.ref, CHANNEL.name, CHANNEL.username, FORWARDED.kind)
    bot = MEMBER.__class__(UserRef("telegram", "42"), "Helper", "helperbot", SenderKind.BOT)
    core = moderation_core(app)
    assert await run(app, message("badword", author=linked), core) == []
    assert await run(app, message("badword", author=bot), core) == []


async def test_an_edited_obscene_message_is_one_offence_and_the_marks_are_forgotten(
        write_config, clock) -> None:
    """A post and its quick edit are one offence: the edit is deleted again, no second step.
    The marks that say so are dropped a day later by the feature's hourly tick."""
    app = await _app(write_config, clock, "")
    try:
        core = moderation_core(app)
        first = await run(app, message("badword", message_id="40"), core)
        edited = message("badword again", message_id="40", edited=True)
        again = await run(app, edited, core)
        assert of(again, DeleteMessage) and not of(again, Mute) and not of(again, SendMessage)
        assert len(of(first, SendMessage)) == 1
        async with app.uow_factory() as uow:
            assert len(await uow.warnings.active("demo", "telegram:501", clock.now())) == 1
        clock.advance(timedelta(days=2))
        [feature] = core.features
        async with app.uow_factory() as uow:
            await feature.tick(uow, clock.now())
            assert await uow.state.get("filtered:telegram:-1001:40") is None
            await uow.commit()
    finally:
        await app.close()


async def test_audit_line_names_people_with_their_ids_and_no_at_handles(write_config,
                                                                        clock) -> None:
    """The moderator reading the queue at night knows "Bob", not "telegram:501"; the id stays
    beside it (two Bobs), and no @handle is repeated (on a VK queue it is a stranger's)."""
    app = await _app(write_config, clock, "audit = true\n")
    try:
        out = await run(app, message("badword"), moderation_core(app))
        line = app.catalog.render(of(out, NotifyQueue)[1].text, "en")
        assert "Bob (telegram:501)" in line and "@bob" not in line, line
        [record] = await _records(app, "warn")
        assert record.target == "telegram:501" and record.details["target_name"] == "Bob"
    finally:
        await app.close()


async def test_audit_line_of_a_moderator_command_names_the_moderator_and_the_target(
        write_config, clock) -> None:
    app = await _app(write_config, clock, "audit = true\n")
    app.admin_cache.set_source(FakeAdmins({TG_CHAT: {"777"}}))
    try:
        out = await run(app, message("/ban spam", author=ADMIN, reply_to=MEMBER),
                        moderation_core(app))
        [line] = [app.catalog.render(q.text, "en") for q in of(out, NotifyQueue)]
        assert "Ann (telegram:777)" in line and "Bob (telegram:501)" in line, line
        assert "@" not in line, line
    finally:
        await app.close()
