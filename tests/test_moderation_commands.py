"""Moderator commands: what each does, how it is aimed, and the answers to bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.actions import ActionResult, Ban, DeleteMessage, Kick, Mute, SendMessage, Unban, Unmute
from bot.core.chats import UserRef
from bot.core.clock import FakeClock
from bot.core.events import Author
from tests.helpers_moderation import (
    ADMIN,
    ANONYMOUS_ADMIN,
    CHANNEL,
    LISTED_MODERATOR,
    MEMBER,
    OTHER,
    QUEUE,
    TG_CHAT,
    VK_CHAT,
    VK_MEMBER,
    WALL,
    FakeAdmins,
    keys,
    message,
    moderation_core,
    of,
    run,
    texts,
)

VK_MODERATOR = Author(UserRef("vk", "999"), "Vlad")


@pytest.fixture(autouse=True)
def admins(app) -> FakeAdmins:
    source = FakeAdmins({TG_CHAT: {"777"}, VK_CHAT: {"999"}})
    app.admin_cache.set_source(source)
    return source


def cmd(text: str, **kwargs):
    kwargs.setdefault("author", ADMIN)
    return message(text, **kwargs)


async def _records(app, action: str):
    async with app.uow_factory() as uow:
        records = await uow.audit.since("demo", datetime(2000, 1, 1, tzinfo=UTC))
    return [r for r in records if r.action == action]


async def _warnings(app, user: str = "telegram:502"):
    async with app.uow_factory() as uow:
        return await uow.warnings.active("demo", user, app.clock.now())


# --- /warn and the ladder ------------------------------------------------------------------


async def test_warn_in_reply_stores_keeps_the_message_notifies_and_audits(app) -> None:
    out = await run(app, cmd("/warn spam links", reply_to=OTHER, reply_id="70"))
    assert not of(out, DeleteMessage)  # as in Rose: the warned message is the evidence
    assert texts(app, out) == ["@eve has been warned for spam links. "
                               "Warning 1 of 4; next: mute 1h."]
    assert of(out, SendMessage)[0].delete_after == timedelta(minutes=2)
    [warning] = await _warnings(app)
    assert (warning.reason, warning.issued_by) == ("spam links", "telegram:777")
    [record] = await _records(app, "warn")
    assert (record.actor, record.target, record.reason) == ("telegram:777", "telegram:502",
                                                            "spam links")


async def test_dwarn_warns_and_deletes_the_message(app) -> None:
    out = await run(app, cmd("/dwarn spam links", reply_to=OTHER, reply_id="70"))
    [delete] = of(out, DeleteMessage)
    assert delete.message_id == "70"
    assert texts(app, out)[0].startswith("@eve has been warned for spam links.")
    assert len(await _warnings(app)) == 1


async def test_second_warn_mutes_by_the_ladder(app, clock: FakeClock) -> None:
    await run(app, cmd("/warn", reply_to=OTHER))
    out = await run(app, cmd("/warn", reply_to=OTHER))
    [mute] = of(out, Mute)
    assert mute.until == clock.now() + timedelta(hours=1)
    assert texts(app, out) == ["@eve has been warned for breaking the chat rules. Muted for 1h. "
                               "Warning 2 of 4; next: mute 1d."]
    [record] = await _records(app, "mute")
    assert record.reason == "ladder: warning 2 of 4"


async def test_warn_by_username_and_by_id_without_reply(app) -> None:
    await run(app, message("hello", author=OTHER))  # the bot learns @eve
    by_name = await run(app, cmd("/warn @Eve rude"))
    assert texts(app, by_name)[0].startswith("@eve has been warned for rude.")
    by_id = await run(app, cmd("/warn 502"))
    assert "Warning 2 of 4" in texts(app, by_id)[0]
    assert len(await _warnings(app)) == 2


async def test_warn_by_mention_the_platform_resolved(app) -> None:
    out = await run(app, cmd("/warn @newbie", mentions=(("@newbie", UserRef("telegram", "600")),)))
    assert "moderation.done.warn" in keys(out)
    assert len(await _warnings(app, "telegram:600")) == 1


# --- bad input -------------------------------------------------------------------------------


async def test_missing_target_gets_usage(app) -> None:
    out = await run(app, cmd("/mute"))
    assert texts(app, out) == ["Usage: /mute [10m|2h|3d|forever] [reason] — in reply to a "
                               "message, or /mute @user 10m"]


async def test_bad_duration_gets_usage(app) -> None:
    out = await run(app, cmd("/mute 10x", reply_to=OTHER))
    assert not of(out, Mute)
    [text] = texts(app, out)
    assert text.startswith("“10x” is not a duration (use e.g. 30m, 2h, 3d, 1w). Usage: /mute")


@pytest.mark.parametrize(("word", "key"), [
    ("-5m", "moderation.bad_duration"),
    ("30", "moderation.bad_duration"),
    ("0m", "moderation.duration_not_positive"),
    ("400d", "moderation.duration_too_long"),
])
async def test_a_duration_that_is_wrong_is_refused_not_replaced_by_the_default(
        app, word: str, key: str) -> None:
    out = await run(app, cmd(f"/mute {word} spam", reply_to=OTHER))
    assert not of(out, Mute)
    assert keys(out) == [key]


async def test_forever_makes_a_mute_permanent(app) -> None:
    out = await run(app, cmd("/mute forever", reply_to=OTHER))
    [mute] = of(out, Mute)
    assert mute.until is None
    assert "until a moderator lifts it" in texts(app, out)[0]


async def test_the_duration_may_come_before_the_target(app, clock: FakeClock) -> None:
    await run(app, message("hello", author=OTHER))  # the bot learns @eve
    out = await run(app, cmd("/mute 10m @eve flood"))
    [mute] = of(out, Mute)
    assert mute.until == clock.now() + timedelta(minutes=10)
    assert "flood" in texts(app, out)[0]


async def test_user_id_zero_is_no_target(app) -> None:
    out = await run(app, cmd("/ban 0"))
    assert not of(out, Ban)
    assert keys(out) == ["moderation.usage.ban"]


async def test_unknown_username_gets_usage(app) -> None:
    out = await run(app, cmd("/ban @ghost 1d"))
    assert not of(out, Ban)
    [text] = texts(app, out)
    assert text.startswith("I can't find @ghost. Usage: /ban")


@pytest.mark.parametrize("command", ["warn", "dwarn", "unwarn", "warns", "mute", "unmute",
                                     "ban", "unban", "kick", "del"])
async def test_every_command_without_target_answers_with_its_usage(app, command: str) -> None:
    out = await run(app, cmd(f"/{command}"))
    assert keys(out) == [f"moderation.usage.{command}"]
    assert texts(app, out, "ru")[0].startswith("Как использовать: /")


# --- mute, ban, kick, and their reverses -------------------------------------------------------


async def test_mute_with_duration_and_reason(app, clock: FakeClock) -> None:
    out = await run(app, cmd("/mute 2h flood", reply_to=OTHER))
    [mute] = of(out, Mute)
    assert (mute.chat, mute.user, mute.until) == (TG_CHAT, OTHER.ref,
                                                  clock.now() + timedelta(hours=2))
    assert texts(app, out) == ["@eve is muted for 2h for flood."]
    [record] = await _records(app, "mute")
    assert record.reason == "flood" and record.details["command"] == "/mute"
    assert not of(out, DeleteMessage)  # /mute does not delete; /del does


async def test_mute_without_duration_uses_default_mute(app, clock: FakeClock) -> None:
    [mute] = of(await run(app, cmd("/mute", reply_to=OTHER)), Mute)
    assert mute.until == clock.now() + timedelta(hours=1)


async def test_mute_in_a_vk_chat_degrades_and_says_so(app) -> None:
    out = await run(app, cmd("/mute 1h", chat=VK_CHAT, author=VK_MODERATOR, reply_to=VK_MEMBER))
    assert not of(out, Mute)
    [kick] = of(out, Kick)
    assert kick.chat == VK_CHAT
    assert texts(app, out) == ["Vasya has been removed from the chat for breaking the chat "
                               "rules. VK has no mute: removed from the chat instead."]
    [record] = await _records(app, "kick")
    assert record.details["degraded_from"] == "mute"


async def test_kick_on_the_wall_records_a_warning(app) -> None:
    out = await run(app, cmd("!kick", chat=WALL, author=VK_MODERATOR, reply_to=VK_MEMBER))
    assert not of(out, Kick)
    assert "Comments have no removal, so this counts as a warning only." in texts(app, out)[0]
    assert len(await _warnings(app, "vk:301")) == 1


async def test_ban_timed_permanent_and_channel(app, clock: FakeClock) -> None:
    [timed] = of(await run(app, cmd("/ban 3d", reply_to=OTHER)), Ban)
    assert timed.until == clock.now() + timedelta(days=3) and not timed.sender_chat
    [forever] = of(await run(app, cmd("/ban spammer", reply_to=OTHER)), Ban)
    assert forever.until is None
    [channel] = of(await run(app, cmd("/ban", reply_to=CHANNEL)), Ban)
    assert channel.sender_chat and channel.user == CHANNEL.ref
    [by_id] = of(await run(app, cmd("/ban -100777")), Ban)
    assert by_id.sender_chat
    # the same channel again: its ban already runs for good, so nothing is banned twice
    again = await run(app, cmd("/ban -100555"))
    assert not of(again, Ban) and "already banned" in texts(app, again)[0]


async def test_unban_lifts_the_ban_and_clears_warnings(app) -> None:
    await run(app, cmd("/warn", reply_to=OTHER))
    await run(app, cmd("/ban", reply_to=OTHER))
    out = await run(app, cmd("/unban 502"))
    [unban] = of(out, Unban)
    assert (unban.chat, unban.user, unban.sender_chat) == (TG_CHAT, OTHER.ref, False)
    assert texts(app, out) == ["telegram:502 is unbanned. Active warnings cleared: 1."]
    assert await _warnings(app) == []


async def test_unmute_on_telegram_and_on_vk(app) -> None:
    assert of(await run(app, cmd("/unmute", reply_to=OTHER)), Unmute)
    vk = await run(app, cmd("/unmute", chat=VK_CHAT, author=VK_MODERATOR, reply_to=VK_MEMBER))
    assert not of(vk, Unmute) and not of(vk, Unban)
    assert "There is no mute to lift here." in texts(app, vk)[0]


async def test_mute_of_a_member_banned_in_the_chat_keeps_the_ban(app) -> None:
    """Two moderators at once: a mute after a ban would replace it on Telegram (a restriction
    lets the member back), so it is refused with the reason; /unban then /mute works."""
    assert of(await run(app, cmd("/ban spam", reply_to=OTHER)), Ban)
    second = await run(app, cmd("/mute 10m flood", author=LISTED_MODERATOR, reply_to=OTHER))
    assert not of(second, Mute)
    assert texts(app, second) == ["@eve is banned here, and a mute would lift the ban: nothing "
                                  "was done. /unban first if a mute is what you want."]
    await run(app, cmd("/unban", reply_to=OTHER))
    assert of(await run(app, cmd("/mute 10m flood", reply_to=OTHER)), Mute)


async def test_a_ban_the_platform_refused_is_not_remembered(app) -> None:
    """A ban Telegram refused for good (no rights) did not happen: the member's next offence
    is sanctioned again, not silently deleted as a banned member's backlog."""
    [ban] = of(await run(app, cmd("/ban", reply_to=OTHER)), Ban)
    async with app.uow_factory() as uow:
        await app.core.on_action_failed(ban, ActionResult(ok=False, error="not enough rights",
                                                          permanent=True), uow)
        await uow.commit()
    assert of(await run(app, cmd("/mute 10m", reply_to=OTHER)), Mute)


