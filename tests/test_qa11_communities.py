"""QA round 11: one bot, several communities. Two communities in one config, driven through
the real Telegram and VK adapters against the local emulators:

- "alpha" (ru): Telegram group -1001 + VK chat 2000000001, queue Telegram -2002 (QA),
  listed moderator telegram:900, admin 700 of its Telegram chats, default ladder (4 steps);
- "beta" (en): Telegram group -1101 + VK chat 2000000003, queue Telegram -2102 (QB),
  listed moderator telegram:901, admin 701 of its Telegram chats, ladder warn/warn/ban,
  audit = true (every moderation action is also posted to QB).

Each test states what a moderator, member or owner expects; a failing test is a finding (see
/tmp/qa11.md)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tg_emulator import TelegramEmulator
from tg_emulator.harness import TOKEN, FakeTime, fast_options
from tg_emulator.wire import render, replies_to, wall_clock
from vk_emulator.harness import Sleeps
from vk_emulator.server import VkEmulator

from bot.app import App, create_app
from bot.config import ConfigError, load_config
from bot.core.clock import FakeClock

GROUP_A, QUEUE_A = -1001, -2002
GROUP_B, QUEUE_B = -1101, -2102
VK_A, VK_B = 2_000_000_001, 2_000_000_003
ADMIN_A, ADMIN_B = 700, 701
LISTED_A, LISTED_B = 900, 901
BOB, CAROL = 111, 222  # members present in both groups
WITNESS = 333
VK_BOB = 501
VK_CAROL = 502
VK_ADMIN_A = 600

FAQ_A = '''
[[faq]]
id = "pay-ru"
lang = "ru"
questions = ["Как оплатить курс?", "Можно оплатить картой?"]
answer = "Альфа: оплатить можно картой на сайте альфы."

[[faq]]
id = "hours-ru"
lang = "ru"
questions = ["Во сколько вы открываетесь?", "Когда вы работаете?"]
answer = "Альфа работает с 9 до 18."
'''

FAQ_B = '''
[[faq]]
id = "pay"
lang = "en"
questions = ["How do I pay for the course?", "Can I pay by card?"]
answer = "Beta: pay by card on the beta website."

[[faq]]
id = "hours"
lang = "en"
questions = ["When are you open?", "What are your opening hours?"]
answer = "Beta is open every day from 8:00 to 22:00."
'''


def two_communities(folder: Path, tg: TelegramEmulator, vk: VkEmulator) -> Path:
    (folder / "faq_a.toml").write_text(FAQ_A, encoding="utf-8")
    (folder / "faq_b.toml").write_text(FAQ_B, encoding="utf-8")
    path = folder / "config.toml"
    path.write_text(textwrap.dedent(f"""
        [database]
        url = "sqlite+aiosqlite:///modbot.db"

        [telegram]
        token = "{TOKEN}"
        api_base = "{tg.api_base}"
        poll_timeout = 1

        [vk]
        token = "{vk.token}"
        user_token = "{vk.user_token}"
        group_id = {vk.group_id}
        api_base = "{vk.api_base}"
        poll_wait = 1

        [[community]]
        name = "alpha"
        language = "ru"
        timezone = "UTC"
        faq = "faq_a.toml"
        chats = ["telegram:{GROUP_A}", "vk:{VK_A}"]
        moderators = ["telegram:{LISTED_A}"]
        queue = "telegram:{QUEUE_A}"

        [[community.schedule]]
        cron = "0 10 * * MON"
        text = "Alpha weekly digest"
        chats = ["telegram:{GROUP_A}"]

        [[community]]
        name = "beta"
        language = "en"
        timezone = "UTC"
        faq = "faq_b.toml"
        chats = ["telegram:{GROUP_B}", "vk:{VK_B}"]
        moderators = ["telegram:{LISTED_B}"]
        queue = "telegram:{QUEUE_B}"
        audit = true

        [community.moderation]
        ladder = [{{ action = "warn" }}, {{ action = "warn" }}, {{ action = "ban" }}]

        [[community.schedule]]
        cron = "0 11 * * TUE"
        text = "Beta weekly digest"
        chats = ["telegram:{GROUP_B}"]
        """), encoding="utf-8")
    return path


@pytest.fixture
async def tg() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(TOKEN) as emulator:
        emulator.group(GROUP_A, title="Alpha", admins=(ADMIN_A,))
        emulator.group(QUEUE_A, title="Alpha queue", admins=(ADMIN_A,))
        emulator.group(GROUP_B, title="Beta", admins=(ADMIN_B,))
        emulator.group(QUEUE_B, title="Beta queue", admins=(ADMIN_B,))
        yield emulator


@pytest.fixture
async def vk() -> AsyncIterator[VkEmulator]:
    emulator = await VkEmulator().start()
    emulator.add_members(VK_A, VK_BOB)
    emulator.add_members(VK_B, VK_BOB)
    emulator.set_admins(VK_A, VK_ADMIN_A)
    emulator.add_members(VK_B, VK_ADMIN_A, VK_CAROL)
    emulator.screen_names[VK_BOB] = "vkbob"
    yield emulator
    await emulator.close()


@pytest.fixture
def clock() -> FakeClock:
    return wall_clock()


class Bot:
    """Both adapters on one App, as `modbot run` does."""

    def __init__(self, app: App, tg: TelegramEmulator, vk: VkEmulator) -> None:
        self.app, self.tg, self.vk = app, tg, vk
        self.stop = asyncio.Event()
        self.tasks: list[asyncio.Task[Any]] = []

    async def __aenter__(self) -> Bot:
        from handlers.telegram.runner import run_telegram
        from handlers.vk.runner import run_vk

        before = len(self.vk.calls_to("longpoll.check"))
        self.tasks.append(asyncio.create_task(
            run_telegram(self.app, self.stop, options=fast_options(FakeTime()))))
        self.tasks.append(asyncio.create_task(
            run_vk(self.app, self.stop, sleeper=Sleeps(), housekeeping=False)))
        await self.vk.wait_for(lambda: len(self.vk.calls_to("longpoll.check")) > before)
        return self

    async def __aexit__(self, exc_type: Any, *rest: Any) -> None:
        self.stop.set()
        if exc_type is None:
            await asyncio.wait_for(asyncio.gather(*self.tasks), 30)
        else:
            for task in self.tasks:
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)


@pytest.fixture
async def app(tmp_path: Path, tg: TelegramEmulator, vk: VkEmulator,
              clock: FakeClock) -> AsyncIterator[App]:
    built = await create_app(load_config(two_communities(tmp_path, tg, vk)), clock=clock,
                             instance_id="qa11")
    yield built
    await built.close()


@pytest.fixture
async def bot(app: App, tg: TelegramEmulator, vk: VkEmulator) -> AsyncIterator[Bot]:
    async with Bot(app, tg, vk) as running:
        yield running


async def settle(tg: TelegramEmulator, chat: int) -> None:
    probe = tg.user_message(chat, WITNESS, "/help")
    await tg.wait_for(lambda: replies_to(tg, chat, probe["message_id"]),
                      what=f"the witness's /help answer in {chat}")


async def ask(tg: TelegramEmulator, chat: int, who: int, text: str, **extra: Any) -> list[str]:
    """Send and wait for the bot's reply (or replies) to it."""
    msg = tg.user_message(chat, who, text, **extra)
    await tg.wait_for(lambda: replies_to(tg, chat, msg["message_id"]), what=f"reply to {text!r}")
    return replies_to(tg, chat, msg["message_id"])


