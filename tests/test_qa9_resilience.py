"""QA round 9: resilience and security on both networks, through the real adapters against the
Bot API emulator and the VK API emulator.

- tokens never reach logs, errors, the database or chat messages, whatever the platform
  answers (401/403/404/500, dropped connections);
- rate limits (429 retry_after, VK 6 and 9) and 5xx delay a send but never lose or double it;
- VK long-poll failures do not make the bot handle an event twice;
- the bot acts only in its configured chats; only moderators moderate (VK);
- a killed bot keeps its warnings and ticket claims.

Each test asserts what a member, moderator or owner expects; a failing test is a finding
(see /tmp/qa9.md).
"""

from __future__ import annotations

import asyncio
import io
import logging
import textwrap
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import forked_modbot
import pytest
from aiohttp import web
from tg_emulator import TelegramEmulator
from tg_emulator.harness import FakeTime, fast_options
from tg_emulator.harness import RunningBot as TgBot
from tg_emulator.wire import replies_to, settle, wall_clock
from vk_emulator import VkEmulator
from vk_emulator.harness import (
    CHAT,
    MEMBER,
    MODERATOR,
    QUEUE,
    RunningBot,
    after_crash,
    write_vk_config,
)

from bot.app import App, create_app
from bot.config import LoadedConfig, load_config
from bot.core.clock import FakeClock
from bot.logs import setup_logging

OBSCENE = "Блядь, ну кто так строит?"
OBSCENE_2 = "Это просто пиздец какой-то"
SPAMMER = 777

# Recognisable secrets that do NOT look like real tokens, so only the configured-secrets path
# of the redactor can hide them (the token-shape regexes cannot).
VK_SECRET = "QA9vkSECRETtokenXYZZY"
VK_USER_SECRET = "QA9vkUSERsecretPLUGH"
TG_SECRET = "424242:QA9tgSECRETfrotz"
TG_ID = 424242


# -- a fault-injecting reverse proxy --------------------------------------------------------

class FaultProxy:
    """HTTP reverse proxy in front of an emulator. `rule(name, "drop"|"lost"|status, times)`
    makes the next calls whose path ends with `/name` fail: "drop" cuts the connection before
    the platform sees the request, "lost" forwards it and then cuts the connection (done, but
    the answer is lost), a status returns that HTTP error with a short body. Everything else is
    forwarded."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.rules: dict[str, list[Any]] = {}
        self.hits: Counter[str] = Counter()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rule(self, name: str, what: Any, times: int = 1) -> None:
        self.rules.setdefault(name, []).extend([what] * times)

    async def start(self) -> FaultProxy:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._session = aiohttp.ClientSession()
        return self

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        name = request.path.rsplit("/", 1)[-1]
        body = await request.read()
        queue = self.rules.get(name)
        what = queue.pop(0) if queue else None
        if what is not None and what != "lost":
            self.hits[name] += 1
            if what == "drop":
                assert request.transport is not None
                request.transport.abort()
                raise asyncio.CancelledError
            # What nginx in front of api.telegram.org / api.vk.com answers: an HTML page.
            return web.Response(status=int(what), content_type="text/html",
                                text=f"<html><head><title>{what}</title></head><body><center>"
                                     f"<h1>{what} injected</h1></center><hr><center>nginx"
                                     "</center></body></html>")
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() not in ("host", "content-length", "transfer-encoding")}
        async with self._session.request(request.method, self.upstream + request.path_qs,
                                         data=body, headers=headers) as upstream:
            data = await upstream.read()
            if what == "lost":  # the platform did it, but the answer never arrives
                self.hits[name] += 1
                assert request.transport is not None
                request.transport.abort()
                raise asyncio.CancelledError
            return web.Response(status=upstream.status, body=data,
                                content_type=upstream.content_type)


@pytest.fixture
def log_stream() -> AsyncIterator[io.StringIO]:
    """The bot's own log output (the formatter owners see), at DEBUG."""
    stream = io.StringIO()
    yield stream  # type: ignore[misc]
    setup_logging("WARNING", stream=io.StringIO())


def _leaks(secret: str, *, stream: io.StringIO, caplog: pytest.LogCaptureFixture,
           folder: Path, sent: list[str]) -> list[str]:
    """Where `secret` shows up: the bot's log, raw log records, the database, chat messages."""
    where = []
    if secret in stream.getvalue():
        line = next(x for x in stream.getvalue().splitlines() if secret in x)
        where.append(f"bot log: {line[:300]}")
    for record in caplog.records:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += " " + repr(record.exc_info[1]) + " " + str(record.exc_info[1])
        if secret in text:
            where.append(f"raw log record {record.name}: {text[:300]}")
            break
    for path in folder.glob("*.db*"):
        if secret.encode() in path.read_bytes():
            where.append(f"database file {path.name}")
    for text in sent:
        if secret in text:
            where.append(f"chat message: {text[:200]}")
    return where


# -- VK plumbing ----------------------------------------------------------------------------

FAQ_EN = """
[[faq]]
id = "price"
lang = "en"
questions = ["How much does the course cost?", "What is the price of the course?"]
answer = "The course costs 500 rub per month."
"""


def _vk_text(emulator: VkEmulator, *, api_base: str | None = None, extra: str = "",
             community_extra: str = "", faq: bool = True) -> str:
    return textwrap.dedent(f"""\
        [database]
        url = "sqlite+aiosqlite:///modbot.db"

        [vk]
        token = "{emulator.token}"
        group_id = {emulator.group_id}
        user_token = "{emulator.user_token}"
        api_base = "{api_base or emulator.api_base}"
        poll_wait = 1
        {extra}

        [[community]]
        name = "demo"
        language = "en"
        timezone = "UTC"
        chats = ["vk:{CHAT}", "vk:wall"]
        moderators = ["vk:{MODERATOR}"]
        queue = "vk:{QUEUE}"
        {'faq = "faq.toml"' if faq else ''}
        {community_extra}
        """)


async def _vk_bot(emulator: VkEmulator, tmp_path: Path, clock: FakeClock, **kw: Any) -> RunningBot:
    (tmp_path / "faq.toml").write_text(textwrap.dedent(FAQ_EN), encoding="utf-8")
    config = write_vk_config(tmp_path, _vk_text(emulator, **kw))
    running = RunningBot(config, clock, emulator)
    await running.start()
    return running


async def _vk_settle(emulator: VkEmulator) -> None:
    """Everything posted so far went through: a witness's /help in the chat got its answer."""
    cmid = emulator.post_message(CHAT, 4242, "/help")
    await emulator.wait_for(lambda: any(m.reply_to == cmid for m in emulator.sent(CHAT)))


async def _vk_tried(emulator: VkEmulator, method: str) -> None:
    """The bot has made its first try of ``method`` (refused or not): the event is in."""
    await emulator.wait_for(lambda: [c for c in emulator.calls if c.method == method])


