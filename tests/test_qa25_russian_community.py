"""QA25 — the Russian-speaking community: `language = "ru"`, timezone Europe/Moscow, on
Telegram and on VK, end to end against the emulators. Everything a member or moderator reads
must be natural Russian: no English words, correct plural forms wherever a number meets a
noun, Russian durations accepted in commands, times on the Moscow clock. Scenarios not already
covered by test_qa8_telegram_texts.py (which checks that the main replies are Russian at all).
Each test states what a user would expect; a failing test is a finding (/tmp/s6/qa25_findings.md).
"""

from __future__ import annotations

import json
import re
import string
import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tg_emulator import TelegramEmulator
from tg_emulator.harness import (
    ADMIN,
    GROUP,
    MEMBER,
    OTHER_MEMBER,
    QUEUE,
    RunningBot,
    fast_options,
    telegram_config,
)
from tg_emulator.wire import command, non_help, render, replies_to, settle, wall_clock
from vk_emulator import VkEmulator
from vk_emulator.harness import CHAT as VK_CHAT
from vk_emulator.harness import MEMBER as VK_MEMBER
from vk_emulator.harness import MODERATOR as VK_MOD
from vk_emulator.harness import QUEUE as VK_QUEUE
from vk_emulator.harness import RunningBot as VkBot
from vk_emulator.harness import vk_config_text, write_vk_config
from vk_emulator.server import ChatMessage
from vk_emulator.wire import settle as vk_settle

from bot.app import App
from bot.config import load_config
from bot.core.clock import FakeClock
from bot.texts import load_language

MSK = timedelta(hours=3)  # Europe/Moscow has no DST since 2014

# --- what "natural Russian" means here -------------------------------------------------------

_CYR = re.compile(r"[а-яё]", re.I)
# English words a reader must never meet (command names such as /report are stripped first).
_EN_WORDS = re.compile(
    r"\b(Warning|warning|Sorry|Usage|usage|Thank|Thanks|Ticket|ticket|report|removed|muted|"
    r"banned|warned|Commands|Questions|next|can't|please|your|of|for|until|forever|new|"
    r"claimed|resolved|rejected|open|messages?|within|repeated|flood|obscene|minutes?|hours?|"
    r"days?|weeks?|every|monday|tuesday|MON|TUE|WED|THU|FRI|SAT|SUN|Europe|Moscow|ago|"
    r"and|the|from|by|in|at)\b")


def _strip_commands(text: str) -> str:
    return re.sub(r"[/!][A-Za-z_]+", " ", text)


def english_leaks(text: str) -> list[str]:
    return _EN_WORDS.findall(_strip_commands(text))


def looks_russian(text: str) -> bool:
    return bool(_CYR.search(text)) and not english_leaks(text)


def ru_plural(n: int, one: str, few: str, many: str) -> str:
    n100, n10 = n % 100, n % 10
    if 11 <= n100 <= 14:
        return many
    if n10 == 1:
        return one
    if 2 <= n10 <= 4:
        return few
    return many


_UNIT_FORMS = {  # accusative ("на 1 минуту"), nominative, and the invariant abbreviations
    "m": (("минуту", "минута"), "минуты", "минут", ("мин", "мин.")),
    "h": (("час",), "часа", "часов", ("ч", "ч.")),
    "d": (("день", "сутки"), ("дня", "суток"), ("дней", "суток"), ("д", "д.", "дн", "дн.")),
    "w": (("неделю", "неделя"), "недели", "недель", ("нед", "нед.")),
}


def ru_duration_pattern(n: int, unit: str) -> re.Pattern[str]:
    """A number with its unit, in a form a Russian reader accepts: the right plural
    (1 минуту, 2 минуты, 5 минут, 21 минуту), or an invariant abbreviation (мин, ч, дн.)."""
    one, few, many, abbr = _UNIT_FORMS[unit]
    as_tuple = lambda x: x if isinstance(x, tuple) else (x,)  # noqa: E731
    right = as_tuple(ru_plural(n, one, few, many)) + abbr  # type: ignore[arg-type]
    words = "|".join(re.escape(w) for w in right)
    return re.compile(rf"(?<!\d){n}\s*(?:{words})(?![а-яё])", re.I)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


# --- Telegram plumbing -----------------------------------------------------------------------

@pytest.fixture
def clock() -> FakeClock:
    return wall_clock()


@pytest.fixture
def make_app(tmp_path: Path, emu: TelegramEmulator, clock: FakeClock,
             open_app: Callable[..., Awaitable[App]]) -> Callable[..., Awaitable[App]]:
    """A Russian community on Moscow time, on the Telegram emulator."""

    async def make(**config_parts: str) -> App:
        telegram_config(tmp_path, emu.api_base, **config_parts)
        path = tmp_path / "config.toml"
        path.write_text(path.read_text(encoding="utf-8")
                        .replace('language = "en"', 'language = "ru"')
                        .replace('timezone = "UTC"', 'timezone = "Europe/Moscow"'),
                        encoding="utf-8")
        return await open_app(load_config(path), clock, "qa25")

    return make


