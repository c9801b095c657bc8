"""QA round 43: a security sweep with fresh eyes, on the wire, Telegram and VK.

What a demanding owner of a moderation bot (Rose, Combot and tg-spam are the bar) takes for
granted, checked through the public interfaces only (platform updates in through the local
emulators, API calls out, the CLI, config files):

- secrets (the Telegram bot token, VK community and user tokens, the webhook secret, a
  PostgreSQL password in the URL) never show up where people read: log lines (at DEBUG too),
  queue notices, chat replies, CLI output, whatever fails on the way (DNS, TLS, refused
  connections, a revoked token, an error page that is not JSON, a gateway that echoes the
  request, a dead proxy);
- only moderators moderate: not a same-numbered account on the other network, not a
  display name dressed up as the admin, not a reply that merely quotes an admin, not the
  admin of a side group pressing forged card buttons to reach the main group, not a member
  pressing forged buttons, not another community's moderator, not a member in a private chat;
- the bot acts only where it was configured: one community's queue does not reach another
  community's chats or tickets, a stranger's migrated group stays a stranger's;
- webhook mode never takes an update from someone who is not Telegram.

Scenarios already in test_qa9_resilience (drops, 5xx, 401/403 at DEBUG, forwarded VK
commands), test_qa30_security (forged button shapes, edits, captions, linked channel, strangers'
groups), test_qa37_strict_commands and test_telegram_webhook (wrong or missing header with a
configured secret) are not repeated. Expectations come from README.md, docs/DESIGN.md and
issues 2-9, or from what Rose / Combot users plainly expect.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import forked_modbot
import pytest
from aiohttp import web
from test_qa9_resilience import FaultProxy
from test_qa30_security import buttons, card_now, press, punishments, raw, report, ticket_id
from tg_emulator import TelegramEmulator
from tg_emulator.harness import (
    ADMIN,
    GROUP,
    LISTED_MODERATOR,
    MEMBER,
    OTHER_MEMBER,
    QUEUE,
    FakeTime,
    RunningBot,
    fast_options,
    telegram_config,
)
from tg_emulator.wire import replies_to, settle, wall_clock
from vk_emulator import VkEmulator
from vk_emulator.harness import RunningBot as VkBot
from vk_emulator.harness import write_vk_config
from vk_emulator.wire import settle as vk_settle

from bot.app import App
from bot.config import ConfigError, LoadedConfig, load_config
from bot.core.clock import FakeClock
from bot.features.schedule import service_for
from bot.logs import setup_logging

# Secrets that do NOT have a token's shape: only the "known secrets" path of any scrubbing
# can hide them, a token-shaped regex cannot.
TG_SECRET = "515151:QA43tgSECRETxyzzy"
TG_SECRET_TAIL = TG_SECRET.split(":", 1)[1]
VK_SECRET = "QA43vkCOMMUNITYsecretPLOVER"
VK_USER_SECRET = "QA43vkUSERsecretGRUE"
HOOK_SECRET = "QA43hookSECRETfrobozz"
PG_PASSWORD = "QA43pgPASSWORDzork"

SPAMMER = 444
SIDE_GROUP = -1004  # a second chat of the same community, with its own admin
SIDE_ADMIN = 6060  # admin of SIDE_GROUP only
OTHER_GROUP = -1003  # community "other"
OTHER_QUEUE = -2004
OTHER_MOD = 901  # admin of OTHER_GROUP and OTHER_QUEUE
STRANGER_GROUP = -3003

VK_CHAT = 2_000_000_001
VK_QUEUE = 2_000_000_002
VK_SIDE_CHAT = 2_000_000_003
VK_CHAT_B = 2_000_000_005  # community "birch" on the same VK community
VK_QUEUE_B = 2_000_000_006
VK_MOD = 900  # the listed VK moderator (vk_text)
VK_MEMBER = 500
VK_SPAMMER = 777
VK_SIDE_ADMIN = 6161
VK_MOD_B = 8600


# ============================== plumbing ===================================================

@pytest.fixture
def clock() -> FakeClock:
    """Near the real time: Telegram reads until_date against the wall clock."""
    return wall_clock()


@pytest.fixture
async def emu(clock: FakeClock) -> AsyncIterator[TelegramEmulator]:
    """The Bot API emulator with our own (not token-shaped) secret token."""
    async with TelegramEmulator(TG_SECRET) as emulator:
        emulator.world.clock = lambda: clock.now().timestamp()
        emulator.group(GROUP, title="Demo", admins=(ADMIN,))
        emulator.group(QUEUE, title="Queue", admins=(ADMIN,))
        yield emulator


@pytest.fixture
async def vk(clock: FakeClock) -> AsyncIterator[VkEmulator]:
    emulator = await VkEmulator(token=VK_SECRET, user_token=VK_USER_SECRET).start()
    emulator.clock = lambda: clock.now().timestamp()
    yield emulator
    await emulator.close()


@pytest.fixture(autouse=True)
def tokens_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """As README says to run it: tokens and passwords come from the environment (the
    promise "never printed" is made for those), also for the CLI run in a subprocess."""
    for name, value in (("QA43_TG_TOKEN", TG_SECRET), ("QA43_VK_TOKEN", VK_SECRET),
                        ("QA43_VK_USER_TOKEN", VK_USER_SECRET),
                        ("QA43_HOOK_SECRET", HOOK_SECRET), ("QA43_PG_PASSWORD", PG_PASSWORD)):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("MODBOT_LOG_LEVEL", raising=False)


def tg_config(tmp_path: Path, api_base: str, *, extra_telegram: str = "",
              extra_community: str = "", tail: str = "",
              chats: tuple[int, ...] = (GROUP,)) -> LoadedConfig:
    """telegram_config with our token, from the environment (and more chats if asked)."""
    config = telegram_config(tmp_path, api_base, extra_telegram=extra_telegram,
                             extra_community=extra_community, tail=tail)
    path = config.path
    listed = ", ".join(f'"telegram:{c}"' for c in chats)
    path.write_text(path.read_text(encoding="utf-8").replace(
        '"123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"', '"${QA43_TG_TOKEN}"').replace(
        f'chats = ["telegram:{GROUP}"]', f"chats = [{listed}]"), encoding="utf-8")
    return load_config(path)


def vk_text(vk: VkEmulator, *, chats: tuple[str, ...] = (f"vk:{VK_CHAT}", "vk:wall"),
            queue: str = f"vk:{VK_QUEUE}", extra_vk: str = "", extra_community: str = "",
            tail: str = "", telegram: str = "") -> str:
    """A VK community (tokens from the environment) on the VK emulator."""
    listed = ", ".join(f'"{c}"' for c in chats)
    return textwrap.dedent(f"""\
        [database]
        url = "sqlite+aiosqlite:///modbot.db"
        {telegram}
        [vk]
        token = "${{QA43_VK_TOKEN}}"
        user_token = "${{QA43_VK_USER_TOKEN}}"
        group_id = {vk.group_id}
        api_base = "{vk.api_base}"
        poll_wait = 1
        {extra_vk}

        [[community]]
        name = "demo"
        language = "en"
        timezone = "UTC"
        chats = [{listed}]
        moderators = ["vk:{VK_MOD}"]
        queue = "{queue}"
        {extra_community}
        """) + textwrap.dedent(tail)


@pytest.fixture
async def vk_run(vk: VkEmulator, tmp_path: Path, clock: FakeClock
                 ) -> AsyncIterator[Callable[..., Awaitable[VkBot]]]:
    """`await vk_run(**vk_text parts)`: the VK adapter running on that config."""
    running: list[VkBot] = []

    async def start(**parts: Any) -> VkBot:
        bot = VkBot(write_vk_config(tmp_path, vk_text(vk, **parts)), clock, vk)
        running.append(bot)
        await bot.start()
        return bot

    yield start
    for bot in running:
        await bot.stop()


def vk_payloads(message: Any) -> list[str]:
    if message.keyboard is None:
        return []
    return [str(json.loads(b["action"]["payload"])["d"]) for row in message.keyboard["buttons"]
            for b in row]


def vk_punished(vk: VkEmulator) -> list[Any]:
    """Bans, removals and deletions of members' messages the bot asked VK for."""
    return [c for c in vk.calls_to("groups.ban") + vk.calls_to("messages.removeChatUser")
            + vk.calls_to("messages.delete")
            if c.params.get("member_id") != str(-vk.group_id)]


