"""QA round 60: moderator ergonomics at 2 a.m. on a phone, on Telegram and on VK.

A tired moderator types on a phone: in reply, by @username, by numeric id or profile link,
with durations in every usual form (10m, 2h, 1d, 1w, «1 час», «3 дня», «2 часа 30 минут»),
with typos, capitalised by the keyboard, addressed to the bot by name in a group with several
bots, fixed by editing the message; they press the queue card's buttons and read the card;
they ask /help; they ban forever, delete an FAQ entry, cancel a scheduled post. What a Rose /
Combot user expects: every form README.md lists works on both networks, a slip gets a usage
reply with a correct example (never silence, never a crash, never an action on the wrong
member), the card always shows the state after a press, and a destructive action says
exactly what was done.

The real Telegram adapter runs in-process against tests/tg_emulator and the real VK adapter
against tests/vk_emulator (both imported, never edited). Time is the injected FakeClock, run
near the wall clock (Telegram reads until_date against it); waits are predicates on what the
emulators saw, never sleeps.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tg_emulator import TelegramEmulator
from tg_emulator.harness import ADMIN, GROUP, LISTED_MODERATOR, QUEUE, TOKEN, RunningBot, fast_options
from tg_emulator.wire import render, replies_to, wall_clock
from vk_emulator import VkEmulator
from vk_emulator.harness import CHAT as VK_CHAT
from vk_emulator.harness import MODERATOR as VK_MOD
from vk_emulator.harness import QUEUE as VK_QUEUE
from vk_emulator.harness import RunningBot as VkBot
from vk_emulator.harness import vk_config_text, write_vk_config
from vk_emulator.server import ChatMessage
from vk_emulator.wire import settle as vk_settle

from bot.app import App
from bot.config import LoadedConfig, load_config
from bot.core.clock import FakeClock

# --------------------------------------------------------------------------------------------
# The cast
# --------------------------------------------------------------------------------------------

OLGA = ADMIN  # 700: admin of the group and of the queue chat
PAVEL = LISTED_MODERATOR  # 900: listed in `moderators`
WITNESS = 950  # a listed moderator whose /help marks "everything before was handled"
BOB, CAROL, DAN, EVE, FRED = 4101, 4102, 4103, 4104, 4105
NAMES = {BOB: "Bob", CAROL: "Carol", DAN: "Dan", EVE: "Eve", FRED: "Fred"}
HANDLES = {BOB: "bob_b", CAROL: "carol_c", EVE: "eve_x"}  # Dan has no @username
MEMBER = 5101  # Anna, an ordinary member (and a reporter)
BOT_USERNAME = "modbot_test_bot"

VK_PAVEL = 901  # admin of the VK queue chat
VK_BOB, VK_CAROL, VK_DAN, VK_EVE = 4201, 4202, 4203, 4204
VK_MEMBER = 5201
VK_NAMES = {VK_MOD: ("Olga", "Vk"), VK_PAVEL: ("Pavel", "Vk"), VK_BOB: ("Bob", "Vk"),
            VK_CAROL: ("Carol", "Vk"), VK_DAN: ("Dan", "Vk"), VK_EVE: ("Eve", "Vk"),
            VK_MEMBER: ("Anna", "Vk")}
VK_HANDLES = {VK_CAROL: "carol_c"}

SPAM = "Earn 5000 a day with no investment! DM me t.me/easy_money_24"
FAQ = textwrap.dedent("""
    [[faq]]
    id = "parking"
    lang = "en"
    questions = ["Is there parking?"]
    answer = "Free parking behind the building, entrance from Oak Street."
    """)
FAQ_RU = FAQ.replace('lang = "en"', 'lang = "ru"')

#: What README's command table and its complaint and schedule sections give moderators.
MODERATOR_COMMANDS = ("/warn", "/dwarn", "/unwarn", "/resetwarns", "/warns", "/mute", "/dmute",
                      "/unmute", "/ban", "/dban", "/unban", "/kick", "/dkick", "/del", "/purge",
                      "/faq", "/queue", "/take", "/resolve", "/reject", "/reopen", "/untake",
                      "/schedule", "/unschedule")
MODERATOR_ONLY = tuple(c for c in MODERATOR_COMMANDS if c not in ("/warns", "/faq"))


@pytest.fixture
def clock() -> FakeClock:
    # Telegram reads until_date against the wall clock: the bot's clock runs near the present
    return wall_clock()


def at(clock: FakeClock, delta: timedelta) -> int:
    return int((clock.now() + delta).timestamp())


def shown(uid: int) -> str:
    """How the bot names a Telegram member: by @username when there is one."""
    return f"@{HANDLES[uid]}" if uid in HANDLES else NAMES[uid]


# --------------------------------------------------------------------------------------------
# Telegram plumbing
# --------------------------------------------------------------------------------------------

def tg_config(folder: Path, api_base: str, *, lang: str) -> LoadedConfig:
    (folder / "faq.toml").write_text(FAQ if lang == "en" else FAQ_RU, encoding="utf-8")
    text = textwrap.dedent(f"""
        [database]
        url = "sqlite+aiosqlite:///modbot.db"

        [telegram]
        token = "{TOKEN}"
        api_base = "{api_base}"
        poll_timeout = 1

        [[community]]
        name = "demo"
        language = "{lang}"
        timezone = "UTC"
        faq = "faq.toml"
        chats = ["telegram:{GROUP}"]
        moderators = ["telegram:{PAVEL}", "telegram:{WITNESS}"]
        queue = "telegram:{QUEUE}"
        """)
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


@pytest.fixture
def tg(tmp_path: Path, emu: TelegramEmulator, clock: FakeClock,
       open_app: Callable[..., Awaitable[App]]) -> Callable[..., Awaitable[App]]:
    """The community "demo": group "Cats" (admin Olga), its queue chat, Pavel listed."""
    emu.world.chats[GROUP].title = "Cats"
    emu.world.user(OLGA, "Olga")
    emu.world.user(PAVEL, "Pavel")
    emu.world.user(WITNESS, "Wit")
    emu.world.user(MEMBER, "Anna")
    for uid, name in NAMES.items():
        emu.world.user(uid, name, HANDLES.get(uid))

    async def make(lang: str = "en") -> App:
        return await open_app(tg_config(tmp_path, emu.api_base, lang=lang), clock, "qa60")

    return make


async def tg_settle(emu: TelegramEmulator, chat: int = GROUP) -> None:
    """Everything sent before has been handled: a listed moderator's /help got its answer."""
    probe = emu.user_message(chat, WITNESS, "/help")
    await emu.wait_for(lambda: replies_to(emu, chat, probe["message_id"]),
                       what="the witness's /help answer")