async def _retry_until(bot: RunningBot, clock: FakeClock, done: Callable[[], bool], *,
                       step: timedelta, limit: int = 20) -> None:
    """Move the injected clock on a step at a time and run the outbox until ``done()``: a
    retry handed back to the outbox is due a little later, never on a timer of the test's."""
    assert bot.app is not None
    for _ in range(limit):
        if done():
            return
        clock.advance(step)
        await bot.app.pipeline.drain()
    assert done()


def _vk_all_sent(emulator: VkEmulator) -> list[str]:
    return [m.text for m in emulator.sent()] + [c["text"] for c in emulator.comments.values()]


@pytest.fixture
async def secret_vk() -> AsyncIterator[VkEmulator]:
    emu = await VkEmulator(token=VK_SECRET, user_token=VK_USER_SECRET).start()
    yield emu
    await emu.close()


# == 1. Tokens never leak ===================================================================

async def test_vk_tokens_never_reach_logs_db_or_chats_whatever_vk_answers(
        secret_vk: VkEmulator, tmp_path: Path, clock: FakeClock, log_stream: io.StringIO,
        caplog: pytest.LogCaptureFixture) -> None:
    emulator = secret_vk
    proxy = await FaultProxy(emulator.base_url).start()
    try:
        (tmp_path / "faq.toml").write_text(textwrap.dedent(FAQ_EN), encoding="utf-8")
        config = write_vk_config(tmp_path, _vk_text(emulator, api_base=proxy.base + "/method/"))
        setup_logging("DEBUG", secrets=config.secrets, stream=log_stream)
        caplog.set_level(logging.DEBUG)
        # Start-up: the long-poll server is refused, then the connection drops, then 500.
        proxy.rule("groups.getLongPollServer", 403)
        proxy.rule("groups.getLongPollServer", "drop")
        proxy.rule("groups.getLongPollServer", 500)
        proxy.rule("messages.send", 500)
        proxy.rule("messages.send", "drop")
        proxy.rule("messages.send", 404)
        proxy.rule("messages.delete", "drop")
        proxy.rule("wall.createComment", 500)
        proxy.rule("wall.createComment", "drop")
        proxy.rule("groups.ban", 403)
        emulator.fail("messages.send", 5)  # "invalid access_token" once, answered by VK itself
        emulator.fail("wall.createComment", 15)
        bot = RunningBot(config, clock, emulator)
        await bot.start()
        try:
            emulator.add_members(CHAT, SPAMMER)
            emulator.post_message(CHAT, MEMBER, "/help")
            emulator.post_message(CHAT, SPAMMER, OBSCENE)
            emulator.post_comment(1, MEMBER, "How much does the course cost?")
            bad = emulator.post_message(CHAT, SPAMMER, "spam spam")
            emulator.post_message(CHAT, MODERATOR, "!ban 1d spam", reply_to=bad)
            await emulator.wait_for(lambda: proxy.hits.get("groups.ban", 0) >= 1)
            for _ in range(8):  # the outbox retries what it put back, a minute later each
                clock.advance(timedelta(minutes=1))
                assert bot.app is not None
                await bot.app.pipeline.drain()
            await _vk_settle(emulator)
        finally:
            await bot.stop()
    finally:
        await proxy.close()
    assert sum(proxy.hits.values()) >= 6, f"faults were not exercised: {proxy.hits}"
    leaks = []
    for secret in (VK_SECRET, VK_USER_SECRET):
        leaks += _leaks(secret, stream=log_stream, caplog=caplog, folder=tmp_path,
                        sent=_vk_all_sent(emulator))
    assert leaks == [], "a VK token leaked:\n" + "\n".join(leaks)


# == 2. Rate limits and 5xx: delayed, never lost, never doubled ==============================

@pytest.mark.parametrize("code", [6, 9])
async def test_vk_faq_answer_hit_by_rate_limit_arrives_exactly_once(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock, code: int) -> None:
    bot = await _vk_bot(emulator, tmp_path, clock)
    try:
        emulator.fail("messages.send", code, times=2)
        cmid = emulator.post_message(CHAT, MEMBER, "How much does the course cost?")
        await _vk_tried(emulator, "messages.send")
        # error 9 hands the send back to the outbox for 30 s
        await _retry_until(bot, clock, lambda: any(m.reply_to == cmid
                                                   for m in emulator.sent(CHAT)),
                           step=timedelta(seconds=40))
        await _vk_settle(emulator)
    finally:
        await bot.stop()
    answers = [m for m in emulator.sent(CHAT) if m.reply_to == cmid]
    assert len(answers) == 1 and "500 rub" in answers[0].text


@pytest.mark.parametrize("code", [6, 9])
async def test_vk_obscene_message_under_rate_limit_is_deleted_and_warned_once(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock, code: int) -> None:
    bot = await _vk_bot(emulator, tmp_path, clock)
    try:
        emulator.add_members(CHAT, SPAMMER)
        emulator.fail("messages.delete", code)
        emulator.fail("messages.send", code, after_effect=True)  # sent, but the answer is lost
        first = emulator.post_message(CHAT, SPAMMER, OBSCENE)
        await _vk_tried(emulator, "messages.delete")
        await _retry_until(bot, clock, lambda: bool(
            [m for m in emulator.sent(CHAT) if "Warning 1 of 4" in m.text]
            and emulator.peer(CHAT).messages[first - 1].deleted), step=timedelta(seconds=40))
        # the chat's later messages wait behind the warning's retry (its answer was lost):
        # the witness's answer comes once that retry is done, and no second warning with it
        witness = emulator.post_message(CHAT, 4242, "/help")
        assert bot.app is not None
        for _ in range(20):
            if any(m.reply_to == witness for m in emulator.sent(CHAT)):
                break
            clock.advance(timedelta(seconds=40))
            await bot.app.pipeline.drain()
            await asyncio.sleep(0.02)
        assert any(m.reply_to == witness for m in emulator.sent(CHAT))
    finally:
        await bot.stop()
    assert emulator.peer(CHAT).messages[first - 1].deleted
    warnings = [m for m in emulator.sent(CHAT) if "Warning" in m.text]
    assert len(warnings) == 1, [m.text for m in warnings]
    assert "Warning 1 of 4" in warnings[0].text


