"""QA round 24 — complaints across networks and the VK queue.

One bot, one config, three communities, both adapters on one App (as `modbot run` does),
against the local Bot API and VK API emulators:

- "kotiki" (ru): Telegram group -1001, its moderators' queue is the VK chat 2000000002
  (listed moderator vk:900; 901 is an admin of the VK queue chat; 700 admin of the group);
- "pesiki" (en): VK chat 2000000001, its queue is the Telegram group -2002 (admin 701);
- "ptichki" (en): VK chat 2000000003 with a VK queue 2000000004 (admin 902).

A moderator at 2 a.m. works the queue from the VK app. Each test asserts what a reporter or a
moderator expects; a failing test is a finding (see /tmp/s6/qa24_findings.md).
"""

from __future__ import annotations

import asyncio
import json
import os
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
from vk_emulator.server import ChatMessage, VkEmulator

from bot.app import App, create_app
from bot.config import load_config
from bot.core.clock import FakeClock

REPO = Path(__file__).resolve().parent.parent

# kotiki: Telegram chats, VK queue
TG_GROUP = -1001
TG_ADMIN = 700
TG_MEMBER, TG_SPAMMER = 111, 444
VK_QUEUE = 2_000_000_002
VK_MOD = 900  # listed moderator of kotiki
VK_QUEUE_ADMIN = 901  # admin of the VK queue chat
VK_STRANGER = 555  # a member of the VK queue chat who is no moderator
# pesiki: VK chats, Telegram queue
VK_CHAT = 2_000_000_001
TG_QUEUE = -2002
TG_QUEUE_ADMIN = 701
VK_MEMBER, VK_SPAMMER = 500, 777
# ptichki: VK chats, VK queue
VK_CHAT3 = 2_000_000_003
VK_QUEUE3 = 2_000_000_004
VK_MOD3 = 902
WITNESS = 333


