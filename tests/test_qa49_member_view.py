"""QA round 49: a regular member's view, on Telegram and on VK.

Everything a member (never a moderator) sees and does, in the community's chats and in a
private chat with the bot: /help and /start, /faq, asking questions (answered in reply, or
silence), "did you mean" buttons (private only; pressed twice; pressed where they do not
belong), /report with and without a reply and with a reason, the outcome of a report, being
warned or muted (does the notice say why and for how long), trying moderator commands (one
quiet refusal, no leak of who the moderators are), writing to the bot in private out of the
blue, and English in a Russian chat.

The bar is a mature moderation bot (Rose, Combot, tg-spam): polite, short, never spammy, in the
chat's language, never leaking internals (ids, config keys, stack traces). Every test drives the
real adapters against the local emulators (tests/tg_emulator, tests/vk_emulator); time moves
only by the injected FakeClock. An xfail(strict) marks a product problem.
"""

from __future__ import annotations

import itertools
import json
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
from tg_emulator.wire import WITNESS, render, replies_to, reply_messages, wall_clock
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

VK_BOB = 501  # VK members (VK_MOD = 900 is the community's listed moderator)
VK_EVA = 502
VK_STRANGER = 777  # never seen in any of the community's chats
WITNESS_BASE = 610_000  # bystanders whose /help marks "all before was handled"

FAQ_EN = textwrap.dedent('''
    [[faq]]
    id = "pay"
    lang = "en"
    questions = ["How do I pay for the course?", "Can I pay by card?"]
    answer = "Pay by card on the website or by bank transfer."

    [[faq]]
    id = "lessons"
    lang = "en"
    questions = ["When are the lessons?"]
    answer = "Lessons are on Tuesdays and Thursdays at 7 pm."

    [[faq]]
    id = "refund"
    lang = "en"
    questions = ["How do I get a refund?"]
    answer = "Write to support within 14 days for a full refund."
    ''')
PAY = "Pay by card on the website or by bank transfer."
LESSONS = "Lessons are on Tuesdays and Thursdays at 7 pm."

FAQ_RU = textwrap.dedent('''
    [[faq]]
    id = "price"
    lang = "ru"
    questions = ["Сколько стоит абонемент?", "Какая цена абонемента на месяц?"]
    answer = "Абонемент стоит 3000 рублей в месяц."

    [[faq]]
    id = "training"
    lang = "ru"
    questions = ["Во сколько начинаются тренировки?", "Когда начинаются занятия?"]
    answer = "Тренировки начинаются в 19:00 по будням."
    ''')
PRICE_RU = "Абонемент стоит 3000 рублей в месяц."
TRAINING_RU = "Тренировки начинаются в 19:00 по будням."

FAQ_BILINGUAL = FAQ_RU + textwrap.dedent('''
    [[faq]]
    id = "price-en"
    lang = "en"
    questions = ["How much is the membership?", "What does the monthly membership cost?"]
    answer = "The membership is 3000 roubles a month."
    ''')
PRICE_EN = "The membership is 3000 roubles a month."

# the "did you mean" band made wide, as an owner who wants suggestions sets it
SUGGEST = "[community.answers]\nanswer_threshold = 0.99\nsuggest_threshold = 0.3\n"
MIDDLE = "what payment options do you accept for the course?"

NO_FLOOD = "[community.antiflood]\nenabled = false\n"

# Moderator-only command names a member's help must never offer.
MOD_COMMANDS = ("/ban", "/mute", "/kick", "/warn ", "/unwarn", "/resetwarns", "/del",
                "/queue", "/take", "/resolve", "/reject", "/abuse", "/schedule", "/purge",
                "/faq add", "/faq edit", "/faq del", "/dwarn", "/dban")

_INTERNAL = re.compile(
    r"Traceback|Exception|\bError\b|\bNone\b|\bnull\b|user_token|notice_ttl|ack_ttl|"
    r"refusal_cooldown|answer_threshold|config\.toml|\[(vk|telegram|community)[\].]|"
    r"\b(telegram|vk):-?\d+|\bfaq:show|\bt:(claim|resolve|reject)|"
    r"\b(messages|wall|groups)\.[a-zA-Z]+\b|Bad Request|Forbidden")


def leaks(text: str, *ids: int) -> list[str]:
    """Internals a member should never read: stack traces, config keys, platform refs and
    methods, and the given people's numeric ids (the moderators')."""
    found = [m.group(0) for m in _INTERNAL.finditer(text)]
    found += [str(i) for i in ids if re.search(rf"(?<!\d){i}(?!\d)", text)]
    return found


def offers_moderator_commands(text: str) -> list[str]:
    return [c for c in MOD_COMMANDS if c in text]


_CYR = re.compile(r"[а-яё]", re.I)


def russian(text: str) -> bool:
    """Russian prose: Cyrillic, and no English words once commands are taken out."""
    rest = re.sub(r"[/!][A-Za-z_]+|\bFAQ\b|\bID\b|#\d+|\bmodbot\b", " ", text)
    return bool(_CYR.search(text)) and not re.findall(r"\b[A-Za-z]{3,}\b", rest)


# --------------------------------------------------------------------------------------------
# Telegram plumbing
# --------------------------------------------------------------------------------------------

@pytest.fixture
def clock() -> FakeClock:
    return wall_clock()  # Telegram reads until_date against the real clock