async def quiet(tg: TelegramEmulator, chat: int, who: int, text: str,
                **extra: Any) -> list[str]:
    """Send, let everything settle, and return whatever the bot replied (maybe nothing)."""
    msg = tg.user_message(chat, who, text, **extra)
    await settle(tg, chat)
    return replies_to(tg, chat, msg["message_id"])


def restricted_chats(tg: TelegramEmulator) -> list[int]:
    return [c.params["chat_id"] for c in tg.calls_of("restrictChatMember", ok=None)]


def banned_chats(tg: TelegramEmulator) -> list[int]:
    return [c.params["chat_id"] for c in tg.calls_of("banChatMember", ok=None)]


async def file_report(tg: TelegramEmulator, chat: int, queue: int, text: str) -> dict:
    """CAROL reports BOB's message in `chat`; returns the card that appears in `queue`."""
    before = len(tg.sent_messages(queue))
    bad = tg.user_message(chat, BOB, text, username="bob")
    tg.user_message(chat, CAROL, "/report spam", reply_to=bad["message_id"])
    await tg.wait_for(lambda: len(tg.sent_messages(queue)) > before, what=f"card in {queue}")
    return tg.sent_messages(queue)[-1]


def button(card: dict, prefix: str) -> str:
    return next(b["callback_data"] for row in card["reply_markup"]["inline_keyboard"]
                for b in row if b["callback_data"].startswith(prefix))


def callback_answers(tg: TelegramEmulator, query_id: str) -> list[str]:
    return [c.params.get("text") or "" for c in tg.calls_of("answerCallbackQuery", ok=None)
            if c.params.get("callback_query_id") == query_id]


# --- moderators are per community ---------------------------------------------------------

async def test_admin_of_alpha_is_not_a_moderator_in_beta(bot, tg) -> None:
    bad = tg.user_message(GROUP_B, BOB, "buy my stuff", username="bob")
    replies = await ask(tg, GROUP_B, ADMIN_A, "/warn spam", reply_to=bad["message_id"])
    assert replies == [render("common.not_moderator", "en", command="/warn")], replies
    await settle(tg, GROUP_B)
    assert not any("has been warned" in t for t in tg.sent_texts(GROUP_B))


async def test_listed_moderator_of_alpha_cannot_mute_in_beta(bot, tg) -> None:
    bad = tg.user_message(GROUP_B, BOB, "buy my stuff", username="bob")
    replies = await ask(tg, GROUP_B, LISTED_A, "/mute 10m", reply_to=bad["message_id"])
    assert replies == [render("common.not_moderator", "en", command="/mute")], replies
    assert GROUP_B not in restricted_chats(tg)


