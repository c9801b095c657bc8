"""Bot API methods of the emulator: each takes parsed parameters and returns a result or raises
ApiError, with the status codes and descriptions the real Bot API uses."""

from __future__ import annotations

from typing import Any

from tg_emulator.world import ADMIN_RIGHTS, Chat, World


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def _int(params: dict[str, Any], key: str) -> int:
    value = params.get(key)
    if value is None:
        raise ApiError(400, f"Bad Request: parameter \"{key}\" is required")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, f"Bad Request: invalid {key} specified") from None


def _chat(world: World, params: dict[str, Any], *, must_be_in: bool = True) -> Chat:
    chat_id = _int(params, "chat_id")
    chat = world.chats.get(chat_id)
    if chat is None:
        raise ApiError(400, "Bad Request: chat not found")
    if must_be_in and chat.bot_status in ("left", "kicked"):
        kind = "channel" if chat.type == "channel" else f"{chat.type} chat"
        raise ApiError(403, f"Forbidden: bot is not a member of the {kind}")
    return chat


def _need(chat: Chat, right: str, what: str) -> None:
    if not chat.bot_can(right):
        raise ApiError(400, f"Bad Request: not enough rights to {what}")


def _reply(world: World, chat: Chat, params: dict[str, Any]) -> dict[str, Any] | None:
    reply = params.get("reply_parameters")
    if reply is None and params.get("reply_to_message_id") is not None:
        reply = {"message_id": params["reply_to_message_id"],
                 "allow_sending_without_reply": params.get("allow_sending_without_reply")}
    if not isinstance(reply, dict) or reply.get("message_id") is None:
        return None
    target = world.find(chat.id, int(reply["message_id"]))
    if target is None:
        if reply.get("allow_sending_without_reply"):
            return None
        raise ApiError(400, "Bad Request: message to be replied not found")
    nested = dict(target.message)
    nested.pop("reply_to_message", None)
    return nested


def _outgoing(world: World, chat: Chat, params: dict[str, Any], **fields: Any) -> dict[str, Any]:
    extra: dict[str, Any] = dict(fields)
    if chat.type == "channel":
        extra["sender_chat"] = chat.as_json()
    else:
        extra["from"] = world.bot_user
    reply = _reply(world, chat, params)
    if reply is not None:
        extra["reply_to_message"] = reply
    if params.get("reply_markup"):
        extra["reply_markup"] = params["reply_markup"]
    if params.get("message_thread_id"):
        extra["message_thread_id"] = int(params["message_thread_id"])
        extra["is_topic_message"] = True
    message = world.new_message(chat, **extra)
    world.store(chat, message, from_bot=True)
    return message


def send_message(world: World, p: dict[str, Any]) -> Any:
    chat = _chat(world, p)
    text = str(p.get("text") or "")
    if not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if len(text) > 4096:
        raise ApiError(400, "Bad Request: message is too long")
    return _outgoing(world, chat, p, text=text)


def send_photo(world: World, p: dict[str, Any]) -> Any:
    chat = _chat(world, p)
    if not p.get("photo"):
        raise ApiError(400, "Bad Request: there is no photo in the request")
    caption = p.get("caption")
    if caption is not None and len(str(caption)) > 1024:
        raise ApiError(400, "Bad Request: message caption is too long")
    fields: dict[str, Any] = {"photo": world.photo_sizes()}
    if caption:
        fields["caption"] = str(caption)
    return _outgoing(world, chat, p, **fields)


def edit_message_text(world: World, p: dict[str, Any]) -> Any:
    chat = _chat(world, p)
    stored = world.find(chat.id, _int(p, "message_id"))
    if stored is None:
        raise ApiError(400, "Bad Request: message to edit not found")
    if not stored.from_bot:
        raise ApiError(400, "Bad Request: message can't be edited")
    text = str(p.get("text") or "")
    markup = p.get("reply_markup")
    if text == stored.message.get("text") and markup == stored.message.get("reply_markup"):
        raise ApiError(400, "Bad Request: message is not modified: specified new message "
                            "content and reply markup are exactly the same as a current "
                            "content and reply markup of the message")
    stored.message["text"] = text
    stored.message["edit_date"] = int(world.clock())
    if markup:
        stored.message["reply_markup"] = markup
    else:
        stored.message.pop("reply_markup", None)
    return stored.message


def delete_message(world: World, p: dict[str, Any]) -> Any:
    chat = _chat(world, p)
    stored = world.find(chat.id, _int(p, "message_id"))
    if stored is None:
        raise ApiError(400, "Bad Request: message to delete not found")
    if not stored.from_bot and not chat.bot_can("can_delete_messages"):
        raise ApiError(400, "Bad Request: message can't be deleted")
    stored.deleted = True
    return True


def _target(world: World, chat: Chat, p: dict[str, Any]) -> int:
    if chat.type == "private":
        raise ApiError(400, "Bad Request: method is available only for supergroups")
    user_id = _int(p, "user_id")
    if user_id in chat.admins:
        raise ApiError(400, "Bad Request: user is an administrator of the chat")
    return user_id