async def tg_ask(emu: TelegramEmulator, who: int, text: str, *, chat: int = GROUP,
                 **extra: Any) -> list[str]:
    """Send ``text`` as ``who``; the bot's replies to it once it has answered."""
    sent = emu.user_message(chat, who, text, **extra)
    await emu.wait_for(lambda: replies_to(emu, chat, sent["message_id"]),
                       what=f"the reply to {text!r}")
    return replies_to(emu, chat, sent["message_id"])


def restricts(emu: TelegramEmulator, user: int) -> list[dict[str, Any]]:
    return [c.params for c in emu.calls_of("restrictChatMember")
            if int(c.params["user_id"]) == user]


def bans(emu: TelegramEmulator, user: int) -> list[dict[str, Any]]:
    return [c.params for c in emu.calls_of("banChatMember") if int(c.params["user_id"]) == user]


def member_actions(emu: TelegramEmulator) -> list[tuple[str, dict[str, Any]]]:
    return [(c.method, c.params) for c in emu.calls if c.ok and c.method in (
        "restrictChatMember", "banChatMember", "unbanChatMember", "banChatSenderChat")]


def until(params: dict[str, Any]) -> int:
    return int(params.get("until_date") or 0)


def muted(params: dict[str, Any]) -> bool:
    return not any(v for k, v in params["permissions"].items() if k.startswith("can_send"))


def tg_cards(emu: TelegramEmulator) -> list[dict[str, Any]]:
    return [m for m in emu.sent_messages(QUEUE) if (m.get("text") or "").startswith("Ticket #")]


def card_now(emu: TelegramEmulator, card: dict[str, Any]) -> dict[str, Any]:
    return emu.world.messages[(QUEUE, card["message_id"])].message


def tg_buttons(message: dict[str, Any]) -> dict[str, str]:
    """label → callback data of a message's inline keyboard."""
    return {b["text"]: b["callback_data"]
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row}


async def tg_press(emu: TelegramEmulator, card: dict[str, Any], who: int, label: str
                   ) -> dict[str, Any]:
    """Press the button labelled ``label`` on the card as it is now; the answer shown."""
    data = tg_buttons(card_now(emu, card))[label]
    query = emu.press(QUEUE, card["message_id"], who, data)
    await emu.wait_for(lambda: emu.world.callbacks[query].get("answered"),
                       what=f"the answer to {label}")
    return dict(emu.world.callbacks[query]["answered"])


# --------------------------------------------------------------------------------------------
# VK plumbing
# --------------------------------------------------------------------------------------------

@pytest.fixture
async def vk(emulator: VkEmulator, tmp_path: Path,
             clock: FakeClock) -> AsyncIterator[Callable[..., Awaitable[VkBot]]]:
    """`await vk(lang)`: the community on VK: chat 2000000001 and the wall, queue chat
    2000000002 (admin Pavel), Olga listed; members Bob, Carol (@carol_c), Dan, Eve, Anna."""
    started: list[VkBot] = []

    async def make(lang: str = "en") -> VkBot:
        folder = tmp_path / "vk"  # its own config and database, beside a Telegram app's
        folder.mkdir(exist_ok=True)
        (folder / "faq.toml").write_text(FAQ if lang == "en" else FAQ_RU, encoding="utf-8")
        emulator.set_admins(VK_QUEUE, VK_PAVEL)
        emulator.add_members(VK_QUEUE, VK_MOD)
        emulator.add_members(VK_CHAT, VK_BOB, VK_CAROL, VK_DAN, VK_EVE, VK_MEMBER)
        emulator.real_names.update(VK_NAMES)
        emulator.screen_names.update(VK_HANDLES)
        text = vk_config_text(emulator, community_extra='faq = "faq.toml"').replace(
            'language = "en"', f'language = "{lang}"')
        running = VkBot(write_vk_config(folder, text), clock, emulator)
        started.append(running)
        await running.start()
        return running

    yield make
    for running in started:
        await running.stop()


def vk_replies_to(emulator: VkEmulator, peer: int, cmid: int) -> list[str]:
    return [m.text for m in emulator.sent(peer) if m.reply_to == cmid]


async def vk_ask(emulator: VkEmulator, who: int, text: str, *, peer: int = VK_CHAT,
                 reply_to: int | None = None) -> list[str]:
    cmid = emulator.post_message(peer, who, text, reply_to=reply_to)
    await emulator.wait_for(lambda: vk_replies_to(emulator, peer, cmid))
    return vk_replies_to(emulator, peer, cmid)


def vk_bans(emulator: VkEmulator, member: int) -> list[dict[str, str]]:
    return [c.params for c in emulator.calls_to("groups.ban")
            if int(c.params["owner_id"]) == member]


def vk_member_actions(emulator: VkEmulator) -> list[str]:
    return [c.method for c in emulator.calls if c.error is None and c.method in (
        "groups.ban", "groups.unban", "messages.removeChatUser")]


def vk_cards(emulator: VkEmulator) -> list[ChatMessage]:
    return [m for m in emulator.sent(VK_QUEUE) if m.text.startswith("Ticket #")]


def vk_buttons(message: ChatMessage) -> dict[str, str]:
    if message.keyboard is None:
        return {}
    return {str(b["action"].get("label")): str(json.loads(b["action"]["payload"])["d"])
            for row in message.keyboard["buttons"] for b in row}


def vk_snackbars(emulator: VkEmulator) -> list[str]:
    return [json.loads(c.params.get("event_data") or "{}").get("text", "")
            for c in emulator.calls_to("messages.sendMessageEventAnswer")]


