"""QA round 34: deeper wire scenarios against the independent emulators of round 33.

`tests/test_qa33_foreign_emulator.py` carries a Bot API server and a VK API server written from
the public docs, not from the bot. This file reuses them (imported, never edited) and extends
them by subclassing:

- `DeeperVkApi` adds what a VK queue chat needs (messages.edit, messages.sendMessageEventAnswer,
  callback-button presses as `message_event` events), groups.ban with a user token, VK's
  `random_id` de-duplication, scripted API errors (6, 9, 10, 15, 917, 945) and scripted
  long-poll failures (`failed` 1, 2 and 3);
- `DeeperBotApi` adds scripted Bot API answers: 429 with `parameters.retry_after`, a proxy's
  HTML 502, "message is not modified", "message to be replied not found", a supergroup
  migration (`parameters.migrate_to_chat_id`), and updates carrying fields from a future
  Bot API.

The bot runs as an outsider runs it (`modbot run --config FILE` in a subprocess). Time is real
(a subprocess cannot be given the harness's clock): every wait is a predicate on what the
server saw, with generous timeouts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import textwrap
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from test_qa33_foreign_emulator import (
    ADMIN,
    FAQ,
    GROUP,
    MEMBER,
    OFFENDER,
    QUEUE,
    QUEUE_MOD,
    REPORTER,
    VK_ADMIN,
    VK_CHAT,
    VK_GROUP,
    VK_MEMBER,
    VK_OFFENDER,
    VK_TOKEN,
    BotProcess,
    Call,
    Chat,
    ForeignBotApi,
    ForeignVkApi,
    VkFault,
    buttons,
    no_tracebacks,
    running,
    schedule_lead,
    seconds_past_a_scheduler_round,
    write_config,
)

VK_QUEUE = 2_000_000_002
VK_MOD = 8400  # admin of the VK queue chat
VK_REPORTER = 8500
VK_USER_TOKEN = "vk1.a.foreign-emulator-admin-user-token"


# --------------------------------------------------------------------------------------------
# VK: the foreign emulator, extended
# --------------------------------------------------------------------------------------------

class DeeperVkApi(ForeignVkApi):
    """ForeignVkApi plus a queue chat, callback buttons, groups.ban, random_id dedup and
    scripted failures."""

    def __init__(self) -> None:
        super().__init__()
        self.chats[VK_CHAT]["members"] |= {VK_REPORTER}
        self.chats[VK_QUEUE] = {"title": "Oak School Mods", "owner": VK_MOD,
                                "admins": {VK_MOD}, "members": {VK_MOD}}
        self.names.update({VK_MOD: ("Maria", "Moderator"), VK_REPORTER: ("Rita", "Reporter")})
        # method -> [(code, message, predicate)] popped by the first call the predicate accepts
        self.faults: dict[str, list[tuple[int, str, Callable[[dict[str, Any]], bool]]]] = {}
        self.attempts: list[tuple[str, dict[str, Any], float, int | None]] = []
        self.by_random: dict[tuple[int, str], Any] = {}
        self.edits: list[dict[str, Any]] = []
        self.event_answers: list[dict[str, Any]] = []
        self.bans: list[dict[str, Any]] = []
        self.wall_posts: list[dict[str, Any]] = []
        self.key = "lpkey1"
        self.lp_plan: list[dict[str, Any]] = []
        self.lp_answers: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.next_event = 1

    def fail(self, method: str, code: int, msg: str,
             when: Callable[[dict[str, Any]], bool] = lambda p: True) -> None:
        self.faults.setdefault(method, []).append((code, msg, when))

    def tries(self, method: str) -> list[tuple[dict[str, Any], float, int | None]]:
        return [(p, t, e) for m, p, t, e in self.attempts if m == method]

    def sent_to(self, peer: int) -> list[dict[str, Any]]:
        return [s for s in self.sent if s["peer_id"] == peer]

    async def press(self, peer_id: int, cmid: int, user_id: int, payload: str) -> str:
        """A callback button: VK sends `message_event` (payload as the object it was)."""
        event_id = f"3f{self.next_event:010x}"
        self.next_event += 1
        self._event("message_event", {"user_id": user_id, "peer_id": peer_id,
                                      "event_id": event_id, "payload": json.loads(payload),
                                      "conversation_message_id": cmid})
        await self._notify()
        return event_id

    # -- HTTP --------------------------------------------------------------------------------
    async def _longpoll(self, request: web.Request) -> web.Response:
        q = dict(request.query)
        if q.get("key") != self.key:
            answer: dict[str, Any] = {"failed": 2}
        elif self.lp_plan:
            answer = self.lp_plan.pop(0)
        else:
            ts = int(q.get("ts", "0"))
            deadline = time.monotonic() + min(float(q.get("wait", "25")), 90)
            while (not [e for e in self.events if e["ts"] > ts] and time.monotonic() < deadline
                   and q.get("key") == self.key and not self.lp_plan):
                async with self._changed:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), 0.2)
            if q.get("key") != self.key:  # the key expired while the request waited
                answer = {"failed": 2}
            else:
                answer = {"ts": str(self.ts),
                          "updates": [e["event"] for e in self.events if e["ts"] > ts]}
        self.calls.append(("longpoll.check", q))
        self.lp_answers.append((q, answer))
        await self._notify()
        return web.json_response(answer)

    async def _method(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            params.update({k: v for k, v in (await request.post()).items()
                           if isinstance(v, str)})
        token = params.get("access_token")
        if token not in (VK_TOKEN, VK_USER_TOKEN):
            return self._error(name, params, 5, "User authorization failed: invalid "
                                                  "access_token (4).")
        params["_as_user"] = token == VK_USER_TOKEN
        self.calls.append((name, params))
        for index, (code, msg, when) in enumerate(self.faults.get(name, [])):
            if when(params):
                del self.faults[name][index]
                self.attempts.append((name, params, time.monotonic(), code))
                await self._notify()
                return self._error(name, params, code, msg)
        self.attempts.append((name, params, time.monotonic(), None))
        handler = getattr(self, "m_" + name.replace(".", "_"), None)
        if handler is None:
            self.unknown_methods.append(name)
            return self._error(name, params, 3, "Unknown method passed")
        try:
            result = handler(params)
        except VkFault as fault:
            await self._notify()
            return self._error(name, params, fault.code, fault.msg)
        await self._notify()
        return web.json_response({"response": result})

    # -- methods -----------------------------------------------------------------------------
    def m_groups_getLongPollServer(self, p: dict[str, Any]) -> Any:
        return {"key": self.key, "server": f"http://127.0.0.1:{self.port}/lp",
                "ts": str(self.ts)}

    def m_messages_send(self, p: dict[str, Any]) -> Any:
        if p.get("_as_user"):
            raise VkFault(27, "Group authorization failed: method is unavailable with user auth")
        if "random_id" not in p:
            raise VkFault(100, "One of the parameters specified was missing or invalid: "
                               "random_id is a required parameter")
        peers = str(p.get("peer_ids") or p.get("peer_id") or "")
        key = (int(peers.split(",")[0] or 0), str(p["random_id"]))
        if key[0] and str(p["random_id"]) != "0" and key in self.by_random:
            return self.by_random[key]  # VK: the same random_id is not sent again
        result = super().m_messages_send(p)
        if self.sent:
            self.sent[-1]["random_id"] = str(p["random_id"])
        if key[0] and str(p["random_id"]) != "0":
            self.by_random[key] = result
        return result

    def m_messages_edit(self, p: dict[str, Any]) -> Any:
        peer = int(p.get("peer_id") or 0)
        cmid = int(p.get("conversation_message_id") or p.get("cmid") or 0)
        mine = [s for s in self.sent if s["peer_id"] == peer and s["cmid"] == cmid]
        if not mine:
            raise VkFault(100, "One of the parameters specified was missing or invalid: "
                               "message_id or conversation_message_id is invalid")
        if not p.get("message") and not p.get("attachment"):
            raise VkFault(100, "One of the parameters specified was missing or invalid: "
                               "message is empty")
        mine[-1]["message"] = p.get("message", "")
        mine[-1]["keyboard"] = p.get("keyboard")
        self.edits.append(p)
        return 1

    def m_messages_sendMessageEventAnswer(self, p: dict[str, Any]) -> Any:
        if not (p.get("event_id") and p.get("user_id") and p.get("peer_id")):
            raise VkFault(100, "One of the parameters specified was missing or invalid")
        self.event_answers.append(p)
        return 1

    def m_groups_ban(self, p: dict[str, Any]) -> Any:
        if not p.get("_as_user"):
            raise VkFault(27, "Group authorization failed: method is unavailable with group "
                              "auth.")
        self.bans.append(p)
        return 1

    def m_wall_post(self, p: dict[str, Any]) -> Any:
        self.wall_posts.append(p)
        return {"post_id": 500 + len(self.wall_posts)}


def vk_config(folder: Path, api: DeeperVkApi, *, extra: str = "", vk_extra: str = "",
              chats: str = f'"vk:{VK_CHAT}"', queue: str = f"vk:{VK_QUEUE}") -> Path:
    (folder / "faq.toml").write_text(FAQ, encoding="utf-8")
    path = folder / "config.toml"
    path.write_text(textwrap.dedent(f"""
        [database]
        url = "sqlite+aiosqlite:///modbot.db"

        [vk]
        token = "${{MODBOT_VK_TOKEN}}"
        group_id = {VK_GROUP}
        api_base = "{api.api_base}"
        poll_wait = 1
        """) + textwrap.dedent(vk_extra) + textwrap.dedent(f"""
        [[community]]
        name = "oak-school"
        language = "en"
        timezone = "UTC"
        faq = "faq.toml"
        chats = [{chats}]
        queue = "{queue}"
        """) + textwrap.dedent(extra), encoding="utf-8")
    return path


async def vk_running(api: DeeperVkApi, folder: Path, **kw: Any) -> BotProcess:
    bot = await BotProcess(vk_config(folder, api, **kw),
                           env={"MODBOT_VK_TOKEN": VK_TOKEN}).start()
    try:
        await api.wait_for(lambda: bot.proc.returncode is not None  # type: ignore[union-attr]
                           or len(api.calls_to("longpoll.check")) >= 1, timeout=90,
                           what="the VK long poll")
    except AssertionError:
        await bot.stop()
        raise AssertionError("the bot did not start polling:\n" + bot.log()[-3000:]) from None
    assert bot.proc.returncode is None, bot.log()[-3000:]  # type: ignore[union-attr]
    bot.polling()
    return bot


@pytest.fixture
async def vkapi() -> AsyncIterator[DeeperVkApi]:
    emulator = await DeeperVkApi().start()
    yield emulator
    await emulator.close()


@pytest.fixture
async def vkbot(vkapi: DeeperVkApi, tmp_path: Path) -> AsyncIterator[BotProcess]:
    bot = await vk_running(vkapi, tmp_path)
    yield bot
    code = await bot.stop()
    assert code == 0, "modbot run did not stop cleanly:\n" + bot.log()[-3000:]


async def settle(api: DeeperVkApi, polls: int = 3) -> None:
    """Let the bot go round its long poll a few more times (poll_wait = 1 s)."""
    mark = len(api.calls_to("longpoll.check"))
    await api.wait_for(lambda: len(api.calls_to("longpoll.check")) >= mark + polls,
                       timeout=30, what="more long polls")


def kb_payloads(record: dict[str, Any]) -> list[str]:
    board = json.loads(record.get("keyboard") or "{}")
    return [json.loads(b["action"]["payload"])["d"] for row in board.get("buttons", [])
            for b in row if b.get("action", {}).get("type") == "callback"]


def faq_answer(p: dict[str, Any]) -> bool:
    return "9:00 to 21:00" in str(p.get("message", ""))


# -- VK: complaints through a VK queue ------------------------------------------------------

async def test_vk_report_card_in_vk_queue_claim_and_resolve_with_callback_buttons(
        vkapi: DeeperVkApi, vkbot: BotProcess) -> None:
    api = vkapi
    spam = await api.member_writes(VK_CHAT, VK_OFFENDER, "Earn $5000 a week from home, DM me")
    await api.member_writes(VK_CHAT, VK_REPORTER, "/report spam",
                            reply_to=spam["conversation_message_id"])
    await api.wait_for(lambda: api.sent_to(VK_QUEUE), timeout=30, what="the ticket card")
    card = api.sent_to(VK_QUEUE)[0]
    assert "Earn $5000" in card["message"] and "#1" in card["message"], card["message"]
    await api.wait_for(lambda: api.sent_to(VK_CHAT), timeout=30, what="the acknowledgement")
    await settle(api)
    assert len(api.sent_to(VK_CHAT)) == 1, [s["message"] for s in api.sent_to(VK_CHAT)]
    board = json.loads(card["keyboard"] or "{}")
    assert board.get("inline") is True, board
    claim = next(d for d in kb_payloads(card) if d.startswith("t:claim:"))
    event = await api.press(VK_QUEUE, card["cmid"], VK_MOD, json.dumps({"d": claim}))
    await api.wait_for(lambda: [a for a in api.event_answers if a["event_id"] == event],
                       timeout=30, what="sendMessageEventAnswer for the claim")
    answer = next(a for a in api.event_answers if a["event_id"] == event)
    assert int(answer["user_id"]) == VK_MOD and int(answer["peer_id"]) == VK_QUEUE
    assert json.loads(answer.get("event_data") or "{}").get("type") == "show_snackbar"
    await api.wait_for(lambda: api.edits, timeout=30, what="the card edited after the claim")
    assert int(api.edits[0]["conversation_message_id"]) == card["cmid"]
    card = api.sent_to(VK_QUEUE)[0]
    resolve = next(d for d in kb_payloads(card) if d.startswith("t:resolve:"))
    event = await api.press(VK_QUEUE, card["cmid"], VK_MOD, json.dumps({"d": resolve}))
    await api.wait_for(lambda: [a for a in api.event_answers if a["event_id"] == event],
                       timeout=30, what="sendMessageEventAnswer for the resolve")
    await api.wait_for(lambda: not any(d.startswith("t:resolve:")
                                       for d in kb_payloads(api.sent_to(VK_QUEUE)[0])),
                       timeout=30, what="the card shown as resolved")
    assert api.unknown_methods == [], api.unknown_methods
    no_tracebacks(vkbot)


async def test_vk_report_goes_to_a_telegram_queue(vkapi: DeeperVkApi, tmp_path: Path) -> None:
    """README: the queue may be on the other network. A VK /report becomes a card in the
    Telegram queue chat, with one acknowledgement in the VK chat."""
    tg = await ForeignBotApi().start()
    tg.supergroup(QUEUE, "Oak School Moderators", creator=QUEUE_MOD)
    api = vkapi
    config = vk_config(tmp_path, api, queue=f"telegram:{QUEUE}")
    text = config.read_text().replace("[vk]", textwrap.dedent(f"""
        [telegram]
        token = "${{MODBOT_TELEGRAM_TOKEN}}"
        api_base = "{tg.api_base}"
        poll_timeout = 1

        [vk]"""), 1)
    config.write_text(text)
    bot = await BotProcess(config, env={"MODBOT_VK_TOKEN": VK_TOKEN}).start()
    try:
        await api.wait_for(lambda: bot.proc.returncode is not None  # type: ignore
                           or api.calls_to("longpoll.check"), timeout=90, what="VK polling")
        assert bot.proc.returncode is None, bot.log()[-3000:]  # type: ignore[union-attr]
        spam = await api.member_writes(VK_CHAT, VK_OFFENDER, "Cheap crypto signals, DM me")
        await api.member_writes(VK_CHAT, VK_REPORTER, "!report scam",
                                reply_to=spam["conversation_message_id"])
        await tg.wait_for(lambda: tg.bot_messages(QUEUE), timeout=30, what="the Telegram card")
        card = tg.bot_messages(QUEUE)[0]
        assert "Cheap crypto" in card["text"] and "#1" in card["text"], card["text"]
        assert any(d.startswith("t:claim:") for d in buttons(card)), card
        await api.wait_for(lambda: api.sent_to(VK_CHAT), timeout=30, what="the acknowledgement")
        await settle(api)
        assert len(api.sent_to(VK_CHAT)) == 1, [s["message"] for s in api.sent_to(VK_CHAT)]
        no_tracebacks(bot)
    finally:
        assert await bot.stop() == 0
        await tg.close()


# -- VK: moderation -------------------------------------------------------------------------

async def test_vk_admin_mute_10m_falls_back_to_kick_and_says_so(
        vkapi: DeeperVkApi, vkbot: BotProcess) -> None:
    """README: VK has no timed mute; the default `vk_mute_fallback` is `kick`, and the notice
    tells members so."""
    api = vkapi
    target = await api.member_writes(VK_CHAT, VK_OFFENDER, "buy cheap followers at my site")
    await api.member_writes(VK_CHAT, VK_ADMIN, "/mute 10m spam",
                            reply_to=target["conversation_message_id"])
    await api.wait_for(lambda: api.removed, timeout=30, what="messages.removeChatUser")
    assert api.removed == [(VK_CHAT - 2_000_000_000, VK_OFFENDER)], api.removed
    await api.wait_for(lambda: api.sent_to(VK_CHAT), timeout=30, what="the notice")
    notice = " ".join(s["message"] for s in api.sent_to(VK_CHAT))
    assert "Oleg" in notice and "removed" in notice.lower(), notice
    assert "muted for" not in notice.lower(), notice
    assert not api.bans and api.unknown_methods == []
    no_tracebacks(vkbot)


async def test_vk_ban_without_user_token_removes_and_says_not_banned(
        vkapi: DeeperVkApi, vkbot: BotProcess) -> None:
    """README: without `[vk] user_token` a ban in a VK chat removes the member, the log names
    the missing token, and the chat and queue are told it was a removal, not a ban."""
    api = vkapi
    target = await api.member_writes(VK_CHAT, VK_OFFENDER, "selling accounts, write me")
    await api.member_writes(VK_CHAT, VK_ADMIN, "/ban", reply_to=target["conversation_message_id"])
    await api.wait_for(lambda: api.removed, timeout=30, what="messages.removeChatUser")
    assert api.removed[0] == (VK_CHAT - 2_000_000_000, VK_OFFENDER)
    await api.wait_for(lambda: [s for s in api.sent_to(VK_QUEUE)
                                if "not banned" in s["message"]], timeout=30,
                       what="the queue told it was a removal")
    assert "user_token" in vkbot.log()
    assert not [m for m, p in api.calls if m == "groups.ban"], "no groups.ban with the "\
        "community token"
    no_tracebacks(vkbot)


async def test_vk_ban_with_user_token_calls_groups_ban_and_removes(
        vkapi: DeeperVkApi, tmp_path: Path) -> None:
    api = vkapi
    bot = await vk_running(api, tmp_path, vk_extra=f'user_token = "{VK_USER_TOKEN}"\n')
    try:
        target = await api.member_writes(VK_CHAT, VK_OFFENDER, "selling accounts, write me")
        await api.member_writes(VK_CHAT, VK_ADMIN, "/ban",
                                reply_to=target["conversation_message_id"])
        await api.wait_for(lambda: api.bans, timeout=30, what="groups.ban")
        ban = api.bans[0]
        assert int(ban["group_id"]) == VK_GROUP and int(ban["owner_id"]) == VK_OFFENDER
        assert not ban.get("end_date"), "a /ban with no duration is permanent"
        await api.wait_for(lambda: api.removed, timeout=30, what="removed from the chat too")
        assert api.removed[0] == (VK_CHAT - 2_000_000_000, VK_OFFENDER)
        no_tracebacks(bot)
    finally:
        assert await bot.stop() == 0


async def test_vk_obscene_ladder_warn_then_removed_with_vk_wording(
        vkapi: DeeperVkApi, vkbot: BotProcess) -> None:
    api = vkapi
    first = await api.member_writes(VK_CHAT, VK_OFFENDER, "ты хуйло ебаное")
    await api.wait_for(lambda: (VK_CHAT, first["conversation_message_id"]) in api.deleted,
                       timeout=30, what="first delete")
    await api.wait_for(lambda: api.sent_to(VK_CHAT), timeout=30, what="the warning")
    warning = api.sent_to(VK_CHAT)[0]["message"]
    assert "Oleg" in warning and "1" in warning, warning
    assert not api.removed
    second = await api.member_writes(VK_CHAT, VK_OFFENDER, "иди нахуй со своими правилами")
    await api.wait_for(lambda: (VK_CHAT, second["conversation_message_id"]) in api.deleted,
                       timeout=30, what="second delete")
    await api.wait_for(lambda: api.removed, timeout=30, what="the mute step → removal")
    assert api.removed[0] == (VK_CHAT - 2_000_000_000, VK_OFFENDER)
    await api.wait_for(lambda: len(api.sent_to(VK_CHAT)) >= 2, timeout=30, what="notice 2")
    notice = api.sent_to(VK_CHAT)[1]["message"]
    assert "removed" in notice.lower() and "VK" in notice, notice
    # the warning must not have promised members a "mute" VK cannot give
    assert "next: mute" not in warning.lower() or "removed" in warning.lower(), warning
    no_tracebacks(vkbot)


# -- VK: the wall ---------------------------------------------------------------------------

async def test_vk_scheduled_wall_post_goes_out_exactly_once(
        vkapi: DeeperVkApi, tmp_path: Path) -> None:
    api = vkapi
    at = (datetime.now(UTC) + timedelta(seconds=schedule_lead(20))).strftime("%Y-%m-%d %H:%M:%S")
    bot = await vk_running(api, tmp_path, chats=f'"vk:{VK_CHAT}", "vk:wall"', extra=f"""
        [[community.schedule]]
        at = "{at}"
        text = "Reminder: parents' evening tonight at 18:00 in the main hall."
        chats = ["vk:wall"]
        """)
    try:
        await api.wait_for(lambda: api.wall_posts, timeout=60, what="wall.post")
        due = datetime.strptime(at, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).timestamp()
        assert time.time() >= due - 1, "posted before its time"
        post = api.wall_posts[0]
        assert int(post["owner_id"]) == -VK_GROUP
        assert str(post.get("from_group")) == "1"
        assert "parents' evening" in post["message"]
        assert not post["_as_user"]
        mark = time.time()  # the next scheduler round must not post it again
        await api.wait_for(lambda: time.time() - mark > seconds_past_a_scheduler_round(),
                           timeout=30)
        assert len(api.wall_posts) == 1, api.wall_posts
        assert not [s for s in api.sent if "parents' evening" in s["message"]]
        no_tracebacks(bot)
    finally:
        assert await bot.stop() == 0


async def test_vk_wall_post_internal_error_then_success_posted_once(
        vkapi: DeeperVkApi, tmp_path: Path) -> None:
    api = vkapi
    api.fail("wall.post", 10, "Internal server error")
    at = (datetime.now(UTC) + timedelta(seconds=15)).strftime("%Y-%m-%d %H:%M:%S")
    bot = await vk_running(api, tmp_path, chats=f'"vk:{VK_CHAT}", "vk:wall"', extra=f"""
        [[community.schedule]]
        at = "{at}"
        text = "Spring fair on Saturday!"
        chats = ["vk:wall"]
        """)
    try:
        await api.wait_for(lambda: api.wall_posts, timeout=60, what="wall.post after error 10")
        mark = time.time()
        await api.wait_for(lambda: time.time() - mark > 10, timeout=30)
        assert len(api.wall_posts) == 1
        guids = {p.get("guid") for p, _, _ in api.tries("wall.post")}
        assert len(api.tries("wall.post")) == 2 and len(guids) == 1, api.tries("wall.post")
        no_tracebacks(bot)
    finally:
        assert await bot.stop() == 0


# -- VK: API errors -------------------------------------------------------------------------

async def test_vk_errors_6_and_10_then_success_answer_sent_once(
        vkapi: DeeperVkApi, vkbot: BotProcess) -> None:
    api = vkapi
    api.fail("messages.send", 6, "Too many requests per second", faq_answer)
    api.fail("messages.send", 10, "Internal server error", faq_answer)
    await api.member_writes(VK_CHAT, VK_MEMBER, "When are you open?")
    await api.wait_for(lambda: [s for s in api.sent if "9:00 to 21:00" in s["message"]],
                       timeout=60, what="the FAQ answer after errors 6 and 10")
    await settle(api)
    assert len([s for s in api.sent if "9:00 to 21:00" in s["message"]]) == 1
    tries = [t for t in api.tries("messages.send") if faq_answer(t[0])]
    assert [e for _, _, e in tries] == [6, 10, None], tries
    assert len({p["random_id"] for p, _, _ in tries}) == 1, "a retry must keep its random_id"
    no_tracebacks(vkbot)


async def test_vk_flood_control_9_is_not_resent_at_once_and_delivered_once(
        vkapi: DeeperVkApi, vkbot: BotProcess) -> None:
    api = vkapi
    api.fail("messages.send", 9, "Flood control", faq_answer)
    await api.member_writes(VK_CHAT, VK_MEMBER, "When are you open?")
    await api.wait_for(lambda: [t for t in api.tries("messages.send") if faq_answer(t[0])],
                       timeout=60, what="the first attempt")
    await api.wait_for(lambda: [s for s in api.sent if "9:00 to 21:00" in s["message"]],
                       timeout=90, what="the FAQ answer after flood control")
    tries = [t for t in api.tries("messages.send") if faq_answer(t[0])]
    assert [e for _, _, e in tries] == [9, None], tries
    assert tries[1][1] - tries[0][1] >= 5, "resent right after VK asked to slow down"
    assert tries[0][0]["random_id"] == tries[1][0]["random_id"]
    assert "code=9" in vkbot.log()
    no_tracebacks(vkbot)


async def test_vk_access_denied_15_on_delete_is_logged_and_moderators_told(
        vkapi: DeeperVkApi, vkbot: BotProcess) -> None:
    api = vkapi
    api.fail("messages.delete", 15, "Access denied: no access to call this method")
    rude = await api.member_writes(VK_CHAT, VK_OFFENDER, "ты хуйло ебаное")
    await api.wait_for(lambda: api.tries("messages.delete"), timeout=30, what="the delete")
    await api.wait_for(lambda: [s for s in api.sent_to(VK_QUEUE)
                                if "could not delete" in s["message"]], timeout=30,
                       what="the queue told the delete failed")
    assert (VK_CHAT, rude["conversation_message_id"]) not in api.deleted
    assert len(api.tries("messages.delete")) == 1, "access denied is not retried"
    assert re.search(r"event=vk\.action_failed .*code=15", vkbot.log()), vkbot.log()[-2000:]
    await api.member_writes(VK_CHAT, VK_MEMBER, "Where can I park my car?")
    await api.wait_for(lambda: [s for s in api.sent if "Oak Street" in s["message"]],
                       timeout=60, what="the FAQ answer afterwards")
    no_tracebacks(vkbot)


async def test_vk_queue_chat_917_and_945_are_logged_bounded_and_bot_keeps_going(
        vkapi: DeeperVkApi, vkbot: BotProcess) -> None:
    """The community lost access to the queue chat (917), then the chat was disabled (945):
    a clear log line, no retry storm, no crash; the group is still served."""
    api = vkapi
    api.fail("messages.send", 917, "You don't have access to this chat",
             lambda p: str(p.get("peer_ids") or p.get("peer_id")) == str(VK_QUEUE))
    api.fail("messages.send", 945, "Chat was disabled",
             lambda p: str(p.get("peer_ids") or p.get("peer_id")) == str(VK_QUEUE))
    for n, reason in ((1, "spam"), (2, "scam")):
        spam = await api.member_writes(VK_CHAT, VK_OFFENDER, f"Free iPhones #{n}, click here")
        await api.member_writes(VK_CHAT, VK_REPORTER, f"/report {reason}",
                                reply_to=spam["conversation_message_id"])
    await api.wait_for(lambda: len([t for t in api.tries("messages.send")
                                    if t[2] in (917, 945)]) == 2, timeout=30,
                       what="both queue sends refused")
    await api.member_writes(VK_CHAT, VK_MEMBER, "Where can I park my car?")
    await api.wait_for(lambda: [s for s in api.sent if "Oak Street" in s["message"]],
                       timeout=60, what="the FAQ answer afterwards")
    await settle(api)
    log = vkbot.log()
    assert re.search(r"code=917", log) and re.search(r"code=945", log), log[-3000:]
    assert vkbot.proc.returncode is None  # type: ignore[union-attr]
    no_tracebacks(vkbot)


# -- VK: long poll failures -----------------------------------------------------------------

async def test_vk_longpoll_failed_1_continues_from_the_new_ts(
        vkapi: DeeperVkApi, vkbot: BotProcess) -> None:
    api = vkapi
    api.ts += 40  # VK lost some history: the new ts is ahead
    new_ts = api.ts
    api.lp_plan.append({"failed": 1, "ts": new_ts})
    await api.wait_for(lambda: [a for _, a in api.lp_answers if a.get("failed") == 1],
                       timeout=30, what="failed 1 delivered")
    await api.member_writes(VK_CHAT, VK_MEMBER, "When are you open?")
    await api.wait_for(lambda: [s for s in api.sent if "9:00 to 21:00" in s["message"]],
                       timeout=60, what="the FAQ answer after failed 1")
    after = [q for q, a in api.lp_answers][[a.get("failed") for _, a in
                                            api.lp_answers].index(1) + 1:]
    assert after and int(after[0]["ts"]) == new_ts, after[:2]
    assert len(api.calls_to("groups.getLongPollServer")) == 1, "failed 1 needs no new key"
    no_tracebacks(vkbot)


async def test_vk_longpoll_failed_2_gets_a_new_key_and_loses_nothing(
        vkapi: DeeperVkApi, vkbot: BotProcess) -> None:
    api = vkapi
    before = len(api.calls_to("groups.getLongPollServer"))
    api.key = "lpkey2"  # the key expires while the bot's request waits
    question = await api.member_writes(VK_CHAT, VK_MEMBER, "When are you open?")
    await api.wait_for(lambda: [s for s in api.sent if "9:00 to 21:00" in s["message"]],
                       timeout=60, what="the FAQ answer after failed 2")
    assert [a for _, a in api.lp_answers if a.get("failed") == 2]
    assert len(api.calls_to("groups.getLongPollServer")) == before + 1
    answer = next(s for s in api.sent if "9:00 to 21:00" in s["message"])
    assert json.loads(answer["forward"])["conversation_message_ids"] == [
        question["conversation_message_id"]]
    no_tracebacks(vkbot)


async def test_vk_longpoll_failed_3_gets_a_new_key_and_ts(
        vkapi: DeeperVkApi, vkbot: BotProcess) -> None:
    api = vkapi
    before = len(api.calls_to("groups.getLongPollServer"))
    api.key = "lpkey3"
    api.ts += 10
    api.lp_plan.append({"failed": 3})
    # the request in flight returns failed 2 (old key), then the plan's failed 3; VK says
    # events before a failed 3 may be lost, so the member writes once the bot polls again
    await api.wait_for(lambda: [a for _, a in api.lp_answers if a.get("failed") == 3],
                       timeout=30, what="failed 3 delivered")
    await api.wait_for(lambda: len(api.calls_to("groups.getLongPollServer")) > before,
                       timeout=30, what="getLongPollServer again")
    mark = len(api.lp_answers)
    await api.wait_for(lambda: len(api.lp_answers) > mark, timeout=30, what="a poll after")
    await api.member_writes(VK_CHAT, VK_MEMBER, "Where can I park my car?")
    await api.wait_for(lambda: [s for s in api.sent if "Oak Street" in s["message"]],
                       timeout=60, what="the FAQ answer after failed 3")
    assert [q for q, _ in api.lp_answers if q.get("key") == "lpkey3"]
    no_tracebacks(vkbot)


async def test_vk_longpoll_failed_3_alone(vkapi: DeeperVkApi, vkbot: BotProcess) -> None:
    """`failed: 3` with the key still valid (VK lost the user's info): a new key and ts."""
    api = vkapi
    before = len(api.calls_to("groups.getLongPollServer"))
    api.lp_plan.append({"failed": 3})
    await api.wait_for(lambda: [a for _, a in api.lp_answers if a.get("failed") == 3],
                       timeout=30, what="failed 3 delivered")
    await api.wait_for(lambda: len(api.calls_to("groups.getLongPollServer")) > before,
                       timeout=30, what="getLongPollServer after failed 3")
    mark = len(api.lp_answers)
    await api.wait_for(lambda: len(api.lp_answers) > mark, timeout=30, what="a poll after")
    await api.member_writes(VK_CHAT, VK_MEMBER, "When are you open?")
    await api.wait_for(lambda: [s for s in api.sent if "9:00 to 21:00" in s["message"]],
                       timeout=60, what="the FAQ answer after failed 3")
    no_tracebacks(vkbot)


# --------------------------------------------------------------------------------------------
# Telegram: the foreign Bot API emulator, extended
# --------------------------------------------------------------------------------------------

class DeeperBotApi(ForeignBotApi):
    """ForeignBotApi plus scripted answers: (status, body, content type) per method."""

    def __init__(self) -> None:
        super().__init__()
        self.script: dict[str, list[tuple[Callable[[dict[str, Any]], bool],
                                          int, str, str]]] = {}

    def answer_once(self, method: str, status: int, body: dict[str, Any] | str, *,
                    when: Callable[[dict[str, Any]], bool] = lambda p: True) -> None:
        if isinstance(body, dict):
            text, kind = json.dumps(body), "application/json"
        else:
            text, kind = body, "text/html"
        self.script.setdefault(method.lower(), []).append((when, status, text, kind))

    def tries(self, method: str) -> list[tuple[dict[str, Any], float, int]]:
        """Every request to `method`, scripted or not: (params, when, HTTP status)."""
        return [(c.params, c.at, c.status) for c in self.calls
                if c.method.lower() == method.lower()]

    async def _http(self, request: web.Request) -> web.Response:
        match = re.fullmatch(r"/bot([^/]+)/([A-Za-z]+)", request.path)
        if match is None or match.group(1) != self.token \
                or not self.script.get(match.group(2).lower()):
            return await super()._http(request)
        method = match.group(2)
        params = await self._params(request)
        scripted = self.script[method.lower()]
        for index, (when, status, text, kind) in enumerate(scripted):
            if when(params):
                del scripted[index]
                self.calls.append(Call(method, params, status, time.monotonic()))
                await self._notify()
                return web.Response(status=status, text=text, content_type=kind)
        return await super()._http(request)  # aiohttp keeps the body read above


@pytest.fixture
async def tgapi() -> AsyncIterator[DeeperBotApi]:
    emulator = await DeeperBotApi().start()
    emulator.supergroup(GROUP, "Oak School Parents", creator=ADMIN)
    emulator.supergroup(QUEUE, "Oak School Moderators", creator=QUEUE_MOD)
    emulator.user(MEMBER, "Mary")
    emulator.user(OFFENDER, "Oscar", username="oscar_o")
    emulator.user(REPORTER, "Rita")
    yield emulator
    await emulator.close()


@pytest.fixture
async def tgbot(tgapi: DeeperBotApi, tmp_path: Path) -> AsyncIterator[BotProcess]:
    bot = await running(tgapi, tmp_path)
    yield bot
    code = await bot.stop()
    assert code == 0, "modbot run did not stop cleanly:\n" + bot.log()[-3000:]


def is_hours(p: dict[str, Any]) -> bool:
    return "9:00 to 21:00" in str(p.get("text", ""))


def answers_in(api: ForeignBotApi, chat: int, needle: str) -> list[dict[str, Any]]:
    return [m for m in api.bot_messages(chat) if needle in (m.get("text") or "")]


async def tg_settle(api: ForeignBotApi, polls: int = 3) -> None:
    mark = len(api.calls_to("getUpdates"))
    await api.wait_for(lambda: len(api.calls_to("getUpdates")) >= mark + polls, timeout=30)


async def test_tg_429_retry_after_is_waited_and_answer_sent_once(
        tgapi: DeeperBotApi, tgbot: BotProcess) -> None:
    api = tgapi
    api.answer_once("sendMessage", 429, {"ok": False, "error_code": 429,
                                         "description": "Too Many Requests: retry after 3",
                                         "parameters": {"retry_after": 3}}, when=is_hours)
    await api.member_writes(GROUP, MEMBER, "When are you open?")
    await api.wait_for(lambda: answers_in(api, GROUP, "9:00 to 21:00"), timeout=60,
                       what="the FAQ answer after 429")
    tries = [t for t in api.tries("sendMessage") if is_hours(t[0])]
    assert [s for _, _, s in tries] == [429, 200], tries
    assert tries[1][1] - tries[0][1] >= 2.9, "retried before retry_after passed"
    await tg_settle(api)
    assert len(answers_in(api, GROUP, "9:00 to 21:00")) == 1
    no_tracebacks(tgbot)


async def test_tg_proxy_502_html_page_is_retried_and_sent_once(
        tgapi: DeeperBotApi, tgbot: BotProcess) -> None:
    api = tgapi
    page = ("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
            "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
            "</body>\r\n</html>\r\n")
    api.answer_once("sendMessage", 502, page, when=is_hours)
    await api.member_writes(GROUP, MEMBER, "When are you open?")
    await api.wait_for(lambda: answers_in(api, GROUP, "9:00 to 21:00"), timeout=60,
                       what="the FAQ answer after a proxy's 502")
    await tg_settle(api)
    assert len(answers_in(api, GROUP, "9:00 to 21:00")) == 1
    no_tracebacks(tgbot)


async def test_tg_message_not_modified_is_success_not_retried(
        tgapi: DeeperBotApi, tgbot: BotProcess) -> None:
    api = tgapi
    spam = await api.member_writes(GROUP, OFFENDER, "Earn $5000 a week from home, DM me")
    await api.member_writes(GROUP, REPORTER, "/report spam", reply_to=spam["message_id"])
    await api.wait_for(lambda: api.bot_messages(QUEUE), timeout=30, what="the card")
    card = api.bot_messages(QUEUE)[0]
    api.answer_once("editMessageText", 400, {
        "ok": False, "error_code": 400,
        "description": "Bad Request: message is not modified: specified new message content "
                       "and reply markup are exactly the same as a current content and reply "
                       "markup of the message"})
    claim = next(d for d in buttons(card) if d.startswith("t:claim:"))
    query = await api.press(QUEUE, card["message_id"], QUEUE_MOD, claim)
    await api.wait_for(lambda: api.calls_to("answerCallbackQuery", callback_query_id=query),
                       timeout=30, what="the press answered")
    await api.wait_for(lambda: api.tries("editMessageText"), timeout=30, what="the edit")
    await tg_settle(api, 5)
    assert len(api.tries("editMessageText")) == 1, api.tries("editMessageText")
    queue_texts = api.bot_texts(QUEUE)
    assert not [t for t in queue_texts[1:] if "not modified" in t or "could not" in t], \
        queue_texts
    assert "already_done" in tgbot.log()
    no_tracebacks(tgbot)


async def test_tg_double_claim_by_same_moderator_no_error_storm(
        tgapi: DeeperBotApi, tgbot: BotProcess) -> None:
    """The same moderator presses Claim twice (a slow client): the second edit, if any, is
    identical and Telegram says "message is not modified"; that is the goal reached."""
    api = tgapi
    spam = await api.member_writes(GROUP, OFFENDER, "Cheap crypto signals, join t.me/xyz")
    await api.member_writes(GROUP, REPORTER, "/report spam", reply_to=spam["message_id"])
    await api.wait_for(lambda: api.bot_messages(QUEUE), timeout=30, what="the card")
    card = api.bot_messages(QUEUE)[0]
    claim = next(d for d in buttons(card) if d.startswith("t:claim:"))
    q1 = await api.press(QUEUE, card["message_id"], QUEUE_MOD, claim)
    q2 = await api.press(QUEUE, card["message_id"], QUEUE_MOD, claim)
    for q in (q1, q2):
        await api.wait_for(lambda q=q: api.calls_to("answerCallbackQuery", callback_query_id=q),
                           timeout=30, what="both presses answered")
    await tg_settle(api, 5)
    assert len(api.tries("editMessageText")) <= 2, api.tries("editMessageText")
    assert len(api.bot_messages(QUEUE)) == 1, api.bot_texts(QUEUE)
    no_tracebacks(tgbot)


async def test_tg_reply_target_gone_answer_still_sent_without_reply(
        tgapi: DeeperBotApi, tgbot: BotProcess) -> None:
    """A server that refuses the reply ("message to be replied not found"), even though the
    bot allowed sending without it: the member still gets the answer."""
    api = tgapi
    api.answer_once("sendMessage", 400, {"ok": False, "error_code": 400,
                                         "description": "Bad Request: message to be replied "
                                                        "not found"}, when=is_hours)
    await api.member_writes(GROUP, MEMBER, "When are you open?")
    await api.wait_for(lambda: answers_in(api, GROUP, "9:00 to 21:00"), timeout=60,
                       what="the FAQ answer without the reply")
    await tg_settle(api)
    assert len(answers_in(api, GROUP, "9:00 to 21:00")) == 1
    no_tracebacks(tgbot)


async def test_tg_group_migrated_to_supergroup_is_logged_with_new_id(
        tgapi: DeeperBotApi, tgbot: BotProcess) -> None:
    """Telegram answers 400 with `parameters.migrate_to_chat_id` when a group became a
    supergroup (the bot missed the service messages, or the config names the old id). The
    send is not lost and not retried forever at the old id: it goes to the new one (what the
    error tells clients to do), and the log names the new id for the owner's config."""
    api = tgapi
    new_id = -1001500000777
    api.answer_once("sendMessage", 400, {
        "ok": False, "error_code": 400,
        "description": "Bad Request: group chat was upgraded to a supergroup chat",
        "parameters": {"migrate_to_chat_id": new_id}}, when=is_hours)
    await api.member_writes(GROUP, MEMBER, "When are you open?")
    await api.wait_for(lambda: [t for t in api.tries("sendMessage") if t[2] == 400],
                       timeout=60, what="the refused send")
    await api.wait_for(lambda: [t for t in api.tries("sendMessage")
                                if is_hours(t[0]) and str(t[0].get("chat_id")) == str(new_id)],
                       timeout=60, what="the answer sent to the new id")
    await tg_settle(api, 5)
    tries = [t for t in api.tries("sendMessage") if is_hours(t[0])]
    assert len([t for t in tries if str(t[0].get("chat_id")) == str(GROUP)]) == 1, tries
    log = tgbot.log()
    assert str(new_id) in log, log[-3000:]
    no_tracebacks(tgbot)


async def test_tg_update_with_future_fields_and_entity_type_is_processed(
        tgapi: DeeperBotApi, tgbot: BotProcess) -> None:
    api = tgapi
    message = api._store(GROUP, api._new_message(
        GROUP, api.user(MEMBER), text="When are you open? ✨",
        entities=[{"type": "animated_sparkle", "offset": 19, "length": 1,
                   "sparkle_style": "gold"}],
        reaction_summary_v12={"total": 3, "top": ["👍"]},
        is_from_future_feature=True))
    message["from"] = {**message["from"], "has_ultra_premium": True}
    message["chat"] = {**message["chat"], "theme_v3": {"id": 7}}
    api._push("message", message)
    await api._notify()
    await api.wait_for(lambda: answers_in(api, GROUP, "9:00 to 21:00"), timeout=60,
                       what="the FAQ answer to a message with future fields")
    rude = api._store(GROUP, api._new_message(
        GROUP, api.user(OFFENDER), text="иди нахуй",
        entities=[{"type": "date_time_v2", "offset": 0, "length": 3}],
        story_reply_v5={"id": 1}))
    api._push("message", rude)
    await api._notify()
    await api.wait_for(lambda: (GROUP, rude["message_id"]) in api.deleted, timeout=30,
                       what="the obscene message with future fields deleted")
    assert "bad_update" not in tgbot.log(), tgbot.log()[-2000:]
    no_tracebacks(tgbot)


async def test_tg_group_upgraded_to_supergroup_is_still_moderated_not_left(
        tgapi: DeeperBotApi, tmp_path: Path) -> None:
    """A configured basic group becomes a supergroup (Telegram does this when an owner turns
    on a feature): the old chat gets a service message with `migrate_to_chat_id`, the new one
    one with `migrate_from_chat_id`, and from then on members write in the new chat. The bot
    must not take its own group for a stranger's and leave it; moderation should go on (Rose
    follows the migration) or, at the very least, the owners must be told the new id."""
    api = tgapi
    basic, upgraded = -4500000001, -1001500000555
    api.chats[basic] = Chat(basic, "group", "Oak School Parents", ADMIN, {ADMIN})
    config = write_config(tmp_path, api)
    config.write_text(config.read_text().replace(f"telegram:{GROUP}", f"telegram:{basic}"))
    bot = await BotProcess(config).start()
    try:
        await api.wait_for(lambda: bot.proc.returncode is not None  # type: ignore
                           or len(api.calls_to("getUpdates")) >= 2, timeout=90,
                           what="polling")
        assert bot.proc.returncode is None, bot.log()[-3000:]  # type: ignore[union-attr]
        api.chats[upgraded] = Chat(upgraded, "supergroup", "Oak School Parents", ADMIN,
                                   {ADMIN})
        old = api._store(basic, api._new_message(basic, api.user(ADMIN),
                                                 migrate_to_chat_id=upgraded))
        api._push("message", old)
        new = api._store(upgraded, api._new_message(upgraded, api.user(ADMIN),
                                                    migrate_from_chat_id=basic))
        api._push("message", new)
        await api._notify()
        rude = await api.member_writes(upgraded, OFFENDER, "ты хуйло ебаное, иди нахуй")
        await tg_settle(api, 6)
        assert not api.calls_to("leaveChat", chat_id=upgraded), \
            "the bot left its own group after the upgrade"
        told = [t for t in api.bot_texts(QUEUE) if str(upgraded) in t]
        assert (upgraded, rude["message_id"]) in api.deleted, api.bot_texts(upgraded)
        assert len(told) == 1, api.bot_texts(QUEUE)
        no_tracebacks(bot)
    finally:
        assert await bot.stop() == 0
    # after a restart the new id is still the community's (the config still names the old)
    again = await BotProcess(config).start()
    try:
        ruder = await api.member_writes(upgraded, OFFENDER, "ну ты и пиздабол")
        await api.wait_for(lambda: (upgraded, ruder["message_id"]) in api.deleted,
                           timeout=90, what="the second obscene message deleted")
        assert not api.calls_to("leaveChat", chat_id=upgraded)
        no_tracebacks(again)
    finally:
        assert await again.stop() == 0
