"""QA round 36: the content plan and the FAQ over the wire, against the independent emulator.

`tests/test_qa33_foreign_emulator.py` carries a Bot API server written from the public docs
(not from the bot), `tests/test_qa34_foreign_deeper.py` extends it with scripted answers. This
file imports both (never edits them) and adds, by subclassing, what an SMM manager's week
needs: a Telegram channel among the community's chats (with the errors Telegram gives when the
bot lost its admin rights there or was removed) and members posting photos.

The real `modbot run` runs in a subprocess; time is real, so every wait is a predicate on what
the server saw (or on the wall clock passing a due time), with generous timeouts.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from test_qa33_foreign_emulator import (
    ADMIN,
    FAQ,
    GROUP,
    MEMBER,
    QUEUE,
    QUEUE_MOD,
    REPORTER,
    ApiError,
    BotProcess,
    Chat,
    buttons,
    no_tracebacks,
    write_config,
)
from test_qa34_foreign_deeper import DeeperBotApi, answers_in, tg_settle

CHANNEL = -1001500000003
PHOTO_ID = "AgACAgIAAxkBAAIBZ2VfakeMemberPhoto_0123456789"

EXTRA_FAQ = """
[[faq]]
id = "uniform"
lang = "en"
questions = ["Do pupils have to wear a school uniform?"]
answer = "Yes: navy jumper, white shirt, grey trousers or skirt."
"""


# --------------------------------------------------------------------------------------------
# The emulator, extended: a channel and members' photos
# --------------------------------------------------------------------------------------------

class PlanBotApi(DeeperBotApi):
    """DeeperBotApi plus a channel (posting needs the bot to be its admin) and photos."""

    def channel(self, chat_id: int, title: str, creator: int) -> Chat:
        chat = Chat(chat_id, "channel", title, creator, {creator})
        self.chats[chat_id] = chat
        self.user(creator)
        return chat

    def _chat(self, params: dict[str, Any]) -> Chat:
        raw = params.get("chat_id")
        try:
            chat = self.chats.get(int(raw)) if raw not in (None, "") else None
        except (TypeError, ValueError):
            chat = None
        if chat is not None and chat.type == "channel" and not chat.bot_present:
            raise ApiError(403, "Forbidden: bot is not a member of the channel chat")
        return super()._chat(params)

    def _channel_post_allowed(self, chat: Chat) -> None:
        if chat.type == "channel" and not chat.bot_is_admin:
            raise ApiError(400, "Bad Request: need administrator rights in the channel chat")

    async def m_sendmessage(self, p: dict[str, Any]) -> Any:
        self._channel_post_allowed(self._chat(p))
        return await super().m_sendmessage(p)

    async def m_sendphoto(self, p: dict[str, Any]) -> Any:
        self._channel_post_allowed(self._chat(p))
        return await super().m_sendphoto(p)

    def _member(self, chat: Chat, user_id: int) -> dict[str, Any]:
        member = super()._member(chat, user_id)
        if chat.type == "channel" and user_id == self.bot_id and chat.bot_is_admin:
            member = {**member, "can_post_messages": True, "can_edit_messages": True}
        return member

    async def member_photo(self, chat_id: int, user_id: int,
                           caption: str | None = None) -> dict[str, Any]:
        photo = [{"file_id": PHOTO_ID[:-4] + "smal", "file_unique_id": "AQADs1",
                  "width": 90, "height": 90},
                 {"file_id": PHOTO_ID, "file_unique_id": "AQADb1",
                  "width": 1280, "height": 1280}]
        message = self._store(chat_id, self._new_message(
            chat_id, self.user(user_id), photo=photo, caption=caption))
        self._push("message", message)
        await self._notify()
        return message

    def sent(self, method: str, chat: int) -> list[dict[str, Any]]:
        """Every attempt (any status) of `method` to `chat`."""
        return [params for params, _, _ in self.tries(method)
                if str(params.get("chat_id")) == str(chat)]

    def posts(self, chat: int, needle: str) -> list[str]:
        return [t for t in self.bot_texts(chat) if needle in t]


def plan_config(folder: Path, api: PlanBotApi, *, chats: tuple[int, ...] = (GROUP,),
                language: str = "en", community: str = "", extra: str = "") -> Path:
    """The round-33 config, with the chat list, the language and community keys changed."""
    path = write_config(folder, api, extra=extra)
    text = path.read_text(encoding="utf-8")
    listed = ", ".join(f'"telegram:{c}"' for c in chats)
    text = text.replace(f'chats = ["telegram:{GROUP}"]', f"chats = [{listed}]")
    text = text.replace('language = "en"', f'language = "{language}"')
    text = text.replace(f'queue = "telegram:{QUEUE}"\n',
                        f'queue = "telegram:{QUEUE}"\n{community}\n', 1)
    path.write_text(text, encoding="utf-8")
    return path


async def launch(api: PlanBotApi, config: Path) -> BotProcess:
    mark = len(api.calls_to("getUpdates"))
    bot = await BotProcess(config).start()
    try:
        await api.wait_for(lambda: bot.proc.returncode is not None  # type: ignore[union-attr]
                           or len(api.calls_to("getUpdates")) >= mark + 2, timeout=300,
                           what="the bot to start polling")
    except AssertionError:
        await bot.stop()
        raise AssertionError("the bot did not start polling:\n" + bot.log()[-3000:]) from None
    assert bot.proc.returncode is None, "modbot run exited:\n" + bot.log()[-3000:]  # type: ignore[union-attr]
    return bot


async def until(api: PlanBotApi, moment: float) -> None:
    """Let the wall clock pass `moment` (a scheduled time), polling the emulator meanwhile."""
    await api.wait_for(lambda: time.time() > moment, timeout=max(5.0, moment - time.time() + 5),
                       what="the wall clock")


async def said(api: PlanBotApi, chat: int, needle: str, timeout: float = 90,
               what: str = "") -> str:
    await api.wait_for(lambda: api.posts(chat, needle), timeout=timeout,
                       what=what or f"{needle!r} in {chat}")
    return api.posts(chat, needle)[-1]


@pytest.fixture
async def tg() -> AsyncIterator[PlanBotApi]:
    emulator = await PlanBotApi().start()
    emulator.supergroup(GROUP, "Oak School Parents", creator=ADMIN)
    emulator.supergroup(QUEUE, "Oak School Moderators", creator=QUEUE_MOD)
    emulator.channel(CHANNEL, "Oak School News", creator=ADMIN)
    emulator.user(MEMBER, "Mary")
    emulator.user(REPORTER, "Rita")
    yield emulator
    await emulator.close()


@pytest.fixture
async def bot(tg: PlanBotApi, tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = await launch(tg, plan_config(tmp_path, tg))
    yield process
    code = await process.stop()
    assert code == 0, "modbot run did not stop cleanly:\n" + process.log()[-3000:]


# --------------------------------------------------------------------------------------------
# Content plan from chat
# --------------------------------------------------------------------------------------------

async def test_one_off_from_group_goes_to_group_and_channel_once_at_its_time(
        tg: PlanBotApi, tmp_path: Path) -> None:
    api = tg
    process = await launch(api, plan_config(tmp_path, api, chats=(GROUP, CHANNEL)))
    try:
        asked = time.time()
        await api.member_writes(GROUP, ADMIN,
                                "/schedule in 20s Parents' evening moved to Thursday 18:00")
        added = await said(api, GROUP, "Scheduled post #", what="the 'scheduled' notice")
        assert f"telegram:{CHANNEL}" in added and f"telegram:{GROUP}" in added, added
        await api.wait_for(lambda: api.posts(GROUP, "Parents' evening moved")
                           and api.posts(CHANNEL, "Parents' evening moved"), timeout=120,
                           what="the post in the group and the channel")
        assert time.time() >= asked + 19, "posted before its time"
        await tg_settle(api, 12)  # > two scheduler rounds (5 s apart)
        assert len(api.posts(GROUP, "Parents' evening moved")) == 1, api.bot_texts(GROUP)
        assert len(api.posts(CHANNEL, "Parents' evening moved")) == 1, api.bot_texts(CHANNEL)
        assert api.unknown_methods == [], api.unknown_methods
        no_tracebacks(process)
    finally:
        assert await process.stop() == 0


async def test_queue_moderator_adds_recurring_lists_and_unschedules(
        tg: PlanBotApi, bot: BotProcess) -> None:
    api = tg
    await api.member_writes(QUEUE, QUEUE_MOD, "/schedule every monday 10:00 Weekly digest")
    await said(api, QUEUE, "Scheduled post #1", what="post #1 added")
    await api.member_writes(QUEUE, QUEUE_MOD, "/schedule 0 9 * * FRI Friday news roundup")
    await said(api, QUEUE, "Scheduled post #2", what="post #2 added")
    await api.member_writes(QUEUE, QUEUE_MOD, "/schedule in 25s Short-lived one-off")
    await said(api, QUEUE, "Scheduled post #3", what="post #3 added")
    await api.member_writes(QUEUE, QUEUE_MOD, "/schedule")
    listing = await said(api, QUEUE, "Coming up", what="the plan listed")
    for needle in ("#1", "#2", "#3", "Weekly digest", "Friday news", "every Monday at 10:00",
                   "every Friday at 09:00"):
        assert needle in listing, listing
    due = time.time() + 25
    await api.member_writes(QUEUE, QUEUE_MOD, "/unschedule 3")
    await said(api, QUEUE, "Post #3 is unscheduled", what="#3 unscheduled")
    await api.member_writes(QUEUE, QUEUE_MOD, "/unschedule #1")
    await said(api, QUEUE, "Post #1 is unscheduled", what="#1 unscheduled")
    await api.member_writes(QUEUE, QUEUE_MOD, "/schedule")
    await api.wait_for(lambda: len(api.posts(QUEUE, "Coming up")) >= 2, timeout=90,
                       what="the second listing")
    second = api.posts(QUEUE, "Coming up")[-1]
    assert "#2" in second and "#1 ·" not in second and "#3" not in second, second
    await until(api, due + 8)
    await tg_settle(api, 3)
    assert not api.posts(GROUP, "Short-lived one-off"), "an unscheduled post went out"
    no_tracebacks(bot)


async def test_every_minute_cron_posts_once_per_minute_and_stops_when_unscheduled(
        tg: PlanBotApi, bot: BotProcess) -> None:
    api = tg
    await api.member_writes(GROUP, ADMIN, "/schedule * * * * * Minute bell")
    await said(api, GROUP, "Scheduled post #1", what="the cron post added")
    await api.wait_for(lambda: api.posts(GROUP, "Minute bell"), timeout=90,
                       what="the first minute's post")
    first_at = time.time()
    await tg_settle(api, 10)
    assert len([t for t in api.posts(GROUP, "Minute bell") if "Scheduled" not in t]) == 1
    await api.member_writes(GROUP, ADMIN, "/unschedule 1")
    await said(api, GROUP, "Post #1 is unscheduled", what="the cron post unscheduled")
    await until(api, first_at + 75)  # past the next minute
    await tg_settle(api, 3)
    assert len([t for t in api.posts(GROUP, "Minute bell") if "Scheduled" not in t]) == 1, \
        api.bot_texts(GROUP)
    no_tracebacks(bot)


async def test_bad_time_or_cron_gets_the_usage_and_adds_nothing(
        tg: PlanBotApi, bot: BotProcess) -> None:
    api = tg
    await api.member_writes(GROUP, ADMIN, "/schedule next tuesday-ish Bake sale")
    await said(api, GROUP, "To schedule a post", what="usage for a bad time")
    await api.member_writes(GROUP, ADMIN, "/schedule 61 25 * * * Bake sale")
    await api.wait_for(lambda: len(api.posts(GROUP, "To schedule a post")) >= 2, timeout=90,
                       what="usage for a bad cron")
    await api.member_writes(GROUP, ADMIN, "/schedule 2020-01-01 10:00 Bake sale")
    await said(api, GROUP, "has already passed", what="a time in the past refused")
    await api.member_writes(GROUP, ADMIN, "/schedule tomorrow 25:00 Bake sale")
    await api.wait_for(lambda: len(api.posts(GROUP, "To schedule a post")) >= 3, timeout=90,
                       what="usage for 25:00")
    await api.member_writes(GROUP, ADMIN, "/schedule in 2h")  # a time, but nothing to post
    await api.wait_for(lambda: len(api.posts(GROUP, "To schedule a post")) >= 4, timeout=90,
                       what="usage for a post without text")
    await api.member_writes(GROUP, ADMIN, "/schedule")
    await said(api, GROUP, "Nothing is scheduled", what="an empty plan")
    assert not api.posts(GROUP, "Scheduled post #"), api.bot_texts(GROUP)
    no_tracebacks(bot)


async def test_member_cannot_schedule(tg: PlanBotApi, bot: BotProcess) -> None:
    api = tg
    await api.member_writes(GROUP, MEMBER, "/schedule in 20s Buy my handmade soap!")
    await said(api, GROUP, "only moderators", what="the refusal")
    await api.member_writes(GROUP, MEMBER, "/unschedule 1")
    await api.member_writes(GROUP, ADMIN, "/schedule")
    await said(api, GROUP, "Nothing is scheduled", what="the plan stays empty")
    await until(api, time.time() + 22)
    await tg_settle(api, 3)
    assert not api.posts(GROUP, "handmade soap"), api.bot_texts(GROUP)
    assert not api.posts(GROUP, "Scheduled post #")
    no_tracebacks(bot)


async def test_chat_schedules_survive_a_restart_without_duplicates(
        tg: PlanBotApi, tmp_path: Path) -> None:
    api = tg
    config = plan_config(tmp_path, api)
    first = await launch(api, config)
    try:
        await api.member_writes(GROUP, ADMIN, "/schedule every day 9:00 Good morning, parents!")
        await said(api, GROUP, "Scheduled post #1", what="#1 added")
        due = time.time() + 45
        await api.member_writes(GROUP, ADMIN, "/schedule in 45s Restart-proof reminder")
        await said(api, GROUP, "Scheduled post #2", what="#2 added")
        no_tracebacks(first)
    finally:
        assert await first.stop() == 0
    second = await launch(api, config)
    try:
        await api.member_writes(GROUP, ADMIN, "/schedule")
        listing = await said(api, GROUP, "Coming up", what="the plan after the restart")
        assert listing.count("Good morning, parents!") == 1, listing
        assert listing.count("Restart-proof reminder") == 1, listing
        assert "#3" not in listing, listing
        await said(api, GROUP, "Restart-proof reminder", timeout=90)
        await api.wait_for(lambda: [t for t in api.posts(GROUP, "Restart-proof reminder")
                                    if not t.startswith("Coming up")], timeout=90,
                           what="the reminder posted after the restart")
        assert time.time() >= due - 1
        await tg_settle(api, 12)
        posted = [t for t in api.posts(GROUP, "Restart-proof reminder")
                  if not t.startswith(("Coming up", "Scheduled"))]
        assert len(posted) == 1, api.bot_texts(GROUP)
        no_tracebacks(second)
    finally:
        assert await second.stop() == 0


async def test_post_missed_while_down_goes_out_once_within_grace(
        tg: PlanBotApi, tmp_path: Path) -> None:
    api = tg
    config = plan_config(tmp_path, api, community='schedule_grace = "10m"')
    first = await launch(api, config)
    try:
        due = time.time() + 20
        await api.member_writes(GROUP, ADMIN, "/schedule in 20s Late but welcome: fair at 12")
        await said(api, GROUP, "Scheduled post #1", what="#1 added")
    finally:
        assert await first.stop() == 0
    await until(api, due + 10)  # the bot was down when the post was due
    second = await launch(api, config)
    try:
        await api.wait_for(lambda: [t for t in api.posts(GROUP, "Late but welcome")
                                    if not t.startswith("Scheduled")], timeout=120,
                           what="the missed post, late, within grace")
        await tg_settle(api, 12)
        posted = [t for t in api.posts(GROUP, "Late but welcome") if not t.startswith("Sched")]
        assert len(posted) == 1, api.bot_texts(GROUP)
        no_tracebacks(second)
    finally:
        assert await second.stop() == 0


async def test_post_missed_beyond_grace_is_skipped_and_logged(
        tg: PlanBotApi, tmp_path: Path) -> None:
    api = tg
    config = plan_config(tmp_path, api, community='schedule_grace = "5s"')
    first = await launch(api, config)
    try:
        due = time.time() + 15
        await api.member_writes(GROUP, ADMIN, "/schedule in 15s Stale news: bake sale today")
        await said(api, GROUP, "Scheduled post #1", what="#1 added")
    finally:
        assert await first.stop() == 0
    await until(api, due + 15)  # due 15 s ago, grace 5 s
    second = await launch(api, config)
    try:
        await api.wait_for(lambda: "event=schedule.skipped" in second.log(), timeout=45,
                           what="the skip logged")
        await tg_settle(api, 8)
        assert not [t for t in api.posts(GROUP, "Stale news") if not t.startswith("Sched")], \
            api.bot_texts(GROUP)
        no_tracebacks(second)
    finally:
        assert await second.stop() == 0


# --------------------------------------------------------------------------------------------
# Channels where the bot cannot post
# --------------------------------------------------------------------------------------------

async def _channel_refuses(api: PlanBotApi, tmp_path: Path, expect: tuple[int, str]) -> None:
    process = await launch(api, plan_config(tmp_path, api, chats=(GROUP, CHANNEL)))
    try:
        await api.member_writes(GROUP, ADMIN, "/schedule in 15s Open day on Saturday!")
        await said(api, GROUP, "Scheduled post #1", what="#1 added")
        await said(api, GROUP, "Open day on Saturday!", timeout=120, what="the group post")
        await api.wait_for(lambda: [n for n in api.bot_texts(QUEUE)
                                    if "could not be published" in n], timeout=120,
                           what="the queue told the channel post failed")
        notice = [n for n in api.bot_texts(QUEUE) if "could not be published" in n]
        assert len(notice) == 1 and str(CHANNEL) in notice[0], api.bot_texts(QUEUE)
        refused = [e for e in api.errors if e[0] == "sendMessage"]
        assert (expect[0], expect[1]) in [(c, d) for _, c, d in refused], api.errors
        await tg_settle(api, 15)  # three scheduler rounds: no retry storm
        attempts = [p for p in api.sent("sendMessage", CHANNEL)
                    if "Open day" in str(p.get("text"))]
        assert len(attempts) <= 2, f"{len(attempts)} attempts at the channel"
        assert len(api.posts(GROUP, "Open day on Saturday!")) == 1, api.bot_texts(GROUP)
        assert len([n for n in api.bot_texts(QUEUE) if "could not be published" in n]) == 1
        # still alive and working
        await api.member_writes(GROUP, MEMBER, "Where can I park my car?")
        await said(api, GROUP, "Oak Street", timeout=120, what="an FAQ answer afterwards")
        assert process.proc.returncode is None  # type: ignore[union-attr]
        no_tracebacks(process)
    finally:
        assert await process.stop() == 0


async def test_channel_where_bot_lost_admin_queue_told_no_retry_storm(
        tg: PlanBotApi, tmp_path: Path) -> None:
    tg.chats[CHANNEL].bot_is_admin = False
    await _channel_refuses(tg, tmp_path,
                           (400, "Bad Request: need administrator rights in the channel chat"))


async def test_channel_bot_was_removed_from_queue_told_no_retry_storm(
        tg: PlanBotApi, tmp_path: Path) -> None:
    tg.chats[CHANNEL].bot_present = False
    await _channel_refuses(tg, tmp_path,
                           (403, "Forbidden: bot is not a member of the channel chat"))


# --------------------------------------------------------------------------------------------
# Long posts
# --------------------------------------------------------------------------------------------

def long_text(size: int, head: str) -> str:
    words = (head + " ") + " ".join(f"line{n:04d} of the school newsletter." for n in range(800))
    return words[:size - 4] + " END"


async def test_photo_post_with_text_longer_than_a_caption_is_not_lost(
        tg: PlanBotApi, bot: BotProcess) -> None:
    api = tg
    text = long_text(1900, "Newsletter with photo.")
    photo = await api.member_photo(GROUP, ADMIN, caption="spring fair poster")
    await api.member_writes(GROUP, ADMIN, f"/schedule in 15s {text}",
                            reply_to=photo["message_id"])
    await said(api, GROUP, "Scheduled post #1", what="the photo post added")
    await api.wait_for(lambda: api.calls_to("sendPhoto"), timeout=120, what="sendPhoto")
    await api.wait_for(lambda: [m for m in api.bot_messages(GROUP)
                                if "END" in (m.get("text") or m.get("caption") or "")],
                       timeout=90, what="the long text delivered")
    sent = api.calls_to("sendPhoto")[0].params
    assert sent["photo"] == PHOTO_ID, sent
    assert len(str(sent.get("caption") or "")) <= 1024
    delivered = "".join(str(m.get("caption") or "") + str(m.get("text") or "")
                        for m in api.bot_messages(GROUP) if "Newsletter" in
                        (m.get("text") or m.get("caption") or "") or "END" in
                        (m.get("text") or m.get("caption") or ""))
    assert "line0040" in delivered and delivered.rstrip().endswith("END"), delivered[-200:]
    assert not [e for e in api.errors if "too long" in e[2]], api.errors
    await tg_settle(api, 10)
    assert len(api.calls_to("sendPhoto")) == 1
    no_tracebacks(bot)


async def test_post_of_exactly_4096_characters_goes_out_whole(
        tg: PlanBotApi, bot: BotProcess) -> None:
    """`/schedule <when>` in reply to a member's 4096-character message (the most one message
    holds): the post is that text, whole, not cut with "…"."""
    api = tg
    text = long_text(4096, "Full newsletter.")
    source = await api.member_writes(GROUP, ADMIN, text)
    await api.member_writes(GROUP, ADMIN, "/schedule in 15s", reply_to=source["message_id"])
    await said(api, GROUP, "Scheduled post #1", what="the long post added")
    await api.wait_for(lambda: [m for m in api.bot_messages(GROUP)
                                if (m.get("text") or "").startswith("Full newsletter.")],
                       timeout=120, what="the long post")
    post = [m["text"] for m in api.bot_messages(GROUP)
            if (m.get("text") or "").startswith("Full newsletter.")]
    assert post == [text], [len(p) for p in post]
    no_tracebacks(bot)


async def test_faq_answer_longer_than_allowed_is_refused_with_a_reason(
        tg: PlanBotApi, bot: BotProcess) -> None:
    api = tg
    source = await api.member_writes(GROUP, ADMIN, long_text(4000, "All rules of the school."))
    await api.member_writes(GROUP, ADMIN, "/faq add What are the school rules?",
                            reply_to=source["message_id"])
    await said(api, GROUP, "too long", what="the refusal naming the length")
    assert not api.posts(GROUP, "Added to the FAQ")
    no_tracebacks(bot)


# --------------------------------------------------------------------------------------------
# FAQ over the wire
# --------------------------------------------------------------------------------------------

async def test_member_lists_the_faq(tg: PlanBotApi, bot: BotProcess) -> None:
    api = tg
    await api.member_writes(GROUP, MEMBER, "/faq")
    listing = await said(api, GROUP, "Questions I can answer", what="the FAQ list")
    assert "hours — What are your opening hours?" in listing, listing
    assert "parking — Is there parking near the school?" in listing, listing
    await api.member_writes(GROUP, MEMBER, "/faq parking")
    await said(api, GROUP, "Oak Street", what="/faq ID shows the answer")
    no_tracebacks(bot)


async def test_moderator_adds_entry_and_members_question_is_answered(
        tg: PlanBotApi, bot: BotProcess) -> None:
    api = tg
    await api.member_writes(GROUP, ADMIN, "/faq add Is lunch provided for the children? | "
                                          "Hot lunch is served at 12:30 in the canteen.")
    added = await said(api, GROUP, "Added to the FAQ as", what="the entry added")
    assert "Is lunch provided for the children?" in added, added
    question = await api.member_writes(GROUP, MEMBER, "Is lunch provided for the children?")
    await said(api, GROUP, "Hot lunch is served", timeout=120, what="the new entry answered")
    answer = answers_in(api, GROUP, "Hot lunch is served")[0]
    assert answer["reply_to_message"]["message_id"] == question["message_id"]
    no_tracebacks(bot)


async def test_moderator_adds_entry_in_reply_to_a_message(
        tg: PlanBotApi, bot: BotProcess) -> None:
    api = tg
    source = await api.member_writes(GROUP, ADMIN, EXTRA_FAQ.split('answer = "')[1][:-2])
    await api.member_writes(GROUP, ADMIN, "/faq add Do pupils have to wear a school uniform?",
                            reply_to=source["message_id"])
    await said(api, GROUP, "Added to the FAQ as", what="the entry added from the reply")
    await api.member_writes(GROUP, MEMBER, "Do pupils have to wear a school uniform?")
    await api.wait_for(lambda: [m for m in answers_in(api, GROUP, "navy jumper")
                                if m["message_id"] != source["message_id"]], timeout=120,
                       what="the entry answered")
    await api.member_writes(GROUP, ADMIN, "/faq add When are you open? | Always!")
    await said(api, GROUP, "already in the FAQ as hours", what="a duplicate question refused")
    no_tracebacks(bot)


async def test_edit_answer_is_sent_again_and_deleted_entry_is_silent(
        tg: PlanBotApi, bot: BotProcess) -> None:
    api = tg
    await api.member_writes(GROUP, MEMBER, "When are you open?")
    await said(api, GROUP, "9:00 to 21:00", timeout=120, what="the first answer")
    await api.member_writes(GROUP, ADMIN,
                            "/faq edit HOURS | We are open on weekdays from 8:00 to 20:00.")
    await said(api, GROUP, "Updated hours", what="the edit confirmed")
    await api.member_writes(GROUP, REPORTER, "When are you open?")
    await said(api, GROUP, "8:00 to 20:00", timeout=120,
               what="the edited answer sent in full (not a pointer)")
    await api.member_writes(GROUP, ADMIN, "/faq del parking")
    await said(api, GROUP, "Removed parking", what="the delete confirmed")
    await api.member_writes(GROUP, MEMBER, "Where can I park my car?")
    await tg_settle(api, 5)
    assert not api.posts(GROUP, "Oak Street"), api.bot_texts(GROUP)
    await api.member_writes(GROUP, MEMBER, "/faq")
    listing = await said(api, GROUP, "Questions I can answer", what="the list")
    assert "parking" not in listing and "hours" in listing, listing
    no_tracebacks(bot)


async def test_same_question_within_repeat_window_gets_a_pointer(
        tg: PlanBotApi, bot: BotProcess) -> None:
    api = tg
    await api.member_writes(GROUP, MEMBER, "When are you open?")
    await said(api, GROUP, "9:00 to 21:00", timeout=120, what="the answer")
    first = answers_in(api, GROUP, "9:00 to 21:00")[0]
    await api.member_writes(GROUP, REPORTER, "What are your opening hours?")
    pointer = await said(api, GROUP, "answered this a moment ago", timeout=120,
                         what="the pointer")
    assert "Rita" in pointer, pointer
    note = next(m for m in api.bot_messages(GROUP) if "a moment ago" in (m.get("text") or ""))
    assert note.get("reply_to_message", {}).get("message_id") == first["message_id"], note
    await tg_settle(api, 3)
    assert len(answers_in(api, GROUP, "9:00 to 21:00")) == 1, api.bot_texts(GROUP)
    no_tracebacks(bot)


async def test_private_middle_band_question_gets_buttons_and_a_press_answers(
        tg: PlanBotApi, bot: BotProcess) -> None:
    api = tg
    await api.member_writes(MEMBER, MEMBER, "is there somewhere to leave a car?")
    offer = await api.wait_for(lambda: [m for m in api.bot_messages(MEMBER)
                                        if "Did you mean" in (m.get("text") or "")],
                               timeout=120, what="'did you mean' buttons")
    data = buttons(offer[0])
    assert "faq:show:parking" in data, offer[0]
    labels = [b["text"] for row in offer[0]["reply_markup"]["inline_keyboard"] for b in row]
    assert "Is there parking near the school?" in labels, labels
    assert not api.posts(MEMBER, "Oak Street"), "answered outright instead of offering"
    query = await api.press(MEMBER, offer[0]["message_id"], MEMBER, "faq:show:parking")
    await said(api, MEMBER, "Oak Street", timeout=90, what="the answer after the press")
    await api.wait_for(lambda: api.calls_to("answerCallbackQuery", callback_query_id=query),
                       timeout=90, what="the press answered")
    # the same middle-band question in the group: silence (buttons are for private chats)
    await api.member_writes(GROUP, MEMBER, "is there somewhere to leave a car?")
    await tg_settle(api, 4)
    assert not [m for m in api.bot_messages(GROUP) if buttons(m)], api.bot_texts(GROUP)
    no_tracebacks(bot)


async def test_member_cannot_add_edit_or_delete_faq(tg: PlanBotApi, bot: BotProcess) -> None:
    api = tg
    await api.member_writes(GROUP, MEMBER, "/faq add Is the canteen free? | Yes, totally free.")
    await said(api, GROUP, "only moderators", what="the refusal")
    await api.member_writes(GROUP, MEMBER, "/faq del hours")
    await api.member_writes(GROUP, MEMBER, "/faq edit parking | Park anywhere, it's fine.")
    await tg_settle(api, 4)
    assert not api.posts(GROUP, "Added to the FAQ") and not api.posts(GROUP, "Removed")
    await api.member_writes(GROUP, REPORTER, "When are you open?")
    await said(api, GROUP, "9:00 to 21:00", timeout=120, what="hours still answered")
    await api.member_writes(GROUP, REPORTER, "/faq parking")
    await said(api, GROUP, "Oak Street", what="parking unchanged")
    assert not api.posts(GROUP, "Park anywhere")
    no_tracebacks(bot)


async def test_faq_file_changed_on_disk_is_reloaded_without_restart(
        tg: PlanBotApi, bot: BotProcess, tmp_path: Path) -> None:
    api = tg
    (tmp_path / "faq.toml").write_text(FAQ + EXTRA_FAQ, encoding="utf-8")
    await tg_settle(api, 4)  # the file is checked every 2 s
    await api.member_writes(GROUP, MEMBER, "Do pupils have to wear a school uniform?")
    await said(api, GROUP, "navy jumper", timeout=120, what="the new entry answered")
    await api.member_writes(GROUP, MEMBER, "/faq")
    listing = await said(api, GROUP, "Questions I can answer", what="the list")
    assert "uniform" in listing, listing
    assert bot.proc.returncode is None  # type: ignore[union-attr]
    no_tracebacks(bot)


# --------------------------------------------------------------------------------------------
# Language
# --------------------------------------------------------------------------------------------

async def test_russian_community_gets_russian_replies(tg: PlanBotApi, tmp_path: Path) -> None:
    api = tg
    process = await launch(api, plan_config(tmp_path, api, language="ru"))
    try:
        await api.member_writes(GROUP, MEMBER, "/faq")
        await said(api, GROUP, "Вопросы, на которые я отвечаю", what="the Russian FAQ list")
        await api.member_writes(GROUP, ADMIN, "/schedule когда-нибудь Ярмарка")
        await said(api, GROUP, "Чтобы запланировать пост", what="the Russian usage")
        await api.member_writes(GROUP, ADMIN, "/schedule через 2ч Ярмарка в субботу")
        await said(api, GROUP, "запланирован", what="the Russian confirmation")
        await api.member_writes(GROUP, MEMBER, "/schedule через 1ч Продаю мыло")
        await said(api, GROUP, "только модераторам", what="the Russian refusal")
        english = [t for t in api.bot_texts(GROUP)
                   if any(w in t for w in ("Questions I can", "To schedule", "Sorry, only",
                                           "Scheduled post"))]
        assert not english, english
        no_tracebacks(process)
    finally:
        assert await process.stop() == 0


async def test_english_community_gets_english_replies(tg: PlanBotApi, bot: BotProcess) -> None:
    api = tg
    await api.member_writes(GROUP, MEMBER, "/faq")
    await said(api, GROUP, "Questions I can answer", what="the English list")
    await api.member_writes(GROUP, MEMBER, "/schedule in 1h Selling soap")
    await said(api, GROUP, "Sorry, only moderators", what="the English refusal")
    await api.member_writes(GROUP, ADMIN, "/schedule in 2h Fair on Saturday")
    added = await said(api, GROUP, "Scheduled post #1", what="the English confirmation")
    assert "(UTC)" in added, added
    cyrillic = [t for t in api.bot_texts(GROUP) if any("а" <= ch <= "я" for ch in t.lower())]
    assert not cyrillic, cyrillic
    no_tracebacks(bot)


async def test_commands_addressed_to_the_bot_by_username_work(
        tg: PlanBotApi, bot: BotProcess) -> None:
    """In a group with several bots (Rose, Combot…) Telegram's command menu sends
    `/schedule@foreign_mod_bot`; it must work like `/schedule`."""
    api = tg
    await api.member_writes(GROUP, MEMBER, "/faq@foreign_mod_bot")
    await said(api, GROUP, "Questions I can answer", what="/faq@bot listed")
    await api.member_writes(GROUP, ADMIN, "/schedule@foreign_mod_bot in 15s Addressed post")
    await said(api, GROUP, "Scheduled post #1", what="/schedule@bot added")
    await api.wait_for(lambda: api.posts(GROUP, "Addressed post"), timeout=120,
                       what="the addressed post")
    await api.member_writes(GROUP, ADMIN, "/schedule@other_bot in 15s Not for us")
    await tg_settle(api, 4)
    assert not api.posts(GROUP, "Scheduled post #2"), api.bot_texts(GROUP)
    no_tracebacks(bot)
