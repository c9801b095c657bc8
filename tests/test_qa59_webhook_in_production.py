"""QA round 59: Telegram webhook mode as an owner runs it in production, behind a reverse proxy.

The owner sets `[telegram] mode = "webhook"` with `webhook_url` (the public HTTPS address the
proxy serves), `webhook_listen` (where the bot's aiohttp server listens, here 127.0.0.1) and
`webhook_secret` (README, config.example.toml). Telegram (our emulator, `tests/tg_emulator`)
registers the hook with setWebhook and POSTs each update; the tests also POST to the bot's
server themselves, as a reverse proxy or an attacker would, with an aiohttp client on
127.0.0.1.

What an owner used to Rose / Combot / tg-spam expects, from README ("webhook mode (aiohttp
server, the secret token checked)", "without a secret a random one is made at each start, so
forged POSTs are refused either way", "a malformed update is logged and skipped", tokens
"never printed … scrubbed from logs"), DESIGN ("Nothing that reached the bot is lost … a
redelivered update never files a second ticket or posts twice") and issue 8 (webhook mode,
"a redelivered update never acts twice", "the loop never stops on one bad event"):

- the hook is registered with the configured URL, the secret and the update kinds the bot needs;
  only that path answers;
- a request without the secret, or with a wrong one, is refused and changes nothing;
- Telegram re-delivering an update (the proxy lost the answer, a 5xx, a timeout) acts once;
- a burst from several chats at once is each handled once, in order within each chat;
- bad bodies, wrong content types and oversized bodies get a clean answer, and the bot goes on;
- Telegram gets its answer quickly: a slow Bot API does not hold the webhook request;
- a restart registers again and loses no queued action; switching polling <-> webhook in the
  config loses no update;
- neither the bot token nor the webhook secret shows up in a log line or a response.

Time is the injected FakeClock (and FakeTime for the runner's sleeps); waits are predicates on
what the emulator saw.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from test_qa9_resilience import FaultProxy
from tg_emulator import TelegramEmulator
from tg_emulator.harness import (
    ADMIN,
    GROUP,
    MEMBER,
    OTHER_MEMBER,
    QUEUE,
    TOKEN,
    FakeTime,
    RunningBot,
    fast_options,
    telegram_config,
)

from bot.app import App
from bot.config import LoadedConfig, load_config
from bot.core.clock import FakeClock
from bot.core.texts import Text
from bot.logs import setup_logging
from bot.texts import catalog

SECRET = "qa59-Secret_token-0123456789abcdef"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
PUBLIC_URL = "https://bot.example.org/tg/hook"  # what the owner's reverse proxy serves
PATH = "/tg/hook"
OBSCENE = "Блядь, ну кто так строит?"
SPAMMER = 555
NEEDED_KINDS = {"message", "edited_message", "callback_query", "my_chat_member", "chat_member"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def help_text() -> str:
    return catalog().render(Text("common.help_member"), "en")


def hook_config(tmp_path: Path, emu: TelegramEmulator, port: int, *, url: str = PUBLIC_URL,
                secret: str | None = SECRET, mode: str = "webhook",
                chats: tuple[int, ...] = (GROUP,), api_base: str | None = None,
                listen: str | None = None) -> LoadedConfig:
    """The owner's config.toml: webhook mode (or polling) on the emulator's Bot API."""
    extra = ""
    if mode == "webhook":
        listen = listen or f"127.0.0.1:{port}"
        extra = (f'mode = "webhook"\nwebhook_url = "{url}"\n'
                 f'webhook_listen = "{listen}"\n')
        if secret is not None:
            extra += f'webhook_secret = "{secret}"\n'
    config = telegram_config(tmp_path, api_base or emu.api_base, extra_telegram=extra)
    if chats != (GROUP,):
        path = tmp_path / "config.toml"
        listed = ", ".join(f'"telegram:{c}"' for c in chats)
        path.write_text(path.read_text(encoding="utf-8").replace(
            f'chats = ["telegram:{GROUP}"]', f"chats = [{listed}]"), encoding="utf-8")
        config = load_config(path)
    return config


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def hook_app(tmp_path: Path, emu: TelegramEmulator, clock: FakeClock, port: int,
             open_app: Callable[[LoadedConfig, FakeClock, str], Awaitable[App]]
             ) -> Callable[..., Awaitable[App]]:
    async def make(instance: str = "qa59", **kw: Any) -> App:
        return await open_app(hook_config(tmp_path, emu, port, **kw), clock, instance)

    return make


@pytest.fixture
def owner_config(tmp_path: Path) -> Callable[[str], Path]:
    """A production-shaped config.toml for check-config (webhook mode behind a proxy), with
    one extra `[telegram]` line."""

    def write(line: str) -> Path:
        path = tmp_path / "config.toml"
        path.write_text(textwrap.dedent(f"""\
            [database]
            url = "sqlite+aiosqlite:///modbot.db"

            [telegram]
            token = "{TOKEN}"
            mode = "webhook"
            webhook_url = "{PUBLIC_URL}"
            webhook_listen = "127.0.0.1:8443"
            {line}

            [[community]]
            name = "demo"
            language = "en"
            chats = ["telegram:-1001234567890"]
            """), encoding="utf-8")
        return path

    return write


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def bot_log() -> Iterator[Callable[[LoadedConfig], io.StringIO]]:
    """The bot's log as `modbot run` writes it (its formatter, at DEBUG); restored after."""
    stream = io.StringIO()

    def install(config: LoadedConfig) -> io.StringIO:
        setup_logging("DEBUG", secrets=config.secrets, stream=stream)
        return stream

    yield install
    setup_logging("WARNING", stream=io.StringIO())
    for noisy in ("aiogram", "aiohttp.access", "sqlalchemy.engine", "alembic", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.NOTSET)