async def vk_press(emulator: VkEmulator, card: ChatMessage, who: int, label: str) -> str:
    """Press ``label`` on the card as it is now; the snackbar shown."""
    before = len(emulator.calls_to("messages.sendMessageEventAnswer"))
    emulator.press(VK_QUEUE, who, card.cmid, vk_buttons(card)[label])
    await emulator.wait_calls("messages.sendMessageEventAnswer", before + 1)
    return vk_snackbars(emulator)[before]


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


# ============================================================================================
# Aiming: by reply, @username, numeric id, profile link — with each duration form
# ============================================================================================

async def test_tg_every_way_of_naming_the_member_hits_that_member_with_that_duration(
        tg, emu, fake, clock) -> None:
    """README: target "by replying to their message, or with @username, … or a numeric id
    (also telegram:ID …, a profile link … t.me/bob)", the duration before or after the target,
    and "a named target wins over the message replied to". Olga mutes Bob by reply for 10m,
    Carol by @carol_c for 2h, Dan (no username) by id with the duration first for 1d, Eve by
    her t.me link for 1w, and types /mute 30m @carol_c in reply to Fred's message: Carol's
    mute becomes 30m and Fred is untouched. Each answer names the member it acted on."""
    app = await tg()
    async with RunningBot(app, fast_options(fake)):
        posted = {uid: emu.user_message(GROUP, uid, f"{SPAM} #{uid}") for uid in NAMES}
        await tg_settle(emu)
        expected: dict[int, int] = {}
        expected[BOB] = at(clock, timedelta(minutes=10))
        by_reply = await tg_ask(emu, OLGA, "/mute 10m", reply_to=posted[BOB]["message_id"])
        expected[CAROL] = at(clock, timedelta(hours=2))
        by_name = await tg_ask(emu, OLGA, "/mute @carol_c 2h ads")
        expected[DAN] = at(clock, timedelta(days=1))
        by_id = await tg_ask(emu, OLGA, f"/mute 1d {DAN}")
        expected[EVE] = at(clock, timedelta(weeks=1))
        by_link = await tg_ask(emu, OLGA, "/mute https://t.me/eve_x 1w")
        carol_again = at(clock, timedelta(minutes=30))
        named_wins = await tg_ask(emu, OLGA, "/mute 30m @carol_c",
                                  reply_to=posted[FRED]["message_id"])
        await tg_settle(emu)
    for uid in (BOB, DAN, EVE):
        (params,) = restricts(emu, uid)
        assert muted(params) and until(params) == expected[uid], (NAMES[uid], params)
    assert [until(p) for p in restricts(emu, CAROL)] == [expected[CAROL], carol_again]
    assert restricts(emu, FRED) == [] and not bans(emu, FRED)
    for answer, uid, span in ((by_reply, BOB, "10m"), (by_name, CAROL, "2h"),
                              (by_id, DAN, "1d"), (by_link, EVE, "1w"),
                              (named_wins, CAROL, "30m")):
        (text,) = answer
        assert shown(uid) in text and span in text, (uid, text)
        assert "Fred" not in text, text


async def test_vk_every_way_of_naming_the_member_hits_that_member_with_that_duration(
        vk, emulator, clock) -> None:
    """The same on VK, where a member is named as the VK client writes it: by reply (!ban 1d),
    by screen name (@carol_c), by the mention the client inserts when one picks a member from
    the list ([id4203|Dan]), by profile link (vk.com/id4204) with the duration first, and by
    numeric id. Each groups.ban hits that member with that end date; nobody else is touched."""
    await vk()
    posted = {uid: emulator.post_message(VK_CHAT, uid, f"{SPAM} #{uid}")
              for uid in (VK_BOB, VK_CAROL, VK_DAN, VK_EVE)}
    await vk_settle(emulator)
    expected = {VK_BOB: at(clock, timedelta(days=1))}
    by_reply = await vk_ask(emulator, VK_MOD, "!ban 1d spam", reply_to=posted[VK_BOB])
    expected[VK_CAROL] = at(clock, timedelta(hours=2))
    by_name = await vk_ask(emulator, VK_MOD, "!ban @carol_c 2h ads")
    expected[VK_DAN] = at(clock, timedelta(days=3))
    by_mention = await vk_ask(emulator, VK_MOD, f"/ban [id{VK_DAN}|Dan] 3d")
    expected[VK_EVE] = at(clock, timedelta(weeks=1))
    by_link = await vk_ask(emulator, VK_MOD, f"!ban 1w vk.com/id{VK_EVE}")
    await vk_settle(emulator)
    for uid, end in expected.items():
        (params,) = vk_bans(emulator, uid)
        assert int(params["end_date"]) == end, (uid, params)
    assert len(emulator.calls_to("groups.ban")) == 4, emulator.calls_to("groups.ban")
    for answer, uid in ((by_reply, VK_BOB), (by_name, VK_CAROL), (by_mention, VK_DAN),
                        (by_link, VK_EVE)):
        (text,) = answer
        assert (VK_NAMES[uid][0] in text or VK_HANDLES.get(uid, "-") in text) \
            and "banned" in text, (uid, text)


# ============================================================================================
# Russian durations, as they are typed
# ============================================================================================

