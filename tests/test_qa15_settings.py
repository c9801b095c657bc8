"""QA round 15: the owner's moderation settings ([community.filter], [community.moderation],
[community.antiflood], [community.answers]) end to end through the real Telegram and VK
adapters and their emulators, plus `modbot check-config` on invalid values. Each test states
what a member, moderator or owner expects from the setting; a failing test is a finding (see
/tmp/qa15.md)."""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from tg_emulator import TelegramEmulator
from tg_emulator.harness import (
    ADMIN,
    GROUP,
    LISTED_MODERATOR,
    MEMBER,
    OTHER_MEMBER,
    QUEUE,
    TOKEN,
    FakeTime,
    RunningBot,
    fast_options,
)
from tg_emulator.wire import command, non_help, replies_to, settle, wall_clock
from vk_emulator import VkEmulator
from vk_emulator.harness import CHAT as VK_CHAT
from vk_emulator.harness import MODERATOR as VK_MODERATOR
from vk_emulator.harness import QUEUE as VK_QUEUE
from vk_emulator.harness import RunningBot as VkBot
from vk_emulator.harness import vk_config_text, write_vk_config

from bot.app import App
from bot.cli import main as modbot_main
from bot.core.clock import FakeClock

RU_MAT = "Блядь, ну кто так строит?"
RU_MAT_2 = "Это просто пиздец какой-то"
EN_SWEAR = "fuck this chat"
VK_MEMBER = 501


def near(until: object, when) -> bool:
    return abs(int(until) - int(when.timestamp())) <= 2  # type: ignore[call-overload]


# --- Telegram plumbing -------------------------------------------------------------------

@pytest.fixture
async def emu(clock: FakeClock) -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(TOKEN) as emulator:
        emulator.world.clock = lambda: clock.now().timestamp()  # Telegram's dates, the bot's clock
        emulator.group(GROUP, title="Demo", admins=(ADMIN,))
        emulator.group(QUEUE, title="Queue", admins=(ADMIN,))
        yield emulator


@pytest.fixture
def clock() -> FakeClock:
    return wall_clock()


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make_app(make_tg_app: Callable[..., Awaitable[App]]) -> Callable[..., Awaitable[App]]:
    async def make(extra_community: str = "", tail: str = "") -> App:
        return await make_tg_app("qa15", extra_community=extra_community, tail=tail)

    return make


def notices(emu: TelegramEmulator) -> list[str]:
    return non_help(emu.sent_texts(GROUP))


async def obscene(emu: TelegramEmulator, text: str, n: int, who: int = MEMBER) -> dict:
    """``who`` posts ``text``; wait until it is deleted and the n-th notice is out."""
    msg = emu.user_message(GROUP, who, text, first_name="Bob")
    await emu.wait_for(lambda: emu.is_deleted(GROUP, msg["message_id"]), what=f"deletion {n}")
    await emu.wait_for(lambda: len(notices(emu)) >= n, what=f"notice {n}")
    return msg


# --- [community.filter] on Telegram ------------------------------------------------------

async def test_tg_filter_disabled_leaves_swearing_alone(make_app, emu, fake) -> None:
    app = await make_app("[community.filter]\nenabled = false\n")
    async with RunningBot(app, fast_options(fake)):
        msgs = [emu.user_message(GROUP, MEMBER, t) for t in (EN_SWEAR, RU_MAT)]
        await settle(emu)
    assert not any(emu.is_deleted(GROUP, m["message_id"]) for m in msgs)
    assert notices(emu) == []
    assert not emu.calls_of("restrictChatMember", ok=None)


async def test_tg_dry_run_deletes_nothing_warns_nobody_and_tells_the_queue(
        make_app, emu, fake) -> None:
    app = await make_app('audit = true\n[community.filter]\nmode = "dry-run"\n')
    async with RunningBot(app, fast_options(fake)):
        msgs = [emu.user_message(GROUP, MEMBER, EN_SWEAR, first_name="Bob") for _ in range(1)]
        msgs.append(emu.user_message(GROUP, MEMBER, RU_MAT, first_name="Bob"))
        msgs.append(emu.user_message(GROUP, MEMBER, "what the fuck", first_name="Bob"))
        await emu.wait_for(lambda: len(emu.sent_texts(QUEUE)) >= 3, what="three audit lines")
        own = await command(emu, MEMBER, "/warns", what="the member's own warnings")
        await settle(emu)
    assert not any(emu.is_deleted(GROUP, m["message_id"]) for m in msgs), "dry-run deleted"
    assert not emu.calls_of("restrictChatMember", ok=None)
    assert not emu.calls_of("banChatMember", ok=None)
    assert [t for t in notices(emu) if "removed" in t or "Warning" in t] == [], notices(emu)
    queue = emu.sent_texts(QUEUE)
    assert all("filter trial" in t for t in queue[:3]), queue
    (warns,) = replies_to(emu, GROUP, own["message_id"])
    assert "no active warnings" in warns, "a trial must not put anyone on the ladder"


async def test_tg_dry_run_then_enforce_starts_the_ladder_at_one(
        make_app, emu, fake, tmp_path, clock) -> None:
    """An owner trials the filter, then switches to enforce: the trial's verdicts must not
    count as warnings, so the first real one is Warning 1, not a mute."""
    app = await make_app('[community.filter]\nmode = "dry-run"\n')
    async with RunningBot(app, fast_options(fake)):
        for text in (EN_SWEAR, "fuck off", "what the fuck"):
            emu.user_message(GROUP, MEMBER, text)
        await settle(emu)
    await app.close()
    fake2 = FakeTime()
    app2 = await make_app()
    async with RunningBot(app2, fast_options(fake2)):
        await obscene(emu, "fucking hell", 1)
    assert "Warning 1 of 4" in notices(emu)[-1], notices(emu)
    assert not emu.calls_of("restrictChatMember", ok=None)


async def test_tg_languages_en_only_lets_russian_mat_through(make_app, emu, fake) -> None:
    app = await make_app('[community.filter]\nlanguages = ["en"]\n')
    async with RunningBot(app, fast_options(fake)):
        ru = emu.user_message(GROUP, MEMBER, RU_MAT)
        await settle(emu)
        await obscene(emu, EN_SWEAR, 1)
    assert not emu.is_deleted(GROUP, ru["message_id"]), "Russian мат is not filtered in an en-only community"