def write_config(folder: Path, tg: TelegramEmulator, vk: VkEmulator, *,
                 kotiki_extra: str = "", pesiki_extra: str = "", ptichki_extra: str = "",
                 user_token: bool = True) -> Path:
    token_line = f'user_token = "{vk.user_token}"' if user_token else ""
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
        {token_line}
        group_id = {vk.group_id}
        api_base = "{vk.api_base}"
        poll_wait = 1

        [[community]]
        name = "kotiki"
        language = "ru"
        timezone = "UTC"
        chats = ["telegram:{TG_GROUP}"]
        moderators = ["vk:{VK_MOD}"]
        queue = "vk:{VK_QUEUE}"
        {textwrap.dedent(kotiki_extra)}

        [[community]]
        name = "pesiki"
        language = "en"
        timezone = "UTC"
        chats = ["vk:{VK_CHAT}"]
        queue = "telegram:{TG_QUEUE}"
        {textwrap.dedent(pesiki_extra)}

        [[community]]
        name = "ptichki"
        language = "en"
        timezone = "UTC"
        chats = ["vk:{VK_CHAT3}"]
        queue = "vk:{VK_QUEUE3}"
        {textwrap.dedent(ptichki_extra)}
        """), encoding="utf-8")
    return path


@pytest.fixture
async def tg() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(TOKEN) as emulator:
        emulator.group(TG_GROUP, title="Котики", admins=(TG_ADMIN,))
        emulator.group(TG_QUEUE, title="Pesiki queue", admins=(TG_QUEUE_ADMIN,))
        yield emulator


@pytest.fixture
async def vk() -> AsyncIterator[VkEmulator]:
    emulator = await VkEmulator().start()
    emulator.set_admins(VK_QUEUE, VK_QUEUE_ADMIN)
    emulator.add_members(VK_QUEUE, VK_MOD, VK_STRANGER)
    emulator.set_admins(VK_QUEUE3, VK_MOD3)
    emulator.add_members(VK_CHAT, VK_MEMBER, VK_SPAMMER)
    emulator.add_members(VK_CHAT3, VK_MEMBER, VK_SPAMMER)
    emulator.real_names[VK_MOD] = ("Ольга", "Ночная")
    emulator.real_names[VK_QUEUE_ADMIN] = ("Пётр", "Админов")
    emulator.real_names[VK_SPAMMER] = ("Spam", "Bot")
    emulator.real_names[VK_MEMBER] = ("Vera", "Reporter")
    yield emulator
    await emulator.close()


@pytest.fixture
def clock() -> FakeClock:
    return wall_clock()


class Bot:
    """Both adapters on one App, as `modbot run` does; start/stop like a process."""

    def __init__(self, config_path: Path, clock: FakeClock, tg: TelegramEmulator,
                 vk: VkEmulator, instance: str = "qa24") -> None:
        self.config_path, self.clock, self.tg, self.vk = config_path, clock, tg, vk
        self.instance = instance
        self.app: App | None = None
        self.stop_event = asyncio.Event()
        self.tasks: list[asyncio.Task[Any]] = []

    async def start(self) -> Bot:
        from handlers.telegram.runner import run_telegram
        from handlers.vk.runner import run_vk

        self.app = await create_app(load_config(self.config_path), clock=self.clock,
                                    instance_id=self.instance)
        self.stop_event = asyncio.Event()
        before = len(self.vk.calls_to("longpoll.check"))
        self.tasks = [
            asyncio.create_task(run_telegram(self.app, self.stop_event,
                                             options=fast_options(FakeTime()))),
            asyncio.create_task(run_vk(self.app, self.stop_event, sleeper=Sleeps(),
                                       housekeeping=False)),
        ]
        await self.vk.wait_for(lambda: len(self.vk.calls_to("longpoll.check")) > before)
        return self

    async def stop(self) -> None:
        self.stop_event.set()
        try:
            await asyncio.wait_for(asyncio.gather(*self.tasks), 30)
        finally:
            if self.app is not None:
                await self.app.close()
                self.app = None

    async def drain(self, rounds: int = 3, step: timedelta = timedelta(seconds=40)) -> None:
        """Let the outbox retry what it put back, on the injected clock."""
        assert self.app is not None
        for _ in range(rounds):
            self.clock.advance(step)
            await self.app.pipeline.drain()


@pytest.fixture
def config_path(tmp_path: Path, tg: TelegramEmulator, vk: VkEmulator) -> Path:
    return write_config(tmp_path, tg, vk)


@pytest.fixture
async def bot(config_path: Path, clock: FakeClock, tg: TelegramEmulator,
              vk: VkEmulator) -> AsyncIterator[Bot]:
    running = Bot(config_path, clock, tg, vk)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


# -- helpers ---------------------------------------------------------------------------------

async def tg_settle(tg: TelegramEmulator, chat: int = TG_GROUP) -> None:
    probe = tg.user_message(chat, WITNESS, "/help")
    await tg.wait_for(lambda: replies_to(tg, chat, probe["message_id"]), timeout=20,
                      what=f"the witness's /help in {chat}")


async def vk_settle(vk: VkEmulator) -> None:
    polls = len(vk.calls_to("longpoll.check"))
    await vk.wait_for(lambda: len(vk.calls_to("longpoll.check")) > polls + 1)


def vk_cards(vk: VkEmulator, peer: int = VK_QUEUE) -> list[ChatMessage]:
    return [m for m in vk.sent(peer) if m.keyboard is not None or "#" in m.text.split("\n")[0]]


def vk_buttons(message: ChatMessage) -> dict[str, str]:
    """action → payload data, e.g. {"claim": "t:claim:1", ...}."""
    out: dict[str, str] = {}
    if message.keyboard is None:
        return out
    for row in message.keyboard["buttons"]:
        for button in row:
            data = str(json.loads(button["action"]["payload"])["d"])
            out[data.split(":")[1]] = data
    return out


def vk_message(vk: VkEmulator, peer: int, cmid: int) -> ChatMessage:
    return next(m for m in vk.peer(peer).messages if m.cmid == cmid)


def snackbars(vk: VkEmulator, event_id: str | None = None) -> list[str]:
    return [json.loads(c.params.get("event_data", "{}")).get("text", "")
            for c in vk.calls_to("messages.sendMessageEventAnswer")
            if event_id is None or c.params.get("event_id") == event_id]


async def vk_press(vk: VkEmulator, peer: int, who: int, card: ChatMessage, action: str) -> str:
    """Press a card button in the VK app; wait for the snackbar; return its text."""
    data = vk_buttons(card)[action]
    event = vk.press(peer, who, card.cmid, data)
    await vk.wait_for(lambda: snackbars(vk, event))
    return snackbars(vk, event)[0]


async def tg_report_to_vk(tg: TelegramEmulator, vk: VkEmulator, *, reason: str = "spam",
                          text: str = "cheap watches at spam.example",
                          author: int = TG_SPAMMER, reporter: int = TG_MEMBER,
                          first_name: str | None = "Спамер", username: str | None = "spammer"
                          ) -> tuple[dict[str, Any], ChatMessage]:
    """In kotiki's Telegram group `author` posts and `reporter` reports it; the card appears
    in the VK queue. Returns (the reported Telegram message, the VK card)."""
    before = len(vk.sent(VK_QUEUE))
    bad = tg.user_message(TG_GROUP, author, text, first_name=first_name, username=username)
    tg.user_message(TG_GROUP, reporter, f"/report {reason}".strip(), reply_to=bad["message_id"],
                    first_name="Маша")
    await vk.wait_for(lambda: len(vk.sent(VK_QUEUE)) > before)
    return bad, vk.sent(VK_QUEUE)[before]


async def vk_report_to_tg(tg: TelegramEmulator, vk: VkEmulator, *, reason: str = "spam",
                          text: str = "buy followers at spam.example") -> tuple[int, dict]:
    before = len(tg.sent_messages(TG_QUEUE))
    bad = vk.post_message(VK_CHAT, VK_SPAMMER, text)
    vk.post_message(VK_CHAT, VK_MEMBER, f"!report {reason}".strip(), reply_to=bad)
    await tg.wait_for(lambda: len(tg.sent_messages(TG_QUEUE)) > before, timeout=20,
                      what="the card in the Telegram queue")
    return bad, tg.sent_messages(TG_QUEUE)[before]


def current(vk: VkEmulator, card: ChatMessage) -> ChatMessage:
    return vk_message(vk, card.peer_id, card.cmid)


def tg_private_texts(tg: TelegramEmulator, user: int) -> list[str]:
    return tg.sent_texts(user)


async def run_cli(*argv: str) -> tuple[int, str, str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *argv, cwd=str(REPO), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode or 0, out.decode(), err.decode()


# == Telegram chats, VK queue: the card =========================================================

async def test_tg_report_card_in_the_vk_queue_has_five_callback_buttons_in_russian(
        bot, tg, vk) -> None:
    _bad, card = await tg_report_to_vk(tg, vk)
    assert card.text.startswith("Тикет #1"), card.text
    assert set(vk_buttons(card)) == {"claim", "resolve", "reject", "del", "ban"}, card.keyboard
    types = {b["action"]["type"] for row in card.keyboard["buttons"] for b in row}
    assert types == {"callback"}, "buttons must come back as message_event, not as chat text"
    assert "cheap watches at spam.example" in card.text


async def test_vk_card_names_the_telegram_group_by_its_title_not_a_raw_id(bot, tg, vk) -> None:
    """The moderator in the VK app cannot open "telegram:-1001"; the group's title came with
    every Telegram message, so the card can say which group it was."""
    _bad, card = await tg_report_to_vk(tg, vk)
    chat_line = next(line for line in card.text.splitlines() if line.startswith("Чат:"))
    assert "Котики" in chat_line, chat_line


async def test_telegram_card_names_the_vk_chat_by_its_title(bot, tg, vk) -> None:
    """VK long-poll events carry no chat title; the card asks VK once
    (messages.getConversationsById) so the moderator reads "Птички", not "vk:2000000001"."""
    vk.peer(VK_CHAT).title = "Птички в VK"
    _bad, card = await vk_report_to_tg(tg, vk)
    assert f"Птички в VK (vk:{VK_CHAT})" in card["text"], card["text"]
    asked = [c for c in vk.calls if c.method == "messages.getConversationsById"]
    assert len(asked) == 1 and asked[0]["peer_ids"] == str(VK_CHAT), asked


async def test_vk_chat_title_lookup_failing_still_delivers_the_card_with_the_chat_id(
        bot, tg, vk) -> None:
    vk.fail("messages.getConversationsById", 6, times=10)
    _bad, card = await vk_report_to_tg(tg, vk)
    assert f"vk:{VK_CHAT}" in card["text"], card["text"]


async def test_vk_card_does_not_turn_a_telegram_username_into_a_vk_mention(bot, tg, vk) -> None:
    """On VK "@spammer" in a message is a link to the VK account with that short name — some
    stranger, not the Telegram author. A Telegram @username on a VK card must not read as a VK
    mention (a name, or t.me/spammer, says who it is without pointing at a VK profile)."""
    import re

    _bad, card = await tg_report_to_vk(tg, vk)
    author_line = next(line for line in card.text.splitlines() if line.startswith("Автор:"))
    assert not re.search(r"(?<![\w/.])@spammer\b", author_line), author_line


async def test_vk_card_of_a_telegram_report_states_the_name_the_member_goes_by(
        bot, tg, vk) -> None:
    """The author's display name (first name) is known from Telegram: the moderator in the VK
    app looks for "Спамер" in the group, not only for a username."""
    _bad, card = await tg_report_to_vk(tg, vk)
    author_line = next(line for line in card.text.splitlines() if line.startswith("Автор:"))
    assert "Спамер" in author_line or "@spammer" in author_line, author_line
    assert "telegram:444" in author_line or "444" in author_line, author_line


# == Telegram chats, VK queue: the buttons act on Telegram =====================================

async def test_vk_claim_then_ban_bans_on_telegram_and_reporter_is_told_in_russian(
        bot, tg, vk) -> None:
    tg.user_message(TG_MEMBER, TG_MEMBER, "/start")
    await tg.wait_for(lambda: tg.sent_texts(TG_MEMBER), what="greeting")
    _bad, card = await tg_report_to_vk(tg, vk)
    said = await vk_press(vk, VK_QUEUE, VK_MOD, card, "claim")
    assert said == render("complaints.done_claim", "ru", number=1), said
    await vk.wait_for(lambda: "в работе" in current(vk, card).text)
    assert "Ольга Ночная" in current(vk, card).text
    said = await vk_press(vk, VK_QUEUE, VK_MOD, current(vk, card), "ban")
    assert said == render("complaints.done_ban", "ru", number=1), said
    await tg.wait_for(lambda: tg.calls_of("banChatMember"), what="the ban on Telegram")
    ban = tg.calls_of("banChatMember")[0].params
    assert int(ban["chat_id"]) == TG_GROUP and int(ban["user_id"]) == TG_SPAMMER
    outcome = render("complaints.outcome_resolved", "ru", number=1, note="")
    await tg.wait_for(lambda: any(t.startswith(outcome.split("!")[0])
                                  for t in tg.sent_texts(TG_MEMBER)), what="the outcome")
    await vk_settle(vk)
    assert render("complaints.state_resolved", "ru") in current(vk, card).text
    assert vk_buttons(current(vk, card)) == {"reopen": "t:reopen:1"}
    told = [t for t in tg.sent_texts(TG_MEMBER) if "#1" in t]
    assert len(told) == 1 and "жалоб" in told[0].lower(), told


async def test_vk_delete_button_deletes_the_telegram_message(bot, tg, vk) -> None:
    bad, card = await tg_report_to_vk(tg, vk)
    said = await vk_press(vk, VK_QUEUE, VK_MOD, card, "del")
    assert said == render("complaints.done_del", "ru", number=1), said
    await tg.wait_for(lambda: tg.is_deleted(TG_GROUP, bad["message_id"]),
                      what="the Telegram message deleted")
    assert not tg.calls_of("banChatMember", ok=None)


async def test_vk_queue_chat_admin_who_is_not_listed_can_work_the_card(bot, tg, vk) -> None:
    _bad, card = await tg_report_to_vk(tg, vk)
    said = await vk_press(vk, VK_QUEUE, VK_QUEUE_ADMIN, card, "reject")
    assert said == render("complaints.done_reject", "ru", number=1), said
    await vk.wait_for(lambda: render("complaints.state_rejected", "ru")
                      in current(vk, card).text)


async def test_vk_member_who_is_no_moderator_presses_ban_refused_nothing_done(
        bot, tg, vk) -> None:
    _bad, card = await tg_report_to_vk(tg, vk)
    said = await vk_press(vk, VK_QUEUE, VK_STRANGER, card, "ban")
    assert "модератор" in said.lower(), said
    assert said != render("complaints.done_ban", "ru", number=1), said
    await tg_settle(tg)
    await vk_settle(vk)
    assert not tg.calls_of("banChatMember", ok=None)
    assert current(vk, card).text == card.text, "the card changed after a stranger's press"
    assert vk_buttons(current(vk, card)) == vk_buttons(card)


async def test_vk_stranger_is_refused_in_russian_words_a_moderator_understands(
        bot, tg, vk) -> None:
    _bad, card = await tg_report_to_vk(tg, vk)
    said = await vk_press(vk, VK_QUEUE, VK_STRANGER, card, "claim")
    assert any(ch in said for ch in "абвгдеёжзийклмнопрстуфхцчшщыьэюя"), said
    assert "Ticket" not in said and "moderator" not in said, said


async def test_two_vk_moderators_press_ban_and_reject_at_once_one_wins_other_told(
        bot, tg, vk) -> None:
    _bad, card = await tg_report_to_vk(tg, vk)
    e1 = vk.press(VK_QUEUE, VK_MOD, card.cmid, vk_buttons(card)["ban"])
    e2 = vk.press(VK_QUEUE, VK_QUEUE_ADMIN, card.cmid, vk_buttons(card)["reject"])
    await vk.wait_for(lambda: snackbars(vk, e1) and snackbars(vk, e2))
    await tg_settle(tg)
    await vk_settle(vk)
    first, second = snackbars(vk, e1)[0], snackbars(vk, e2)[0]
    assert first == render("complaints.done_ban", "ru", number=1), first
    # the reject is read either after the ban went out (the ticket is closed) or while it is
    # on its way (the ticket closes once the network confirms it): refused either way
    assert second.startswith("Тикет #1 уже закрыт") or \
        second == render("complaints.refused_ban_pending", "ru", number=1), second
    assert len(tg.calls_of("banChatMember", ok=None)) == 1
    text = current(vk, card).text
    assert render("complaints.state_resolved", "ru") in text, text


async def test_same_vk_ban_button_pressed_twice_bans_once_and_says_so(bot, tg, vk) -> None:
    _bad, card = await tg_report_to_vk(tg, vk)
    e1 = vk.press(VK_QUEUE, VK_MOD, card.cmid, vk_buttons(card)["ban"])
    e2 = vk.press(VK_QUEUE, VK_MOD, card.cmid, vk_buttons(card)["ban"])
    await vk.wait_for(lambda: snackbars(vk, e1) and snackbars(vk, e2))
    await tg_settle(tg)
    await vk_settle(vk)
    assert len(tg.calls_of("banChatMember", ok=None)) == 1
    assert snackbars(vk, e2)[0] != render("complaints.done_ban", "ru", number=1)


async def test_stale_claim_button_from_before_a_restart_still_works(
        config_path, clock, tg, vk) -> None:
    first = await Bot(config_path, clock, tg, vk).start()
    try:
        _bad, card = await tg_report_to_vk(tg, vk)
    finally:
        await first.stop()
    again = await Bot(config_path, clock, tg, vk, instance="qa24-b").start()
    try:
        said = await vk_press(vk, VK_QUEUE, VK_MOD, card, "claim")
        assert said == render("complaints.done_claim", "ru", number=1), said
        await vk.wait_for(lambda: "в работе" in current(vk, card).text)
    finally:
        await again.stop()


async def test_button_of_a_ticket_that_does_not_exist_is_called_out_of_date(bot, tg, vk) -> None:
    _bad, card = await tg_report_to_vk(tg, vk)
    event = vk.press(VK_QUEUE, VK_MOD, card.cmid, "t:ban:99999")
    await vk.wait_for(lambda: snackbars(vk, event))
    said = snackbars(vk, event)[0]
    assert said in (render("complaints.button_unknown", "ru"),
                    render("common.button_unknown", "ru")), said
    await tg_settle(tg)
    assert not tg.calls_of("banChatMember", ok=None)


async def test_old_resolve_button_pressed_after_reject_is_refused_card_not_reverted(
        bot, tg, vk) -> None:
    _bad, card = await tg_report_to_vk(tg, vk)
    old = vk_buttons(card)  # the keyboard as the other moderator's app still shows it
    await vk_press(vk, VK_QUEUE, VK_MOD, card, "reject")
    await vk.wait_for(lambda: "отклон" in current(vk, card).text)
    rejected = current(vk, card).text
    event = vk.press(VK_QUEUE, VK_QUEUE_ADMIN, card.cmid, old["resolve"])
    await vk.wait_for(lambda: snackbars(vk, event))
    said = snackbars(vk, event)[0]
    assert said.startswith("Тикет #1 уже закрыт"), said
    await vk_settle(vk)
    assert current(vk, card).text == rejected


# == the bot cannot act on the other network ==================================================

async def test_telegram_refuses_the_ban_the_vk_moderator_is_told_not_left_hanging(
        bot, tg, vk) -> None:
    tg.world.chats[TG_GROUP].bot_rights["can_restrict_members"] = False
    _bad, card = await tg_report_to_vk(tg, vk)
    await vk_press(vk, VK_QUEUE, VK_MOD, card, "ban")
    await tg.wait_for(lambda: tg.calls_of("banChatMember", ok=False), what="the refused ban")
    await bot.drain()
    await vk_settle(vk)
    later = [m.text for m in vk.sent(VK_QUEUE) if m.cmid != card.cmid]
    told = [t for t in later if "не смог" in t.lower() or "не удалось" in t.lower()
            or "не получилось" in t.lower()]
    assert told, f"the VK queue was not told the Telegram ban failed: {later}"
    assert "Bad Request" not in told[0], told[0]


async def test_refused_ban_does_not_leave_the_card_saying_resolved(bot, tg, vk) -> None:
    """The ban never happened: the moderator reading the card later must not think the
    spammer is gone."""
    tg.world.chats[TG_GROUP].bot_rights["can_restrict_members"] = False
    _bad, card = await tg_report_to_vk(tg, vk)
    await vk_press(vk, VK_QUEUE, VK_MOD, card, "ban")
    await tg.wait_for(lambda: tg.calls_of("banChatMember", ok=False), what="the refused ban")
    await bot.drain()
    await vk_settle(vk)
    text = current(vk, card).text
    assert render("complaints.state_resolved", "ru") not in text or "не" in text.lower(), text


async def test_refused_ban_does_not_tell_the_reporter_it_was_resolved(bot, tg, vk) -> None:
    tg.user_message(TG_MEMBER, TG_MEMBER, "/start")
    await tg.wait_for(lambda: tg.sent_texts(TG_MEMBER), what="greeting")
    tg.world.chats[TG_GROUP].bot_rights["can_restrict_members"] = False
    _bad, card = await tg_report_to_vk(tg, vk)
    await vk_press(vk, VK_QUEUE, VK_MOD, card, "ban")
    await tg.wait_for(lambda: tg.calls_of("banChatMember", ok=False), what="the refused ban")
    await bot.drain()
    await tg_settle(tg)
    told = [t for t in tg.sent_texts(TG_MEMBER) if "#1" in t]
    assert not told, f"the reporter was told it was handled though the ban failed: {told}"


async def test_delete_pressed_for_a_telegram_message_already_gone_no_raw_error_in_vk(
        bot, tg, vk) -> None:
    bad, card = await tg_report_to_vk(tg, vk)
    tg.world.messages[(TG_GROUP, bad["message_id"])].deleted = True
    del tg.world.messages[(TG_GROUP, bad["message_id"])]
    said = await vk_press(vk, VK_QUEUE, VK_MOD, card, "del")
    await bot.drain()
    await vk_settle(vk)
    everything = [m.text for m in vk.sent(VK_QUEUE)] + [said]
    assert not [t for t in everything if "Bad Request" in t or "[400]" in t], everything
    # the ticket is still workable
    said = await vk_press(vk, VK_QUEUE, VK_MOD, current(vk, card), "resolve")
    assert said == render("complaints.done_resolve", "ru", number=1), said


async def test_report_about_a_message_already_deleted_on_telegram_then_ban_still_bans(
        bot, tg, vk) -> None:
    bad, card = await tg_report_to_vk(tg, vk)
    del tg.world.messages[(TG_GROUP, bad["message_id"])]
    await vk_press(vk, VK_QUEUE, VK_MOD, card, "ban")
    await tg.wait_for(lambda: tg.calls_of("banChatMember"), what="the ban")
    await vk.wait_for(lambda: render("complaints.state_resolved", "ru")
                      in current(vk, card).text)


# == VK chats, Telegram queue =================================================================

async def test_tg_queue_delete_button_deletes_on_vk_and_resolve_tells_vk_reporter(
        bot, tg, vk) -> None:
    bad, card = await vk_report_to_tg(tg, vk)
    data = {b["callback_data"].split(":")[1]: b["callback_data"]
            for row in card["reply_markup"]["inline_keyboard"] for b in row}
    q = tg.press(TG_QUEUE, card["message_id"], TG_QUEUE_ADMIN, data["del"])
    await tg.wait_for(lambda: tg.world.callbacks[q].get("answered"), what="del answer")
    await vk.wait_for(lambda: vk.calls_to("messages.delete"))
    assert vk.calls_to("messages.delete")[0].params["cmids"] == str(bad)
    assert vk_message(vk, VK_CHAT, bad).deleted
    q = tg.press(TG_QUEUE, card["message_id"], TG_QUEUE_ADMIN, data["resolve"])
    await tg.wait_for(lambda: tg.world.callbacks[q].get("answered"), what="resolve answer")
    told = await vk.wait_for(lambda: [m.text for m in vk.sent(VK_MEMBER) if "#1" in m.text])
    assert told == [render("complaints.outcome_resolved", "en", number=1, note="")], told


async def test_tg_member_not_moderator_presses_ban_on_a_vk_card_nothing_happens(
        bot, tg, vk) -> None:
    _bad, card = await vk_report_to_tg(tg, vk)
    ban = next(b["callback_data"] for row in card["reply_markup"]["inline_keyboard"]
               for b in row if b["callback_data"].startswith("t:ban:"))
    q = tg.press(TG_QUEUE, card["message_id"], 4242, ban)
    await tg.wait_for(lambda: tg.world.callbacks[q].get("answered"), what="the refusal")
    await vk_settle(vk)
    assert not vk.calls_to("groups.ban")
    assert vk.bans == {}


async def test_vk_refuses_the_ban_the_telegram_moderator_is_told(bot, tg, vk) -> None:
    _bad, card = await vk_report_to_tg(tg, vk)
    vk.fail("groups.ban", 15, times=5)
    ban = next(b["callback_data"] for row in card["reply_markup"]["inline_keyboard"]
               for b in row if b["callback_data"].startswith("t:ban:"))
    q = tg.press(TG_QUEUE, card["message_id"], TG_QUEUE_ADMIN, ban)
    await tg.wait_for(lambda: tg.world.callbacks[q].get("answered"), what="the answer")
    await vk.wait_for(lambda: [c for c in vk.calls if c.method == "groups.ban"])
    await bot.drain()
    await tg_settle(tg, TG_QUEUE)
    later = [m.get("text") or "" for m in tg.sent_messages(TG_QUEUE)
             if m["message_id"] != card["message_id"]]
    told = [t for t in later if "could not" in t.lower()]
    assert told, f"the Telegram queue was not told the VK ban failed: {later}"


# == SLA reminders and audit on a VK queue ====================================================

async def test_sla_reminder_for_a_telegram_ticket_arrives_once_in_the_vk_queue(
        bot, tg, vk, clock) -> None:
    await tg_report_to_vk(tg, vk)
    clock.advance(timedelta(minutes=31))
    reminder = await vk.wait_for(lambda: [m for m in vk.sent(VK_QUEUE) if "⏰" in m.text])
    await tg_settle(tg)
    await vk_settle(vk)
    reminders = [m for m in vk.sent(VK_QUEUE) if "⏰" in m.text]
    assert len(reminders) == 1, [m.text for m in reminders]
    assert "#1" in reminder[0].text, reminder[0].text
    assert len(reminder[0].text) <= 4096


async def test_sla_reminder_on_a_vk_only_community_arrives_in_its_vk_queue(
        bot, tg, vk, clock) -> None:
    bad = vk.post_message(VK_CHAT3, VK_SPAMMER, "buy followers")
    vk.post_message(VK_CHAT3, VK_MEMBER, "!report spam", reply_to=bad)
    await vk.wait_for(lambda: vk.sent(VK_QUEUE3))
    clock.advance(timedelta(minutes=31))
    reminder = await vk.wait_for(lambda: [m for m in vk.sent(VK_QUEUE3) if "⏰" in m.text])
    assert "Ticket #1" in reminder[0].text
    assert not [m for m in vk.sent(VK_QUEUE) if "⏰" in m.text]


async def test_sla_reminder_is_not_sent_for_a_ticket_claimed_from_vk(bot, tg, vk, clock) -> None:
    _bad, card = await tg_report_to_vk(tg, vk)
    await vk_press(vk, VK_QUEUE, VK_MOD, card, "claim")
    await vk.wait_for(lambda: "в работе" in current(vk, card).text)
    clock.advance(timedelta(minutes=31))
    await tg_settle(tg)
    await bot.drain(1, timedelta(seconds=1))
    await tg_settle(tg)
    await vk_settle(vk)
    assert not [m for m in vk.sent(VK_QUEUE) if "⏰" in m.text]


async def test_audit_line_for_a_telegram_warn_goes_to_the_vk_queue(
        tmp_path, clock, tg, vk) -> None:
    path = write_config(tmp_path, tg, vk, kotiki_extra="audit = true")
    running = await Bot(path, clock, tg, vk).start()
    try:
        bad = tg.user_message(TG_GROUP, TG_SPAMMER, "buy my stuff", first_name="Спамер")
        cmd = tg.user_message(TG_GROUP, TG_ADMIN, "/warn реклама", reply_to=bad["message_id"])
        await tg.wait_for(lambda: replies_to(tg, TG_GROUP, cmd["message_id"]), what="warn")
        lines = await vk.wait_for(lambda: [m.text for m in vk.sent(VK_QUEUE)
                                           if m.text.startswith("Аудит") or "реклама" in m.text])
    finally:
        await running.stop()
    assert "реклама" in lines[0], lines
    assert "telegram:-1001" not in lines[0] or "Котики" in lines[0], lines[0]


async def test_audit_line_for_a_vk_button_ban_names_the_vk_moderator(
        tmp_path, clock, tg, vk) -> None:
    path = write_config(tmp_path, tg, vk, kotiki_extra="audit = true")
    running = await Bot(path, clock, tg, vk).start()
    try:
        _bad, card = await tg_report_to_vk(tg, vk)
        await vk_press(vk, VK_QUEUE, VK_MOD, card, "ban")
        await tg.wait_for(lambda: tg.calls_of("banChatMember"), what="the ban")
        lines = await vk.wait_for(lambda: [m.text for m in vk.sent(VK_QUEUE)
                                           if m.cmid != card.cmid and "бан" in m.text.lower()])
        await vk_settle(vk)
    finally:
        await running.stop()
    assert any("Ольга Ночная" in t or "vk:900" in t for t in lines), lines


# == long texts ===============================================================================

async def test_huge_telegram_report_fits_one_vk_message_and_keeps_its_buttons(
        bot, tg, vk) -> None:
    huge = "spam " * 819  # 4,095 characters: one Telegram message
    reason = "очень длинная причина " * 200
    _bad, card = await tg_report_to_vk(tg, vk, text=huge, reason=reason)
    assert len(card.text) <= 4096
    assert set(vk_buttons(card)) == {"claim", "resolve", "reject", "del", "ban"}
    assert "Тикет #1" in card.text


async def test_vk_snackbars_are_never_cut_mid_sentence(bot, tg, vk) -> None:
    """VK shows at most 90 characters in a snackbar: what the bot says there must be whole."""
    _bad, card = await tg_report_to_vk(tg, vk)
    old = vk_buttons(card)
    await vk_press(vk, VK_QUEUE, VK_MOD, card, "reject")
    await vk.wait_for(lambda: "отклон" in current(vk, card).text)
    event = vk.press(VK_QUEUE, VK_MOD, card.cmid, old["ban"])  # the old keyboard
    await vk.wait_for(lambda: snackbars(vk, event))
    said = snackbars(vk, event)[0]
    full = render("complaints.refused_closed", "ru", number=1)
    assert said == full, f"snackbar {said!r} is not the whole {full!r}"


# == both queues on VK, numbers per community =================================================

async def test_bang_resolve_1_in_kotikis_vk_queue_resolves_kotikis_ticket_not_ptichkis(
        bot, tg, vk) -> None:
    bad3 = vk.post_message(VK_CHAT3, VK_SPAMMER, "buy followers")
    vk.post_message(VK_CHAT3, VK_MEMBER, "!report spam", reply_to=bad3)
    await vk.wait_for(lambda: vk.sent(VK_QUEUE3))
    _bad, card = await tg_report_to_vk(tg, vk)
    vk.post_message(VK_QUEUE, VK_MOD, "!resolve 1 done")
    await vk.wait_for(lambda: render("complaints.state_resolved", "ru")
                      in current(vk, card).text)
    await vk_settle(vk)
    p_card = vk.sent(VK_QUEUE3)[0]
    assert "resolved" not in current(vk, p_card).text


async def test_kotiki_vk_moderator_cannot_press_ptichkis_card(bot, tg, vk) -> None:
    vk.add_members(VK_QUEUE3, VK_MOD)
    bad3 = vk.post_message(VK_CHAT3, VK_SPAMMER, "buy followers")
    vk.post_message(VK_CHAT3, VK_MEMBER, "!report spam", reply_to=bad3)
    p_card = await vk.wait_for(lambda: vk.sent(VK_QUEUE3))
    said = await vk_press(vk, VK_QUEUE3, VK_MOD, p_card[0], "ban")
    await vk_settle(vk)
    assert not vk.calls_to("groups.ban"), said
    assert "resolved" not in current(vk, p_card[0]).text


# == a VK moderator acts on the Telegram author from the VK queue by command ===================

async def test_vk_moderator_bang_ban_in_reply_to_the_card_bans_the_telegram_author(
        bot, tg, vk) -> None:
    """Rose habit: reply to the card with !ban — from the queue chat it covers the community's
    chats, here the Telegram group."""
    _bad, card = await tg_report_to_vk(tg, vk)
    vk.post_message(VK_QUEUE, VK_MOD, "!ban 1d спам", reply_to=card.cmid)
    await vk_settle(vk)
    await tg_settle(tg)
    await bot.drain(1, timedelta(seconds=1))
    bans = tg.calls_of("banChatMember", ok=None)
    assert bans and int(bans[0].params["user_id"]) == TG_SPAMMER, \
        f"no Telegram ban; VK queue says: {[m.text for m in vk.sent(VK_QUEUE)][-2:]}"
    assert not vk.calls_to("groups.ban"), "the bot banned someone on VK instead"


# == modbot audit ============================================================================

async def test_modbot_audit_shows_the_cross_network_trail(config_path, clock, tg, vk) -> None:
    running = await Bot(config_path, clock, tg, vk).start()
    try:
        _bad, card = await tg_report_to_vk(tg, vk)
        await vk_press(vk, VK_QUEUE, VK_MOD, card, "claim")
        await vk.wait_for(lambda: "в работе" in current(vk, card).text)
        await vk_press(vk, VK_QUEUE, VK_MOD, current(vk, card), "ban")
        await tg.wait_for(lambda: tg.calls_of("banChatMember"), what="the ban")
        await vk_settle(vk)
    finally:
        await running.stop()
    code, out, err = await run_cli("audit", "--config", str(config_path), "--community",
                                   "kotiki", "--since", "1d")
    assert code == 0, err
    lines = out.splitlines()
    claim = [line for line in lines if "claim" in line]
    ban = [line for line in lines if "ban" in line and "telegram:444" in line]
    assert claim and "vk:900" in claim[0], out
    assert ban and "vk:900" in ban[0] and "telegram:-1001" in ban[0], out



# == more cross-network work ==================================================================

async def test_vk_queue_is_told_when_the_telegram_reporter_cannot_be_written_to(
        bot, tg, vk) -> None:
    _bad, card = await tg_report_to_vk(tg, vk)  # the reporter never started the bot
    await vk_press(vk, VK_QUEUE, VK_MOD, card, "resolve")
    told = await vk.wait_for(lambda: [m.text for m in vk.sent(VK_QUEUE) if "#1" in m.text
                                      and m.cmid != card.cmid])
    assert "Маша" in told[0], told


async def test_vk_moderator_bang_ban_by_telegram_username_from_the_vk_queue(
        bot, tg, vk) -> None:
    await tg_report_to_vk(tg, vk)
    vk.post_message(VK_QUEUE, VK_MOD, "!ban @spammer 1d спам")
    await tg.wait_for(lambda: tg.calls_of("banChatMember"), what="the Telegram ban")
    assert int(tg.calls_of("banChatMember")[0].params["chat_id"]) == TG_GROUP
    assert not vk.calls_to("groups.ban")


async def test_audit_line_for_a_ban_typed_in_the_vk_queue_says_where_it_took_effect(
        tmp_path, clock, tg, vk) -> None:
    """The ban landed in the Telegram group; "in vk:2000000002" (the queue chat itself) tells
    the other moderators the wrong place."""
    path = write_config(tmp_path, tg, vk, kotiki_extra="audit = true")
    running = await Bot(path, clock, tg, vk).start()
    try:
        await tg_report_to_vk(tg, vk)
        vk.post_message(VK_QUEUE, VK_MOD, "!ban @spammer 1d спам")
        lines = await vk.wait_for(lambda: [m.text for m in vk.sent(VK_QUEUE)
                                           if m.text.startswith("Аудит")])
    finally:
        await running.stop()
    assert f"vk:{VK_QUEUE}" not in lines[0], lines[0]


async def test_telegram_admin_takes_the_ticket_in_the_group_and_the_vk_card_follows(
        bot, tg, vk) -> None:
    _bad, card = await tg_report_to_vk(tg, vk)
    cmd = tg.user_message(TG_GROUP, TG_ADMIN, "/take 1", first_name="Админ")
    await tg.wait_for(lambda: replies_to(tg, TG_GROUP, cmd["message_id"]), what="/take reply")
    await vk.wait_for(lambda: "в работе" in current(vk, card).text)
    assert "Админ" in current(vk, card).text, current(vk, card).text
    assert "claim" not in vk_buttons(current(vk, card))


async def test_bang_queue_in_the_vk_queue_lists_the_telegram_tickets(bot, tg, vk) -> None:
    await tg_report_to_vk(tg, vk)
    cmid = vk.post_message(VK_QUEUE, VK_MOD, "!queue")
    reply = await vk.wait_for(lambda: [m.text for m in vk.sent(VK_QUEUE) if m.reply_to == cmid
                                       or m.text.startswith("Открыт")])
    assert "#1" in reply[-1] and "cheap watches" in reply[-1], reply


async def test_huge_report_sla_reminder_in_the_vk_queue_fits_one_message(
        bot, tg, vk, clock) -> None:
    await tg_report_to_vk(tg, vk, text="spam " * 819, reason="очень длинная причина " * 200)
    clock.advance(timedelta(minutes=31))
    reminder = await vk.wait_for(lambda: [m for m in vk.sent(VK_QUEUE) if "⏰" in m.text])
    assert len(reminder[0].text) <= 4096 and "#1" in reminder[0].text


async def test_vk_ban_press_while_telegram_answers_502_bans_once_later_no_false_alarm(
        bot, tg, vk) -> None:
    tg.fail_next("banChatMember", 2, status=502)
    _bad, card = await tg_report_to_vk(tg, vk)
    await vk_press(vk, VK_QUEUE, VK_MOD, card, "ban")
    for _ in range(10):
        if tg.calls_of("banChatMember"):
            break
        await bot.drain(1, timedelta(minutes=1))
        await tg_settle(tg)
    assert len(tg.calls_of("banChatMember")) == 1, "the ban never went through after 502s"
    await vk_settle(vk)
    alarms = [m.text for m in vk.sent(VK_QUEUE) if "забанить" in m.text.lower()]
    assert not alarms, alarms


async def test_vk_bang_reject_with_a_note_tells_the_telegram_reporter_in_russian(
        bot, tg, vk) -> None:
    tg.user_message(TG_MEMBER, TG_MEMBER, "/start")
    await tg.wait_for(lambda: tg.sent_texts(TG_MEMBER), what="greeting")
    await tg_report_to_vk(tg, vk)
    vk.post_message(VK_QUEUE, VK_MOD, "!reject 1 это не спам, это реклама партнёра")
    told = await tg.wait_for(lambda: [t for t in tg.sent_texts(TG_MEMBER) if "#1" in t],
                             what="the outcome")
    assert told[0].startswith(render("complaints.outcome_rejected", "ru", number=1,
                                     note="").split(".")[0]), told
    assert "реклама партнёра" in told[0], told


async def test_telegram_report_about_a_group_admin_shows_the_warning_and_no_ban_on_vk(
        bot, tg, vk) -> None:
    _bad, card = await tg_report_to_vk(tg, vk, author=TG_ADMIN, username=None,
                                       first_name="Админ", text="admin being rude")
    assert render("complaints.card_against_moderator", "ru").strip() in card.text, card.text
    assert "ban" not in vk_buttons(card), vk_buttons(card)
