"""QA round 44: what members and moderators READ, in Russian and in English chats, on both
networks, through the real adapters and the local emulators (Telegram: tests/tg_emulator,
VK: tests/vk_emulator). Time is the injected FakeClock; scheduled posts and SLA reminders are
driven through the pipeline's own entry points, never by sleeping.

The bar is a mature moderation bot (Rose, Combot, tg-spam): a Russian chat never reads English
words or internal strings (exception texts, retry counters, HTTP client wording, config key
names, method names, ISO timestamps, "None"), numbers agree with their nouns, durations and
dates read naturally and on the community's clock, names are shown safely (README: "No reply
names a member by a name the filter would remove, or by a chosen name that would ping someone
or advertise … the bot says id12345 instead"), every verdict says why and what comes next, and
replies are short and polite.

Each test states what a user would expect; an xfail(strict) marks a product problem.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tg_emulator import TelegramEmulator
from tg_emulator.harness import (
    ADMIN,
    GROUP,
    LISTED_MODERATOR,
    MEMBER,
    OTHER_MEMBER,
    QUEUE,
    RunningBot,
    fast_options,
    telegram_config,
)
from tg_emulator.methods import METHODS, ApiError
from tg_emulator.wire import command, replies_to, settle, wall_clock
from vk_emulator import VkEmulator
from vk_emulator.harness import CHAT as VK_CHAT
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

MSK = timedelta(hours=3)  # Europe/Moscow, no DST since 2014
VK_BOB = 501  # VK members (VK_MOD = 900 is the community's listed moderator)
VK_EVA = 502
VK_IVAN = 503
VK_ANNA = 504

NO_FLOOD = """
[community.antiflood]
enabled = false
"""

# --------------------------------------------------------------------------------------------
# What "reads right" means
# --------------------------------------------------------------------------------------------

_CYR = re.compile(r"[а-яё]", re.I)
# Tokens a Russian text may carry in Latin letters: command names, chat references as the
# owner writes them in config, IANA zone names with their UTC offset, ids, FAQ, the members'
# own names and @usernames (kept as they chose them).
_ALLOWED_LATIN = re.compile(
    r"[/!][A-Za-z_]+(@\w+)?|\b(telegram|vk):-?[\w/]+|\b[A-Z][a-z]+/[A-Za-z_]+\b|\bUTC\b|"
    r"@\w+|\bid\d+\b|\bFAQ\b|\bID\b|\bN\b|\b\d+[mhdw]\b|\bcron\b|\bMON\b|\bin 2h\b|"
    r"tomorrow/today|every monday|https?://\S+|\badd\|edit\|del\b")
_INTERNAL = re.compile(
    r"\bNone\b|Traceback|Exception|Error\b|\bgave up\b|\battempts?\b|\btries\b|"
    r"schedule_grace|user_token|\bfailed\b|\[\d{2,4}\]|\b\d{4}-\d\d-\d\dT\d\d:\d\d|"
    r"\b[a-z]+\.[a-z_]+\.[a-z_]+\b|\b(messages|wall|groups)\.[a-zA-Z]+\b|"
    r"Telegram server says|Bad Request|Forbidden|Bad Gateway|\bauto:[a-z]+")


def latin_leaks(text: str, *allowed: str) -> list[str]:
    """Latin words left in a Russian text once commands, chat refs, zone names and the given
    proper names are taken out."""
    rest = _ALLOWED_LATIN.sub(" ", text)
    for word in allowed:
        rest = rest.replace(word, " ")
    return re.findall(r"[A-Za-z]{2,}", rest)


def internal_leaks(text: str) -> list[str]:
    return [m.group(0) for m in _INTERNAL.finditer(text)]


def reads_russian(text: str, *allowed: str) -> bool:
    return bool(_CYR.search(text)) and not latin_leaks(text, *allowed) \
        and not internal_leaks(text)


def ru_plural(n: int, one: str, few: str, many: str) -> str:
    n100, n10 = n % 100, n % 10
    if 11 <= n100 <= 14:
        return many
    if n10 == 1:
        return one
    if 2 <= n10 <= 4:
        return few
    return many


def ru_count_ok(text: str, n: int, one: str, few: str, many: str) -> bool:
    """No "N noun" in ``text`` with a noun form that disagrees with N (abbreviations and
    "noun: N" are fine)."""
    right = ru_plural(n, one, few, many)
    wrong = {one, few, many} - {right}
    return not any(re.search(rf"(?<![\d,.]){n}\s+{w}\b", text) for w in wrong)


# --------------------------------------------------------------------------------------------
# Telegram plumbing
# --------------------------------------------------------------------------------------------

@pytest.fixture
def clock() -> FakeClock:
    return wall_clock()  # Telegram reads until_date against the real clock


@pytest.fixture
def tg_app(tmp_path: Path, emu: TelegramEmulator, clock: FakeClock,
           open_app: Callable[..., Awaitable[App]]) -> Callable[..., Awaitable[App]]:
    """A community on the Telegram emulator in ``lang`` on ``tz``."""

    async def make(lang: str = "ru", tz: str = "Europe/Moscow", *, extra_community: str = "",
                   tail: str = "", instance: str = "qa44") -> App:
        telegram_config(tmp_path, emu.api_base, extra_community=extra_community, tail=tail)
        path = tmp_path / "config.toml"
        path.write_text(path.read_text(encoding="utf-8")
                        .replace('language = "en"', f'language = "{lang}"')
                        .replace('timezone = "UTC"', f'timezone = "{tz}"'), encoding="utf-8")
        return await open_app(load_config(path), clock, instance)

    return make


def bot_replies(emu: TelegramEmulator, chat: int, message: dict[str, Any]) -> list[str]:
    return replies_to(emu, chat, message["message_id"])


def one_reply(emu: TelegramEmulator, chat: int, message: dict[str, Any]) -> str:
    replies = bot_replies(emu, chat, message)
    assert len(replies) == 1, (message.get("text"), replies, emu.sent_texts(chat))
    return replies[0]


def group_texts(emu: TelegramEmulator, chat: int = GROUP) -> list[str]:
    """The bot's texts in ``chat`` without the witness /help answers settle() causes."""
    helps = set(load_language("ru")[k] for k in ("common.help_member", "common.help_moderator"))
    helps |= set(load_language("en")[k] for k in ("common.help_member",
                                                   "common.help_moderator"))
    return [t for t in emu.sent_texts(chat) if t not in helps]