async def test_admin_of_beta_cannot_take_alpha_tickets_from_alphas_queue(bot, tg) -> None:
    await file_report(tg, GROUP_A, QUEUE_A, "buy my stuff at spam.example")
    replies = await ask(tg, QUEUE_A, ADMIN_B, "/take 1")
    assert replies == [render("common.not_moderator", "ru", command="/take")], replies


async def test_report_in_alpha_makes_a_card_in_alphas_queue_only(bot, tg) -> None:
    card = await file_report(tg, GROUP_A, QUEUE_A, "buy my stuff at spam.example")
    await settle(tg, GROUP_B)
    await settle(tg, QUEUE_B)
    assert "#1" in card["text"] and "spam.example" in card["text"]
    assert not any("spam.example" in t for t in tg.sent_texts(QUEUE_B))
    assert [t for t in tg.sent_texts(QUEUE_B) if "#" in t] == []


async def test_take_in_betas_queue_does_not_reach_alphas_ticket(bot, tg) -> None:
    card = await file_report(tg, GROUP_A, QUEUE_A, "buy my stuff at spam.example")
    replies = await ask(tg, QUEUE_B, ADMIN_B, "/take 1")
    assert replies == [render("complaints.not_found", "en", number="1")] or \
        any("can't find ticket" in r for r in replies), replies
    # the card of alpha's ticket is not edited (nobody claimed it)
    edits = [c for c in tg.calls_of("editMessageText", ok=None)
             if c.params.get("chat_id") == QUEUE_A
             and c.params.get("message_id") == card["message_id"]]
    assert edits == []


async def test_ticket_numbers_start_at_one_in_each_community_and_take_hits_its_own(
        bot, tg) -> None:
    card_a = await file_report(tg, GROUP_A, QUEUE_A, "alpha spam at a.example")
    card_b = await file_report(tg, GROUP_B, QUEUE_B, "beta spam at b.example")
    assert "#1" in card_a["text"] and "#1" in card_b["text"]
    await ask(tg, QUEUE_B, ADMIN_B, "/take 1")
    await settle(tg, QUEUE_A)
    edited = {(c.params.get("chat_id"), c.params.get("message_id"))
              for c in tg.calls_of("editMessageText", ok=None)}
    assert (QUEUE_B, card_b["message_id"]) in edited, "beta's card shows the claim"
    assert (QUEUE_A, card_a["message_id"]) not in edited, "alpha's #1 was touched from QB"


async def test_alpha_card_button_forged_into_betas_queue_is_refused(bot, tg) -> None:
    card_a = await file_report(tg, GROUP_A, QUEUE_A, "alpha spam at a.example")
    card_b = await file_report(tg, GROUP_B, QUEUE_B, "beta spam at b.example")
    # a modified client sends alpha's "ban" data under beta's card
    query = tg.press(QUEUE_B, card_b["message_id"], ADMIN_B, button(card_a, "t:ban:"))
    await tg.wait_for(lambda: callback_answers(tg, query), what="the callback answer")
    await settle(tg, QUEUE_A)
    assert callback_answers(tg, query) == [render("complaints.button_unknown", "en")]
    assert GROUP_A not in banned_chats(tg)


async def test_beta_admin_pressing_alpha_card_in_alpha_queue_is_refused(bot, tg) -> None:
    card_a = await file_report(tg, GROUP_A, QUEUE_A, "alpha spam at a.example")
    query = tg.press(QUEUE_A, card_a["message_id"], ADMIN_B, button(card_a, "t:claim:"))
    await tg.wait_for(lambda: callback_answers(tg, query), what="the callback answer")
    (answer,) = callback_answers(tg, query)
    assert answer.startswith(render("common.not_moderator", "ru", command="X").split("X")[0])


# --- warnings and the ladder are per community --------------------------------------------

async def test_warnings_in_alpha_do_not_count_in_beta(bot, tg) -> None:
    for _ in range(2):
        bad = tg.user_message(GROUP_A, BOB, "buy my stuff", username="bob")
        await ask(tg, GROUP_A, ADMIN_A, "/warn spam", reply_to=bad["message_id"])
    assert GROUP_A in restricted_chats(tg), "alpha's second step is a 1h mute"
    bad = tg.user_message(GROUP_B, BOB, "buy my stuff", username="bob")
    (reply,) = await ask(tg, GROUP_B, ADMIN_B, "/warn spam", reply_to=bad["message_id"])
    assert "Warning 1 of 3" in reply, reply
    assert GROUP_B not in restricted_chats(tg) and GROUP_B not in banned_chats(tg)


async def test_warns_in_beta_does_not_list_alpha_warnings(bot, tg) -> None:
    bad = tg.user_message(GROUP_A, BOB, "buy my stuff", username="bob")
    await ask(tg, GROUP_A, ADMIN_A, "/warn alpha-only-reason", reply_to=bad["message_id"])
    (listing,) = await ask(tg, GROUP_B, ADMIN_B, "/warns @bob")
    assert "alpha-only-reason" not in listing, listing
    assert listing == render("moderation.no_warnings", "en", user="@bob") or \
        "no active warnings" in listing, listing