async def test_tg_languages_ru_only_lets_english_swearing_through(make_app, emu, fake) -> None:
    app = await make_app('[community.filter]\nlanguages = ["ru"]\n')
    async with RunningBot(app, fast_options(fake)):
        en = emu.user_message(GROUP, MEMBER, EN_SWEAR)
        await settle(emu)
        await obscene(emu, RU_MAT, 1)
    assert not emu.is_deleted(GROUP, en["message_id"])
    assert len(notices(emu)) == 1


async def test_tg_extra_word_is_removed_and_the_notice_does_not_repeat_it(
        make_app, emu, fake) -> None:
    app = await make_app('[community.filter]\nextra_words = ["дурак"]\n')
    async with RunningBot(app, fast_options(fake)):
        await obscene(emu, "ты дурак", 1)
    notice = notices(emu)[0]
    assert "strong language" in notice and "Warning 1 of 4" in notice, notice
    assert "дурак" not in notice.lower()


@pytest.mark.parametrize("form", ["дураки", "дурака", "дураком"])
async def test_tg_extra_word_catches_its_russian_word_forms(make_app, emu, fake,
                                                            form: str) -> None:
    """An owner bans "дурак"; members write "вы все дураки" — the same word."""
    app = await make_app('[community.filter]\nextra_words = ["дурак"]\n')
    async with RunningBot(app, fast_options(fake)):
        msg = emu.user_message(GROUP, MEMBER, f"вы все {form}")
        await settle(emu)
    assert emu.is_deleted(GROUP, msg["message_id"]), f"{form!r} passed the owner's banned word"


async def test_tg_extra_word_in_english_catches_its_plural(make_app, emu, fake) -> None:
    app = await make_app('[community.filter]\nextra_words = ["crap"]\n')
    async with RunningBot(app, fast_options(fake)):
        one = emu.user_message(GROUP, MEMBER, "this is crap")
        many = emu.user_message(GROUP, OTHER_MEMBER, "all of these are craps")
        await settle(emu)
    assert emu.is_deleted(GROUP, one["message_id"])
    assert emu.is_deleted(GROUP, many["message_id"])


async def test_tg_allowed_brand_name_passes_but_real_swearing_does_not(
        make_app, emu, fake) -> None:
    app = await make_app('[community.filter]\nallowed_words = ["Fuckit"]\n')
    async with RunningBot(app, fast_options(fake)):
        brand = emu.user_message(GROUP, MEMBER, "I bought FUCKIT jeans, love the brand")
        await settle(emu)
        await obscene(emu, "fuck you all", 1)
    assert not emu.is_deleted(GROUP, brand["message_id"])
    assert len(notices(emu)) == 1


@pytest.mark.parametrize("text", ["Хуяндай — лучший автосалон", "купил машину в Хуяндае",
                                  "у Хуяндая скидки"])
async def test_tg_allowed_russian_brand_passes_in_its_case_forms(make_app, emu, fake,
                                                                text: str) -> None:
    """A Russian owner allows the dealership's name; members decline it like any noun."""
    app = await make_app('[community.filter]\nallowed_words = ["Хуяндай"]\n')
    async with RunningBot(app, fast_options(fake)):
        msg = emu.user_message(GROUP, MEMBER, text)
        await settle(emu)
    assert not emu.is_deleted(GROUP, msg["message_id"]), f"{text!r} removed despite allowed_words"


async def test_tg_owners_extra_word_counts_even_in_an_english_only_filter(
        make_app, emu, fake) -> None:
    """languages picks the built-in lexicons; an owner's own banned word still applies."""
    app = await make_app('[community.filter]\nlanguages = ["en"]\nextra_words = ["дурак"]\n')
    async with RunningBot(app, fast_options(fake)):
        await obscene(emu, "ты дурак", 1)


SECOND_GROUP = -1003

SECOND_COMMUNITY = f"""
[[community]]
name = "second"
language = "en"
timezone = "UTC"
chats = ["telegram:{SECOND_GROUP}"]
queue = "telegram:-2004"
"""


async def test_tg_filter_settings_are_per_community(make_app, emu, fake) -> None:
    """Community "demo" trials the filter in dry-run with English only; "second" enforces the
    defaults. One bot, two groups: each group gets its own owner's policy."""
    emu.group(SECOND_GROUP, title="Second", admins=(ADMIN,))
    emu.group(-2004, title="Second queue", admins=(ADMIN,))
    app = await make_app('[community.filter]\nmode = "dry-run"\nlanguages = ["en"]\n',
                         tail=SECOND_COMMUNITY)
    async with RunningBot(app, fast_options(fake)):
        kept = [emu.user_message(GROUP, MEMBER, t) for t in (EN_SWEAR, RU_MAT)]
        await settle(emu)
        gone = [emu.user_message(SECOND_GROUP, MEMBER, t) for t in (EN_SWEAR, RU_MAT)]
        await emu.wait_for(lambda: all(emu.is_deleted(SECOND_GROUP, m["message_id"])
                                       for m in gone), what="both removed in the second group")
    assert not any(emu.is_deleted(GROUP, m["message_id"]) for m in kept)


async def test_tg_moderation_settings_are_per_community(make_app, emu, fake, clock) -> None:
    """"demo" bans at once; "second" keeps the default ladder (warning first)."""
    emu.group(SECOND_GROUP, title="Second", admins=(ADMIN,))
    emu.group(-2004, title="Second queue", admins=(ADMIN,))
    app = await make_app('[community.moderation]\nladder = [{ action = "ban" }]\n',
                         tail=SECOND_COMMUNITY)
    async with RunningBot(app, fast_options(fake)):
        msg = emu.user_message(SECOND_GROUP, OTHER_MEMBER, EN_SWEAR)
        await emu.wait_for(lambda: emu.is_deleted(SECOND_GROUP, msg["message_id"]), what="del")
        await emu.wait_for(lambda: emu.sent_texts(SECOND_GROUP), what="the notice")
        await settle(emu, SECOND_GROUP)
    assert not emu.calls_of("banChatMember", ok=None), "the other community's ladder was used"
    assert any("Warning 1 of 4" in t for t in emu.sent_texts(SECOND_GROUP))