async def test_russian_durations_typed_apart_or_together_give_exactly_that_long_on_both_networks(
        tg, emu, fake, vk, emulator, clock) -> None:
    """README: durations "with the unit spelt out (10мин, 2часа, 3дня, 1неделю)" and "with the
    number and the unit apart, as Russian is usually typed (/mute 1 час, /ban 3 дня спам,
    /mute 2 часа 30 минут)". In a Russian Telegram group each mute and ban lands exactly and
    the reason after a spaced duration stays the reason; the same forms on VK (!ban, a
    groups.ban with its end_date) land exactly too."""
    app = await tg(lang="ru")
    cases = (
        (BOB, "/mute 1 час", timedelta(hours=1)),
        (CAROL, "/mute 2 часа 30 минут флуд", timedelta(hours=2, minutes=30)),
        (DAN, "/mute 10мин", timedelta(minutes=10)),
        (EVE, "/mute 1неделю", timedelta(weeks=1)),
    )
    async with RunningBot(app, fast_options(fake)):
        posted = {uid: emu.user_message(GROUP, uid, f"{SPAM} #{uid}") for uid in NAMES}
        await tg_settle(emu)
        answers: dict[int, list[str]] = {}
        expected: dict[int, int] = {}
        for uid, text, span in cases:
            expected[uid] = at(clock, span)
            answers[uid] = await tg_ask(emu, OLGA, text, reply_to=posted[uid]["message_id"])
        expected[FRED] = at(clock, timedelta(days=3))
        answers[FRED] = await tg_ask(emu, OLGA, "/ban 3 дня спам",
                                     reply_to=posted[FRED]["message_id"])
        await tg_settle(emu)
    for uid, _text, _span in cases:
        (params,) = restricts(emu, uid)
        assert muted(params) and until(params) == expected[uid], (NAMES[uid], params)
    (ban,) = bans(emu, FRED)
    assert until(ban) == expected[FRED], ban
    assert "флуд" in answers[CAROL][0] and "2 ч 30 мин" in answers[CAROL][0], answers[CAROL]
    assert "спам" in answers[FRED][0] and "3 дн" in answers[FRED][0], answers[FRED]
    assert "дня" not in answers[FRED][0].split("спам")[-1], answers[FRED]

    await vk(lang="ru")
    vk_posted = {uid: emulator.post_message(VK_CHAT, uid, f"{SPAM} #{uid}")
                 for uid in (VK_BOB, VK_CAROL, VK_DAN, VK_EVE)}
    await vk_settle(emulator)
    vk_cases = ((VK_BOB, "!ban 3 дня спам", timedelta(days=3)),
                (VK_CAROL, "/ban 2 часа 30 минут", timedelta(hours=2, minutes=30)),
                (VK_DAN, "!ban 1неделю", timedelta(weeks=1)),
                (VK_EVE, "!ban 10мин", timedelta(minutes=10)))
    vk_answers = {}
    vk_expected = {}
    for uid, text, span in vk_cases:
        vk_expected[uid] = at(clock, span)
        vk_answers[uid] = await vk_ask(emulator, VK_MOD, text, reply_to=vk_posted[uid])
    await vk_settle(emulator)
    for uid, end in vk_expected.items():
        (params,) = vk_bans(emulator, uid)
        assert int(params["end_date"]) == end, (uid, params)
    assert "спам" in vk_answers[VK_BOB][0] and "3 дн" in vk_answers[VK_BOB][0], vk_answers


async def test_duration_typed_after_the_reason_is_never_replaced_by_forever_or_the_default(
        tg, emu, fake, vk, emulator, clock) -> None:
    """At 2 a.m. the words come out in the wrong order: "/ban spam 1d", "/mute flood 10m",
    «/mute спам 2 часа». README: "Bad arguments get a usage reply saying what is wrong (-5m,
    0m, 400d are refused, never replaced by the default)"; Rose's /tban refuses a time it
    cannot read. The moderator asked for one day: either the ban lasts one day or nothing is
    done and the usage shows the right order — never a permanent ban (the member is gone
    until someone remembers to lift it) nor the default hour for "10m". Both networks."""
    app = await tg()
    async with RunningBot(app, fast_options(fake)):
        posted = {uid: emu.user_message(GROUP, uid, f"{SPAM} #{uid}") for uid in (BOB, CAROL)}
        day = at(clock, timedelta(days=1))
        ten = at(clock, timedelta(minutes=10))
        ban_said = await tg_ask(emu, OLGA, "/ban spam 1d", reply_to=posted[BOB]["message_id"])
        mute_said = await tg_ask(emu, OLGA, "/mute flood 10m",
                                 reply_to=posted[CAROL]["message_id"])
        await tg_settle(emu)
    await vk()
    vk_spam = emulator.post_message(VK_CHAT, VK_BOB, SPAM)
    vk_day = at(clock, timedelta(days=1))
    vk_said = await vk_ask(emulator, VK_MOD, "!ban spam 1d", reply_to=vk_spam)
    await vk_settle(emulator)
    for params in bans(emu, BOB):
        assert until(params) == day, (params, ban_said)
    for params in restricts(emu, CAROL):
        assert until(params) == ten, (params, mute_said)
    for params in vk_bans(emulator, VK_BOB):
        assert int(params.get("end_date") or 0) == vk_day, (params, vk_said)
    for said_text in (*ban_said, *mute_said, *vk_said):
        assert "until a moderator lifts it" not in said_text and "1h" not in said_text, said_text


# ============================================================================================
# Slips: bad arguments, typos, the phone's capital letter
# ============================================================================================

TG_SLIPS = (
    # (command, replied to a member's message?, what the answer must quote)
    ("/mute", False, "/mute"),
    ("/ban 1d", False, "/ban"),
    ("/mute -5m", True, "-5m"),
    ("/mute 0m", True, "0m"),
    ("/ban 400d", True, "400d"),
    ("/mute 10", True, "10"),
    ("/mute 10x spam", True, "10x"),
    ("/ban @nobody_we_know 1d", False, "@nobody_we_know"),
)


async def test_tg_slips_get_a_usage_with_an_example_and_nothing_is_done(
        tg, emu, fake, clock) -> None:
    """README: "Bad arguments get a usage reply saying what is wrong (-5m, 0m, 400d are
    refused, never replaced by the default)"; issue #5: "never a crash or a silent ignore";
    "/wran spam gets There is no command /wran: nothing was done. Did you mean /warn?". Each
    slip gets one answer that quotes what was wrong and shows a correct example of the
    command (a duration with its unit); nobody is muted, banned or warned; a phone's capital
    letter (/Mute 10m) is still /mute."""
    app = await tg()
    async with RunningBot(app, fast_options(fake)):
        spam = emu.user_message(GROUP, BOB, SPAM)
        answers = {}
        for text, in_reply, _quoted in TG_SLIPS:
            extra = {"reply_to": spam["message_id"]} if in_reply else {}
            answers[text] = await tg_ask(emu, OLGA, text, **extra)
        typos = {text: await tg_ask(emu, OLGA, text, reply_to=spam["message_id"])
                 for text in ("/wran spam", "/mtue 10m", "/bna")}
        await tg_settle(emu)
        assert member_actions(emu) == [], member_actions(emu)
        warns = await tg_ask(emu, OLGA, "/warns", reply_to=spam["message_id"])
        expected = at(clock, timedelta(minutes=10))
        capital = await tg_ask(emu, OLGA, "/Mute 10m", reply_to=spam["message_id"])
        await tg_settle(emu)
    for text, _in_reply, quoted in TG_SLIPS:
        (answer,) = answers[text]
        assert quoted in answer, (text, answer)
        command = text.split()[0]
        assert f"{command} @user" in answer or f"{command} [" in answer, (text, answer)
        assert any(d in answer for d in ("10m", "1d")), (text, answer)
    assert typos["/wran spam"] == [render("common.did_you_mean", typed="/wran",
                                          command="/warn")]
    assert typos["/mtue 10m"] == [render("common.did_you_mean", typed="/mtue",
                                         command="/mute")]
    assert typos["/bna"] == [render("common.did_you_mean", typed="/bna", command="/ban")]
    assert render("moderation.no_warnings", user=shown(BOB)) in warns[0], warns
    (params,) = restricts(emu, BOB)
    assert until(params) == expected, params
    assert shown(BOB) in capital[0] and "10m" in capital[0], capital