async def test_member_sees_only_this_communitys_warnings_with_warns(bot, tg) -> None:
    bad = tg.user_message(GROUP_A, BOB, "buy my stuff", username="bob")
    await ask(tg, GROUP_A, ADMIN_A, "/warn alpha-only-reason", reply_to=bad["message_id"])
    (listing,) = await ask(tg, GROUP_B, BOB, "/warns", username="bob")
    assert "alpha-only-reason" not in listing and "no active warnings" in listing, listing


async def test_obscenity_ladder_in_beta_starts_fresh_after_alpha(bot, tg) -> None:
    for _ in range(2):
        tg.user_message(GROUP_A, BOB, "ну ты и мудак", username="bob")
    await tg.wait_for(lambda: GROUP_A in restricted_chats(tg), what="alpha's mute")
    before = len(tg.sent_texts(GROUP_B))
    tg.user_message(GROUP_B, BOB, "you are a fucking idiot", username="bob")
    await tg.wait_for(lambda: any("Warning" in t for t in tg.sent_texts(GROUP_B)[before:]),
                      what="beta's notice")
    notice = next(t for t in tg.sent_texts(GROUP_B)[before:] if "Warning" in t)
    assert "Warning 1 of 3" in notice, notice
    assert GROUP_B not in restricted_chats(tg)


async def test_vk_admin_of_alphas_chat_is_not_a_moderator_in_betas_vk_chat(bot, vk) -> None:
    rude = vk.post_message(VK_B, VK_BOB, "buy my stuff")
    vk.post_message(VK_B, VK_ADMIN_A, "!warn spam", reply_to=rude)
    await vk.wait_for(lambda: vk.sent(VK_B))
    texts = [m.text for m in vk.sent(VK_B)]
    assert any(t.startswith("Sorry, only moderators can use") for t in texts), texts
    assert not any("has been warned" in t for t in texts), texts


async def test_audit_of_alpha_actions_never_reaches_betas_queue(bot, tg) -> None:
    bad = tg.user_message(GROUP_A, BOB, "buy my stuff", username="bob")
    await ask(tg, GROUP_A, ADMIN_A, "/warn alpha-audit-reason", reply_to=bad["message_id"])
    bad = tg.user_message(GROUP_B, BOB, "buy my stuff", username="bob")
    await ask(tg, GROUP_B, ADMIN_B, "/warn beta-audit-reason", reply_to=bad["message_id"])
    await tg.wait_for(lambda: any("beta-audit-reason" in t for t in tg.sent_texts(QUEUE_B)),
                      what="beta's audit line")
    await settle(tg, QUEUE_B)
    assert not any("alpha-audit-reason" in t for t in tg.sent_texts(QUEUE_B)), \
        tg.sent_texts(QUEUE_B)


async def test_unwarn_in_beta_does_not_take_back_alphas_warning(bot, tg) -> None:
    bad = tg.user_message(GROUP_A, BOB, "buy my stuff", username="bob")
    await ask(tg, GROUP_A, ADMIN_A, "/warn alpha-only-reason", reply_to=bad["message_id"])
    (reply,) = await ask(tg, GROUP_B, ADMIN_B, "/unwarn @bob")
    assert "no active warnings" in reply, reply
    (listing,) = await ask(tg, QUEUE_A, ADMIN_A, "/warns @bob")
    assert "alpha-only-reason" in listing, listing


async def test_antiflood_counts_each_community_on_its_own(bot, tg) -> None:
    """8 messages in 10 s mute; 5 in alpha and 4 in beta at once is busy, not flooding."""
    for i in range(5):
        tg.user_message(GROUP_A, BOB, f"alpha chat line {i}", username="bob")
    for i in range(4):
        tg.user_message(GROUP_B, BOB, f"beta chat line {i}", username="bob")
    await settle(tg, GROUP_A)
    await settle(tg, GROUP_B)
    assert restricted_chats(tg) == [], restricted_chats(tg)


async def test_same_text_in_two_communities_is_not_a_repeat(bot, tg) -> None:
    """3 repeats within 2m are deleted; the same announcement posted twice in alpha and once
    in beta (a member of both sharing news) is not a repeat in beta."""
    sent = [tg.user_message(chat, BOB, "Meetup tonight at 7, see you there", username="bob")
            for chat in (GROUP_A, GROUP_A, GROUP_B)]
    await settle(tg, GROUP_A)
    await settle(tg, GROUP_B)
    assert not tg.is_deleted(GROUP_B, sent[2]["message_id"])


# --- FAQ per community ---------------------------------------------------------------------

async def test_beta_question_is_answered_from_betas_faq_in_english(bot, tg) -> None:
    (answer,) = await ask(tg, GROUP_B, BOB, "How do I pay for the course?")
    assert "Beta: pay by card" in answer


async def test_russian_question_in_beta_is_not_answered_from_alphas_faq(bot, tg) -> None:
    replies = await quiet(tg, GROUP_B, BOB, "Как оплатить курс?")
    assert not any("Альфа" in r for r in replies), replies
    assert not any("Альфа" in t for t in tg.sent_texts(GROUP_B))