async def vk_report(vk: VkEmulator, *, chat: int = VK_CHAT, queue: int = VK_QUEUE,
                    reporter: int = VK_MEMBER, author: int = VK_SPAMMER) -> tuple[int, Any]:
    """A member's !report in ``chat``; returns (the reported cmid, the card in ``queue``)."""
    before = len(vk.sent(queue))
    bad = vk.post_message(chat, author, "buy followers at spam.example")
    vk.post_message(chat, reporter, "!report spam", reply_to=bad)
    await vk.wait_for(lambda: len(vk.sent(queue)) > before)
    return bad, vk.sent(queue)[before]


def vk_deleted(vk: VkEmulator, peer: int, cmid: int) -> bool:
    return next(m for m in vk.peer(peer).messages if m.cmid == cmid).deleted


@pytest.fixture
async def tg_app(tmp_path: Path, emu: TelegramEmulator, clock: FakeClock,
                 open_app: Callable[..., Awaitable[App]]) -> Callable[..., Awaitable[App]]:
    async def make(api_base: str | None = None, **parts: str) -> App:
        config = tg_config(tmp_path, api_base or emu.api_base, **parts)
        return await open_app(config, clock, "qa43")

    return make


@pytest.fixture
def bot_log() -> Iterator[Callable[[LoadedConfig], io.StringIO]]:
    """The bot's own log output at DEBUG, set up as `modbot run` sets it up (the config's
    secrets handed to the formatter); restored afterwards."""
    stream = io.StringIO()

    def install(config: LoadedConfig) -> io.StringIO:
        setup_logging("DEBUG", secrets=config.secrets, stream=stream)
        return stream

    yield install
    setup_logging("WARNING", stream=io.StringIO())
    for noisy in ("aiogram", "aiohttp.access", "sqlalchemy.engine", "alembic"):
        logging.getLogger(noisy).setLevel(logging.NOTSET)