def assert_clean_log(text: str) -> None:
    """README: "an unexpected crash is one scrubbed log line, never a raw traceback"; and
    nothing at error level for what is only a bad request."""
    lines = text.splitlines()
    raw = [line for line in lines if line and not line.startswith("ts=")]
    assert raw == [], "\n".join(raw[:20])
    errors = [line for line in lines if "level=error" in line or "Traceback" in line]
    assert errors == [], "\n".join(errors[:5])


def written(emu: TelegramEmulator, chat: int, user: int, text: str, **kw: Any) -> dict[str, Any]:
    """A member writes in the emulated chat; the update is returned for the test to POST
    itself (as Telegram would) instead of the emulator delivering it."""
    emu.user_message(chat, user, text, **kw)
    return emu.world.updates.pop()


async def post(http: aiohttp.ClientSession, port: int, body: Any, *,
               secret: str | None = SECRET, path: str = PATH, raw: bytes | None = None,
               content_type: str = "application/json",
               headers: dict[str, str] | None = None, timeout: float = 15) -> tuple[int, str]:
    sent = dict(headers or {})
    if secret is not None:
        sent[HEADER] = secret
    sent.setdefault("Content-Type", content_type)
    data = raw if raw is not None else json.dumps(body).encode()
    async with http.post(f"http://127.0.0.1:{port}{path}", data=data, headers=sent,
                         timeout=aiohttp.ClientTimeout(total=timeout)) as response:
        text = await response.text()
        return response.status, text + " " + json.dumps(dict(response.headers))


async def registered(emu: TelegramEmulator) -> dict[str, Any]:
    await emu.wait_for(lambda: emu.webhook is not None, what="setWebhook")
    assert emu.webhook is not None
    return emu.webhook


def replies_to(emu: TelegramEmulator, chat: int, message_id: int) -> list[dict[str, Any]]:
    return [m for m in emu.sent_messages(chat)
            if (m.get("reply_to_message") or {}).get("message_id") == message_id]


def help_replies(emu: TelegramEmulator, chat: int = GROUP) -> list[str]:
    return [t for t in emu.sent_texts(chat) if t == help_text()]


# ============================== registration ===============================================