async def test_alpha_question_is_answered_from_alphas_faq_only(bot, tg) -> None:
    (answer,) = await ask(tg, GROUP_A, BOB, "Подскажите, как оплатить курс?")
    assert "Альфа" in answer
    replies = await quiet(tg, GROUP_A, CAROL, "When are you open?")
    assert not any("Beta" in r for r in replies), replies


async def test_faq_list_in_each_group_shows_its_own_entries(bot, tg) -> None:
    (listing_a,) = await ask(tg, GROUP_A, BOB, "/faq")
    (listing_b,) = await ask(tg, GROUP_B, BOB, "/faq")
    assert "Как оплатить курс?" in listing_a and "How do I pay" not in listing_a, listing_a
    assert "How do I pay for the course?" in listing_b and "Как оплатить" not in listing_b, \
        listing_b


async def test_faq_add_in_beta_is_not_answered_in_alpha(bot, tg) -> None:
    await ask(tg, GROUP_B, ADMIN_B, "/faq add Where is the office? | Beta office: 5 Baker St.")
    (answer,) = await ask(tg, GROUP_B, BOB, "Where is the office?")
    assert "Baker" in answer
    replies = await quiet(tg, GROUP_A, CAROL, "Where is the office?")
    assert not any("Baker" in r for r in replies), replies


async def test_vk_question_in_betas_vk_chat_is_answered_from_betas_faq(bot, vk) -> None:
    vk.post_message(VK_B, VK_CAROL, "When are you open?")
    await vk.wait_for(lambda: vk.sent(VK_B))
    texts = [m.text for m in vk.sent(VK_B)]
    assert any("Beta is open every day" in t for t in texts), texts
    assert not any("Альфа" in t for t in texts), texts


# --- complaints across networks ---------------------------------------------------------------

async def test_vk_report_in_each_communitys_chat_lands_in_its_own_queue(bot, tg, vk) -> None:
    rude_a = vk.post_message(VK_A, VK_BOB, "alpha vk spam at a.example")
    vk.post_message(VK_A, VK_CAROL, "!report spam", reply_to=rude_a)
    await tg.wait_for(lambda: any("a.example" in t for t in
                                  tg.sent_texts(QUEUE_A) + tg.sent_texts(QUEUE_B)),
                      what="alpha's VK card")
    rude_b = vk.post_message(VK_B, VK_BOB, "beta vk spam at b.example")
    vk.post_message(VK_B, VK_CAROL, "!report spam", reply_to=rude_b)
    await tg.wait_for(lambda: any("b.example" in t for t in
                                  tg.sent_texts(QUEUE_A) + tg.sent_texts(QUEUE_B)),
                      what="beta's VK card")
    assert any("a.example" in t and "#1" in t for t in tg.sent_texts(QUEUE_A))
    assert any("b.example" in t and "#1" in t for t in tg.sent_texts(QUEUE_B))
    assert not any("b.example" in t for t in tg.sent_texts(QUEUE_A))
    assert not any("a.example" in t for t in tg.sent_texts(QUEUE_B))


async def test_queue_in_betas_queue_lists_only_betas_open_tickets(bot, tg) -> None:
    await file_report(tg, GROUP_A, QUEUE_A, "alpha spam at a.example")
    await file_report(tg, GROUP_B, QUEUE_B, "beta spam at b.example")
    (listing,) = await ask(tg, QUEUE_B, ADMIN_B, "/queue")
    assert "b.example" in listing or "#1" in listing, listing
    assert "a.example" not in listing and "alpha" not in listing.lower(), listing


async def test_abuse_marked_in_beta_does_not_silence_the_reporter_in_alpha(bot, tg) -> None:
    await file_report(tg, GROUP_B, QUEUE_B, "beta spam at b.example")
    await ask(tg, QUEUE_B, ADMIN_B, "/abuse 1")
    card = await file_report(tg, GROUP_A, QUEUE_A, "alpha spam at a.example")
    assert "a.example" in card["text"]


# --- queue-chat commands act in their own community only -----------------------------------

async def test_mute_from_alphas_queue_acts_in_alpha_group_not_beta(bot, tg) -> None:
    tg.user_message(GROUP_A, BOB, "hi", username="bob")
    tg.user_message(GROUP_B, BOB, "hi", username="bob")
    await settle(tg, GROUP_A)
    await settle(tg, GROUP_B)
    await ask(tg, QUEUE_A, ADMIN_A, "/mute @bob 10m")
    await tg.wait_for(lambda: restricted_chats(tg), what="the mute")
    await settle(tg, QUEUE_A)
    assert restricted_chats(tg) == [GROUP_A]


async def test_ban_from_alphas_queue_of_a_member_of_both_bans_only_in_alpha(bot, tg) -> None:
    tg.user_message(GROUP_A, BOB, "hi", username="bob")
    tg.user_message(GROUP_B, BOB, "hi", username="bob")
    await settle(tg, GROUP_B)
    await ask(tg, QUEUE_A, ADMIN_A, "/ban @bob 1d spam")
    await tg.wait_for(lambda: banned_chats(tg), what="the ban")
    await settle(tg, QUEUE_A)
    assert banned_chats(tg) == [GROUP_A]


