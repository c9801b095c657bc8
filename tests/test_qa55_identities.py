"""QA round 55: members' identities as the bot shows them, on Telegram and on VK.

Who a notice, a ticket card, a /warns reply, an audit line or a queue notice names, and how:
members without a username, names full of markup, emoji joiners and direction controls, names
and handles that change between an offence and a report, deleted accounts, members who blocked
the bot, other bots, newcomers added by an admin or by an invite link, channels and anonymous
admins, and members of one network seen from the other network's queue.

The bar is what a Rose or Combot user expects: the right person named, readably, every time,
and never a stranger pinged or an advert repeated (README: "No reply names a member by a name
the filter would remove, or by a chosen name that would ping someone or advertise"; the card
shows "people by name and @username; on a card in the other network's queue the @username is
left out"; the audit names people "by name and id … never by @handle, which on the other
network is a stranger's"; on the wall "the warning comment names the commenter as a VK link").

Everything runs in-process against the local emulators (tests/tg_emulator, tests/vk_emulator)
on the injected clock; an xfail(strict) marks a product problem.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from test_qa24_cross_queue import Bot as BothNetworks
from tg_emulator import TelegramEmulator
from tg_emulator.harness import (
    ADMIN,
    GROUP,
    MEMBER,
    OTHER_MEMBER,
    QUEUE,
    TOKEN,
    RunningBot,
    fast_options,
)
from tg_emulator.methods import METHODS, ApiError
from tg_emulator.wire import command, render, replies_to, settle, wall_clock
from vk_emulator.harness import CHAT as VK_CHAT
from vk_emulator.harness import MODERATOR as VK_MOD
from vk_emulator.harness import QUEUE as VK_QUEUE
from vk_emulator.harness import RunningBot as VkBot
from vk_emulator.harness import vk_config_text, write_vk_config
from vk_emulator.server import ChatMessage, VkEmulator, VkError
from vk_emulator.wire import settle as vk_settle

from bot.app import App
from bot.core.clock import FakeClock

AUDIT = """
audit = true

[community.antiflood]
enabled = false
"""

CHANNEL = -1001600000077  # a channel a member posts as ("Deals Channel", no @username)
SPAMMER = 4444
VK_BOB, VK_ANNA, VK_DEAD, VK_SPAMMER = 501, 504, 505, 777
VK_BOT_COMMUNITY = -555  # a chat bot (a community) in the VK chat
POST = 10


@pytest.fixture
def clock() -> FakeClock:
    return wall_clock()  # Telegram reads until_date against the real clock


def queue_texts(emu: TelegramEmulator) -> list[str]:
    """What the Telegram queue chat shows now (cards as last edited)."""
    return [m.get("text") or "" for m in emu.sent_messages(QUEUE)]


def tg_buttons(message: dict[str, Any]) -> list[str]:
    return [b["text"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row]


def vk_labels(message: ChatMessage) -> list[str]:
    if message.keyboard is None:
        return []
    return [str(b["action"].get("label", "")) for row in message.keyboard["buttons"]
            for b in row]


def line_of(card: str, head: str) -> str:
    return next(line for line in card.splitlines() if line.startswith(head))


def service(emu: TelegramEmulator, sender: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A Telegram service message ("X added Y", "Y joined via an invite link")."""
    chat = emu.world.chat(GROUP)
    message = emu.world.new_message(chat, **{"from": sender, **fields})
    emu.world.store(chat, message, from_bot=False)
    emu.world.push("message", message)
    emu._bump()
    return message


async def tg_app(make_tg_app: Callable[..., Awaitable[App]], extra: str = AUDIT) -> App:
    return await make_tg_app("qa55", extra_community=extra)


@asynccontextmanager
async def vk_bot(emulator: VkEmulator, tmp_path: Path, clock: FakeClock,
                 names: dict[int, tuple[str, str]]) -> AsyncIterator[VkBot]:
    emulator.real_names.update(names)
    running = VkBot(write_vk_config(tmp_path, vk_config_text(emulator, community_extra=AUDIT)),
                    clock, emulator)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


# ============================================================================================
# Telegram
# ============================================================================================