async def test_hook_is_registered_with_the_url_secret_and_update_kinds_and_only_its_path_answers(
        hook_app, emu: TelegramEmulator, port: int, http: aiohttp.ClientSession) -> None:
    """Behind nginx the public URL (https://bot.example.org/tg/hook) and the local listen
    address differ; Telegram must be told the public URL, the configured secret and the
    update kinds the bot reads (member updates are not sent unless asked for: README relies on
    "demoted from admin … Telegram tells it"). A gateway answering setWebhook with an HTML 502
    at start is retried (README: "a Bot API answering HTML instead of JSON at start is retried
    like a network error"), not left with no hook. Polling must not run beside the hook
    (Telegram answers getUpdates with 409 while a webhook is set). The local server answers
    the hook's path only; a stray path with the right secret does nothing."""
    gateway = await FaultProxy(emu.api_base).start()
    try:
        gateway.rule("setWebhook", 502)
        app = await hook_app(api_base=gateway.base)
        async with RunningBot(app, fast_options(FakeTime())):
            hook = await registered(emu)
            stray = written(emu, GROUP, MEMBER, "/help")
            statuses = {}
            for path in ("/", "/tg", "/tg/hook/x", f"/bot{TOKEN}/getUpdates"):
                statuses[path] = (await post(http, port, stray, path=path))[0]
            ok = written(emu, GROUP, OTHER_MEMBER, "/help")
            status, _ = await post(http, port, ok)
            await emu.wait_for(lambda: help_replies(emu), what="the reply to the real hook")
    finally:
        await gateway.close()
    assert gateway.hits["setWebhook"] == 1, "the 502 was not met"
    call = emu.calls_of("setWebhook")
    assert len(call) == 1, [c.params for c in emu.calls_of("setWebhook", ok=None)]
    assert hook == {"url": PUBLIC_URL, "secret_token": SECRET}
    assert set(call[0].params.get("allowed_updates") or []) >= NEEDED_KINDS, call[0].params
    assert emu.request_counts.get("getUpdates", 0) == 0
    assert all(s == 404 for s in statuses.values()), statuses
    assert status == 200
    assert len(help_replies(emu)) == 1, emu.sent_texts(GROUP)
    assert replies_to(emu, GROUP, ok["message"]["message_id"])


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


async def test_an_ipv6_listen_address_that_check_config_accepts_is_served(
        hook_app, emu: TelegramEmulator, port: int, http: aiohttp.ClientSession) -> None:
    """`webhook_listen` is "host:port"; check-config takes "[::]:8080" (and the config's own
    validator names that form for IPv6). An owner whose reverse proxy reaches the bot over
    IPv6 (a Docker network, a v6-only host) writes "[::1]:PORT": README says `run` refuses to
    start on what check-config refuses, so what it accepts must serve the hook."""
    if not ipv6_loopback():
        pytest.skip("no IPv6 loopback on this machine")
    app = await hook_app(listen=f"[::1]:{port}")
    async with RunningBot(app, fast_options(FakeTime())):
        await emu.wait_for(lambda: emu.webhook is not None, timeout=3,
                           what="setWebhook after listening on [::1]")
        update = written(emu, GROUP, MEMBER, "/help")
        async with http.post(f"http://[::1]:{port}{PATH}", json=update,
                             headers={HEADER: SECRET}) as response:
            status = response.status
        await emu.wait_for(lambda: help_replies(emu), what="the answer")
    assert status == 200