async def test_unban_from_betas_queue_lifts_nothing_in_alpha(bot, tg) -> None:
    tg.user_message(GROUP_A, BOB, "hi", username="bob")
    tg.user_message(GROUP_B, BOB, "hi", username="bob")
    await settle(tg, GROUP_B)
    await ask(tg, QUEUE_A, ADMIN_A, "/ban @bob spam")
    await tg.wait_for(lambda: banned_chats(tg), what="alpha's ban")
    await ask(tg, QUEUE_B, ADMIN_B, "/unban @bob")
    await settle(tg, QUEUE_B)
    unbanned = [c.params["chat_id"] for c in tg.calls_of("unbanChatMember", ok=None)]
    assert GROUP_A not in unbanned, "beta's moderator lifted alpha's ban"
    (listing,) = await ask(tg, QUEUE_A, ADMIN_A, "/warns @bob")
    assert listing  # alpha still answers about bob


async def test_modbot_queue_cli_lists_one_community(bot, app, tg) -> None:
    await file_report(tg, GROUP_A, QUEUE_A, "alpha spam at a.example")
    await file_report(tg, GROUP_B, QUEUE_B, "beta spam at b.example")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "queue", "--community", "beta", "--config",
        str(app.config.path), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    text = out.decode() + err.decode()
    assert proc.returncode == 0, text
    assert "b.example" in text and "a.example" not in text, text


async def test_mute_from_alphas_queue_of_someone_seen_only_in_beta_does_nothing_in_beta(
        bot, tg) -> None:
    tg.user_message(GROUP_B, CAROL, "hi", username="carol")
    await settle(tg, GROUP_B)
    await ask(tg, QUEUE_A, ADMIN_A, "/mute @carol 10m")
    await settle(tg, QUEUE_A)
    assert GROUP_B not in restricted_chats(tg)


# --- scheduled posts per community ---------------------------------------------------------

async def test_schedule_in_alpha_posts_only_to_alphas_chats(bot, app, tg, vk, clock) -> None:
    from bot.features.schedule import service_for

    (added,) = await ask(tg, GROUP_A, ADMIN_A, "/schedule in 1h Alpha evening lesson")
    assert "#" in added, added
    clock.advance(timedelta(minutes=61))
    await service_for(app).run_due(clock.now())
    await tg.wait_for(lambda: "Alpha evening lesson" in tg.sent_texts(GROUP_A),
                      what="alpha's post")
    await vk.wait_for(lambda: any("Alpha evening lesson" in m.text for m in vk.sent(VK_A)))
    await settle(tg, GROUP_B)
    assert "Alpha evening lesson" not in tg.sent_texts(GROUP_B)
    assert not any("Alpha evening lesson" in m.text for m in vk.sent(VK_B))
    for queue in (QUEUE_A, QUEUE_B):
        assert "Alpha evening lesson" not in tg.sent_texts(queue)


async def test_schedule_list_in_betas_queue_shows_only_betas_posts(bot, app, tg, clock) -> None:
    from bot.features.schedule import service_for

    await service_for(app).start(clock.now())  # what run_scheduler does first: config posts
    await ask(tg, GROUP_A, ADMIN_A, "/schedule in 2h Alpha secret webinar")
    (listing,) = await ask(tg, QUEUE_B, ADMIN_B, "/schedule")
    assert "Beta weekly digest" in listing, listing
    assert "Alpha" not in listing, listing


async def test_unschedule_of_alphas_post_from_beta_is_not_found(bot, tg) -> None:
    (added,) = await ask(tg, GROUP_A, ADMIN_A, "/schedule in 2h Alpha secret webinar")
    post_id = added.split("#", 1)[1].split(":", 1)[0].split()[0]
    (refusal,) = await ask(tg, GROUP_B, ADMIN_B, f"/unschedule {post_id}")
    assert refusal == render("schedule.not_found", "en", id=post_id), refusal
    (listing,) = await ask(tg, QUEUE_A, ADMIN_A, "/schedule")
    assert "Alpha secret webinar" in listing, "alpha's post must survive"
    assert "Beta" not in listing, listing


async def test_unschedule_of_alphas_post_by_a_listed_beta_moderator_in_alpha_is_refused(
        bot, tg) -> None:
    (added,) = await ask(tg, GROUP_A, ADMIN_A, "/schedule in 2h Alpha secret webinar")
    post_id = added.split("#", 1)[1].split(":", 1)[0].split()[0]
    (refusal,) = await ask(tg, GROUP_A, LISTED_B, f"/unschedule {post_id}")
    assert refusal == render("common.not_moderator", "ru", command="/unschedule"), refusal