@pytest.fixture
def tg_app(tmp_path: Path, emu: TelegramEmulator, clock: FakeClock,
           open_app: Callable[..., Awaitable[App]]) -> Callable[..., Awaitable[App]]:
    """A community on the Telegram emulator in ``lang``, with ``faq`` (None: no FAQ file)."""

    async def make(lang: str = "en", faq: str | None = FAQ_EN, *, extra: str = "",
                   tail: str = "", queue: bool = True) -> App:
        community = extra
        if faq is not None:
            (tmp_path / "faq.toml").write_text(faq, encoding="utf-8")
            community = 'faq = "faq.toml"\n' + community
        telegram_config(tmp_path, emu.api_base, extra_community=community, tail=tail)
        path = tmp_path / "config.toml"
        text = path.read_text(encoding="utf-8").replace('language = "en"',
                                                        f'language = "{lang}"')
        if not queue:
            text = text.replace(f'queue = "telegram:{QUEUE}"\n', "")
        path.write_text(text, encoding="utf-8")
        return await open_app(load_config(path), clock, "qa49")

    return make


_WITNESSES = itertools.count(WITNESS_BASE)


async def settle(emu: TelegramEmulator, chat: int = GROUP) -> None:
    """Everything sent before this has been processed: a bystander's /help got its answer.
    Each call asks a new bystander (the harness's one witness would run into the members'
    command budget, 5 a minute, on the test's unmoving clock)."""
    witness = next(_WITNESSES)
    probe = emu.user_message(chat, witness, "/help")
    await emu.wait_for(lambda: replies_to(emu, chat, probe["message_id"]),
                       what="a bystander's /help answer")


def _is_witness(user_id: object) -> bool:
    return isinstance(user_id, int) and (user_id == WITNESS or WITNESS_BASE <= user_id
                                         < WITNESS_BASE + 100_000)


def group_texts(emu: TelegramEmulator, chat: int = GROUP) -> list[str]:
    """The bot's texts in ``chat`` apart from the answers to settle()'s bystanders."""
    witness = {s.message_id for s in emu.world.messages.values()
               if not s.from_bot and s.chat_id == chat
               and _is_witness(s.message.get("from", {}).get("id"))}
    out = []
    for call in emu.calls_of("sendMessage"):
        if call.result["chat"]["id"] != chat:
            continue
        replied = (call.params.get("reply_parameters") or {}).get("message_id")
        if replied is not None and int(replied) in witness:
            continue
        out.append(call.result.get("text") or "")
    return out


async def ask(emu: TelegramEmulator, who: int, text: str, chat: int = GROUP,
              **extra: Any) -> dict[str, Any]:
    """``who`` writes ``text``; returns once it and everything before it was handled."""
    sent = emu.user_message(chat, who, text, **extra)
    await settle(emu)
    if chat != GROUP:
        await settle(emu)
    return sent


async def answered(emu: TelegramEmulator, who: int, text: str, chat: int = GROUP,
                   what: str = "the reply", **extra: Any) -> tuple[dict[str, Any], list[str]]:
    """``who`` writes ``text`` and waits for the bot's replies to it."""
    sent = emu.user_message(chat, who, text, **extra)
    await emu.wait_for(lambda: replies_to(emu, chat, sent["message_id"]), what=what)
    await settle(emu)
    return sent, replies_to(emu, chat, sent["message_id"])


def private_texts(emu: TelegramEmulator, user: int) -> list[str]:
    return emu.sent_texts(user)


def moderation_calls(emu: TelegramEmulator) -> list[str]:
    return [c.method for c in emu.calls if c.method in (
        "restrictChatMember", "banChatMember", "unbanChatMember", "banChatSenderChat")]


def tg_buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


# --------------------------------------------------------------------------------------------
# VK plumbing
# --------------------------------------------------------------------------------------------

VK_NAMES = {VK_BOB: ("Bob", "Brown"), VK_EVA: ("Eva", "Evans"), VK_MOD: ("Maria", "Mod"),
            VK_STRANGER: ("Stan", "Stranger")}


async def start_vk(emulator: VkEmulator, tmp_path: Path, clock: FakeClock, *,
                   lang: str = "en", faq: str | None = FAQ_EN, extra: str = "") -> VkBot:
    community = extra
    if faq is not None:
        (tmp_path / "faq.toml").write_text(faq, encoding="utf-8")
        community = 'faq = "faq.toml"\n' + community
    text = vk_config_text(emulator, community_extra=community)
    text = text.replace('language = "en"', f'language = "{lang}"')
    for uid, name in VK_NAMES.items():
        emulator.real_names[uid] = name
    emulator.add_members(VK_CHAT, VK_BOB, VK_EVA, VK_MOD)
    running = VkBot(write_vk_config(tmp_path, text), clock, emulator)
    await running.start()
    return running


@pytest.fixture
async def vk_bot(emulator: VkEmulator, tmp_path: Path, clock: FakeClock
                 ) -> AsyncIterator[Callable[..., Awaitable[VkBot]]]:
    started: list[VkBot] = []

    async def start(**kwargs: Any) -> VkBot:
        running = await start_vk(emulator, tmp_path, clock, **kwargs)
        started.append(running)
        return running

    yield start
    for running in started:
        await running.stop()


def vk_texts(emulator: VkEmulator, peer: int) -> list[str]:
    return [m.text for m in emulator.sent(peer)]


def vk_replies(emulator: VkEmulator, peer: int, cmid: int) -> list[ChatMessage]:
    return [m for m in emulator.sent(peer) if m.reply_to == cmid]


async def vk_say(emulator: VkEmulator, peer: int, who: int, text: str, *,
                 wait: bool = True, **extra: Any) -> tuple[int, list[str]]:
    """``who`` writes ``text`` in ``peer``; with ``wait``, until the bot said something new
    there; returns the cmid and what the bot said in ``peer`` after it."""
    before = len(emulator.sent(peer))
    cmid = emulator.post_message(peer, who, text, **extra)
    if wait:
        await emulator.wait_for(lambda: len(emulator.sent(peer)) > before)
    await vk_settle(emulator)
    return cmid, [m.text for m in emulator.sent(peer)[before:]]


def vk_payload(button: dict[str, Any]) -> str:
    payload = button["action"]["payload"]
    payload = payload if isinstance(payload, dict) else json.loads(payload)
    return str(payload["d"])


