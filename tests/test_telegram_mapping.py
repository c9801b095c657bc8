"""Telegram updates (as JSON, the way the Bot API sends them) → core events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiogram.types import Update

from bot.core.chats import ChatRef, UserRef
from bot.core.events import CallbackPressed, IncomingMessage, MemberChanged, SenderKind
from handlers.telegram.mapping import map_update

BOT_ID = 123456
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GROUP = {"id": -1001234567890, "type": "supergroup", "title": "Byte School"}
ALICE = {"id": 111, "is_bot": False, "first_name": "Alice", "last_name": "Smith",
         "username": "alice"}


def msg(**fields: Any) -> dict[str, Any]:
    return {"message_id": 42, "date": 1772442000, "chat": GROUP, "from": ALICE, **fields}


def mapped(update: dict[str, Any]) -> Any:
    return map_update(Update.model_validate({"update_id": 1, **update}), BOT_ID, NOW)


def test_member_message() -> None:
    event = mapped({"message": msg(text="hello")})
    assert isinstance(event, IncomingMessage)
    assert event.event_id == "telegram:-1001234567890:42"
    assert event.chat == ChatRef("telegram", "-1001234567890")
    assert event.message_id == "42"
    assert event.author.ref == UserRef("telegram", "111")
    assert (event.author.name, event.author.username) == ("Alice Smith", "alice")
    assert event.author.kind is SenderKind.MEMBER
    assert event.text == "hello"
    assert event.date == datetime.fromtimestamp(1772442000, UTC)
    assert event.link == "https://t.me/c/1234567890/42"
    assert not event.edited and event.reply_to is None


def test_public_supergroup_link_uses_the_username() -> None:
    event = mapped({"message": msg(text="x", chat={**GROUP, "username": "byteschool"})})
    assert event.link == "https://t.me/byteschool/42"


def test_basic_group_has_no_link() -> None:
    event = mapped({"message": msg(text="x", chat={"id": -5, "type": "group", "title": "g"})})
    assert event.link is None


def test_edited_message_gets_its_own_event_id() -> None:
    event = mapped({"edited_message": msg(text="fixed", edit_date=1772442100)})
    assert event.event_id.startswith("telegram:-1001234567890:42:edit:1772442100:")
    # a second edit within the same second is another event; a redelivery is the same one
    again = mapped({"edited_message": msg(text="fixed, you fool", edit_date=1772442100)})
    assert again.event_id != event.event_id
    assert mapped({"edited_message": msg(text="fixed", edit_date=1772442100)}).event_id \
        == event.event_id
    assert event.edited and event.date == datetime.fromtimestamp(1772442100, UTC)


def test_reply_carries_the_target_author_text_and_photo() -> None:
    target = msg(message_id=40, from_={}, caption="look",
                 photo=[{"file_id": "small", "file_unique_id": "a", "width": 90, "height": 90},
                        {"file_id": "big", "file_unique_id": "b", "width": 800, "height": 600}])
    target.pop("from_")
    target["from"] = {"id": 222, "is_bot": False, "first_name": "Bob"}
    event = mapped({"message": msg(text="/report spam", reply_to_message=target)})
    assert event.reply_to is not None
    assert event.reply_to.message_id == "40"
    assert event.reply_to.author is not None
    assert event.reply_to.author.ref == UserRef("telegram", "222")
    assert event.reply_to.text == "look"
    assert event.reply_to.photo == "big"
    # the ticket card links the reported message, not the /report
    assert event.reply_to.link == "https://t.me/c/1234567890/40"
    assert event.link == "https://t.me/c/1234567890/42"


def test_caption_and_largest_photo() -> None:
    photo = [{"file_id": "s", "file_unique_id": "1", "width": 90, "height": 90},
             {"file_id": "l", "file_unique_id": "2", "width": 1280, "height": 960},
             {"file_id": "m", "file_unique_id": "3", "width": 320, "height": 240}]
    event = mapped({"message": msg(caption="buy now", photo=photo)})
    assert event.text == "buy now" and event.photo == "l"


def test_anonymous_admin() -> None:
    event = mapped({"message": msg(text="/ban", sender_chat=GROUP,
                                   **{"from": {"id": 1087968824, "is_bot": True,
                                               "first_name": "Group"}})})
    assert event.author.kind is SenderKind.ANONYMOUS_ADMIN
    assert event.author.ref == UserRef("telegram", "-1001234567890")


def test_member_posting_as_a_channel() -> None:
    channel = {"id": -1009, "type": "channel", "title": "Spam TV", "username": "spamtv"}
    event = mapped({"message": msg(text="buy", sender_chat=channel,
                                   **{"from": {"id": 136817688, "is_bot": True,
                                               "first_name": "Channel"}})})
    assert event.author.kind is SenderKind.CHANNEL
    assert event.author.ref == UserRef("telegram", "-1009")
    assert event.author.username == "spamtv"


def test_linked_channel_auto_forward_is_forwarded_not_channel() -> None:
    channel = {"id": -1008, "type": "channel", "title": "Our news"}
    event = mapped({"message": msg(
        text="news", sender_chat=channel, is_automatic_forward=True,
        forward_origin={"type": "channel", "chat": channel, "message_id": 7, "date": 1},
        **{"from": {"id": 777000, "is_bot": False, "first_name": "Telegram"}})})
    assert event.author.kind is SenderKind.FORWARDED


def test_forwarded_message() -> None:
    origin = {"type": "user", "date": 1, "sender_user": {"id": 5, "is_bot": False,
                                                          "first_name": "Eve"}}
    event = mapped({"message": msg(text="/ban", forward_origin=origin)})
    assert event.author.kind is SenderKind.FORWARDED
    assert event.author.ref == UserRef("telegram", "111")


def test_bot_sender() -> None:
    event = mapped({"message": msg(text="hi", **{"from": {"id": 9, "is_bot": True,
                                                          "first_name": "Other bot"}})})
    assert event.author.kind is SenderKind.BOT


def test_text_mention_is_resolved() -> None:
    bob = {"id": 222, "is_bot": False, "first_name": "Bob"}
    event = mapped({"message": msg(text="/warn Bob spam", entities=[
        {"type": "bot_command", "offset": 0, "length": 5},
        {"type": "text_mention", "offset": 6, "length": 3, "user": bob}])})
    assert event.mentions == (("Bob", UserRef("telegram", "222")),)


def test_topic_message_keeps_its_thread_and_ignores_the_topic_opening() -> None:
    opening = msg(message_id=3, forum_topic_created={"name": "Help", "icon_color": 1})
    event = mapped({"message": msg(text="hi", message_thread_id=3, is_topic_message=True,
                                   reply_to_message=opening)})
    assert event.thread_id == "3" and event.reply_to is None


def test_service_messages_are_ignored() -> None:
    assert mapped({"message": msg(new_chat_members=[ALICE])}) is None
    assert mapped({"message": msg(pinned_message={"message_id": 1, "date": 0,
                                                  "chat": GROUP})}) is None


def test_callback_query() -> None:
    event = mapped({"callback_query": {
        "id": "987", "from": ALICE, "chat_instance": "x", "data": "claim:17",
        "message": msg(message_id=50, text="card", **{"from": {"id": BOT_ID, "is_bot": True,
                                                              "first_name": "Bot"}})}})
    assert isinstance(event, CallbackPressed)
    assert event.event_id == "telegram:cb:987"
    assert (event.chat, event.message_id, event.data, event.callback_id) == (
        ChatRef("telegram", "-1001234567890"), "50", "claim:17", "987")
    assert event.author.ref == UserRef("telegram", "111") and event.date == NOW


def test_inline_callback_without_message_is_ignored() -> None:
    assert mapped({"callback_query": {"id": "1", "from": ALICE, "chat_instance": "x",
                                      "data": "d", "inline_message_id": "abc"}}) is None


def member_update(kind: str, user: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    return {kind: {"chat": GROUP, "from": ALICE, "date": 1772442000,
                   "old_chat_member": {"status": old, "user": user},
                   "new_chat_member": {"status": new, "user": user}}}


def test_bot_added_to_a_group() -> None:
    bot = {"id": BOT_ID, "is_bot": True, "first_name": "ModBot"}
    event = mapped(member_update("my_chat_member", bot, "left", "member"))
    assert isinstance(event, MemberChanged)
    assert event.is_bot_itself and event.joined
    assert event.chat_title == "Byte School"
    assert event.event_id == f"telegram:member:-1001234567890:{BOT_ID}:1"


def test_member_joined_and_left() -> None:
    joined = mapped(member_update("chat_member", ALICE, "left", "member"))
    assert isinstance(joined, MemberChanged) and joined.joined and not joined.is_bot_itself
    left = mapped(member_update("chat_member", ALICE, "member", "left"))
    assert isinstance(left, MemberChanged) and not left.joined


def test_promotion_is_not_a_membership_change() -> None:
    update = member_update("chat_member", ALICE, "member", "creator")
    update["chat_member"]["new_chat_member"]["is_anonymous"] = False
    assert mapped(update) is None


def test_unknown_update_kinds_are_ignored() -> None:
    assert mapped({"chosen_inline_result": {"result_id": "1", "from": ALICE,
                                            "query": "q"}}) is None


def test_replied_message_keeps_where_its_hidden_links_point() -> None:
    """A text_link's address follows its words (offsets in UTF-16 units: the emoji counts
    two); a link whose address is already the visible text is not repeated."""
    target = msg(message_id=7, text="🎉 Webinar! Register here or https://x.io", entities=[
        {"type": "bold", "offset": 3, "length": 7},
        {"type": "text_link", "offset": 12, "length": 13, "url": "https://example.com/r"},
        {"type": "text_link", "offset": 29, "length": 12, "url": "https://x.io"}])
    event = mapped({"message": msg(text="/schedule in 1h", reply_to_message=target)})
    assert event.reply_to.text == ("🎉 Webinar! Register here (https://example.com/r) "
                                   "or https://x.io")
    captioned = msg(message_id=8, caption="Photo: tap me", photo=[
        {"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}],
        caption_entities=[{"type": "text_link", "offset": 7, "length": 6, "url": "https://y.io"}])
    event = mapped({"message": msg(text="/schedule in 1h", reply_to_message=captioned)})
    assert event.reply_to.text == "Photo: tap me (https://y.io)"
