"""The FAQ in chat: answer confident matches, offer choices in private, edit with /faq.

Precision first: in a community chat the bot speaks only when the matcher is confident
("answer" band), never repeats itself within the community's `repeat_window` (it points to the
earlier answer instead), and quietly records what it could not answer so the owner can fill the
gaps. The milder "suggest" band is used only in private chats, where buttons cost nobody else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.core.actions import (
    ActionResult,
    AnswerCallback,
    AnyAction,
    Button,
    DeleteMessage,
    NotifyQueue,
    SendMessage,
)
from bot.core.chats import ChatRef
from bot.core.commands import CommandSpec, ParsedCommand, Where
from bot.core.context import MessageContext
from bot.core.directory import Directory, Role, private_community
from bot.core.events import CallbackPressed, IncomingMessage, SenderKind
from bot.core.faq.entries import MAX_ANSWER, FaqEntry
from bot.core.faq.index import exact_key
from bot.core.faq.library import FaqBook, FaqLibrary
from bot.core.faq.matcher import FaqMatch
from bot.core.faq.question import is_question_like
from bot.core.faq.store import FaqRepo
from bot.core.feature import BaseFeature
from bot.core.ports import UnitOfWork
from bot.core.settings import CommunitySettings
from bot.core.texts import Text, clip

CALLBACK_PREFIX = "faq:show:"
ANSWER_REF = "faq-answer:"
#: answered questions, so the answer goes when the filter removes its question
ASKED_PREFIX = "faq-asked:"
#: an edit that turns a question into abuse comes within minutes, not days
ASKED_KEPT = timedelta(days=2)
FORGET_EVERY = timedelta(hours=1)
CALLBACK_DATA_LIMIT = 64  # bytes; Telegram's limit for callback data
MAX_SUGGESTIONS = 3
MAX_QUESTION = 300
LIST_CHUNK = 3500
#: the deleted entry's answer shown back, so a slip can be put right with /faq add
DELETED_ANSWER_SHOWN = 1000

_EDIT_WORDS = {"add": "add", "edit": "edit", "del": "del", "delete": "del", "remove": "del",
               "rm": "del"}
_QUESTION_SPLIT = re.compile(r"[;\n]+")
_TRANSLIT = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r",
     "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"],
    strict=True,
))
_SLUG_WORDS = 5
_SLUG_CHARS = 40


def slugify(question: str) -> str:
    """A readable, stable id from a question ("Как оплатить курс?" -> "kak-oplatit-kurs")."""
    latin = "".join(_TRANSLIT.get(ch, ch) for ch in question.casefold())
    words = re.findall(r"[a-z0-9]+", latin)[:_SLUG_WORDS]
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > _SLUG_CHARS:
            break
        slug = candidate
    return slug


def new_entry_id(question: str, taken: set[str]) -> str:
    """The slug of the question, made unique; "chat-N" when the question gives no usable slug."""
    folded = {t.casefold() for t in taken}
    slug = slugify(question)
    if len(slug) < 3:
        n = 1
        while f"chat-{n}" in folded:
            n += 1
        return f"chat-{n}"
    candidate, n = slug, 2
    while candidate in folded:
        candidate, n = f"{slug}-{n}", n + 1
    return candidate


def split_questions(text: str) -> tuple[str, ...]:
    """Several wordings may be given separated by ";" or new lines; the first is canonical."""
    return tuple(q.strip() for q in _QUESTION_SPLIT.split(text) if q.strip())


# What an entry id looks like (letters, digits, "-" and "_"): anything else after /faq is
# not repeated back into the chat.
_ID_SHAPE = re.compile(r"[\w-]{1,64}")


def _put_to_someone(event: IncomingMessage) -> bool:
    """A question in reply to another member, or opening with someone's @name (or a text
    mention: a member without a username picked from the list), is theirs to answer: the bot
    butting into a conversation is the noise members mute bots for. A reply to the bot's own
    message (a follow-up), to one's own, or to a post of a channel or the group itself (a
    comment under the linked channel's post, an anonymous admin's announcement) is still the
    bot's."""
    text = event.text.lstrip()
    if text.startswith("@") or any(text.startswith(name) for name, _ in event.mentions if name):
        return True
    replied = event.reply_to.author if event.reply_to is not None else None
    return replied is not None and replied.kind is not SenderKind.BOT \
        and replied.ref != event.author.ref and not replied.ref.user_id.startswith("-")


def _holding(entries: Sequence[FaqEntry], question: str) -> FaqEntry | None:
    """The entry that already asks ``question`` (same words, any case or spacing)."""
    key = exact_key(question)
    return next((e for e in entries if any(exact_key(q) == key for q in e.questions)), None)