async def test_vk_scheduled_wall_post_hit_by_5xx_then_success_is_published_once(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    proxy = await FaultProxy(emulator.base_url).start()
    when = (clock.now() + timedelta(minutes=10)).strftime("%Y-%m-%d %H:%M")
    bot = await _vk_bot(emulator, tmp_path, clock, api_base=proxy.base + "/method/",
                        community_extra=textwrap.dedent(f"""
                            [[community.schedule]]
                            at = "{when}"
                            text = "Open lesson tonight at 19:00"
                            chats = ["vk:wall"]
                            """))
    try:
        proxy.rule("wall.post", 502)
        proxy.rule("wall.post", 500)
        proxy.rule("wall.post", "drop")
        from bot.features.schedule import service_for
        assert bot.app is not None
        service = service_for(bot.app)
        for _ in range(12):
            clock.advance(timedelta(minutes=2))
            await service.run_due(clock.now())
            await bot.app.pipeline.drain()
        await _vk_settle(emulator)
    finally:
        await bot.stop()
        await proxy.close()
    posts = [p for p in emulator.posts.values() if "Open lesson" in p.get("message", "")]
    assert proxy.hits["wall.post"] >= 1
    assert len(posts) == 1, f"published {len(posts)} times"


# == 3. Long poll failures ===================================================================

async def test_vk_longpoll_key_expiring_twice_in_a_row_loses_and_doubles_nothing(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    bot = await _vk_bot(emulator, tmp_path, clock)
    try:
        one = emulator.post_message(CHAT, MEMBER, "/help")
        await emulator.wait_for(lambda: any(m.reply_to == one for m in emulator.sent(CHAT)))
        emulator.fail_longpoll(2)
        emulator.fail_longpoll(2)
        two = emulator.post_message(CHAT, MEMBER, "/help")
        emulator.fail_longpoll(1)
        three = emulator.post_message(CHAT, MEMBER, "!help")
        await emulator.wait_for(lambda: {m.reply_to for m in emulator.sent(CHAT)} >=
                                {one, two, three})
        await _vk_settle(emulator)
    finally:
        await bot.stop()
    replies = Counter(m.reply_to for m in emulator.sent(CHAT) if m.reply_to in (one, two, three))
    assert replies == Counter([one, two, three])


async def test_vk_getlongpollserver_failing_on_restart_loses_nothing_posted_meanwhile(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    first = await _vk_bot(emulator, tmp_path, clock)
    one = emulator.post_message(CHAT, MEMBER, "/help")
    await emulator.wait_for(lambda: any(m.reply_to == one for m in emulator.sent(CHAT)))
    await first.stop()
    emulator.fail("groups.getLongPollServer", 10, times=4)  # VK is having a bad minute
    two = emulator.post_message(CHAT, MEMBER, "/help")
    bot = RunningBot(first.config, clock, emulator)
    await bot.start(wait_polling=False)
    try:
        three = emulator.post_message(CHAT, MEMBER, "!help")
        await emulator.wait_for(lambda: {m.reply_to for m in emulator.sent(CHAT)} >=
                                {one, two, three})
        await _vk_settle(emulator)
    finally:
        await bot.stop()
    replies = Counter(m.reply_to for m in emulator.sent(CHAT) if m.reply_to in (one, two, three))
    assert replies == Counter([one, two, three])


async def test_vk_failed_3_with_a_server_ts_behind_what_was_handled_does_not_act_twice(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    bot = await _vk_bot(emulator, tmp_path, clock)
    try:
        emulator.add_members(CHAT, SPAMMER)
        bad = emulator.post_message(CHAT, SPAMMER, OBSCENE)
        asked = emulator.post_message(CHAT, MEMBER, "How much does the course cost?")
        await emulator.wait_for(lambda: [m for m in emulator.sent(CHAT) if "Warning" in m.text]
                                and any(m.reply_to == asked for m in emulator.sent(CHAT)))
        # VK loses key and ts and its fresh server hands out a ts from before that batch
        # (history replayed): the bot has already handled those events.
        real = emulator._m_groups_getLongPollServer
        replayed = []

        def stale(p: dict[str, str]) -> Any:
            answer = real(p)
            if not replayed:
                replayed.append(True)
                answer["ts"] = str(emulator.ts_offset)
            return answer

        emulator._m_groups_getLongPollServer = stale  # type: ignore[method-assign]
        servers = len(emulator.calls_to("groups.getLongPollServer"))
        emulator.fail_longpoll(3)
        await emulator.wait_for(
            lambda: len(emulator.calls_to("groups.getLongPollServer")) > servers)
        await _vk_settle(emulator)
        await _vk_settle(emulator)
    finally:
        await bot.stop()
    warnings = [m for m in emulator.sent(CHAT) if "Warning" in m.text]
    assert len(warnings) == 1, [m.text for m in warnings]
    assert len([m for m in emulator.sent(CHAT) if m.reply_to == asked]) == 1
    assert len(emulator.calls_to("messages.delete")) == 1
    assert emulator.peer(CHAT).messages[bad - 1].deleted


# == 4. Boundaries: only configured chats ====================================================

async def test_vk_private_chatter_from_a_stranger_gets_at_most_one_short_reply(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    bot = await _vk_bot(emulator, tmp_path, clock)
    stranger = 31337
    try:
        for text in ("hello", "hi there", "are you a bot", "ok bye", "hello?"):
            emulator.post_private(stranger, text)
        await _vk_settle(emulator)
        await _vk_settle(emulator)
    finally:
        await bot.stop()
    said = emulator.sent(stranger)
    assert len(said) <= 1, [m.text for m in said]
    assert all(len(m.text) <= 400 for m in said)


async def test_vk_obscene_private_message_is_not_punished_in_the_community(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    bot = await _vk_bot(emulator, tmp_path, clock)
    stranger = 31338
    try:
        emulator.add_members(CHAT, stranger)
        emulator.post_private(stranger, OBSCENE)
        emulator.post_private(stranger, OBSCENE_2)
        emulator.post_private(stranger, OBSCENE)
        await _vk_settle(emulator)
        await _vk_settle(emulator)
    finally:
        await bot.stop()
    assert stranger in emulator.peer(CHAT).members, "removed from the community chat"
    assert stranger not in emulator.bans
    assert not emulator.calls_to("messages.removeChatUser")


async def test_vk_moderator_command_in_an_unconfigured_chat_does_nothing(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    bot = await _vk_bot(emulator, tmp_path, clock, extra="leave_unknown_chats = false")
    stranger_chat = 2_000_000_055
    try:
        emulator.set_admins(stranger_chat, MODERATOR)
        emulator.add_members(stranger_chat, SPAMMER)
        bad = emulator.post_message(stranger_chat, SPAMMER, "hello")
        emulator.post_message(stranger_chat, MODERATOR, "!ban 1d", reply_to=bad)
        emulator.post_message(stranger_chat, MODERATOR, "/warn", reply_to=bad)
        emulator.post_message(stranger_chat, SPAMMER, OBSCENE)
        emulator.post_message(stranger_chat, MEMBER, "How much does the course cost?")
        await _vk_settle(emulator)
        await _vk_settle(emulator)
    finally:
        await bot.stop()
    assert emulator.sent(stranger_chat) == []
    assert SPAMMER not in emulator.bans
    assert not emulator.calls_to("messages.delete")
    assert not emulator.calls_to("groups.ban")


# == 5. VK permissions =======================================================================

async def test_vk_forwarded_moderator_ban_is_not_executed(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    bot = await _vk_bot(emulator, tmp_path, clock)
    try:
        emulator.add_members(CHAT, SPAMMER)
        bad = emulator.post_message(CHAT, SPAMMER, "hello")
        # A member forwards a moderator's old "!ban" into the chat, in reply to the victim.
        msg = _raw_message(emulator, CHAT, MEMBER, "", reply_to=bad,
                           fwd=[{"from_id": MODERATOR, "text": "!ban 1d spam", "date": 0}])
        # A moderator forwards someone's "/ban" (a quote) with no text of their own.
        msg2 = _raw_message(emulator, CHAT, MODERATOR, "", reply_to=bad,
                            fwd=[{"from_id": MEMBER, "text": "/ban", "date": 0}])
        assert msg and msg2
        await _vk_settle(emulator)
        await _vk_settle(emulator)
    finally:
        await bot.stop()
    assert not emulator.calls_to("groups.ban")
    assert not emulator.calls_to("messages.removeChatUser")
    assert SPAMMER in emulator.peer(CHAT).members


def _raw_message(emulator: VkEmulator, peer_id: int, from_id: int, text: str, *,
                 reply_to: int | None = None, fwd: list[dict[str, Any]] | None = None) -> int:
    """post_message with a hand-made fwd_messages list (the emulator's helper fixes from_id)."""
    cmid = emulator.post_message(peer_id, from_id, text, reply_to=reply_to)
    update = emulator.updates[-1]
    update["object"]["message"]["fwd_messages"] = fwd or []
    return cmid


async def test_vk_another_community_cannot_run_moderator_commands(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    bot = await _vk_bot(emulator, tmp_path, clock)
    other_club = -99
    try:
        emulator.add_members(CHAT, SPAMMER)
        emulator.set_admins(CHAT, other_club)  # a chat-bot community that is a chat admin
        bad = emulator.post_message(CHAT, SPAMMER, "hello")
        emulator.post_message(CHAT, other_club, "!ban 1d", reply_to=bad)
        emulator.post_message(CHAT, other_club, "/mute 10m", reply_to=bad)
        emulator.post_message(CHAT, other_club, f"/ban vk:{SPAMMER}")
        await _vk_settle(emulator)
        await _vk_settle(emulator)
    finally:
        await bot.stop()
    assert not emulator.calls_to("groups.ban")
    assert not emulator.calls_to("messages.removeChatUser")
    assert SPAMMER in emulator.peer(CHAT).members


async def test_vk_member_ban_by_id_mention_is_refused(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    bot = await _vk_bot(emulator, tmp_path, clock)
    try:
        emulator.add_members(CHAT, SPAMMER)
        emulator.post_message(CHAT, MEMBER, f"!ban [id{SPAMMER}|Spammer] 1d")
        emulator.post_message(CHAT, MEMBER, f"/ban vk:{SPAMMER}")
        emulator.post_message(CHAT, MEMBER, f"/kick {SPAMMER}")
        await _vk_settle(emulator)
    finally:
        await bot.stop()
    assert not emulator.calls_to("groups.ban")
    assert not emulator.calls_to("messages.removeChatUser")
    refusals = [m for m in emulator.sent(CHAT) if "only moderators" in m.text]
    assert len(refusals) == 1


async def test_vk_member_cannot_act_on_tickets_by_text_in_the_queue(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    bot = await _vk_bot(emulator, tmp_path, clock)
    try:
        emulator.add_members(CHAT, SPAMMER)
        emulator.add_members(QUEUE, MEMBER)
        bad = emulator.post_message(CHAT, SPAMMER, "buy crypto here")
        emulator.post_message(CHAT, MEMBER, "!report spam", reply_to=bad)
        await emulator.wait_for(lambda: [m for m in emulator.sent(QUEUE) if "#1" in m.text])
        emulator.post_message(QUEUE, MEMBER, "/take 1")
        emulator.post_message(QUEUE, MEMBER, "/resolve #1 done")
        emulator.post_message(QUEUE, MEMBER, "!reject 1")
        await _vk_settle(emulator)
        await _vk_settle(emulator)
    finally:
        await bot.stop()
    ticket = _rows(tmp_path, "select state, claimed_by from tickets where number = 1")
    assert ticket == [("new", None)], ticket


def _rows(folder: Path, query: str) -> list[tuple[Any, ...]]:
    import sqlite3
    with sqlite3.connect(folder / "modbot.db") as db:
        return list(db.execute(query))


async def test_vk_faq_answer_whose_response_is_lost_arrives_exactly_once(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    proxy = await FaultProxy(emulator.base_url).start()
    bot = await _vk_bot(emulator, tmp_path, clock, api_base=proxy.base + "/method/")
    try:
        proxy.rule("messages.send", "lost", times=2)
        cmid = emulator.post_message(CHAT, MEMBER, "How much does the course cost?")
        await emulator.wait_for(lambda: proxy.hits["messages.send"] >= 1)  # the first try
        await _retry_until(bot, clock, lambda: any(m.reply_to == cmid
                                                   for m in emulator.sent(CHAT))
                           and proxy.hits["messages.send"] >= 2, step=timedelta(seconds=30))
        for _ in range(5):  # any further retry would be due by now
            clock.advance(timedelta(minutes=1))
            assert bot.app is not None
            await bot.app.pipeline.drain()
        await _vk_settle(emulator)
    finally:
        await bot.stop()
        await proxy.close()
    answers = [m for m in emulator.sent(CHAT) if m.reply_to == cmid]
    assert len(answers) == 1, [m.text for m in answers]


# == 6. Restart durability (VK) ==============================================================

async def test_vk_kill_mid_ladder_keeps_the_warning_and_the_next_step_follows(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    bot = await _vk_bot(emulator, tmp_path, clock)
    emulator.add_members(CHAT, SPAMMER)
    emulator.post_message(CHAT, SPAMMER, OBSCENE)
    await emulator.wait_for(lambda: [m for m in emulator.sent(CHAT) if "Warning 1 of 4" in m.text])
    await bot.kill()
    again = RunningBot(after_crash(bot.config), clock, emulator, instance_id="vk-test-2")
    clock.advance(timedelta(minutes=10))  # the dead instance's lease has run out
    await again.start()
    try:
        second = emulator.post_message(CHAT, SPAMMER, OBSCENE_2)
        await emulator.wait_for(lambda: [m for m in emulator.sent(CHAT) if "Warning 2" in m.text]
                                or [m for m in emulator.sent(CHAT) if "Warning 1 of 4" in m.text
                                    and m.cmid > second], timeout=30)
        await _vk_settle(emulator)
    finally:
        await again.stop()
    warnings = [m.text for m in emulator.sent(CHAT) if "Warning" in m.text]
    assert len(warnings) == 2 and "Warning 2 of 4" in warnings[1], warnings
    assert emulator.calls_to("messages.removeChatUser"), "step 2 (mute → removal) not applied"


async def test_vk_kill_after_a_claim_the_ticket_is_still_claimed_by_the_same_moderator(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    other_mod = 901
    bot = await _vk_bot(emulator, tmp_path, clock,
                        community_extra="")
    emulator.add_members(CHAT, SPAMMER)
    bad = emulator.post_message(CHAT, SPAMMER, "buy crypto here")
    emulator.post_message(CHAT, MEMBER, "!report spam", reply_to=bad)
    card = (await emulator.wait_for(lambda: [m for m in emulator.sent(QUEUE) if "#1" in m.text]))[0]
    emulator.post_message(QUEUE, MODERATOR, "/take 1")
    await emulator.wait_for(lambda: "claimed" in emulator.sent(QUEUE)[0].text.lower())
    await bot.kill()
    assert _rows(tmp_path, "select state, claimed_by from tickets where number = 1") == \
        [("claimed", f"vk:{MODERATOR}")]
    again = RunningBot(bot.config, clock, emulator, instance_id="vk-test-2")
    clock.advance(timedelta(minutes=10))
    await again.start()
    try:
        asked = emulator.post_message(QUEUE, MODERATOR, "/queue")
        listing = await emulator.wait_for(
            lambda: [m for m in emulator.sent(QUEUE) if m.reply_to == asked])
        await _vk_settle(emulator)
    finally:
        await again.stop()
    assert "#1" in listing[0].text
    assert _rows(tmp_path, "select state, claimed_by from tickets where number = 1") == \
        [("claimed", f"vk:{MODERATOR}")]
    assert "claimed" in emulator.sent(QUEUE)[0].text.lower()
    assert card.cmid == emulator.sent(QUEUE)[0].cmid
    del other_mod


# == Telegram =================================================================================

TG_GROUP = -1001
TG_QUEUE = -2002
TG_ADMIN = 700
TG_MEMBER = 111
TG_WITNESS = 333

FAQ_TG = """
[[faq]]
id = "pay"
lang = "en"
questions = ["How do I pay for the course?", "Can I pay by card?"]
answer = "Pay by card on the website or by bank transfer."
"""


def _tg_config(folder: Path, api_base: str, token: str, *, extra_telegram: str = "",
               community_extra: str = "") -> LoadedConfig:
    (folder / "faq.toml").write_text(textwrap.dedent(FAQ_TG), encoding="utf-8")
    text = textwrap.dedent(f"""
        [database]
        url = "sqlite+aiosqlite:///modbot.db"

        [telegram]
        token = "{token}"
        api_base = "{api_base}"
        poll_timeout = 1
        {extra_telegram}

        [[community]]
        name = "demo"
        language = "en"
        timezone = "UTC"
        faq = "faq.toml"
        chats = ["telegram:{TG_GROUP}"]
        moderators = ["telegram:900"]
        queue = "telegram:{TG_QUEUE}"
        {community_extra}
        """)
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


@pytest.fixture
def tg_clock() -> FakeClock:
    return wall_clock()


@pytest.fixture
async def tg_emu() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(TG_SECRET) as emu:
        emu.group(TG_GROUP, title="Demo", admins=(TG_ADMIN,))
        emu.group(TG_QUEUE, title="Queue", admins=(TG_ADMIN,))
        yield emu


@pytest.fixture
async def tg_app(tmp_path: Path, tg_emu: TelegramEmulator,
                 tg_clock: FakeClock) -> AsyncIterator[Callable[..., Any]]:
    apps: list[App] = []

    async def make(api_base: str | None = None, **parts: str) -> App:
        config = _tg_config(tmp_path, api_base or tg_emu.api_base, TG_SECRET, **parts)
        built = await create_app(config, clock=tg_clock, instance_id=f"qa9-{len(apps)}")
        apps.append(built)
        return built

    yield make
    for built in apps:
        await built.close()


def _tg_all_sent(emu: TelegramEmulator) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in emu.sent_messages()]


async def test_telegram_token_never_reaches_logs_db_or_chats_whatever_telegram_answers(
        tg_app, tg_emu: TelegramEmulator, tmp_path: Path, log_stream: io.StringIO,
        caplog: pytest.LogCaptureFixture) -> None:
    emu = tg_emu
    proxy = await FaultProxy(emu.api_base).start()
    try:
        app = await tg_app(api_base=proxy.base)
        setup_logging("DEBUG", secrets=app.config.secrets, stream=log_stream)
        caplog.set_level(logging.DEBUG)
        for rule in (500, "drop", 502):
            proxy.rule("getUpdates", rule)
        emu.fail_next("getUpdates", status=401, description="Unauthorized")
        for rule in (500, "drop", 404):
            proxy.rule("sendMessage", rule)
        emu.fail_next("sendMessage", status=403, description="Forbidden: bot was kicked")
        proxy.rule("deleteMessage", "drop")
        proxy.rule("deleteMessage", 500)
        proxy.rule("restrictChatMember", "drop")
        proxy.rule("restrictChatMember", 500)
        proxy.rule("restrictChatMember", 403)
        fake = FakeTime()
        async with TgBot(app, fast_options(fake)):
            emu.user_message(TG_GROUP, TG_MEMBER, "/help")
            bad = emu.user_message(TG_GROUP, TG_MEMBER, OBSCENE)
            spam = emu.user_message(TG_GROUP, 222, "spam spam")
            emu.user_message(TG_GROUP, TG_ADMIN, "/mute 10m", reply_to=spam["message_id"])
            emu.user_message(TG_GROUP, TG_MEMBER, "How do I pay for the course?")
            await emu.wait_for(lambda: emu.is_deleted(TG_GROUP, bad["message_id"]), timeout=20,
                               what="the obscene message deleted")
            await settle(emu, TG_GROUP)
    finally:
        await proxy.close()
    assert sum(proxy.hits.values()) >= 6, f"faults were not exercised: {proxy.hits}"
    leaks = _leaks(TG_SECRET, stream=log_stream, caplog=caplog, folder=tmp_path,
                   sent=_tg_all_sent(emu))
    leaks += _leaks(TG_SECRET.split(":", 1)[1], stream=log_stream, caplog=caplog,
                    folder=tmp_path, sent=_tg_all_sent(emu))
    assert leaks == [], "the Telegram token leaked:\n" + "\n".join(leaks)


async def test_telegram_unreachable_server_errors_do_not_carry_the_token(
        tg_app, tg_emu: TelegramEmulator, tmp_path: Path, log_stream: io.StringIO,
        caplog: pytest.LogCaptureFixture) -> None:
    """Nothing listens at api_base at all (a typo, a dead self-hosted server): every call
    fails with aiohttp connection errors, which are known to carry the request URL."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    app = await tg_app(api_base=f"http://127.0.0.1:{dead}")
    setup_logging("DEBUG", secrets=app.config.secrets, stream=log_stream)
    caplog.set_level(logging.DEBUG)
    fake = FakeTime()
    bot = TgBot(app, fast_options(fake))
    async with bot:
        await tg_emu.wait_for(lambda: len([r for r in caplog.records
                                           if "poll_error" in r.getMessage()]) >= 3,
                              timeout=15, what="a few failed polls")
    leaks = _leaks(TG_SECRET, stream=log_stream, caplog=caplog, folder=tmp_path, sent=[])
    assert leaks == [], "the Telegram token leaked:\n" + "\n".join(leaks)


async def test_telegram_revoked_token_then_restored_the_bot_keeps_polling(
        tg_app, tg_emu: TelegramEmulator) -> None:
    emu = tg_emu
    app = await tg_app()
    fake = FakeTime()
    async with TgBot(app, fast_options(fake)):
        await settle(emu, TG_GROUP)
        emu.fail_next("getUpdates", 3, status=401, description="Unauthorized")
        await emu.wait_for(lambda: not emu.faults.get("getUpdates"), what="the 401s served")
        asked = emu.user_message(TG_GROUP, TG_MEMBER, "/help")
        await emu.wait_for(lambda: replies_to(emu, TG_GROUP, asked["message_id"]), timeout=10,
                           what="an answer after the 401s")


async def test_telegram_faq_answer_hit_by_429_then_500_arrives_once(
        tg_app, tg_emu: TelegramEmulator) -> None:
    emu = tg_emu
    app = await tg_app()
    fake = FakeTime()
    emu.fail_next("sendMessage", status=429, retry_after=5)
    emu.fail_next("sendMessage", status=500)
    async with TgBot(app, fast_options(fake)):
        asked = emu.user_message(TG_GROUP, TG_MEMBER, "How do I pay for the course?")
        await emu.wait_for(lambda: replies_to(emu, TG_GROUP, asked["message_id"]), timeout=10,
                           what="the FAQ answer")
        await settle(emu, TG_GROUP)
    answers = replies_to(emu, TG_GROUP, asked["message_id"])
    assert answers == ["Pay by card on the website or by bank transfer."]


async def test_telegram_faq_answer_whose_response_is_lost_still_arrives(
        tg_app, tg_emu: TelegramEmulator) -> None:
    """The connection drops after Telegram took the message. The Bot API has no idempotency
    key (VK's random_id has no Telegram twin), so a reply is either resent or possibly lost.
    A reply is resent: a member who asked must get the answer, and a rare second copy is the
    lesser harm. (Scheduled posts choose the other way: not resent, the queue is told.)"""
    emu = tg_emu
    proxy = await FaultProxy(emu.api_base).start()
    try:
        app = await tg_app(api_base=proxy.base)
        fake = FakeTime()
        async with TgBot(app, fast_options(fake)):
            await settle(emu, TG_GROUP)
            proxy.rule("sendMessage", "lost")
            asked = emu.user_message(TG_GROUP, TG_MEMBER, "How do I pay for the course?")
            await emu.wait_for(lambda: replies_to(emu, TG_GROUP, asked["message_id"]),
                               timeout=10, what="the FAQ answer")
            await settle(emu, TG_GROUP)
            await settle(emu, TG_GROUP)
    finally:
        await proxy.close()
    answers = replies_to(emu, TG_GROUP, asked["message_id"])
    assert 1 <= len(answers) <= 2, answers
    assert set(answers) == {"Pay by card on the website or by bank transfer."}, answers


async def _publish_webinar_through_faults(
        tg_app: Callable[..., Awaitable[App]], emu: TelegramEmulator, clock: FakeClock,
        faults: Callable[[TelegramEmulator, FaultProxy], object]) -> FaultProxy:
    """A config post due in 10 minutes, the faults set once the bot runs, then twenty minutes
    of scheduler rounds and outbox drains on the injected clocks; returns the (closed) proxy
    for its hit counts."""
    from bot.features.schedule import service_for

    proxy = await FaultProxy(emu.api_base).start()
    when = (clock.now() + timedelta(minutes=10)).strftime("%Y-%m-%d %H:%M")
    try:
        app = await tg_app(api_base=proxy.base, community_extra=textwrap.dedent(f"""
            [[community.schedule]]
            at = "{when}"
            text = "Webinar starts now!"
            """))
        fake = FakeTime()
        async with TgBot(app, fast_options(fake)):
            await settle(emu, TG_GROUP)
            faults(emu, proxy)
            service = service_for(app)
            for _ in range(10):
                clock.advance(timedelta(minutes=2))
                fake.now += 120
                await service.run_due(clock.now())
                await app.pipeline.drain()
            await settle(emu, TG_GROUP)
    finally:
        await proxy.close()
    return proxy


async def test_telegram_scheduled_post_hit_by_429_and_5xx_is_published_once(
        tg_app, tg_emu: TelegramEmulator, tg_clock: FakeClock) -> None:
    def faults(emu: TelegramEmulator, _proxy: FaultProxy) -> None:
        emu.fail_next("sendMessage", status=429, retry_after=2)
        emu.fail_next("sendMessage", 2, status=500)

    emu = tg_emu
    await _publish_webinar_through_faults(tg_app, emu, tg_clock, faults)
    assert len(emu.calls_of("sendMessage", ok=False)) == 3
    assert emu.sent_texts(TG_GROUP).count("Webinar starts now!") == 1


async def test_telegram_scheduled_post_whose_response_is_lost_is_never_published_twice(
        tg_app, tg_emu: TelegramEmulator, tg_clock: FakeClock) -> None:
    emu = tg_emu
    await _publish_webinar_through_faults(
        tg_app, emu, tg_clock, lambda _emu, proxy: proxy.rule("sendMessage", "lost"))
    count = emu.sent_texts(TG_GROUP).count("Webinar starts now!")
    told = [t for t in emu.sent_texts(TG_QUEUE) if "Webinar" in t or "unknown" in t.lower()
            or "not sure" in t.lower()]
    assert count == 1 or (count == 0 and told), (count, emu.sent_texts(TG_QUEUE))
    assert count <= 1, f"published {count} times"


async def test_telegram_unconfigured_group_with_leave_off_gets_no_action_at_all(
        tg_app, tg_emu: TelegramEmulator) -> None:
    emu = tg_emu
    stranger = -3003
    emu.group(stranger, title="Elsewhere", admins=(TG_ADMIN,))
    app = await tg_app(extra_telegram="leave_unknown_chats = false")
    fake = FakeTime()
    async with TgBot(app, fast_options(fake)):
        target = emu.user_message(stranger, TG_MEMBER, "hi")
        emu.user_message(stranger, TG_ADMIN, "/ban", reply_to=target["message_id"])
        emu.user_message(stranger, TG_ADMIN, "/warn", reply_to=target["message_id"])
        emu.user_message(stranger, TG_MEMBER, OBSCENE)
        emu.user_message(stranger, TG_MEMBER, "How do I pay for the course?")
        emu.user_message(stranger, TG_MEMBER, "/report spam", reply_to=target["message_id"])
        await emu.wait_for(lambda: not emu.pending_updates, what="all confirmed")
        await settle(emu, TG_GROUP)
    assert emu.sent_texts(stranger) == []
    assert emu.sent_texts(TG_QUEUE) == []
    for method in ("banChatMember", "restrictChatMember", "deleteMessage", "leaveChat"):
        assert not emu.calls_of(method), method


async def test_telegram_private_chatter_from_a_stranger_gets_at_most_one_short_reply(
        tg_app, tg_emu: TelegramEmulator) -> None:
    emu = tg_emu
    stranger = 31337
    app = await tg_app()
    fake = FakeTime()
    async with TgBot(app, fast_options(fake)):
        for text in ("hello", "hi there", "are you a bot", "ok bye", "hello?"):
            emu.user_message(stranger, stranger, text)
        emu.user_message(stranger, stranger, OBSCENE)
        await emu.wait_for(lambda: not emu.pending_updates, what="all confirmed")
        await settle(emu, TG_GROUP)
    said = emu.sent_texts(stranger)
    assert len(said) <= 1, said
    assert all(len(t) <= 400 for t in said)
    for method in ("banChatMember", "restrictChatMember"):
        assert not emu.calls_of(method), method


@pytest.mark.parametrize("status", [502, 504])
async def test_telegram_gateway_error_page_on_a_reply_is_retried_and_the_reply_arrives(
        tg_app, tg_emu: TelegramEmulator, status: int) -> None:
    """Telegram's front nginx answers 502/504 with an HTML page, not JSON, during outages."""
    emu = tg_emu
    proxy = await FaultProxy(emu.api_base).start()
    try:
        app = await tg_app(api_base=proxy.base)
        fake = FakeTime()
        async with TgBot(app, fast_options(fake)):
            await settle(emu, TG_GROUP)
            proxy.rule("sendMessage", status)
            asked = emu.user_message(TG_GROUP, TG_MEMBER, "How do I pay for the course?")
            await emu.wait_for(lambda: replies_to(emu, TG_GROUP, asked["message_id"]),
                               timeout=10, what="the FAQ answer after a gateway error")
            await settle(emu, TG_GROUP)
    finally:
        await proxy.close()
    assert proxy.hits["sendMessage"] == 1
    assert replies_to(emu, TG_GROUP, asked["message_id"]) == [
        "Pay by card on the website or by bank transfer."]


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_telegram_scheduled_post_after_a_gateway_error_page_is_published_once(
        tg_app, tg_emu: TelegramEmulator, tg_clock: FakeClock, status: int) -> None:
    emu = tg_emu
    proxy = await _publish_webinar_through_faults(
        tg_app, emu, tg_clock, lambda _emu, proxy: proxy.rule("sendMessage", status))
    assert proxy.hits["sendMessage"] == 1
    told = emu.sent_texts(TG_QUEUE)
    assert not any("<html" in t for t in told), f"raw HTML posted to the queue: {told}"
    assert emu.sent_texts(TG_GROUP).count("Webinar starts now!") == 1, told


async def test_telegram_obscene_message_survives_a_gateway_error_on_delete(
        tg_app, tg_emu: TelegramEmulator) -> None:
    emu = tg_emu
    proxy = await FaultProxy(emu.api_base).start()
    try:
        app = await tg_app(api_base=proxy.base)
        fake = FakeTime()
        async with TgBot(app, fast_options(fake)):
            await settle(emu, TG_GROUP)
            proxy.rule("deleteMessage", 502)
            bad = emu.user_message(TG_GROUP, TG_MEMBER, OBSCENE)
            await emu.wait_for(lambda: emu.is_deleted(TG_GROUP, bad["message_id"]), timeout=10,
                               what="the obscene message deleted after a 502 page")
            await settle(emu, TG_GROUP)
    finally:
        await proxy.close()
    warnings = [t for t in emu.sent_texts(TG_GROUP) if "Warning" in t]
    assert len(warnings) == 1, warnings


async def test_vk_gateway_error_page_on_send_is_retried_and_the_reply_arrives_once(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    proxy = await FaultProxy(emulator.base_url).start()
    bot = await _vk_bot(emulator, tmp_path, clock, api_base=proxy.base + "/method/")
    try:
        proxy.rule("messages.send", 502)
        proxy.rule("messages.send", 504)
        cmid = emulator.post_message(CHAT, MEMBER, "How much does the course cost?")
        await emulator.wait_for(lambda: proxy.hits["messages.send"] >= 1)  # the first try
        await _retry_until(bot, clock, lambda: any(m.reply_to == cmid
                                                   for m in emulator.sent(CHAT)),
                           step=timedelta(seconds=30), limit=15)
        await _vk_settle(emulator)
    finally:
        await bot.stop()
        await proxy.close()
    answers = [m for m in emulator.sent(CHAT) if m.reply_to == cmid]
    assert len(answers) == 1


async def test_vk_kill_with_a_warning_still_in_the_outbox_delivers_it_once_after_restart(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    bot = await _vk_bot(emulator, tmp_path, clock)
    emulator.add_members(CHAT, SPAMMER)
    emulator.fail("messages.send", 9, times=3)  # flood control: the warning waits in the outbox
    bad = emulator.post_message(CHAT, SPAMMER, OBSCENE)
    await emulator.wait_for(lambda: [c for c in emulator.calls
                                     if c.method == "messages.send" and c.error == 9])
    await bot.kill()
    assert not [m for m in emulator.sent(CHAT) if "Warning" in m.text]
    emulator.failures.clear()
    again = RunningBot(after_crash(bot.config), clock, emulator, instance_id="vk-test-2")
    clock.advance(timedelta(minutes=10))
    await again.start()
    try:
        await emulator.wait_for(lambda: [m for m in emulator.sent(CHAT) if "Warning" in m.text])
        for _ in range(3):  # a second copy, if any were queued, would be due by now
            clock.advance(timedelta(minutes=2))
            assert again.app is not None
            await again.app.pipeline.drain()
        await _vk_settle(emulator)
    finally:
        await again.stop()
    warnings = [m.text for m in emulator.sent(CHAT) if "Warning" in m.text]
    assert len(warnings) == 1 and "Warning 1 of 4" in warnings[0], warnings
    assert emulator.peer(CHAT).messages[bad - 1].deleted


# == modbot run as a process: what an owner's terminal / journald sees =========================

async def _faulty_two_network_run(vk: VkEmulator, tmp_path: Path,
                                  level: str = "DEBUG") -> tuple[str, bool, bool]:
    """`modbot run` on both networks behind fault proxies (HTML 5xx pages, dropped
    connections), VK refusing a delete with error 5. Returns (its output, whether the VK
    /help was answered within 30 s, whether the Telegram /help was)."""
    import os
    import signal
    answered_vk = answered_tg = False
    async with TelegramEmulator(TG_SECRET) as tg:
        tg.group(TG_GROUP, title="Demo", admins=(TG_ADMIN,))
        tg.group(TG_QUEUE, title="Queue", admins=(TG_ADMIN,))
        tg_proxy = await FaultProxy(tg.api_base).start()
        vk_proxy = await FaultProxy(vk.base_url).start()
        for rule in (502, "drop", 500):
            tg_proxy.rule("getUpdates", rule)
            tg_proxy.rule("sendMessage", rule)
            vk_proxy.rule("groups.getLongPollServer", rule)
            vk_proxy.rule("messages.send", rule)
        tg.fail_next("deleteMessage", status=401, description="Unauthorized")
        vk.fail("messages.delete", 5)
        config = tmp_path / "config.toml"
        config.write_text(textwrap.dedent(f"""
            [database]
            url = "sqlite+aiosqlite:///modbot.db"

            [logging]
            level = "{level}"

            [telegram]
            token = "${{MODBOT_TELEGRAM_TOKEN}}"
            api_base = "{tg_proxy.base}"
            poll_timeout = 1

            [vk]
            token = "${{MODBOT_VK_TOKEN}}"
            group_id = {vk.group_id}
            user_token = "{VK_USER_SECRET}"
            api_base = "{vk_proxy.base}/method/"
            poll_wait = 1

            [[community]]
            name = "demo"
            language = "en"
            timezone = "UTC"
            chats = ["telegram:{TG_GROUP}", "vk:{CHAT}"]
            moderators = ["telegram:900", "vk:{MODERATOR}"]
            queue = "telegram:{TG_QUEUE}"
            """), encoding="utf-8")
        tests = Path(__file__).parent
        env = {**os.environ, "MODBOT_TELEGRAM_TOKEN": TG_SECRET, "MODBOT_VK_TOKEN": VK_SECRET,
               "PYTHONPATH": os.pathsep.join([str(tests.parent),
                                              os.environ.get("PYTHONPATH", "")])}
        env.pop("MODBOT_LOG_LEVEL", None)
        # To a file, not a pipe: at DEBUG a pipe nobody reads fills up and blocks the bot.
        log_file = (tmp_path / "modbot-run.log").open("wb")
        proc = await forked_modbot.spawn(
            "run", "--config", str(config), env=env, stdout=log_file, stderr=log_file)
        try:
            await vk.wait_for(lambda: vk.calls_to("longpoll.check"), timeout=60)
            vk.add_members(CHAT, SPAMMER)
            vk.post_message(CHAT, SPAMMER, OBSCENE)
            asked_vk = vk.post_message(CHAT, MEMBER, "/help")
            tg.user_message(TG_GROUP, TG_MEMBER, OBSCENE)
            asked_tg = tg.user_message(TG_GROUP, TG_MEMBER, "/help")
            try:
                await vk.wait_for(lambda: any(m.reply_to == asked_vk for m in vk.sent(CHAT)),
                                  timeout=30)
                answered_vk = True
                await tg.wait_for(lambda: replies_to(tg, TG_GROUP, asked_tg["message_id"]),
                                  timeout=30, what="the /help answer")
                answered_tg = True
            except AssertionError:
                pass
        finally:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), 120)
            log_file.close()
            await tg_proxy.close()
            await vk_proxy.close()
    text = (tmp_path / "modbot-run.log").read_text(encoding="utf-8", errors="replace")
    return text, answered_vk, answered_tg


async def test_modbot_run_process_stderr_never_shows_either_token(
        secret_vk: VkEmulator, tmp_path: Path) -> None:
    text, _, _ = await _faulty_two_network_run(secret_vk, tmp_path)
    assert "level=warning" in text and "event=vk.api_error code=5" in text, text[-2000:]
    for secret in (TG_SECRET, TG_SECRET.split(":", 1)[1], VK_SECRET, VK_USER_SECRET):
        lines = [line for line in text.splitlines() if secret in line]
        assert lines == [], f"{secret} printed by modbot run:\n" + "\n".join(lines[:3])


@pytest.mark.parametrize("level", ["DEBUG", "INFO"])
async def test_modbot_run_keeps_answering_on_both_networks_through_platform_faults(
        secret_vk: VkEmulator, tmp_path: Path, level: str) -> None:
    text, answered_vk, answered_tg = await _faulty_two_network_run(secret_vk, tmp_path, level)
    assert answered_vk and answered_tg, (
        f"/help not answered within 30 s (vk={answered_vk}, telegram={answered_tg}); the log "
        f"(see modbot-run.log) goes quiet after: "
        + " | ".join(line[:160] for line in text.splitlines()
                     if "level=debug" not in line)[-1500:])


async def _modbot_run(config: Path, env_extra: dict[str, str],
                      log: Any) -> asyncio.subprocess.Process:
    import os
    tests = Path(__file__).parent
    env = {**os.environ, **env_extra, "PYTHONPATH": os.pathsep.join(
        [str(tests.parent), os.environ.get("PYTHONPATH", "")])}
    env.pop("MODBOT_LOG_LEVEL", None)
    return await forked_modbot.spawn(
        "run", "--config", str(config), env=env, stdout=log, stderr=log)


@pytest.mark.parametrize("code", [925, 5])
@pytest.mark.parametrize("with_telegram", [False, True])
async def test_modbot_run_a_refused_delete_on_vk_does_not_stall_the_bot(
        emulator: VkEmulator, tmp_path: Path, with_telegram: bool, code: int) -> None:
    """The bot lost its admin rights in the VK chat (error 925 on messages.delete): the chat
    is told once, and the bot goes on answering."""
    import signal
    async with TelegramEmulator() as tg:
        tg.group(TG_GROUP, title="Demo", admins=(TG_ADMIN,))
        tg.group(TG_QUEUE, title="Queue", admins=(TG_ADMIN,))
        tg_section = (f'[telegram]\ntoken = "{tg.token}"\napi_base = "{tg.api_base}"\n'
                      'poll_timeout = 1\n') if with_telegram else ""
        chats = f'"vk:{CHAT}"' + (f', "telegram:{TG_GROUP}"' if with_telegram else "")
        queue = f"telegram:{TG_QUEUE}" if with_telegram else f"vk:{QUEUE}"
        config = tmp_path / "config.toml"
        config.write_text(textwrap.dedent(f"""
            [database]
            url = "sqlite+aiosqlite:///modbot.db"

            {tg_section}
            [vk]
            token = "{emulator.token}"
            group_id = {emulator.group_id}
            user_token = "{emulator.user_token}"
            api_base = "{emulator.api_base}"
            poll_wait = 1

            [[community]]
            name = "demo"
            language = "en"
            timezone = "UTC"
            chats = [{chats}]
            moderators = ["vk:{MODERATOR}"]
            queue = "{queue}"
            """), encoding="utf-8")
        emulator.fail("messages.delete", code)
        log = (tmp_path / "modbot-run.log").open("wb")
        proc = await _modbot_run(config, {}, log)
        try:
            await emulator.wait_for(lambda: emulator.calls_to("longpoll.check"), timeout=60)
            emulator.add_members(CHAT, SPAMMER)
            emulator.post_message(CHAT, SPAMMER, OBSCENE)
            await emulator.wait_for(lambda: [c for c in emulator.calls
                                             if c.method == "messages.delete"], timeout=30)
            asked = emulator.post_message(CHAT, MEMBER, "/help")
            await emulator.wait_for(lambda: any(m.reply_to == asked
                                                for m in emulator.sent(CHAT)), timeout=20)
        finally:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), 120)
            log.close()
