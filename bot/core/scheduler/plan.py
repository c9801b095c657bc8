"""The content plan as posts: config entries to NewPost (with stable keys), rules of posts.

A config entry's key is a hash of everything that defines it, so an unchanged entry maps to
the same row across restarts and an edited one becomes a new post (the old one is retired).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.core.scheduler.ports import NewPost, PostRecord, PostSource
from bot.core.scheduler.when import OneOff, Recurring, Rule, validate_entry
from bot.core.settings import CommunitySettings, ScheduleEntry
from bot.core.texts import clip

#: Telegram's and VK's limit for one message's text: a longer post would be cut when published
MAX_POST_TEXT = 4096

CONFIG_ACTOR = "config"


def config_key(community: str, at: datetime | None, cron: str | None, text: str,
               photo: str | None, chats: Sequence[str]) -> str:
    canonical = json.dumps({
        "community": community, "at": at.isoformat() if at else None, "cron": cron,
        "text": text, "photo": photo, "chats": list(chats),
    }, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def entry_to_post(community: CommunitySettings, entry: ScheduleEntry,
                  resolve_photo: Callable[[str], str]) -> NewPost:
    """A validated config entry as a post; `resolve_photo` makes the path absolute."""
    rule = validate_entry(entry, community.tz)
    chats = tuple(str(c) for c in (entry.chats or community.chats))
    photo = resolve_photo(entry.photo) if entry.photo else None
    at = rule.at if isinstance(rule, OneOff) else None
    cron = rule.cron if isinstance(rule, Recurring) else None
    return NewPost(community=community.name, source=PostSource.CONFIG, text=entry.text,
                   chats=chats, created_by=CONFIG_ACTOR, at=at, cron=cron, photo=photo,
                   config_key=config_key(community.name, at, cron, entry.text, photo, chats))


def rule_of(post: PostRecord) -> Rule:
    if post.cron is not None:
        return Recurring(post.cron)
    if post.at is None:
        raise ValueError(f"post {post.id} has neither `at` nor `cron`")
    return OneOff(post.at)


def preview(text: str, limit: int = 60) -> str:
    """The first line of a post, shortened, for lists and notices."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return clip(line, limit)
