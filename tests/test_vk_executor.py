"""The VK executor over HTTP against the emulator: each action's API call and its errors."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from vk_emulator import VkEmulator
from vk_emulator.harness import CHAT, MEMBER, QUEUE, Sleeps, vk_config_text, write_vk_config

from bot.app import App, create_app
from bot.core.actions import (
    AnswerCallback,
    Ban,
    Button,
    DeleteMessage,
    EditMessage,
    Kick,
    LeaveChat,
    Mute,
    NotifyQueue,
    Publish,
    SendMessage,
    Unban,
    Unmute,
)
from bot.core.chats import ChatRef, UserRef
from bot.core.clock import FakeClock
from bot.core.texts import Text
from bot.runtime.executor import TransientError
from handlers.vk.executor import VkExecutor, random_id_for
from handlers.vk.runner import attach_vk

VK_CHAT = ChatRef("vk", str(CHAT))
WALL = ChatRef("vk", "wall")


async def _app(emulator: VkEmulator, tmp_path: Path, clock: FakeClock, **kwargs: object) -> App:
    config = write_vk_config(tmp_path, vk_config_text(emulator, **kwargs))  # type: ignore[arg-type]
    return await create_app(config, clock=clock, instance_id="exec-test")


@pytest.fixture
async def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def executor(emulator: VkEmulator, tmp_path: Path, clock: FakeClock,
                   sleeps: Sleeps) -> AsyncIterator[VkExecutor]:
    app = await _app(emulator, tmp_path, clock)
    yield attach_vk(app, sleeper=sleeps)
    await app.close()


def hello(**kwargs: object) -> SendMessage:
    return SendMessage(VK_CHAT, Text("common.help_member"), "en", **kwargs)  # type: ignore[arg-type]


async def test_send_uses_a_stable_random_id_and_reports_the_conversation_message_id(
        emulator: VkEmulator, executor: VkExecutor) -> None:
    action = hello(reply_to="7", buttons=((Button(Text.raw("Take"), "take:5"),),))
    result = await executor.execute(action)
    assert result.ok and result.message_id == str(emulator.sent(CHAT)[0].cmid)
    call = emulator.calls_to("messages.send")[0]
    assert int(call["random_id"]) == random_id_for(action) == random_id_for(hello(
        reply_to="7", buttons=((Button(Text.raw("Take"), "take:5"),),)))
    assert json.loads(call["forward"]) == {"peer_id": CHAT, "is_reply": True,
                                           "conversation_message_ids": [7]}
    button = json.loads(call["keyboard"])["buttons"][0][0]["action"]
    assert button["type"] == "callback" and json.loads(button["payload"]) == {"d": "take:5"}
    assert random_id_for(hello(reply_to="8")) != random_id_for(hello(reply_to="7"))


async def test_a_send_whose_answer_was_lost_is_retried_and_deduplicated_by_vk(
        emulator: VkEmulator, executor: VkExecutor, sleeps: Sleeps) -> None:
    emulator.fail("messages.send", 10, after_effect=True)  # sent, but the answer is an error
    result = await executor.execute(hello())
    assert result.ok
    assert len(emulator.sent(CHAT)) == 1
    assert len([c for c in emulator.calls if c.method == "messages.send"]) == 2
    assert sleeps.delays == [0.5]


async def test_too_many_requests_is_retried_with_backoff(
        emulator: VkEmulator, executor: VkExecutor, sleeps: Sleeps,
        caplog: pytest.LogCaptureFixture) -> None:
    emulator.fail("messages.send", 6, times=2)
    with caplog.at_level(logging.WARNING):
        result = await executor.execute(hello())
    assert result.ok and len(emulator.sent(CHAT)) == 1
    assert sleeps.delays == [0.5, 1.0]
    assert "event=vk.api_error code=6 method=messages.send" in caplog.text
    assert emulator.token not in caplog.text


async def test_retries_give_up_with_a_transient_error_for_the_outbox(
        emulator: VkEmulator, executor: VkExecutor) -> None:
    emulator.fail("messages.send", 6, times=5)
    with pytest.raises(TransientError):
        await executor.execute(hello())


async def test_flood_control_goes_back_to_the_outbox_at_once(
        emulator: VkEmulator, executor: VkExecutor, sleeps: Sleeps) -> None:
    emulator.fail("messages.send", 9)
    with pytest.raises(TransientError) as caught:
        await executor.execute(hello())
    assert caught.value.retry_after and caught.value.retry_after > 0
    assert sleeps.delays == []


@pytest.mark.parametrize(("code", "words"), [
    (15, "access denied"), (917, "no access to this chat"), (925, "not an admin"),
    (5, "token"), (14, "captcha")])
async def test_permanent_errors_are_reported_not_retried(
        emulator: VkEmulator, executor: VkExecutor, code: int, words: str,
        caplog: pytest.LogCaptureFixture) -> None:
    emulator.fail("messages.send", code)
    with caplog.at_level(logging.WARNING):
        result = await executor.execute(hello())
    assert not result.ok and result.permanent
    assert words in (result.error or "") and f"[{code}]" in (result.error or "")
    assert len([c for c in emulator.calls if c.method == "messages.send"]) == 1
    assert f"event=vk.api_error code={code} method=messages.send" in caplog.text


async def test_an_invalid_token_is_a_permanent_failure(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    app = await _app(emulator, tmp_path, clock)
    emulator.token = "another-token"  # the configured token is revoked
    try:
        result = await attach_vk(app).execute(hello())
    finally:
        await app.close()
    assert not result.ok and result.permanent and "[5]" in (result.error or "")


async def test_ban_without_user_token_falls_back_to_removing_from_the_chat(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock,
        caplog: pytest.LogCaptureFixture) -> None:
    emulator.add_members(CHAT, MEMBER)
    app = await _app(emulator, tmp_path, clock, user_token=False)
    try:
        result = await attach_vk(app).execute(
            Ban(VK_CHAT, UserRef("vk", str(MEMBER)), until=None))
    finally:
        await app.close()
    assert result.ok and "user_token is not set" in result.details["degraded"]
    assert MEMBER not in emulator.peer(CHAT).members
    assert not emulator.calls_to("groups.ban")
    assert "[vk] user_token is not set: groups.ban needs a community admin's user token" \
        in caplog.text


async def test_wall_ban_without_user_token_fails_with_a_clear_message(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    app = await _app(emulator, tmp_path, clock, user_token=False)
    try:
        result = await attach_vk(app).execute(
            Ban(WALL, UserRef("vk", str(MEMBER)), until=None))
    finally:
        await app.close()
    assert not result.ok and result.permanent
    assert result.error == ("[vk] user_token is not set: groups.ban needs a community admin's "
                            "user token")
    assert not emulator.calls_to("groups.ban")


async def test_timed_ban_uses_the_user_token_and_removes_the_member_from_the_chat(
        emulator: VkEmulator, executor: VkExecutor) -> None:
    emulator.add_members(CHAT, MEMBER)
    until = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    result = await executor.execute(Ban(VK_CHAT, UserRef("vk", str(MEMBER)), until=until))
    assert result.ok
    ban = emulator.calls_to("groups.ban")[0]
    assert ban.token == "user"
    assert (ban["group_id"], ban["owner_id"], ban["end_date"]) == (
        "42", str(MEMBER), str(int(until.timestamp())))
    assert MEMBER not in emulator.peer(CHAT).members
    assert (await executor.execute(Unban(VK_CHAT, UserRef("vk", str(MEMBER))))).ok
    assert MEMBER not in emulator.bans


async def test_one_ban_over_a_chat_and_the_wall_is_one_groups_ban_until_lifted(
        emulator: VkEmulator, executor: VkExecutor) -> None:
    """A /ban from the queue acts in each VK chat and on the wall; VK's ban is the
    community's, so the admin's user token is spent once (and again after an unban)."""
    emulator.add_members(CHAT, MEMBER)
    member = UserRef("vk", str(MEMBER))
    until = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    assert (await executor.execute(Ban(VK_CHAT, member, until=until))).ok
    assert (await executor.execute(Ban(WALL, member, until=until))).ok
    assert len(emulator.calls_to("groups.ban")) == 1
    assert MEMBER not in emulator.peer(CHAT).members
    assert (await executor.execute(Unban(WALL, member))).ok
    assert (await executor.execute(Ban(WALL, member, until=until))).ok
    assert len(emulator.calls_to("groups.ban")) == 2


async def test_mute_is_refused_explicitly_never_dropped(executor: VkExecutor,
                                                        emulator: VkEmulator) -> None:
    for action in (Mute(VK_CHAT, UserRef("vk", "5"), None), Unmute(VK_CHAT, UserRef("vk", "5"))):
        result = await executor.execute(action)
        assert not result.ok and result.permanent
        assert result.error == "VK chats have no timed mute"
    assert emulator.calls == []


async def test_kick_and_leave_remove_chat_users(emulator: VkEmulator,
                                                executor: VkExecutor) -> None:
    emulator.add_members(CHAT, MEMBER)
    assert (await executor.execute(Kick(VK_CHAT, UserRef("vk", str(MEMBER))))).ok
    assert (await executor.execute(LeaveChat(VK_CHAT))).ok
    calls = emulator.calls_to("messages.removeChatUser")
    assert [(c["chat_id"], c["member_id"]) for c in calls] == [("1", str(MEMBER)), ("1", "-42")]
    result = await executor.execute(Kick(WALL, UserRef("vk", str(MEMBER))))
    assert not result.ok and result.permanent


async def test_edit_and_delete_in_a_chat_go_by_conversation_message_id(
        emulator: VkEmulator, executor: VkExecutor) -> None:
    sent = await executor.execute(hello(buttons=((Button(Text.raw("Take"), "take:1"),),)))
    assert sent.message_id is not None
    edited = await executor.execute(EditMessage(VK_CHAT, sent.message_id, Text.raw("taken"), "en"))
    assert edited.ok and emulator.sent(CHAT)[0].text == "taken"
    assert emulator.sent(CHAT)[0].keyboard == {"inline": True, "buttons": []}
    assert (await executor.execute(DeleteMessage(VK_CHAT, sent.message_id))).ok
    assert emulator.sent(CHAT)[0].deleted


async def test_wall_reply_delete_and_queue_notice(emulator: VkEmulator,
                                                  executor: VkExecutor) -> None:
    comment = emulator.post_comment(10, MEMBER, "how much is it?")
    reply = await executor.execute(SendMessage(WALL, Text.raw("500 rub"), "en",
                                               reply_to=str(comment), thread_id="10"))
    assert reply.ok and reply.message_id is not None
    created = emulator.comments[int(reply.message_id)]
    assert (created["post_id"], created["reply_to_comment"], created["text"]) == (
        10, str(comment), "500 rub")
    call = emulator.calls_to("wall.createComment")[0]
    assert call["from_group"] == "42" and call["owner_id"] == "-42"
    assert (await executor.execute(DeleteMessage(WALL, str(comment), "10"))).ok
    assert emulator.comments[comment]["deleted"]
    queued = await executor.execute(NotifyQueue(ChatRef("vk", str(QUEUE)), Text.raw("#1"), "en"))
    assert queued.ok and emulator.sent(QUEUE)[0].text == "#1"


async def test_publish_on_the_wall_uploads_the_photo_and_honours_postponed(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    photo = tmp_path / "lesson.jpg"
    photo.write_bytes(b"\xff\xd8" + b"0" * 100)
    app = await _app(emulator, tmp_path, clock, extra="wall_postponed = true")
    at = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    try:
        executor = attach_vk(app)
        result = await executor.execute(Publish(WALL, "Good morning", "lesson.jpg",
                                                "occurrence:1", publish_at=at))
        again = await executor.execute(Publish(WALL, "Good morning", "lesson.jpg",
                                               "occurrence:1", publish_at=at))
    finally:
        await app.close()
    assert result.ok and again.message_id == result.message_id
    assert len(emulator.posts) == 1
    post = emulator.posts[int(result.message_id or 0)]
    assert post["from_group"] == "1" and post["owner_id"] == "-42"
    assert post["publish_date"] == str(int(at.timestamp()))
    assert post["attachments"].startswith("photo-42_")
    assert emulator.calls_to("upload")[0]["size"] == "102"
    assert emulator.calls_to("wall.post")[0].token == "user"


async def test_publish_on_the_wall_without_user_token_names_the_missing_token(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    app = await _app(emulator, tmp_path, clock, user_token=False)
    try:
        result = await attach_vk(app).execute(Publish(WALL, "hi", None, "occurrence:2"))
    finally:
        await app.close()
    assert not result.ok and result.permanent
    assert "[vk] user_token is not set: wall.post" in (result.error or "")


async def test_publish_to_a_chat_sends_a_message(emulator: VkEmulator,
                                                 executor: VkExecutor) -> None:
    result = await executor.execute(Publish(VK_CHAT, "News", None, "occurrence:3"))
    assert result.ok and emulator.sent(CHAT)[0].text == "News"


async def test_answer_callback_sends_the_event_answer(emulator: VkEmulator,
                                                      executor: VkExecutor) -> None:
    result = await executor.execute(AnswerCallback(f"abc:{MEMBER}:{CHAT}", VK_CHAT,
                                                   Text.raw("Done"), "en"))
    assert result.ok
    call = emulator.calls_to("messages.sendMessageEventAnswer")[0]
    assert (call["event_id"], call["user_id"], call["peer_id"]) == ("abc", str(MEMBER), str(CHAT))
    assert json.loads(call["event_data"]) == {"type": "show_snackbar", "text": "Done"}


async def test_api_base_is_honoured_not_api_vk_com(emulator: VkEmulator,
                                                   executor: VkExecutor) -> None:
    await executor.execute(hello())
    assert emulator.calls_to("messages.send")
    assert executor.client.api_base == emulator.api_base


async def test_publish_with_a_missing_photo_file_fails_permanently_and_says_which(
        emulator: VkEmulator, executor: VkExecutor) -> None:
    result = await executor.execute(Publish(WALL, "hi", "/nonexistent/x.jpg", "occurrence:9"))
    assert not result.ok and result.permanent and "/nonexistent/x.jpg" in (result.error or "")
    assert not emulator.calls_to("wall.post")


async def test_through_the_outbox_a_retry_is_deduplicated_but_a_repeat_decision_is_not(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    from bot.core.codec import encode_action

    app = await _app(emulator, tmp_path, clock)
    try:
        attach_vk(app, sleeper=Sleeps())
        # The first send reaches VK but every answer in this round is lost: the outbox
        # retries the item later, with the same random_id.
        emulator.fail("messages.send", 10, times=3, after_effect=True)
        async with app.uow_factory() as uow:
            await uow.outbox.add("e1", [encode_action(hello())], clock.now())
            await uow.commit()
        await app.pipeline.drain()
        assert len(emulator.sent(CHAT)) == 1
        clock.advance(timedelta(minutes=1))
        await app.pipeline.drain()
        assert len(emulator.sent(CHAT)) == 1
        assert app.pipeline.delivered[-1][1].ok
        # The same words decided again by another event are a new message.
        async with app.uow_factory() as uow:
            await uow.outbox.add("e2", [encode_action(hello())], clock.now())
            await uow.commit()
        await app.pipeline.drain()
        assert len(emulator.sent(CHAT)) == 2
    finally:
        await app.close()


def test_long_button_labels_end_on_a_whole_word() -> None:
    from handlers.vk.executor import button_label

    label = button_label("Можно ли заморозить абонемент на время отпуска или болезни?")
    assert len(label) <= 40 and label == "Можно ли заморозить абонемент на время…"
    assert button_label("Short question?") == "Short question?"
    assert len(button_label("x" * 80)) == 40