async def test_tg_dry_run_ignores_an_edit_into_obscenity(make_app, emu, fake) -> None:
    app = await make_app('audit = true\n[community.filter]\nmode = "dry-run"\n')
    async with RunningBot(app, fast_options(fake)):
        msg = emu.user_message(GROUP, MEMBER, "nice weather")
        await settle(emu)
        emu.edit_user_message(GROUP, msg["message_id"], "fucking nice weather")
        await emu.wait_for(lambda: any("filter trial" in t for t in emu.sent_texts(QUEUE)),
                           what="the trial line for the edit")
        await settle(emu)
    assert not emu.is_deleted(GROUP, msg["message_id"])
    assert [t for t in notices(emu) if "removed" in t] == []


# --- [community.moderation] on Telegram --------------------------------------------------

CUSTOM_LADDER = """
[community.moderation]
ladder = [
  { action = "warn" },
  { action = "warn" },
  { action = "mute", duration = "10m" },
  { action = "kick" },
  { action = "ban", duration = "7d" },
]
"""


async def test_tg_custom_five_step_ladder(make_app, emu, fake, clock) -> None:
    app = await make_app(CUSTOM_LADDER)
    rude = ["fuck one", "fuck two", "fuck three", "fuck four", "fuck five"]
    async with RunningBot(app, fast_options(fake)):
        for n, text in enumerate(rude[:2], 1):
            await obscene(emu, text, n)
        assert not emu.calls_of("restrictChatMember", ok=None), "step 2 is only a warning"
        await obscene(emu, rude[2], 3)
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="mute 10m")
        await obscene(emu, rude[3], 4)
        await emu.wait_for(lambda: emu.calls_of("unbanChatMember"), what="the kick")
        await obscene(emu, rude[4], 5)
        await emu.wait_for(lambda: len(emu.calls_of("banChatMember")) == 2, what="ban 7d")
    texts = notices(emu)
    assert "Warning 1 of 5; next: another warning" in texts[0], texts[0]
    assert "Warning 2 of 5; next: mute 10m" in texts[1], texts[1]
    assert "Muted for 10m" in texts[2] and "next: removal from the chat" in texts[2], texts[2]
    assert "Removed from the chat" in texts[3], texts[3]
    assert "next: ban 7d" in texts[3] or "next: ban 1w" in texts[3], texts[3]
    assert "Banned for 7d" in texts[4] or "Banned for 1w" in texts[4], texts[4]
    (mute,) = emu.calls_of("restrictChatMember")
    assert near(mute.params["until_date"], clock.now() + timedelta(minutes=10))
    ban = emu.calls_of("banChatMember")[1]
    assert near(ban.params["until_date"], clock.now() + timedelta(days=7))


async def test_tg_one_step_ladder_bans_at_once(make_app, emu, fake) -> None:
    app = await make_app('[community.moderation]\nladder = [{ action = "ban" }]\n')
    async with RunningBot(app, fast_options(fake)):
        await obscene(emu, EN_SWEAR, 1)
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
    (ban,) = emu.calls_of("banChatMember")
    assert int(ban.params.get("until_date") or 0) == 0, "no duration = permanent"
    notice = notices(emu)[0]
    assert "Banned" in notice, notice
    assert "next:" not in notice, f"a one-step ladder has no next step to announce: {notice}"


async def test_tg_ladder_repeats_its_last_step_after_the_top(make_app, emu, fake,
                                                             clock) -> None:
    """Ladder [warn, mute 10m]: a member who keeps swearing after the mute is muted again,
    not back to a warning."""
    app = await make_app('[community.moderation]\nladder = [{ action = "warn" }, '
                         '{ action = "mute", duration = "10m" }]\n')
    async with RunningBot(app, fast_options(fake)):
        for n in (1, 2, 3):
            await obscene(emu, f"fuck number {n}", n)
        await emu.wait_for(lambda: len(emu.calls_of("restrictChatMember")) == 2,
                           what="the second mute")
    assert "Muted for 10m" in notices(emu)[2], notices(emu)


async def test_tg_custom_notice_ttl_keeps_the_filter_notice_until_then(
        make_app, emu, fake, clock) -> None:
    app = await make_app('[community.moderation]\nnotice_ttl = "10m"\n')
    async with RunningBot(app, fast_options(fake)):
        await obscene(emu, EN_SWEAR, 1)
        (notice,) = [m for m in emu.sent_messages(GROUP) if "Warning 1" in (m.get("text") or "")]
        clock.advance(timedelta(minutes=3))  # past the 2m default
        await settle(emu)
        assert not emu.is_deleted(GROUP, notice["message_id"]), "deleted before notice_ttl"
        clock.advance(timedelta(minutes=8))
        await emu.wait_for(lambda: emu.is_deleted(GROUP, notice["message_id"]),
                           what="the notice deleting itself after 10m")


async def test_tg_short_refusal_cooldown_allows_a_second_refusal_later(
        make_app, emu, fake, clock) -> None:
    app = await make_app('[community.moderation]\nrefusal_cooldown = "1m"\n')
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, OTHER_MEMBER, "hi")
        first = await command(emu, MEMBER, "/ban", reply_to=target["message_id"])
        again = emu.user_message(GROUP, MEMBER, "/mute", reply_to=target["message_id"])
        await settle(emu)
        assert replies_to(emu, GROUP, again["message_id"]) == []
        clock.advance(timedelta(minutes=2))
        later = await command(emu, MEMBER, "/kick", reply_to=target["message_id"],
                              what="a second refusal after the cooldown")
    assert replies_to(emu, GROUP, first["message_id"])[0].startswith("Sorry, only moderators")
    assert replies_to(emu, GROUP, later["message_id"])[0].startswith("Sorry, only moderators")


async def test_tg_short_warn_expiry_shows_in_warns(make_app, emu, fake, clock) -> None:
    """warn_expiry = 1h: a member's /warns after 2h says they have none."""
    app = await make_app('[community.moderation]\nwarn_expiry = "1h"\n')
    async with RunningBot(app, fast_options(fake)):
        await obscene(emu, EN_SWEAR, 1)
        mine = await command(emu, MEMBER, "/warns", what="warns now")
        clock.advance(timedelta(hours=2))
        later = await command(emu, MEMBER, "/warns", what="warns after expiry")
    assert ": 1; the ladder" in replies_to(emu, GROUP, mine["message_id"])[0]
    assert "no active warnings" in replies_to(emu, GROUP, later["message_id"])[0]


# --- [community.antiflood] on Telegram ---------------------------------------------------

FLOOD = """
[community.antiflood]
messages = 3
window = "10s"
mute = "5m"
repeats = 2
repeat_window = "1m"
"""