async def test_schedule_from_betas_queue_posts_to_betas_chats_only(bot, app, tg, vk,
                                                                   clock) -> None:
    from bot.features.schedule import service_for

    await ask(tg, QUEUE_B, ADMIN_B, "/schedule in 1h Beta open day")
    clock.advance(timedelta(minutes=61))
    await service_for(app).run_due(clock.now())
    await tg.wait_for(lambda: "Beta open day" in tg.sent_texts(GROUP_B), what="beta's post")
    await settle(tg, GROUP_A)
    assert "Beta open day" not in tg.sent_texts(GROUP_A)
    assert not any("Beta open day" in m.text for m in vk.sent(VK_A))


async def test_faq_add_in_betas_queue_goes_to_betas_faq(bot, tg) -> None:
    await ask(tg, QUEUE_B, ADMIN_B, "/faq add Where is the office? | Beta office: 5 Baker St.")
    (answer,) = await ask(tg, GROUP_B, BOB, "Where is the office?")
    assert "Baker" in answer
    (listing,) = await ask(tg, GROUP_A, BOB, "/faq")
    assert "office" not in listing.lower(), listing


async def test_sla_reannounce_of_alphas_ticket_stays_in_alphas_queue(bot, tg, clock) -> None:
    await file_report(tg, GROUP_A, QUEUE_A, "alpha spam at a.example")
    clock.advance(timedelta(minutes=31))
    await tg.wait_for(lambda: any(t.startswith("⏰") for t in tg.sent_texts(QUEUE_A)),
                      what="the SLA re-announce in QA")
    await settle(tg, QUEUE_B)
    assert not any("a.example" in t for t in tg.sent_texts(QUEUE_B))


async def test_beta_reporter_is_told_the_outcome_in_english(bot, tg) -> None:
    tg.user_message(CAROL, CAROL, "/start")  # Carol has a private chat with the bot
    await tg.wait_for(lambda: tg.sent_texts(CAROL), what="the greeting")
    card = await file_report(tg, GROUP_B, QUEUE_B, "beta spam at b.example")
    assert "#1" in card["text"]
    await ask(tg, QUEUE_B, ADMIN_B, "/resolve 1 thanks")
    await tg.wait_for(lambda: any("#1" in t for t in tg.sent_texts(CAROL)),
                      what="the outcome notice")
    notice = next(t for t in tg.sent_texts(CAROL) if "#1" in t)
    assert notice.startswith("Your report #1 has been reviewed and resolved"), notice


# --- private chat with the bot --------------------------------------------------------------

async def test_private_complaint_of_a_beta_member_reaches_betas_queue(bot, tg) -> None:
    """README: "a private message to the bot (/complaint text) becomes ticket #N in the
    community's queue chat". A member known only in beta's group expects beta's moderators
    to get it, not alpha's."""
    tg.user_message(GROUP_B, CAROL, "hi all", username="carol")
    await settle(tg, GROUP_B)
    tg.user_message(CAROL, CAROL, "/complaint someone sells drugs in the beta group")
    await tg.wait_for(lambda: any("sells drugs" in t for t in
                                  tg.sent_texts(QUEUE_A) + tg.sent_texts(QUEUE_B)),
                      what="a card in some queue")
    assert any("sells drugs" in t for t in tg.sent_texts(QUEUE_B)), \
        f"the card went to alpha's queue: {tg.sent_texts(QUEUE_A)}"


async def test_private_help_for_a_beta_member_is_in_betas_language(bot, tg) -> None:
    tg.user_message(GROUP_B, CAROL, "hi all", username="carol")
    await settle(tg, GROUP_B)
    tg.user_message(CAROL, CAROL, "/help")
    await tg.wait_for(lambda: len(tg.sent_texts(CAROL)) >= 2, what="greeting and help")
    texts = tg.sent_texts(CAROL)
    assert render("common.help_private", "en") in texts, texts


async def test_private_faq_for_a_beta_member_lists_betas_entries(bot, tg) -> None:
    tg.user_message(GROUP_B, CAROL, "hi all", username="carol")
    await settle(tg, GROUP_B)
    (listing,) = await ask(tg, CAROL, CAROL, "/faq")
    assert "How do I pay for the course?" in listing, listing


async def test_private_help_for_a_beta_admin_offers_moderator_commands(bot, tg) -> None:
    """qa7 checks this for one community; with two, beta's admin asks the bot privately."""
    tg.user_message(ADMIN_B, ADMIN_B, "/help")
    await tg.wait_for(lambda: len(tg.sent_texts(ADMIN_B)) >= 2, what="greeting and help")
    texts = tg.sent_texts(ADMIN_B)
    assert render("common.help_moderator", "en") in texts, texts


# --- config: overlapping communities are refused at start-up --------------------------------

def _write(folder: Path, body: str) -> Path:
    path = folder / "config.toml"
    path.write_text(textwrap.dedent("""
        [database]
        url = "sqlite+aiosqlite:///modbot.db"

        [telegram]
        token = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"

        [vk]
        token = "vk-test-token"
        group_id = 42
        """) + textwrap.dedent(body), encoding="utf-8")
    return path