def vk_moderation_calls(emulator: VkEmulator) -> list[str]:
    return [c.method for c in emulator.calls if c.error is None and c.method in (
        "messages.removeChatUser", "groups.ban", "wall.deleteComment")]


# ============================================================================================
# /help and /start
# ============================================================================================

async def test_tg_member_help_in_the_group_is_short_member_only_and_cleans_up(
        tg_app, emu, fake, clock) -> None:
    """A member's /help in the group: one reply, the member's commands only (Rose's /help in a
    group does not put the admin manual in front of everyone), short, and gone after
    notice_ttl so the chat is not littered."""
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        asked, replies = await answered(emu, MEMBER, "/help")
        (reply,) = reply_messages(emu, GROUP, asked["message_id"])
        clock.advance(timedelta(minutes=2, seconds=30))
        await emu.wait_for(lambda: emu.is_deleted(GROUP, reply["message_id"]),
                           what="the help reply removing itself")
    assert len(replies) == 1, replies
    text = replies[0]
    assert "/faq" in text and "/report" in text, text
    assert not offers_moderator_commands(text), text
    assert len(text) <= 300, len(text)
    assert not leaks(text, ADMIN, LISTED_MODERATOR), leaks(text)


async def test_vk_member_help_in_a_russian_chat_is_russian_and_member_only(
        emulator, vk_bot, clock) -> None:
    """A member who writes English in a Russian community's VK chat still reads the bot in
    the chat's language; "!help" (VK's prefix) is a command like "/help"."""
    await vk_bot(lang="ru", faq=FAQ_RU)
    cmid, _ = await vk_say(emulator, VK_CHAT, VK_BOB, "!help")
    (reply,) = vk_replies(emulator, VK_CHAT, cmid)
    clock.advance(timedelta(minutes=2, seconds=30))
    await emulator.wait_for(lambda: reply.deleted)  # notice_ttl: the chat is not littered
    assert russian(reply.text), reply.text
    assert "/faq" in reply.text and "/report" in reply.text, reply.text
    assert not offers_moderator_commands(reply.text), reply.text
    assert not leaks(reply.text, VK_MOD), leaks(reply.text, VK_MOD)


async def test_tg_private_start_greets_in_russian_without_moderator_commands(
        tg_app, emu, fake) -> None:
    """Rose's /start in private: who the bot is and what a member can do, in the community's
    language, at most two messages, nothing for moderators, no ids."""
    app = await tg_app(lang="ru", faq=FAQ_RU)
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(MEMBER, MEMBER, "/start", first_name="Боб")
        await emu.wait_for(lambda: len(private_texts(emu, MEMBER)) >= 1, what="the greeting")
        await settle(emu)
        await settle(emu)
    texts = private_texts(emu, MEMBER)
    assert 1 <= len(texts) <= 2, texts
    joined = "\n".join(texts)
    assert all(russian(t) for t in texts), texts
    assert "/faq" in joined and "/complaint" in joined, joined
    assert not offers_moderator_commands(joined), joined
    assert not leaks(joined, ADMIN, LISTED_MODERATOR), leaks(joined, ADMIN, LISTED_MODERATOR)
    assert sum(len(t) for t in texts) <= 700, [len(t) for t in texts]


async def test_vk_stranger_in_private_hello_start_and_a_question(emulator, vk_bot) -> None:
    """Someone never seen in the community's chats writes to the community: plain chatter
    gets at most one short pointer (no wall of text), /start greets with the member's
    commands only, and a question from the FAQ is answered."""
    await vk_bot()
    emulator.post_private(VK_STRANGER, "hello")
    await vk_settle(emulator)
    await vk_settle(emulator)
    chatter = vk_texts(emulator, VK_STRANGER)
    assert len(chatter) <= 1, chatter
    emulator.post_private(VK_STRANGER, "/start")
    await emulator.wait_for(lambda: len(vk_texts(emulator, VK_STRANGER)) > len(chatter))
    await vk_settle(emulator)
    texts = vk_texts(emulator, VK_STRANGER)[len(chatter):]
    emulator.post_private(VK_STRANGER, "How do I pay for the course?")
    await emulator.wait_for(
        lambda: len(vk_texts(emulator, VK_STRANGER)) > len(chatter) + len(texts))
    await vk_settle(emulator)
    assert vk_texts(emulator, VK_STRANGER)[len(chatter) + len(texts):] == [PAY]
    joined = "\n".join(texts)
    assert 1 <= len(texts) <= 2, texts
    assert "/faq" in joined and "/complaint" in joined, joined
    assert not offers_moderator_commands(joined), joined
    assert not leaks(joined, VK_MOD), leaks(joined, VK_MOD)
    assert "telegram" not in joined.lower(), joined


async def test_vk_start_button_of_a_new_dialog_is_greeted(emulator, vk_bot) -> None:
    """A VK member opening the community's messages for the first time presses VK's own
    "Начать"/"Start" button: VK sends the button's text with the payload {"command":
    "start"} (dev.vk.com, bots: the Start button). That is VK's /start; on Telegram the same
    first contact (the Start button sends /start) gets the greeting."""
    await vk_bot(lang="ru", faq=FAQ_RU)
    emulator.post_private(VK_BOB, "Начать")
    emulator.updates[-1]["object"]["message"]["payload"] = json.dumps({"command": "start"})
    await vk_settle(emulator)
    await vk_settle(emulator)
    texts = vk_texts(emulator, VK_BOB)
    assert texts and any("/faq" in t for t in texts), texts