async def test_tg_flood_burst_mutes_for_the_configured_time(make_app, emu, fake, clock) -> None:
    app = await make_app(FLOOD)
    async with RunningBot(app, fast_options(fake)):
        for n in range(3):
            emu.user_message(GROUP, MEMBER, f"message number {n}", first_name="Bob")
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="the flood mute")
        await settle(emu)
    (mute,) = emu.calls_of("restrictChatMember")
    assert mute.params["user_id"] == MEMBER
    assert near(mute.params["until_date"], clock.now() + timedelta(minutes=5))
    assert any("please slow down" in t and "5m" in t for t in notices(emu)), notices(emu)


async def test_tg_after_the_flood_mute_one_message_is_not_flood_again(make_app, emu, fake,
                                                                     clock) -> None:
    app = await make_app(FLOOD)
    async with RunningBot(app, fast_options(fake)):
        for n in range(3):
            emu.user_message(GROUP, MEMBER, f"message number {n}")
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="the flood mute")
        await settle(emu)
        clock.advance(timedelta(minutes=6))  # the 5m mute is over
        emu.user_message(GROUP, MEMBER, "sorry, got carried away")
        await settle(emu)
    assert len(emu.calls_of("restrictChatMember")) == 1, "muted again for one message"


async def test_tg_flood_notice_follows_notice_ttl(make_app, emu, fake, clock) -> None:
    app = await make_app(FLOOD + '[community.moderation]\nnotice_ttl = "10m"\n')
    async with RunningBot(app, fast_options(fake)):
        for n in range(3):
            emu.user_message(GROUP, MEMBER, f"message number {n}", first_name="Bob")
        await emu.wait_for(lambda: [m for m in emu.sent_messages(GROUP)
                                    if "slow down" in (m.get("text") or "")], what="notice")
        (notice,) = [m for m in emu.sent_messages(GROUP) if "slow down" in (m.get("text") or "")]
        clock.advance(timedelta(minutes=3))
        await settle(emu)
        assert not emu.is_deleted(GROUP, notice["message_id"]), "deleted before notice_ttl"
        clock.advance(timedelta(minutes=8))
        await emu.wait_for(lambda: emu.is_deleted(GROUP, notice["message_id"]),
                           what="the flood notice deleting itself")


async def test_tg_flood_from_several_members_punishes_nobody(make_app, emu, fake) -> None:
    app = await make_app(FLOOD)
    async with RunningBot(app, fast_options(fake)):
        for n in range(2):
            emu.user_message(GROUP, MEMBER, f"a {n}")
            emu.user_message(GROUP, OTHER_MEMBER, f"b {n}")
            emu.user_message(GROUP, 444, f"c {n}")
        await settle(emu)
    assert not emu.calls_of("restrictChatMember", ok=None), "nobody sent 3 messages"


async def test_tg_flood_mutes_only_the_flooder_in_a_busy_chat(make_app, emu, fake) -> None:
    app = await make_app(FLOOD)
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, OTHER_MEMBER, "hello")
        for n in range(3):
            emu.user_message(GROUP, MEMBER, f"spam {n}")
            if n < 2:
                emu.user_message(GROUP, 444, f"chat {n}")  # two messages: below the limit
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="the flood mute")
        await settle(emu)
    assert [c.params["user_id"] for c in emu.calls_of("restrictChatMember")] == [MEMBER]


async def test_tg_flood_moderators_are_exempt(make_app, emu, fake) -> None:
    app = await make_app(FLOOD)
    async with RunningBot(app, fast_options(fake)):
        msgs = [emu.user_message(GROUP, who, "announcement: the meetup is at 7")
                for who in (ADMIN, ADMIN, LISTED_MODERATOR, LISTED_MODERATOR, ADMIN)]
        await settle(emu)
    assert not emu.calls_of("restrictChatMember", ok=None)
    assert not any(emu.is_deleted(GROUP, m["message_id"]) for m in msgs)


async def test_tg_repeats_setting_deletes_the_second_copy(make_app, emu, fake, clock) -> None:
    app = await make_app(FLOOD.replace("messages = 3", "messages = 50"))
    async with RunningBot(app, fast_options(fake)):
        first = emu.user_message(GROUP, MEMBER, "JOIN MY CHANNEL")
        clock.advance(timedelta(seconds=20))
        second = emu.user_message(GROUP, MEMBER, "JOIN MY CHANNEL")
        await emu.wait_for(lambda: emu.is_deleted(GROUP, second["message_id"]),
                           what="the repeat deleted")
        clock.advance(timedelta(minutes=2))  # past repeat_window
        third = emu.user_message(GROUP, MEMBER, "JOIN MY CHANNEL")
        await settle(emu)
    assert not emu.is_deleted(GROUP, first["message_id"])
    assert not emu.is_deleted(GROUP, third["message_id"]), "outside repeat_window it is new"


async def test_tg_photos_without_captions_are_not_repeats(make_app, emu, fake) -> None:
    """A member shares three photos from a trip: no text, not "the same text three times"."""
    app = await make_app(FLOOD.replace("messages = 3", "messages = 50"))
    async with RunningBot(app, fast_options(fake)):
        msgs = [emu.user_message(GROUP, MEMBER, photo=True) for _ in range(3)]
        await settle(emu)
    assert not any(emu.is_deleted(GROUP, m["message_id"]) for m in msgs)


async def test_tg_repeats_with_changed_case_and_spacing_still_count(make_app, emu, fake) -> None:
    app = await make_app(FLOOD.replace("messages = 3", "messages = 50"))
    async with RunningBot(app, fast_options(fake)):
        first = emu.user_message(GROUP, MEMBER, "JOIN MY CHANNEL t.me/spam")
        second = emu.user_message(GROUP, MEMBER, "join my channel  t.me/spam ")
        await settle(emu)
    assert not emu.is_deleted(GROUP, first["message_id"])
    assert emu.is_deleted(GROUP, second["message_id"]), "a trivially varied copy is a repeat"


async def test_tg_anonymous_admin_announcements_are_not_flood(make_app, emu, fake) -> None:
    app = await make_app(FLOOD)
    async with RunningBot(app, fast_options(fake)):
        msgs = [emu.user_message(GROUP, ADMIN, f"update {n}: the server is back",
                                 sender_chat=GROUP) for n in range(5)]
        await settle(emu)
    assert not emu.calls_of("restrictChatMember", ok=None)
    assert not emu.calls_of("banChatSenderChat", ok=None)
    assert not any(emu.is_deleted(GROUP, m["message_id"]) for m in msgs)