async def test_vk_slips_get_a_usage_with_an_example_and_nothing_is_done(
        vk, emulator, clock) -> None:
    """The same slips with VK's "!" prefix: each answered with what is wrong and a correct
    example; typos get "did you mean"; nobody is banned or removed from the chat."""
    await vk()
    spam = emulator.post_message(VK_CHAT, VK_BOB, SPAM)
    answers = {}
    for text, in_reply, _quoted in TG_SLIPS:
        vk_text = "!" + text[1:]
        answers[text] = await vk_ask(emulator, VK_MOD, vk_text,
                                     reply_to=spam if in_reply else None)
    typos = {text: await vk_ask(emulator, VK_MOD, text, reply_to=spam)
             for text in ("!wran spam", "!mtue 10m", "!Ban 400d")}
    await vk_settle(emulator)
    assert vk_member_actions(emulator) == [], vk_member_actions(emulator)
    for text, _in_reply, quoted in TG_SLIPS:
        (answer,) = answers[text]
        assert quoted in answer, (text, answer)
        assert any(d in answer for d in ("10m", "1d")), (text, answer)
    # VK takes both prefixes; the answer names the command with "/"
    assert typos["!wran spam"] == [render("common.did_you_mean", typed="/wran",
                                          command="/warn")], typos["!wran spam"]
    assert typos["!mtue 10m"] == [render("common.did_you_mean", typed="/mtue",
                                         command="/mute")], typos["!mtue 10m"]
    assert "400d" in typos["!Ban 400d"][0], typos


# ============================================================================================
# Several bots in one group: commands addressed by name
# ============================================================================================

async def test_commands_addressed_to_this_bot_by_name_work_and_other_bots_commands_are_left_alone(
        tg, emu, fake, vk, emulator, clock) -> None:
    """In a group with Rose and Combot too, Telegram clients send /cmd@botname. Ours
    (/mute@modbot_test_bot 10m, /help@modbot_test_bot, a typo /wran@modbot_test_bot) are
    carried out or answered; another bot's (/ban@MissRose_bot, /warn@combot, /wran@combot,
    /help@combot) get neither an action nor a reply from us — that bot answers them.
    VK's counterpart: addressing the community's bot in a chat the client writes
    "[club42|@modbot] /help" (README's VK mapping: "the command is what follows"), so
    "[club42|@modbot] !ban 1d" in reply bans for a day; the same order to another community's
    bot ("[club777|@otherbot] !ban") is not ours: no ban, no reply."""
    app = await tg()
    async with RunningBot(app, fast_options(fake)):
        spam = emu.user_message(GROUP, BOB, SPAM)
        others = [emu.user_message(GROUP, OLGA, text, reply_to=spam["message_id"])
                  for text in ("/ban@MissRose_bot", "/warn@combot spam", "/wran@combot")]
        others.append(emu.user_message(GROUP, MEMBER, "/help@combot"))
        expected = at(clock, timedelta(minutes=10))
        ours = await tg_ask(emu, OLGA, f"/mute@{BOT_USERNAME} 10m",
                            reply_to=spam["message_id"])
        typo = await tg_ask(emu, OLGA, f"/wran@{BOT_USERNAME} spam",
                            reply_to=spam["message_id"])
        helped = await tg_ask(emu, MEMBER, f"/help@{BOT_USERNAME}")
        await tg_settle(emu)
        warns = await tg_ask(emu, OLGA, "/warns", reply_to=spam["message_id"])
    (params,) = restricts(emu, BOB)
    assert until(params) == expected and muted(params), params
    assert not bans(emu, BOB)
    assert shown(BOB) in ours[0] and "10m" in ours[0], ours
    assert typo == [render("common.did_you_mean", typed="/wran", command="/warn")], typo
    assert helped == [render("common.help_member")], helped
    for message in others:
        assert replies_to(emu, GROUP, message["message_id"]) == [], message["text"]
    assert render("moderation.no_warnings", user=shown(BOB)) in warns[0], warns

    await vk()
    vk_spam = emulator.post_message(VK_CHAT, VK_BOB, SPAM)
    other = emulator.post_message(VK_CHAT, VK_MOD, "[club777|@otherbot] !ban", reply_to=vk_spam)
    vk_expected = at(clock, timedelta(days=1))
    vk_ours = await vk_ask(emulator, VK_MOD, f"[club{emulator.group_id}|@modbot] !ban 1d spam",
                           reply_to=vk_spam)
    vk_helped = await vk_ask(emulator, VK_MEMBER, f"[club{emulator.group_id}|@modbot], /help")
    await vk_settle(emulator)
    (vk_params,) = vk_bans(emulator, VK_BOB)
    assert int(vk_params["end_date"]) == vk_expected, vk_params
    assert "Bob" in vk_ours[0] and "banned" in vk_ours[0], vk_ours
    assert vk_helped == [render("common.help_member")], vk_helped
    assert vk_replies_to(emulator, VK_CHAT, other) == []


# ============================================================================================
# Commands fixed by editing the message
# ============================================================================================