def _asked_key(chat: ChatRef, message_id: str) -> str:
    """The answered question (chat, message) → its answer (`faq-asked:` state)."""
    return f"{ASKED_PREFIX}{chat}|{message_id}"


def answer_key(event: IncomingMessage) -> str:
    """Where "the same chat" is for anti-repeat: a VK wall post's comments are their own chat."""
    return f"{event.chat}#{event.thread_id}" if event.thread_id else str(event.chat)


class FaqFeature(BaseFeature):
    """Answers from the FAQ, `/faq` for everyone, `/faq add|edit|del` for moderators."""

    name = "faq"

    def __init__(self, library: FaqLibrary, directory: Directory, *, group_list_limit: int = 10,
                 reply_to_answer: frozenset[str] = frozenset({"telegram", "console"})) -> None:
        self.library = library
        self.directory = directory
        self.group_list_limit = group_list_limit
        # Networks where the pointer can quote the earlier answer (reply to the bot's message).
        self.reply_to_answer = reply_to_answer
        self._forgot_at: datetime | None = None

    def commands(self) -> Sequence[CommandSpec]:
        return (CommandSpec("faq", self._command, moderator_only=False, where=Where.ANY),)

    async def book(self, community: CommunitySettings, uow: UnitOfWork,
                   now: datetime | None = None) -> FaqBook:
        return await self.library.book(community.name, community.answers, _repo(uow), now)

    # --- answering ------------------------------------------------------------------------

    async def on_message(self, ctx: MessageContext) -> list[AnyAction] | None:
        event = ctx.event
        if ctx.role not in (Role.CHAT, Role.PRIVATE) or not ctx.community.answers.enabled:
            return None
        # A forward (the linked channel's post above all) is someone else's words, and a poll
        # asks the members: neither is a member asking the FAQ.
        if event.author.kind in (SenderKind.BOT, SenderKind.FORWARDED) or event.edited \
                or event.poll or not event.text.strip() or _put_to_someone(event):
            return None
        if not is_question_like(event.text):  # most chatter: no file or database look-up
            return None
        book = await self.book(ctx.community, ctx.uow, ctx.now)
        verdict = book.match(event.text)
        if not verdict.is_question:
            return None
        entry = book.get(verdict.faq_id) if verdict.faq_id else None
        if ctx.role is Role.PRIVATE:
            private = self._private(ctx, book, verdict, entry)
            if private is None:
                # asked in private and left unanswered: as much a gap as in the group (on VK,
                # community messages are how many members ask)
                await self._record_gap(ctx, verdict)
            return private
        if verdict.band == "answer" and entry is not None:
            return await self._answer_in_chat(ctx, entry)
        await self._record_gap(ctx, verdict)
        return None

    def _private(self, ctx: MessageContext, book: FaqBook, verdict: FaqMatch,
                 entry: FaqEntry | None) -> list[AnyAction] | None:
        if entry is not None and verdict.band == "answer":
            return [ctx.reply_raw(entry.answer)]
        if verdict.band != "suggest":
            return None
        buttons: list[tuple[Button, ...]] = []
        ids = [verdict.faq_id] if verdict.faq_id else []
        ids += [faq_id for faq_id, _ in verdict.candidates if faq_id not in ids]
        for faq_id in ids:
            candidate = book.get(faq_id)
            data = f"{CALLBACK_PREFIX}{faq_id}"
            if candidate is None or len(data.encode()) > CALLBACK_DATA_LIMIT:
                continue
            buttons.append((Button(Text.raw(candidate.questions[0]), data),))
            if len(buttons) == MAX_SUGGESTIONS:
                break
        if not buttons:
            return None
        return [ctx.reply("faq.did_you_mean", buttons=tuple(buttons))]

    async def _answer_in_chat(self, ctx: MessageContext, entry: FaqEntry) -> list[AnyAction]:
        repo = _repo(ctx.uow)
        key = answer_key(ctx.event)
        since = ctx.now - ctx.community.answers.repeat_window
        earlier = await repo.last_answer(ctx.community.name, key, entry.id, since)
        if earlier is None:
            answer_id = await repo.add_answer(ctx.community.name, key, entry.id, ctx.now)
            await ctx.uow.state.put(_asked_key(ctx.chat, ctx.event.message_id),
                                    f"{answer_id}|{ctx.event.thread_id or ''}", ctx.now)
            return [ctx.reply_raw(entry.answer, ref=f"{ANSWER_REF}{answer_id}")]
        who = ctx.event.author.display
        if earlier.message_id and self._can_quote(ctx):
            return [SendMessage(ctx.chat, Text("faq.answered_above", {"who": who}), ctx.lang,
                                reply_to=earlier.message_id, thread_id=ctx.event.thread_id,
                                delete_after=ctx.community.moderation.notice_ttl)]
        return [ctx.notice("faq.answered_above", who=who)]

    def _can_quote(self, ctx: MessageContext) -> bool:
        return ctx.chat.platform in self.reply_to_answer or ctx.chat.is_vk_wall

    async def _record_gap(self, ctx: MessageContext, verdict: FaqMatch) -> None:
        best = verdict.faq_id or (verdict.candidates[0][0] if verdict.candidates else None)
        await _repo(ctx.uow).add_gap(ctx.community.name, answer_key(ctx.event), ctx.event.text,
                                     str(ctx.event.author.ref), best, verdict.score, ctx.now)

    async def on_result(self, ref: str, result: ActionResult, uow: UnitOfWork,
                        now: datetime) -> list[AnyAction]:
        if not ref.startswith(ANSWER_REF):
            return []
        try:
            answer_id = int(ref.removeprefix(ANSWER_REF))
        except ValueError:
            return []
        if result.ok and result.message_id:
            await _repo(uow).set_answer_message(answer_id, result.message_id)
        elif not result.ok:
            await _repo(uow).drop_answer(answer_id)
        return []

    async def on_deleted(self, chat: ChatRef, message_id: str, uow: UnitOfWork,
                         now: datetime) -> None:
        """A moderator deleted a message: if it was an answer, the next asker gets the answer
        again instead of "answered above ↑" pointing at nothing; if it was a question, its
        answer stays (the moderator chose what to remove, and the answer still serves)."""
        await _repo(uow).forget_answer_message(str(chat), message_id)
        if await uow.state.get(_asked_key(chat, message_id)):
            await uow.state.put(_asked_key(chat, message_id), "", now)

    async def on_gone(self, chat: ChatRef, message_id: str, uow: UnitOfWork,
                      now: datetime) -> list[AnyAction]:
        """An answered question is gone and no moderator chose that (the filter removed it
        once it was edited into abuse): the bot's answer goes too, so no answer hangs under
        a deleted message, and the next asker gets the answer afresh."""
        asked = await uow.state.get(_asked_key(chat, message_id))
        if not asked:
            return []
        await uow.state.put(_asked_key(chat, message_id), "", now)
        raw_id, _sep, thread_id = asked.partition("|")
        answer = await _repo(uow).answer_message(int(raw_id)) if raw_id.isdigit() else None
        if answer is None:
            return []
        await _repo(uow).forget_answer_message(str(chat), answer)
        return [DeleteMessage(chat, answer, thread_id or None)]

    async def on_callback(self, event: CallbackPressed, uow: UnitOfWork,
                          now: datetime) -> list[AnyAction] | None:
        if not event.data.startswith(CALLBACK_PREFIX):
            return None
        placement = self.directory.place(event.chat)
        community = placement.community
        if placement.role is not Role.PRIVATE:  # offered in private only: a group press
            lang = community.language if community else self.directory.default_language
            return [AnswerCallback(event.callback_id, event.chat, Text("common.button_unknown"),
                                   lang)]
        community = await private_community(self.directory, uow, event.author.ref) or community
        if community is None:
            return [AnswerCallback(event.callback_id, event.chat, Text("common.error"),
                                   self.directory.default_language)]
        lang = community.language
        entry = (await self.book(community, uow)).get(event.data.removeprefix(CALLBACK_PREFIX))
        if entry is None:
            return [AnswerCallback(event.callback_id, event.chat, Text("faq.gone"), lang,
                                   alert=True)]
        # a second press of the same suggestion (an impatient double tap) shows nothing new
        shown = f"faq-shown:{event.chat}:{event.message_id}:{entry.id}"
        if await uow.state.get(shown):
            return [AnswerCallback(event.callback_id, event.chat, Text("faq.shown_above"), lang)]
        await uow.state.put(shown, "1", now)
        return [SendMessage(event.chat, Text.raw(entry.answer), lang),
                AnswerCallback(event.callback_id, event.chat, Text("faq.shown"), lang)]

    async def tick(self, uow: UnitOfWork, now: datetime) -> list[AnyAction]:
        """Pick up FAQ file changes between messages, so the rebuild rarely delays an answer;
        a file the owner broke (or moved) is told to the queue: answers keep coming from the
        last good version, and a log line alone would leave the owner wondering why."""
        out: list[AnyAction] = []
        if self._forgot_at is None or now - self._forgot_at >= FORGET_EVERY:
            self._forgot_at = now
            await uow.state.forget(ASKED_PREFIX, now - ASKED_KEPT)
        for community in self.directory.communities:
            await self.book(community, uow)
            for kind, detail in self.library.take_problems(community.name):
                if community.queue is None:
                    continue
                path = self.library.file_of(community.name)
                out.append(NotifyQueue(community.queue, Text(f"faq.file_{kind}", {
                    "path": path.name if path else "", "detail": _clip(detail)}),
                    community.language))
        return out

    # --- /faq -----------------------------------------------------------------------------

    async def _command(self, ctx: MessageContext, cmd: ParsedCommand) -> list[AnyAction]:
        parts = cmd.args.split(maxsplit=1)
        word = parts[0].casefold() if parts else ""
        rest = parts[1].strip() if len(parts) > 1 else ""
        if not word:
            return await self._list(ctx)
        sub = _EDIT_WORDS.get(word)
        if sub is None:
            return await self._show(ctx, parts[0], rest)
        if not await ctx.is_moderator():
            return await self._refuse(ctx, f"/faq {word}")
        if sub == "add":
            return await self._add(ctx, rest)
        if sub == "edit":
            return await self._edit(ctx, rest)
        return await self._delete(ctx, rest)

    async def _refuse(self, ctx: MessageContext, command: str) -> list[AnyAction]:
        """One polite refusal per member per cooldown, shared with the Core's own refusals."""
        key = f"refused:{ctx.community.name}:{ctx.event.author.ref}"
        last = await ctx.uow.state.get(key)
        if last is not None and \
                ctx.now - datetime.fromisoformat(last) < ctx.community.moderation.refusal_cooldown:
            return []
        await ctx.uow.state.put(key, ctx.now.isoformat(), ctx.now)
        return [ctx.notice("common.not_moderator", command=command)]

    def _say(self, ctx: MessageContext, key: str, **params: Any) -> SendMessage:
        """In a group, command chatter removes itself; in private it stays."""
        if ctx.role is Role.PRIVATE:
            return ctx.reply(key, **params)
        return ctx.notice(key, **params)

    async def _list(self, ctx: MessageContext) -> list[AnyAction]:
        entries = (await self.book(ctx.community, ctx.uow)).entries
        if not entries:
            return [self._say(ctx, "faq.empty")]
        lines = [f"{e.id} — {e.questions[0]}" for e in entries]
        if ctx.role is not Role.PRIVATE:
            shown = lines[:self.group_list_limit]
            more = len(lines) - len(shown)
            if more:
                return [ctx.notice("faq.list_more", items="\n".join(shown), more=more)]
            return [ctx.notice("faq.list", items="\n".join(shown))]
        chunks: list[list[str]] = [[]]
        size = 0
        for line in lines:
            if chunks[-1] and size + len(line) > LIST_CHUNK:
                chunks.append([])
                size = 0
            chunks[-1].append(line)
            size += len(line) + 1
        out: list[AnyAction] = [ctx.reply("faq.list", items="\n".join(chunks[0]))]
        out += [ctx.reply_raw("\n".join(chunk)) for chunk in chunks[1:]]
        return out

    async def _show(self, ctx: MessageContext, faq_id: str, rest: str) -> list[AnyAction]:
        """`/faq ID` shows one answer; an unknown ID is named as such; a question asked
        through /faq ("/faq when are the lessons") is answered when the match is confident;
        anything else gets the usage (a member's without the moderators' part)."""
        book = await self.book(ctx.community, ctx.uow)
        entry = None if rest else book.get(faq_id)
        if entry is not None:
            return [ctx.reply_raw(entry.answer)]
        if not rest and _ID_SHAPE.fullmatch(faq_id):
            return [self._say(ctx, "faq.not_found", id=faq_id)]
        verdict = book.match(f"{faq_id} {rest}".strip())
        asked = book.get(verdict.faq_id) if verdict.faq_id else None
        if verdict.band == "answer" and asked is not None:
            return [ctx.reply_raw(asked.answer)]
        usage = "faq.usage" if await ctx.is_moderator() else "faq.usage_member"
        return [self._say(ctx, usage)]

    def _reply_text(self, ctx: MessageContext) -> str:
        target = ctx.event.reply_to
        return target.text.strip() if target is not None else ""

    async def _add(self, ctx: MessageContext, rest: str) -> list[AnyAction]:
        question_part, _, answer = rest.partition("|")
        answer = answer.strip() or self._reply_text(ctx)
        questions = split_questions(question_part)
        if not questions or not answer:
            return [self._say(ctx, "faq.usage")]
        problem = _check(questions, answer)
        if problem:
            return [self._say(ctx, problem)]
        repo = _repo(ctx.uow)
        book = await self.book(ctx.community, ctx.uow)
        for question in questions:
            holder = _holding(book.entries, question)
            if holder is not None:  # two entries with one question would contradict
                return [self._say(ctx, "faq.already_there", id=holder.id, question=question)]
        taken = {e.id for e in book.entries} | {e.faq_id for e in await repo.edits(
            ctx.community.name)}
        entry = FaqEntry(id=new_entry_id(questions[0], taken), lang=ctx.lang,
                         questions=questions, answer=answer)
        await repo.put(ctx.community.name, entry, by=str(ctx.event.author.ref), at=ctx.now)
        audit = await ctx.audit("faq.add", actor=str(ctx.event.author.ref), target=entry.id,
                                reason=questions[0])
        return [self._say(ctx, "faq.added", id=entry.id, question=questions[0]), *audit]

    async def _edit(self, ctx: MessageContext, rest: str) -> list[AnyAction]:
        parts = rest.split(maxsplit=1)
        if not parts:
            return [self._say(ctx, "faq.usage")]
        faq_id, remainder = parts[0], (parts[1] if len(parts) > 1 else "")
        if faq_id.startswith("|"):  # "/faq edit |answer" has no id
            return [self._say(ctx, "faq.usage")]
        faq_id, glued, after = faq_id.partition("|")  # "/faq edit ID| answer"
        if glued:
            remainder = f"|{after} {remainder}"
        question_part, pipe, answer = remainder.partition("|")
        questions = split_questions(question_part)
        answer = answer.strip() or self._reply_text(ctx)
        if (not pipe and ctx.event.reply_to is None) or (not questions and not answer):
            return [self._say(ctx, "faq.usage")]
        book = await self.book(ctx.community, ctx.uow)
        old = book.get(faq_id)
        if old is None:
            return [self._say(ctx, "faq.not_found", id=faq_id)]
        others = [e for e in book.entries if e.id != old.id]
        for question in questions:
            holder = _holding(others, question)
            if holder is not None:  # as in /faq add: one question, two answers
                return [self._say(ctx, "faq.already_there", id=holder.id, question=question)]
        entry = FaqEntry(id=old.id, lang=old.lang, questions=questions or old.questions,
                         answer=answer or old.answer)
        problem = _check(entry.questions, entry.answer)
        if problem:
            return [self._say(ctx, problem)]
        await _repo(ctx.uow).put(ctx.community.name, entry, by=str(ctx.event.author.ref),
                                 at=ctx.now)
        if entry.answer != old.answer:
            await _repo(ctx.uow).forget_answers(ctx.community.name, entry.id)
        changed = ",".join(name for name, new, was in (
            ("questions", entry.questions, old.questions), ("answer", entry.answer, old.answer),
        ) if new != was) or "nothing"
        audit = await ctx.audit("faq.edit", actor=str(ctx.event.author.ref), target=entry.id,
                                reason=changed)
        return [self._say(ctx, "faq.updated", id=entry.id, question=entry.questions[0]), *audit]

    async def _delete(self, ctx: MessageContext, rest: str) -> list[AnyAction]:
        parts = rest.split()
        if len(parts) != 1:
            return [self._say(ctx, "faq.usage")]
        entry = (await self.book(ctx.community, ctx.uow)).get(parts[0])
        if entry is None:
            return [self._say(ctx, "faq.not_found", id=parts[0])]
        await _repo(ctx.uow).delete(ctx.community.name, entry, by=str(ctx.event.author.ref),
                                    at=ctx.now)
        audit = await ctx.audit("faq.delete", actor=str(ctx.event.author.ref), target=entry.id,
                                reason=entry.questions[0])
        return [self._say(ctx, "faq.deleted", id=entry.id, question=entry.questions[0],
                          answer=clip(entry.answer, DELETED_ANSWER_SHOWN)), *audit]


def _check(questions: Sequence[str], answer: str) -> str | None:
    """A catalog key for what is wrong with an edit, or None."""
    if any(len(q) > MAX_QUESTION for q in questions) or len(answer) > MAX_ANSWER:
        return "faq.too_long"
    return None


def _repo(uow: UnitOfWork) -> FaqRepo:
    repo: FaqRepo = uow.faq
    return repo


def _clip(detail: str, limit: int = 800) -> str:
    """A queue message stays readable even if every line of the file is wrong."""
    return detail if len(detail) <= limit else detail[:limit].rsplit("\n", 1)[0] + "\n…"