NO_FLOOD = """
[community.antiflood]
enabled = false
"""


def group_notices(emu: TelegramEmulator) -> list[str]:
    helps = (render("common.help_member", "ru"), render("common.help_moderator", "ru"))
    return [t for t in non_help(emu.sent_texts(GROUP)) if t not in helps]


def until_of(call: Any) -> int | None:
    value = call.params.get("until_date")
    return int(value) if value not in (None, "", 0, "0") else None


# =============================================================================================
# 1. The catalogs, through the public loader
# =============================================================================================

def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    ru, en = load_language("ru"), load_language("en")
    assert ru and en
    assert sorted(set(en) - set(ru)) == [], "keys missing in ru"
    assert sorted(set(ru) - set(en)) == [], "keys missing in en"
    mismatched = {k: (sorted(placeholders(en[k])), sorted(placeholders(ru[k])))
                  for k in en if k in ru and placeholders(en[k]) != placeholders(ru[k])}
    assert mismatched == {}


def test_every_russian_template_is_written_in_russian() -> None:
    """No ru template is an untranslated copy of the English one, and none carries English
    prose words (command names, FAQ, ID, cron and config keys aside)."""
    ru, en = load_language("ru"), load_language("en")
    allowed = re.compile(r"\{[a-z_]+\}|/[a-z_]+|\[vk\] user_token|FAQ|ID|cron|MON|"
                         r"tomorrow/today|in 2h|every monday|@user(name)?|\d+[mhdw]\b|"
                         r"1h30m|modbot|[A-Z]:|\bN\b|telegram:123|ВКонтакте|\b(add|edit|del)\b")
    bad = {}
    for key, template in ru.items():
        if key.startswith("demo."):
            continue
        if template == en.get(key) and _CYR.search(en.get(key, "")) is None \
                and re.search(r"[A-Za-z]{3,}", allowed.sub("", template)):
            bad[key] = template
            continue
        leftover = re.findall(r"[A-Za-z]{3,}", allowed.sub(" ", template))
        if leftover:
            bad[key] = leftover
    assert bad == {}


def test_russian_catalog_counts_agree_with_their_nouns() -> None:
    """Wherever a ru template puts a number straight before a noun ("{length} символов"),
    the noun's form depends on the number; a fixed form is wrong for some numbers
    (4101 символов, 4102 символов). Counts must be written as "noun: {count}" or pluralised."""
    ru = load_language("ru")
    fixed = {key: m.group(0) for key, t in ru.items()
             for m in [re.search(r"\{(count|n|length|limit|more|total|reports|cleared)\}\s+"
                                 r"[а-яё]{3,}", t)] if m}
    nouns = {k: v for k, v in fixed.items()
             if v.split()[-1] not in ("из", "позже", "раньше", "лет")}
    assert nouns == {}


# =============================================================================================
# 2. Plural forms driven through real flows (Telegram)
# =============================================================================================

LADDER_STEPS = [("warn", None), ("mute", "1m"), ("mute", "2m"), ("mute", "5m"),
                ("mute", "11m"), ("mute", "21m"), ("mute", "1h"), ("mute", "2h"),
                ("mute", "5h"), ("mute", "1d"), ("mute", "2d"), ("mute", "5d"),
                ("mute", "21d"), ("ban", None)]


def _ladder_toml(steps: list[tuple[str, str | None]]) -> str:
    items = []
    for action, duration in steps:
        items.append(f'{{ action = "{action}", duration = "{duration}" }}' if duration
                     else f'{{ action = "{action}" }}')
    return "[community.moderation]\nladder = [\n  " + ",\n  ".join(items) + "\n]\n"


def _split(duration: str) -> tuple[int, str]:
    return int(duration[:-1]), duration[-1]