async def tick(app: App, times: int = 3) -> None:
    """Housekeeping as the runner does it: SLA reminders and the outbox."""
    for _ in range(times):
        await app.pipeline.tick()
        await app.pipeline.drain()


# --------------------------------------------------------------------------------------------
# VK plumbing
# --------------------------------------------------------------------------------------------

VK_NAMES = {VK_BOB: ("Борис", "Петров"), VK_EVA: ("Ева", "Спамова"),
            VK_IVAN: ("Иван", "Флудов"), VK_ANNA: ("Анна", "Жалобина"),
            VK_MOD: ("Мария", "Модерова")}


async def start_vk(emulator: VkEmulator, tmp_path: Path, clock: FakeClock, *, lang: str = "ru",
                   community_extra: str = "", user_token: bool = True) -> VkBot:
    text = vk_config_text(emulator, community_extra=community_extra, user_token=user_token)
    text = text.replace('language = "en"', f'language = "{lang}"')
    for uid, name in VK_NAMES.items():
        emulator.real_names[uid] = name
    running = VkBot(write_vk_config(tmp_path, text), clock, emulator)
    await running.start()
    return running


@pytest.fixture
async def vk_ru(emulator: VkEmulator, tmp_path: Path, clock: FakeClock
                ) -> AsyncIterator[VkBot]:
    running = await start_vk(emulator, tmp_path, clock, community_extra=NO_FLOOD)
    yield running
    await running.stop()


@pytest.fixture
async def vk_en(emulator: VkEmulator, tmp_path: Path, clock: FakeClock
                ) -> AsyncIterator[VkBot]:
    running = await start_vk(emulator, tmp_path, clock, lang="en", community_extra=NO_FLOOD)
    yield running
    await running.stop()


def vk_texts(emulator: VkEmulator, peer: int) -> list[str]:
    return [m.text for m in emulator.sent(peer)]


def vk_replies(emulator: VkEmulator, peer: int, cmid: int) -> list[str]:
    return [m.text for m in emulator.sent(peer) if m.reply_to == cmid]


async def vk_command(emulator: VkEmulator, peer: int, who: int, text: str, **extra: Any) -> str:
    """``who`` writes ``text`` in ``peer``; the bot's one reply to it."""
    cmid = emulator.post_message(peer, who, text, **extra)
    await emulator.wait_for(lambda: vk_replies(emulator, peer, cmid))
    await vk_settle(emulator)
    replies = vk_replies(emulator, peer, cmid)
    assert len(replies) == 1, (text, replies)
    return replies[0]


def vk_button(message: ChatMessage, label: str) -> str:
    import json

    assert message.keyboard is not None, "no keyboard"
    for row in message.keyboard["buttons"]:
        for button in row:
            if label.lower() in str(button["action"].get("label", "")).lower():
                return str(json.loads(button["action"]["payload"])["d"])
    raise AssertionError(f"no button {label!r} in {message.keyboard}")


# ============================================================================================
# 1. Filter verdicts at each ladder step
# ============================================================================================

RUDE_EN = ["fuck this chat", "what a shitty rule, fuck off", "you motherfucker",
           "fucking idiots all of you"]