def found(secrets: tuple[str, ...], **places: str | list[str]) -> list[str]:
    """Where any of ``secrets`` shows up: ``place=text`` (or a list of texts)."""
    out = []
    for place, texts in places.items():
        for text in [texts] if isinstance(texts, str) else texts:
            for secret in secrets:
                if secret in text:
                    at = text.index(secret)
                    out.append(f"{place}: …{text[max(0, at - 120):at + 60]}…")
                    break
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` as an owner runs it (at DEBUG)."""
    full = {**os.environ, **(env or {})}
    full.pop("MODBOT_LOG_LEVEL", None)
    return subprocess.run([sys.executable, "-m", "bot", "--log-level", "DEBUG", *args],
                          capture_output=True, text=True, env=full, timeout=timeout,
                          cwd=cwd)


class EchoingGateway(FaultProxy):
    """A reverse proxy in front of the API that, while ``down``, answers every request with
    the error page Apache httpd serves for a path it does not know (the page names the
    requested URL), or with a 200 whose body is not JSON (``garbage``)."""

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self.down = False
        self.garbage = False
        self.served = 0

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if self.garbage:
            await request.read()
            self.served += 1
            return web.Response(status=200, content_type="text/plain",
                                text=f"upstream said: {{'path': '{request.path}', oops")
        if self.down:
            await request.read()
            self.served += 1
            return web.Response(status=404, content_type="text/html", text=(
                '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n'
                "<title>404 Not Found</title>\n</head><body>\n<h1>Not Found</h1>\n"
                f"<p>The requested URL {request.path} was not found on this server.</p>\n"
                "<hr>\n<address>Apache/2.4.58 (Ubuntu) Server at botapi.example.org Port "
                "443</address>\n</body></html>\n"))
        return await super()._handle(request)


async def scheduler_round(app: App, clock: FakeClock) -> None:
    """One round of `modbot run`'s scheduler loop, then the outbox."""
    await service_for(app).run_due(clock.now())
    await app.pipeline.drain()


# ============================== 1. secrets where people read them ==========================

async def test_telegram_token_echoed_by_a_gateway_never_reaches_the_queue_or_the_cli(
        tg_app, emu: TelegramEmulator, tmp_path: Path, clock: FakeClock, bot_log) -> None:
    """The Bot API sits behind a reverse proxy (a self-hosted Bot API server behind Apache,
    a corporate gateway). During an outage that outlasts `schedule_grace`, every call gets
    Apache's 404 page, which names the requested URL: /bot<TOKEN>/sendMessage. README: the
    queue is told when a post is failed, and tokens "are never printed". The moderators'
    queue chat (often shared with helpers, sometimes on the other network), `modbot schedule
    list` and `modbot audit` must say the post failed without handing out the token."""
    due = clock.now() + timedelta(minutes=10)
    at = due.strftime("%Y-%m-%d %H:%M")
    gateway = await EchoingGateway(emu.api_base).start()
    try:
        app = await tg_app(api_base=gateway.base, tail=textwrap.dedent(f"""
            [[community.schedule]]
            at = "{at}"
            text = "Open day on Saturday at 11:00"
            """))
        log = bot_log(app.config)
        async with RunningBot(app, fast_options(FakeTime())):
            await settle(emu)
            gateway.down = True
            clock.set(due)
            while clock.now() <= due + timedelta(hours=1, minutes=5):
                await scheduler_round(app, clock)
                clock.advance(timedelta(minutes=5))
            assert gateway.served > 0
            gateway.down = False  # the gateway is fixed; what was waiting goes out
            await scheduler_round(app, clock)
            await emu.wait_for(lambda: [t for t in emu.sent_texts(QUEUE) if "Open day" in t],
                               what="the queue told about the failed post")
            await settle(emu)
    finally:
        await gateway.close()
    notices = [t for t in emu.sent_texts(QUEUE) if "Open day" in t]
    assert notices and "could not be published" in notices[0], notices
    config = str(app.config.path)
    # in a thread: the bot runs on this event loop, and a transaction it holds open while the
    # loop is blocked would keep the CLI waiting on SQLite's lock
    plan = await asyncio.to_thread(cli, "schedule", "list", "--community", "demo", "--config",
                                   config, cwd=tmp_path)
    audit = await asyncio.to_thread(cli, "audit", "--community", "demo", "--since", "7d",
                                    "--config", config, cwd=tmp_path)
    assert "failed" in plan.stdout, plan.stdout + plan.stderr
    leaks = found((TG_SECRET, TG_SECRET_TAIL), queue=emu.sent_texts(QUEUE),
                  chat=emu.sent_texts(GROUP), schedule_list=plan.stdout + plan.stderr,
                  audit=audit.stdout + audit.stderr, log=log.getvalue())
    assert leaks == [], "the bot token was handed out:\n" + "\n".join(leaks)


# ============================== 2. webhook mode ============================================

def forged_update(update_id: int, user: int, text: str, *, reply_to: dict[str, Any] | None = None,
                  chat: int = GROUP) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": 9000 + update_id, "date": int(time.time()), "text": text,
        "chat": {"id": chat, "type": "supergroup", "title": "Demo"},
        "from": {"id": user, "is_bot": False, "first_name": f"User{user}"}}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0,
                                "length": len(text.split()[0])}]
    if reply_to is not None:
        message["reply_to_message"] = reply_to
    return {"update_id": update_id, "message": message}


async def test_webhook_without_a_configured_secret_takes_no_orders_from_strangers(
        tg_app, emu: TelegramEmulator, tmp_path: Path) -> None:
    """README / issue 8: webhook mode is "the secret token checked"; the webhook module
    itself says the URL alone is guessable. An owner who sets mode = "webhook" and
    webhook_url but no webhook_secret (the config accepts it, check-config says nothing)
    must not end up with an endpoint where anyone who finds the URL posts a JSON "update"
    in the admin's name and has a member banned. Either the config is refused or the bot
    protects the endpoint itself (a generated secret handed to setWebhook)."""
    port = free_port()
    hook = f"http://127.0.0.1:{port}/tg/hook"
    try:
        app = await tg_app(extra_telegram=f"""
            mode = "webhook"
            webhook_url = "{hook}"
            webhook_listen = "127.0.0.1:{port}"
            """)
    except ConfigError as refused:
        assert any("webhook_secret" in p for p in refused.problems), refused.problems
        return
    victim = emu.user_message(GROUP, OTHER_MEMBER, "hello")
    statuses = []
    async with RunningBot(app, fast_options(FakeTime())):
        await emu.wait_for(lambda: emu.webhook is not None, what="setWebhook")
        await emu.wait_for(lambda: not emu.pending_updates, what="the real update delivered")
        async with aiohttp.ClientSession() as http:
            for n, text in enumerate((f"/ban {OTHER_MEMBER}", "/ban spam"), start=1):
                update = forged_update(700_000 + n, ADMIN, text, reply_to=victim)
                async with http.post(hook, json=update) as response:  # no secret header
                    statuses.append(response.status)
        await settle(emu)
    assert not emu.calls_of("banChatMember", ok=None), (
        f"a stranger's POST to the webhook banned a member (HTTP {statuses}); "
        f"setWebhook secret_token={emu.webhook and emu.webhook.get('secret_token')!r}")


# ============================== 3. who may press a card's buttons ==========================

async def test_side_group_admin_cannot_reach_the_main_group_through_forged_card_buttons(
        tg_app, emu: TelegramEmulator) -> None:
    """README: "As in Rose, a group admin's powers are that group's own: the admin of an
    off-topic side group cannot /ban in the main group". The side group's admin types no
    /ban in the main group; they press "Ban author" / "Delete message" with a real ticket's
    data (tickets are numbered from 1) under any bot message in their own side group,
    where they are an admin. The ticket is about a member of the main group."""
    emu.group(SIDE_GROUP, title="Off-topic", admins=(SIDE_ADMIN,))
    app = await tg_app(chats=(GROUP, SIDE_GROUP))
    async with RunningBot(app, fast_options(FakeTime())):
        bad, card = await report(emu)
        tid = ticket_id(card)
        probe = emu.user_message(SIDE_GROUP, SIDE_ADMIN, "/help")
        await emu.wait_for(lambda: replies_to(emu, SIDE_GROUP, probe["message_id"]),
                           what="a bot message in the side group")
        mine = next(m for m in emu.sent_messages(SIDE_GROUP)
                    if (m.get("reply_to_message") or {}).get("message_id")
                    == probe["message_id"])
        answers = [await press(emu, SIDE_GROUP, mine["message_id"], SIDE_ADMIN,
                               f"t:{kind}:{tid}") for kind in ("ban", "del", "reject")]
        await settle(emu)
    assert not punishments(emu), [(c.method, c.params) for c in punishments(emu)]
    assert not emu.is_deleted(GROUP, bad["message_id"])
    assert card_now(emu, card)["text"] == card["text"], answers


async def test_vk_side_chat_admin_cannot_reach_the_main_chat_through_a_forged_message_event(
        vk: VkEmulator, vk_run) -> None:
    """The same on VK, where a message_event's payload comes from the client as it is: the
    admin of the community's side chat sends t:ban:<ticket> from their own chat."""
    vk.set_admins(VK_SIDE_CHAT, VK_SIDE_ADMIN, owner=VK_SIDE_ADMIN)
    vk.add_members(VK_CHAT, VK_SPAMMER, VK_MEMBER)
    await vk_run(chats=(f"vk:{VK_CHAT}", f"vk:{VK_SIDE_CHAT}", "vk:wall"))
    bad, card = await vk_report(vk)
    tid = vk_payloads(card)[0].rsplit(":", 1)[1]
    there = vk.post_message(VK_SIDE_CHAT, VK_SIDE_ADMIN, "/help")
    await vk.wait_for(lambda: any(m.reply_to == there for m in vk.sent(VK_SIDE_CHAT)))
    mine = next(m for m in vk.sent(VK_SIDE_CHAT) if m.reply_to == there)
    for kind in ("ban", "del", "reject"):
        vk.press(VK_SIDE_CHAT, VK_SIDE_ADMIN, mine.cmid, f"t:{kind}:{tid}")
    await vk_settle(vk)
    await vk_settle(vk)
    assert not vk_punished(vk), [(c.method, c.params) for c in vk_punished(vk)]
    assert not vk_deleted(vk, VK_CHAT, bad)
    assert VK_SPAMMER in vk.peer(VK_CHAT).members
    assert not [m for m in vk.sent(VK_QUEUE) if "rejected" in m.text.lower()]


async def test_vk_member_forging_message_events_with_a_real_cards_payload_does_nothing(
        vk: VkEmulator, vk_run) -> None:
    """A member of the community chat (or someone who slipped into the queue chat without
    being its admin) sends message_events carrying the card's real payloads: "Only
    moderators can act" (README, complaints)."""
    vk.add_members(VK_CHAT, VK_SPAMMER, VK_MEMBER, 503)
    vk.add_members(VK_QUEUE, 503)
    await vk_run()
    bad, card = await vk_report(vk)
    payloads = vk_payloads(card)
    assert payloads, card
    there = vk.post_message(VK_CHAT, 503, "/help")
    await vk.wait_for(lambda: any(m.reply_to == there for m in vk.sent(VK_CHAT)))
    helped = next(m for m in vk.sent(VK_CHAT) if m.reply_to == there)
    for data in payloads:
        vk.press(VK_CHAT, 503, helped.cmid, data)
        vk.press(VK_QUEUE, 503, card.cmid, data)
    await vk_settle(vk)
    await vk_settle(vk)
    assert not vk_punished(vk), [(c.method, c.params) for c in vk_punished(vk)]
    assert not vk_deleted(vk, VK_CHAT, bad)
    now = next(m for m in vk.peer(VK_QUEUE).messages if m.cmid == card.cmid)
    assert now.text == card.text, now.text


async def test_plain_member_of_the_queue_chat_pressing_card_buttons_changes_nothing(
        tg_app, emu: TelegramEmulator) -> None:
    """The queue chat often holds helpers who are not admins. README: "Who is a moderator:
    the chat's admins ... plus the queue chat's admins and the community's moderators";
    the others' presses get a refusal and the card stays as it was."""
    helper = 4444
    app = await tg_app()
    async with RunningBot(app, fast_options(FakeTime())):
        bad, card = await report(emu)
        answers = [await press(emu, QUEUE, card["message_id"], helper, data)
                   for data in buttons(card)]
        await settle(emu)
    assert not punishments(emu)
    assert not emu.is_deleted(GROUP, bad["message_id"])
    assert card_now(emu, card)["text"] == card["text"]
    assert all(a.get("show_alert") for a in answers), answers


async def test_vk_another_communitys_moderator_forging_our_ticket_in_their_queue(
        vk: VkEmulator, vk_run) -> None:
    """Two communities on one VK community (README allows it); ticket ids in the payload
    are shared database ids. Birch's moderator, a real moderator in birch's queue, sends
    t:ban / t:del / t:claim / t:reject with the id of oak's ticket: nothing happens to
    oak's member, message or card."""
    vk.add_members(VK_CHAT, VK_SPAMMER, VK_MEMBER)
    vk.set_admins(VK_QUEUE_B, VK_MOD_B, owner=VK_MOD_B)
    vk.set_admins(VK_CHAT_B, VK_MOD_B, owner=VK_MOD_B)
    await vk_run(tail=f"""
        [[community]]
        name = "birch"
        language = "en"
        timezone = "UTC"
        chats = ["vk:{VK_CHAT_B}"]
        queue = "vk:{VK_QUEUE_B}"
        """)
    bad, card = await vk_report(vk)
    tid = vk_payloads(card)[0].rsplit(":", 1)[1]
    theirs = vk.post_message(VK_QUEUE_B, VK_MOD_B, "/help")
    await vk.wait_for(lambda: any(m.reply_to == theirs for m in vk.sent(VK_QUEUE_B)))
    helped = next(m for m in vk.sent(VK_QUEUE_B) if m.reply_to == theirs)
    for kind in ("ban", "del", "claim", "reject"):
        vk.press(VK_QUEUE_B, VK_MOD_B, helped.cmid, f"t:{kind}:{tid}")
    await vk_settle(vk)
    await vk_settle(vk)
    assert not vk_punished(vk), [(c.method, c.params) for c in vk_punished(vk)]
    assert not vk_deleted(vk, VK_CHAT, bad)
    now = next(m for m in vk.peer(VK_QUEUE).messages if m.cmid == card.cmid)
    assert now.text == card.text, now.text


# ============================== 4. who may type moderator commands =========================

class BothNetworks:
    """`modbot run` for one App on both emulators, in this test's event loop."""

    def __init__(self, app: App, vk: VkEmulator) -> None:
        self.app, self.vk = app, vk
        self.stop = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> BothNetworks:
        from vk_emulator.harness import Sleeps

        from handlers.telegram.runner import run_telegram
        from handlers.vk.runner import run_vk

        polls = len(self.vk.calls_to("longpoll.check"))
        self.tasks = [
            asyncio.create_task(run_telegram(self.app, self.stop,
                                             options=fast_options(FakeTime()))),
            asyncio.create_task(run_vk(self.app, self.stop, sleeper=Sleeps()))]
        await self.vk.wait_for(lambda: len(self.vk.calls_to("longpoll.check")) > polls)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.stop.set()
        for task in self.tasks:
            if exc[0] is None:
                await asyncio.wait_for(task, 20)
            else:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)


def both_config(tmp_path: Path, emu: TelegramEmulator, vk: VkEmulator, *,
                moderators: str, tail: str = "") -> LoadedConfig:
    telegram = textwrap.dedent(f"""
        [telegram]
        token = "${{QA43_TG_TOKEN}}"
        api_base = "{emu.api_base}"
        poll_timeout = 1
        """)
    text = vk_text(vk, chats=(f"telegram:{GROUP}", f"vk:{VK_CHAT}"), queue=f"telegram:{QUEUE}",
                   telegram=telegram, tail=tail).replace(
        f'moderators = ["vk:{VK_MOD}"]', f"moderators = [{moderators}]")
    return write_vk_config(tmp_path, text)


async def test_the_same_number_on_the_other_network_is_a_stranger(
        emu: TelegramEmulator, vk: VkEmulator, tmp_path: Path, clock: FakeClock,
        open_app) -> None:
    """Moderators are "telegram:USER_ID", "vk:USER_ID" (README): VK user 900 is not the
    listed Telegram moderator 900, Telegram user 8900 is not the listed VK moderator 8900,
    and the admin of one network's chat is nobody on the other. At the end the real VK
    moderator's !kick shows the commands do work."""
    vk_admin, vk_listed = 7700, 8900
    vk.set_admins(VK_CHAT, vk_admin, owner=vk_admin)
    vk.add_members(VK_CHAT, VK_SPAMMER, LISTED_MODERATOR, ADMIN, vk_listed)
    config = both_config(tmp_path, emu, vk,
                         moderators=f'"telegram:{LISTED_MODERATOR}", "vk:{vk_listed}"')
    app = await open_app(config, clock, "qa43-both")
    async with BothNetworks(app, vk):
        tg_bad = emu.user_message(GROUP, SPAMMER, "cheap watches")
        vk_bad = vk.post_message(VK_CHAT, VK_SPAMMER, "buy followers")
        vk.post_message(VK_CHAT, LISTED_MODERATOR, "!ban 1d spam", reply_to=vk_bad)
        vk.post_message(VK_CHAT, ADMIN, "!mute 1h", reply_to=vk_bad)
        vk.post_message(VK_CHAT, ADMIN, f"!kick @id{VK_SPAMMER}")
        emu.user_message(GROUP, vk_listed, "/ban 1d spam", reply_to=tg_bad["message_id"])
        emu.user_message(GROUP, vk_admin, "/mute 1h", reply_to=tg_bad["message_id"])
        emu.user_message(GROUP, vk_admin, f"/kick {SPAMMER}")
        await settle(emu)
        await vk_settle(vk)
        await vk_settle(vk)
        assert not punishments(emu), [(c.method, c.params) for c in punishments(emu)]
        assert not emu.calls_of("unbanChatMember", ok=None)
        assert not vk_punished(vk), [(c.method, c.params) for c in vk_punished(vk)]
        vk.post_message(VK_CHAT, vk_listed, f"!kick @id{VK_SPAMMER}")
        await vk.wait_for(lambda: vk.calls_to("messages.removeChatUser"))


async def test_a_display_name_dressed_as_the_admin_or_the_bot_grants_nothing(
        tg_app, emu: TelegramEmulator) -> None:
    """Powers follow the account, not the name: members named like the admin (same first
    name, a near-identical @username), like the bot, like Telegram's anonymous-admin and
    channel accounts, send /ban and /mute in reply to a member."""
    emu.world.user(ADMIN, "Olga", "olga_admin")
    impostors = [(6601, "Olga", "olga_admln"), (6602, "ModBot", "modbot_test_b0t"),
                 (6603, "Group", "GroupAnonymousB0t"), (6604, "Channel", "Channel_B0t"),
                 (6605, "Telegram", None)]
    app = await tg_app()
    async with RunningBot(app, fast_options(FakeTime())):
        victim = emu.user_message(GROUP, OTHER_MEMBER, "hello")
        for user, name, username in impostors:
            emu.user_message(GROUP, user, "/ban spam", reply_to=victim["message_id"],
                             first_name=name, username=username)
            emu.user_message(GROUP, user, f"/mute 1d {OTHER_MEMBER}", first_name=name,
                             username=username)
        await settle(emu)
        assert not punishments(emu), [(c.method, c.params) for c in punishments(emu)]
        real = emu.user_message(GROUP, ADMIN, "/mute 10m", reply_to=victim["message_id"])
        await emu.wait_for(lambda: replies_to(emu, GROUP, real["message_id"]), what="mute")
    assert [c.params["user_id"] for c in punishments(emu)] == [OTHER_MEMBER]


async def test_vk_a_member_named_like_the_moderator_grants_nothing(
        vk: VkEmulator, vk_run) -> None:
    impostor = 6767
    vk.real_names[VK_MOD] = ("Olga", "Smirnova")
    vk.real_names[impostor] = ("Olga", "Smirnova")
    vk.screen_names[impostor] = "olga.smirnova.admin"
    vk.add_members(VK_CHAT, VK_SPAMMER, VK_MOD, impostor)
    await vk_run()
    bad = vk.post_message(VK_CHAT, VK_SPAMMER, "buy followers")
    vk.post_message(VK_CHAT, VK_MOD, "hello all")  # the real Olga has been seen
    vk.post_message(VK_CHAT, impostor, "!ban 1d spam", reply_to=bad)
    vk.post_message(VK_CHAT, impostor, f"!kick [id{VK_SPAMMER}|Spammer]")
    await vk_settle(vk)
    await vk_settle(vk)
    assert not vk_punished(vk), [(c.method, c.params) for c in vk_punished(vk)]


async def test_a_reply_quoting_an_admins_command_is_the_members_own_words(
        tg_app, emu: TelegramEmulator) -> None:
    """A member replies to the admin's "/warn" with "/ban", quoting the admin's words
    (Telegram's quote), and another sends "/ban 444" as a reply from another chat whose
    origin is the admin (external_reply). Whoever is quoted, the sender is a member."""
    app = await tg_app()
    async with RunningBot(app, fast_options(FakeTime())):
        bad = emu.user_message(GROUP, SPAMMER, "cheap watches")
        warn = emu.user_message(GROUP, ADMIN, "/warn spam", reply_to=bad["message_id"])
        await emu.wait_for(lambda: replies_to(emu, GROUP, warn["message_id"]), what="warn")
        nested = dict(warn)
        nested.pop("reply_to_message", None)
        raw(emu, GROUP, emu.world.user(MEMBER), text="/ban", reply_to_message=nested,
            quote={"text": "/warn spam", "position": 0, "is_manual": True},
            entities=[{"type": "bot_command", "offset": 0, "length": 4}])
        raw(emu, GROUP, emu.world.user(OTHER_MEMBER), text=f"/ban {SPAMMER}",
            external_reply={"origin": {"type": "user", "sender_user": emu.world.user(ADMIN),
                                       "date": int(time.time()) - 60},
                            "chat": emu.world.chat(QUEUE).as_json(), "message_id": 5},
            quote={"text": f"/ban {SPAMMER}", "position": 0},
            entities=[{"type": "bot_command", "offset": 0, "length": 4}])
        await settle(emu)
    assert not punishments(emu), [(c.method, c.params) for c in punishments(emu)]
    refused = [t for t in emu.sent_texts(GROUP) if "only moderators" in t]
    assert len(refused) == 2, emu.sent_texts(GROUP)  # both were read, as members' commands


# ============================== 5. private chats and community boundaries ==================

TICKET_WORDS = ("cheap watches", "spam.example", "User444")


async def test_a_member_in_a_private_chat_cannot_read_or_work_the_queue(
        tg_app, emu: TelegramEmulator) -> None:
    """README: private chats serve the whole community, so there *an admin of any of its
    chats* counts; a member is not one. /queue, /take, /resolve, /reject, /abuse and /ban in
    a private chat: no ticket's contents (who reported whom, the message), no change."""
    app = await tg_app()
    async with RunningBot(app, fast_options(FakeTime())):
        bad, card = await report(emu, reporter=OTHER_MEMBER)
        emu.user_message(GROUP, MEMBER, "hi")  # MEMBER is a member of the community
        asked = [emu.user_message(MEMBER, MEMBER, text)["message_id"] for text in (
            "/queue", "/take 1", "/resolve 1 done", "/reject #1 nothing", "/abuse 1",
            f"/ban {SPAMMER}", "/queue all")]
        await settle(emu)
    said = [t for m in asked for t in replies_to(emu, MEMBER, m)] + emu.sent_texts(MEMBER)
    assert not [t for t in said if any(w in t for w in TICKET_WORDS) or "#1" in t], said
    assert card_now(emu, card)["text"] == card["text"]
    assert not punishments(emu)
    assert not emu.is_deleted(GROUP, bad["message_id"])


async def test_vk_a_member_writing_to_the_community_cannot_read_or_work_the_queue(
        vk: VkEmulator, vk_run) -> None:
    vk.add_members(VK_CHAT, VK_SPAMMER, VK_MEMBER, 503)
    await vk_run()
    bad, card = await vk_report(vk, reporter=503)
    vk.post_message(VK_CHAT, VK_MEMBER, "hi")
    for text in ("!queue", "!take 1", "/resolve 1 done", "!reject #1", "!abuse 1",
                 f"!ban @id{VK_SPAMMER}", "/queue all"):
        vk.post_private(VK_MEMBER, text)
    await vk_settle(vk)
    await vk_settle(vk)
    said = [m.text for m in vk.sent(VK_MEMBER)]
    assert not [t for t in said if "buy followers" in t or "#1" in t], said
    now = next(m for m in vk.peer(VK_QUEUE).messages if m.cmid == card.cmid)
    assert now.text == card.text, now.text
    assert not vk_punished(vk)
    assert not vk_deleted(vk, VK_CHAT, bad)


OTHER_COMMUNITY = f"""
[[community]]
name = "other"
language = "en"
timezone = "UTC"
chats = ["telegram:{OTHER_GROUP}"]
moderators = ["telegram:{OTHER_MOD}"]
queue = "telegram:{OTHER_QUEUE}"
"""


async def test_one_communitys_queue_acts_only_in_its_own_chats(
        tg_app, emu: TelegramEmulator) -> None:
    """README: "In the queue chat a command acts in every community chat on the target's
    network" — the community's, never another community's that shares the bot. The spammer
    is in both communities' groups; demo's moderator bans, mutes and kicks from demo's
    queue."""
    emu.group(OTHER_GROUP, title="Other", admins=(OTHER_MOD,))
    emu.group(OTHER_QUEUE, title="Other queue", admins=(OTHER_MOD,))
    app = await tg_app(tail=OTHER_COMMUNITY)
    async with RunningBot(app, fast_options(FakeTime())):
        emu.user_message(GROUP, SPAMMER, "hi")
        emu.user_message(OTHER_GROUP, SPAMMER, "hi")
        await settle(emu)
        for text in (f"/mute 1h {SPAMMER} spam", f"/kick {SPAMMER}",
                     f"/ban 1d telegram:{SPAMMER} spam"):
            sent = emu.user_message(QUEUE, ADMIN, text)
            await emu.wait_for(lambda s=sent: replies_to(emu, QUEUE, s["message_id"]),
                               what=f"the answer to {text}")
        await settle(emu)
    touched = [c for c in punishments(emu) + emu.calls_of("unbanChatMember", ok=None)]
    assert touched, "the queue's commands did nothing at all"
    assert {int(c.params["chat_id"]) for c in touched} == {GROUP}, \
        [(c.method, c.params) for c in touched]


async def test_one_communitys_moderator_cannot_work_another_communitys_ticket_by_number(
        tg_app, emu: TelegramEmulator) -> None:
    """Tickets are numbered from #1 in each community (README). "other" has ticket #1;
    demo has none. demo's moderator typing /take 1, /reject 1, /resolve 1 in demo's queue
    and group reaches nothing of "other"'s."""
    emu.group(OTHER_GROUP, title="Other", admins=(OTHER_MOD,))
    emu.group(OTHER_QUEUE, title="Other queue", admins=(OTHER_MOD,))
    app = await tg_app(tail=OTHER_COMMUNITY)
    async with RunningBot(app, fast_options(FakeTime())):
        bad, their_card = await report(emu, chat=OTHER_GROUP, queue=OTHER_QUEUE)
        for chat, text in ((QUEUE, "/take 1"), (QUEUE, "/reject 1 not ours"),
                           (GROUP, "/resolve #1 done"), (QUEUE, "/abuse 1")):
            sent = emu.user_message(chat, ADMIN, text)
            await emu.wait_for(lambda c=chat, s=sent: replies_to(emu, c, s["message_id"]),
                               what=f"the answer to {text}")
        await settle(emu)
    assert card_now(emu, their_card, OTHER_QUEUE)["text"] == their_card["text"]
    assert not emu.is_deleted(OTHER_GROUP, bad["message_id"])
    assert not emu.sent_texts(OTHER_QUEUE)[1:], emu.sent_texts(OTHER_QUEUE)
    assert not emu.sent_texts(MEMBER), "the other community's reporter was told something"


async def test_vk_one_communitys_queue_kicks_only_from_its_own_chats(
        vk: VkEmulator, vk_run) -> None:
    """The same on VK with two communities on one VK community: "!kick" from oak's queue
    removes the member from oak's chat, not from birch's."""
    vk.add_members(VK_CHAT, VK_SPAMMER)
    vk.add_members(VK_CHAT_B, VK_SPAMMER)
    vk.set_admins(VK_QUEUE, VK_MOD)
    await vk_run(tail=f"""
        [[community]]
        name = "birch"
        language = "en"
        timezone = "UTC"
        chats = ["vk:{VK_CHAT_B}"]
        queue = "vk:{VK_QUEUE_B}"
        """)
    vk.post_message(VK_CHAT, VK_SPAMMER, "hi")
    vk.post_message(VK_CHAT_B, VK_SPAMMER, "hi")
    asked = vk.post_message(VK_QUEUE, VK_MOD, f"!kick @id{VK_SPAMMER}")
    await vk.wait_for(lambda: any(m.reply_to == asked for m in vk.sent(VK_QUEUE)))
    await vk_settle(vk)
    removed = vk.calls_to("messages.removeChatUser")
    assert removed, [m.text for m in vk.sent(VK_QUEUE)]
    assert {c.params["chat_id"] for c in removed} == {str(VK_CHAT - 2_000_000_000)}, \
        [c.params for c in removed]
    assert VK_SPAMMER in vk.peer(VK_CHAT_B).members


async def test_a_strangers_group_that_migrates_stays_a_strangers(
        tg_app, emu: TelegramEmulator) -> None:
    """README: a *configured* group that Telegram turns into a supergroup is followed to its
    new id and the queue is told which id to put in the config. A stranger's group the bot
    stays silent in (leave_unknown_chats = false) migrating must not become a community
    chat: no notice in our queue, its admin's /ban acts nowhere. (Our own group's
    migration, at the end, does reach the queue: the path is live.)"""
    stranger, new_id, our_new = STRANGER_GROUP, -1009003, -1009001
    emu.group(stranger, title="Crypto pumps", admins=(6000,), type="group")
    app = await tg_app(extra_telegram="leave_unknown_chats = false\n")
    async with RunningBot(app, fast_options(FakeTime())):
        emu.user_message(GROUP, OTHER_MEMBER, "hi")
        emu.user_message(stranger, 6000, "hi")
        raw(emu, stranger, emu.world.user(6000), migrate_to_chat_id=new_id)
        emu.group(new_id, title="Crypto pumps", admins=(6000,))
        raw(emu, new_id, emu.world.user(6000), migrate_from_chat_id=stranger)
        emu.user_message(new_id, 6000, f"/ban {OTHER_MEMBER}")
        emu.user_message(new_id, 0, f"/ban {OTHER_MEMBER}", sender_chat=new_id)
        await settle(emu)
        assert not [t for t in emu.sent_texts(QUEUE) if str(new_id) in t], \
            emu.sent_texts(QUEUE)
        assert not punishments(emu)
        assert emu.sent_texts(new_id) == []
        raw(emu, GROUP, emu.world.user(ADMIN), migrate_to_chat_id=our_new)
        await emu.wait_for(lambda: [t for t in emu.sent_texts(QUEUE) if str(our_new) in t],
                           what="our own group's migration told to the queue")


# ============================== 6. more secrets: failures of every kind ====================

async def wait_log(log: io.StringIO, marker: str, count: int = 3, timeout: float = 20) -> None:
    """Until the bot's log holds ``count`` lines with ``marker`` (a predicate, not a timer)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while log.getvalue().count(marker) < count:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no {count}× {marker} in the log:\n{log.getvalue()[-3000:]}")
        await asyncio.sleep(0.02)


async def modbot_run(config: Path, done: Callable[[str], bool], *,
                     timeout: float = 60) -> tuple[str, int | None]:
    """`python -m bot --log-level DEBUG run --config FILE` until ``done(output)`` or it exits;
    then SIGINT (Ctrl-C). Returns everything it printed and its exit code."""
    log_path = config.parent / "run.log"
    with log_path.open("wb") as out:  # a file: at DEBUG a pipe nobody reads would fill up
        proc = await forked_modbot.spawn(
            "--log-level", "DEBUG", "run", "--config",
            str(config), cwd=str(config.parent), stdout=out, stderr=out,
            env={k: v for k, v in os.environ.items() if k != "MODBOT_LOG_LEVEL"})
        try:
            deadline = time.monotonic() + timeout
            while proc.returncode is None and time.monotonic() < deadline and not done(
                    log_path.read_text(encoding="utf-8", errors="replace")):
                await asyncio.sleep(0.1)  # polling the output for a condition, not a timer
        finally:
            if proc.returncode is None:
                proc.send_signal(2)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), 30)
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    return log_path.read_text(encoding="utf-8", errors="replace"), proc.returncode


def three_poll_errors(output: str) -> bool:
    return output.count("event=telegram.poll_error") >= 3


@pytest.mark.parametrize("failure", [
    "dns", "tls",
    "echo-page"])
async def test_modbot_run_at_debug_never_prints_the_token_whatever_the_bot_api_does(
        emu: TelegramEmulator, tmp_path: Path, failure: str) -> None:
    """`modbot run --log-level DEBUG` while the Bot API cannot be resolved, speaks plain
    HTTP where https was configured, or sits behind a gateway whose error page repeats the
    requested URL (Apache's 404: "The requested URL /bot<TOKEN>/deleteWebhook was not
    found"). README: tokens are never printed; network errors are retried. The bot keeps
    trying, and nothing it prints carries the token."""
    gateway = await EchoingGateway(emu.api_base).start()
    gateway.down = True
    try:
        api_base = {"dns": "http://qa43-no-such-host.invalid",
                    "tls": f"https://127.0.0.1:{emu.port}",
                    "echo-page": gateway.base}[failure]
        config = tg_config(tmp_path, api_base).path
        printed, code = await modbot_run(config, three_poll_errors)
    finally:
        await gateway.close()
    leaks = found((TG_SECRET, TG_SECRET_TAIL), run=printed)
    assert leaks == [], f"modbot run (exit {code}) printed the token:\n" + "\n".join(leaks)
    assert three_poll_errors(printed), f"exit {code}:\n{printed[-3000:]}"


@pytest.mark.parametrize("failure", ["dns", "tls", "not-json", "revoked"])
async def test_vk_failures_at_debug_never_print_the_tokens(
        vk: VkEmulator, tmp_path: Path, clock: FakeClock, bot_log,
        capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        failure: str) -> None:
    revoked = "QA43vkREVOKEDtokenXYZZY"
    if failure == "revoked":  # the owner regenerated the token in VK; the old one is set
        monkeypatch.setenv("QA43_VK_TOKEN", revoked)
    gateway = await EchoingGateway(vk.base_url).start()
    gateway.garbage = True
    try:
        text = vk_text(vk)
        if failure != "revoked":
            api_base = {"dns": "http://qa43-no-such-host.invalid/method/",
                        "tls": f"https://127.0.0.1:{vk.port}/method/",
                        "not-json": gateway.base + "/method/"}[failure]
            text = text.replace(f'api_base = "{vk.api_base}"', f'api_base = "{api_base}"')
        config = write_vk_config(tmp_path, text)
        log = bot_log(config)
        bot = VkBot(config, clock, vk)
        await bot.start(wait_polling=False)
        try:
            await wait_log(log, "event=vk.poll_error")
        finally:
            await bot.stop()
    finally:
        await gateway.close()
    printed = capfd.readouterr()
    leaks = found((VK_SECRET, VK_USER_SECRET, revoked), log=log.getvalue(),
                  stderr=printed.err + printed.out)
    assert leaks == [], "a VK token was printed:\n" + "\n".join(leaks)


async def test_vk_wall_post_refused_for_a_revoked_user_token_is_reported_without_tokens(
        vk: VkEmulator, vk_run, tmp_path: Path, clock: FakeClock, bot_log) -> None:
    """The VK side of the first test: the admin's user token was revoked, wall.post
    answers error 5 until the post's grace is over. The queue, `modbot schedule list` and
    `modbot audit` say it failed; none of them carries either token."""
    due = clock.now() + timedelta(minutes=10)
    bot = await vk_run(tail=f"""
        [[community.schedule]]
        at = "{due.strftime('%Y-%m-%d %H:%M')}"
        text = "Open day on Saturday at 11:00"
        chats = ["vk:wall"]
        """)
    assert bot.app is not None
    log = bot_log(bot.app.config)
    vk.fail("wall.post", 5, times=1000)
    clock.set(due)
    while clock.now() <= due + timedelta(hours=1, minutes=5):
        await scheduler_round(bot.app, clock)
        clock.advance(timedelta(minutes=5))
    await vk.wait_for(lambda: [m for m in vk.sent(VK_QUEUE) if "Open day" in m.text])
    config = str(bot.app.config.path)
    # in a thread: the bot runs on this event loop, and a transaction it holds open while the
    # loop is blocked would keep the CLI waiting on SQLite's lock
    plan = await asyncio.to_thread(cli, "schedule", "list", "--community", "demo", "--config",
                                   config, cwd=tmp_path)
    audit = await asyncio.to_thread(cli, "audit", "--community", "demo", "--since", "7d",
                                    "--config", config, cwd=tmp_path)
    assert "failed" in plan.stdout, plan.stdout + plan.stderr
    leaks = found((VK_SECRET, VK_USER_SECRET), queue=[m.text for m in vk.sent(VK_QUEUE)],
                  schedule_list=plan.stdout + plan.stderr, audit=audit.stdout + audit.stderr,
                  log=log.getvalue())
    assert leaks == [], "a VK token was handed out:\n" + "\n".join(leaks)


async def test_modbot_run_with_a_dead_proxy_prints_neither_token_nor_proxy_password(
        tmp_path: Path) -> None:
    """`[telegram] proxy = "socks5://user:password@…"` and the proxy is down when the bot
    starts. README: the passwords in proxy URLs are "scrubbed from logs". Whatever
    `modbot run --log-level DEBUG` prints, neither the token nor the password."""
    dead = free_port()
    config = tmp_path / "config.toml"
    config.write_text(textwrap.dedent(f"""
        [database]
        url = "sqlite+aiosqlite:///modbot.db"

        [telegram]
        token = "${{QA43_TG_TOKEN}}"
        api_base = "http://127.0.0.1:{free_port()}"
        proxy = "socks5://modbot:${{QA43_PG_PASSWORD}}@127.0.0.1:{dead}"
        poll_timeout = 1

        [[community]]
        name = "demo"
        language = "en"
        chats = ["telegram:{GROUP}"]
        queue = "telegram:{QUEUE}"
        """), encoding="utf-8")
    def proxy_failed(out: str) -> bool:
        low = out.lower()
        return "connect to proxy" in low or "proxyconnectionerror" in low \
            or three_poll_errors(out)

    printed, _code = await modbot_run(config, proxy_failed)
    assert proxy_failed(printed), printed[-2000:]
    leaks = found((TG_SECRET, TG_SECRET_TAIL, PG_PASSWORD), run=printed)
    assert leaks == [], "modbot run printed a secret:\n" + "\n".join(leaks)


def test_database_password_never_printed_when_the_database_cannot_be_reached(
        tmp_path: Path) -> None:
    """PostgreSQL refused or its host unknown: `modbot db upgrade`, `modbot run` and
    `modbot queue` say they cannot use the database (README: a database outage is one line),
    never the URL's password."""
    outputs = []
    for host in (f"127.0.0.1:{free_port()}", f"localhost:{free_port()}",
                 "qa43-no-such-db.invalid:5432"):
        config = tmp_path / "config.toml"
        config.write_text(textwrap.dedent(f"""
            [database]
            url = "postgresql+asyncpg://modbot:${{QA43_PG_PASSWORD}}@{host}/modbot"

            [telegram]
            token = "${{QA43_TG_TOKEN}}"
            api_base = "http://127.0.0.1:{free_port()}"

            [[community]]
            name = "demo"
            chats = ["telegram:{GROUP}"]
            """), encoding="utf-8")
        for args in (("db", "upgrade", "--config", str(config)),
                     ("run", "--config", str(config)),
                     ("queue", "--community", "demo", "--config", str(config))):
            done = cli(*args, cwd=tmp_path, timeout=60)
            outputs.append(f"$ modbot {' '.join(args)}  [{host}]\n{done.stdout}{done.stderr}")
            assert done.returncode != 0, outputs[-1]
            assert "cannot use the database" in (done.stdout + done.stderr), outputs[-1]
    leaks = found((PG_PASSWORD, TG_SECRET), cli=outputs)
    assert leaks == [], "the database password was printed:\n" + "\n".join(leaks)


async def check_online(config: Path) -> str:
    done = await asyncio.to_thread(cli, "check-config", "--online", str(config),
                                   cwd=config.parent)
    return f"rc={done.returncode}\n{done.stdout}{done.stderr}"


async def test_check_config_online_names_revoked_tokens_without_printing_them(
        emu: TelegramEmulator, vk: VkEmulator, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`modbot check-config --online` with tokens the platforms no longer accept (Telegram
    401, VK error 5): it says which token was rejected, and prints neither."""
    old_tg, old_vk = "515151:QA43tgOLDrevokedTOKEN", "QA43vkOLDrevokedTOKEN"
    monkeypatch.setenv("QA43_TG_TOKEN", old_tg)
    monkeypatch.setenv("QA43_VK_TOKEN", old_vk)
    output = await check_online(both_config(tmp_path, emu, vk, moderators="").path)
    assert output.startswith("rc=1") and "telegram.token" in output and "vk.token" in output, \
        output
    leaks = found((old_tg, old_tg.split(":")[1], old_vk, VK_USER_SECRET), cli=output)
    assert leaks == [], "check-config --online printed a token:\n" + "\n".join(leaks)


async def test_check_config_online_behind_an_echoing_gateway_does_not_print_the_token(
        emu: TelegramEmulator, vk: VkEmulator, tmp_path: Path) -> None:
    """The owner runs `modbot check-config --online` to see why the bot cannot reach its
    self-hosted Bot API (behind Apache, whose 404 page repeats the requested URL). README:
    every problem is one line, tokens are never printed; the output is what gets pasted
    into a help request."""
    gateway = await EchoingGateway(emu.api_base).start()
    gateway.down = True
    try:
        config = both_config(tmp_path, emu, vk, moderators="").path
        config.write_text(config.read_text(encoding="utf-8").replace(
            emu.api_base, gateway.base), encoding="utf-8")
        output = await check_online(config)
    finally:
        await gateway.close()
    assert gateway.served > 0
    leaks = found((TG_SECRET, TG_SECRET_TAIL), cli=output)
    assert leaks == [], "check-config --online printed the token:\n" + "\n".join(leaks)
    assert output.startswith("rc=1") and "Traceback" not in output, output[-3000:]


async def test_webhook_secret_and_a_token_in_the_webhook_path_stay_out_of_the_log(
        tg_app, emu: TelegramEmulator, bot_log) -> None:
    """A common deployment puts the bot token in the webhook's path as well as setting
    webhook_secret. At DEBUG the log shows neither; a wrong, longer or missing secret header
    is refused, the right one (header names are case-insensitive) is taken."""
    port = free_port()
    hook = f"http://127.0.0.1:{port}/tg/{TG_SECRET}"
    app = await tg_app(extra_telegram=f"""
        mode = "webhook"
        webhook_url = "{hook}"
        webhook_listen = "127.0.0.1:{port}"
        webhook_secret = "${{QA43_HOOK_SECRET}}"
        """)
    log = bot_log(app.config)
    statuses = []
    async with RunningBot(app, fast_options(FakeTime())):
        await emu.wait_for(lambda: emu.webhook is not None, what="setWebhook")
        assert emu.webhook == {"url": hook, "secret_token": HOOK_SECRET}
        async with aiohttp.ClientSession() as http:
            for n, headers in enumerate(({}, {"X-Telegram-Bot-Api-Secret-Token": "guess"},
                                         {"X-Telegram-Bot-Api-Secret-Token":
                                          HOOK_SECRET + "x"},
                                         {"x-telegram-bot-api-secret-token": HOOK_SECRET}),
                                        start=1):
                update = forged_update(800_000 + n, MEMBER, "/help")
                async with http.post(hook, json=update, headers=headers) as response:
                    statuses.append((response.status, await response.text()))
        await emu.wait_for(lambda: emu.sent_texts(GROUP), what="the authentic /help answered")
    assert [s for s, _ in statuses] == [403, 403, 403, 200], statuses
    leaks = found((HOOK_SECRET, TG_SECRET, TG_SECRET_TAIL), log=log.getvalue(),
                  answers=[body for _, body in statuses])
    assert leaks == [], "a secret reached the log:\n" + "\n".join(leaks)