async def test_tg_private_help_of_a_telegram_only_community_does_not_talk_about_vk(
        tg_app, emu, fake) -> None:
    """The community lives on Telegram only (no [vk] section, no vk: chats). Its members'
    /help should be about what they can do here: a line about VK's forwarded-message
    reports is noise (and makes a short help long)."""
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(MEMBER, MEMBER, "/help")
        await emu.wait_for(lambda: private_texts(emu, MEMBER), what="the private help")
        await settle(emu)
        await settle(emu)
    joined = "\n".join(private_texts(emu, MEMBER))
    assert "VK" not in joined and "ВКонтакте" not in joined, joined


# ============================================================================================
# /faq and questions
# ============================================================================================

async def test_tg_member_faq_lists_questions_and_faq_id_shows_one_answer(
        tg_app, emu, fake) -> None:
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        _, listing = await answered(emu, MEMBER, "/faq")
        _, one = await answered(emu, MEMBER, "/faq lessons")
    assert len(listing) == 1, listing
    for question in ("How do I pay for the course?", "When are the lessons?",
                     "How do I get a refund?"):
        assert question in listing[0], listing[0]
    assert not offers_moderator_commands(listing[0]), listing[0]
    assert one == [LESSONS], one


async def test_tg_member_asking_through_faq_gets_no_moderator_manual(
        tg_app, emu, fake) -> None:
    """Members type "/faq when are the lessons" (the command, then their question). Whatever
    the bot makes of it, a member should not be handed the moderators' editing manual
    (/faq add | edit | del): the same bar as /help, members are not offered moderator
    commands."""
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        _, replies = await answered(emu, MEMBER, "/faq when are the lessons")
    assert len(replies) == 1, replies
    assert not offers_moderator_commands(replies[0]), replies[0]


async def test_tg_confident_question_is_answered_in_reply_unsure_one_gets_silence(
        tg_app, emu, fake) -> None:
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        asked, replies = await answered(emu, MEMBER, "When are the lessons?")
        unsure = await ask(emu, OTHER_MEMBER, "Is the teacher nice to beginners?")
    assert replies == [LESSONS], replies
    (answer,) = reply_messages(emu, GROUP, asked["message_id"])
    assert answer["reply_to_message"]["message_id"] == asked["message_id"]
    assert replies_to(emu, GROUP, unsure["message_id"]) == []
    assert group_texts(emu) == [LESSONS], group_texts(emu)


async def test_vk_confident_question_is_answered_in_reply_unsure_one_gets_silence(
        emulator, vk_bot) -> None:
    await vk_bot()
    cmid, said = await vk_say(emulator, VK_CHAT, VK_BOB, "When are the lessons?")
    _, unsure = await vk_say(emulator, VK_CHAT, VK_EVA, "Is the teacher nice to beginners?",
                             wait=False)
    assert said == [LESSONS], said
    assert [m.text for m in vk_replies(emulator, VK_CHAT, cmid)] == [LESSONS]
    assert unsure == [], unsure


async def test_tg_did_you_mean_in_private_only_press_shows_the_answer_twice_is_calm(
        tg_app, emu, fake) -> None:
    """Middle band: in the group, silence; in private, "Did you mean" with the FAQ's own
    questions as buttons (no ids). A press answers the button (no spinner) and shows the
    answer; an impatient second press is answered too ("the answer is above"), without posting
    it again, and the chat gets no error."""
    app = await tg_app(extra=SUGGEST)
    async with RunningBot(app, fast_options(fake)):
        in_group = await ask(emu, MEMBER, MIDDLE)
        asked = emu.user_message(MEMBER, MEMBER, MIDDLE)
        await emu.wait_for(lambda: reply_messages(emu, MEMBER, asked["message_id"]),
                           what="did you mean")
        (offer,) = reply_messages(emu, MEMBER, asked["message_id"])
        buttons = tg_buttons(offer)
        pay = next(b for b in buttons if b["text"] == "How do I pay for the course?")
        before = len(private_texts(emu, MEMBER))
        first = emu.press(MEMBER, offer["message_id"], MEMBER, pay["callback_data"])
        await emu.wait_for(lambda: emu.world.callbacks[first].get("answered"), what="1st")
        second = emu.press(MEMBER, offer["message_id"], MEMBER, pay["callback_data"])
        await emu.wait_for(lambda: emu.world.callbacks[second].get("answered"), what="2nd")
        await settle(emu)
    assert replies_to(emu, GROUP, in_group["message_id"]) == []
    assert not any(tg_buttons(m) for m in emu.sent_messages(GROUP))
    assert offer["text"] == render("faq.did_you_mean"), offer["text"]
    assert 1 <= len(buttons) <= 3, buttons
    assert all(not leaks(b["text"]) and ":" not in b["text"] for b in buttons), buttons
    for query, key in ((first, "faq.shown"), (second, "faq.shown_above")):
        told = emu.world.callbacks[query]["answered"]  # no spinner, no alarming pop-up
        assert told["text"] == render(key) and not told["show_alert"], told
    shown = private_texts(emu, MEMBER)[before:]
    assert shown == [PAY], shown  # the second press does not post the answer again
    assert not emu.calls_of("sendMessage", ok=False), emu.calls_of("sendMessage", ok=False)


async def test_vk_did_you_mean_in_private_press_shows_the_answer_twice_is_calm(
        emulator, vk_bot) -> None:
    await vk_bot(extra=SUGGEST)
    _, in_chat = await vk_say(emulator, VK_CHAT, VK_BOB, MIDDLE, wait=False)
    emulator.post_private(VK_BOB, MIDDLE)
    offers = await emulator.wait_for(lambda: [m for m in emulator.sent(VK_BOB) if m.keyboard])
    (offer,) = offers
    buttons = [b for row in offer.keyboard["buttons"] for b in row]
    pay = next(b for b in buttons if b["action"]["label"] == "How do I pay for the course?")
    before = len(vk_texts(emulator, VK_BOB))
    emulator.press(VK_BOB, VK_BOB, offer.cmid, vk_payload(pay))
    await emulator.wait_calls("messages.sendMessageEventAnswer", 1)
    emulator.press(VK_BOB, VK_BOB, offer.cmid, vk_payload(pay))
    await emulator.wait_calls("messages.sendMessageEventAnswer", 2)
    await vk_settle(emulator)
    assert in_chat == [], in_chat
    assert offer.text == render("faq.did_you_mean"), offer.text
    assert 1 <= len(buttons) <= 3, buttons
    shown = vk_texts(emulator, VK_BOB)[before:]
    assert shown == [PAY], shown