def restrict_chat_member(world: World, p: dict[str, Any]) -> Any:
    chat = _chat(world, p)
    if chat.type == "channel":  # as Telegram: a channel's subscribers have nothing to restrict
        raise ApiError(400, "Bad Request: method is available only for supergroups")
    _need(chat, "can_restrict_members", "restrict/unrestrict chat member")
    user_id = _target(world, chat, p)
    permissions = p.get("permissions")
    if not isinstance(permissions, dict):
        raise ApiError(400, "Bad Request: can't parse permissions JSON object")
    if all(permissions.get(k) for k in ("can_send_messages", "can_send_other_messages")):
        chat.members[user_id] = {"status": "member"}
    else:
        chat.members[user_id] = {"status": "restricted", "is_member": True,
                                 "until_date": int(p.get("until_date") or 0), **permissions}
    return True


def ban_chat_member(world: World, p: dict[str, Any]) -> Any:
    chat = _chat(world, p)
    _need(chat, "can_restrict_members", "restrict/unrestrict chat member")
    user_id = _target(world, chat, p)
    chat.members[user_id] = {"status": "kicked", "until_date": int(p.get("until_date") or 0)}
    return True


def unban_chat_member(world: World, p: dict[str, Any]) -> Any:
    chat = _chat(world, p)
    _need(chat, "can_restrict_members", "restrict/unrestrict chat member")
    user_id = _int(p, "user_id")
    current = chat.members.get(user_id, {"status": "member"})
    if p.get("only_if_banned") and current["status"] != "kicked":
        return True
    chat.members[user_id] = {"status": "left"}
    return True


def ban_chat_sender_chat(world: World, p: dict[str, Any]) -> Any:
    chat = _chat(world, p)
    _need(chat, "can_restrict_members", "ban sender chat")
    chat.banned_sender_chats.add(_int(p, "sender_chat_id"))
    return True


def unban_chat_sender_chat(world: World, p: dict[str, Any]) -> Any:
    chat = _chat(world, p)
    _need(chat, "can_restrict_members", "unban sender chat")
    chat.banned_sender_chats.discard(_int(p, "sender_chat_id"))
    return True


def answer_callback_query(world: World, p: dict[str, Any]) -> Any:
    query = world.callbacks.get(str(p.get("callback_query_id")))
    if query is None or query.get("answered"):
        raise ApiError(400, "Bad Request: query is too old and response timeout expired or "
                            "query ID is invalid")
    query["answered"] = {"text": p.get("text"), "show_alert": bool(p.get("show_alert"))}
    return True


def leave_chat(world: World, p: dict[str, Any]) -> Any:
    chat = _chat(world, p)
    chat.bot_status = "left"
    return True


def get_chat_administrators(world: World, p: dict[str, Any]) -> Any:
    chat = _chat(world, p)
    if chat.type == "private":
        raise ApiError(400, "Bad Request: there are no administrators in the private chat")
    admins = [{"status": "administrator", "user": world.user(uid), **ADMIN_RIGHTS}
              for uid in sorted(chat.admins)]
    if chat.bot_status == "administrator":
        admins.append(world.member_json(chat, world.bot_id))
    return admins


def get_chat_member(world: World, p: dict[str, Any]) -> Any:
    chat = _chat(world, p, must_be_in=False)
    user_id = _int(p, "user_id")
    if user_id == world.bot_id and chat.bot_status in ("left", "kicked"):
        return {"status": chat.bot_status, "user": world.bot_user,
                **({"until_date": 0} if chat.bot_status == "kicked" else {})}
    return world.member_json(chat, user_id)


def get_chat(world: World, p: dict[str, Any]) -> Any:
    chat = _chat(world, p, must_be_in=False)
    linked = {"linked_chat_id": chat.linked_chat_id} if chat.linked_chat_id else {}
    gifts = {"unlimited_gifts": True, "limited_gifts": True, "unique_gifts": True,
             "premium_subscription": True, "gifts_from_channels": True}
    return {**chat.as_json(), "accent_color_id": 0, "max_reaction_count": 11,
            "accepted_gift_types": gifts, **linked}


def get_me(world: World, p: dict[str, Any]) -> Any:
    return {**world.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False}


METHODS = {
    "getMe": get_me,
    "sendMessage": send_message,
    "sendPhoto": send_photo,
    "editMessageText": edit_message_text,
    "deleteMessage": delete_message,
    "restrictChatMember": restrict_chat_member,
    "banChatMember": ban_chat_member,
    "unbanChatMember": unban_chat_member,
    "banChatSenderChat": ban_chat_sender_chat,
    "unbanChatSenderChat": unban_chat_sender_chat,
    "answerCallbackQuery": answer_callback_query,
    "leaveChat": leave_chat,
    "getChatAdministrators": get_chat_administrators,
    "getChatMember": get_chat_member,
    "getChat": get_chat,
}