async def test_command_fixed_by_an_edit_is_not_run_and_the_moderator_is_told_once(
        tg, emu, fake, vk, emulator, clock) -> None:
    """README: "A command fixed by editing its message … is not run — an old message edited
    into /ban must not ban, as in Rose — but a moderator is told once to send it again."
    Olga types /mtue 10m (did you mean /mute?), then edits it to /mute 10m, then to /mute
    20m: nobody is muted and she reads "send /mute again" exactly once. Her ordinary
    message edited into /ban 1d bans nobody either. Sent again as a new message, it mutes.
    The same on VK (message_edit): !bna 1d → did you mean; edited to !ban 1d and again to
    !ban 2d, and a plain message edited into !ban: nothing is banned, "send /ban again" once;
    sent anew it bans."""
    app = await tg()
    async with RunningBot(app, fast_options(fake)):
        spam = emu.user_message(GROUP, BOB, SPAM)
        slip = emu.user_message(GROUP, OLGA, "/mtue 10m", reply_to=spam["message_id"])
        await emu.wait_for(lambda: replies_to(emu, GROUP, slip["message_id"]),
                           what="did you mean")
        for fixed in ("/mute 10m", "/mute 20m"):
            clock.advance(timedelta(seconds=10))
            emu.edit_user_message(GROUP, slip["message_id"], fixed)
            await tg_settle(emu)
        chat = emu.user_message(GROUP, OLGA, "ok everyone calm down")
        await tg_settle(emu)
        clock.advance(timedelta(seconds=10))
        emu.edit_user_message(GROUP, chat["message_id"], f"/ban 1d {BOB}")
        await tg_settle(emu)
        assert member_actions(emu) == [], member_actions(emu)
        expected = at(clock, timedelta(minutes=10))
        again = await tg_ask(emu, OLGA, "/mute 10m", reply_to=spam["message_id"])
        await tg_settle(emu)
    told = replies_to(emu, GROUP, slip["message_id"])
    assert told == [render("common.did_you_mean", typed="/mtue", command="/mute"),
                    render("common.edited_command", command="/mute")], told
    assert not [t for t in replies_to(emu, GROUP, chat["message_id"]) if "/ban" not in t], \
        replies_to(emu, GROUP, chat["message_id"])
    (params,) = restricts(emu, BOB)
    assert until(params) == expected, params
    assert shown(BOB) in again[0], again

    await vk()
    vk_spam = emulator.post_message(VK_CHAT, VK_BOB, SPAM)
    vk_slip = emulator.post_message(VK_CHAT, VK_MOD, "!bna 1d", reply_to=vk_spam)
    await emulator.wait_for(lambda: vk_replies_to(emulator, VK_CHAT, vk_slip))
    for fixed in ("!ban 1d", "!ban 2d"):
        vk_edit(emulator, clock, VK_CHAT, vk_slip, fixed)
        await vk_settle(emulator)
    plain = emulator.post_message(VK_CHAT, VK_MOD, "ok everyone calm down")
    await vk_settle(emulator)
    vk_edit(emulator, clock, VK_CHAT, plain, f"!ban 1d {VK_BOB}")
    await vk_settle(emulator)
    assert vk_member_actions(emulator) == [], vk_member_actions(emulator)
    vk_expected = at(clock, timedelta(days=1))
    vk_again = await vk_ask(emulator, VK_MOD, "!ban 1d", reply_to=vk_spam)
    await vk_settle(emulator)
    # VK takes both prefixes; the bot names commands with "/"
    vk_told = vk_replies_to(emulator, VK_CHAT, vk_slip)
    assert vk_told == [render("common.did_you_mean", typed="/bna", command="/ban"),
                       render("common.edited_command", command="/ban")], vk_told
    (vk_params,) = vk_bans(emulator, VK_BOB)
    assert int(vk_params["end_date"]) == vk_expected, vk_params
    assert "Bob" in vk_again[0], vk_again


# ============================================================================================
# The queue card's buttons
# ============================================================================================

async def test_tg_card_buttons_do_what_they_say_and_the_card_shows_the_state_after_each(
        tg, emu, fake, clock) -> None:
    """README/issue #6: "the card is edited in place to show the current state"; buttons
    Claim / Resolve / Reject / Delete message / Ban author; closed tickets keep only Reopen.
    Olga presses Claim (card: claimed by Olga, no Claim button), Delete message (Bob's message
    is gone), Resolve (card: resolved, only Reopen), Reopen (open again, with its work
    buttons), Ban author (Bob banned for good, card resolved). Every press is answered with
    what happened."""
    app = await tg()
    async with RunningBot(app, fast_options(fake)):
        spam = emu.user_message(GROUP, BOB, SPAM)
        await tg_ask(emu, MEMBER, "/report spam", reply_to=spam["message_id"])
        await emu.wait_for(lambda: tg_cards(emu), what="the card")
        card = tg_cards(emu)[0]
        assert set(tg_buttons(card)) == {"Claim", "Resolve", "Reject", "Delete message",
                                         "Ban author"}, tg_buttons(card)
        seen: list[tuple[str, str, set[str]]] = []
        for label in ("Claim", "Delete message", "Resolve", "Reopen", "Ban author"):
            answer = await tg_press(emu, card, OLGA, label)
            if label == "Delete message":
                await emu.wait_for(lambda: emu.is_deleted(GROUP, spam["message_id"]),
                                   what="the message deleted")
            if label == "Ban author":
                await emu.wait_for(lambda: bans(emu, BOB) and "resolved" in card_now(
                    emu, card)["text"].splitlines()[0], what="the ban and the card")
            await tg_settle(emu, QUEUE)
            now = card_now(emu, card)
            seen.append((answer.get("text", ""), now["text"], set(tg_buttons(now))))
    claim, delete, resolve, reopen, ban = seen
    assert claim[0] == render("complaints.done_claim", number=1)
    assert "claimed by Olga" in claim[1].splitlines()[0] and "Claim" not in claim[2], claim
    assert delete[0] == render("complaints.done_del", number=1), delete
    assert emu.is_deleted(GROUP, spam["message_id"])
    assert resolve[0] == render("complaints.done_resolve", number=1)
    assert "resolved" in resolve[1].splitlines()[0] and resolve[2] == {"Reopen"}, resolve
    assert reopen[0] == render("complaints.done_reopen", number=1)
    assert "resolved" not in reopen[1].splitlines()[0] and "Ban author" in reopen[2], reopen
    assert ban[0] == render("complaints.done_ban", number=1), ban
    (params,) = bans(emu, BOB)
    assert until(params) == 0, params
    assert "resolved" in ban[1].splitlines()[0] and ban[2] == {"Reopen"}, ban