async def test_kick(app) -> None:
    out = await run(app, cmd("/kick bye", reply_to=OTHER))
    [kick] = of(out, Kick)
    assert kick.user == OTHER.ref
    assert texts(app, out) == ["@eve has been removed from the chat for bye."]


# --- warnings list and revoke ------------------------------------------------------------------


async def test_unwarn_revokes_the_latest(app) -> None:
    await run(app, cmd("/warn first", reply_to=OTHER))
    await run(app, cmd("/warn second", reply_to=OTHER))
    out = await run(app, cmd("/unwarn", reply_to=OTHER))
    assert texts(app, out) == ["Removed the latest warning of @eve. Active warnings left: 1."]
    assert [w.reason for w in await _warnings(app)] == ["first"]
    assert await _records(app, "unwarn")


async def test_warns_hides_the_filters_words_in_the_chat_but_not_in_the_queue(app) -> None:
    await run(app, message("badword", author=OTHER), moderation_core(app))
    await run(app, cmd("/warn spam", reply_to=OTHER))
    [in_chat] = texts(app, await run(app, cmd("/warns", reply_to=OTHER)))
    assert "badword" not in in_chat
    assert in_chat == ("@eve has active warnings: 2; the ladder has 4 steps:\n"
                       "1. 2026-03-02 12:00 — strong language\n2. 2026-03-02 12:00 — spam\n"
                       "Muted until 2026-03-02 13:00: spam.")
    [in_queue] = texts(app, await run(app, cmd("/warns 502", chat=QUEUE)))
    assert "'badword' at 0-7" in in_queue