async def test_vk_member_faq_list_and_a_faq_button_pressed_in_the_chat(
        emulator, vk_bot) -> None:
    """A member's /faq in the chat lists the questions (no moderator manual). README: "Did
    you mean" buttons live in private chats only ("pressed in a group they do nothing").
    Another member pressing a forged FAQ button under a bot message in the
    community chat must not make the bot post an answer to everyone."""
    await vk_bot()
    cmid, _ = await vk_say(emulator, VK_CHAT, VK_BOB, "/faq")
    (listing,) = vk_replies(emulator, VK_CHAT, cmid)
    assert "When are the lessons?" in listing.text and "How do I pay" in listing.text, \
        listing.text
    assert not offers_moderator_commands(listing.text), listing.text
    before = len(vk_texts(emulator, VK_CHAT))
    emulator.press(VK_CHAT, VK_EVA, listing.cmid, "faq:show:pay")
    await emulator.wait_calls("messages.sendMessageEventAnswer", 1)
    await vk_settle(emulator)
    assert vk_texts(emulator, VK_CHAT)[before:] == []


# ============================================================================================
# /report
# ============================================================================================

async def test_tg_report_with_reason_and_on_a_moderator_get_plain_acks(
        tg_app, emu, fake, clock) -> None:
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        bad = emu.user_message(GROUP, OTHER_MEMBER, "cheap watches at spam.example")
        rep, acks = await answered(emu, MEMBER, "/report selling watches",
                                   reply_to=bad["message_id"])
        await emu.wait_for(lambda: emu.sent_texts(QUEUE), what="the card")
        (ack,) = reply_messages(emu, GROUP, rep["message_id"])
        mod_msg = emu.user_message(GROUP, LISTED_MODERATOR, "Chat closes at 10 pm.")
        _, on_mod = await answered(emu, MEMBER, "/report rude",
                                   reply_to=mod_msg["message_id"])
        clock.advance(timedelta(minutes=1, seconds=30))
        await emu.wait_for(lambda: emu.is_deleted(GROUP, ack["message_id"]),
                           what="the ack removing itself (ack_ttl)")
    assert acks == [render("complaints.ack", number=1)], acks
    # the card marks a report against a moderator for the queue; the reporter's ack is the
    # ordinary one: the bot does not tell members who moderates
    assert on_mod == [render("complaints.ack", number=2)], on_mod
    card = emu.sent_texts(QUEUE)[0]
    assert "selling watches" in card and "cheap watches" in card, card
    assert not emu.is_deleted(GROUP, bad["message_id"]), "a report is not a verdict"


async def test_vk_report_without_reply_with_reason_and_on_a_moderator(
        emulator, vk_bot) -> None:
    """Without a reply: how to report, nothing filed. In reply, with a reason: one ack with
    the number, the reason on the card. On a moderator's message: the same ordinary ack (the
    card marks it for the queue; the member learns nothing about who moderates)."""
    await vk_bot()
    bare, _ = await vk_say(emulator, VK_CHAT, VK_BOB, "!report spam")
    assert [m.text for m in vk_replies(emulator, VK_CHAT, bare)] == [
        render("complaints.report_usage")]
    assert vk_texts(emulator, VK_QUEUE) == []
    bad = emulator.post_message(VK_CHAT, VK_EVA, "cheap watches at spam.example")
    cmid, _ = await vk_say(emulator, VK_CHAT, VK_BOB, "!report selling watches", reply_to=bad)
    await emulator.wait_for(lambda: vk_texts(emulator, VK_QUEUE))
    mod_msg = emulator.post_message(VK_CHAT, VK_MOD, "Chat closes at 10 pm.")
    on_mod, _ = await vk_say(emulator, VK_CHAT, VK_BOB, "!report rude", reply_to=mod_msg)
    assert [m.text for m in vk_replies(emulator, VK_CHAT, cmid)] == [
        render("complaints.ack", number=1)]
    assert [m.text for m in vk_replies(emulator, VK_CHAT, on_mod)] == [
        render("complaints.ack", number=2)]
    cards = [t for t in vk_texts(emulator, VK_QUEUE) if "#1" in t]
    assert len(cards) == 1 and "selling watches" in cards[0], cards


async def test_tg_report_without_reply_of_ones_own_message_and_admin_call(
        tg_app, emu, fake, clock) -> None:
    """/report without a reply says how to report and files nothing (and the hint goes
    after ack_ttl); reporting one's own message is refused politely (README); Rose's
    "@admin" in reply to a message is a report, its words the reason."""
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        bare, usage = await answered(emu, MEMBER, "/report spam")
        assert emu.sent_texts(QUEUE) == [], emu.sent_texts(QUEUE)
        (hint,) = reply_messages(emu, GROUP, bare["message_id"])
        clock.advance(timedelta(minutes=1, seconds=30))
        await emu.wait_for(lambda: emu.is_deleted(GROUP, hint["message_id"]),
                           what="the usage removing itself (ack_ttl)")
        mine = emu.user_message(GROUP, MEMBER, "oops, wrong chat")
        _, own = await answered(emu, MEMBER, "/report", reply_to=mine["message_id"])
        bad = emu.user_message(GROUP, OTHER_MEMBER, "join my casino t.me/casino_spam")
        _, called = await answered(emu, MEMBER, "@admin casino spam again",
                                   reply_to=bad["message_id"])
        await emu.wait_for(lambda: emu.sent_texts(QUEUE), what="the card")
    assert usage == [render("complaints.report_usage")], usage
    assert own == [render("complaints.report_own")], own
    assert called == [render("complaints.ack", number=1)], called
    (card,) = emu.sent_texts(QUEUE)
    assert "casino spam again" in card, card


