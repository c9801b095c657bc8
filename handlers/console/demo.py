"""`modbot demo`: the real core, storage and features in a console chat, with no tokens.

Type as a member; `/as mod` and `/as member` switch roles. Lines starting with `>N ` reply to
message #N. `/in chat|queue|private` moves you between the group, the moderators' queue and a
private chat with the bot; `/press N K` presses button K under message #N; `/wait 30m` moves
the demo clock on (SLA reminders, scheduled posts). Works piped too: `modbot demo < script.txt`.
"""

from __future__ import annotations

import asyncio
import difflib
import functools
import itertools
import re
import tempfile
import threading
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from bot.app import App, create_app
from bot.config import AppConfig, LoadedConfig
from bot.core.chats import ChatRef, UserRef
from bot.core.durations import DurationError, parse_duration
from bot.core.events import Author, CallbackPressed, IncomingMessage, ReplyTarget, SenderKind
from bot.core.texts import Text
from bot.demo import DEMO_CONFIG
from handlers.console.executor import ConsoleExecutor

GROUP = ChatRef("console", "chat")
QUEUE = ChatRef("console", "queue")
_REPLY = re.compile(r"^>(\d+)\s+(.*)$", re.DOTALL)
# How far the demo clock moves at a time on /wait (each step runs the periodic work).
WAIT_STEP = timedelta(minutes=5)
# Each typed message or button press takes this long in demo time: a script piped in is a
# person typing, not eight messages in a millisecond (which anti-flood would mute).
TYPING = timedelta(seconds=2)
MAX_WAIT_STEPS = 300  # a long wait takes longer steps, but never past half the grace (see _wait)
_DEMO_USAGE = {
    "/as": "(usage: /as mod, /as member or /as NAME)",
    "/in": "(usage: /in chat, /in queue or /in private)",
    "/press": "(usage: /press N K: press button K under message #N)",
    "/wait": "(usage: /wait 30m)",
}
_DEMO_COMMANDS = (*_DEMO_USAGE, "/quit", "/exit")