async def test_tg_cards_name_a_deleted_account_a_bot_a_channel_and_an_anonymous_admin(
        make_tg_app, emu, fake) -> None:
    """Four reports, four kinds of author. Each card names the author the way the chat shows
    them — "Deleted Account", the bot by its name and @username, the channel by its title
    (never Telegram's "Channel" placeholder bot), the anonymous admin as the group — and
    offers "Ban author" only where a ban makes sense (README: a bot's message "may be
    reported and deleted, but the card offers no Ban author"; reports against moderators are
    marked)."""
    app = await tg_app(make_tg_app)
    emu.group(CHANNEL, title="Deals Channel", type="channel")
    async with RunningBot(app, fast_options(fake)):
        posts = [
            emu.user_message(GROUP, 4001, "cheap pills here", first_name="Deleted Account"),
            emu.user_message(GROUP, 4002, "cheap pills, bot edition", first_name="Helper",
                             username="helper_bot", is_bot=True),
            emu.user_message(GROUP, 4003, "cheap pills, channel edition", sender_chat=CHANNEL),
            emu.user_message(GROUP, 4004, "Meeting moved to Friday", sender_chat=GROUP),
        ]
        for post in posts:
            await command(emu, MEMBER, "/report spam", reply_to=post["message_id"],
                          first_name="Rita")
        await emu.wait_for(lambda: len(emu.sent_messages(QUEUE)) >= 4, what="four cards")
    dead, bot, channel, anon = emu.sent_messages(QUEUE)[:4]
    authors = [line_of(card["text"], "Author:") for card in (dead, bot, channel, anon)]
    assert authors[0] == "Author: Deleted Account (telegram:4001)", authors
    assert "Helper" in authors[1] and "@helper_bot" in authors[1], authors
    assert authors[2] == f"Author: Deals Channel (telegram:{CHANNEL})", authors
    assert "Channel_Bot" not in channel["text"] and "136817688" not in channel["text"]
    assert authors[3] == f"Author: Demo (telegram:{GROUP})", authors
    assert "about a moderator" in anon["text"], anon["text"]
    assert "Ban author" in tg_buttons(dead) and "Ban author" in tg_buttons(channel)
    assert "Ban author" not in tg_buttons(bot), tg_buttons(bot)
    assert "Ban author" not in tg_buttons(anon), tg_buttons(anon)


async def test_tg_channel_sender_is_named_by_its_title_in_notice_warns_and_audit(
        make_tg_app, emu, fake) -> None:
    """A member posting as their channel swears: the notice, a moderator's /warns and the
    audit line all name "Deals Channel" (what the chat shows), the audit with its id; the
    notice says a channel can only be warned; nobody is called "Channel" or "Group"."""
    app = await tg_app(make_tg_app)
    emu.group(CHANNEL, title="Deals Channel", type="channel")
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, 4003, "fuck you all", sender_chat=CHANNEL)
        await emu.wait_for(lambda: [t for t in emu.sent_texts(GROUP) if "removed" in t],
                           what="the notice")
        later = emu.user_message(GROUP, 4003, "ok sorry", sender_chat=CHANNEL)
        asked = await command(emu, ADMIN, "/warns", reply_to=later["message_id"])
        await settle(emu)
    (notice,) = [t for t in emu.sent_texts(GROUP) if "removed" in t]
    assert notice.startswith("Deals Channel, your message was removed for strong language."), \
        notice
    (warns,) = replies_to(emu, GROUP, asked["message_id"])
    assert warns.startswith("Deals Channel has active warnings: 1"), warns
    audit = [t for t in emu.sent_texts(QUEUE) if t.startswith("Audit:")]
    assert audit and all(f"Deals Channel (telegram:{CHANNEL})" in t for t in audit), audit
    said = [notice, warns, *audit]
    assert not [t for t in said if re.search(r"\b(Channel_Bot|Group)\b", t)], said