async def test_tg_reporter_hears_the_outcome_privately_in_russian_with_the_note(
        tg_app, emu, fake) -> None:
    """A reporter who has a private chat with the bot is told the outcome there, once, in the
    community's language, with the moderator's note; nothing about it in the group."""
    app = await tg_app(lang="ru", faq=FAQ_RU)
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(MEMBER, MEMBER, "/start")
        await emu.wait_for(lambda: len(private_texts(emu, MEMBER)) >= 2, what="greeting")
        await settle(emu)
        before = len(private_texts(emu, MEMBER))
        bad = emu.user_message(GROUP, OTHER_MEMBER, "дешёвые часы на spam.example")
        await answered(emu, MEMBER, "/report спам", reply_to=bad["message_id"])
        await emu.wait_for(lambda: emu.sent_texts(QUEUE), what="the card")
        emu.user_message(QUEUE, ADMIN, "/resolve 1 автор предупреждён")
        await emu.wait_for(lambda: len(private_texts(emu, MEMBER)) > before, what="outcome")
        await settle(emu)
        await settle(emu, QUEUE)
    told = private_texts(emu, MEMBER)[before:]
    assert told == [render("complaints.outcome_resolved", "ru", number=1,
                           note=render("complaints.outcome_note", "ru",
                                       note="автор предупреждён"))], told
    assert russian(told[0]), told[0]
    assert not leaks(told[0], ADMIN), told[0]
    assert not [t for t in group_texts(emu) if "рассмотрена" in t], group_texts(emu)


async def test_vk_reporter_hears_a_rejection_privately_with_the_reason(
        emulator, vk_bot) -> None:
    await vk_bot()
    bad = emulator.post_message(VK_CHAT, VK_EVA, "I disagree with the rules")
    await vk_say(emulator, VK_CHAT, VK_BOB, "!report rude", reply_to=bad)
    await emulator.wait_for(lambda: vk_texts(emulator, VK_QUEUE))
    emulator.post_message(VK_QUEUE, VK_MOD, "!reject 1 an opinion is not a violation")
    told = await emulator.wait_for(lambda: vk_texts(emulator, VK_BOB))
    await vk_settle(emulator)
    told = vk_texts(emulator, VK_BOB)
    assert len(told) == 1, told
    assert told[0].startswith(render("complaints.outcome_rejected", number=1, note="")), told
    assert "an opinion is not a violation" in told[0], told
    assert not leaks(told[0], VK_MOD), told[0]
    assert not [t for t in vk_texts(emulator, VK_CHAT) if "reviewed" in t]


async def test_tg_private_complaint_prompt_then_text_files_one_ticket(
        tg_app, emu, fake) -> None:
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(MEMBER, MEMBER, "/complaint")
        await emu.wait_for(lambda: private_texts(emu, MEMBER), what="the prompt")
        emu.user_message(MEMBER, MEMBER, "Someone keeps sending me scam links in DMs")
        await emu.wait_for(lambda: len(private_texts(emu, MEMBER)) >= 2, what="the ack")
        await emu.wait_for(lambda: emu.sent_texts(QUEUE), what="the card")
        (card,) = emu.sent_texts(QUEUE)
        emu.user_message(QUEUE, ADMIN, "/reject 1 we can't see private messages")
        await emu.wait_for(lambda: len(private_texts(emu, MEMBER)) >= 3, what="the outcome")
        await settle(emu)
    assert private_texts(emu, MEMBER) == [
        render("complaints.private_prompt"), render("complaints.ack", number=1),
        render("complaints.outcome_rejected", number=1,
               note=render("complaints.outcome_note", note="we can't see private messages"))]
    assert "scam links" in card, card


async def test_tg_cancel_after_a_bare_complaint_files_nothing_and_questions_work_again(
        tg_app, emu, fake) -> None:
    """A member types /complaint, gets "describe your complaint in your next message", and
    changes their mind: /cancel, as every Telegram conversation bot understands it. Nothing
    reaches the queue, the member is not thanked for a report, and their next question is
    answered from the FAQ, not filed as a complaint."""
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(MEMBER, MEMBER, "/complaint")
        await emu.wait_for(lambda: private_texts(emu, MEMBER), what="the prompt")
        emu.user_message(MEMBER, MEMBER, "/cancel")
        await emu.wait_for(lambda: len(private_texts(emu, MEMBER)) >= 2, what="cancelled")
        emu.user_message(MEMBER, MEMBER, "When are the lessons?")
        await emu.wait_for(lambda: len(private_texts(emu, MEMBER)) >= 3, what="the answer")
        await settle(emu)
    texts = private_texts(emu, MEMBER)
    assert emu.sent_texts(QUEUE) == [], emu.sent_texts(QUEUE)
    assert "/cancel" in texts[0], texts  # the prompt says how to back out
    assert render("complaints.ack", number=1) not in texts, texts
    assert texts[2:] == [LESSONS], texts


async def test_vk_cancel_after_a_bare_complaint_files_nothing(emulator, vk_bot) -> None:
    await vk_bot()
    emulator.post_private(VK_BOB, "!complaint")
    await emulator.wait_for(lambda: vk_texts(emulator, VK_BOB))
    emulator.post_private(VK_BOB, "!cancel")
    await emulator.wait_for(lambda: len(vk_texts(emulator, VK_BOB)) >= 2)
    await vk_settle(emulator)
    assert vk_texts(emulator, VK_QUEUE) == [], vk_texts(emulator, VK_QUEUE)
    assert render("complaints.ack", number=1) not in vk_texts(emulator, VK_BOB), \
        vk_texts(emulator, VK_BOB)