async def test_en_ladder_notices_say_why_what_happened_and_what_comes_next_on_telegram(
        tg_app, emu, fake) -> None:
    """Default ladder (warn, mute 1h, mute 1d, ban): every notice names the member, says the
    message went for strong language (never quoting the word), what happened now and what
    comes next; the ban has no "next"."""
    app = await tg_app("en", "UTC", extra_community=NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        for n, text in enumerate(RUDE_EN, 1):
            emu.user_message(GROUP, MEMBER, text, first_name="Bob")
            await emu.wait_for(lambda n=n: len(group_texts(emu)) >= n, what=f"notice {n}")
        await settle(emu)
    notices = group_texts(emu)
    assert len(notices) == 4, notices
    for text in notices:
        assert text.startswith("Bob, your message was removed for strong language."), text
        assert not re.search(r"fuck|shit", text, re.I), text
        assert not internal_leaks(text) and len(text) < 300, text
    assert "Warning 1 of 4; next: mute 1h." in notices[0], notices[0]
    assert "Muted for 1h." in notices[1] and "Warning 2 of 4; next: mute 1d." in notices[1]
    assert "Muted for 1d." in notices[2] and "Warning 3 of 4; next: permanent ban." \
        in notices[2], notices[2]
    assert "Banned until a moderator lifts it." in notices[3], notices[3]
    assert "next" not in notices[3], notices[3]


async def test_en_ladder_on_vk_says_what_vk_did_instead_of_a_mute(emulator, vk_en) -> None:
    """VK has no timed mute (default fallback: kick). The warning already says what comes
    next on VK (removal, not "mute 1h"), and the second notice says VK removed instead."""
    emulator.post_message(VK_CHAT, VK_BOB, RUDE_EN[0])
    await emulator.wait_for(lambda: vk_texts(emulator, VK_CHAT))
    emulator.post_message(VK_CHAT, VK_BOB, RUDE_EN[1])
    await emulator.wait_for(lambda: len(vk_texts(emulator, VK_CHAT)) >= 2)
    await vk_settle(emulator)
    first, second = vk_texts(emulator, VK_CHAT)
    assert "Борис" in first and "strong language" in first, first
    assert "Warning 1 of 4; next: removal from the chat." in first, first
    assert "VK has no mute: removed from the chat instead." in second, second
    assert "Muted" not in second, second
    assert emulator.calls_to("messages.removeChatUser"), "the kick itself"


def _ladder(*steps: str) -> str:
    return "[community.moderation]\nladder = [\n  " + ",\n  ".join(steps) + "\n]\n"


async def test_ru_custom_ladder_kick_and_timed_ban_read_in_russian(tg_app, emu, fake) -> None:
    """A Russian ladder warn → kick → ban 3d → ban: each notice in Russian, the step's
    outcome and the next step in words, days in a form a reader accepts. (After the ban the
    member's messages are only deleted: README.)"""
    ladder = _ladder('{ action = "warn" }', '{ action = "kick" }',
                     '{ action = "ban", duration = "3d" }', '{ action = "ban" }')
    app = await tg_app(extra_community=ladder + NO_FLOOD)
    rude = ["блядь", "пиздец какой-то", "ну ты и мудак"]  # after a ban: deleted, no notice
    async with RunningBot(app, fast_options(fake)):
        for n, text in enumerate(rude, 1):
            emu.user_message(GROUP, MEMBER, text, first_name="Боб")
            await emu.wait_for(lambda n=n: len(group_texts(emu)) >= n, what=f"notice {n}")
        await settle(emu)
    notices = group_texts(emu)
    assert len(notices) == 3, notices
    assert all(reads_russian(t) for t in notices), [(t, latin_leaks(t), internal_leaks(t))
                                                   for t in notices]
    assert all(t.startswith("Боб, сообщение удалено: нецензурная лексика.") for t in notices)
    assert "Предупреждение 1 из 4; дальше: удаление из чата." in notices[0], notices[0]
    assert "Удалён(а) из чата." in notices[1], notices[1]
    assert re.search(r"дальше: бан на 3 (дн\.|дня)", notices[1]), notices[1]
    assert re.search(r"Бан на 3 (дн\.|дня)", notices[2]), notices[2]
    assert "Предупреждение 3 из 4; дальше: бессрочный бан." in notices[2], notices[2]


# ============================================================================================
# 2. Anti-flood
# ============================================================================================

async def test_ru_flood_notices_say_what_and_for_how_long_on_telegram(tg_app, emu, fake) -> None:
    """Nine messages in a second → mute 10m: «Боб, пожалуйста, помедленнее. Писать нельзя на
    10 мин.»; the same text three times → «не повторяйте». Russian, short, with the span."""
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        for _ in range(3):
            emu.user_message(GROUP, OTHER_MEMBER, "купите слона", first_name="Ева")
        await emu.wait_for(lambda: [t for t in group_texts(emu) if "повторяйте" in t],
                           what="the repeats notice")
        for i in range(9):
            emu.user_message(GROUP, MEMBER, f"сообщение номер {i}", first_name="Боб")
        await emu.wait_for(lambda: [t for t in group_texts(emu) if "помедленнее" in t],
                           what="the flood notice")
        await settle(emu)
    (repeats,) = [t for t in group_texts(emu) if "повторяйте" in t]
    (flood,) = [t for t in group_texts(emu) if "помедленнее" in t]
    assert repeats.startswith("Ева,") and reads_russian(repeats), repeats
    assert flood.startswith("Боб,") and reads_russian(flood), flood
    assert re.search(r"на 10 (мин|минут)\b", flood), flood
    assert len(flood) < 200 and len(repeats) < 200


async def test_ru_flood_on_vk_says_the_member_was_removed_instead_of_muted(
        emulator, tmp_path, clock) -> None:
    running = await start_vk(emulator, tmp_path, clock)
    try:
        for i in range(9):
            emulator.post_message(VK_CHAT, VK_IVAN, f"сообщение номер {i}")
        await emulator.wait_for(lambda: [t for t in vk_texts(emulator, VK_CHAT)
                                         if "помедленнее" in t])
        await vk_settle(emulator)
    finally:
        await running.stop()
    (notice,) = [t for t in vk_texts(emulator, VK_CHAT) if "помедленнее" in t]
    assert notice.startswith("Иван"), notice
    assert "Во ВКонтакте нет мута: вместо него — удаление из чата." in notice, notice
    assert reads_russian(notice), (notice, latin_leaks(notice))
    assert emulator.calls_to("messages.removeChatUser")


# ============================================================================================
# 3. Moderator commands: usage, refusals, results
# ============================================================================================

USAGE_COMMANDS = ["/warn", "/dwarn", "/unwarn", "/resetwarns", "/mute", "/dmute", "/unmute",
                  "/ban", "/dban", "/unban", "/kick", "/dkick", "/del", "/purge", "/take",
                  "/resolve", "/reject", "/reopen", "/untake", "/abuse", "/unschedule",
                  "/schedule завтра"]


async def test_ru_every_moderator_command_without_arguments_gets_a_russian_usage_reply(
        tg_app, emu, fake) -> None:
    """A moderator types each command bare (no reply, no target): one reply each, in
    Russian, short, naming the command and how to use it — never silence, never English."""
    app = await tg_app(extra_community=NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        sent = [(text, await command(emu, ADMIN, text, what=text)) for text in USAGE_COMMANDS]
        await settle(emu)
    problems = []
    for text, cmd in sent:
        replies = bot_replies(emu, GROUP, cmd)
        name = text.split()[0]
        if len(replies) != 1:
            problems.append((text, "replies", replies))
            continue
        reply = replies[0]
        if not reads_russian(reply):
            problems.append((text, latin_leaks(reply), internal_leaks(reply)))
        if name not in reply:
            problems.append((text, "does not name the command", reply))
        if len(reply) > 700:
            problems.append((text, "too long", len(reply)))
    assert problems == [], problems


async def test_ru_usage_replies_on_vk_with_the_bang_prefix(emulator, vk_ru) -> None:
    """The same on VK, where moderators type "!": Russian usage replies."""
    problems = []
    for text in ("!warn", "!mute", "!ban", "!unban", "!kick", "!del", "!take", "!unschedule"):
        reply = await vk_command(emulator, VK_CHAT, VK_MOD, text)
        if not reads_russian(reply) or text[1:] not in reply:
            problems.append((text, reply, latin_leaks(reply), internal_leaks(reply)))
    assert problems == [], problems


async def test_ru_refusals_and_misplaced_commands_explain_themselves(tg_app, emu, fake) -> None:
    """What a Russian moderator or member reads when a command cannot run: a member's /ban,
    a moderator's typo, an unknown target, a moderator as target, oneself as target, /mute in
    a private chat, /del in the queue. One polite Russian sentence each."""
    app = await tg_app(extra_community=NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(ADMIN, ADMIN, "/start")
        emu.user_message(GROUP, MEMBER, "привет", first_name="Боб")
        mod_msg = emu.user_message(GROUP, ADMIN, "правила в закрепе", first_name="Ольга")
        cases = {
            "member /ban": await command(emu, OTHER_MEMBER, f"/ban {MEMBER}"),
            "typo": await command(emu, ADMIN, "/wran спам"),
            "unknown": await command(emu, ADMIN, "/ban @nobody_here спам"),
            "moderator": await command(emu, LISTED_MODERATOR, "/mute 1h", reply_to=mod_msg["message_id"]),
            "self": await command(emu, ADMIN, f"/warn {ADMIN}"),
            "queue /del": await command(emu, ADMIN, "/del", chat=QUEUE),
            "private /mute": await command(emu, ADMIN, f"/mute {MEMBER}", chat=ADMIN),
        }
        await settle(emu)
    chats = {"queue /del": QUEUE, "private /mute": ADMIN}
    texts = {k: one_reply(emu, chats.get(k, GROUP), m) for k, m in cases.items()}
    bad = {k: (t, latin_leaks(t, "nobody_here"), internal_leaks(t)) for k, t in texts.items()
           if not reads_russian(t, "nobody_here") or len(t) > 400}
    assert bad == {}, bad
    assert "только модераторам" in texts["member /ban"], texts["member /ban"]
    assert "/warn" in texts["typo"] and "ничего не сделано" in texts["typo"], texts["typo"]
    assert "@nobody_here" in texts["unknown"], texts["unknown"]
    assert "модератор" in texts["moderator"], texts["moderator"]
    assert "себе" in texts["self"], texts["self"]
    assert "/del" in texts["queue /del"] and "/mute" in texts["private /mute"]


async def test_en_moderator_results_are_plain_sentences_on_telegram(tg_app, emu, fake) -> None:
    """English results name the member, the span in words a moderator reads ("for 1h30m",
    "until a moderator lifts it"), the reason, and for /warn the ladder's next step."""
    app = await tg_app("en", "UTC", extra_community=NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "buy followers cheap", first_name="Bob")
        mid = target["message_id"]
        warn = await command(emu, ADMIN, "/warn spam", reply_to=mid)
        mute = await command(emu, ADMIN, "/mute 90m spam", reply_to=mid)
        unmute = await command(emu, ADMIN, "/unmute", reply_to=mid)
        ban = await command(emu, ADMIN, "/ban forever scam", reply_to=mid)
        unban = await command(emu, ADMIN, f"/unban {MEMBER}")
    texts = [one_reply(emu, GROUP, m) for m in (warn, mute, unmute, ban, unban)]
    assert texts[0] == "Bob has been warned for spam. Warning 1 of 4; next: mute 1h.", texts[0]
    assert texts[1] == "Bob is muted for 1h30m for spam.", texts[1]
    assert texts[2] == "Bob can write again.", texts[2]
    assert texts[3] == "Bob is banned until a moderator lifts it. Reason: scam. To lift it: /unban.", texts[3]
    assert texts[4].startswith("Bob is unbanned."), texts[4]
    assert not [t for t in texts if internal_leaks(t)], texts


async def test_ru_warns_in_a_private_chat_as_the_private_help_promises_on_telegram(
        tg_app, emu, fake) -> None:
    """The private /help (ru) lists "/warns — ваши действующие предупреждения". A member who
    was warned and asks the bot privately should see their warning, not be told /warns does
    not work here."""
    app = await tg_app(extra_community=NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "иди нахуй", first_name="Боб")
        await emu.wait_for(lambda: group_texts(emu), what="the warning")
        helped = await command(emu, MEMBER, "/help", chat=MEMBER)
        asked = await command(emu, MEMBER, "/warns", chat=MEMBER)
    assert [t for t in bot_replies(emu, MEMBER, helped) if "/warns" in t], \
        bot_replies(emu, MEMBER, helped)
    answer = one_reply(emu, MEMBER, asked)
    assert "не здесь" not in answer and "1" in answer, answer
    assert reads_russian(answer) and "нахуй" not in answer, answer


async def test_ru_warns_in_a_private_chat_as_the_private_help_promises_on_vk(
        emulator, vk_ru) -> None:
    emulator.post_message(VK_CHAT, VK_BOB, "иди нахуй")
    await emulator.wait_for(lambda: vk_texts(emulator, VK_CHAT))
    emulator.post_private(VK_BOB, "/help")
    await emulator.wait_for(lambda: [t for t in vk_texts(emulator, VK_BOB) if "/warns" in t])
    await vk_settle(emulator)
    before = len(vk_texts(emulator, VK_BOB))
    emulator.post_private(VK_BOB, "/warns")
    await emulator.wait_for(lambda: len(vk_texts(emulator, VK_BOB)) > before)
    await vk_settle(emulator)
    (answer,) = vk_texts(emulator, VK_BOB)[before:]
    assert "не здесь" not in answer and "1" in answer, answer
    assert reads_russian(answer) and "нахуй" not in answer, answer


# ============================================================================================
# 4. When the platform refuses: the failure notices
# ============================================================================================

async def test_failure_notice_does_not_name_a_member_by_an_advertising_name(
        tg_app, emu, fake) -> None:
    """The bot lost its right to ban. A spammer whose first name is a link (no @username)
    is /ban'ned: the ban notice says "id…" (README: such a name is never shown), and so must
    the "I could not ban …" notice the chat and the queue then get."""
    app = await tg_app(extra_community=NO_FLOOD)
    emu.world.chats[GROUP].bot_rights["can_restrict_members"] = False
    async with RunningBot(app, fast_options(fake)):
        spam = emu.user_message(GROUP, 4444, "заходите, там бонусы",
                                first_name="t.me/casino_bonus")
        await command(emu, ADMIN, "/ban спам", reply_to=spam["message_id"])
        await emu.wait_for(lambda: [t for t in emu.sent_texts(QUEUE) if "забанить" in t],
                           what="the failure notice in the queue")
        await settle(emu)
    said = group_texts(emu) + emu.sent_texts(QUEUE)
    assert [t for t in said if "Не получилось" in t], said
    assert [t for t in said if "casino" in t] == [], said
    assert [t for t in said if "id4444" in t], said


async def test_ru_failure_notice_quotes_no_raw_telegram_error(tg_app, emu, fake) -> None:
    """Telegram refuses a ban with an error the bot cannot classify: a Russian chat and
    queue are told in Russian, not with aiogram's "Telegram server says - Bad Request: …"."""
    app = await tg_app(extra_community=NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        spam = emu.user_message(GROUP, MEMBER, "заходите, там бонусы", first_name="Боб")
        emu.fail_next("banChatMember", status=400,
                      description="Bad Request: PARTICIPANT_ID_INVALID")
        await command(emu, ADMIN, "/ban спам", reply_to=spam["message_id"])
        await emu.wait_for(lambda: [t for t in emu.sent_texts(QUEUE) if "забанить" in t],
                           what="the failure notice")
        await settle(emu)
    notices = [t for t in group_texts(emu) + emu.sent_texts(QUEUE) if "Не получилось" in t]
    assert notices, group_texts(emu)
    # the queue's copy names the chat by its title, which the owner may write in Latin letters
    assert [t for t in notices if not reads_russian(t, "Demo")] == [], \
        [(t, latin_leaks(t), internal_leaks(t)) for t in notices]


async def test_ru_failure_notice_quotes_no_raw_vk_error(emulator, vk_ru) -> None:
    """VK refuses to delete a message (error 924, "can't delete for everybody": older than a
    day). The Russian chat is told in Russian — not "messages.delete failed [924]: …"."""
    spam = emulator.post_message(VK_CHAT, VK_EVA, "заходите, там бонусы")
    await vk_settle(emulator)
    emulator.fail("messages.delete", 924)
    emulator.post_message(VK_CHAT, VK_MOD, "!del", reply_to=spam)
    await emulator.wait_for(lambda: [t for t in vk_texts(emulator, VK_CHAT)
                                     if "Не получилось" in t])
    await vk_settle(emulator)
    notices = [t for t in vk_texts(emulator, VK_CHAT) + vk_texts(emulator, VK_QUEUE)
               if "Не получилось" in t]
    assert [t for t in notices if not reads_russian(t)] == [], \
        [(t, latin_leaks(t), internal_leaks(t)) for t in notices]


# ============================================================================================
# 5. Reports and their acknowledgements, ticket outcomes
# ============================================================================================

async def test_ru_report_acknowledgements_on_telegram(tg_app, emu, fake) -> None:
    """First report, a second reporter (merged), the first reporter again (duplicate), one's
    own message: each answered once, in Russian, with the ticket number; the card counts two
    reporters in Russian."""
    app = await tg_app(extra_community=NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        spam = emu.user_message(GROUP, 4444, "купите подписчиков", first_name="Спамер")
        first = await command(emu, MEMBER, "/report спам", reply_to=spam["message_id"],
                              first_name="Боб")
        second = await command(emu, OTHER_MEMBER, "/report реклама",
                               reply_to=spam["message_id"], first_name="Ева")
        again = await command(emu, MEMBER, "/report", reply_to=spam["message_id"])
        mine = emu.user_message(GROUP, MEMBER, "мой вопрос", first_name="Боб")
        own = await command(emu, MEMBER, "/report", reply_to=mine["message_id"])
        await settle(emu, QUEUE)
    texts = {k: one_reply(emu, GROUP, m) for k, m in
             {"first": first, "second": second, "again": again, "own": own}.items()}
    assert [t for t in texts.values() if not reads_russian(t)] == [], texts
    assert "#1" in texts["first"] and "#1" in texts["second"] and "#1" in texts["again"]
    assert "добавлена" in texts["second"] and "уже" in texts["again"], texts
    assert "собственное" in texts["own"], texts["own"]
    card = emu.sent_messages(QUEUE)[-1].get("text", "")
    edited = [c.params.get("text", "") for c in emu.calls_of("editMessageText")]
    latest = edited[-1] if edited else card
    assert "жалоб: 2" in latest and reads_russian(latest, "Demo", "demo"), latest


async def test_ru_report_acknowledgements_on_vk(emulator, vk_ru) -> None:
    spam = emulator.post_message(VK_CHAT, VK_EVA, "купите подписчиков")
    first = await vk_command(emulator, VK_CHAT, VK_BOB, "!report спам", reply_to=spam)
    second = await vk_command(emulator, VK_CHAT, VK_ANNA, "!report реклама", reply_to=spam)
    again = await vk_command(emulator, VK_CHAT, VK_BOB, "!report", reply_to=spam)
    texts = [first, second, again]
    assert [t for t in texts if not reads_russian(t)] == [], texts
    assert all("#1" in t for t in texts), texts
    assert "добавлена" in second and "уже" in again, texts
    (card,) = emulator.sent(VK_QUEUE)
    assert "жалоб: 2" in card.text and reads_russian(card.text, "demo"), card.text


async def test_ru_ticket_outcome_with_a_note_reaches_the_vk_reporter_in_russian(
        emulator, vk_ru) -> None:
    """The reporter wrote to the community before, so VK lets the bot tell them privately:
    «Ваша жалоба #1 рассмотрена, меры приняты. Спасибо!» with the moderator's note; the card
    reads «решён» and names who took it."""
    emulator.post_private(VK_ANNA, "Здравствуйте")
    await vk_settle(emulator)
    spam = emulator.post_message(VK_CHAT, VK_EVA, "купите подписчиков")
    emulator.post_message(VK_CHAT, VK_ANNA, "!report спам", reply_to=spam)
    card = (await emulator.wait_for(lambda: emulator.sent(VK_QUEUE)))[0]
    emulator.press(VK_QUEUE, VK_MOD, card.cmid, vk_button(card, "Взять"))
    await emulator.wait_for(lambda: "в работе" in emulator.sent(VK_QUEUE)[0].text)
    emulator.post_message(VK_QUEUE, VK_MOD, "/resolve 1 удалили, автор предупреждён")
    told = await emulator.wait_for(lambda: [t for t in vk_texts(emulator, VK_ANNA)
                                            if "#1" in t])
    await vk_settle(emulator)
    assert reads_russian(told[0]) and "удалили, автор предупреждён" in told[0], told
    assert "меры приняты" in told[0], told
    final = emulator.sent(VK_QUEUE)[0].text
    assert "решён" in final and "Мария" in final, final
    assert reads_russian(final, "demo"), (final, latin_leaks(final, "demo"))


async def test_ru_queue_is_told_when_the_reporter_cannot_be_reached_on_telegram(
        tg_app, emu, fake) -> None:
    """The reporter never wrote to the bot: Telegram will not deliver the outcome, and the
    Russian queue hears it in Russian, naming the reporter as the chat shows them."""
    app = await tg_app(extra_community=NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        spam = emu.user_message(GROUP, 4444, "купите подписчиков", first_name="Спамер")
        await command(emu, MEMBER, "/report спам", reply_to=spam["message_id"],
                      first_name="Боб")
        await emu.wait_for(lambda: emu.sent_texts(QUEUE), what="the card")
        await command(emu, ADMIN, "/reject 1 это не спам", chat=QUEUE)
        await emu.wait_for(lambda: [t for t in emu.sent_texts(QUEUE) if "Не смог" in t],
                           what="the reporter-not-told notice")
    (notice,) = [t for t in emu.sent_texts(QUEUE) if "Не смог" in t]
    assert "Боб" in notice and "#1" in notice, notice
    assert reads_russian(notice), (notice, latin_leaks(notice), internal_leaks(notice))


async def test_ru_sla_reminder_reads_naturally_on_telegram(tg_app, emu, fake, clock) -> None:
    """Nobody claimed ticket #1 for 31 minutes: «⏰ Тикет #1 ждёт уже 31 мин…», then the card;
    Russian, with the wait in minutes (no seconds, no "0:31:00")."""
    app = await tg_app(extra_community=NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        spam = emu.user_message(GROUP, 4444, "купите подписчиков", first_name="Спамер")
        await command(emu, MEMBER, "/report спам", reply_to=spam["message_id"],
                      first_name="Боб")
        await emu.wait_for(lambda: emu.sent_texts(QUEUE), what="the card")
        clock.advance(timedelta(minutes=31))
        await tick(app)
        await emu.wait_for(lambda: [t for t in emu.sent_texts(QUEUE) if t.startswith("⏰")],
                           what="the SLA reminder")
    (reminder,) = [t for t in emu.sent_texts(QUEUE) if t.startswith("⏰")]
    head = reminder.split("\n", 1)[0]
    assert re.fullmatch(r"⏰ Тикет #1 ждёт уже 31 (мин|минуту), и его никто не взял\.", head), head
    assert reads_russian(reminder, "Demo", "demo"), (reminder, latin_leaks(reminder, "Demo", "demo"))


async def test_en_sla_reminder_reads_naturally_on_vk(emulator, vk_en, clock) -> None:
    spam = emulator.post_message(VK_CHAT, VK_EVA, "buy followers cheap")
    emulator.post_message(VK_CHAT, VK_BOB, "!report spam", reply_to=spam)
    await emulator.wait_for(lambda: emulator.sent(VK_QUEUE))
    clock.advance(timedelta(minutes=45))
    assert vk_en.app is not None
    await tick(vk_en.app)
    reminder = await emulator.wait_for(lambda: [t for t in vk_texts(emulator, VK_QUEUE)
                                                if t.startswith("⏰")])
    head = reminder[0].split("\n", 1)[0]
    assert head == "⏰ Ticket #1 has waited 45m and nobody has claimed it yet.", head


# ============================================================================================
# 6. Scheduled posts: confirmations and failure notices
# ============================================================================================

async def test_ru_scheduled_post_failing_past_the_grace_is_told_in_russian_on_telegram(
        tg_app, emu, fake, clock, monkeypatch) -> None:
    """Telegram answers 502 to every attempt for longer than schedule_grace (1h): the post
    is failed and the Russian queue told — in Russian, with the planned Moscow time, and no
    retry counters, config key names or HTTP client wording ("still failing after 4
    attempts, past schedule_grace: gave up after 4 tries: Telegram server says - Bad
    Gateway")."""
    from bot.features.schedule import service_for

    app = await tg_app(extra_community=NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        await command(emu, ADMIN, "/schedule через 1ч Вебинар в 19:00", what="added")
        due = clock.now() + timedelta(hours=1)
        send = METHODS["sendMessage"]

        def group_down(world: Any, params: dict[str, Any]) -> Any:
            # the group's proxy answers 502 to the post; the queue chat is reachable
            if int(params.get("chat_id", 0)) == GROUP and "Вебинар" in str(params.get("text")):
                raise ApiError(502, "Bad Gateway")
            return send(world, params)

        monkeypatch.setitem(METHODS, "sendMessage", group_down)
        clock.advance(timedelta(minutes=61))
        for _ in range(20):
            await service_for(app).run_due(clock.now())
            await app.pipeline.drain()
            if any("Вебинар" in t for t in emu.sent_texts(QUEUE)):
                break
            clock.advance(timedelta(minutes=10))
        await emu.wait_for(lambda: [t for t in emu.sent_texts(QUEUE) if "Вебинар" in t],
                           what="the failure notice")
    (notice,) = [t for t in emu.sent_texts(QUEUE) if "Вебинар" in t]
    assert (due + MSK).strftime("%H:%M") in notice, notice
    assert reads_russian(notice), (notice, latin_leaks(notice), internal_leaks(notice))


async def test_ru_scheduled_wall_post_refused_by_vk_is_told_in_russian(
        emulator, vk_ru, clock) -> None:
    """VK refuses wall.post for good (error 15, access denied): the Russian queue hears that
    the post did not go out — in Russian, not "wall.post failed [15]: access denied; the
    community lacks the rights for this"."""
    from bot.features.schedule import service_for

    reply = await vk_command(emulator, VK_CHAT, VK_MOD, "!schedule через 1ч Розыгрыш призов")
    assert "запланирован" in reply, reply
    emulator.fail("wall.post", 15, times=5)
    clock.advance(timedelta(minutes=61))
    assert vk_ru.app is not None
    await service_for(vk_ru.app).run_due(clock.now())
    await vk_ru.app.pipeline.drain()
    notice = await emulator.wait_for(lambda: [t for t in vk_texts(emulator, VK_QUEUE)
                                              if "Розыгрыш" in t])
    assert reads_russian(notice[0]), (notice[0], latin_leaks(notice[0]),
                                      internal_leaks(notice[0]))


async def test_ru_photo_post_confirmation_names_the_networks_as_people_say_them(
        emu, fake, tmp_path, clock, open_app) -> None:
    """A Russian community on Telegram and VK; a moderator schedules a photo from the Telegram
    group. The photo cannot go to VK, and the reply says so — naming the networks as a
    Russian reader knows them (Телеграм/Telegram, ВКонтакте), not by the internal key
    "telegram" in lower case ("Фото прислано в telegram")."""
    config = tmp_path / "config.toml"
    config.write_text(textwrap.dedent(f"""
        [database]
        url = "sqlite+aiosqlite:///modbot.db"

        [telegram]
        token = "{emu.token}"
        api_base = "{emu.api_base}"
        poll_timeout = 1

        [vk]
        token = "vk-test-token"
        group_id = 42
        api_base = "http://127.0.0.1:9/method/"

        [[community]]
        name = "demo"
        language = "ru"
        timezone = "Europe/Moscow"
        chats = ["telegram:{GROUP}", "vk:2000000001"]
        queue = "telegram:{QUEUE}"

        [community.antiflood]
        enabled = false
        """), encoding="utf-8")
    app = await open_app(load_config(config), clock, "qa44-photo")
    async with RunningBot(app, fast_options(fake)):
        poster = emu.user_message(GROUP, ADMIN, photo=True, caption="Ярмарка в субботу!")
        cmd = await command(emu, ADMIN, "/schedule через 2ч", reply_to=poster["message_id"])
    reply = one_reply(emu, GROUP, cmd)
    assert "запланирован" in reply and "vk:2000000001" in reply, reply
    assert not re.search(r"\b(в|во) (telegram|vk)\b", reply), reply
    assert reads_russian(reply), (reply, latin_leaks(reply), internal_leaks(reply))


async def test_en_weekly_post_on_vk_is_confirmed_listed_and_removed_in_plain_english(
        emulator, vk_en) -> None:
    """"every monday 10:00" on VK: the confirmation names the next run on the community's
    clock with its zone and offset, the plan says "every Monday at 10:00" (not cron), and
    /unschedule confirms."""
    added = await vk_command(emulator, VK_CHAT, VK_MOD, "!schedule every monday 10:00 Weekly digest")
    listing = await vk_command(emulator, VK_CHAT, VK_MOD, "!schedule")
    removed = await vk_command(emulator, VK_CHAT, VK_MOD, "!unschedule 1")
    assert re.search(r"Scheduled post #1: next run \d{4}-\d\d-\d\d 10:00 \(Europe/Moscow, "
                     r"UTC\+3\)", added), added
    assert "every Monday at 10:00" in listing and "* * MON" not in listing, listing
    assert removed.startswith("Post #1 is unscheduled: «"), removed
    assert not [t for t in (added, listing, removed) if internal_leaks(t)]


# ============================================================================================
# 7. FAQ answers and pointers, /faq, /help
# ============================================================================================

FAQ_RU = '''
[[faq]]
id = "hours"
lang = "ru"
questions = ["Во сколько вы открываетесь?", "Какой у вас график работы?"]
answer = "Мы работаем каждый день с 9:00 до 21:00."

[[faq]]
id = "price"
lang = "ru"
questions = ["Сколько стоит абонемент?", "Какая цена абонемента на месяц?"]
answer = "Абонемент стоит 3000 рублей в месяц."
'''


async def test_ru_faq_pointer_names_the_asker_safely_on_telegram(tg_app, emu, fake,
                                                                 tmp_path) -> None:
    """A member whose first name would ping an admin ("@boss_admin") asks what another
    member asked a moment ago: the bot points to its earlier answer, naming him by id, in
    Russian."""
    (tmp_path / "faq.toml").write_text(FAQ_RU, encoding="utf-8")
    app = await tg_app(extra_community='faq = "faq.toml"\n' + NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        first = emu.user_message(GROUP, MEMBER, "Сколько стоит абонемент?", first_name="Боб")
        await emu.wait_for(lambda: bot_replies(emu, GROUP, first), timeout=120,
                           what="the answer")
        emu.user_message(GROUP, OTHER_MEMBER, "Сколько стоит абонемент?",
                         first_name="@boss_admin")
        await emu.wait_for(lambda: len(group_texts(emu)) >= 2, what="the pointer")
        await settle(emu)
    assert one_reply(emu, GROUP, first) == "Абонемент стоит 3000 рублей в месяц."
    assert group_texts(emu) == ["Абонемент стоит 3000 рублей в месяц.",
                                f"id{OTHER_MEMBER}, я уже отвечал на это чуть выше ↑"], \
        group_texts(emu)


async def test_ru_faq_list_answer_and_pointer_on_vk(emulator, tmp_path, clock) -> None:
    (tmp_path / "faq.toml").write_text(FAQ_RU, encoding="utf-8")
    running = await start_vk(emulator, tmp_path, clock,
                             community_extra='faq = "faq.toml"\n' + NO_FLOOD)
    try:
        listing = await vk_command(emulator, VK_CHAT, VK_BOB, "!faq")
        cmid = emulator.post_message(VK_CHAT, VK_BOB, "Во сколько вы открываетесь?")
        await emulator.wait_for(lambda: vk_replies(emulator, VK_CHAT, cmid), timeout=120)
        emulator.post_message(VK_CHAT, VK_ANNA, "Во сколько вы открываетесь?")
        await emulator.wait_for(lambda: [t for t in vk_texts(emulator, VK_CHAT) if "↑" in t])
        await vk_settle(emulator)
    finally:
        await running.stop()
    assert listing.startswith("Вопросы, на которые я отвечаю:"), listing
    assert "hours" in listing and "Сколько стоит абонемент?" in listing, listing
    assert reads_russian(listing, "hours", "price"), listing
    assert vk_replies(emulator, VK_CHAT, cmid) == ["Мы работаем каждый день с 9:00 до 21:00."]
    pointers = [t for t in vk_texts(emulator, VK_CHAT) if "↑" in t]
    assert pointers == ["Анна Жалобина, я уже отвечал на это чуть выше ↑"], pointers


async def test_ru_help_for_member_moderator_and_private_on_vk(emulator, vk_ru) -> None:
    """/help in Russian for a member, a moderator and in a private chat: Russian, short
    enough for a chat, and the moderator's help lists the moderator commands."""
    member = await vk_command(emulator, VK_CHAT, VK_BOB, "!help")
    moderator = await vk_command(emulator, VK_CHAT, VK_MOD, "!help")
    emulator.post_private(VK_BOB, "/help")
    private = (await emulator.wait_for(lambda: [t for t in vk_texts(emulator, VK_BOB)
                                                if "/complaint" in t]))[0]
    for text in (*vk_texts(emulator, VK_BOB), member, moderator):
        assert reads_russian(text, "modbot"), (text, latin_leaks(text, "modbot"))
        assert len(text) < 800, len(text)
    assert "/report" in member and "/ban" not in member, member
    assert "/ban" in moderator and "/queue" in moderator, moderator
    assert "/complaint" in private, private



async def test_ru_vk_ban_without_user_token_is_explained_to_the_chat_in_its_own_words(
        emulator, tmp_path, clock) -> None:
    """Without [vk] user_token a VK "ban" only removes the member, and the chat is told so
    (README). The chat's members read it: in the catalog's own gender-neutral forms
    (удалён(а), as in every other notice about a member) and without config key names; the
    owner's instruction about the token belongs to the queue chat."""
    running = await start_vk(emulator, tmp_path, clock, community_extra=NO_FLOOD,
                             user_token=False)
    try:
        spam = emulator.post_message(VK_CHAT, VK_EVA, "купите подписчиков")
        emulator.post_message(VK_CHAT, VK_MOD, "!ban спам", reply_to=spam)
        await emulator.wait_for(lambda: [t for t in vk_texts(emulator, VK_CHAT)
                                         if "не забанен" in t])
        await vk_settle(emulator)
    finally:
        await running.stop()
    (notice,) = [t for t in vk_texts(emulator, VK_CHAT) if "не забанен" in t]
    assert notice.startswith("Ева Спамова"), notice
    assert "user_token" not in notice and "[vk]" not in notice, notice
    assert "удалён(а)" in notice and "забанен(а)" in notice, notice


# ============================================================================================
# 8. Queue notices: the bot removed from a chat
# ============================================================================================

async def test_ru_queue_hears_in_russian_that_the_bot_was_removed_on_telegram(
        tg_app, emu, fake) -> None:
    """An admin removes the bot from the group: the Russian queue is told in Russian, naming
    the group by its title (as the cards do), that nothing there is moderated any more."""
    app = await tg_app(extra_community=NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        chat = emu.world.chats[GROUP]
        emu.inject_raw({"my_chat_member": {
            "chat": chat.as_json(), "from": emu.world.user(ADMIN), "date": 1,
            "old_chat_member": {"status": "administrator", "user": emu.world.bot_user,
                                **chat.bot_rights},
            "new_chat_member": {"status": "kicked", "user": emu.world.bot_user,
                                "until_date": 0}}})
        await emu.wait_for(lambda: emu.sent_texts(QUEUE), what="the queue notice")
        await settle(emu, QUEUE)
    (notice,) = group_texts(emu, QUEUE)
    assert "Demo" in notice and "удалили" in notice, notice
    assert reads_russian(notice, "Demo"), (notice, latin_leaks(notice, "Demo"))


async def test_en_queue_hears_that_the_bot_was_removed_from_a_vk_chat(emulator, vk_en) -> None:
    emulator.peer(VK_CHAT).title = "Parents Chat"
    emulator.post_message(VK_CHAT, VK_BOB, "hello everyone")
    await vk_settle(emulator)
    emulator.post_message(VK_CHAT, VK_MOD, "", action={"type": "chat_kick_user",
                                                       "member_id": -emulator.group_id})
    notice = (await emulator.wait_for(lambda: vk_texts(emulator, VK_QUEUE)))[0]
    assert notice.startswith("I was removed from "), notice
    assert "vk:2000000001" in notice and "nothing there is moderated" in notice, notice
    assert not internal_leaks(notice), notice
