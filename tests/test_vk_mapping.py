"""Long-poll update → core event mapping (the shapes VK sends, API 5.199)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.chats import ChatRef, UserRef
from bot.core.events import CallbackPressed, IncomingMessage, MemberChanged, SenderKind
from handlers.vk.mapping import map_update, normalize_text

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GROUP = 42


def message(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {"date": 1772442000, "from_id": 5, "id": 0,
                               "peer_id": 2000000001, "text": "hi",
                               "conversation_message_id": 17, "fwd_messages": [],
                               "attachments": []}
    base.update(fields)
    return {"type": "message_new", "event_id": "abc", "group_id": GROUP,
            "object": {"message": base, "client_info": {}}}


def test_chat_message_uses_conversation_message_id_and_event_id() -> None:
    event = map_update(message(), GROUP, NOW)
    assert isinstance(event, IncomingMessage)
    assert event.event_id == "vk:abc" and event.message_id == "17"
    assert event.chat == ChatRef("vk", "2000000001") and not event.is_private
    assert event.author.ref == UserRef("vk", "5") and event.author.kind is SenderKind.MEMBER


def test_without_event_id_the_peer_and_conversation_id_identify_the_message() -> None:
    update = message()
    del update["event_id"]
    event = map_update(update, GROUP, NOW)
    assert event is not None and event.event_id == "vk:2000000001:17"


def test_private_message_is_a_private_chat_with_the_user() -> None:
    event = map_update(message(peer_id=5, from_id=5), GROUP, NOW)
    assert isinstance(event, IncomingMessage) and event.is_private
    assert event.chat == ChatRef("vk", "5")


def test_reply_photo_and_mentions() -> None:
    event = map_update(message(
        text="!ban [id77|@spammer] 1d",
        reply_message={"conversation_message_id": 3, "from_id": 77, "text": "buy now",
                       "attachments": []},
        attachments=[{"type": "photo", "photo": {"id": 9, "owner_id": 5,
                                                 "access_key": "k"}}]), GROUP, NOW)
    assert isinstance(event, IncomingMessage)
    assert event.text == "!ban @spammer 1d"
    assert event.mentions == (("@spammer", UserRef("vk", "77")),)
    assert event.reply_to is not None and event.reply_to.message_id == "3"
    assert event.reply_to.author is not None and event.reply_to.author.ref.user_id == "77"
    assert event.photo == "photo5_9_k"


def test_a_leading_mention_of_the_bot_is_dropped() -> None:
    assert normalize_text("[club42|@modbot], /help", GROUP)[0] == "/help"
    assert normalize_text("[id5|Pavel] hi", GROUP) == ("@id5 hi", (("@id5", UserRef("vk", "5")),))


def test_forward_only_message_is_forwarded_words_and_communities_are_bots() -> None:
    forwarded = map_update(message(text="", fwd_messages=[{"from_id": 8, "text": "/ban"}]),
                           GROUP, NOW)
    assert isinstance(forwarded, IncomingMessage)
    assert forwarded.author.kind is SenderKind.FORWARDED and forwarded.text == "/ban"
    community = map_update(message(from_id=-99), GROUP, NOW)
    assert isinstance(community, IncomingMessage) and community.author.kind is SenderKind.BOT
    assert map_update(message(from_id=-GROUP), GROUP, NOW) is None  # our own output


def test_bot_invited_is_member_changed_for_the_bot_itself() -> None:
    event = map_update(message(text="", action={"type": "chat_invite_user",
                                                "member_id": -GROUP}), GROUP, NOW)
    assert isinstance(event, MemberChanged)
    assert event.is_bot_itself and event.joined and event.chat == ChatRef("vk", "2000000001")


def test_wall_comment_new_and_edit() -> None:
    obj = {"id": 31, "from_id": 5, "date": 1772442000, "text": "price?", "post_id": 10,
           "owner_id": -GROUP, "reply_to_comment": 30}
    new = map_update({"type": "wall_reply_new", "event_id": "w1", "object": obj}, GROUP, NOW)
    edit = map_update({"type": "wall_reply_edit", "event_id": "w2", "object": obj}, GROUP, NOW)
    assert isinstance(new, IncomingMessage) and isinstance(edit, IncomingMessage)
    assert new.chat == ChatRef("vk", "wall") and new.thread_id == "10" and new.message_id == "31"
    assert new.reply_to is not None and new.reply_to.message_id == "30"
    assert not new.edited and edit.edited and new.event_id != edit.event_id


def test_message_event_carries_what_the_answer_needs() -> None:
    event = map_update({"type": "message_event", "event_id": "e1", "object": {
        "user_id": 5, "peer_id": 2000000002, "event_id": "cbx", "payload": {"d": "take:3"},
        "conversation_message_id": 12}}, GROUP, NOW)
    assert isinstance(event, CallbackPressed)
    assert event.data == "take:3" and event.message_id == "12"
    assert event.callback_id == "cbx:5:2000000002" and event.chat == ChatRef("vk", "2000000002")


def test_group_join_and_leave_are_member_changes_and_unknown_types_ignored() -> None:
    join = map_update({"type": "group_join", "event_id": "j", "object": {"user_id": 5}}, GROUP,
                      NOW)
    assert isinstance(join, MemberChanged) and join.joined and not join.is_bot_itself
    assert map_update({"type": "photo_new", "object": {}}, GROUP, NOW) is None


def test_a_command_sent_with_a_forwarded_message_targets_its_author() -> None:
    here = map_update(message(text="!ban spam", fwd_messages=[
        {"from_id": 77, "text": "buy now", "peer_id": 2000000001,
         "conversation_message_id": 12}]), GROUP, NOW)
    assert isinstance(here, IncomingMessage) and here.author.kind is SenderKind.MEMBER
    assert here.reply_to is not None and here.reply_to.message_id == "12"
    assert here.reply_to.author is not None and here.reply_to.author.ref == UserRef("vk", "77")
    # forwarded from another chat: the author counts, its message id would name another message
    elsewhere = map_update(message(text="!ban", fwd_messages=[
        {"from_id": 77, "text": "x", "peer_id": 2000000009, "conversation_message_id": 12}]),
        GROUP, NOW)
    assert isinstance(elsewhere, IncomingMessage) and elsewhere.reply_to is not None
    assert elsewhere.reply_to.message_id == ""


def test_an_edited_chat_message_is_an_edit_with_its_own_event_id() -> None:
    update = message(text="edited text", update_time=1772442100)
    update["type"] = "message_edit"
    del update["event_id"]
    update["object"] = update["object"]["message"]  # message_edit sends the message itself
    event = map_update(update, GROUP, NOW)
    assert isinstance(event, IncomingMessage) and event.edited
    assert event.event_id.startswith("vk:2000000001:17:edit:1772442100:")


def test_a_reply_to_a_wall_comment_names_the_author_replied_to() -> None:
    update = {"type": "wall_reply_new", "event_id": "w1", "group_id": GROUP, "object": {
        "id": 100, "post_id": 10, "from_id": 900, "date": 1772442000, "text": "!ban 1d spam",
        "reply_to_comment": 99, "reply_to_user": 777}}
    event = map_update(update, GROUP, NOW)
    assert isinstance(event, IncomingMessage) and event.reply_to is not None
    assert event.reply_to.message_id == "99"
    assert event.reply_to.author is not None and event.reply_to.author.ref == UserRef("vk", "777")