async def test_tg_after_the_complaint_prompt_commands_are_not_complaint_text(
        tg_app, emu, fake) -> None:
    """The prompt asks for the complaint "in your next message". A command is not a
    complaint's text: a member's "/stop" (another common way out of a bot dialogue; an
    unknown command gets no reply, README) must not become ticket "/stop" with "sent to the
    moderators". A member who instead runs /faq has moved on: the question they ask after
    the list is a question for the FAQ, not a complaint."""
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(MEMBER, MEMBER, "/complaint")
        await emu.wait_for(lambda: private_texts(emu, MEMBER), what="the prompt")
        emu.user_message(MEMBER, MEMBER, "/stop")
        await settle(emu)
        await settle(emu)
        emu.user_message(OTHER_MEMBER, OTHER_MEMBER, "/complaint")
        await emu.wait_for(lambda: private_texts(emu, OTHER_MEMBER), what="the prompt")
        emu.user_message(OTHER_MEMBER, OTHER_MEMBER, "/faq")
        await emu.wait_for(lambda: len(private_texts(emu, OTHER_MEMBER)) >= 2, what="list")
        emu.user_message(OTHER_MEMBER, OTHER_MEMBER, "When are the lessons?")
        await emu.wait_for(lambda: len(private_texts(emu, OTHER_MEMBER)) >= 3, what="reply")
        await settle(emu)
    assert not [t for t in emu.sent_texts(QUEUE) if "/stop" in t], emu.sent_texts(QUEUE)
    assert private_texts(emu, OTHER_MEMBER)[2:] == [LESSONS], private_texts(emu, OTHER_MEMBER)
    assert emu.sent_texts(QUEUE) == [], emu.sent_texts(QUEUE)


# ============================================================================================
# Being warned or muted
# ============================================================================================

async def test_tg_moderator_mute_notice_says_who_why_and_for_how_long(
        tg_app, emu, fake, clock) -> None:
    app = await tg_app(extra=NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        bad = emu.user_message(GROUP, MEMBER, "buy my course!!!", first_name="Bob")
        _, notice = await answered(emu, ADMIN, "/mute 2h advertising",
                                   reply_to=bad["message_id"])
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="the mute")
    (text,) = notice
    assert "Bob" in text and "2h" in text and "advertising" in text, text
    assert not leaks(text, ADMIN, MEMBER), leaks(text, ADMIN, MEMBER)
    (mute,) = emu.calls_of("restrictChatMember")
    until = int(mute.params["until_date"])
    assert abs(until - (clock.now().timestamp() + 7200)) <= 60, until - clock.now().timestamp()


async def test_vk_moderator_mute_notice_says_what_vk_did_and_why(emulator, vk_bot) -> None:
    """VK has no timed mute (default fallback: removal from the chat): the notice must not
    promise a mute that did not happen, and still says why."""
    await vk_bot(extra=NO_FLOOD)
    bad = emulator.post_message(VK_CHAT, VK_BOB, "buy my course!!!")
    _, said = await vk_say(emulator, VK_CHAT, VK_MOD, "!mute 2h advertising", reply_to=bad)
    await emulator.wait_calls("messages.removeChatUser")
    (text,) = said
    assert "Bob" in text and "advertising" in text, text
    assert "removed" in text.lower(), text
    assert not leaks(text, VK_MOD, VK_BOB), leaks(text, VK_MOD, VK_BOB)