async def test_warns_counts_only_unexpired(app, clock: FakeClock) -> None:
    await run(app, cmd("/warn old", reply_to=OTHER))
    clock.advance(timedelta(days=31))
    assert keys(await run(app, cmd("/warns", reply_to=OTHER))) == ["moderation.no_warnings"]


# --- /del -----------------------------------------------------------------------------------------


async def test_del_deletes_the_reply_and_the_command(app) -> None:
    event = cmd("/del", reply_to=OTHER, reply_id="70", message_id="71")
    out = await run(app, event)
    assert [(d.chat, d.message_id) for d in of(out, DeleteMessage)] == [(TG_CHAT, "70"),
                                                                        (TG_CHAT, "71")]
    [record] = await _records(app, "delete")
    assert record.target == "telegram:502" and record.details["message_id"] == "70"


# --- refusals ------------------------------------------------------------------------------------


async def test_moderators_cannot_target_themselves(app) -> None:
    out = await run(app, cmd("/ban", reply_to=ADMIN))
    assert texts(app, out) == ["You can't use /ban on yourself."] and not of(out, Ban)


@pytest.mark.parametrize("target", [ADMIN, LISTED_MODERATOR, ANONYMOUS_ADMIN],
                         ids=["admin", "listed", "anonymous"])
@pytest.mark.parametrize("command", ["warn", "mute", "ban", "kick"])
async def test_moderators_and_admins_cannot_be_punished(app, command: str, target) -> None:
    out = await run(app, cmd(f"/{command}", author=LISTED_MODERATOR if target is ADMIN
                             else ADMIN, reply_to=target))
    assert keys(out) == ["moderation.refuse.protected"]
    assert len(out) == 1
    assert await _warnings(app, str(target.ref)) == []