async def test_fourteen_step_ladder_notices_name_every_duration_in_russian(
        make_app, emu, fake) -> None:
    """14 obscene messages walk a 14-step ladder; each notice says "Предупреждение N из 14",
    what came now and what comes next, with every duration in a correct Russian form."""
    app = await make_app(extra_community=_ladder_toml(LADDER_STEPS) + NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        for n in range(1, len(LADDER_STEPS) + 1):
            emu.user_message(GROUP, MEMBER, f"блядь, опять {n}", first_name="Боб")
            await emu.wait_for(lambda n=n: len(group_notices(emu)) >= n, what=f"notice {n}")
    notices = group_notices(emu)
    assert len(notices) == len(LADDER_STEPS), notices
    problems = []
    for i, text in enumerate(notices):
        if not looks_russian(text):
            problems.append(("english", text, english_leaks(text)))
        if i + 1 < len(LADDER_STEPS) and f"{i + 1} из {len(LADDER_STEPS)}" not in text:
            problems.append(("progress", text))
        _, duration = LADDER_STEPS[i]
        if duration and not ru_duration_pattern(*_split(duration)).search(
                text.replace("3 недели", "21 день")):
            problems.append(("this step", duration, text))
        if i + 1 < len(LADDER_STEPS):
            nxt = LADDER_STEPS[i + 1][1]
            if nxt and not ru_duration_pattern(*_split(nxt)).search(
                    text.replace("3 недели", "21 день")):
                problems.append(("next step", nxt, text))
    assert problems == [], problems


MUTES = ["1m", "2m", "5m", "11m", "21m", "1h", "2h", "5h", "1d", "2d", "5d", "21d"]


async def test_mute_durations_from_1m_to_21d_are_spelt_in_russian(make_app, emu, fake,
                                                                   clock) -> None:
    app = await make_app(extra_community=NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "реклама", first_name="Боб")
        sent = [(d, await command(emu, ADMIN, f"/mute {d}", reply_to=target["message_id"]))
                for d in MUTES]
    problems = []
    for duration, cmd in sent:
        replies = replies_to(emu, GROUP, cmd["message_id"])
        text = replies[0] if replies else ""
        n, unit = _split(duration)
        shown = text
        if unit == "d" and n % 7 == 0:  # "3 недели" is a fine way to say 21 days
            shown = text.replace("3 недели", "21 день").replace("1 неделю", "7 дней")
        if len(replies) != 1 or not looks_russian(text) or \
                not ru_duration_pattern(n, unit).search(shown):
            problems.append((duration, replies))
    assert problems == [], problems
    untils = [until_of(c) for c in emu.calls_of("restrictChatMember")]
    assert len([u for u in untils if u]) >= len(MUTES)


async def test_warns_listing_with_21_warnings_reads_naturally(make_app, emu, fake) -> None:
    """/warns on a member with 21 active warnings: Russian throughout, the count stated in a
    form that is right for 21 ("21 предупреждение" or "предупреждений: 21"), never
    "21 предупреждений"."""
    ladder = _ladder_toml([("warn", None)] * 25)
    app = await make_app(extra_community=ladder + NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "реклама", first_name="Боб")
        for i in range(21):
            await command(emu, ADMIN, f"/warn причина {i}", reply_to=target["message_id"])
        warns = await command(emu, ADMIN, "/warns", reply_to=target["message_id"])
        await command(emu, ADMIN, "/unwarn", reply_to=target["message_id"])
        reset = await command(emu, ADMIN, "/resetwarns", reply_to=target["message_id"])
    (listing,) = replies_to(emu, GROUP, warns["message_id"])
    (cleared,) = replies_to(emu, GROUP, reset["message_id"])
    for text in (listing, cleared):
        assert looks_russian(text), (text, english_leaks(text))
        for n in (21, 20, 25, 5, 16):
            wrong = ru_plural(n, "предупреждений", "предупреждений", "предупреждение")
            if ru_plural(n, "1", "2", "5") != "5":
                assert not re.search(rf"(?<!\d){n} {wrong}\b", text), text
    assert "21" in listing and "25" in listing, listing
    assert "20" in cleared, cleared


async def test_ticket_outcome_and_queue_list_in_russian_with_ages(make_app, emu, fake,
                                                                  clock) -> None:
    """The /queue list after 1 h 30 min and after 2 days: states in Russian, ages in Russian,
    and the reporter's outcome message in Russian."""
    app = await make_app(extra_community=NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(MEMBER, MEMBER, "/start")
        await emu.wait_for(lambda: emu.sent_texts(MEMBER), what="greeting")
        bad = emu.user_message(GROUP, OTHER_MEMBER, "купите часы", first_name="Ева")
        emu.user_message(GROUP, MEMBER, "/report спам", reply_to=bad["message_id"],
                         first_name="Боб")
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
        clock.advance(timedelta(minutes=90))
        q1 = await command(emu, ADMIN, "/queue", chat=QUEUE, what="queue 1")
        await command(emu, ADMIN, "/take 1", chat=QUEUE, what="taken")
        clock.advance(timedelta(days=2))
        q2 = await command(emu, ADMIN, "/queue", chat=QUEUE, what="queue 2")
        await command(emu, ADMIN, "/reject 1 это не спам", chat=QUEUE, what="rejected")
        await emu.wait_for(lambda: len(emu.sent_texts(MEMBER)) >= 2, what="the outcome")
    (first,) = replies_to(emu, QUEUE, q1["message_id"])
    (second,) = replies_to(emu, QUEUE, q2["message_id"])
    assert looks_russian(first) and "новый" in first, (first, english_leaks(first))
    assert re.search(r"1\s*ч\s*30\s*мин|1 час 30 минут|1,5 часа|полтора часа", first), first
    assert looks_russian(second) and "в работе" in second, (second, english_leaks(second))
    assert re.search(r"2\s*(дн\.?|д|дня)\b", second), second
    outcome = emu.sent_texts(MEMBER)[-1]
    assert looks_russian(outcome) and "#1" in outcome and "это не спам" in outcome, outcome


# =============================================================================================
# 3. Russian durations in commands (Telegram)
# =============================================================================================

RU_DURATIONS = [
    ("/mute 10мин", "restrictChatMember", timedelta(minutes=10)),
    ("/mute 2часа", "restrictChatMember", timedelta(hours=2)),
    ("/ban 3дня", "banChatMember", timedelta(days=3)),
    ("/mute 10минут", "restrictChatMember", timedelta(minutes=10)),
    ("/mute 1 час", "restrictChatMember", timedelta(hours=1)),
    ("/mute 2 часа флуд", "restrictChatMember", timedelta(hours=2)),
    ("/mute 15 мин", "restrictChatMember", timedelta(minutes=15)),
    ("/ban 3 дня спам", "banChatMember", timedelta(days=3)),
    ("/mute 1ч30мин", "restrictChatMember", timedelta(minutes=90)),
    ("/mute 1неделю", "restrictChatMember", timedelta(weeks=1)),
    ("/mute 5суток", "restrictChatMember", timedelta(days=5)),
    ("/mute 1минуту", "restrictChatMember", timedelta(minutes=1)),
    ("/mute 21день", "restrictChatMember", timedelta(days=21)),
]


_IDS = ["10min", "2chasa", "ban-3dnya", "10minut", "1-space-chas", "2-space-chasa-reason",
        "15-space-min", "ban-3-space-dnya-reason", "1ch30min", "1nedelyu", "5sutok", "1minutu",
        "21den"]


@pytest.mark.parametrize(("text", "method", "span"), RU_DURATIONS, ids=_IDS)
async def test_russian_durations_in_commands(make_app, emu, fake, clock, text, method,
                                             span) -> None:
    """Moderators write durations the way they say them: the restriction lasts that long and
    the reply names it in Russian (no "10m" echoed back, no English)."""
    app = await make_app(extra_community=NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "реклама", first_name="Боб")
        cmd = await command(emu, ADMIN, text, reply_to=target["message_id"])
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert looks_russian(reply), (reply, english_leaks(reply))
    calls = emu.calls_of(method)
    assert len(calls) == 1, (reply, [c.params for c in emu.calls_of("restrictChatMember")])
    until = until_of(calls[0])
    expected = int((clock.now() + span).timestamp())
    assert until is not None and abs(until - expected) <= 60, (reply, until, expected)
    assert not re.search(r"\b\d+[mhdw]\b", reply), reply


@pytest.mark.parametrize("text", ["/mute навсегда", "/ban навсегда", "/ban бессрочно спам"],
                         ids=["mute-navsegda", "ban-navsegda", "ban-bessrochno"])
async def test_russian_forever(make_app, emu, fake, text) -> None:
    app = await make_app(extra_community=NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "реклама", first_name="Боб")
        cmd = await command(emu, ADMIN, text, reply_to=target["message_id"])
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert looks_russian(reply), (reply, english_leaks(reply))
    method = "banChatMember" if text.startswith("/ban") else "restrictChatMember"
    (call,) = emu.calls_of(method)
    assert until_of(call) is None, call.params
    assert "навсегда" not in reply.split(":")[-1] or "спам" in reply, reply


BAD_DURATIONS = ["/mute 10лет", "/mute 0мин", "/mute 400дней", "/mute -5мин", "/ban 0д",
                 "/mute 10 попугаев"]


@pytest.mark.parametrize("text", BAD_DURATIONS,
                         ids=["10let", "0min", "400dney", "minus5min", "ban-0d", "10-popugaev"])
async def test_wrong_russian_durations_get_a_russian_usage_reply(make_app, emu, fake,
                                                                 text) -> None:
    """A wrong duration is refused in Russian, naming what was typed; nobody is muted with the
    default instead."""
    app = await make_app(extra_community=NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "реклама", first_name="Боб")
        cmd = await command(emu, ADMIN, text, reply_to=target["message_id"])
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert looks_russian(reply), (reply, english_leaks(reply))
    assert not emu.calls_of("restrictChatMember") and not emu.calls_of("banChatMember"), reply
    typed = text.split(" ", 1)[1]
    assert typed.split()[0] in reply or typed in reply, reply


@pytest.mark.parametrize("length", [4101, 4102, 4105])
async def test_too_long_post_reply_counts_characters_in_russian(make_app, emu, fake,
                                                                length) -> None:
    """/schedule in reply to a message longer than one post: the refusal names the length
    with the right noun form (4101 символ, 4102 символа, 4105 символов)."""
    app = await make_app(extra_community=NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        long = emu.user_message(GROUP, ADMIN, "а" * length)
        cmd = await command(emu, ADMIN, "/schedule через 2ч", reply_to=long["message_id"])
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    noun = ru_plural(length, "символ", "символа", "символов")
    assert str(length) in reply, reply
    written = re.search(rf"{length} (символ\w*)", reply)  # a noun after the number agrees
    assert written is None or written.group(1) == noun, reply


# =============================================================================================
# 4. Moscow time (Telegram)
# =============================================================================================

async def test_scheduled_post_is_read_and_published_on_moscow_time(make_app, emu, fake,
                                                                   clock) -> None:
    from bot.features.schedule import service_for
    app = await make_app(extra_community=NO_FLOOD)
    day = (clock.now() + timedelta(days=3)).date()
    async with RunningBot(app, fast_options(fake)):
        added = await command(emu, ADMIN, f"/schedule {day:%Y-%m-%d} 10:00 Вебинар в 10 по Москве",
                              what="added")
        listing = await command(emu, ADMIN, "/schedule", what="list")
        due_utc = datetime(day.year, day.month, day.day, 7, 0, tzinfo=UTC)
        clock.set(due_utc - timedelta(minutes=1)) if hasattr(clock, "set") else \
            clock.advance(due_utc - timedelta(minutes=1) - clock.now())
        await service_for(app).run_due(clock.now())
        early = [t for t in emu.sent_texts(GROUP) if t == "Вебинар в 10 по Москве"]
        clock.advance(timedelta(minutes=2))
        await service_for(app).run_due(clock.now())
        await emu.wait_for(lambda: "Вебинар в 10 по Москве" in emu.sent_texts(GROUP),
                           what="the post")
    (added_text,) = replies_to(emu, GROUP, added["message_id"])
    (list_text,) = replies_to(emu, GROUP, listing["message_id"])
    assert f"{day:%Y-%m-%d} 10:00" in added_text, added_text
    assert f"{day:%Y-%m-%d} 10:00" in list_text, list_text
    assert early == [], "published before 10:00 Moscow time"


async def test_warns_dates_are_on_moscow_time(make_app, emu, fake, clock) -> None:
    app = await make_app(extra_community=NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "реклама", first_name="Боб")
        await command(emu, ADMIN, "/warn реклама", reply_to=target["message_id"])
        warns = await command(emu, ADMIN, "/warns", reply_to=target["message_id"])
    (text,) = replies_to(emu, GROUP, warns["message_id"])
    moscow = (clock.now() + MSK).strftime("%H:%M")
    utc = clock.now().strftime("%H:%M")
    assert moscow in text and utc not in text, (text, moscow)


async def test_weekly_post_repeat_is_described_in_russian(make_app, emu, fake) -> None:
    """/schedule каждый понедельник 10:00: the reply and the plan say when it repeats in
    Russian, not as a cron string with English day names ("0 10 * * MON")."""
    app = await make_app(extra_community=NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        added = await command(emu, ADMIN, "/schedule каждый понедельник 10:00 Планёрка",
                              what="added")
        listing = await command(emu, ADMIN, "/schedule", what="list")
    texts = [replies_to(emu, GROUP, c["message_id"])[0] for c in (added, listing)]
    assert all(_CYR.search(t) for t in texts)
    leaks = [t for t in texts if re.search(r"\b(MON|mon|Mon|monday|Monday)\b|\* \*", t)]
    assert leaks == [], leaks


# =============================================================================================
# 5. Reasons a Russian reader sees: /warns, audit lines
# =============================================================================================

async def test_automatic_warning_reason_in_warns_is_russian(make_app, emu, fake) -> None:
    app = await make_app(extra_community=NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "иди нахуй", first_name="Боб")
        await emu.wait_for(lambda: group_notices(emu), what="the notice")
        warns = await command(emu, ADMIN, f"/warns {MEMBER}")
    (text,) = replies_to(emu, GROUP, warns["message_id"])
    assert looks_russian(text), (text, english_leaks(text))
    assert "ru.mat" not in text and "нахуй" not in text, text


async def test_flood_audit_lines_in_a_russian_queue_are_russian(make_app, emu, fake) -> None:
    """audit = true: the flood mute and the repeats deletion are posted to the queue with a
    reason a Russian moderator reads — not "8 messages within 10s" / "repeated message"."""
    app = await make_app(extra_community="audit = true\n")
    async with RunningBot(app, fast_options(fake)):
        for _ in range(3):
            emu.user_message(GROUP, OTHER_MEMBER, "купите слона", first_name="Ева")
        await emu.wait_for(lambda: any("флуд" in t for t in emu.sent_texts(QUEUE)),
                           what="repeat audit")
        for i in range(10):
            emu.user_message(GROUP, MEMBER, f"сообщение {i}", first_name="Боб")
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="flood mute")
        await emu.wait_for(lambda: len([t for t in emu.sent_texts(QUEUE) if "флуд" in t]) >= 2,
                           what="flood audit")
        await settle(emu, QUEUE)
    lines = [t for t in emu.sent_texts(QUEUE) if t.startswith(("Аудит", "Audit"))]
    bad = [t for t in lines if not looks_russian(t)]
    assert bad == [], bad


# =============================================================================================
# 6. FAQ in Russian word forms
# =============================================================================================

FAQ_BILINGUAL = '''
[[faq]]
id = "pay-ru"
lang = "ru"
questions = ["Как оплатить курс?", "Можно ли оплатить через СБП?"]
answer = "Оплатить курс можно картой на сайте или через СБП."

[[faq]]
id = "pay-en"
lang = "en"
questions = ["How do I pay for the course?"]
answer = "You can pay by card on the website."

[[faq]]
id = "schedule-ru"
lang = "ru"
questions = ["Когда начинаются занятия?", "Во сколько начало урока?"]
answer = "Занятия начинаются в 19:00 по Москве, по вторникам и четвергам."

[[faq]]
id = "schedule-en"
lang = "en"
questions = ["When do the lessons start?"]
answer = "Lessons start at 19:00 Moscow time on Tuesdays and Thursdays."
'''

FAQ_QUESTIONS = [
    ("Как можно оплатить курсы?", "Оплатить курс"),
    ("Подскажите, как оплачивать курс?", "Оплатить курс"),
    ("Когда начинается занятие?", "Занятия начинаются"),
    ("Во сколько начинаются уроки?", "Занятия начинаются"),
]


@pytest.mark.parametrize(("question", "answer"), FAQ_QUESTIONS,
                         ids=["oplatit-kursy", "oplachivat-kurs", "nachinaetsya-zanyatie",
                              "nachinayutsya-uroki"])
async def test_russian_question_in_other_word_forms_gets_the_russian_answer(
        make_app, emu, fake, tmp_path, question, answer) -> None:
    (tmp_path / "faq.toml").write_text(FAQ_BILINGUAL, encoding="utf-8")
    app = await make_app(extra_community='faq = "faq.toml"\n' + NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        asked = emu.user_message(GROUP, MEMBER, question, first_name="Боб")
        probe = emu.user_message(GROUP, OTHER_MEMBER, "/help")  # the encoder may load slowly
        await emu.wait_for(lambda: replies_to(emu, GROUP, probe["message_id"]), timeout=120,
                           what="everything before the probe handled")
    replies = replies_to(emu, GROUP, asked["message_id"])
    assert len(replies) == 1 and answer in replies[0], replies


async def test_faq_listing_and_unknown_id_in_russian(make_app, emu, fake, tmp_path) -> None:
    (tmp_path / "faq.toml").write_text(FAQ_BILINGUAL, encoding="utf-8")
    app = await make_app(extra_community='faq = "faq.toml"\n' + NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        listing = emu.user_message(GROUP, MEMBER, "/faq")  # the FAQ index may load slowly
        await emu.wait_for(lambda: replies_to(emu, GROUP, listing["message_id"]), timeout=120,
                           what="list")
        missing = await command(emu, MEMBER, "/faq nope", what="missing")
        shown = await command(emu, MEMBER, "/faq pay-ru", what="shown")
    (lst,) = replies_to(emu, GROUP, listing["message_id"])
    (miss,) = replies_to(emu, GROUP, missing["message_id"])
    assert looks_russian(miss), miss
    assert lst.startswith("Вопросы") and "Как оплатить курс?" in lst, lst
    assert any("картой" in t for t in replies_to(emu, GROUP, shown["message_id"]))


# =============================================================================================
# 7. VK, in Russian
# =============================================================================================

OBSCENE = ["Блядь, ну кто так строит?", "Это просто пиздец какой-то",
           "Ну ты и мудак, честное слово", "Охуеть, опять сломалось"]


async def _vk_bot(emulator: VkEmulator, tmp_path: Path, clock: FakeClock,
                  community_extra: str = "") -> VkBot:
    text = vk_config_text(emulator, community_extra=community_extra)
    text = text.replace('language = "en"', 'language = "ru"')
    assert 'timezone = "Europe/Moscow"' in text
    for uid, name in ((VK_MEMBER, ("Борис", "Петров")), (777, ("Ева", "Спамова")),
                      (778, ("Олег", "Флудов")), (VK_MOD, ("Мария", "Модерова"))):
        emulator.real_names[uid] = name
    running = VkBot(write_vk_config(tmp_path, text), clock, emulator)
    await running.start()
    return running


@pytest.fixture
async def vk(emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> AsyncIterator[VkBot]:
    running = await _vk_bot(emulator, tmp_path, clock,
                            community_extra="[community.antiflood]\nenabled = false\n")
    yield running
    await running.stop()


def _vk_button(message: ChatMessage, label: str) -> str:
    assert message.keyboard is not None, "no keyboard"
    for row in message.keyboard["buttons"]:
        for button in row:
            action = button["action"]
            if label.lower() in str(action.get("label", "")).lower():
                return str(json.loads(action["payload"])["d"])
    raise AssertionError(f"no button {label!r} in {message.keyboard}")


def _vk_labels(message: ChatMessage) -> list[str]:
    assert message.keyboard is not None
    return [b["action"].get("label", "") for row in message.keyboard["buttons"] for b in row]


async def test_vk_ladder_notices_in_russian(emulator: VkEmulator, vk: VkBot) -> None:
    for n, text in enumerate(OBSCENE, 1):
        emulator.post_message(VK_CHAT, VK_MEMBER, text)
        await emulator.wait_for(lambda n=n: len([m for m in emulator.sent(VK_CHAT)
                                                 if "удалено" in m.text]) >= n)
    notices = [m.text for m in emulator.sent(VK_CHAT) if "удалено" in m.text]
    assert len(notices) == 4
    assert all(looks_russian(t) for t in notices), [(t, english_leaks(t)) for t in notices]
    assert "ВКонтакте" in notices[1], notices[1]  # VK has no mute: the notice says so


async def test_vk_russian_durations_and_replies(emulator: VkEmulator, vk: VkBot,
                                                clock: FakeClock) -> None:
    bad = emulator.post_message(VK_CHAT, 777, "реклама")
    emulator.post_message(VK_CHAT, VK_MOD, "!ban 3дня спам", reply_to=bad)
    ban = (await emulator.wait_calls("groups.ban"))[0]
    expected = int((clock.now() + timedelta(days=3)).timestamp())
    assert abs(int(ban["end_date"]) - expected) <= 120
    await vk_settle(emulator)
    bad2 = emulator.post_message(VK_CHAT, 778, "реклама")
    emulator.post_message(VK_CHAT, VK_MOD, "!mute 2часа", reply_to=bad2)
    await emulator.wait_calls("messages.removeChatUser")
    emulator.post_message(VK_CHAT, VK_MOD, "!mute 10лет", reply_to=bad2)
    emulator.post_message(VK_CHAT, VK_MOD, "!warns", reply_to=bad2)
    await vk_settle(emulator)
    await vk_settle(emulator)
    texts = [m.text for m in emulator.sent(VK_CHAT)]
    assert len(texts) >= 4, texts
    assert all(looks_russian(t) for t in texts), [(t, english_leaks(t)) for t in texts]
    assert any("10лет" in t for t in texts), texts


async def test_vk_report_card_buttons_and_outcome_in_russian(emulator: VkEmulator,
                                                            vk: VkBot) -> None:
    emulator.post_private(VK_MEMBER, "Привет")
    await vk_settle(emulator)
    bad = emulator.post_message(VK_CHAT, 777, "купите подписчиков дёшево")
    emulator.post_message(VK_CHAT, VK_MEMBER, "!report спам", reply_to=bad)
    card = (await emulator.wait_for(lambda: emulator.sent(VK_QUEUE)))[0]
    labels = _vk_labels(card)
    assert labels and all(_CYR.search(x) and not english_leaks(x) for x in labels), labels
    assert looks_russian(card.text), (card.text, english_leaks(card.text))
    emulator.press(VK_QUEUE, VK_MOD, card.cmid, _vk_button(card, "Взять"))
    await emulator.wait_for(lambda: "в работе" in emulator.sent(VK_QUEUE)[0].text)
    card = emulator.sent(VK_QUEUE)[0]
    emulator.press(VK_QUEUE, VK_MOD, card.cmid, _vk_button(card, "Решено"))
    told = await emulator.wait_for(lambda: [
        m for p in (VK_MEMBER, VK_CHAT) for m in emulator.sent(p) if "#1" in m.text
        and "рассмотрена" in m.text])
    assert all(looks_russian(m.text) for m in told), [m.text for m in told]
    answers = [c.params.get("event_data", "") for c in
               emulator.calls_to("messages.sendMessageEventAnswer")]
    texts = [json.loads(a).get("text", "") for a in answers if a]
    assert all(not t or looks_russian(t) for t in texts), texts
    chat = [m.text for m in emulator.sent(VK_CHAT)]
    assert all(looks_russian(t) for t in chat), chat


async def test_vk_wall_comment_notice_in_russian(emulator: VkEmulator, vk: VkBot) -> None:
    emulator.post_comment(10, VK_MEMBER, OBSCENE[0])
    await emulator.wait_calls("wall.deleteComment")
    emulator.post_comment(10, VK_MEMBER, OBSCENE[1])
    await emulator.wait_calls("groups.ban")
    notes = await emulator.wait_for(lambda: [
        c["message"] for c in emulator.calls_to("wall.createComment")
        if "Предупреждение 2" in c["message"]])
    comments = [c["message"] for c in emulator.calls_to("wall.createComment")]
    assert notes and all(looks_russian(t) for t in comments), \
        [(t, english_leaks(t)) for t in comments]
    assert ru_duration_pattern(1, "h").search(notes[0]), notes[0]


async def test_vk_help_private_complaint_and_usage_in_russian(emulator: VkEmulator,
                                                             vk: VkBot) -> None:
    emulator.post_message(VK_CHAT, VK_MEMBER, "!help")
    emulator.post_message(VK_CHAT, VK_MOD, "!help")
    emulator.post_message(VK_CHAT, VK_MOD, "!mute")
    emulator.post_message(VK_CHAT, VK_MEMBER, "!report")
    emulator.post_private(VK_MEMBER, "/complaint")
    await vk_settle(emulator)
    emulator.post_private(VK_MEMBER, "Меня оскорбили в чате")
    await emulator.wait_for(lambda: len(emulator.sent(VK_MEMBER)) >= 2)
    await emulator.wait_for(lambda: len(emulator.sent(VK_CHAT)) >= 4)
    texts = [m.text for m in emulator.sent(VK_CHAT)] + [m.text for m in emulator.sent(VK_MEMBER)]
    assert all(looks_russian(t) for t in texts), [(t, english_leaks(t)) for t in texts
                                                  if not looks_russian(t)]


async def test_vk_flood_warning_reason_in_warns_is_russian(emulator: VkEmulator,
                                                          tmp_path: Path,
                                                          clock: FakeClock) -> None:
    """vk_mute_fallback = "warn": a flooder gets a warning; /warns then names the reason in
    Russian (not "flood")."""
    running = await _vk_bot(emulator, tmp_path, clock, community_extra=textwrap.dedent("""
        [community.moderation]
        vk_mute_fallback = "warn"
        """))
    try:
        for i in range(10):
            emulator.post_message(VK_CHAT, VK_MEMBER, f"сообщение номер {i}")
        await emulator.wait_for(lambda: [m for m in emulator.sent(VK_CHAT)
                                         if "помедленнее" in m.text])
        await vk_settle(emulator)
        emulator.post_message(VK_CHAT, VK_MOD, f"!warns {VK_MEMBER}")
        listing = await emulator.wait_for(lambda: [m.text for m in emulator.sent(VK_CHAT)
                                                   if "действующих" in m.text])
    finally:
        await running.stop()
    assert all(looks_russian(t) for t in listing), [(t, english_leaks(t)) for t in listing]
    notices = [m.text for m in emulator.sent(VK_CHAT)]
    assert all(looks_russian(t) for t in notices), [(t, english_leaks(t)) for t in notices]


# =============================================================================================
# 8. Notices to the Russian queue when something goes wrong; leaving a stranger's group
# =============================================================================================

async def test_failed_scheduled_post_notice_is_russian_and_on_moscow_time(make_app, emu, fake,
                                                                          clock) -> None:
    """The platform refuses a scheduled post for good: the queue hears it in Russian, with
    the planned time on the Moscow clock, and the reason in words a moderator reads (not the
    bot's internal English "gave up after …")."""
    from bot.features.schedule import service_for
    app = await make_app(extra_community=NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        await command(emu, ADMIN, "/schedule через 1ч Вебинар", what="added")
        due = clock.now() + timedelta(hours=1)
        emu.fail_next("sendMessage", times=1, status=403,
                      description="Forbidden: bot was kicked from the supergroup chat")
        clock.advance(timedelta(minutes=61))
        await service_for(app).run_due(clock.now())
        for _ in range(8):
            if any("Вебинар" in t for t in emu.sent_texts(QUEUE)):
                break
            clock.advance(timedelta(minutes=10))
            await service_for(app).run_due(clock.now())
        await emu.wait_for(lambda: [t for t in emu.sent_texts(QUEUE) if "Вебинар" in t],
                           what="the failure notice")
    (notice,) = [t for t in emu.sent_texts(QUEUE) if "Вебинар" in t]
    moscow = (due + MSK).strftime("%H:%M")
    assert moscow in notice, (notice, moscow)
    reason = notice.split("опубликовать:", 1)[-1].split("«", 1)[0]
    assert not re.search(r"\b(gave up|attempts|after)\b", reason), notice


async def test_leaving_an_unconfigured_group_speaks_the_communitys_language(make_app, emu,
                                                                            fake) -> None:
    """Every community is Russian: a group the owner never configured hears the one
    "I only work in configured chats" message in Russian."""
    app = await make_app(extra_community=NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        emu.add_bot_to_group(-3003, "Чужая группа")
        await emu.wait_for(lambda: emu.sent_texts(-3003), what="the leave message")
    (text,) = emu.sent_texts(-3003)
    assert looks_russian(text), text


async def test_audit_lines_name_the_automatic_actors_in_russian(make_app, emu, fake) -> None:
    """audit = true in a Russian community: an automatic action says who acted in Russian
    ("фильтр", "антифлуд"), not the internal ids "auto:filter" / "auto:antiflood"."""
    app = await make_app(extra_community="audit = true\n" + NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "иди нахуй", first_name="Боб")
        await emu.wait_for(lambda: len(emu.sent_texts(QUEUE)) >= 2, what="the audit lines")
        await settle(emu, QUEUE)
    lines = [t for t in emu.sent_texts(QUEUE) if t.startswith(("Аудит", "Audit"))]
    assert lines, emu.sent_texts(QUEUE)
    assert [t for t in lines if re.search(r"auto:[a-z]+", t)] == [], lines


async def test_a_time_past_in_moscow_but_not_in_utc_is_refused_in_russian(make_app, emu, fake,
                                                                          clock) -> None:
    """Half an hour ago on the Moscow clock is 2 h 30 min ahead on UTC: the bot reads the
    moderator's time in Moscow and says, in Russian, that it has passed."""
    app = await make_app(extra_community=NO_FLOOD)
    past = clock.now() + MSK - timedelta(minutes=30)
    async with RunningBot(app, fast_options(fake)):
        cmd = await command(emu, ADMIN, f"/schedule {past:%Y-%m-%d %H:%M} Поздно", what="reply")
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert "прошло" in reply and f"{past:%H:%M}" in reply, reply


async def test_daily_post_next_run_is_shown_on_moscow_time(make_app, emu, fake, clock) -> None:
    app = await make_app(extra_community=NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        added = await command(emu, ADMIN, "/schedule каждый день 9:00 Доброе утро",
                              what="added")
    (reply,) = replies_to(emu, GROUP, added["message_id"])
    now_msk = clock.now() + MSK
    first = now_msk.replace(hour=9, minute=0, second=0, microsecond=0)
    if first <= now_msk:
        first += timedelta(days=1)
    assert f"{first:%Y-%m-%d} 09:00" in reply, reply