async def test_tg_filter_disabled_leaves_moderator_commands_working(make_app, emu, fake) -> None:
    app = await make_app("[community.filter]\nenabled = false\n")
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "fuck you", first_name="Bob")
        await command(emu, ADMIN, "/dwarn language", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.is_deleted(GROUP, target["message_id"]), what="dwarn")


async def test_tg_antiflood_disabled_never_mutes_or_deletes(make_app, emu, fake) -> None:
    app = await make_app("[community.antiflood]\nenabled = false\n")
    async with RunningBot(app, fast_options(fake)):
        msgs = [emu.user_message(GROUP, MEMBER, "same text again") for _ in range(12)]
        await settle(emu)
    assert not emu.calls_of("restrictChatMember", ok=None)
    assert not any(emu.is_deleted(GROUP, m["message_id"]) for m in msgs)


async def test_tg_obscene_flood_is_one_sanction_not_two(make_app, emu, fake) -> None:
    """The third message of a burst is also obscene: the member gets the flood mute and the
    warning, but the bot must not punish the same message twice with two mutes."""
    app = await make_app(FLOOD)
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "one")
        emu.user_message(GROUP, MEMBER, "two")
        bad = emu.user_message(GROUP, MEMBER, EN_SWEAR)
        await emu.wait_for(lambda: emu.is_deleted(GROUP, bad["message_id"]), what="deleted")
        await settle(emu)
    assert len(emu.calls_of("restrictChatMember")) <= 1, \
        [c.params for c in emu.calls_of("restrictChatMember")]


# --- [community.answers] on Telegram -----------------------------------------------------

FAQ_TEXT = '''
[[faq]]
id = "lessons"
lang = "en"
questions = ["When are the lessons?"]
answer = "Lessons are on Tuesdays and Thursdays at 7 pm."
'''


async def _faq_app(make_app, tmp_path: Path, answers: str) -> App:
    (tmp_path / "faq.toml").write_text(FAQ_TEXT, encoding="utf-8")
    return await make_app('faq = "faq.toml"\n[community.answers]\n' + answers)


async def test_tg_answers_disabled_means_no_faq_answers(make_app, emu, fake, tmp_path) -> None:
    app = await _faq_app(make_app, tmp_path, "enabled = false\n")
    async with RunningBot(app, fast_options(fake)):
        asked = emu.user_message(GROUP, MEMBER, "When are the lessons?")
        await settle(emu)
    assert replies_to(emu, GROUP, asked["message_id"]) == []
    assert not any("Tuesdays" in t for t in emu.sent_texts())


async def test_tg_answers_disabled_still_moderates(make_app, emu, fake, tmp_path) -> None:
    app = await _faq_app(make_app, tmp_path, "enabled = false\n")
    async with RunningBot(app, fast_options(fake)):
        await obscene(emu, EN_SWEAR, 1)


async def test_tg_answers_disabled_also_silent_in_private(make_app, emu, fake,
                                                          tmp_path) -> None:
    app = await _faq_app(make_app, tmp_path, "enabled = false\n")
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(MEMBER, MEMBER, "/start")
        asked = emu.user_message(MEMBER, MEMBER, "When are the lessons?")
        await settle(emu)
    assert not any("Tuesdays" in t for t in emu.sent_texts(MEMBER))
    assert not any("Did you mean" in t for t in emu.sent_texts(MEMBER))
    assert replies_to(emu, MEMBER, asked["message_id"]) == []


async def test_tg_short_repeat_window_answers_again_after_it(make_app, emu, fake, tmp_path,
                                                            clock) -> None:
    app = await _faq_app(make_app, tmp_path, 'repeat_window = "5m"\n')
    async with RunningBot(app, fast_options(fake)):
        await command(emu, MEMBER, "When are the lessons?", what="first answer")
        clock.advance(timedelta(minutes=6))
        again = await command(emu, OTHER_MEMBER, "When are the lessons?", what="second answer")
    (answer,) = replies_to(emu, GROUP, again["message_id"])
    assert "Tuesdays" in answer, f"after repeat_window the full answer is due: {answer!r}"


async def test_tg_long_repeat_window_points_back_after_the_default(make_app, emu, fake,
                                                                  tmp_path, clock) -> None:
    app = await _faq_app(make_app, tmp_path, 'repeat_window = "2h"\n')
    async with RunningBot(app, fast_options(fake)):
        await command(emu, MEMBER, "When are the lessons?", what="first answer")
        clock.advance(timedelta(minutes=45))  # past the 30m default
        again = emu.user_message(GROUP, OTHER_MEMBER, "When are the lessons?",
                                 first_name="Carol")
        await settle(emu)
    answers = [t for t in emu.sent_texts(GROUP) if "Tuesdays" in t]
    assert len(answers) == 1, "within a 2h repeat_window the answer is not repeated"
    assert any("↑" in t and "Carol" in t for t in replies_to(emu, GROUP, again["message_id"])
               + emu.sent_texts(GROUP)), \
        f"the second asker is pointed to the earlier answer: {emu.sent_texts(GROUP)}"


async def test_tg_dry_run_without_audit_keeps_the_queue_quiet_but_records_the_verdict(
        make_app, emu, fake, clock) -> None:
    """audit = false: the trial is written to the audit log (modbot audit), not the queue."""
    from datetime import UTC, datetime
    app = await make_app('[community.filter]\nmode = "dry-run"\n')
    async with RunningBot(app, fast_options(fake)):
        msg = emu.user_message(GROUP, MEMBER, EN_SWEAR)
        await settle(emu)
    assert not emu.is_deleted(GROUP, msg["message_id"])
    assert emu.sent_texts(QUEUE) == []
    async with app.uow_factory() as uow:
        records = await uow.audit.since("demo", datetime(2000, 1, 1, tzinfo=UTC))
    assert [r.action for r in records] == ["filter.dry_run"], [r.action for r in records]


async def test_tg_flood_spread_over_more_than_the_window_is_not_punished(
        make_app, emu, fake, clock) -> None:
    app = await make_app(FLOOD)
    async with RunningBot(app, fast_options(fake)):
        for n in range(5):
            emu.user_message(GROUP, MEMBER, f"a thought, part {n}")
            await settle(emu)
            clock.advance(timedelta(seconds=6))
    assert not emu.calls_of("restrictChatMember", ok=None)