# --- the queue chat ------------------------------------------------------------------------------


async def test_queue_needs_an_explicit_target(app) -> None:
    out = await run(app, cmd("/mute", chat=QUEUE, reply_to=OTHER))
    assert keys(out) == ["moderation.usage.mute"]
    assert of(out, SendMessage)[0].delete_after is None  # the queue keeps its trace


async def test_queue_acts_in_every_chat_of_the_targets_network(app, clock: FakeClock) -> None:
    await run(app, message("привет", chat=VK_CHAT, author=VK_MEMBER))  # the bot learns the name
    out = await run(app, cmd("/mute vk:301 2h spam", chat=QUEUE))
    assert [(type(a).__name__, str(a.chat)) for a in out if isinstance(a, Kick | Ban)] == [
        ("Kick", "vk:2000000001"), ("Ban", "vk:wall")]
    assert of(out, Ban)[0].until == clock.now() + timedelta(hours=2)
    rendered = texts(app, out)
    assert rendered[0].startswith("Vasya is muted for 2h for spam. VK has no mute")
    assert any("Comments have no mute or removal" in t for t in rendered)
    [record] = await _records(app, "kick")
    assert record.chat == str(QUEUE) and record.details["applied_in"] == ["vk:2000000001",
                                                                          "vk:wall"]