async def test_vk_card_buttons_do_what_they_say_and_the_card_shows_the_state_after_each(
        vk, emulator, clock) -> None:
    """The same card in a VK queue chat (callback buttons, a snackbar per press): Claim,
    Delete message, Resolve, Reopen, Ban author — each does it, the snackbar says so, and the
    card (edited in place) shows the state and the buttons of that state."""
    await vk()
    spam = emulator.post_message(VK_CHAT, VK_BOB, SPAM)
    await vk_ask(emulator, VK_MEMBER, "!report spam", reply_to=spam)
    card = (await emulator.wait_for(lambda: vk_cards(emulator)))[0]
    assert set(vk_buttons(card)) == {"Claim", "Resolve", "Reject", "Delete message",
                                     "Ban author"}, vk_buttons(card)
    seen: list[tuple[str, str, set[str]]] = []
    for label in ("Claim", "Delete message", "Resolve", "Reopen", "Ban author"):
        snackbar = await vk_press(emulator, card, VK_PAVEL, label)
        if label == "Ban author":
            await emulator.wait_for(lambda: vk_bans(emulator, VK_BOB)
                                    and "resolved" in card.text.splitlines()[0])
        await vk_settle(emulator)
        seen.append((snackbar, card.text, set(vk_buttons(card))))
    claim, delete, resolve, reopen, ban = seen
    assert claim[0] == render("complaints.done_claim", number=1)
    assert "claimed by Pavel Vk" in claim[1].splitlines()[0] and "Claim" not in claim[2], claim
    assert delete[0] == render("complaints.done_del", number=1), delete
    assert next(m for m in emulator.peer(VK_CHAT).messages if m.cmid == spam).deleted
    assert resolve[0] == render("complaints.done_resolve", number=1), resolve
    assert "resolved" in resolve[1].splitlines()[0] and resolve[2] == {"Reopen"}, resolve
    assert "resolved" not in reopen[1].splitlines()[0] and "Ban author" in reopen[2], reopen
    assert ban[0] == render("complaints.done_ban", number=1), ban
    (params,) = vk_bans(emulator, VK_BOB)
    assert "end_date" not in params, params
    assert "resolved" in ban[1].splitlines()[0] and ban[2] == {"Reopen"}, ban


async def test_card_after_delete_message_shows_it_is_gone_and_a_second_press_does_nothing(
        tg, emu, fake, vk, emulator, clock) -> None:
    """Issue #6: "the queue card is edited in place to show the current state". After Delete
    message the reported message is gone — that is part of the ticket's state a second
    moderator needs ("has anyone removed it yet?"). The card must say so and stop offering
    "Delete message"; a press on the stale button (a phone showing the old card) must not
    claim "is being deleted" again nor call the platform again. Both networks."""
    app = await tg()
    async with RunningBot(app, fast_options(fake)):
        spam = emu.user_message(GROUP, BOB, SPAM)
        await tg_ask(emu, MEMBER, "/report spam", reply_to=spam["message_id"])
        await emu.wait_for(lambda: tg_cards(emu), what="the card")
        card = tg_cards(emu)[0]
        stale = tg_buttons(card)["Delete message"]
        await tg_press(emu, card, OLGA, "Delete message")
        await emu.wait_for(lambda: emu.is_deleted(GROUP, spam["message_id"]),
                           what="the message deleted")
        await tg_settle(emu, QUEUE)
        after = card_now(emu, card)
        query = emu.press(QUEUE, card["message_id"], PAVEL, stale)
        await emu.wait_for(lambda: emu.world.callbacks[query].get("answered"),
                           what="the second press answered")
        await tg_settle(emu, QUEUE)
        again = emu.world.callbacks[query]["answered"].get("text", "")
    await vk()
    vk_spam = emulator.post_message(VK_CHAT, VK_BOB, SPAM)
    await vk_ask(emulator, VK_MEMBER, "!report spam", reply_to=vk_spam)
    vk_card = (await emulator.wait_for(lambda: vk_cards(emulator)))[0]
    vk_stale = vk_buttons(vk_card)["Delete message"]
    await vk_press(emulator, vk_card, VK_PAVEL, "Delete message")
    await vk_settle(emulator)
    vk_after_text, vk_after_buttons = vk_card.text, set(vk_buttons(vk_card))
    emulator.press(VK_QUEUE, VK_MOD, vk_card.cmid, vk_stale)
    await emulator.wait_calls("messages.sendMessageEventAnswer", 2)
    await vk_settle(emulator)
    vk_again = vk_snackbars(emulator)[-1]
    assert len(emu.calls_of("deleteMessage", ok=None)) == 1, emu.calls_of("deleteMessage",
                                                                           ok=None)
    assert len(emulator.calls_to("messages.delete")) == 1, emulator.calls_to("messages.delete")
    for text, buttons, second in ((after["text"], set(tg_buttons(after)), again),
                                  (vk_after_text, vk_after_buttons, vk_again)):
        assert "Delete message" not in buttons, buttons
        assert any(w in text.lower() for w in ("deleted", "removed")), text
        assert second != render("complaints.done_del", number=1), second


# ============================================================================================
# /help: moderators see what they can do, members only theirs
# ============================================================================================