async def test_tg_the_same_thanks_from_different_members_is_not_deleted(
        make_app, emu, fake) -> None:
    app = await make_app(FLOOD.replace("messages = 3", "messages = 50"))
    async with RunningBot(app, fast_options(fake)):
        msgs = [emu.user_message(GROUP, who, "thanks!") for who in (MEMBER, OTHER_MEMBER, 444, 555)]
        await settle(emu)
    assert not any(emu.is_deleted(GROUP, m["message_id"]) for m in msgs), \
        "repeats are one member's repeats, not four members saying thanks"


async def test_tg_a_spammers_repeats_get_one_notice_not_one_each(make_app, emu, fake) -> None:
    app = await make_app(FLOOD.replace("messages = 3", "messages = 50"))
    async with RunningBot(app, fast_options(fake)):
        msgs = [emu.user_message(GROUP, MEMBER, "BUY CHEAP FOLLOWERS") for _ in range(6)]
        await emu.wait_for(lambda: all(emu.is_deleted(GROUP, m["message_id"])
                                       for m in msgs[1:]), what="the repeats deleted")
        await settle(emu)
    said = [t for t in notices(emu) if "repeat" in t]
    assert len(said) <= 1, f"the bot itself floods the chat: {said}"


# --- VK -----------------------------------------------------------------------------------

async def _vk(emulator: VkEmulator, tmp_path: Path, clock: FakeClock, community_extra: str,
              *, user_token: bool = True) -> VkBot:
    text = vk_config_text(emulator, community_extra=textwrap.dedent(community_extra),
                          user_token=user_token)
    running = VkBot(write_vk_config(tmp_path, text), clock, emulator)
    await running.start()
    return running


async def _vk_settle(emulator: VkEmulator) -> None:
    polls = len(emulator.calls_to("longpoll.check"))
    await emulator.wait_for(lambda: len(emulator.calls_to("longpoll.check")) > polls + 1)


def _vk_texts(emulator: VkEmulator, peer: int) -> list[str]:
    return [m.text for m in emulator.sent(peer)]