async def test_queue_telegram_member_by_id(app) -> None:
    out = await run(app, cmd("/ban 501 1w", chat=QUEUE))
    [ban] = of(out, Ban)
    assert (ban.chat, ban.user) == (TG_CHAT, MEMBER.ref)


async def test_editing_a_message_into_a_command_does_not_run_it(app) -> None:
    out = await run(app, cmd("/ban spam", reply_to=OTHER, edited=True))
    assert not of(out, Ban)
    assert "moderation.usage.ban" not in keys(out)


# --- a member's own /warns (as in Rose) ---------------------------------------------------------


async def test_a_member_sees_their_own_warnings(app) -> None:
    await run(app, cmd("/warn spam", reply_to=OTHER))
    [own] = texts(app, await run(app, message("/warns", author=OTHER)))
    assert own.startswith("@eve has active warnings: 1") and "spam" in own
    [by_reply] = texts(app, await run(app, message("/warns", author=OTHER, reply_to=OTHER)))
    assert by_reply == own


async def test_a_member_without_warnings_is_told_so(app) -> None:
    assert keys(await run(app, message("/warns", author=MEMBER))) == ["moderation.no_warnings"]


@pytest.mark.parametrize("how", ["reply", "username"])
async def test_a_member_cannot_look_up_someone_elses_warnings(app, how: str) -> None:
    await run(app, cmd("/warn spam", reply_to=OTHER))
    event = (message("/warns", author=MEMBER, reply_to=OTHER) if how == "reply"
             else message("/warns @eve", author=MEMBER))
    out = await run(app, event)
    assert keys(out) == ["common.not_moderator"]
    assert all("spam" not in text for text in texts(app, out))


async def test_a_channel_sender_has_no_warnings_list_to_see(app) -> None:
    assert keys(await run(app, message("/warns", author=CHANNEL))) == ["common.not_moderator"]


@pytest.mark.parametrize(("command", "action"), [("/dmute 10m", Mute), ("/dban", Ban),
                                                  ("/dkick", Kick)])
async def test_d_variants_act_and_delete_the_message(app, command, action) -> None:
    out = await run(app, cmd(f"{command} flood", reply_to=OTHER, reply_id="70"))
    [delete] = of(out, DeleteMessage)
    assert delete.message_id == "70"
    assert len(of(out, action)) == 1
    [record] = await _records(app, action.__name__.lower())
    assert record.reason == "flood"


async def test_d_variant_without_target_gets_its_own_usage(app) -> None:
    out = await run(app, cmd("/dban"))
    assert keys(out) == ["moderation.usage.dban"]


@pytest.mark.parametrize(("alias", "canonical", "action"), [
    ("/tmute 10m", "mute", Mute), ("/tban 1d", "ban", Ban)])