async def test_tg_handle_passed_on_to_another_member_targets_its_new_holder(
        make_tg_app, emu, fake) -> None:
    """Bob gives up @bob_smith for @bob_new; Carol takes @bob_smith. "/warn @bob_smith" is
    about Carol now — the person who holds the handle, as Telegram and Rose resolve it — and
    "/warn @bob_new" about Bob; replies and audit lines name each by the right id."""
    app = await tg_app(make_tg_app)
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "hi all", first_name="Bob", username="bob_smith")
        emu.user_message(GROUP, MEMBER, "new handle, same Bob", first_name="Bob",
                         username="bob_new")
        emu.user_message(GROUP, OTHER_MEMBER, "hello", first_name="Carol", username="bob_smith")
        await settle(emu)
        first = await command(emu, ADMIN, "/warn @bob_smith spam")
        second = await command(emu, ADMIN, "/warn @bob_new flood")
        await settle(emu)
    assert replies_to(emu, GROUP, first["message_id"]) == [
        "@bob_smith has been warned for spam. Warning 1 of 4; next: mute 1h."]
    assert replies_to(emu, GROUP, second["message_id"]) == [
        "@bob_new has been warned for flood. Warning 1 of 4; next: mute 1h."]
    audit = [t for t in emu.sent_texts(QUEUE) if t.startswith("Audit: warning")]
    assert len(audit) == 2, audit
    assert f"Carol (telegram:{OTHER_MEMBER})" in audit[0] and "Why: spam" in audit[0], audit
    assert f"Bob (telegram:{MEMBER})" in audit[1] and "Why: flood" in audit[1], audit