async def test_help_lists_the_moderators_commands_for_moderators_and_none_for_members(
        tg, emu, fake, vk, emulator, clock) -> None:
    """A moderator's /help (in the group, in the queue chat; on VK !help) lists the moderator
    commands README gives them — the moderation table's (/warn … /del, the /d… variants), the
    queue's (/queue, /take, /resolve, /reject, /reopen, /untake), /faq editing and /schedule —
    and a member's /help in the same chat offers none of the moderator-only ones, but /report."""
    app = await tg()
    async with RunningBot(app, fast_options(fake)):
        tg_mod = await tg_ask(emu, OLGA, "/help")
        tg_queue = await tg_ask(emu, OLGA, "/help", chat=QUEUE)
        tg_member = await tg_ask(emu, MEMBER, "/help")
    await vk()
    vk_mod = await vk_ask(emulator, VK_MOD, "!help")
    vk_queue = await vk_ask(emulator, VK_PAVEL, "!help", peer=VK_QUEUE)
    vk_member = await vk_ask(emulator, VK_MEMBER, "!help")
    for (text,) in (tg_member, vk_member):
        words = {w.strip(".,;:()—") for w in text.replace("|", " ").split()}
        assert not [c for c in MODERATOR_ONLY if c in words], text
        assert "/report" in words, text
    for (text,) in (tg_mod, tg_queue, vk_mod, vk_queue):
        words = {w.strip(".,;:()") for w in text.replace("|", " ").split()}
        missing = [c for c in MODERATOR_COMMANDS if c != "/purge" and c not in words]
        assert not missing, (missing, text)
        assert "@username" in text, text


async def test_moderators_help_names_purge(tg, emu, fake, clock) -> None:
    """README's moderation table lists /purge ("delete every message from the replied one up
    to the command"): the one tool for a raid's clean-up. A moderator who never read the
    README learns the bot's commands from /help; one it leaves out does not exist for them.
    (The help text is one catalog entry for both networks.)"""
    app = await tg()
    async with RunningBot(app, fast_options(fake)):
        (text,) = await tg_ask(emu, OLGA, "/help")
    assert "/purge" in text, text


# ============================================================================================
# Destructive actions say exactly what was done, and how to undo it
# ============================================================================================

#: the head of "/faq del parking"'s answer (the deleted answer follows it)
REMOVED_PARKING = render("faq.deleted", id="parking", question="Is there parking?",
                         answer="").rstrip()


async def test_destructive_actions_say_what_was_done_on_both_networks(
        tg, emu, fake, vk, emulator, clock) -> None:
    """A ban forever, /faq del and /unschedule: each answer names who or what (the member and
    that the ban has no end; the entry's id and its question; the post's number), on
    Telegram and on VK, and the action itself happened (a ban without an end date, the FAQ no
    longer lists the entry, /schedule no longer lists the post)."""
    app = await tg()
    async with RunningBot(app, fast_options(fake)):
        spam = emu.user_message(GROUP, BOB, SPAM)
        (banned,) = await tg_ask(emu, OLGA, "/ban forever spam", reply_to=spam["message_id"])
        (removed,) = await tg_ask(emu, OLGA, "/faq del parking")
        (added,) = await tg_ask(emu, OLGA, "/schedule in 2h Yoga is moved to 8 pm tonight")
        (cancelled,) = await tg_ask(emu, OLGA, "/unschedule 1")
        (listed,) = await tg_ask(emu, OLGA, "/schedule")
        (faq,) = await tg_ask(emu, OLGA, "/faq")
    assert [until(p) for p in bans(emu, BOB)] == [0], bans(emu, BOB)
    assert shown(BOB) in banned and "until a moderator lifts it" in banned, banned
    assert removed.startswith(REMOVED_PARKING), removed
    assert "#1" in added and "#1" in cancelled, (added, cancelled)
    assert listed == render("schedule.list_empty"), listed
    assert "parking" not in faq, faq

    await vk()
    vk_spam = emulator.post_message(VK_CHAT, VK_BOB, SPAM)
    (vk_banned,) = await vk_ask(emulator, VK_MOD, "!ban forever spam", reply_to=vk_spam)
    (vk_removed,) = await vk_ask(emulator, VK_MOD, "!faq del parking")
    await vk_ask(emulator, VK_MOD, "!schedule in 2h Yoga is moved to 8 pm tonight")
    (vk_cancelled,) = await vk_ask(emulator, VK_MOD, "!unschedule 1")
    await vk_settle(emulator)
    assert [p.get("end_date") for p in vk_bans(emulator, VK_BOB)] == [None]
    assert "Bob" in vk_banned and "until a moderator lifts it" in vk_banned, vk_banned
    assert vk_removed.startswith(REMOVED_PARKING), vk_removed
    assert "#1" in vk_cancelled, vk_cancelled


async def test_destructive_actions_say_which_post_and_how_to_undo_them(
        tg, emu, fake, vk, emulator, clock) -> None:
    """At 2 a.m. there is no confirmation step: the answer is all the moderator gets, and a
    slip (/unschedule 3 meant 4, /faq del pay meant pai) must be visible and reversible from
    it. "Post #1 is unscheduled." does not say which post (the text it would have published);
    "…banned until a moderator lifts it" does not say how (/unban — the bot's other answers
    name it: "/unban first"); "Removed parking from the FAQ" drops an answer the moderator
    cannot put back (/faq add needs its text, which the bot no longer shows anywhere). Both
    networks."""
    app = await tg()
    async with RunningBot(app, fast_options(fake)):
        spam = emu.user_message(GROUP, BOB, SPAM)
        (banned,) = await tg_ask(emu, OLGA, "/ban forever spam", reply_to=spam["message_id"])
        (removed,) = await tg_ask(emu, OLGA, "/faq del parking")
        await tg_ask(emu, OLGA, "/schedule in 2h Yoga is moved to 8 pm tonight")
        (cancelled,) = await tg_ask(emu, OLGA, "/unschedule 1")
    await vk()
    vk_spam = emulator.post_message(VK_CHAT, VK_BOB, SPAM)
    (vk_banned,) = await vk_ask(emulator, VK_MOD, "!ban forever spam", reply_to=vk_spam)
    (vk_removed,) = await vk_ask(emulator, VK_MOD, "!faq del parking")
    await vk_ask(emulator, VK_MOD, "!schedule in 2h Yoga is moved to 8 pm tonight")
    (vk_cancelled,) = await vk_ask(emulator, VK_MOD, "!unschedule 1")
    for text in (cancelled, vk_cancelled):
        assert "Yoga is moved to 8 pm" in text, text
    for text in (banned, vk_banned):
        assert "/unban" in text or "!unban" in text, text
    for text in (removed, vk_removed):
        assert "Free parking behind the building" in text or "faq add" in text, text