async def test_tg_warned_member_sees_own_warnings_in_private_and_not_others(
        tg_app, emu, fake) -> None:
    """As in Rose: a member may look up their own warnings (in the group or privately), with
    the reasons, but not anyone else's; nothing names the moderator who warned them."""
    app = await tg_app(extra=NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        bad = emu.user_message(GROUP, MEMBER, "spam spam", first_name="Bob")
        await answered(emu, ADMIN, "/warn spamming links", reply_to=bad["message_id"])
        other = emu.user_message(GROUP, OTHER_MEMBER, "hello", first_name="Eva",
                                 username="eva")
        await answered(emu, ADMIN, "/warn off-topic", reply_to=other["message_id"])
        emu.user_message(MEMBER, MEMBER, "/warns")
        await emu.wait_for(lambda: private_texts(emu, MEMBER), what="own warnings")
        _, theirs = await answered(emu, MEMBER, "/warns @eva")
    (own,) = private_texts(emu, MEMBER)
    assert "spamming links" in own and "1" in own, own
    assert not leaks(own, ADMIN), leaks(own, ADMIN)
    assert "off-topic" not in " ".join(theirs), theirs
    assert theirs == [render("common.not_moderator", command="/warns")], theirs


async def test_vk_warned_member_sees_own_warnings_in_private(emulator, vk_bot) -> None:
    await vk_bot(extra=NO_FLOOD)
    bad = emulator.post_message(VK_CHAT, VK_BOB, "spam spam")
    await vk_say(emulator, VK_CHAT, VK_MOD, "!warn spamming links", reply_to=bad)
    emulator.post_private(VK_BOB, "!warns")
    await emulator.wait_for(lambda: vk_texts(emulator, VK_BOB))
    await vk_settle(emulator)
    (own,) = vk_texts(emulator, VK_BOB)
    assert "spamming links" in own, own
    assert not leaks(own, VK_MOD), leaks(own, VK_MOD)


async def test_tg_russian_swearing_in_an_english_chat_is_explained_in_english(
        tg_app, emu, fake) -> None:
    """The notice is in the chat's language whatever language the member swore in: why
    (strong language), what comes next; never the word itself."""
    app = await tg_app(extra=NO_FLOOD)
    async with RunningBot(app, fast_options(fake)):
        bad = emu.user_message(GROUP, MEMBER, "ну ты и мудак", first_name="Bob")
        await emu.wait_for(lambda: emu.is_deleted(GROUP, bad["message_id"]), what="deleted")
        await emu.wait_for(lambda: group_texts(emu), what="the notice")
        await settle(emu)
    (notice,) = group_texts(emu)
    assert not leaks(notice, ADMIN, LISTED_MODERATOR, MEMBER), leaks(notice)
    assert notice.startswith("Bob, your message was removed for strong language."), notice
    assert "Warning 1 of 4; next: mute 1h." in notice, notice
    assert "мудак" not in notice.lower(), notice


async def test_vk_english_swearing_in_a_russian_chat_is_explained_in_russian(
        emulator, vk_bot) -> None:
    await vk_bot(lang="ru", faq=FAQ_RU, extra=NO_FLOOD)
    _, said = await vk_say(emulator, VK_CHAT, VK_BOB, "fuck this chat")
    (notice,) = said
    assert russian(notice.replace("Bob Brown", "")), notice
    assert "fuck" not in notice.lower(), notice
    assert "Предупреждение 1 из 4" in notice, notice


# ============================================================================================
# Trying moderator commands
# ============================================================================================

async def test_tg_member_trying_moderator_commands_gets_one_quiet_refusal(
        tg_app, emu, fake) -> None:
    """Rose: a member's /ban gets "You need to be an admin to do this", once in a while, and
    nothing happens. Here: one polite refusal per refusal_cooldown for /ban, /mute, /kick,
    /queue, /take, /faq add; no action; no names or ids of moderators; a typo of a moderator
    command from a member is not answered at all (README)."""
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, OTHER_MEMBER, "hi all")
        _, refusal = await answered(emu, MEMBER, "/ban", reply_to=target["message_id"])
        later = [emu.user_message(GROUP, MEMBER, text, reply_to=target["message_id"])
                 for text in ("/mute 10m", "/kick", "/queue", "/take 1",
                              "/faq add Q | A", "/bna")]
        await settle(emu)
        await settle(emu)
    assert refusal == [render("common.not_moderator", command="/ban")], refusal
    assert not leaks(refusal[0], ADMIN, LISTED_MODERATOR)
    assert [replies_to(emu, GROUP, m["message_id"]) for m in later] == [[]] * len(later)
    assert moderation_calls(emu) == [], moderation_calls(emu)
    assert group_texts(emu) == refusal, group_texts(emu)


async def test_vk_member_trying_moderator_commands_gets_one_quiet_refusal(
        emulator, vk_bot) -> None:
    await vk_bot()
    target = emulator.post_message(VK_CHAT, VK_EVA, "hi all")
    _, said = await vk_say(emulator, VK_CHAT, VK_BOB, "!ban", reply_to=target)
    for text in ("!mute 10m", "/kick", "!queue", "!take 1", "!bna"):
        emulator.post_message(VK_CHAT, VK_BOB, text, reply_to=target)
    await vk_settle(emulator)
    await vk_settle(emulator)
    assert said == [render("common.not_moderator", command="/ban")], said
    assert not leaks(said[0], VK_MOD)
    assert vk_texts(emulator, VK_CHAT) == said, vk_texts(emulator, VK_CHAT)
    assert vk_moderation_calls(emulator) == [], vk_moderation_calls(emulator)


# ============================================================================================
# Private chat out of the blue; languages
# ============================================================================================

async def test_tg_stranger_writing_privately_is_not_spammed_and_sees_no_internals(
        tg_app, emu, fake) -> None:
    """Someone never seen in the group writes to the bot: plain chatter is not answered with
    a wall of text (at most one short pointer); a question from the FAQ is answered; a
    community without a queue still says honestly what happens to a complaint."""
    stranger = 4242
    app = await tg_app(queue=False)
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(stranger, stranger, "hello")
        await settle(emu)
        await settle(emu)
        chatter = list(private_texts(emu, stranger))
        emu.user_message(stranger, stranger, "When are the lessons?")
        await emu.wait_for(lambda: len(private_texts(emu, stranger)) > len(chatter),
                           what="the answer")
        emu.user_message(stranger, stranger, "/complaint the admin deleted my post")
        await emu.wait_for(lambda: len(private_texts(emu, stranger)) > len(chatter) + 1,
                           what="the complaint ack")
        await settle(emu)
    assert len(chatter) <= 1, chatter
    texts = private_texts(emu, stranger)
    assert texts[len(chatter)] == LESSONS, texts
    assert texts[len(chatter) + 1] == render("complaints.ack_no_queue", number=1), texts
    for text in texts:
        assert not leaks(text, ADMIN, LISTED_MODERATOR), (text, leaks(text))


async def test_tg_english_question_in_a_russian_chat_gets_the_english_entry(
        tg_app, emu, fake) -> None:
    """README: a bilingual FAQ holds answers in both languages; a question with English
    words is matched against the English entries, Cyrillic against the Russian ones; the
    bot's own texts stay in the chat's language."""
    app = await tg_app(lang="ru", faq=FAQ_BILINGUAL)
    async with RunningBot(app, fast_options(fake)):
        _, en = await answered(emu, MEMBER, "How much is the membership?")
        _, ru = await answered(emu, OTHER_MEMBER, "Сколько стоит абонемент?")
        _, help_ = await answered(emu, MEMBER, "/help")
    assert en == [PRICE_EN], en
    assert ru == [PRICE_RU], ru
    assert russian(help_[0]), help_


async def test_vk_russian_in_latin_letters_in_a_russian_chat_is_answered(
        emulator, vk_bot) -> None:
    """README: "Russian typed in Latin letters [is matched] against all" entries."""
    await vk_bot(lang="ru", faq=FAQ_RU)
    _, said = await vk_say(emulator, VK_CHAT, VK_BOB, "skolko stoit abonement?")
    assert said == [PRICE_RU], said