def check_config(path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODBOT_")}
    return subprocess.run([sys.executable, "-m", "bot", "check-config", str(path)],
                          capture_output=True, text=True, env=env, timeout=120,
                          cwd=Path(__file__).parent.parent)


def test_check_config_refuses_a_webhook_secret_telegram_would_refuse(
        owner_config: Callable[[str], Path]) -> None:
    """Telegram's setWebhook takes a secret_token of 1-256 characters "A-Z, a-z, 0-9, _ and
    - only" (core.telegram.org/bots/api#setwebhook); anything else is a 400 and the hook is
    never registered, while `run` keeps retrying. README: check-config names "the key and
    what is wrong" and `run` refuses to start on the same problems; a secret with ':' '/' '+'
    (a password manager's default) is such a problem, and so is one of 300 characters."""
    for secret in ("correct:battery/staple+1", "x" * 300):
        path = owner_config(f'webhook_secret = "{secret}"')
        done = check_config(path)
        out = done.stdout + done.stderr
        assert done.returncode == 1 and "webhook_secret" in out, (secret[:30], out)
    fine = check_config(owner_config('webhook_secret = "Good_secret-123"'))
    assert fine.returncode == 0, fine.stdout + fine.stderr


# ============================== the secret ==================================================

async def test_requests_without_the_exact_secret_are_refused_and_change_nothing(
        hook_app, emu: TelegramEmulator, port: int, http: aiohttp.ClientSession) -> None:
    """Someone who learnt the URL POSTs the admin's "/ban" in reply to a member, and the same
    update again with near-miss secrets. Each is refused (401/403), the refusal does not echo
    the secret, and nothing is banned, deleted or said. Nor does a refused update poison the
    de-duplication: when Telegram delivers the genuine update with the same ids afterwards, it
    is acted on."""
    app = await hook_app()
    victim = written(emu, GROUP, OTHER_MEMBER, "hello all")
    forged = written(emu, GROUP, ADMIN, "/ban spam", reply_to=victim["message"]["message_id"])
    async with RunningBot(app, fast_options(FakeTime())):
        await registered(emu)
        refusals = []
        for secret in (None, "", "guess", SECRET.upper(), SECRET + "x", SECRET[:-1]):
            refusals.append(await post(http, port, forged, secret=secret))
        for secret in (None, "wrong"):
            refusals.append(await post(http, port, forged, secret=secret,
                                       path=f"{PATH}?secret_token={SECRET}"))
        genuine_help = dict(forged)
        genuine_help["message"] = {**forged["message"], "text": "/help",
                                   "from": {"id": MEMBER, "is_bot": False,
                                            "first_name": "Mia"}}
        genuine_help["message"].pop("reply_to_message", None)
        genuine_help["message"].pop("entities", None)
        status, _ = await post(http, port, genuine_help)
        await emu.wait_for(lambda: help_replies(emu), what="the genuine update's answer")
    assert [s for s, _ in refusals if s not in (401, 403)] == [], refusals
    assert not [b for _, b in refusals if SECRET in b]
    assert status == 200
    assert not emu.calls_of("banChatMember", ok=None)
    assert not emu.calls_of("restrictChatMember", ok=None)
    assert not emu.calls_of("deleteMessage", ok=None)
    assert emu.sent_texts(GROUP) == [help_text()]


async def test_without_a_configured_secret_each_start_registers_a_fresh_one(
        hook_app, emu: TelegramEmulator, port: int, http: aiohttp.ClientSession) -> None:
    """README: "without a secret a random one is made at each start, so forged POSTs are
    refused either way". Each start hands Telegram a new unguessable secret; the previous
    run's secret (which may sit in an old log or a proxy's capture) no longer opens the hook."""
    app = await hook_app(secret=None)
    async with RunningBot(app, fast_options(FakeTime())):
        first = dict(await registered(emu))
    again = await hook_app(instance="qa59-again", secret=None)
    async with RunningBot(again, fast_options(FakeTime())):
        await emu.wait_for(lambda: len(emu.calls_of("setWebhook")) == 2, what="re-registered")
        second = dict(await registered(emu))
        old = await post(http, port, written(emu, GROUP, MEMBER, "/help"),
                         secret=first["secret_token"])
        new = await post(http, port, written(emu, GROUP, OTHER_MEMBER, "/help"),
                         secret=second["secret_token"])
        await emu.wait_for(lambda: help_replies(emu), what="the answer with the new secret")
    secrets = [first["secret_token"], second["secret_token"]]
    assert all(isinstance(s, str) and len(s) >= 16 for s in secrets), secrets
    assert secrets[0] != secrets[1]
    assert old[0] in (401, 403) and new[0] == 200, (old, new)
    assert len(help_replies(emu)) == 1


# ============================== redelivery ==================================================

async def test_update_redelivered_after_the_proxy_lost_the_answer_acts_once(
        hook_app, emu: TelegramEmulator, port: int) -> None:
    """nginx forwards Telegram's POST, the bot files the report, and the connection breaks
    before the 200 reaches Telegram (a reload, a timeout). Telegram delivers the same update
    again (DESIGN: "a redelivered update never files a second ticket"): one card, one
    acknowledgement. Before it, a 502 from the proxy itself (the bot never saw the spam
    message) is retried by Telegram, and the spam is then read once."""
    proxy = await FaultProxy(f"http://127.0.0.1:{port}").start()
    try:
        app = await hook_app(url=f"{proxy.base}{PATH}")
        bad = emu.user_message(GROUP, SPAMMER, "cheap watches at spam.example")
        proxy.rule("hook", 502)  # the first delivery (the spam): nginx never reached the bot
        async with RunningBot(app, fast_options(FakeTime())):
            await registered(emu)
            await emu.wait_for(lambda: not emu.pending_updates, what="the spam delivered")
            proxy.rule("hook", "lost")  # the report: the bot did it, the 200 was lost
            report = emu.user_message(GROUP, MEMBER, "/report spam",
                                      reply_to=bad["message_id"])
            report_update = emu.pending_updates[-1]["update_id"]
            await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
            await emu.wait_for(lambda: not emu.pending_updates, what="all delivered")
            await emu.wait_for(lambda: replies_to(emu, GROUP, report["message_id"]),
                               what="the reporter's acknowledgement")
    finally:
        await proxy.close()
    report_deliveries = [status for uid, status in emu.webhook_deliveries
                         if uid == report_update]
    assert proxy.hits["hook"] == 2, proxy.hits
    assert report_deliveries[0] != 200 and report_deliveries[-1] == 200, report_deliveries
    cards = emu.sent_messages(QUEUE)
    assert len(cards) == 1, [c.get("text") for c in cards]
    assert len(replies_to(emu, GROUP, report["message_id"])) == 1


async def test_same_update_posted_while_the_first_is_still_in_flight_acts_once(
        hook_app, emu: TelegramEmulator, port: int, http: aiohttp.ClientSession) -> None:
    """Telegram gave up waiting on a slow answer and re-sent the update on a second
    connection while the first is still being handled. An obscene message must be deleted
    once, warned once (warning 1, not 2) and cost the member one ladder step."""
    app = await hook_app()
    swear = written(emu, GROUP, MEMBER, OBSCENE)
    async with RunningBot(app, fast_options(FakeTime())):
        await registered(emu)
        statuses = await asyncio.gather(*[post(http, port, swear) for _ in range(3)])
        await emu.wait_for(lambda: emu.sent_texts(GROUP), what="the warning")
        sentinel = written(emu, GROUP, OTHER_MEMBER, "/help")
        await post(http, port, sentinel)
        await emu.wait_for(lambda: help_replies(emu), what="the sentinel's answer")
    assert [s for s, _ in statuses] == [200, 200, 200]
    deletes = [c for c in emu.calls_of("deleteMessage", ok=None)
               if c.params.get("message_id") == swear["message"]["message_id"]]
    assert len(deletes) == 1, deletes
    warnings = [t for t in emu.sent_texts(GROUP) if t != help_text()]
    assert len(warnings) == 1, warnings
    async with app.uow_factory() as uow:
        active = await uow.warnings.active("demo", f"telegram:{MEMBER}", app.clock.now())
    assert len(active) == 1


# ============================== bursts ======================================================

CHATS = (GROUP, -1003, -1004)


async def test_burst_from_three_chats_at_once_is_each_handled_once_and_in_order_per_chat(
        tmp_path: Path, emu: TelegramEmulator, clock: FakeClock, port: int, open_app,
        http: aiohttp.ClientSession) -> None:
    """Telegram opens several connections (max_connections defaults to 40): three groups'
    updates arrive at the same moment, each one twice (a retry racing its original). Every
    member's question gets exactly one answer, and within each chat the answers come in the
    order the messages were written."""
    for chat in CHATS[1:]:
        emu.group(chat, title=f"Group {chat}", admins=(ADMIN,))
    app = await open_app(hook_config(tmp_path, emu, port, chats=CHATS), clock, "qa59")
    per_chat = {chat: [written(emu, chat, 3000 + 10 * n + i, "/help")
                       for i in range(4)] for n, chat in enumerate(CHATS)}

    async def one_chat(updates: list[dict[str, Any]]) -> list[int]:
        out = []
        for update in updates:
            got = await asyncio.gather(post(http, port, update), post(http, port, update))
            out += [s for s, _ in got]
        return out

    async with RunningBot(app, fast_options(FakeTime())):
        await registered(emu)
        statuses = await asyncio.gather(*[one_chat(u) for u in per_chat.values()])
        await emu.wait_for(lambda: all(len(emu.sent_messages(c)) >= 4 for c in CHATS),
                           what="every answer")
    assert all(s == 200 for chat in statuses for s in chat), statuses
    for chat, updates in per_chat.items():
        asked = [u["message"]["message_id"] for u in updates]
        answered = [(m.get("reply_to_message") or {}).get("message_id")
                    for m in emu.sent_messages(chat)]
        assert answered == asked, (chat, answered, asked)


# ============================== bad requests ================================================

async def test_malformed_bodies_and_wrong_content_types_get_a_clean_answer_and_the_bot_goes_on(
        hook_app, emu: TelegramEmulator, port: int, http: aiohttp.ClientSession,
        bot_log) -> None:
    """Broken JSON, JSON that is not an update, a form post, a body that is not UTF-8 and
    deeply nested JSON: each gets an answer that is not a server error (issue 8: "a malformed
    update is logged and skipped; the loop never stops on one bad event"; README: "an
    unexpected crash is one scrubbed log line, never a raw traceback"), nothing is done, and
    the next genuine update is answered."""
    app = await hook_app()
    log = bot_log(app.config)
    bodies: list[tuple[bytes, str]] = [
        (b"{not json", "application/json"),
        (b"", "application/json"),
        (b"[]", "application/json"),
        (b"null", "application/json"),
        (b"42", "application/json"),
        (b'"update"', "application/json"),
        (b'{"update_id": "x", "message": 5}', "application/json"),
        (b'{"update_id": 5, "message": {"text": "/ban"}}', "application/json"),
        (b"update_id=5&message=hi", "application/x-www-form-urlencoded"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (b'{"update_id": 6, "message": {"message_id": 1}}', "text/plain"),
        (b"[" * 50_000 + b"]" * 50_000, "application/json"),
        (b'{"update_id": 7, "message": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_001,
         "application/json"),
    ]
    async with RunningBot(app, fast_options(FakeTime())):
        await registered(emu)
        answers = [await post(http, port, None, raw=body, content_type=kind)
                   for body, kind in bodies]
        ok = written(emu, GROUP, MEMBER, "/help")
        status, _ = await post(http, port, ok)
        await emu.wait_for(lambda: help_replies(emu), what="the genuine update's answer")
    broken = [(body[:30], s) for (body, _), (s, _) in zip(bodies, answers, strict=True)
              if s >= 500]
    assert broken == [], broken
    assert status == 200
    assert emu.sent_texts(GROUP) == [help_text()]
    assert_clean_log(log.getvalue())


async def test_an_oversized_body_is_refused_cleanly_and_the_bot_goes_on(
        hook_app, emu: TelegramEmulator, port: int, http: aiohttp.ClientSession,
        bot_log) -> None:
    """A 3 MB "update" (no real update comes near: a message is at most 4,096 characters):
    a 413 (or another 4xx), not a crash or a hang, and the next update is answered. Without
    the secret it is refused before the body is read."""
    app = await hook_app()
    log = bot_log(app.config)
    huge = written(emu, GROUP, MEMBER, "x" * 3_000_000)
    async with RunningBot(app, fast_options(FakeTime())):
        await registered(emu)
        big = await post(http, port, huge)
        stranger = await post(http, port, huge, secret="guess")
        ok = written(emu, GROUP, OTHER_MEMBER, "/help")
        status, _ = await post(http, port, ok)
        await emu.wait_for(lambda: help_replies(emu), what="the next update's answer")
    assert 400 <= big[0] < 500, big
    assert stranger[0] in (401, 403), stranger
    assert status == 200
    assert emu.sent_texts(GROUP) == [help_text()]
    assert_clean_log(log.getvalue())


# ============================== answering quickly ===========================================

class SlowSendEmulator(TelegramEmulator):
    """The emulator, with sendMessage held until the test lets it go (a Bot API that is slow
    to answer: a flood of sends, a congested proxy)."""

    gate: asyncio.Event | None = None

    async def _http(self, request: web.Request) -> web.Response:
        if self.gate is not None and request.match_info["method"] == "sendMessage":
            await self.gate.wait()
        return await super()._http(request)


async def test_a_slow_bot_api_does_not_hold_telegrams_webhook_request(
        tmp_path: Path, clock: FakeClock, port: int, open_app,
        http: aiohttp.ClientSession) -> None:
    """A member's /help in one group while the Bot API is slow to take the bot's messages
    (a congested proxy; or simply README's pacing, ≈20 messages a minute per group, which
    waits up to seconds before a send). The update is committed at once, so Telegram can
    have its 200 (DESIGN: effects are committed before the update is confirmed; the replies
    wait in the outbox); meanwhile a swear word in another group must still be deleted.
    Holding the request for the bot's own sends makes Telegram time out and re-send, and one
    slow chat stalls every chat's moderation."""
    other = -1003
    async with SlowSendEmulator(TOKEN) as emu:
        emu.world.clock = lambda: clock.now().timestamp()
        emu.group(GROUP, title="Demo", admins=(ADMIN,))
        emu.group(other, title="Other", admins=(ADMIN,))
        emu.group(QUEUE, title="Queue", admins=(ADMIN,))
        app = await open_app(hook_config(tmp_path, emu, port, chats=(GROUP, other)), clock,
                             "qa59")
        emu.gate = asyncio.Event()
        question = written(emu, GROUP, MEMBER, "/help")
        swear = written(emu, other, OTHER_MEMBER, OBSCENE)
        async with RunningBot(app, fast_options(FakeTime())):
            await registered(emu)
            first = asyncio.ensure_future(post(http, port, question, timeout=10))
            second = asyncio.ensure_future(post(http, port, swear, timeout=10))
            outcome: list[Any] = []
            for request in (first, second):
                try:
                    outcome.append((await request)[0])
                except TimeoutError:
                    outcome.append("no answer within 10 s")
            try:  # the send in the first group is still held: nothing waits for it
                await emu.wait_for(lambda: emu.is_deleted(other, swear["message"]["message_id"]),
                                   what="the other group's delete while the send is held")
                deleted_while_slow = True
            except (AssertionError, TimeoutError):
                deleted_while_slow = False
            emu.gate.set()
            await emu.wait_for(lambda: help_replies(emu), what="the reply once the API is back")
    assert outcome == [200, 200], (outcome, deleted_while_slow)
    assert deleted_while_slow, "the other group's swear word waited for the slow send"
    assert len(help_replies(emu)) == 1


# ============================== restarts and switching =====================================

async def test_restart_registers_again_and_sends_what_was_queued_and_what_came_meanwhile(
        hook_app, emu: TelegramEmulator, clock: FakeClock, port: int) -> None:
    """Telegram told the bot to wait a minute (429 retry_after=60) with an answer queued;
    the owner restarts the bot (a deploy). The new process registers the hook again, sends
    the queued answer once its time comes, and the update a member wrote while the bot was
    down (Telegram kept it) is answered too: nothing lost, nothing twice."""
    local = f"http://127.0.0.1:{port}{PATH}"
    app = await hook_app(url=local)
    async with RunningBot(app, fast_options(FakeTime())):
        await registered(emu)
        emu.fail_next("sendMessage", status=429, retry_after=60)
        first = emu.user_message(GROUP, MEMBER, "/help")
        await emu.wait_for(lambda: emu.calls_of("sendMessage", ok=False), what="the 429")
        await emu.wait_for(lambda: not emu.pending_updates, what="the update confirmed")
    late = emu.user_message(GROUP, OTHER_MEMBER, "/help")  # Telegram keeps it meanwhile
    again = await hook_app(instance="qa59-restarted", url=local)
    async with RunningBot(again, fast_options(FakeTime())):
        await emu.wait_for(lambda: len(emu.calls_of("setWebhook")) == 2, what="re-registered")
        await emu.wait_for(lambda: not emu.pending_updates, what="the late update delivered")
        clock.advance(timedelta(seconds=61))
        await emu.wait_for(lambda: len(help_replies(emu)) >= 2, what="both answers")
    assert emu.webhook == {"url": local, "secret_token": SECRET}
    assert len(replies_to(emu, GROUP, first["message_id"])) == 1
    assert len(replies_to(emu, GROUP, late["message_id"])) == 1
    answered = [(m.get("reply_to_message") or {}).get("message_id")
                for m in emu.sent_messages(GROUP)]
    assert answered == [first["message_id"], late["message_id"]]


async def test_switching_from_webhook_to_polling_loses_no_update(
        tmp_path: Path, emu: TelegramEmulator, clock: FakeClock, port: int, open_app) -> None:
    """The owner comments out `mode = "webhook"` (README: polling is the default). Updates
    Telegram holds for the old hook are not dropped: the bot deletes the hook keeping them
    (drop_pending_updates false) and reads them by getUpdates, each once."""
    url = f"http://127.0.0.1:{port}{PATH}"
    first = await open_app(hook_config(tmp_path, emu, port, url=url), clock, "hook")
    async with RunningBot(first, fast_options(FakeTime())):
        await registered(emu)
        early = emu.user_message(GROUP, MEMBER, "/help")
        await emu.wait_for(lambda: replies_to(emu, GROUP, early["message_id"]),
                           what="the webhook's answer")
    late = emu.user_message(GROUP, OTHER_MEMBER, "/help")  # while the bot is down
    polling = await open_app(hook_config(tmp_path, emu, port, mode="polling"), clock, "poll")
    async with RunningBot(polling, fast_options(FakeTime())):
        await emu.wait_for(lambda: replies_to(emu, GROUP, late["message_id"]),
                           what="the late update answered by polling")
        await emu.wait_for(lambda: not emu.pending_updates, what="confirmed")
    deletes = emu.calls_of("deleteWebhook")
    assert deletes and not any(c.params.get("drop_pending_updates") in (True, "true")
                               for c in deletes), [c.params for c in deletes]
    assert emu.webhook is None
    assert len(replies_to(emu, GROUP, early["message_id"])) == 1
    assert len(replies_to(emu, GROUP, late["message_id"])) == 1


async def test_switching_from_polling_to_webhook_loses_no_update(
        tmp_path: Path, emu: TelegramEmulator, clock: FakeClock, port: int, open_app) -> None:
    """The other way: the bot polled, the owner sets `mode = "webhook"` and restarts. What a
    member wrote in between arrives by the hook and is answered once; what polling already
    answered is not answered again."""
    polling = await open_app(hook_config(tmp_path, emu, port, mode="polling"), clock, "poll")
    async with RunningBot(polling, fast_options(FakeTime())):
        early = emu.user_message(GROUP, MEMBER, "/help")
        await emu.wait_for(lambda: replies_to(emu, GROUP, early["message_id"]),
                           what="polling's answer")
    late = emu.user_message(GROUP, OTHER_MEMBER, "/help")
    url = f"http://127.0.0.1:{port}{PATH}"
    hook = await open_app(hook_config(tmp_path, emu, port, url=url), clock, "hook")
    async with RunningBot(hook, fast_options(FakeTime())):
        await registered(emu)
        await emu.wait_for(lambda: replies_to(emu, GROUP, late["message_id"]),
                           what="the late update answered by the hook")
        await emu.wait_for(lambda: not emu.pending_updates, what="confirmed")
    assert emu.webhook == {"url": url, "secret_token": SECRET}
    assert len(replies_to(emu, GROUP, early["message_id"])) == 1
    assert len(replies_to(emu, GROUP, late["message_id"])) == 1
    assert emu.sent_texts(GROUP) == [help_text(), help_text()]


# ============================== secrets =====================================================

async def test_token_and_secret_never_show_in_logs_or_responses(
        hook_app, emu: TelegramEmulator, port: int, http: aiohttp.ClientSession,
        bot_log) -> None:
    """README: tokens "never printed … scrubbed from logs". A common production setup puts
    the bot token in the hook's path (https://bot.example.org/tg/<TOKEN>, as many guides do)
    to make the URL unguessable. Running at DEBUG through registration, a refused request, a
    bad body and a genuine update, neither the token (nor its secret half) nor the webhook
    secret shows in the log or in any answer the server gives."""
    url = f"https://bot.example.org/tg/{TOKEN}"
    app = await hook_app(url=url)
    log = bot_log(app.config)
    path = f"/tg/{TOKEN}"
    answers = []
    async with RunningBot(app, fast_options(FakeTime())):
        await registered(emu)
        update = written(emu, GROUP, MEMBER, "/help")
        answers.append(await post(http, port, update, secret="guess", path=path))
        answers.append(await post(http, port, None, raw=b"{oops", path=path))
        answers.append(await post(http, port, update, path=path))
        answers.append(await post(http, port, update, path=PATH))
        await emu.wait_for(lambda: help_replies(emu), what="the genuine answer")
    assert [a[0] for a in answers][:3] == [403, 200, 200], answers
    secrets = (TOKEN, TOKEN.split(":", 1)[1], SECRET)
    text = log.getvalue()
    assert "event=telegram.webhook" in text
    leaks = [s for s in secrets if s in text] + [s for s in secrets for _, b in answers if s in b]
    assert leaks == [], leaks
