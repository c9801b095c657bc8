"""Why a platform refused: the raw error sorted into a reason people can read.

A platform's error text ("Bad Request: PARTICIPANT_ID_INVALID", "wall.post failed [15]: access
denied", an HTTP client's "Bad Gateway") is English and internal: quoted into a Russian chat
or queue it explains nothing to the people there. Notices say the kind of reason in the
chat's language; the raw text stays in the log line of the failure (and in `modbot schedule
list`, the owner's tool).
"""

from __future__ import annotations

from typing import Literal

from bot.core.texts import Text

Reason = Literal["user_token", "rights", "not_in_chat", "topic_closed", "member_gone",
                 "message_gone", "outage", "other"]

# Checked in this order: the first kind whose marker the error holds (lower case).
_MARKERS: tuple[tuple[Reason, tuple[str, ...]], ...] = (
    ("user_token", ("user_token is not set",)),
    ("not_in_chat", ("bot is not a member", "bot was kicked", "chat not found",
                     "bot was blocked", "[945]")),
    ("topic_closed", ("topic_closed", "topic_deleted", "message thread not found",
                      "topic not found")),
    ("member_gone", ("participant_id_invalid", "user not found", "user_not_participant",
                     "member not found", "[935]")),
    ("message_gone", ("message to delete not found", "message can't be deleted for everyone",
                      "can't delete", "[924]", "message not found")),
    ("rights", ("not enough rights", "rights", "administrator", "access denied", "permission",
                "can't be deleted", "no access", "not an admin")),
    ("outage", ("past schedule_grace", "retries ran past", "gave up after", "bad gateway",
                "gateway", "timeout", "timed out", "network", "server error", "internal server",
                "service unavailable", "too many requests", "outcome unknown")),
)


def classify(error: str | None) -> Reason:
    """The kind of reason behind a platform's error text."""
    lowered = (error or "").lower()
    for reason, markers in _MARKERS:
        if any(marker in lowered for marker in markers):
            return reason
    return "other"


def reason_text(error: str | None, *, owner: bool = True) -> Text:
    """The reason as a catalog text (``common.reason.<kind>``). ``owner=False`` for a chat's
    members: the owner's remedy (a config key to set) is said only where moderators read, and
    the chat hears about rights "here" where the queue hears "there"."""
    kind = classify(error)
    if kind in ("user_token", "rights") and not owner:
        return Text(f"common.reason.{kind}_chat")
    return Text(f"common.reason.{kind}")
