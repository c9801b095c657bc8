"""QA round 46: edits, deletions and second thoughts, on the wire, on Telegram and on VK.

Members edit and delete their messages, moderators undo what they did and disagree with each
other. What a Rose / Combot user expects of a mature moderation bot: every undo is audited,
the member is told when it concerns them, nothing is applied twice, and a command the user
expects an answer to is never silently ignored.

The real Telegram adapter runs against the local Bot API emulator (`tests/tg_emulator`), the
real VK adapter against the local VK API emulator (`tests/vk_emulator`). Time moves only by
the injected FakeClock (near the wall clock, as Telegram reads `until_date` against it);
`modbot audit` is run as an owner runs it (a subprocess, in a thread: the bot shares this
test's event loop and its SQLite file).

Expectations come from README.md, docs/DESIGN.md and issues #2-#9, or, where they are silent,
from what a Rose / Combot user plainly expects.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
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
    QUEUE,
    FakeTime,
    RunningBot,
    fast_options,
    telegram_config,
)
from tg_emulator.wire import non_help, render, replies_to, settle, wall_clock
from vk_emulator import VkEmulator
from vk_emulator.harness import CHAT as VK_CHAT
from vk_emulator.harness import MEMBER as VK_MEMBER
from vk_emulator.harness import MODERATOR as VK_MOD
from vk_emulator.harness import QUEUE as VK_QUEUE
from vk_emulator.harness import RunningBot as VkBot
from vk_emulator.harness import vk_config_text, write_vk_config
from vk_emulator.wire import settle as vk_settle

from bot.app import App
from bot.config import LoadedConfig
from bot.core.clock import FakeClock
from bot.features.schedule import service_for

RUDE = "да идите вы все нахуй"  # мат: the filter removes it
RUDE_2 = "ну ты и пиздабол"
RUDE_3 = "ебаный этот чат"
SPAMMER = 444
VK_SPAMMER = 777
VK_OTHER = 556
VK_SECOND_MOD = 901


# ============================== plumbing ====================================================

@pytest.fixture
def clock() -> FakeClock:
    """Every clock in this module (the bot's, Telegram's and VK's message dates) is one, near
    the wall clock."""
    return wall_clock()


@pytest.fixture
def make_app(tmp_path: Path, emu: TelegramEmulator, clock: FakeClock,
             open_app: Callable[..., Awaitable[App]]) -> Callable[..., Awaitable[App]]:
    async def make(**parts: str) -> App:
        return await open_app(telegram_config(tmp_path, emu.api_base, **parts), clock, "qa46")

    return make


@pytest.fixture
async def vk_bot(emulator: VkEmulator, tmp_path: Path,
                 clock: FakeClock) -> AsyncIterator[Callable[..., Awaitable[VkBot]]]:
    """`await vk_bot(community_extra=…)` → the VK adapter running; stopped at teardown."""
    started: list[VkBot] = []

    async def make(**parts: Any) -> VkBot:
        emulator.set_admins(VK_QUEUE, VK_SECOND_MOD)
        emulator.add_members(VK_CHAT, VK_MEMBER, VK_SPAMMER, VK_OTHER)
        running = VkBot(write_vk_config(tmp_path, vk_config_text(emulator, **parts)), clock,
                        emulator)
        started.append(running)
        await running.start()
        return running

    yield make
    for running in started:
        await running.stop()


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MODBOT_LOG_LEVEL"}
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          env=env, timeout=120, cwd=cwd)


async def audit_of(config: LoadedConfig) -> list[str]:
    """`modbot audit` lines, everything since 2000 (the owner's view of who did what)."""
    done = await asyncio.to_thread(run_cli, "audit", "--community", "demo", "--since",
                                   "2000-01-01", "--config", str(config.path),
                                   cwd=config.base_dir)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.splitlines()


def actions(lines: list[str], action: str) -> list[str]:
    """The audit lines of one action (the second column)."""
    return [line for line in lines if line.split("  ")[1:2] == [action]]


# -- Telegram ----------------------------------------------------------------------------------

def tg_edit(emu: TelegramEmulator, clock: FakeClock, message: dict[str, Any], text: str,
            seconds: int = 20) -> None:
    """The member edits ``message`` a little later (Telegram dates edits to the second)."""
    clock.advance(timedelta(seconds=seconds))
    emu.edit_user_message(message["chat"]["id"], message["message_id"], text)


async def tg_says(emu: TelegramEmulator, who: int, text: str, *, chat: int = GROUP,
                  **extra: Any) -> list[str]:
    """Send ``text`` as ``who`` and return the bot's replies to it."""
    cmd = emu.user_message(chat, who, text, **extra)
    await emu.wait_for(lambda: replies_to(emu, chat, cmd["message_id"]),
                       what=f"the reply to {text!r}")
    return replies_to(emu, chat, cmd["message_id"])


def warnings_said(emu: TelegramEmulator, chat: int = GROUP) -> list[str]:
    return [t for t in non_help(emu.sent_texts(chat)) if "Warning " in t]


def cards(emu: TelegramEmulator) -> list[dict[str, Any]]:
    return [m for m in emu.sent_messages(QUEUE) if m.get("text", "").startswith("Ticket #")]


def tg_button(message: dict[str, Any], prefix: str) -> str:
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for button in row:
            if button["callback_data"].startswith(prefix):
                return str(button["callback_data"])
    raise AssertionError(f"no {prefix} button on {message}")


async def tg_report(emu: TelegramEmulator, *, reporter: int = MEMBER, author: int = SPAMMER,
                    text: str = "cheap watches at spam.example", reason: str = "spam"
                    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(the reported message, the /report message, the card)."""
    before = len(cards(emu))
    bad = emu.user_message(GROUP, author, text)
    report = emu.user_message(GROUP, reporter, f"/report {reason}".strip(),
                              reply_to=bad["message_id"])
    await emu.wait_for(lambda: len(cards(emu)) > before, what="the card")
    return bad, report, cards(emu)[before]


async def start_private(emu: TelegramEmulator, user: int) -> None:
    emu.user_message(user, user, "/start")
    await emu.wait_for(lambda: emu.sent_texts(user), what="the greeting")


def outcomes(emu: TelegramEmulator, user: int, number: int = 1) -> list[str]:
    return [t for t in emu.sent_texts(user) if f"Your report #{number}" in t]


def answered(emu: TelegramEmulator, query: str) -> dict[str, Any]:
    return emu.world.callbacks[query].get("answered") or {}


# -- VK ----------------------------------------------------------------------------------------

def vk_edit(emulator: VkEmulator, clock: FakeClock, peer: int, cmid: int, text: str,
            seconds: int = 20) -> None:
    """message_edit, as VK sends it: the message object itself, with its update_time."""
    clock.advance(timedelta(seconds=seconds))
    message = next(m for m in emulator.peer(peer).messages if m.cmid == cmid)
    message.text = text
    emulator.push("message_edit", {
        "date": int(clock.now().timestamp()) - seconds,
        "update_time": int(clock.now().timestamp()), "from_id": message.from_id, "id": 0,
        "out": 0, "peer_id": peer, "text": text, "conversation_message_id": cmid,
        "fwd_messages": [], "attachments": []})


def vk_texts(emulator: VkEmulator, peer: int) -> list[str]:
    return [m.text for m in emulator.sent(peer)]


async def vk_says(emulator: VkEmulator, who: int, text: str, *, peer: int = VK_CHAT,
                  reply_to: int | None = None) -> str:
    """A VK message; returns the bot's answer (its next message in that peer)."""
    before = len(emulator.sent(peer))
    emulator.post_message(peer, who, text, reply_to=reply_to)
    await emulator.wait_for(lambda: len(emulator.sent(peer)) > before)
    return emulator.sent(peer)[before].text


def vk_cards(emulator: VkEmulator) -> list[Any]:
    return [m for m in emulator.sent(VK_QUEUE) if m.text.startswith("Ticket #")]


def vk_button(message: Any, label: str) -> str:
    assert message.keyboard is not None, "the card has no keyboard"
    for row in message.keyboard["buttons"]:
        for button in row:
            action = button["action"]
            if label.lower() in str(action.get("label", "")).lower():
                return str(json.loads(action["payload"])["d"])
    raise AssertionError(f"no button {label!r} in {message.keyboard}")


async def vk_report(emulator: VkEmulator, *, text: str = "buy followers at spam.example",
                    author: int = VK_SPAMMER, reporter: int = VK_MEMBER,
                    command: str = "!report spam") -> tuple[int, int, Any]:
    """(the reported cmid, the report's cmid, the card)."""
    before = len(vk_cards(emulator))
    bad = emulator.post_message(VK_CHAT, author, text)
    report = emulator.post_message(VK_CHAT, reporter, command, reply_to=bad)
    await emulator.wait_for(lambda: len(vk_cards(emulator)) > before)
    return bad, report, vk_cards(emulator)[before]


def vk_outcomes(emulator: VkEmulator, user: int, number: int = 1) -> list[str]:
    return [t for t in vk_texts(emulator, user) if f"Your report #{number}" in t]


# ============================== 1. edits and the filter =====================================

async def test_tg_message_edited_into_mat_twice_is_removed_warned_once_and_audited_once(
        make_app, emu, clock) -> None:
    """A clean message edited to add мат, then edited again (still мат) before the bot got
    to it: one offence — deleted, one "Warning 1", one warning in `modbot audit`."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        message = emu.user_message(GROUP, MEMBER, "see you all tomorrow at the meeting")
        await settle(emu)
        tg_edit(emu, clock, message, RUDE)
        tg_edit(emu, clock, message, RUDE + ", до завтра")
        await emu.wait_for(lambda: emu.is_deleted(GROUP, message["message_id"]),
                           what="the edited message deleted")
        await settle(emu)
    said = warnings_said(emu)
    assert len(said) == 1 and "Warning 1 of 4" in said[0], said
    assert not emu.calls_of("restrictChatMember"), "one offence is not two: no mute"
    lines = await audit_of(app.config)
    assert len(actions(lines, "warn")) == 1, lines


async def test_vk_message_edited_into_mat_is_removed_warned_and_audited_as_the_filters(
        vk_bot, emulator, clock) -> None:
    """The same on VK: a chat message edited into мат is deleted and warned once, and the
    audit says the filter did it, naming the member."""
    bot = await vk_bot()
    cmid = emulator.post_message(VK_CHAT, VK_MEMBER, "see you all tomorrow at the meeting")
    await vk_settle(emulator)
    vk_edit(emulator, clock, VK_CHAT, cmid, RUDE)
    await emulator.wait_calls("messages.delete")
    vk_edit(emulator, clock, VK_CHAT, cmid, RUDE + "!!")
    await vk_settle(emulator)
    deleted = [c for c in emulator.calls_to("messages.delete") if c["cmids"] == str(cmid)]
    assert deleted, emulator.calls_to("messages.delete")
    said = [t for t in vk_texts(emulator, VK_CHAT) if "Warning " in t]
    assert len(said) == 1 and "Warning 1 of 4" in said[0], said
    assert not emulator.calls_to("messages.removeChatUser")
    lines = await audit_of(bot.config)
    warns = actions(lines, "warn")
    assert len(warns) == 1 and "by=auto:filter" in warns[0] and f"vk:{VK_MEMBER}" in warns[0], \
        lines


async def test_tg_message_warned_by_a_moderator_then_edited_clean_keeps_its_warning(
        make_app, emu, clock) -> None:
    """Rose's /warn keeps the message as evidence. The member edits it clean afterwards: the
    warning stands (an edit is no apology the bot accepts on its own), no new notice; the
    member can still see it with /warns; the moderator takes it back with /unwarn in reply to
    the (edited) message, which is audited and said in the chat."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        rude = emu.user_message(GROUP, MEMBER, "this admin is a clown and a liar")
        warned = await tg_says(emu, ADMIN, "/warn insulting the admin",
                               reply_to=rude["message_id"])
        assert "warned" in warned[0] and "Warning 1 of 4" in warned[0], warned
        tg_edit(emu, clock, rude, "sorry, I was angry")
        await settle(emu)
        assert not emu.is_deleted(GROUP, rude["message_id"])
        assert len(warnings_said(emu)) == 1, warnings_said(emu)
        own = await tg_says(emu, MEMBER, "/warns")
        assert "active warnings: 1" in own[0], own
        undone = await tg_says(emu, ADMIN, "/unwarn accepted the apology",
                               reply_to=rude["message_id"])
        assert "Removed the latest warning" in undone[0] and "left: 0" in undone[0], undone
        own = await tg_says(emu, MEMBER, "/warns")
        assert "no active warnings" in own[0], own
    lines = await audit_of(app.config)
    unwarns = actions(lines, "unwarn")
    assert len(unwarns) == 1 and f"by=telegram:{ADMIN}" in unwarns[0] \
        and f"target=telegram:{MEMBER}" in unwarns[0], lines


async def test_vk_message_warned_by_a_moderator_then_edited_clean_keeps_its_warning(
        vk_bot, emulator, clock) -> None:
    bot = await vk_bot()
    rude = emulator.post_message(VK_CHAT, VK_MEMBER, "this admin is a clown and a liar")
    warned = await vk_says(emulator, VK_MOD, "!warn insulting the admin", reply_to=rude)
    assert "warned" in warned and "Warning 1 of 4" in warned, warned
    vk_edit(emulator, clock, VK_CHAT, rude, "sorry, I was angry")
    await vk_settle(emulator)
    assert not [c for c in emulator.calls_to("messages.delete") if c["cmids"] == str(rude)]
    assert len([t for t in vk_texts(emulator, VK_CHAT) if "Warning " in t]) == 1
    own = await vk_says(emulator, VK_MEMBER, "!warns")
    assert "active warnings: 1" in own, own
    undone = await vk_says(emulator, VK_MOD, "!rmwarn accepted the apology", reply_to=rude)
    assert "Removed the latest warning" in undone and "left: 0" in undone, undone
    lines = await audit_of(bot.config)
    unwarns = actions(lines, "unwarn")
    assert len(unwarns) == 1 and f"by=vk:{VK_MOD}" in unwarns[0] \
        and f"target=vk:{VK_MEMBER}" in unwarns[0], lines


LADDER_KEEPS_EVIDENCE = """
[community.moderation]
ladder = [
  { action = "warn", delete = false },
  { action = "mute", duration = "1h" },
  { action = "mute", duration = "1d" },
  { action = "ban" },
]
"""


async def test_tg_ladder_step_with_delete_false_keeps_the_message_as_evidence(
        make_app, emu, clock) -> None:
    """config.example.toml: a step's `delete` — "false keeps it as evidence". The first
    step is a warning that keeps the message: the member is warned, the message stays; when
    the member then edits it clean, the warning stands and no second warning comes."""
    app = await make_app(extra_community=LADDER_KEEPS_EVIDENCE)
    async with RunningBot(app, fast_options(FakeTime())):
        rude = emu.user_message(GROUP, MEMBER, RUDE)
        await emu.wait_for(lambda: warnings_said(emu), what="the warning")
        await settle(emu)
        assert not emu.is_deleted(GROUP, rude["message_id"]), \
            "the step says delete = false, yet the message was deleted"
        tg_edit(emu, clock, rude, "sorry for my language")
        tg_edit(emu, clock, rude, RUDE + " (sorry)")
        await settle(emu)
    said = warnings_said(emu)
    assert len(said) == 1 and "Warning 1 of 4" in said[0], said
    assert not emu.calls_of("restrictChatMember")


async def test_vk_ladder_step_with_delete_false_keeps_the_message_as_evidence(
        vk_bot, emulator, clock) -> None:
    await vk_bot(community_extra=LADDER_KEEPS_EVIDENCE)
    rude = emulator.post_message(VK_CHAT, VK_MEMBER, RUDE)
    await emulator.wait_for(lambda: [t for t in vk_texts(emulator, VK_CHAT) if "Warning " in t])
    await vk_settle(emulator)
    assert not [c for c in emulator.calls_to("messages.delete") if c["cmids"] == str(rude)], \
        "the step says delete = false, yet the message was deleted"


# ============================== 2. moderators undoing their own actions ======================

async def test_tg_unwarn_after_the_filters_warning_restarts_the_ladder_and_is_said_once(
        make_app, emu, clock) -> None:
    """The filter warned Mary for a quote she only repeated; the moderator takes it back
    with /unwarn by id (the message is gone). The chat hears it, naming her; a second
    /unwarn finds nothing to take back (no second record); her next slip is warning 1 again,
    not a mute."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        emu.user_message(GROUP, MEMBER, RUDE, first_name="Mary")
        await emu.wait_for(lambda: warnings_said(emu), what="warning 1")
        undone = await tg_says(emu, ADMIN, f"/unwarn {MEMBER} it was a quote")
        assert "Removed the latest warning of Mary" in undone[0] and "left: 0" in undone[0], \
            undone
        again = await tg_says(emu, ADMIN, f"/rmwarn {MEMBER}")
        assert render("moderation.no_warnings", user="Mary") in again[0], again
        clock.advance(timedelta(minutes=10))
        emu.user_message(GROUP, MEMBER, RUDE_2, first_name="Mary")
        await emu.wait_for(lambda: len(warnings_said(emu)) >= 2, what="the next warning")
        await settle(emu)
    said = warnings_said(emu)
    assert "Warning 1 of 4" in said[-1], said
    assert not emu.calls_of("restrictChatMember"), "the taken-back warning still counted"
    lines = await audit_of(app.config)
    assert len(actions(lines, "unwarn")) == 1, lines


async def test_vk_unwarn_after_the_filters_warning_restarts_the_ladder(
        vk_bot, emulator, clock) -> None:
    bot = await vk_bot()
    emulator.post_message(VK_CHAT, VK_MEMBER, RUDE)
    await emulator.wait_for(lambda: [t for t in vk_texts(emulator, VK_CHAT) if "Warning " in t])
    undone = await vk_says(emulator, VK_MOD, f"!unwarn {VK_MEMBER} it was a quote")
    assert "Removed the latest warning" in undone and "left: 0" in undone, undone
    again = await vk_says(emulator, VK_MOD, f"!unwarn {VK_MEMBER}")
    assert "no active warnings" in again, again
    clock.advance(timedelta(minutes=10))
    emulator.post_message(VK_CHAT, VK_MEMBER, RUDE_2)
    await emulator.wait_for(
        lambda: len([t for t in vk_texts(emulator, VK_CHAT) if "Warning " in t]) >= 2)
    await vk_settle(emulator)
    said = [t for t in vk_texts(emulator, VK_CHAT) if "Warning " in t]
    assert "Warning 1 of 4" in said[-1], said
    assert not emulator.calls_to("messages.removeChatUser"), "removed as if step 2"
    lines = await audit_of(bot.config)
    assert len(actions(lines, "unwarn")) == 1, lines


async def test_tg_ladder_mute_undone_by_another_moderator_is_lifted_said_and_audited(
        make_app, emu, clock) -> None:
    """Two slips: the ladder mutes Mary for 1h. A second moderator disagrees and /unmutes her
    in reply to nothing (by id): Telegram gets every right back, the chat hears she can write
    again, the audit names who lifted it. Her ladder is not reset by an unmute (only /unban
    is a fresh start): the next slip is step 3."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        emu.user_message(GROUP, MEMBER, RUDE, first_name="Mary")
        await emu.wait_for(lambda: warnings_said(emu), what="warning 1")
        clock.advance(timedelta(minutes=5))
        emu.user_message(GROUP, MEMBER, RUDE_2, first_name="Mary")
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="the ladder's mute")
        assert emu.world.chat(GROUP).members[MEMBER]["status"] == "restricted"
        undone = await tg_says(emu, LISTED_MODERATOR, f"/unmute {MEMBER} my call, she's fine")
        assert render("moderation.done.unmute", user="Mary") in undone[0], undone
        await emu.wait_for(lambda: len(emu.calls_of("restrictChatMember")) >= 2,
                           what="the unmute")
        assert emu.world.chat(GROUP).members[MEMBER]["status"] == "member"
        clock.advance(timedelta(minutes=5))
        emu.user_message(GROUP, MEMBER, RUDE_3, first_name="Mary")
        await emu.wait_for(lambda: len(warnings_said(emu)) >= 3, what="the third step")
        await settle(emu)
    assert "Warning 3 of 4" in warnings_said(emu)[-1], warnings_said(emu)
    lines = await audit_of(app.config)
    unmutes = actions(lines, "unmute")
    assert len(unmutes) == 1 and f"by=telegram:{LISTED_MODERATOR}" in unmutes[0] \
        and f"target=telegram:{MEMBER}" in unmutes[0], lines


async def test_tg_ban_then_unban_by_a_second_moderator_clears_warnings_once(
        make_app, emu, clock) -> None:
    """A warning, then /ban by one moderator; a second one disagrees and /unbans: the member
    is unbanned in the group, their warnings are cleared (a fresh start, README) and the
    reply says how many; a repeated /unban does not claim to clear anything again; the audit
    has one ban and the unbans with their actors."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        emu.user_message(GROUP, MEMBER, RUDE, first_name="Mary")
        await emu.wait_for(lambda: warnings_said(emu), what="warning 1")
        await tg_says(emu, ADMIN, f"/ban {MEMBER} abusive")
        assert emu.world.chat(GROUP).members[MEMBER]["status"] == "kicked"
        undone = await tg_says(emu, LISTED_MODERATOR, f"/unban {MEMBER} too harsh")
        assert render("moderation.done.unban", user="Mary", count=1) in undone[0], undone
        await emu.wait_for(lambda: emu.calls_of("unbanChatMember"), what="the unban")
        assert emu.world.chat(GROUP).members[MEMBER]["status"] != "kicked"
        again = await tg_says(emu, ADMIN, f"/unban {MEMBER}")
        assert "cleared: 1" not in again[0], again
    lines = await audit_of(app.config)
    assert len(actions(lines, "ban")) == 1, lines
    unbans = actions(lines, "unban")
    assert unbans and f"by=telegram:{LISTED_MODERATOR}" in unbans[0], lines


async def test_vk_ban_then_unban_lifts_the_community_ban_and_restarts_the_ladder(
        vk_bot, emulator, clock) -> None:
    bot = await vk_bot()
    emulator.post_message(VK_CHAT, VK_MEMBER, RUDE)
    await emulator.wait_for(lambda: [t for t in vk_texts(emulator, VK_CHAT) if "Warning " in t])
    await vk_says(emulator, VK_MOD, f"!ban {VK_MEMBER} abusive")
    await emulator.wait_for(lambda: VK_MEMBER in emulator.bans)
    undone = await vk_says(emulator, VK_MOD, f"!unban {VK_MEMBER} too harsh")
    assert "unbanned" in undone and "cleared: 1" in undone, undone
    await emulator.wait_for(lambda: emulator.calls_to("groups.unban"))
    assert VK_MEMBER not in emulator.bans
    emulator.add_members(VK_CHAT, VK_MEMBER)  # invited back
    removed_before = len(emulator.calls_to("messages.removeChatUser"))
    clock.advance(timedelta(minutes=10))
    emulator.post_message(VK_CHAT, VK_MEMBER, RUDE_2)
    await emulator.wait_for(
        lambda: len([t for t in vk_texts(emulator, VK_CHAT) if "Warning " in t]) >= 2)
    await vk_settle(emulator)
    said = [t for t in vk_texts(emulator, VK_CHAT) if "Warning " in t]
    assert "Warning 1 of 4" in said[-1], said
    assert len(emulator.calls_to("messages.removeChatUser")) == removed_before
    lines = await audit_of(bot.config)
    assert len(actions(lines, "ban")) == 1 and len(actions(lines, "unban")) == 1, lines


async def test_tg_unwarn_in_reply_to_the_filters_notice_takes_back_that_members_warning(
        make_app, emu, clock) -> None:
    """The filter deleted Mary's message, so the only handle left in the chat is the bot's
    notice naming her. Rose puts "Remove warn" under every warning; here the moderator does
    the same by replying /unwarn to that notice. The warning meant is Mary's, not the bot's
    ("@modbot_test_bot has no active warnings" is an answer about nobody)."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        emu.user_message(GROUP, MEMBER, RUDE, first_name="Mary")
        await emu.wait_for(lambda: warnings_said(emu), what="warning 1")
        notice = next(m for m in emu.sent_messages(GROUP) if "Warning 1 of" in m.get("text", ""))
        undone = await tg_says(emu, ADMIN, "/unwarn", reply_to=notice["message_id"])
        own = await tg_says(emu, MEMBER, "/warns")
    assert "Removed the latest warning of Mary" in undone[0], undone
    assert "no active warnings" in own[0], own


async def test_vk_unwarn_in_reply_to_the_filters_notice_takes_back_that_members_warning(
        vk_bot, emulator, clock) -> None:
    await vk_bot()
    emulator.post_message(VK_CHAT, VK_MEMBER, RUDE)
    await emulator.wait_for(lambda: [t for t in vk_texts(emulator, VK_CHAT) if "Warning " in t])
    notice = next(m for m in emulator.sent(VK_CHAT) if "Warning 1 of" in m.text)
    undone = await vk_says(emulator, VK_MOD, "!unwarn", reply_to=notice.cmid)
    assert "Removed the latest warning" in undone, undone
    own = await vk_says(emulator, VK_MEMBER, "!warns")
    assert "no active warnings" in own, own


async def test_vk_ladder_mute_given_as_a_timed_ban_is_lifted_by_unmute_and_audited(
        vk_bot, emulator, clock) -> None:
    """With `vk_mute_fallback = "ban"` the ladder's "mute 1h" is a one-hour community ban.
    A second moderator disagrees and types !unmute: README, the ban that stood for the mute
    is lifted (groups.unban), the chat hears the member can write again, the audit names who
    lifted it."""
    bot = await vk_bot(community_extra='[community.moderation]\nvk_mute_fallback = "ban"\n')
    emulator.post_message(VK_CHAT, VK_MEMBER, RUDE)
    await emulator.wait_for(lambda: [t for t in vk_texts(emulator, VK_CHAT) if "Warning " in t])
    clock.advance(timedelta(minutes=5))
    emulator.post_message(VK_CHAT, VK_MEMBER, RUDE_2)
    await emulator.wait_for(lambda: VK_MEMBER in emulator.bans and [
        t for t in vk_texts(emulator, VK_CHAT) if "Warning 2 of" in t])
    assert emulator.bans[VK_MEMBER], "the mute's ban has an end date"
    undone = await vk_says(emulator, VK_SECOND_MOD, f"!unmute {VK_MEMBER} my call")
    assert "can write again" in undone, undone
    await emulator.wait_for(lambda: emulator.calls_to("groups.unban"))
    assert VK_MEMBER not in emulator.bans
    lines = await audit_of(bot.config)
    unmutes = actions(lines, "unmute")
    assert len(unmutes) == 1 and f"by=vk:{VK_SECOND_MOD}" in unmutes[0], lines


# ============================== 3. tickets: second thoughts and disagreements ================

async def test_tg_resolve_and_reject_pressed_at_once_one_verdict_the_reporter_told_once(
        make_app, emu, clock) -> None:
    """Two moderators disagree on the same card in the same moment: one presses Resolve, the
    other Reject. One verdict wins; the other moderator is told the ticket is closed (an
    alert, not silence); the reporter hears one outcome; the audit has one verdict."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        await start_private(emu, MEMBER)
        _bad, _report, card = await tg_report(emu)
        q1 = emu.press(QUEUE, card["message_id"], ADMIN, tg_button(card, "t:resolve:"))
        q2 = emu.press(QUEUE, card["message_id"], LISTED_MODERATOR, tg_button(card, "t:reject:"))
        await emu.wait_for(lambda: answered(emu, q1) and answered(emu, q2), what="both answers")
        await emu.wait_for(lambda: outcomes(emu, MEMBER), what="the outcome")
        await settle(emu)
    texts = [answered(emu, q)["text"] for q in (q1, q2)]
    assert texts[0] == render("complaints.done_resolve", number=1), texts
    assert texts[1].startswith("Ticket #1 is already closed") and "resolved it" in texts[1], texts
    assert len(outcomes(emu, MEMBER)) == 1 and "resolved" in outcomes(emu, MEMBER)[0]
    assert render("complaints.state_resolved") in cards(emu)[0]["text"]
    lines = await audit_of(app.config)
    verdicts = actions(lines, "ticket.resolve") + actions(lines, "ticket.reject")
    assert len(verdicts) == 1, lines


async def test_vk_resolve_and_reject_pressed_at_once_one_verdict_the_reporter_told_once(
        vk_bot, emulator, clock) -> None:
    bot = await vk_bot()
    _bad, _report, card = await vk_report(emulator)
    emulator.press(VK_QUEUE, VK_MOD, card.cmid, vk_button(card, "Resolve"))
    emulator.press(VK_QUEUE, VK_SECOND_MOD, card.cmid, vk_button(card, "Reject"))
    await emulator.wait_for(lambda: vk_outcomes(emulator, VK_MEMBER))
    await emulator.wait_for(lambda: len(emulator.calls_to("messages.sendMessageEventAnswer")) >= 2)
    await vk_settle(emulator)
    told = vk_outcomes(emulator, VK_MEMBER)
    assert len(told) == 1 and "resolved" in told[0], told
    answers = [c.params.get("event_data", "") for c in
               emulator.calls_to("messages.sendMessageEventAnswer")]
    assert any("already closed" in a for a in answers), answers
    lines = await audit_of(bot.config)
    verdicts = actions(lines, "ticket.resolve") + actions(lines, "ticket.reject")
    assert len(verdicts) == 1, lines


async def test_tg_resolved_then_reopened_and_rejected_by_another_the_reporter_hears_the_last(
        make_app, emu, clock) -> None:
    """Moderator A resolves; moderator B disagrees, reopens and rejects with a reason. The
    card ends rejected with B's note; the reporter's last notice is the rejection with the
    note; the audit holds resolve, reopen and reject, each with its actor."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        await start_private(emu, MEMBER)
        await tg_report(emu)
        await tg_says(emu, ADMIN, "/resolve 1", chat=QUEUE)
        await emu.wait_for(lambda: outcomes(emu, MEMBER), what="the first outcome")
        reopened = await tg_says(emu, LISTED_MODERATOR, "/reopen #1", chat=QUEUE)
        assert reopened == [render("complaints.done_reopen", number=1)], reopened
        await tg_says(emu, LISTED_MODERATOR, "/reject 1 it is an ad we allowed", chat=QUEUE)
        await emu.wait_for(lambda: len(outcomes(emu, MEMBER)) >= 2, what="the second outcome")
        await settle(emu)
    told = outcomes(emu, MEMBER)
    assert len(told) == 2 and "no action" in told[-1] and "we allowed" in told[-1], told
    card = cards(emu)[0]["text"]
    assert render("complaints.state_rejected") in card and "we allowed" in card, card
    lines = await audit_of(app.config)
    assert [len(actions(lines, f"ticket.{a}")) for a in ("resolve", "reopen", "reject")] == \
        [1, 1, 1], lines
    assert f"by=telegram:{LISTED_MODERATOR}" in actions(lines, "ticket.reopen")[0]


async def test_tg_reported_message_deleted_by_its_author_ban_author_still_closes_the_ticket(
        make_app, emu, clock) -> None:
    """The spammer deletes the reported message before a moderator looks (Telegram tells the
    bot nothing). "Ban author" still bans, resolves the ticket and tells the reporter once;
    the queue is not told the ban failed."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        await start_private(emu, MEMBER)
        bad, _report, card = await tg_report(emu)
        emu.world.messages[(GROUP, bad["message_id"])].deleted = True  # the author deleted it
        query = emu.press(QUEUE, card["message_id"], ADMIN, tg_button(card, "t:ban:"))
        await emu.wait_for(lambda: answered(emu, query), what="the answer")
        await emu.wait_for(lambda: outcomes(emu, MEMBER), what="the reporter told")
        await settle(emu)
    assert emu.world.chat(GROUP).members[SPAMMER]["status"] == "kicked"
    assert len(outcomes(emu, MEMBER)) == 1 and "resolved" in outcomes(emu, MEMBER)[0]
    assert render("complaints.state_resolved") in cards(emu)[0]["text"]
    assert not [t for t in emu.sent_texts(QUEUE) if "could not ban" in t.lower()], \
        emu.sent_texts(QUEUE)


async def test_vk_reported_message_deleted_by_its_author_ban_author_still_closes_the_ticket(
        vk_bot, emulator, clock) -> None:
    await vk_bot()
    bad, _report, card = await vk_report(emulator)
    peer = emulator.peer(VK_CHAT)
    peer.messages = [m for m in peer.messages if m.cmid != bad]  # the author deleted it
    emulator.press(VK_QUEUE, VK_MOD, card.cmid, vk_button(card, "Ban author"))
    await emulator.wait_for(lambda: vk_outcomes(emulator, VK_MEMBER))
    await vk_settle(emulator)
    assert VK_SPAMMER in emulator.bans
    told = vk_outcomes(emulator, VK_MEMBER)
    assert len(told) == 1 and "resolved" in told[0], told
    assert "resolved" in vk_cards(emulator)[0].text
    assert not [t for t in vk_texts(emulator, VK_QUEUE) if "could not ban" in t.lower()]


async def test_tg_report_edited_to_add_a_reason_files_no_second_ticket_or_ack(
        make_app, emu, clock) -> None:
    """A member sends a bare /report, then edits it to add the reason. One ticket, one
    acknowledgement: the edit is not a second report."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        _bad, report, _card = await tg_report(emu, reason="")
        await emu.wait_for(lambda: replies_to(emu, GROUP, report["message_id"]), what="the ack")
        tg_edit(emu, clock, report, "/report he sells fake watches")
        await settle(emu)
        await settle(emu, QUEUE)
    assert len(cards(emu)) == 1, [c["text"] for c in cards(emu)]
    acks = replies_to(emu, GROUP, report["message_id"])
    assert len(acks) == 1 and "#1" in acks[0], acks
    assert "reports: 1" in cards(emu)[0]["text"], cards(emu)[0]["text"]


async def test_vk_report_edited_to_add_a_reason_files_no_second_ticket_or_ack(
        vk_bot, emulator, clock) -> None:
    await vk_bot()
    _bad, report, _card = await vk_report(emulator, command="!report")
    vk_edit(emulator, clock, VK_CHAT, report, "!report he sells fake followers")
    await vk_settle(emulator)
    assert len(vk_cards(emulator)) == 1, vk_texts(emulator, VK_QUEUE)
    acks = [t for t in vk_texts(emulator, VK_CHAT) if "report" in t.lower()]
    assert len(acks) == 1 and "#1" in acks[0], acks


async def test_tg_ticket_closed_by_a_ban_then_rejected_by_another_never_says_no_action(
        make_app, emu, clock) -> None:
    """Moderator A presses "Ban author"; the reporter hears "resolved". Moderator B
    disagrees, reopens and types /reject without lifting the ban. README: "a reporter is
    never told 'no action' about an author being banned" — yet the author is still banned
    from this very ticket. Either the reject is refused (lift the ban first) or the reporter
    is not told the moderators took no action."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        await start_private(emu, MEMBER)
        _bad, _report, card = await tg_report(emu)
        query = emu.press(QUEUE, card["message_id"], ADMIN, tg_button(card, "t:ban:"))
        await emu.wait_for(lambda: answered(emu, query), what="the answer")
        await emu.wait_for(lambda: outcomes(emu, MEMBER), what="the reporter told")
        await tg_says(emu, LISTED_MODERATOR, "/reopen 1", chat=QUEUE)
        said = await tg_says(emu, LISTED_MODERATOR, "/reject 1 not spam after all", chat=QUEUE)
        await settle(emu)
    banned = emu.world.chat(GROUP).members[SPAMMER]["status"] == "kicked"
    told = outcomes(emu, MEMBER)
    assert banned, "nobody lifted the ban"
    assert "no action" not in told[-1], (told, said)


async def test_tg_ban_author_pressed_again_on_a_reopened_ticket_bans_and_deletes_once(
        make_app, emu, clock) -> None:
    """"Ban author" resolved the ticket; a moderator reopens it and presses the card's
    "Ban author" again: the ban given by this ticket still runs, so the press is answered
    "already banned" and nothing is banned, deleted or audited a second time."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        await start_private(emu, MEMBER)
        bad, _report, card = await tg_report(emu)
        button = tg_button(card, "t:ban:")
        first = emu.press(QUEUE, card["message_id"], ADMIN, button)
        await emu.wait_for(lambda: answered(emu, first), what="the answer")
        await emu.wait_for(lambda: outcomes(emu, MEMBER), what="the reporter told")
        await tg_says(emu, LISTED_MODERATOR, "/reopen 1", chat=QUEUE)
        again = emu.press(QUEUE, card["message_id"], LISTED_MODERATOR, button)
        await emu.wait_for(lambda: answered(emu, again), what="the second answer")
        await settle(emu)
    assert "already banned" in str(answered(emu, again).get("text")), answered(emu, again)
    assert len(emu.calls_of("banChatMember")) == 1
    deletes = [c for c in emu.calls_of("deleteMessage", ok=None)
               if str(c.params.get("message_id")) == str(bad["message_id"])]
    assert len(deletes) == 1, deletes


async def test_vk_ticket_closed_by_a_ban_then_rejected_by_another_never_says_no_action(
        vk_bot, emulator, clock) -> None:
    await vk_bot()
    _bad, _report, card = await vk_report(emulator)
    emulator.press(VK_QUEUE, VK_MOD, card.cmid, vk_button(card, "Ban author"))
    await emulator.wait_for(lambda: vk_outcomes(emulator, VK_MEMBER))
    await vk_says(emulator, VK_SECOND_MOD, "!reopen 1", peer=VK_QUEUE)
    said = await vk_says(emulator, VK_SECOND_MOD, "!reject 1 not spam after all", peer=VK_QUEUE)
    await vk_settle(emulator)
    assert VK_SPAMMER in emulator.bans, "nobody lifted the ban"
    told = vk_outcomes(emulator, VK_MEMBER)
    assert "no action" not in told[-1], (told, said)


async def test_tg_member_who_withdraws_a_private_complaint_with_cancel_files_nothing(
        make_app, emu, clock) -> None:
    """README: `/complaint`, and then the text, is a complaint. A member types /complaint,
    thinks better of it and sends /cancel — the way every multi-step Telegram bot flow is left
    (BotFather's convention). Nothing may reach the moderators, and the member is told it
    was cancelled, not thanked for report #1."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        prompt = await tg_says(emu, MEMBER, "/complaint", chat=MEMBER)
        assert prompt == [render("complaints.private_prompt")], prompt
        emu.user_message(MEMBER, MEMBER, "/cancel")
        await settle(emu)
        await settle(emu, MEMBER)
    assert not cards(emu), [c["text"] for c in cards(emu)]
    said = [t for t in emu.sent_texts(MEMBER)[1:] if t not in (
        render("common.help_member"), render("common.help_moderator"))]
    assert said and not [t for t in said if "Your report #" in t], said


async def test_vk_member_who_withdraws_a_private_complaint_with_cancel_files_nothing(
        vk_bot, emulator, clock) -> None:
    await vk_bot()
    prompt = await vk_says(emulator, VK_MEMBER, "/complaint", peer=VK_MEMBER)
    assert prompt == render("complaints.private_prompt"), prompt
    emulator.post_message(VK_MEMBER, VK_MEMBER, "!cancel")
    await vk_settle(emulator)
    assert not vk_cards(emulator), vk_texts(emulator, VK_QUEUE)
    said = vk_texts(emulator, VK_MEMBER)[1:]
    assert said and not [t for t in said if "Your report #" in t], said


# ============================== 4. scheduled posts: cancel and re-add ========================

async def scheduler_round(app: App, clock: FakeClock) -> None:
    """One round of `modbot run`'s scheduler loop on the test's clock, then the outbox."""
    await service_for(app).run_due(clock.now())
    await app.pipeline.drain()


async def test_tg_post_cancelled_and_added_again_goes_out_once_and_both_steps_are_audited(
        make_app, emu, clock) -> None:
    """A moderator schedules an announcement, cancels it (wrong day), adds it again. At the
    time, the group gets it exactly once; `modbot audit` shows add, remove, add."""
    app = await make_app()
    text = "Open day on Saturday at 11:00, everyone welcome"
    async with RunningBot(app, fast_options(FakeTime())):
        added = await tg_says(emu, ADMIN, f"/schedule in 1h {text}")
        assert "Scheduled post #1" in added[0], added
        removed = await tg_says(emu, ADMIN, "/unschedule 1")
        assert removed == [render("schedule.removed", id=1, text=text)], removed
        again = await tg_says(emu, ADMIN, f"/schedule in 1h {text}")
        assert "Scheduled post #2" in again[0], again
        twice = await tg_says(emu, LISTED_MODERATOR, "/unschedule 1")
        assert render("schedule.removed", id=1, text=text) not in twice, twice
        for _ in range(4):
            clock.advance(timedelta(minutes=20))
            await scheduler_round(app, clock)
        await settle(emu)
    assert emu.sent_texts(GROUP).count(text) == 1, emu.sent_texts(GROUP)
    lines = await audit_of(app.config)
    assert [len(actions(lines, a)) for a in ("schedule.add", "schedule.remove")] == [2, 1], lines


async def test_vk_postponed_wall_post_cancelled_is_taken_back_and_the_new_one_stays(
        vk_bot, emulator, clock) -> None:
    """`wall_postponed = true`: ten minutes before its time the post is handed to VK as a
    postponed post. The manager cancels it then (README: /unschedule takes that post back
    with wall.delete) and schedules the corrected text: the wall ends with exactly one live
    post, the corrected one, and the chat gets only the corrected text."""
    bot = await vk_bot(extra="wall_postponed = true")
    assert bot.app is not None
    added = await vk_says(emulator, VK_MOD, "!schedule in 1h Open day on Saturday at 1100")
    assert "Scheduled post #1" in added, added
    clock.advance(timedelta(minutes=52))
    await scheduler_round(bot.app, clock)
    await emulator.wait_for(lambda: emulator.calls_to("wall.post"))
    first = int(next(iter(emulator.posts)))
    assert emulator.posts[first].get("publish_date"), emulator.posts
    removed = await vk_says(emulator, VK_MOD, "!unschedule 1")
    assert "unscheduled" in removed, removed
    await emulator.wait_for(lambda: emulator.posts[first].get("deleted"))
    again = await vk_says(emulator, VK_MOD, "!schedule in 30m Open day on Saturday at 11:00")
    assert "Scheduled post #2" in again, again
    for _ in range(6):
        clock.advance(timedelta(minutes=10))
        await scheduler_round(bot.app, clock)
    await vk_settle(emulator)
    live = [p["message"] for p in emulator.posts.values() if not p.get("deleted")]
    assert live == ["Open day on Saturday at 11:00"], emulator.posts
    chat = [t for t in vk_texts(emulator, VK_CHAT) if t.startswith("Open day")]
    assert chat == ["Open day on Saturday at 11:00"], vk_texts(emulator, VK_CHAT)


async def test_tg_schedule_typo_fixed_by_editing_the_command_is_planned_or_answered(
        make_app, emu, clock) -> None:
    """The manager types "tomorow", gets the usage text, and fixes the typo by editing the
    message — the usual way on Telegram. README: a slip of the finger is never "silence that
    reads as done". Either the fixed command is planned (once), or the bot answers the edit
    (send it again); silence leaves a post the manager believes planned that never goes out."""
    app = await make_app()
    text = "Members meeting on Friday at 19:00"
    async with RunningBot(app, fast_options(FakeTime())):
        cmd = emu.user_message(GROUP, ADMIN, f"/schedule tomorow 9:00 {text}")
        await emu.wait_for(lambda: replies_to(emu, GROUP, cmd["message_id"]), what="usage")
        assert "To schedule a post" in replies_to(emu, GROUP, cmd["message_id"])[0]
        tg_edit(emu, clock, cmd, f"/schedule tomorrow 9:00 {text}")
        await settle(emu)
        answers = replies_to(emu, GROUP, cmd["message_id"])
        plan = await tg_says(emu, ADMIN, "/schedule")
    assert text in plan[0] or len(answers) >= 2, (answers, plan)


async def test_vk_schedule_typo_fixed_by_editing_the_command_is_planned_or_answered(
        vk_bot, emulator, clock) -> None:
    await vk_bot()
    text = "Members meeting on Friday at 19:00"
    cmid = emulator.post_message(VK_CHAT, VK_MOD, f"!schedule tomorow 9:00 {text}")
    await emulator.wait_for(lambda: emulator.sent(VK_CHAT))
    assert "To schedule a post" in emulator.sent(VK_CHAT)[0].text, vk_texts(emulator, VK_CHAT)
    before = len(emulator.sent(VK_CHAT))
    vk_edit(emulator, clock, VK_CHAT, cmid, f"!schedule tomorrow 9:00 {text}")
    await vk_settle(emulator)
    answered_edit = len(emulator.sent(VK_CHAT)) > before
    plan = await vk_says(emulator, VK_MOD, "!schedule")
    assert text in plan or answered_edit, (vk_texts(emulator, VK_CHAT), plan)


# ============================== 5. FAQ: an entry taken back and added again ================

async def test_tg_faq_entry_deleted_and_added_again_is_accepted_and_audited(
        make_app, emu, clock, tmp_path) -> None:
    """A moderator adds an entry, removes it (wrong answer), adds the same question again
    with the right answer: accepted (not "already in the FAQ"), /faq ID shows the new answer,
    and the audit holds add, delete, add."""
    (tmp_path / "faq.toml").write_text("faq = []\n", encoding="utf-8")
    app = await make_app(extra_community='faq = "faq.toml"\n')
    async with RunningBot(app, fast_options(FakeTime())):
        added = await tg_says(emu, ADMIN, "/faq add Where can I park? | Behind the old mill")
        assert "Added to the FAQ as" in added[0], added
        entry_id = added[0].split(" as ", 1)[1].split(":", 1)[0]
        removed = await tg_says(emu, ADMIN, f"/faq del {entry_id}")
        assert "Removed" in removed[0], removed
        again = await tg_says(emu, ADMIN, "/faq add Where can I park? | In the yard, gate B")
        assert "Added to the FAQ as" in again[0], again
        new_id = again[0].split(" as ", 1)[1].split(":", 1)[0]
        shown = await tg_says(emu, MEMBER, f"/faq {new_id}")
        assert "gate B" in shown[0] and "old mill" not in shown[0], shown
    lines = await audit_of(app.config)
    assert [len(actions(lines, a)) for a in ("faq.add", "faq.delete")] == [2, 1], lines