def test_queue_that_is_a_later_communitys_chat_is_named_by_check_config(tmp_path) -> None:
    path = _write(tmp_path, """
        [[community]]
        name = "alpha"
        chats = ["telegram:-1001"]
        queue = "telegram:-1101"

        [[community]]
        name = "beta"
        chats = ["telegram:-1101"]
        queue = "telegram:-2102"
        """)
    run = subprocess.run([sys.executable, "-m", "bot", "check-config", str(path)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stdout + run.stderr
    out = run.stdout + run.stderr
    assert f"{path}: community[0].queue: telegram:-1101" in out, out
    assert "community[1]" in out, out


def test_same_vk_chat_in_two_communities_is_named_by_check_config(tmp_path) -> None:
    path = _write(tmp_path, """
        [[community]]
        name = "alpha"
        chats = ["vk:2000000001"]
        queue = "telegram:-2002"

        [[community]]
        name = "beta"
        chats = ["telegram:-1101", "vk:2000000001"]
        queue = "telegram:-2102"
        """)
    run = subprocess.run([sys.executable, "-m", "bot", "check-config", str(path)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stdout + run.stderr
    out = run.stdout + run.stderr
    assert f"{path}: community[1].chats[1]: vk:2000000001 is already a chat of community[0]" \
        in out, out


def test_same_chat_spelt_differently_is_still_a_duplicate(tmp_path) -> None:
    """"telegram:-1001" and "telegram: -1001" / "telegram:-01001" are the same group."""
    path = _write(tmp_path, """
        [[community]]
        name = "alpha"
        chats = ["telegram:-1001"]
        queue = "telegram:-2002"

        [[community]]
        name = "beta"
        chats = ["telegram:-01001"]
        queue = "telegram:-2102"
        """)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "community[1].chats[0]" in str(caught.value), str(caught.value)


@pytest.mark.parametrize("written, meant", [("telegram:-01101", "-1101"),
                                             ("vk:02000000003", "2000000003")])
def test_zero_padded_chat_id_is_read_as_the_chat_or_refused(tmp_path, written: str,
                                                             meant: str) -> None:
    """A chat id written with a leading zero must not pass check-config and then never match
    the chat the platform reports (the bot would treat its own group as unknown and leave)."""
    path = _write(tmp_path, f"""
        [[community]]
        name = "beta"
        chats = ["{written}"]
        queue = "telegram:-2102"
        """)
    try:
        config = load_config(path)
    except ConfigError as exc:
        assert "community[0].chats[0]" in str(exc), str(exc)
        return
    (chat,) = config.app.community[0].chats
    assert chat.chat_id == meant, f"{written} kept as {chat}; the platform says {meant}"


def test_queue_shared_by_two_communities_on_vk_is_refused(tmp_path) -> None:
    path = _write(tmp_path, """
        [[community]]
        name = "alpha"
        chats = ["telegram:-1001"]
        queue = "vk:2000000009"

        [[community]]
        name = "beta"
        chats = ["telegram:-1101"]
        queue = "vk:2000000009"
        """)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = str(caught.value)
    assert f"{path}: community[1].queue: vk:2000000009 is already the queue of community[0]" \
        in text, text


def test_schedule_entry_naming_another_communitys_chat_is_refused(tmp_path) -> None:
    path = _write(tmp_path, """
        [[community]]
        name = "alpha"
        chats = ["telegram:-1001"]
        queue = "telegram:-2002"

        [[community.schedule]]
        at = "2030-01-01 10:00"
        text = "hello"
        chats = ["telegram:-1101"]

        [[community]]
        name = "beta"
        chats = ["telegram:-1101"]
        queue = "telegram:-2102"
        """)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = str(caught.value)
    assert "community[0].schedule[0].chats[0]: telegram:-1101 is not one of the community's " \
        "chats" in text, text



async def test_zero_padded_group_id_in_config_makes_the_bot_leave_its_own_group(
        tmp_path, tg, clock) -> None:
    """check-config accepts "telegram:-01101"; the group the owner meant then counts as unknown
    (the platform says -1101): the bot says it is not configured there and leaves."""
    path = tmp_path / "config.toml"
    path.write_text(textwrap.dedent(f"""
        [database]
        url = "sqlite+aiosqlite:///modbot.db"

        [telegram]
        token = "{TOKEN}"
        api_base = "{tg.api_base}"
        poll_timeout = 1

        [[community]]
        name = "beta"
        language = "en"
        chats = ["telegram:-01101"]
        queue = "telegram:{QUEUE_B}"
        """), encoding="utf-8")
    try:
        config = load_config(path)
    except ConfigError:
        return  # refused up front: fine
    from handlers.telegram.runner import run_telegram

    built = await create_app(config, clock=clock, instance_id="qa11-pad")
    stop = asyncio.Event()
    task = asyncio.create_task(run_telegram(built, stop, options=fast_options(FakeTime())))
    try:
        tg.user_message(GROUP_B, BOB, "When are you open?")
        probe = tg.user_message(GROUP_B, WITNESS, "/help")
        await tg.wait_for(lambda: tg.calls_of("leaveChat", ok=None)
                          or replies_to(tg, GROUP_B, probe["message_id"]),
                          what="either an answer or leaving")
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        await built.close()
    assert tg.calls_of("leaveChat", ok=None) == [], (
        f"the bot left the configured group: {tg.sent_texts(GROUP_B)}")