async def test_tg_author_renamed_to_a_ping_between_offence_and_report_is_named_by_id(
        make_tg_app, emu, fake) -> None:
    """Anna posts spam, then renames herself "@support_admin" (Telegram shows the current
    name on the replied message). The report's card, the "Ban author" confirmation and the
    audit line name her by id — never "@support_admin", which pings whoever holds that
    handle — and the ban hits her."""
    app = await tg_app(make_tg_app)
    async with RunningBot(app, fast_options(fake)):
        spam = emu.user_message(GROUP, SPAMMER, "cheap followers, DM me", first_name="Anna")
        emu.world.users[SPAMMER]["first_name"] = "@support_admin"  # the same user object
        await command(emu, MEMBER, "/report spam", reply_to=spam["message_id"],
                      first_name="Rita")
        card = (await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card"))[0]
        emu.press(QUEUE, card["message_id"], ADMIN, "t:ban:1")
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
        await emu.wait_for(lambda: [t for t in queue_texts(emu) if t.startswith("Audit: ban")],
                           what="the audit line")
        await settle(emu)
    assert [c.params["user_id"] for c in emu.calls_of("banChatMember")] == [SPAMMER]
    said = emu.sent_texts(GROUP) + queue_texts(emu) + [
        str(c.params.get("text")) for c in emu.calls_of("answerCallbackQuery")]
    assert not [t for t in said if "support_admin" in t], said
    assert f"Author: id{SPAMMER} (telegram:{SPAMMER})" in queue_texts(emu)[0], queue_texts(emu)
    (audit,) = [t for t in queue_texts(emu) if t.startswith("Audit: ban")]
    assert f"telegram:{SPAMMER}" in audit, audit


async def test_tg_reporter_who_blocked_the_bot_is_named_in_the_queue_exactly_as_on_the_card(
        make_tg_app, emu, fake, monkeypatch) -> None:
    """Zoë (no @username; a name full of markup and an emoji family) reports, then blocks
    the bot. The outcome cannot reach her, and the queue hears it, naming her exactly as the
    card does: the markup shown literally (no parse mode), the emoji's joiners kept."""
    name = "<b>Zoë</b> *bold* _it_ [x](y) 👨\u200d👩\u200d👧"
    send = METHODS["sendMessage"]

    def blocked(world: Any, params: dict[str, Any]) -> Any:
        if int(params.get("chat_id", 0)) == MEMBER:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return send(world, params)

    monkeypatch.setitem(METHODS, "sendMessage", blocked)
    app = await tg_app(make_tg_app)
    async with RunningBot(app, fast_options(fake)):
        spam = emu.user_message(GROUP, SPAMMER, "cheap pills", first_name="Spammer")
        await command(emu, MEMBER, "/report spam", reply_to=spam["message_id"], first_name=name)
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
        await command(emu, ADMIN, "/resolve 1 removed", chat=QUEUE)
        await emu.wait_for(lambda: [t for t in queue_texts(emu) if "could not tell" in t],
                           what="the reporter-not-told notice")
    card = queue_texts(emu)[0]
    shown = f"{name} (telegram:{MEMBER})"
    assert line_of(card, "Reported by:") == f"Reported by: {shown} · reports: 1", card
    (told,) = [t for t in queue_texts(emu) if "could not tell" in t]
    assert told.startswith(f"I could not tell {shown} how report #1 ended"), told
    assert not [c for c in emu.calls_of("sendMessage", ok=None) if c.params.get("parse_mode")
                or c.params.get("entities")]


async def test_tg_newcomers_added_by_an_admin_or_by_link_are_the_ones_acted_on_and_named_safely(
        make_tg_app, emu, fake) -> None:
    """"Olga added t.me/casino_bonus" and "Mark joined via an invite link": /ban in reply to
    the first bans the newcomer (not Olga who added him) and names him id4545 (his name is an
    advert), in the chat and in the audit; /kick in reply to the second removes Mark, named
    literally, markup and all."""
    app = await tg_app(make_tg_app)
    advert = emu.world.user(4545, "t.me/casino_bonus")
    mark = emu.world.user(4646, "<i>Mark</i> [x](y)")
    async with RunningBot(app, fast_options(fake)):
        added = service(emu, emu.world.user(ADMIN, "Olga"), new_chat_members=[advert])
        joined = service(emu, mark, new_chat_members=[mark])
        banned = await command(emu, ADMIN, "/ban spam bot", reply_to=added["message_id"])
        kicked = await command(emu, ADMIN, "/kick", reply_to=joined["message_id"])
        await emu.wait_for(lambda: len([t for t in emu.sent_texts(QUEUE)
                                        if t.startswith("Audit:")]) >= 2, what="audit lines")
        await settle(emu)
    assert [c.params["user_id"] for c in emu.calls_of("banChatMember")] == [4545, 4646]
    assert [c.params["user_id"] for c in emu.calls_of("unbanChatMember")] == [4646]
    assert replies_to(emu, GROUP, banned["message_id"]) == [
        "id4545 is banned until a moderator lifts it. Reason: spam bot. To lift it: /unban."]
    (kick,) = replies_to(emu, GROUP, kicked["message_id"])
    assert kick.startswith("<i>Mark</i> [x](y) has been removed from the chat"), kick
    audit = [t for t in emu.sent_texts(QUEUE) if t.startswith("Audit:")]
    assert "→ telegram:4545 in" in audit[0] and "Olga" in audit[0], audit
    assert "→ <i>Mark</i> [x](y) (telegram:4646) in" in audit[1], audit
    assert not [t for t in emu.sent_texts() if "casino" in t], emu.sent_texts()


async def test_tg_card_names_the_reporter_by_name_and_handle_like_the_author(
        make_tg_app, emu, fake) -> None:
    """README: the card shows people "by name and @username" (on the author line: "Spammer
    @pills_shop"). The reporter is a person on the card too: a moderator who must answer
    them in the chat ("Answer them in the chat if it matters") looks for "Vera"."""
    app = await tg_app(make_tg_app)
    async with RunningBot(app, fast_options(fake)):
        spam = emu.user_message(GROUP, SPAMMER, "cheap pills", first_name="Spammer",
                                username="pills_shop")
        await command(emu, MEMBER, "/report spam", reply_to=spam["message_id"],
                      first_name="Vera", username="vera_r")
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
    card = queue_texts(emu)[0]
    assert line_of(card, "Author:") == f"Author: Spammer @pills_shop (telegram:{SPAMMER})"
    assert line_of(card, "Reported by:").startswith(
        f"Reported by: Vera @vera_r (telegram:{MEMBER})"), card


# ============================================================================================
# VK
# ============================================================================================

async def test_vk_cards_and_notices_name_a_deleted_page_a_chat_bot_and_a_hidden_rtl_name(
        emulator, tmp_path, clock, monkeypatch) -> None:
    """A chat bot (a community) and a since-deleted page are reported by Anna, whose VK name
    carries a right-to-left override and a zero-width space. The cards name the deleted page
    with its id and offer its ban, the bot without "Ban author"; Anna cannot be written to
    (VK error 901), and the queue hears it naming her as the card does, cleaned."""
    original = emulator._m_messages_send

    def send(params: dict[str, str]) -> Any:
        if str(VK_ANNA) in (params.get("peer_id"), params.get("peer_ids")):
            raise VkError(901, "Can't send messages for users without permission")
        return original(params)

    monkeypatch.setattr(emulator, "_m_messages_send", send)
    names = {VK_ANNA: ("\u202eАнна", "Жало\u200bбина"), VK_DEAD: ("DELETED", "")}
    async with vk_bot(emulator, tmp_path, clock, names):
        by_bot = emulator.post_message(VK_CHAT, VK_BOT_COMMUNITY, "cheap pills from a bot")
        by_dead = emulator.post_message(VK_CHAT, VK_DEAD, "cheap pills from a ghost")
        emulator.post_message(VK_CHAT, VK_ANNA, "!report spam", reply_to=by_bot)
        emulator.post_message(VK_CHAT, VK_ANNA, "!report spam", reply_to=by_dead)
        await emulator.wait_for(lambda: len([m for m in emulator.sent(VK_QUEUE)
                                             if m.keyboard]) >= 2)
        emulator.post_message(VK_QUEUE, VK_MOD, "/resolve 2 removed")
        await emulator.wait_for(lambda: [m for m in emulator.sent(VK_QUEUE)
                                         if "could not tell" in m.text])
        await vk_settle(emulator)
    cards = [m for m in emulator.sent(VK_QUEUE) if m.text.startswith("Ticket #")]
    bot_card, dead_card = cards[0], cards[1]
    assert "555" in line_of(bot_card.text, "Author:"), bot_card.text
    assert "Ban author" not in vk_labels(bot_card), vk_labels(bot_card)
    assert line_of(dead_card.text, "Author:") == f"Author: DELETED (vk:{VK_DEAD})"
    reporter = f"Анна Жалобина (vk:{VK_ANNA})"
    for card in (bot_card, dead_card):
        assert line_of(card.text, "Reported by:") == f"Reported by: {reporter} · reports: 1"
    (told,) = [m.text for m in emulator.sent(VK_QUEUE) if "could not tell" in m.text]
    assert told.startswith(f"I could not tell {reporter} how report #2 ended"), told
    everything = "".join(m.text for m in emulator.sent())
    assert not re.search("[\u202a-\u202e\u2066-\u2069\u200b]", everything)


async def test_vk_banned_member_invited_back_by_a_friend_or_by_link_is_the_one_removed(
        emulator, tmp_path, clock) -> None:
    """Spam King is banned; a friend invites him back (chat_invite_user: the friend is the
    sender, he is member_id), then he comes back by an invite link (chat_invite_user_by_link:
    he is the sender). Each time he, not the friend, is removed again (README)."""
    friend = 601
    emulator.add_members(VK_CHAT, VK_SPAMMER, friend)
    async with vk_bot(emulator, tmp_path, clock, {VK_SPAMMER: ("Spam", "King")}):
        spam = emulator.post_message(VK_CHAT, VK_SPAMMER, "buy followers")
        emulator.post_message(VK_CHAT, VK_MOD, "!ban spam", reply_to=spam)
        await emulator.wait_calls("groups.ban")
        await emulator.wait_calls("messages.removeChatUser")
        emulator.add_members(VK_CHAT, VK_SPAMMER)
        emulator.post_message(VK_CHAT, friend, "", action={"type": "chat_invite_user",
                                                           "member_id": VK_SPAMMER})
        await emulator.wait_calls("messages.removeChatUser", 2)
        emulator.add_members(VK_CHAT, VK_SPAMMER)
        emulator.post_message(VK_CHAT, VK_SPAMMER, "", action={
            "type": "chat_invite_user_by_link"})
        await emulator.wait_calls("messages.removeChatUser", 3)
        await vk_settle(emulator)
    removed = [c["member_id"] for c in emulator.calls_to("messages.removeChatUser")]
    assert removed == [str(VK_SPAMMER)] * 3, removed
    assert friend in emulator.peer(VK_CHAT).members
    assert VK_SPAMMER not in emulator.peer(VK_CHAT).members
    (ban_reply,) = [m.text for m in emulator.sent(VK_CHAT) if "banned" in m.text]
    assert ban_reply.startswith("Spam King is banned"), ban_reply


async def test_vk_wall_comment_by_another_community_is_answered_with_a_link_to_it(
        emulator, tmp_path, clock) -> None:
    """README: a wall comment posted as another community is "judged like a person's
    comment", and "the warning comment names the commenter as a VK link ([id8300|Oleg]):
    their own comment is gone, so only the link makes VK tell them why". A person gets
    [id…|Name]; a community needs [club…|…] just the same."""
    async with vk_bot(emulator, tmp_path, clock, {VK_BOB: ("Борис", "Петров")}):
        emulator.post_comment(POST, VK_BOB, "fuck you all")
        emulator.post_comment(POST, -VK_SPAMMER, "fuck you all")
        await emulator.wait_calls("wall.createComment", 2)
        await vk_settle(emulator)
    person, community = [c["message"] for c in emulator.calls_to("wall.createComment")]
    assert person.startswith(f"[id{VK_BOB}|Борис Петров], your message was removed"), person
    assert community.startswith(f"[club{VK_SPAMMER}|"), community


async def test_vk_snackbar_naming_the_moderator_who_just_claimed_is_whole(
        emulator, tmp_path, clock) -> None:
    """Two queue admins press Claim seconds apart; the second is told who got there first.
    VK shows at most 90 characters in a snackbar (the bot cuts there): with a name as common
    as "Александр Иванов" the instruction must still arrive whole — shorten the name, not
    the sentence (tests/test_qa24_cross_queue.py holds snackbars to the same rule)."""
    first, second = 901, 902
    emulator.set_admins(VK_QUEUE, first, second)
    names = {first: ("Александр", "Иванов"), second: ("Ольга", "Ночная")}
    async with vk_bot(emulator, tmp_path, clock, names):
        spam = emulator.post_message(VK_CHAT, VK_SPAMMER, "buy followers")
        emulator.post_message(VK_CHAT, VK_BOB, "!report spam", reply_to=spam)
        card = (await emulator.wait_for(lambda: [m for m in emulator.sent(VK_QUEUE)
                                                 if m.keyboard]))[0]
        emulator.press(VK_QUEUE, first, card.cmid, "t:claim:1")
        await emulator.wait_calls("messages.sendMessageEventAnswer", 1)
        emulator.press(VK_QUEUE, second, card.cmid, "t:claim:1")
        answers = await emulator.wait_calls("messages.sendMessageEventAnswer", 2)
        await vk_settle(emulator)
    said = json.loads(answers[1]["event_data"])["text"]
    tail = render("complaints.refused_just_claimed", number=1, who="")
    assert len(said) <= 90 and "#1" in said, said
    assert said.endswith(tail.strip()), f"{said!r} lost the end of {tail!r}"


# ============================================================================================
# One bot, both networks: a member of one network seen from the other network's queue
# ============================================================================================

OAK_QUEUE = VK_QUEUE  # oak: a Telegram group, its queue a VK chat
BIRCH_QUEUE = -2002  # birch: a VK chat, its queue a Telegram chat
BIRCH_QUEUE_ADMIN = 701


@asynccontextmanager
async def both_networks(tmp_path: Path, clock: FakeClock, vk: VkEmulator
                        ) -> AsyncIterator[TelegramEmulator]:
    """One process serving "oak" (Telegram group -1001, VK queue) and "birch" (VK chat,
    Telegram queue), both with audit on."""
    async with TelegramEmulator(TOKEN) as tg:
        tg.world.clock = lambda: clock.now().timestamp()
        tg.group(GROUP, title="Oak", admins=(ADMIN,))
        tg.group(BIRCH_QUEUE, title="Birch queue", admins=(BIRCH_QUEUE_ADMIN,))
        vk.set_admins(OAK_QUEUE, VK_MOD)
        vk.peer(VK_CHAT).title = "Birch"
        path = tmp_path / "config.toml"
        community = textwrap.dedent("""
            language = "en"
            timezone = "UTC"
            audit = true
            [community.antiflood]
            enabled = false
            """)
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
            name = "oak"
            chats = ["telegram:{GROUP}"]
            queue = "vk:{OAK_QUEUE}"
            """) + community + textwrap.dedent(f"""
            [[community]]
            name = "birch"
            chats = ["vk:{VK_CHAT}"]
            queue = "telegram:{BIRCH_QUEUE}"
            """) + community, encoding="utf-8")
        running = await BothNetworks(path, clock, tg, vk, instance="qa55").start()
        try:
            yield tg
        finally:
            await running.stop()


async def test_command_reply_in_the_other_networks_queue_never_repeats_a_handle(
        tmp_path, clock, emulator) -> None:
    """README: on a card in the other network's queue the @username is left out, and the
    audit never names anyone by @handle, "which on the other network is a stranger's". The
    moderator's own /ban reply in that queue is read by the same people: "@spam_king" in a
    Telegram chat is a live mention of whichever Telegram account holds it, "@crypto_king"
    in VK a VK account's. Both queues should say the name instead ("Spam King",
    "Crypto")."""
    emulator.real_names[VK_SPAMMER] = ("Spam", "King")
    emulator.screen_names[VK_SPAMMER] = "spam_king"
    async with both_networks(tmp_path, clock, emulator) as tg:
        # VK member → Telegram queue, banned by a Telegram moderator replying to the card
        spam = emulator.post_message(VK_CHAT, VK_SPAMMER, "buy followers at spam.example")
        emulator.post_message(VK_CHAT, VK_BOB, "!report spam", reply_to=spam)
        card = (await tg.wait_for(lambda: tg.sent_messages(BIRCH_QUEUE), what="card"))[0]
        tg.user_message(BIRCH_QUEUE, BIRCH_QUEUE_ADMIN, "/ban 1d spam",
                        reply_to=card["message_id"])
        await emulator.wait_calls("groups.ban")
        # Telegram member → VK queue, banned by a VK moderator replying to the card
        bad = tg.user_message(GROUP, SPAMMER, "buy crypto", first_name="Crypto",
                              username="crypto_king")
        tg.user_message(GROUP, MEMBER, "/report spam", reply_to=bad["message_id"],
                        first_name="Rita")
        vk_card = (await emulator.wait_for(lambda: emulator.sent(OAK_QUEUE)))[0]
        emulator.post_message(OAK_QUEUE, VK_MOD, "!ban 1d spam", reply_to=vk_card.cmid)
        await tg.wait_for(lambda: tg.calls_of("banChatMember"), what="the Telegram ban")
        await tg.wait_for(lambda: len(tg.sent_texts(BIRCH_QUEUE)) >= 3, what="reply, audit")
        await emulator.wait_for(lambda: len(emulator.sent(OAK_QUEUE)) >= 3)
        await vk_settle(emulator)
    in_telegram = [m.get("text") or "" for m in tg.sent_messages(BIRCH_QUEUE)]
    in_vk = [m.text for m in emulator.sent(OAK_QUEUE)]
    assert not [t for t in in_telegram if "@spam_king" in t], in_telegram
    assert not [t for t in in_vk if "@crypto_king" in t], in_vk
    assert [t for t in in_telegram if "Spam King" in t and "banned" in t], in_telegram
    assert [t for t in in_vk if "Crypto" in t and "banned" in t], in_vk


async def test_telegram_name_in_vk_markup_does_not_become_a_vk_link_in_the_vk_queue(
        tmp_path, clock, emulator) -> None:
    """A Telegram spammer calls himself "[club123|FREE CRYPTO]" and his reporter
    "[id1|Pavel Durov]": harmless on Telegram, but VK turns that text into links to the
    community club123 and the page id1. On the VK queue's card and audit line they must read
    as the names they are (the bot already breaks such markup in its wall mentions), not as
    an advert and a stranger's page."""
    markup = re.compile(r"\[(id|club|public)\d+\|[^\]]*\]")
    async with both_networks(tmp_path, clock, emulator) as tg:
        bad = tg.user_message(GROUP, SPAMMER, "buy crypto", first_name="[club123|FREE CRYPTO]")
        tg.user_message(GROUP, MEMBER, "/report spam", reply_to=bad["message_id"],
                        first_name="[id1|Pavel Durov]")
        card = (await emulator.wait_for(lambda: emulator.sent(OAK_QUEUE)))[0]
        emulator.post_message(OAK_QUEUE, VK_MOD, "!ban 1d spam", reply_to=card.cmid)
        await tg.wait_for(lambda: tg.calls_of("banChatMember"), what="the Telegram ban")
        await emulator.wait_for(lambda: [m for m in emulator.sent(OAK_QUEUE)
                                         if m.text.startswith("Audit:")])
        await vk_settle(emulator)
    in_vk = [m.text for m in emulator.sent(OAK_QUEUE)]
    assert [c.params["user_id"] for c in tg.calls_of("banChatMember")] == [SPAMMER]
    assert f"telegram:{SPAMMER}" in line_of(in_vk[0], "Author:"), in_vk[0]
    assert not [t for t in in_vk if markup.search(t)], in_vk