async def test_vk_mute_fallback_ban_bans_for_the_mute_duration(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    bot = await _vk(emulator, tmp_path, clock, '[community.moderation]\nvk_mute_fallback = "ban"\n')
    try:
        emulator.add_members(VK_CHAT, VK_MEMBER)
        emulator.post_message(VK_CHAT, VK_MEMBER, RU_MAT)
        first = await emulator.wait_for(
            lambda: [m for m in emulator.sent(VK_CHAT) if "Warning 1 of 4" in m.text])
        emulator.post_message(VK_CHAT, VK_MEMBER, RU_MAT_2)
        (ban,) = await emulator.wait_calls("groups.ban")
        notice = await emulator.wait_for(
            lambda: [m for m in emulator.sent(VK_CHAT) if "Warning 2 of 4" in m.text])
    finally:
        await bot.stop()
    assert abs(int(ban["end_date"]) - int((clock.now() + timedelta(hours=1)).timestamp())) <= 2
    assert "banned for 1h instead" in notice[0].text, notice[0].text
    assert "removal from the chat" not in first[0].text, \
        f"with fallback=ban the next step is a ban, not a removal: {first[0].text}"
    # The member is also removed from the chat: a VK community ban alone may not stop them
    # writing there, so the hour is enforced by removal (a moderator re-invites them).


async def test_vk_mute_fallback_warn_only_warns_and_says_so(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    bot = await _vk(emulator, tmp_path, clock, '[community.moderation]\nvk_mute_fallback = "warn"\n')
    try:
        emulator.add_members(VK_CHAT, VK_MEMBER)
        emulator.post_message(VK_CHAT, VK_MEMBER, RU_MAT)
        await emulator.wait_for(
            lambda: [m for m in emulator.sent(VK_CHAT) if "Warning 1 of 4" in m.text])
        emulator.post_message(VK_CHAT, VK_MEMBER, RU_MAT_2)
        notice = await emulator.wait_for(
            lambda: [m for m in emulator.sent(VK_CHAT) if "Warning 2 of 4" in m.text])
        await _vk_settle(emulator)
    finally:
        await bot.stop()
    assert "counts as a warning only" in notice[0].text, notice[0].text
    assert not emulator.calls_to("messages.removeChatUser")
    assert not emulator.calls_to("groups.ban")


async def test_vk_kick_step_removes_from_the_chat(emulator: VkEmulator, tmp_path: Path,
                                                  clock: FakeClock) -> None:
    bot = await _vk(emulator, tmp_path, clock,
                    '[community.moderation]\nladder = [{ action = "kick" }, { action = "ban" }]\n')
    try:
        emulator.add_members(VK_CHAT, VK_MEMBER)
        emulator.post_message(VK_CHAT, VK_MEMBER, RU_MAT)
        (remove,) = await emulator.wait_calls("messages.removeChatUser")
        notice = await emulator.wait_for(
            lambda: [m for m in emulator.sent(VK_CHAT) if "removed" in m.text.lower()])
    finally:
        await bot.stop()
    assert remove["member_id"] == str(VK_MEMBER)
    assert "next: permanent ban" in notice[0].text, notice[0].text


async def test_vk_languages_en_only_lets_russian_mat_through_in_chat_and_wall(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    bot = await _vk(emulator, tmp_path, clock, '[community.filter]\nlanguages = ["en"]\n')
    try:
        cmid = emulator.post_message(VK_CHAT, VK_MEMBER, RU_MAT)
        comment = emulator.post_comment(10, VK_MEMBER, RU_MAT_2)
        await _vk_settle(emulator)
        emulator.post_message(VK_CHAT, VK_MEMBER, EN_SWEAR)
        await emulator.wait_calls("messages.delete")
    finally:
        await bot.stop()
    assert not emulator.peer(VK_CHAT).messages[cmid - 1].deleted
    assert not emulator.comments[comment]["deleted"]


async def test_vk_dry_run_on_the_wall_keeps_the_comment_and_tells_the_vk_queue(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    bot = await _vk(emulator, tmp_path, clock,
                    'audit = true\n[community.filter]\nmode = "dry-run"\n')
    try:
        comment = emulator.post_comment(10, VK_MEMBER, RU_MAT)
        line = await emulator.wait_for(
            lambda: [t for t in _vk_texts(emulator, VK_QUEUE) if "filter trial" in t])
        await _vk_settle(emulator)
    finally:
        await bot.stop()
    assert not emulator.comments[comment]["deleted"]
    assert not emulator.calls_to("wall.createComment"), "no notice on the wall in a trial"
    assert not emulator.calls_to("groups.ban")
    assert f"vk:{VK_MEMBER}" in line[0] or str(VK_MEMBER) in line[0]


async def test_vk_extra_word_on_the_wall_is_deleted(emulator: VkEmulator, tmp_path: Path,
                                                    clock: FakeClock) -> None:
    bot = await _vk(emulator, tmp_path, clock, '[community.filter]\nextra_words = ["дурак"]\n')
    try:
        comment = emulator.post_comment(10, VK_MEMBER, "автор дурак")
        await emulator.wait_calls("wall.deleteComment")
        (notice,) = await emulator.wait_calls("wall.createComment")
    finally:
        await bot.stop()
    assert emulator.comments[comment]["deleted"]
    assert "дурак" not in notice["message"].lower()


async def test_vk_flood_burst_uses_the_fallback(emulator: VkEmulator, tmp_path: Path,
                                                clock: FakeClock) -> None:
    bot = await _vk(emulator, tmp_path, clock, FLOOD)
    try:
        emulator.add_members(VK_CHAT, VK_MEMBER)
        for n in range(3):
            emulator.post_message(VK_CHAT, VK_MEMBER, f"message number {n}")
        (remove,) = await emulator.wait_calls("messages.removeChatUser")
        notice = await emulator.wait_for(
            lambda: [t for t in _vk_texts(emulator, VK_CHAT) if "slow down" in t])
    finally:
        await bot.stop()
    assert remove["member_id"] == str(VK_MEMBER)
    assert "removed from the chat" in notice[0].lower(), notice[0]


async def test_vk_flood_with_ban_fallback_bans_for_the_flood_mute(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    bot = await _vk(emulator, tmp_path, clock,
                    FLOOD + '[community.moderation]\nvk_mute_fallback = "ban"\n')
    try:
        emulator.add_members(VK_CHAT, VK_MEMBER)
        for n in range(3):
            emulator.post_message(VK_CHAT, VK_MEMBER, f"message number {n}")
        (ban,) = await emulator.wait_calls("groups.ban")
        await _vk_settle(emulator)
    finally:
        await bot.stop()
    assert ban["owner_id"] == str(VK_MEMBER)
    assert abs(int(ban["end_date"]) - int((clock.now() + timedelta(minutes=5)).timestamp())) <= 2


async def test_vk_flood_moderator_is_exempt(emulator: VkEmulator, tmp_path: Path,
                                            clock: FakeClock) -> None:
    bot = await _vk(emulator, tmp_path, clock, FLOOD)
    try:
        for _ in range(5):
            emulator.post_message(VK_CHAT, VK_MODERATOR, "meetup moved to 8 pm")
        await _vk_settle(emulator)
        await _vk_settle(emulator)
    finally:
        await bot.stop()
    assert not emulator.calls_to("messages.removeChatUser")
    assert not emulator.calls_to("messages.delete")


async def test_vk_answers_disabled_no_answer_in_chat(emulator: VkEmulator, tmp_path: Path,
                                                     clock: FakeClock) -> None:
    (tmp_path / "faq.toml").write_text(FAQ_TEXT, encoding="utf-8")
    bot = await _vk(emulator, tmp_path, clock,
                    'faq = "faq.toml"\n[community.answers]\nenabled = false\n')
    try:
        emulator.post_message(VK_CHAT, VK_MEMBER, "When are the lessons?")
        emulator.post_comment(10, VK_MEMBER, "When are the lessons?")
        await _vk_settle(emulator)
        await _vk_settle(emulator)
    finally:
        await bot.stop()
    assert not any("Tuesdays" in t for t in _vk_texts(emulator, VK_CHAT))
    assert not emulator.calls_to("wall.createComment")


async def test_vk_mod_mute_without_duration_with_ban_fallback_uses_default_mute(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    bot = await _vk(emulator, tmp_path, clock, '[community.moderation]\n'
                    'vk_mute_fallback = "ban"\ndefault_mute = "2h"\n')
    try:
        emulator.add_members(VK_CHAT, VK_MEMBER)
        target = emulator.post_message(VK_CHAT, VK_MEMBER, "spam spam")
        emulator.post_message(VK_CHAT, VK_MODERATOR, "/mute", reply_to=target)
        (ban,) = await emulator.wait_calls("groups.ban")
        await _vk_settle(emulator)
    finally:
        await bot.stop()
    assert abs(int(ban["end_date"]) - int((clock.now() + timedelta(hours=2)).timestamp())) <= 2


async def test_vk_short_refusal_cooldown_refuses_again_later(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    bot = await _vk(emulator, tmp_path, clock, '[community.moderation]\nrefusal_cooldown = "1m"\n')
    try:
        target = emulator.post_message(VK_CHAT, 600, "hello")
        emulator.post_message(VK_CHAT, VK_MEMBER, "!ban", reply_to=target)
        emulator.post_message(VK_CHAT, VK_MEMBER, "!kick", reply_to=target)
        await emulator.wait_for(lambda: [t for t in _vk_texts(emulator, VK_CHAT)
                                         if "only moderators" in t])
        await _vk_settle(emulator)
        clock.advance(timedelta(minutes=2))
        emulator.post_message(VK_CHAT, VK_MEMBER, "!mute", reply_to=target)
        await emulator.wait_for(lambda: len([t for t in _vk_texts(emulator, VK_CHAT)
                                             if "only moderators" in t]) >= 2)
        await _vk_settle(emulator)
    finally:
        await bot.stop()
    assert len([t for t in _vk_texts(emulator, VK_CHAT) if "only moderators" in t]) == 2


async def test_vk_custom_notice_ttl_keeps_the_notice_until_then(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    bot = await _vk(emulator, tmp_path, clock, '[community.moderation]\nnotice_ttl = "10m"\n')
    try:
        emulator.add_members(VK_CHAT, VK_MEMBER)
        emulator.post_message(VK_CHAT, VK_MEMBER, RU_MAT)
        (notice,) = await emulator.wait_for(
            lambda: [m for m in emulator.sent(VK_CHAT) if "Warning 1 of 4" in m.text])
        # the clean-up is timed from when the send is recorded: let that happen first
        await _vk_settle(emulator)
        clock.advance(timedelta(minutes=3))
        await _vk_settle(emulator)
        await _vk_settle(emulator)
        kept = not notice.deleted
        clock.advance(timedelta(minutes=8))
        await emulator.wait_for(lambda: notice.deleted)
    finally:
        await bot.stop()
    assert kept, "the notice was deleted before notice_ttl"


async def test_vk_short_repeat_window_answers_again_after_it(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    (tmp_path / "faq.toml").write_text(FAQ_TEXT, encoding="utf-8")
    bot = await _vk(emulator, tmp_path, clock,
                    'faq = "faq.toml"\n[community.answers]\nrepeat_window = "5m"\n')
    try:
        emulator.post_message(VK_CHAT, VK_MEMBER, "When are the lessons?")
        await emulator.wait_for(lambda: [t for t in _vk_texts(emulator, VK_CHAT)
                                         if "Tuesdays" in t])
        clock.advance(timedelta(minutes=6))
        emulator.post_message(VK_CHAT, 600, "When are the lessons?")
        await emulator.wait_for(lambda: len([t for t in _vk_texts(emulator, VK_CHAT)
                                             if "Tuesdays" in t]) >= 2)
    finally:
        await bot.stop()


# --- modbot check-config on invalid settings -----------------------------------------------

CHECK_BASE = """
[telegram]
token = "abc"

[[community]]
name = "one"
chats = ["telegram:-1001"]
"""


def check(tmp_path: Path, tail: str, capsys) -> tuple[int, list[str]]:
    path = tmp_path / "bad.toml"
    path.write_text(textwrap.dedent(CHECK_BASE) + textwrap.dedent(tail), encoding="utf-8")
    code = modbot_main(["check-config", str(path)])
    err = capsys.readouterr().err
    return code, [line for line in err.splitlines() if line.strip()]


@pytest.mark.parametrize(("tail", "key", "hint"), [
    ('[community.moderation]\nladder = [{ action = "timeout" }]\n',
     "community[0].moderation.ladder[0].action", "warn"),
    ('[community.moderation]\nladder = [{ action = "warn" }, { action = "mute" }]\n',
     "community[0].moderation.ladder[1]", "duration"),
    ('[community.moderation]\nladder = []\n', "community[0].moderation.ladder", ""),
    ('[community.moderation]\nladder = [{ action = "ban", duration = "400d" }]\n',
     "community[0].moderation.ladder[0].duration", "366"),
    ('[community.moderation]\nwarn_expiry = "-5m"\n',
     "community[0].moderation.warn_expiry", ""),
    ('[community.moderation]\nnotice_ttl = "0s"\n', "community[0].moderation.notice_ttl", ""),
    ('[community.moderation]\ndefault_mute = "0m"\n',
     "community[0].moderation.default_mute", ""),
    ('[community.moderation]\ndefault_mute = "400d"\n',
     "community[0].moderation.default_mute", "366"),
    ('[community.moderation]\nvk_mute_fallback = "mute"\n',
     "community[0].moderation.vk_mute_fallback", "kick"),
    ('[community.filter]\nlanguages = ["de"]\n', "community[0].filter.languages", "ru"),
    ('[community.filter]\nlanguages = []\n', "community[0].filter.languages", ""),
    ('[community.filter]\nmode = "dryrun"\n', "community[0].filter.mode", "dry-run"),
    ('[community.filter]\nextra_words = "дурак"\n', "community[0].filter.extra_words", "list"),
    ('[community.antiflood]\nmessages = 1\n', "community[0].antiflood.messages", "2"),
    ('[community.antiflood]\nrepeats = 0\n', "community[0].antiflood.repeats", "2"),
    ('[community.antiflood]\nwindow = "-10s"\n', "community[0].antiflood.window", ""),
    ('[community.antiflood]\nmute = "400d"\n', "community[0].antiflood.mute", "366"),
    ('[community.moderation]\nladder = [{ action = "mute", duration = "400d" }]\n',
     "community[0].moderation.ladder[0].duration", "366"),
    ('[community.antiflood]\nmute = "10"\n', "community[0].antiflood.mute", "unit"),
    ('[community.answers]\nsuggest_threshold = 0.9\nanswer_threshold = 0.5\n',
     "community[0].answers", "suggest_threshold"),
    ('[community.answers]\nanswer_threshold = 1.5\n',
     "community[0].answers.answer_threshold", "1"),
    ('[community.answers]\nrepeat_window = "0m"\n', "community[0].answers.repeat_window", ""),
], ids=["unknown-action", "mute-without-duration", "empty-ladder", "ban-400d",
        "negative-expiry", "zero-notice-ttl", "zero-default-mute", "default-mute-400d",
        "fallback-mute", "language-de", "languages-empty", "mode-typo", "extra-words-string",
        "messages-1", "repeats-0", "negative-window", "flood-mute-400d", "ladder-mute-400d",
        "bare-number-mute", "suggest-above-answer",
        "threshold-above-1", "zero-repeat-window"])
def test_check_config_names_file_key_and_problem(tmp_path: Path, capsys, tail: str, key: str,
                                                 hint: str) -> None:
    code, lines = check(tmp_path, tail, capsys)
    assert code == 1, f"check-config accepted it: {lines}"
    assert len(lines) == 1, lines
    assert str(tmp_path / "bad.toml") in lines[0] or "bad.toml" in lines[0], lines
    assert key in lines[0], lines
    assert hint in lines[0], lines


def test_check_config_lists_every_settings_problem_at_once(tmp_path: Path, capsys) -> None:
    code, lines = check(tmp_path, """
        [community.filter]
        languages = ["de"]
        [community.moderation]
        ladder = [{ action = "timeout" }]
        vk_mute_fallback = "mute"
        [community.antiflood]
        messages = 1
        """, capsys)
    assert code == 1
    assert len(lines) == 4, lines


def test_check_config_accepts_the_settings_used_in_this_round(tmp_path: Path, capsys) -> None:
    code, lines = check(tmp_path, CUSTOM_LADDER + FLOOD.replace("[community.antiflood]", "")
                        .replace("messages", "[community.antiflood]\nmessages", 1) + """
        [community.filter]
        mode = "dry-run"
        languages = ["ru"]
        extra_words = ["дурак"]
        allowed_words = ["Fuckit"]
        """, capsys)
    assert code == 0, lines
