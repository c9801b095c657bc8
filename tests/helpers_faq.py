"""Helpers for the FAQ feature tests: a config with a FAQ file, messages, a recording executor."""

from __future__ import annotations

import itertools
import os
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.app import App, create_app
from bot.config import load_config
from bot.core.actions import ActionResult, AnyAction, SendMessage
from bot.core.chats import ChatRef, UserRef
from bot.core.clock import FakeClock
from bot.core.events import Author, CallbackPressed, IncomingMessage, ReplyTarget, SenderKind
from bot.core.faq.entries import FaqEntry, dump_faq_file
from bot.core.faq.matcher import FaqMatch, Thresholds
from bot.core.faq.service import FaqFeature

GROUP = ChatRef("telegram", "-1001")
VK_CHAT = ChatRef("vk", "2000000001")
VK_WALL = ChatRef("vk", "wall")
QUEUE = ChatRef("telegram", "-2002")
PRIVATE = ChatRef("telegram", "555")
MODERATOR = UserRef("telegram", "900")
MEMBER = UserRef("telegram", "555")

ENTRIES = (
    FaqEntry("pay", "en", ("How do I pay for the course?", "Can I pay by card?"),
             "Pay by card on the website or by bank transfer."),
    FaqEntry("schedule", "en", ("When are the lessons?",),
             "Lessons are on Tuesdays and Thursdays at 7 pm."),
    FaqEntry("refund", "en", ("How do I get a refund?",),
             "Write to support within 14 days for a full refund."),
)

CONFIG = """
[database]
url = "sqlite+aiosqlite:///modbot.db"

[telegram]
token = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"

[vk]
token = "vk-test-token"
group_id = 42

[[community]]
name = "demo"
language = "en"
faq = "faq.toml"
chats = ["telegram:-1001", "vk:2000000001", "vk:wall"]
moderators = ["telegram:900"]
queue = "telegram:-2002"

[community.answers]
repeat_window = "30m"
{answers}
"""

_ids = itertools.count(1)


def write_faq(path: Path, entries: Sequence[FaqEntry], *, bump: bool = True) -> None:
    """Write a FAQ file; `bump` moves its mtime forward so a reload cannot miss the change."""
    path.write_text(dump_faq_file(entries), encoding="utf-8")
    if bump:
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


def write_faq_config(folder: Path, entries: Sequence[FaqEntry] = ENTRIES,
                     answers: str = "") -> Path:
    write_faq(folder / "faq.toml", entries, bump=False)
    path = folder / "config.toml"
    path.write_text(textwrap.dedent(CONFIG).replace("{answers}", answers), encoding="utf-8")
    return path


async def faq_app(config_path: Path, clock: FakeClock) -> tuple[App, Recorder]:
    app = await create_app(load_config(config_path), clock=clock, instance_id="test")
    recorder = Recorder()
    for platform in ("telegram", "vk"):
        app.router.add(recorder.executor(platform))
    return app, recorder


def feature(app: App) -> FaqFeature:
    found: FaqFeature = app.services["faq"]
    return found


def message(chat: ChatRef, text: str, *, user: UserRef = MEMBER, thread_id: str | None = None,
            reply_to: ReplyTarget | None = None, kind: SenderKind = SenderKind.MEMBER,
            edited: bool = False) -> IncomingMessage:
    n = next(_ids)
    return IncomingMessage(event_id=f"faq-test:{n}", chat=chat, message_id=str(1000 + n),
                           author=Author(user, f"User {user.user_id}", f"u{user.user_id}", kind),
                           text=text, date=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
                           reply_to=reply_to, thread_id=thread_id, edited=edited)


def callback(chat: ChatRef, data: str, user: UserRef = MEMBER) -> CallbackPressed:
    n = next(_ids)
    return CallbackPressed(event_id=f"faq-cb:{n}", chat=chat, message_id="77",
                           author=Author(user, "User", None), data=data, callback_id=f"cb{n}",
                           date=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@dataclass
class Recorder:
    """Executes every action as a success with increasing message ids, and keeps them."""

    actions: list[AnyAction] = field(default_factory=list)
    results: list[ActionResult] = field(default_factory=list)
    fail: Callable[[AnyAction], bool] = lambda _action: False
    _next_id: itertools.count[int] = field(default_factory=lambda: itertools.count(5000))

    def executor(self, platform: str) -> _Executor:
        return _Executor(platform, self)

    def take(self) -> list[AnyAction]:
        out, self.actions = self.actions, []
        return out

    def sent(self) -> list[SendMessage]:
        return [a for a in self.take() if isinstance(a, SendMessage)]


@dataclass
class _Executor:
    platform: str
    recorder: Recorder

    async def execute(self, action: AnyAction) -> ActionResult:
        self.recorder.actions.append(action)
        if self.recorder.fail(action):
            result = ActionResult(ok=False, error="nope", permanent=True)
        else:
            result = ActionResult(ok=True, message_id=str(next(self.recorder._next_id)))
        self.recorder.results.append(result)
        return result


class FakeMatcher:
    """Answers by substring: {"pay": ("answer", "pay")} forces a band for messages containing it."""

    def __init__(self, rules: Mapping[str, tuple[str, str | None]],
                 entries: Sequence[FaqEntry]) -> None:
        self.rules = dict(rules)
        self.ids = [e.id for e in entries]

    def match(self, text: str) -> FaqMatch:
        if not text.rstrip().endswith("?"):
            return FaqMatch(None, 0.0, "none", False, ())
        for needle, (band, faq_id) in self.rules.items():
            if needle in text:
                others = tuple((i, 0.1) for i in self.ids if i != faq_id)[:2]
                candidates = ((faq_id, 0.5), *others) if faq_id else ()
                score = {"answer": 0.9, "suggest": 0.5}.get(band, 0.1)
                return FaqMatch(faq_id if band != "none" else None, score,
                                band, True, candidates)  # type: ignore[arg-type]
        return FaqMatch(None, 0.0, "none", True, ())


def use_fake_matcher(app: App, rules: Mapping[str, tuple[str, str | None]]) -> None:
    def factory(entries: Sequence[FaqEntry], thresholds: Thresholds) -> FakeMatcher:
        return FakeMatcher(rules, entries)

    lib = feature(app).library
    lib.matcher_factory = factory
    lib.invalidate()


def texts(app: App, actions: Sequence[AnyAction], lang: str = "en") -> list[str]:
    return [app.catalog.render(a.text, lang) for a in actions if isinstance(a, SendMessage)]