async def test_rose_timed_aliases_are_mute_and_ban(app, clock, alias, canonical, action) -> None:
    out = await run(app, cmd(alias, reply_to=OTHER))
    [done] = of(out, action)
    assert done.until is not None and done.until > clock.now()
    assert not of(out, DeleteMessage)
    [record] = await _records(app, canonical)
    assert record.details.get("command") == f"/{canonical}"


async def test_rmwarn_takes_back_the_latest_warning_and_aliases_share_usage(app) -> None:
    await run(app, cmd("/warn", reply_to=OTHER))
    await run(app, cmd("/rmwarn", reply_to=OTHER))
    assert await _warnings(app) == []
    assert keys(await run(app, cmd("/rmwarn"))) == ["moderation.usage.unwarn"]
    assert keys(await run(app, cmd("/tmute"))) == ["moderation.usage.mute"]
    assert keys(await run(app, cmd("/resetwarn"))) == ["moderation.usage.resetwarns"]


async def test_moderators_slip_of_the_finger_is_named_and_nothing_is_done(app) -> None:
    out = await run(app, cmd("/wran spam", reply_to=OTHER))
    assert texts(app, out) == ["There is no command /wran: nothing was done. Did you mean /warn?"]
    assert of(out, SendMessage)[0].delete_after is not None
    assert await _warnings(app) == []


@pytest.mark.parametrize("text", ["/wran spam", "/me waves", "/shrug", "/stats"])
async def test_members_unknown_commands_get_no_hint(app, text) -> None:
    out = await run(app, message(text, author=OTHER))
    assert keys(out) == []


async def test_moderators_unrelated_or_ambiguous_commands_stay_silent(app) -> None:
    for text in ("/stats", "/pin", "/warnn"):  # another bot's; /warn or /warns?
        assert keys(await run(app, cmd(text))) == []


NADIA = UserRef("telegram", "604")


@pytest.mark.parametrize("text", ["/mute 10m Nadia Petrova spam", "/mute Nadia Petrova 10m spam"])
async def test_a_member_without_username_is_named_by_a_text_mention(app, clock, text) -> None:
    """Telegram lets a moderator pick a member without a @username from the list: the name
    is a text_mention carrying the member, wherever the duration stands."""
    out = await run(app, cmd(text, mentions=(("Nadia Petrova", NADIA),), reply_to=OTHER))
    [mute] = of(out, Mute)
    assert (mute.user, mute.until) == (NADIA, clock.now() + timedelta(minutes=10))
    [record] = await _records(app, "mute")
    assert (record.target, record.reason) == ("telegram:604", "spam")


async def test_a_text_mention_later_in_the_reason_is_not_the_target(app) -> None:
    out = await run(app, cmd("/warn rude to Nadia", mentions=(("Nadia", NADIA),),
                             reply_to=OTHER))
    [record] = await _records(app, "warn")
    assert (record.target, record.reason) == ("telegram:502", "rude to Nadia")
    assert keys(out)


async def test_purge_deletes_from_the_replied_message_up_to_the_command(app) -> None:
    out = await run(app, cmd("/purge", reply_to=OTHER, reply_id="70", message_id="74"))
    assert [d.message_id for d in of(out, DeleteMessage)] == ["70", "71", "72", "73", "74"]
    [done] = of(out, SendMessage)
    assert done.reply_to is None and done.delete_after is not None  # the command is gone
    assert texts(app, out) == ["Deleted 5 messages."]
    [record] = await _records(app, "purge")
    assert (record.actor, record.target) == ("telegram:777", "telegram:502")


async def test_purge_is_bounded_and_needs_a_reply(app) -> None:
    out = await run(app, cmd("/purge", reply_to=OTHER, reply_id="70", message_id="270"))
    assert not of(out, DeleteMessage)
    assert keys(out) == ["moderation.purge_too_many"]
    assert keys(await run(app, cmd("/purge"))) == ["moderation.usage.purge"]
    member = await run(app, message("/purge", author=OTHER, reply_to=ADMIN, reply_id="60"))
    assert not of(member, DeleteMessage)