class DemoClock:
    """Wall-clock time plus whatever `/wait` added."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class Persona:
    ref: UserRef
    name: str
    username: str
    kind: SenderKind = SenderKind.MEMBER

    def author(self) -> Author:
        return Author(self.ref, self.name, self.username, self.kind)


PEOPLE = {
    "member": Persona(UserRef("console", "1001"), "Alice", "alice"),
    "mod": Persona(UserRef("console", "900"), "Maria (moderator)", "maria"),
}


def demo_config(db_file: Path) -> LoadedConfig:
    """The packaged sample community, pointed at a throwaway SQLite file."""
    raw = tomllib.loads(DEMO_CONFIG.read_text(encoding="utf-8"))
    raw["database"]["url"] = f"sqlite+aiosqlite:///{db_file}"
    return LoadedConfig(app=AppConfig.model_validate(raw), path=DEMO_CONFIG, secrets=())


class ConsoleChat:
    def __init__(self, app: App, executor: ConsoleExecutor, clock: DemoClock,
                 ids: itertools.count[int], out: TextIO) -> None:
        self.app = app
        self.executor = executor
        self.clock = clock
        self.ids = ids
        self.out = out
        self.persona = PEOPLE["member"]
        self.where = GROUP
        self.history: dict[str, tuple[Author, str]] = {}
        self.seq = itertools.count(1)
        executor.names.update({str(p.ref): p.name for p in PEOPLE.values()})

    def say(self, line: str) -> None:
        print(line, file=self.out, flush=True)

    async def line(self, raw: str) -> bool:
        """Handle one typed line; False means quit."""
        text = raw.rstrip("\n")
        if not text.strip():
            return True
        words = text.split()
        head = words[0].lower()
        if head in ("/quit", "/exit"):
            return False
        if head == "/as" and len(words) == 2:
            self._switch(words[1].lower())
            return True
        if head == "/in" and len(words) == 2 and words[1].lower() in ("chat", "queue", "private"):
            self.where = {"chat": GROUP, "queue": QUEUE}.get(
                words[1].lower(), ChatRef("console", f"private-{self.persona.ref.user_id}"))
            self.say(f"(you are now in {self.where.chat_id})")
            return True
        if head == "/press" and len(words) == 3:
            await self._press(words[1].lstrip("#"), words[2])
            return True
        if head == "/wait" and len(words) == 2:
            await self._wait(words[1])
            return True
        if head in _DEMO_USAGE:  # a mistyped demo command must not be posted to the group
            self.say(_DEMO_USAGE[head])
            return True
        meant = self._misspelt_demo_command(head)
        if meant is not None:
            self.say(f"(did you mean {meant}? {_DEMO_USAGE.get(meant, '')})".replace(" )", ")"))
            return True
        await self._message(text)
        return True

    def _misspelt_demo_command(self, head: str) -> str | None:
        """/wiat, /presss: a demo command mistyped (the bot's own commands are left alone)."""
        if not head.startswith("/") or head.lstrip("/") in self._bot_commands:
            return None
        close = difflib.get_close_matches(head, _DEMO_COMMANDS, n=1, cutoff=0.8)
        return close[0] if close else None

    @functools.cached_property
    def _bot_commands(self) -> frozenset[str]:
        """The bot's own command names: a mistyped demo command is never one of them."""
        return frozenset(name for feature in self.app.core.features
                         for spec in feature.commands() for name in (spec.name, *spec.aliases))

    def _switch(self, role: str) -> None:
        if role in PEOPLE:
            self.persona = PEOPLE[role]
        else:
            number = 2000 + sum(ord(c) for c in role) % 1000
            self.persona = Persona(UserRef("console", str(number)), role.capitalize(), role)
            PEOPLE[role] = self.persona
        self.executor.names[str(self.persona.ref)] = self.persona.name
        if self.where.is_private:
            self.where = ChatRef("console", f"private-{self.persona.ref.user_id}")
        elif self.where == QUEUE and self.persona is not PEOPLE["mod"]:
            self.where = GROUP  # members do not write in the moderators' chat
            self.say("(members are not in the queue chat: you are back in chat)")
        self.say(f"(you are now {self.persona.name})")

    async def _message(self, text: str) -> None:
        reply_to = None
        match = _REPLY.match(text)
        if match:
            target_id, text = match.group(1), match.group(2)
            replied = self.history.get(target_id)
            if replied is None and target_id not in self.executor.texts:
                self.say(f"(there is no message #{target_id} yet: reply to one shown above)")
                return
            problem = self._cannot_reply(target_id)
            if problem:
                self.say(problem)
                return
            body = self.executor.texts.get(target_id, replied[1] if replied else "")
            reply_to = ReplyTarget(target_id, replied[0] if replied else None, body)
        blocked = self._restriction()
        if blocked:
            self.say(blocked)
            return
        self.clock.offset += TYPING
        message_id = str(next(self.ids))
        author = self.persona.author()
        self.history[message_id] = (author, text)
        self.executor.chats[message_id] = self.where
        arrow = f" ↪ #{reply_to.message_id}" if reply_to else ""
        self.say(f"[{self.where.chat_id} #{message_id}] {author.name}{arrow}: {text}")
        event = IncomingMessage(
            event_id=f"console:{self.where.chat_id}:{message_id}", chat=self.where,
            message_id=message_id, author=author, text=text, date=self.clock.now(),
            reply_to=reply_to,
        )
        await self.app.pipeline.process(event)

    def _cannot_reply(self, target_id: str) -> str:
        """Why a reply to message #N is impossible on a real network, or ""."""
        if target_id in self.executor.deleted:
            return f"(message #{target_id} was deleted: there is nothing to reply to)"
        if self.executor.chats.get(target_id, self.where) != self.where:
            return (f"(message #{target_id} is in {self.executor.chats[target_id].chat_id}, "
                    f"not here: /in to go there)")
        return ""

    def _restriction(self) -> str:
        """A muted or banned member cannot write in the group, as on a real network."""
        if self.where != GROUP:
            return ""
        state = self.executor.restricted.get(str(self.persona.ref))
        if state is None:
            return ""
        kind, until = state
        if until is not None and self.clock.now() >= until:
            self.executor.restricted.pop(str(self.persona.ref), None)
            return ""
        when = f" until {until:%Y-%m-%d %H:%M} UTC" if until else ""
        return (f"({self.persona.name} is {kind}{when}: a real chat would not let them write; "
                f"/as another person, or /wait)")

    async def _press(self, message_id: str, index: str) -> None:
        buttons = self.executor.buttons.get(message_id, ())
        if not index.isdigit() or not 1 <= int(index) <= len(buttons):
            self.say(f"(message #{message_id} has no button {index})")
            return
        button = buttons[int(index) - 1]
        self.clock.offset += TYPING
        self.say(f"({self.persona.name} pressed "
                 f"{self.app.catalog.render(button.label, 'en')} under #{message_id})")
        chat = self.executor.chats.get(message_id, self.where)
        event = CallbackPressed(
            event_id=f"console:cb:{next(self.seq)}:{message_id}", chat=chat,
            message_id=message_id, author=self.persona.author(), data=button.data,
            callback_id=f"cb{message_id}", date=self.clock.now(),
        )
        await self.app.pipeline.process(event)

    async def _wait(self, amount: str) -> None:
        try:
            delta = parse_duration(amount)
        except DurationError as exc:
            self.say(f"({exc})")
            return
        self.say(f"(time passes: {amount})")
        # The bot runs all along: time moves in steps, so a post due on the way goes out when
        # due, not as a post missed by more than schedule_grace.
        scheduler = self.app.services.get("scheduler")
        # a step longer than schedule_grace would find a post due inside it "missed" (stale)
        grace = min(c.schedule_grace for c in self.app.config.app.community)
        size = min(max(WAIT_STEP, delta / MAX_WAIT_STEPS), max(WAIT_STEP, grace / 2))
        while delta > timedelta(0):
            step = min(delta, size)
            delta -= step
            self.clock.offset += step
            await self.app.pipeline.tick()
            if scheduler is not None:
                await scheduler.run_due(self.clock.now())


async def run_demo(stdin: TextIO, stdout: TextIO, db_path: str | None = None) -> int:
    with tempfile.TemporaryDirectory(prefix="modbot-demo-") as tmp:
        db_file = Path(db_path) if db_path else Path(tmp) / "demo.db"
        config = demo_config(db_file)
        clock = DemoClock()
        ids = itertools.count(1)
        app = await create_app(config, clock=clock, instance_id="demo")
        executor = ConsoleExecutor(stdout, app.catalog, ids)
        app.router.add(executor)
        try:
            scheduler = app.services.get("scheduler")
            if scheduler is not None:  # so /schedule lists the config's posts from the start
                await scheduler.service().start(clock.now())
            chat = ConsoleChat(app, executor, clock, ids, stdout)
            chat.say(app.catalog.render(Text("common.greeting"), "en"))
            chat.say(app.catalog.render(Text("demo.instructions"), "en"))
            interactive = stdin.isatty()
            lines = _read_lines(stdin)
            while True:
                if interactive:
                    print(f"{chat.persona.username}@{chat.where.chat_id}> ", end="",
                          file=stdout, flush=True)
                raw = await lines.get()
                if not raw:
                    break
                if not await chat.line(raw):
                    break
        finally:
            await asyncio.shield(app.close())
    return 0


def _read_lines(stdin: TextIO) -> asyncio.Queue[str]:
    """Lines of ``stdin`` ("" at the end), read by a daemon thread: a blocking readline on
    the event loop would keep Ctrl-C waiting for the next line, and the process from exiting."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str] = asyncio.Queue()

    def read() -> None:
        while True:
            raw = stdin.readline()
            loop.call_soon_threadsafe(queue.put_nowait, raw)
            if not raw:
                return

    threading.Thread(target=read, name="demo-stdin", daemon=True).start()
    return queue
