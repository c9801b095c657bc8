"""QA round 8: what members and moderators read, through the real Telegram adapter and the Bot
API emulator — user-controlled text in bot output (markup, escaping), the chat's language,
long outputs, /help and command edges, notice cleanup, service messages and member names.
Each test states what a user would expect; a failing test is a finding (see /tmp/qa8.md)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from tg_emulator import TelegramEmulator
from tg_emulator.harness import (
    ADMIN,
    GROUP,
    MEMBER,
    OTHER_MEMBER,
    QUEUE,
    RunningBot,
    fast_options,
)
from tg_emulator.wire import (
    command,
    non_help,
    render,
    replies_to,
    reply_messages,
    settle,
    wall_clock,
)

from bot.app import App
from bot.core.clock import FakeClock

MARKUP = "<b>Bob</b> & <i>co</i> *bold* _it_ `code` [link](http://x.example) </a>"
TG_LIMIT = 4096


@pytest.fixture
def clock() -> FakeClock:
    return wall_clock()


@pytest.fixture
def make_app(make_tg_app: Callable[..., Awaitable[App]]) -> Callable[..., Awaitable[App]]:
    async def make(lang: str = "en", **config_parts: str) -> App:
        return await make_tg_app("qa8", lang, **config_parts)

    return make


def sends(emu: TelegramEmulator, chat_id: int | None = None) -> list[Any]:
    """Every successful text-carrying call (send and edit) of the bot, optionally per chat."""
    out = []
    for call in emu.calls:
        if call.method in ("sendMessage", "sendPhoto", "editMessageText") and call.ok:
            cid = int(call.params.get("chat_id", 0))
            if chat_id is None or cid == chat_id:
                out.append(call)
    return out


def assert_plain(emu: TelegramEmulator) -> None:
    """No bot message was sent with a parse mode or entities: user text can't change it."""
    for call in sends(emu):
        assert call.params.get("parse_mode") in (None, ""), (call.method, call.params)
        assert not call.params.get("entities"), (call.method, call.params)
        assert not call.params.get("caption_entities"), (call.method, call.params)


def raw_message(emu: TelegramEmulator, chat_id: int, user_id: int, **fields: Any) -> dict:
    """A message with arbitrary fields (stickers, service messages …) pushed as an update."""
    chat = emu.world.chat(chat_id)
    fields.setdefault("from", emu.world.user(user_id))
    message = emu.world.new_message(chat, **fields)
    emu.world.store(chat, message, from_bot=False)
    emu.world.push("message", message)
    emu._bump()
    return message


_CYR = re.compile(r"[а-яё]", re.I)
_EN_WORDS = re.compile(r"\b(Warning|Sorry|Usage|Thank|Thanks|Ticket|report|removed|muted|"
                       r"banned|warned|Commands|Questions|next|can't|please|your)\b")


def looks_russian(text: str) -> bool:
    """Cyrillic wording, no English sentence words (command names like /report don't count)."""
    words = re.sub(r"/[A-Za-z_]+", " ", text)
    return bool(_CYR.search(words)) and not _EN_WORDS.search(words)


FAQ_MARKUP = '''
[[faq]]
id = "pay"
lang = "en"
questions = ["How do I pay for the course?"]
answer = "Pay <b>by card</b> & get *10%* off_now_ with `PROMO` [here](http://x.example)"
'''


# --- user-controlled text arrives verbatim, never as markup -------------------------------

async def test_member_name_with_markup_in_the_ladder_notice(make_app, emu, fake) -> None:
    """Markup in a name arrives as typed (no parse mode); a name carrying a link is not
    repeated at all (the bot would advertise it): the notice names the member by id."""
    markup = MARKUP.replace(" [link](http://x.example)", "")
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "fuck this", first_name=markup)
        emu.user_message(GROUP, OTHER_MEMBER, "fuck that", first_name=MARKUP)
        await emu.wait_for(lambda: len(non_help(emu.sent_texts(GROUP))) == 2,
                           what="the notices")
    first, second = non_help(emu.sent_texts(GROUP))
    assert markup in first, first
    assert "http" not in second and f"id{OTHER_MEMBER}" in second, second
    assert_plain(emu)


async def test_warn_reason_with_markup_arrives_verbatim(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "ad", first_name="Bob")
        cmd = await command(emu, ADMIN, f"/warn {MARKUP}", reply_to=target["message_id"])
        warns = await command(emu, ADMIN, "/warns", reply_to=target["message_id"])
    (notice,) = replies_to(emu, GROUP, cmd["message_id"])
    assert MARKUP in notice, notice
    (listing,) = replies_to(emu, GROUP, warns["message_id"])
    assert MARKUP in listing, listing
    assert_plain(emu)


async def test_report_reason_and_message_with_markup_on_the_card(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        bad = emu.user_message(GROUP, OTHER_MEMBER, "<a href='x'>free</a> & *money*",
                               first_name="<i>Eve</i>", username="eve_1")
        emu.user_message(GROUP, MEMBER, f"/report {MARKUP}", reply_to=bad["message_id"],
                         first_name="Al & <Co>")
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
        (card,) = emu.sent_messages(QUEUE)
        emu.user_message(QUEUE, ADMIN, "/take 1", first_name="Mod <3")
        await emu.wait_for(lambda: emu.calls_of("editMessageText"), what="card edited")
    text = card["text"]
    assert MARKUP in text
    assert "<a href='x'>free</a> & *money*" in text
    assert "Al & <Co>" in text
    assert "@eve_1" in text or "<i>Eve</i>" in text
    assert_plain(emu)


async def test_faq_answer_with_markup_is_sent_verbatim(make_app, emu, fake, tmp_path) -> None:
    (tmp_path / "faq.toml").write_text(FAQ_MARKUP, encoding="utf-8")
    app = await make_app(extra_community='faq = "faq.toml"\n')
    async with RunningBot(app, fast_options(fake)):
        asked = await command(emu, MEMBER, "How do I pay for the course?", what="answer")
        shown = await command(emu, MEMBER, "/faq pay", what="/faq pay")
    expected = "Pay <b>by card</b> & get *10%* off_now_ with `PROMO` [here](http://x.example)"
    (answer,) = replies_to(emu, GROUP, asked["message_id"])
    assert expected in answer
    assert any(expected in t for t in replies_to(emu, GROUP, shown["message_id"]))
    assert_plain(emu)


async def test_faq_add_in_chat_with_markup_and_listing(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        add = await command(emu, ADMIN, "/faq add Is <b>Tom & Jerry</b> *free*? | "
                            "Yes, <u>free</u> & _open_.", what="added")
        listing = await command(emu, MEMBER, "/faq", what="list")
    assert "Is <b>Tom & Jerry</b> *free*?" in replies_to(emu, GROUP, add["message_id"])[0]
    assert "Is <b>Tom & Jerry</b> *free*?" in replies_to(emu, GROUP, listing["message_id"])[0]
    assert_plain(emu)


async def test_scheduled_post_with_markup_is_published_verbatim(make_app, emu, fake,
                                                                clock) -> None:
    from bot.features.schedule import service_for
    app = await make_app()
    text = "Webinar <b>today</b> & *tomorrow* _19:00_ `zoom` [join](http://x.example)"
    async with RunningBot(app, fast_options(fake)):
        await command(emu, ADMIN, f"/schedule in 1h {text}", what="added")
        listing = await command(emu, ADMIN, "/schedule", what="list")
        clock.advance(timedelta(minutes=61))
        await service_for(app).run_due(clock.now())
        await emu.wait_for(lambda: text in emu.sent_texts(GROUP), what="the post")
    assert any("<b>today</b>" in t for t in replies_to(emu, GROUP, listing["message_id"]))
    assert_plain(emu)


async def test_placeholders_in_user_text_are_not_expanded(make_app, emu, fake) -> None:
    """A name or reason that looks like a catalog placeholder stays as typed."""
    app = await make_app()
    tricky = "{user} {reason} {0} {count} {{x}} %s"
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "hi", first_name="{reason}{n}")
        cmd = await command(emu, ADMIN, f"/warn {tricky}", reply_to=target["message_id"])
    (notice,) = replies_to(emu, GROUP, cmd["message_id"])
    assert tricky in notice and "{reason}{n}" in notice, notice


# --- the chat's language -----------------------------------------------------------------

async def test_russian_chat_gets_russian_everywhere(make_app, emu, fake) -> None:
    app = await make_app(lang="ru")
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, OTHER_MEMBER, "реклама", first_name="Боб")
        replies = {
            "help_member": await command(emu, MEMBER, "/help"),
            "help_mod": await command(emu, ADMIN, "/help"),
            "report_usage": await command(emu, MEMBER, "/report спам"),
            "report_ack": await command(emu, MEMBER, "/report спам",
                                        reply_to=target["message_id"]),
            "refusal": await command(emu, MEMBER, "/ban", reply_to=target["message_id"]),
            "mute_usage": await command(emu, ADMIN, "/mute 10x",
                                        reply_to=target["message_id"]),
            "warn": await command(emu, ADMIN, "/warn флуд", reply_to=target["message_id"]),
            "warns": await command(emu, ADMIN, "/warns", reply_to=target["message_id"]),
            "unwarn": await command(emu, ADMIN, "/unwarn", reply_to=target["message_id"]),
            "faq_empty": await command(emu, MEMBER, "/faq"),
            "schedule_usage": await command(emu, ADMIN, "/schedule когда-нибудь"),
            "not_found": await command(emu, ADMIN, "/warn @nobody_here"),
        }
        emu.user_message(GROUP, OTHER_MEMBER, "иди нахуй", first_name="Боб")
        await emu.wait_for(lambda: any("Предупреждение" in t for t in emu.sent_texts(GROUP)),
                           what="the ladder notice")
        await emu.wait_for(lambda: emu.sent_texts(QUEUE), what="the card")
    got = {k: replies_to(emu, GROUP, m["message_id"]) for k, m in replies.items()}
    assert got["help_member"] == [render("common.help_member", "ru")]
    assert got["help_mod"] == [render("common.help_moderator", "ru")]
    not_russian = {k: v for k, v in got.items() if not v or not all(looks_russian(t) for t in v)}
    assert not_russian == {}, not_russian
    ladder = [t for t in emu.sent_texts(GROUP) if "нахуй" not in t and "Предупреждение" in t]
    assert ladder and looks_russian(ladder[0]), ladder
    (card,) = emu.sent_texts(QUEUE)
    assert "Жалоба" in card or looks_russian(card.split("\n")[0]), card


async def test_russian_chat_ladder_notices_all_russian(make_app, emu, fake) -> None:
    app = await make_app(lang="ru")
    async with RunningBot(app, fast_options(fake)):
        for n, text in enumerate(["иди нахуй", "блядь", "пиздец", "сука ебаная"], 1):
            emu.user_message(GROUP, MEMBER, text, first_name="Боб")
            await emu.wait_for(lambda n=n: len(non_help(emu.sent_texts(GROUP))) >= n,
                               what=f"notice {n}")
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
    notices = non_help(emu.sent_texts(GROUP))
    assert len(notices) == 4, notices
    assert all(looks_russian(t) for t in notices), notices


async def test_russian_chat_report_outcome_in_private_is_russian(make_app, emu, fake) -> None:
    app = await make_app(lang="ru")
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(MEMBER, MEMBER, "/start")
        await emu.wait_for(lambda: emu.sent_texts(MEMBER), what="greeting")
        bad = emu.user_message(GROUP, OTHER_MEMBER, "купите часы")
        emu.user_message(GROUP, MEMBER, "/report спам", reply_to=bad["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
        emu.user_message(QUEUE, ADMIN, "/resolve 1 удалили")
        await emu.wait_for(lambda: len(emu.sent_texts(MEMBER)) >= 2, what="the outcome")
        await settle(emu, QUEUE)
    private = emu.sent_texts(MEMBER)
    assert all(looks_russian(t) for t in private), private
    queue = [t for t in non_help(emu.sent_texts(QUEUE))
             if t not in (render("common.help_member", "ru"),
                          render("common.help_moderator", "ru"))]
    assert all(looks_russian(t.split("\n")[0]) for t in queue), queue


async def test_russian_chat_private_help_and_complaint_prompt(make_app, emu, fake) -> None:
    app = await make_app(lang="ru")
    async with RunningBot(app, fast_options(fake)):
        helped = await command(emu, MEMBER, "/help", chat=MEMBER)
        prompt = await command(emu, MEMBER, "/complaint", chat=MEMBER)
        emu.user_message(MEMBER, MEMBER, "Меня оскорбили в чате")
        await emu.wait_for(lambda: len(emu.sent_texts(MEMBER)) >= 3, what="the ack")
    texts = emu.sent_texts(MEMBER)
    assert all(looks_russian(t) for t in texts), texts
    assert helped and prompt


async def test_member_help_in_english_matches_russian_help(make_app, emu, fake) -> None:
    """ru and en /help for members must describe the same commands."""
    cmds = lambda t: sorted(set(re.findall(r"/[a-z]+", t)))  # noqa: E731
    assert cmds(render("common.help_member", "en")) == cmds(render("common.help_member", "ru"))
    assert cmds(render("common.help_moderator", "en")) == \
        cmds(render("common.help_moderator", "ru"))


async def test_member_warns_as_russian_help_promises(make_app, emu, fake) -> None:
    """The ru /help tells members "/warns — ваши действующие предупреждения"."""
    app = await make_app(lang="ru")
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "иди нахуй", first_name="Боб")
        await emu.wait_for(lambda: non_help(emu.sent_texts(GROUP)), what="warning")
        mine = await command(emu, MEMBER, "/warns", what="own warnings")
    (reply,) = replies_to(emu, GROUP, mine["message_id"])
    assert "1" in reply and looks_russian(reply), reply


# --- long outputs --------------------------------------------------------------------------

def _big_faq(n: int, question_len: int = 60) -> str:
    parts = []
    for i in range(n):
        q = f"Question number {i:02d} about topic " + "x" * max(0, question_len - 35)
        parts.append(f'[[faq]]\nid = "entry-{i:02d}"\nlang = "en"\nquestions = ["{q}?"]\n'
                     f'answer = "Answer {i}."\n')
    return "\n".join(parts)


async def test_faq_list_of_80_in_private_arrives_whole(make_app, emu, fake, tmp_path) -> None:
    (tmp_path / "faq.toml").write_text(_big_faq(80, 120), encoding="utf-8")
    app = await make_app(extra_community='faq = "faq.toml"\n')
    async with RunningBot(app, fast_options(fake)):
        cmd = await command(emu, MEMBER, "/faq", chat=MEMBER, what="list")
        await settle(emu, MEMBER)
    parts = replies_to(emu, MEMBER, cmd["message_id"])
    assert sum(len(p) for p in parts) > TG_LIMIT
    joined = "\n".join(parts)
    missing = [i for i in range(80) if f"entry-{i:02d}" not in joined]
    assert missing == [], missing
    assert all(len(p) <= TG_LIMIT and not p.endswith("…") for p in parts)


async def test_faq_list_of_80_in_group_points_to_private(make_app, emu, fake, tmp_path) -> None:
    (tmp_path / "faq.toml").write_text(_big_faq(80, 120), encoding="utf-8")
    app = await make_app(extra_community='faq = "faq.toml"\n')
    async with RunningBot(app, fast_options(fake)):
        cmd = await command(emu, MEMBER, "/faq", what="list")
    (listing,) = replies_to(emu, GROUP, cmd["message_id"])
    assert len(listing) <= TG_LIMIT
    assert "70 more" in listing and "private" in listing, listing


async def test_faq_list_with_300_char_questions_in_private(make_app, emu, fake,
                                                           tmp_path) -> None:
    (tmp_path / "faq.toml").write_text(_big_faq(40, 299), encoding="utf-8")
    app = await make_app(extra_community='faq = "faq.toml"\n')
    async with RunningBot(app, fast_options(fake)):
        cmd = await command(emu, MEMBER, "/faq", chat=MEMBER, what="list")
        await settle(emu, MEMBER)
    joined = "\n".join(replies_to(emu, MEMBER, cmd["message_id"]))
    assert [i for i in range(40) if f"entry-{i:02d}" not in joined] == []


async def test_warns_with_many_warnings_shows_the_newest_and_counts_the_rest(make_app, emu,
                                                                          fake) -> None:
    """30 warnings with long reasons: one message that fits, with the newest ten (reasons
    shortened) and how many earlier ones are not shown; nothing silently cut."""
    ladder = ", ".join(['{ action = "warn" }'] * 40 + ['{ action = "ban" }'])
    app = await make_app(extra_community=f"""
        [community.moderation]
        ladder = [{ladder}]
        """)
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "ad", first_name="Bob")
        for i in range(30):
            await command(emu, ADMIN, f"/warn reason number {i:02d} " + "r" * 300,
                          reply_to=target["message_id"])
        warns = await command(emu, ADMIN, "/warns", reply_to=target["message_id"])
        await settle(emu)
    (text,) = replies_to(emu, GROUP, warns["message_id"])
    assert len(text) <= TG_LIMIT
    assert "has active warnings: 30" in text and "20 earlier" in text, text[:200]
    shown = [i for i in range(30) if f"reason number {i:02d}" in text]
    assert shown == list(range(20, 30)), shown
    assert text.rstrip().endswith(")"), text[-80:]


async def test_long_report_reason_is_shortened_on_the_card(make_app, emu, fake) -> None:
    app = await make_app()
    reason = ("He keeps insulting people in private messages. " * 90).strip()  # ~4,300
    async with RunningBot(app, fast_options(fake)):
        bad = emu.user_message(GROUP, OTHER_MEMBER, "hi")
        emu.user_message(GROUP, MEMBER, f"/report {reason}", reply_to=bad["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
    (card,) = emu.sent_messages(QUEUE)
    assert len(card["text"]) <= TG_LIMIT
    assert reason[:500] in card["text"] and "…" in card["text"]
    assert card["reply_markup"]["inline_keyboard"], "the buttons are there"


async def test_card_for_a_very_long_message_keeps_reason_and_buttons(make_app, emu,
                                                                    fake) -> None:
    app = await make_app()
    long_text = "BUY NOW " * 500 + "END-OF-MESSAGE"
    async with RunningBot(app, fast_options(fake)):
        bad = emu.user_message(GROUP, OTHER_MEMBER, long_text[:4096])
        emu.user_message(GROUP, MEMBER, "/report spam wall", reply_to=bad["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
    (card,) = emu.sent_messages(QUEUE)
    assert len(card["text"]) <= TG_LIMIT
    assert "Reason: spam wall" in card["text"]
    assert card["reply_markup"]["inline_keyboard"], "the buttons are there"


async def test_long_scheduled_text_via_reply_is_published_whole(make_app, emu, fake,
                                                               clock) -> None:
    """/schedule in reply to a 4,096-character message posts that message's text whole."""
    from bot.features.schedule import service_for
    app = await make_app()
    body = ("Line of the announcement. " * 200)[:4090] + " END."
    async with RunningBot(app, fast_options(fake)):
        src = emu.user_message(GROUP, ADMIN, body)
        await command(emu, ADMIN, "/schedule in 1h", reply_to=src["message_id"], what="added")
        clock.advance(timedelta(minutes=61))
        await service_for(app).run_due(clock.now())
        await emu.wait_for(lambda: any(t.endswith("END.") or t.endswith("…")
                                       for t in emu.sent_texts(GROUP)), what="the post")
    assert body in emu.sent_texts(GROUP)


async def test_schedule_list_with_many_posts_arrives(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        for i in range(40):
            await command(emu, ADMIN, f"/schedule in {i + 1}h Post {i:02d} " + "t" * 150,
                          what=f"added {i}")
        listing = await command(emu, ADMIN, "/schedule", what="list")
        await settle(emu)
    texts = replies_to(emu, GROUP, listing["message_id"])
    joined = "\n".join(texts)
    assert all(len(t) <= TG_LIMIT for t in texts)
    missing = [i for i in range(40) if f"Post {i:02d}" not in joined]
    assert missing == [] or "more" in joined, f"posts silently dropped: {missing}"


# --- /help, unknown commands, @botname, captions, edits ------------------------------------

async def test_unknown_commands_are_ignored_silently(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        for text in ("/foo", "/foo@modbot_test_bot", "/start@other_bot", "/ bar", "/",
                     "/123", "/FOO bar"):
            emu.user_message(GROUP, MEMBER, text)
            emu.user_message(GROUP, ADMIN, text)
        await settle(emu)
    assert non_help(emu.sent_texts(GROUP)) == []


async def test_help_with_botname_suffix_and_uppercase(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        suffixed = await command(emu, MEMBER, "/help@modbot_test_bot")
        upper = await command(emu, ADMIN, "/HELP")
    assert replies_to(emu, GROUP, suffixed["message_id"]) == [render("common.help_member")]
    assert replies_to(emu, GROUP, upper["message_id"]) == [render("common.help_moderator")]


async def test_report_in_a_photo_caption_files_a_ticket(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        bad = emu.user_message(GROUP, OTHER_MEMBER, "scam link")
        emu.user_message(GROUP, MEMBER, photo=True, caption="/report look at this",
                         reply_to=bad["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
    (card,) = emu.sent_messages(QUEUE)
    assert "scam link" in card["text"] and "look at this" in card["text"]


async def test_edited_command_is_not_executed_again(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "ad", first_name="Bob")
        cmd = await command(emu, ADMIN, "/warn spam", reply_to=target["message_id"])
        emu.edit_user_message(GROUP, cmd["message_id"], "/warn spam, really")
        hello = emu.user_message(GROUP, MEMBER, "hello")
        await settle(emu)
        emu.edit_user_message(GROUP, hello["message_id"], "/help")
        emu.edit_user_message(GROUP, target["message_id"], "/report")
        await settle(emu)
        warns = await command(emu, ADMIN, "/warns", reply_to=target["message_id"])
    (listing,) = replies_to(emu, GROUP, warns["message_id"])
    assert "has active warnings: 1" in listing, listing
    assert replies_to(emu, GROUP, hello["message_id"]) == []
    assert emu.sent_texts(QUEUE) == []


# --- notices clean themselves up ---------------------------------------------------------

async def test_ladder_notice_deletes_itself_after_notice_ttl(make_app, emu, fake,
                                                             clock) -> None:
    app = await make_app(lang="ru")
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "иди нахуй")
        await emu.wait_for(lambda: non_help(emu.sent_texts(GROUP)), what="the notice")
        notice = next(m for m in emu.sent_messages(GROUP) if "Предупреждение" in m["text"])
        clock.advance(timedelta(seconds=90))
        await settle(emu)
        assert not emu.is_deleted(GROUP, notice["message_id"]), "deleted too early"
        clock.advance(timedelta(seconds=40))
        await emu.wait_for(lambda: emu.is_deleted(GROUP, notice["message_id"]),
                           what="the notice deleting itself")


async def test_report_ack_and_usage_delete_themselves(make_app, emu, fake, clock) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        bad = emu.user_message(GROUP, OTHER_MEMBER, "spam")
        ack_cmd = await command(emu, MEMBER, "/report", reply_to=bad["message_id"])
        usage_cmd = await command(emu, MEMBER, "/report")
        (ack,) = reply_messages(emu, GROUP, ack_cmd["message_id"])
        (usage,) = reply_messages(emu, GROUP, usage_cmd["message_id"])
        clock.advance(timedelta(minutes=3))
        await emu.wait_for(lambda: emu.is_deleted(GROUP, ack["message_id"])
                           and emu.is_deleted(GROUP, usage["message_id"]),
                           what="ack and usage deleted")


async def test_help_and_faq_list_in_group_clean_up(make_app, emu, fake, clock) -> None:
    """Command chatter in a group removes itself (the README: notices delete themselves)."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        listing = await command(emu, MEMBER, "/faq")
        (reply,) = reply_messages(emu, GROUP, listing["message_id"])
        clock.advance(timedelta(minutes=3))
        await emu.wait_for(lambda: emu.is_deleted(GROUP, reply["message_id"]),
                           what="the /faq reply deleting itself")


# --- service messages and messages without text -----------------------------------------

async def test_service_and_textless_messages_never_get_replies(make_app, emu, fake) -> None:
    app = await make_app()
    newbie = emu.world.user(4444, "<b>New</b> & *guy*")
    async with RunningBot(app, fast_options(fake)):
        raw_message(emu, GROUP, ADMIN, new_chat_members=[newbie])
        raw_message(emu, GROUP, 4444, left_chat_member=newbie)
        pinned = emu.user_message(GROUP, ADMIN, "Rules: be nice")
        raw_message(emu, GROUP, ADMIN, pinned_message=dict(pinned))
        raw_message(emu, GROUP, MEMBER, sticker={
            "file_id": "st1", "file_unique_id": "st1u", "type": "regular", "width": 512,
            "height": 512, "is_animated": False, "is_video": False, "emoji": "🖕"})
        emu.user_message(GROUP, MEMBER, photo=True)
        raw_message(emu, GROUP, MEMBER, voice={"file_id": "v1", "file_unique_id": "v1u",
                                               "duration": 3})
        raw_message(emu, GROUP, MEMBER, dice={"emoji": "🎲", "value": 4})
        raw_message(emu, GROUP, MEMBER, location={"latitude": 1.0, "longitude": 2.0})
        raw_message(emu, GROUP, MEMBER, new_chat_title="F*ck this chat")
        raw_message(emu, GROUP, MEMBER, text="   ")
        await settle(emu)
        # the bot is still working afterwards
        asked = await command(emu, MEMBER, "/help", what="help after service messages")
    assert non_help(emu.sent_texts(GROUP)) == []
    assert not emu.calls_of("deleteMessage", ok=None)
    assert replies_to(emu, GROUP, asked["message_id"])


async def test_report_on_a_sticker_or_textless_photo_is_filed(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        sticker = raw_message(emu, GROUP, OTHER_MEMBER, sticker={
            "file_id": "st1", "file_unique_id": "st1u", "type": "regular", "width": 512,
            "height": 512, "is_animated": False, "is_video": False, "emoji": "🖕"})
        a = await command(emu, MEMBER, "/report rude sticker", reply_to=sticker["message_id"])
        photo = emu.user_message(GROUP, OTHER_MEMBER, photo=True)
        b = await command(emu, MEMBER, "/report nsfw", reply_to=photo["message_id"])
        await emu.wait_for(lambda: len(emu.sent_messages(QUEUE)) == 2, what="two cards")
    assert replies_to(emu, GROUP, a["message_id"]) == [render("complaints.ack", number=1)]
    assert replies_to(emu, GROUP, b["message_id"]) == [render("complaints.ack", number=2)]


async def test_warn_in_reply_to_a_service_message_does_not_crash(make_app, emu, fake) -> None:
    app = await make_app()
    newbie = emu.world.user(4444, "Newbie")
    async with RunningBot(app, fast_options(fake)):
        joined = raw_message(emu, GROUP, 4444, new_chat_members=[newbie])
        cmd = await command(emu, ADMIN, "/warn spam bot", reply_to=joined["message_id"])
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert "Newbie" in reply, reply


# --- how members are named -------------------------------------------------------------

@pytest.mark.parametrize("first_name", ["Мария", "مريم", "שרה", "🔥💀🔥", "李小龙",
                                        "Zoë O’Neil-Å"])
async def test_member_names_in_notices(make_app, emu, fake, first_name: str) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "fuck this", first_name=first_name)
        await emu.wait_for(lambda: non_help(emu.sent_texts(GROUP)), what="the notice")
    (notice,) = non_help(emu.sent_texts(GROUP))
    assert notice.startswith(first_name), notice


async def test_full_name_is_used_when_there_is_no_username(make_app, emu, fake) -> None:
    app = await make_app()
    user = emu.world.user(MEMBER, "Ivan")
    user["last_name"] = "Petrov"
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "fuck this")
        await emu.wait_for(lambda: non_help(emu.sent_texts(GROUP)), what="the notice")
    (notice,) = non_help(emu.sent_texts(GROUP))
    assert notice.startswith("Ivan Petrov"), notice


async def test_username_is_preferred_in_notices_and_the_card(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        bad = emu.user_message(GROUP, OTHER_MEMBER, "scam", first_name="Eve",
                               username="eve_scam")
        emu.user_message(GROUP, MEMBER, "/report", reply_to=bad["message_id"],
                         first_name="🔥Al🔥")
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
    (card,) = emu.sent_texts(QUEUE)
    assert "@eve_scam" in card and "🔥Al🔥" in card, card


async def test_rtl_name_does_not_flip_the_rest_of_the_notice(make_app, emu, fake) -> None:
    """A name ending in a right-to-left override must not reverse the bot's own words."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "fuck this", first_name="Bob\u202e")
        await emu.wait_for(lambda: non_help(emu.sent_texts(GROUP)), what="the notice")
    (notice,) = non_help(emu.sent_texts(GROUP))
    contained = "\u202c" in notice or ("\u2068" in notice and "\u2069" in notice)
    assert "\u202e" not in notice or contained, \
        f"a bare right-to-left override from the name leaks into the notice: {notice!r}"


# --- second batch: more of what a Russian-speaking chat and its moderators read -----------

def _buttons(message: dict) -> list[str]:
    return [b["text"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row]


async def test_russian_queue_card_buttons_and_callback_answers(make_app, emu, fake) -> None:
    app = await make_app(lang="ru")
    async with RunningBot(app, fast_options(fake)):
        bad = emu.user_message(GROUP, OTHER_MEMBER, "купите часы")
        emu.user_message(GROUP, MEMBER, "/report спам", reply_to=bad["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
        (card,) = emu.sent_messages(QUEUE)
        data = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        qid = emu.press(QUEUE, card["message_id"], MEMBER, data)
        await emu.wait_for(lambda: emu.world.callbacks[qid].get("answered"), what="answered")
        emu.press(QUEUE, card["message_id"], ADMIN, data)
        await emu.wait_for(lambda: len(emu.calls_of("answerCallbackQuery")) >= 2,
                           what="second answer")
        await emu.wait_for(lambda: emu.calls_of("editMessageText"), what="card edited")
    labels = _buttons(card)
    assert labels and all(_CYR.search(t) for t in labels), labels
    answers = [c.params.get("text") or "" for c in emu.calls_of("answerCallbackQuery")]
    assert all(not a or looks_russian(a) for a in answers), answers
    assert looks_russian(card["text"]), card["text"]


async def test_russian_mute_and_ban_notices_spell_durations_in_russian(make_app, emu,
                                                                       fake) -> None:
    app = await make_app(lang="ru")
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "реклама", first_name="Боб")
        mute = await command(emu, ADMIN, "/mute 90m флуд", reply_to=target["message_id"])
        unmute = await command(emu, ADMIN, "/unmute", reply_to=target["message_id"])
        ban = await command(emu, ADMIN, "/ban 2d спам", reply_to=target["message_id"])
        unban = await command(emu, ADMIN, f"/unban {MEMBER}")
    texts = {k: replies_to(emu, GROUP, c["message_id"])
             for k, c in dict(mute=mute, unmute=unmute, ban=ban, unban=unban).items()}
    bad = {k: v for k, v in texts.items() if len(v) != 1 or not looks_russian(v[0])
           or re.search(r"\b\d+\s*(m|h|d|min|hours?|days?)\b", v[0])}
    assert bad == {}, bad


async def test_russian_flood_notice(make_app, emu, fake) -> None:
    app = await make_app(lang="ru")
    async with RunningBot(app, fast_options(fake)):
        for i in range(10):
            emu.user_message(GROUP, MEMBER, f"сообщение {i}", first_name="Боб")
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="flood mute")
        await emu.wait_for(lambda: non_help(emu.sent_texts(GROUP)), what="the notice")
    notices = non_help(emu.sent_texts(GROUP))
    assert notices and all(looks_russian(t) for t in notices), notices


async def test_russian_schedule_replies(make_app, emu, fake) -> None:
    app = await make_app(lang="ru")
    async with RunningBot(app, fast_options(fake)):
        added = await command(emu, ADMIN, "/schedule in 2h Вебинар сегодня", what="added")
        every = await command(emu, ADMIN, "/schedule every monday 10:00 Планёрка",
                              what="added weekly")
        listing = await command(emu, ADMIN, "/schedule", what="list")
        gone = await command(emu, ADMIN, "/unschedule 999", what="not found")
    texts = [t for c in (added, every, listing, gone)
             for t in replies_to(emu, GROUP, c["message_id"])]
    assert len(texts) == 4
    bad = [t for t in texts if not looks_russian(t)
           or re.search(r"\b(every|weekly|daily|monday|Monday|Mon)\b", t)]
    assert bad == [], bad


async def test_russian_faq_list_and_pointer(make_app, emu, fake, tmp_path) -> None:
    faq = '''
[[faq]]
id = "pay-ru"
lang = "ru"
questions = ["Как оплатить курс?"]
answer = "Картой на сайте."
'''
    (tmp_path / "faq.toml").write_text(faq, encoding="utf-8")
    app = await make_app(lang="ru", extra_community='faq = "faq.toml"\n')
    async with RunningBot(app, fast_options(fake)):
        listing = await command(emu, MEMBER, "/faq", what="list")
        await command(emu, MEMBER, "Как оплатить курс?", what="answer")
        emu.user_message(GROUP, OTHER_MEMBER, "Как оплатить курс?", first_name="Оля")
        await emu.wait_for(lambda: any("↑" in t for t in emu.sent_texts(GROUP)),
                           what="the pointer to the earlier answer")
        refused = await command(emu, MEMBER, "/faq add Вопрос? | Ответ", what="refusal")
        usage = await command(emu, ADMIN, "/faq add", what="usage")
    for cmd in (listing, refused, usage):
        (text,) = replies_to(emu, GROUP, cmd["message_id"])
        assert looks_russian(text), text
    (pointer,) = [t for t in emu.sent_texts(GROUP) if "↑" in t]
    assert "Оля" in pointer and looks_russian(pointer), pointer


async def test_russian_audit_lines_in_the_queue(make_app, emu, fake) -> None:
    """With audit = true a ru community's queue gets audit lines a Russian moderator reads:
    no raw action identifiers like "mute" or "ticket.claim"."""
    app = await make_app(lang="ru", extra_community="audit = true\n")
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "реклама", first_name="Боб")
        await command(emu, ADMIN, "/mute 10m флуд", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.sent_texts(QUEUE), what="the audit line")
        await settle(emu, QUEUE)
    lines = [t for t in emu.sent_texts(QUEUE) if t.startswith(("Аудит", "Audit"))]
    assert lines, emu.sent_texts(QUEUE)
    assert all(looks_russian(t) and not re.search(r"\b(mute|warn|ban|kick)\b", t)
               for t in lines), lines


async def test_card_keeps_the_reported_messages_line_breaks(make_app, emu, fake) -> None:
    app = await make_app()
    text = "Line one: buy\nLine two: crypto\n\nhttp://scam.example"
    async with RunningBot(app, fast_options(fake)):
        bad = emu.user_message(GROUP, OTHER_MEMBER, text)
        emu.user_message(GROUP, MEMBER, "/report", reply_to=bad["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
    (card,) = emu.sent_texts(QUEUE)
    assert "Line one: buy\nLine two: crypto" in card, card


async def test_queue_list_with_many_tickets_fits_and_says_how_many_more(make_app, emu,
                                                                       fake) -> None:
    app = await make_app(extra_community="""
        [community.complaints]
        rate_limit = 100
        """)
    async with RunningBot(app, fast_options(fake)):
        for i in range(40):
            bad = emu.user_message(GROUP, OTHER_MEMBER, f"spam {i} " + "z" * 300)
            emu.user_message(GROUP, MEMBER, "/report " + "r" * 200, reply_to=bad["message_id"])
        await emu.wait_for(lambda: len(emu.sent_messages(QUEUE)) == 40, what="40 cards",
                           timeout=20)
        listing = await command(emu, ADMIN, "/queue", chat=QUEUE, what="the queue")
    texts = replies_to(emu, QUEUE, listing["message_id"])
    joined = "\n".join(texts)
    assert all(len(t) <= TG_LIMIT and not t.endswith("…") for t in texts), \
        [len(t) for t in texts]
    shown = len(re.findall(r"^#\d+", joined, re.M))
    assert shown == 40 or f"{40 - shown} more" in joined, joined[-200:]


async def test_scheduled_photo_caption_with_markup_is_plain(make_app, emu, fake,
                                                            clock) -> None:
    from bot.features.schedule import service_for
    app = await make_app()
    caption = "<b>Sale</b> & *50%* off_today_"
    async with RunningBot(app, fast_options(fake)):
        src = emu.user_message(GROUP, ADMIN, photo=True, caption=caption)
        await command(emu, ADMIN, "/schedule in 1h", reply_to=src["message_id"], what="added")
        clock.advance(timedelta(minutes=61))
        await service_for(app).run_due(clock.now())
        await emu.wait_for(lambda: emu.calls_of("sendPhoto"), what="the photo post")
    (post,) = emu.calls_of("sendPhoto")
    assert post.result.get("caption") == caption
    assert_plain(emu)


async def test_long_names_fit_in_notices(make_app, emu, fake) -> None:
    app = await make_app()
    user = emu.world.user(MEMBER, "A" * 64)
    user["last_name"] = "B" * 64
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "fuck this")
        await emu.wait_for(lambda: non_help(emu.sent_texts(GROUP)), what="the notice")
    (notice,) = non_help(emu.sent_texts(GROUP))
    assert notice.startswith("A" * 64 + " " + "B" * 64) and "Warning 1 of 4" in notice


async def test_member_warns_in_english_as_help_promises(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "fuck this", first_name="Bob")
        await emu.wait_for(lambda: non_help(emu.sent_texts(GROUP)), what="warning")
        mine = await command(emu, MEMBER, "/warns", what="own warnings")
        other = await command(emu, MEMBER, "/warns @someone_else", what="someone else's")
    (reply,) = replies_to(emu, GROUP, mine["message_id"])
    assert "Bob has active warnings: 1" in reply, reply
    (reply2,) = replies_to(emu, GROUP, other["message_id"])
    assert ("Bob" not in reply2 and "active warning" not in reply2) or \
        reply2.startswith("Sorry"), reply2


# --- third batch -------------------------------------------------------------------------

async def test_russian_report_edge_replies(make_app, emu, fake) -> None:
    """Own-message refusal, duplicate, merged and rate-limit replies are Russian too."""
    app = await make_app(lang="ru", extra_community="""
        [community.complaints]
        rate_limit = 2
        """)
    async with RunningBot(app, fast_options(fake)):
        mine = emu.user_message(GROUP, MEMBER, "моё")
        own = await command(emu, MEMBER, "/report", reply_to=mine["message_id"])
        bad = emu.user_message(GROUP, OTHER_MEMBER, "спам")
        await command(emu, MEMBER, "/report", reply_to=bad["message_id"])
        merged = await command(emu, 4444, "/report", reply_to=bad["message_id"])
        dup = await command(emu, MEMBER, "/report", reply_to=bad["message_id"])
        bad2 = emu.user_message(GROUP, OTHER_MEMBER, "спам 2")
        await command(emu, MEMBER, "/report", reply_to=bad2["message_id"])
        bad3 = emu.user_message(GROUP, OTHER_MEMBER, "спам 3")
        limited = await command(emu, MEMBER, "/report", reply_to=bad3["message_id"])
    texts = {k: replies_to(emu, GROUP, c["message_id"])
             for k, c in dict(own=own, merged=merged, dup=dup, limited=limited).items()}
    bad_ones = {k: v for k, v in texts.items() if len(v) != 1 or not looks_russian(v[0])}
    assert bad_ones == {}, bad_ones


async def test_russian_queue_commands(make_app, emu, fake) -> None:
    app = await make_app(lang="ru")
    async with RunningBot(app, fast_options(fake)):
        empty = await command(emu, ADMIN, "/queue", chat=QUEUE)
        bad = emu.user_message(GROUP, OTHER_MEMBER, "спам")
        emu.user_message(GROUP, MEMBER, "/report", reply_to=bad["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
        listing = await command(emu, ADMIN, "/queue", chat=QUEUE)
        take = await command(emu, ADMIN, "/take 1", chat=QUEUE)
        missing = await command(emu, ADMIN, "/take 99", chat=QUEUE)
        usage = await command(emu, ADMIN, "/resolve", chat=QUEUE)
        done = await command(emu, ADMIN, "/resolve #1 готово", chat=QUEUE)
        closed = await command(emu, ADMIN, "/reject 1", chat=QUEUE)
    texts = {k: replies_to(emu, QUEUE, c["message_id"]) for k, c in dict(
        empty=empty, listing=listing, take=take, missing=missing, usage=usage, done=done,
        closed=closed).items()}
    bad_ones = {k: v for k, v in texts.items() if len(v) != 1 or not looks_russian(v[0])}
    assert bad_ones == {}, bad_ones


async def test_russian_wrong_place_and_rights_failures(make_app, emu, fake) -> None:
    emu.world.chats[GROUP].bot_rights["can_restrict_members"] = False
    app = await make_app(lang="ru")
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "привет", username="bob")
        await settle(emu)
        private = await command(emu, ADMIN, "/mute @bob 10m", chat=ADMIN)
        target = emu.user_message(GROUP, MEMBER, "реклама")
        emu.user_message(GROUP, ADMIN, "/mute 10m", reply_to=target["message_id"])
        await emu.wait_for(lambda: len(non_help(emu.sent_texts(GROUP))) >= 1,
                           what="the failure notice")
        await settle(emu)
    (where,) = replies_to(emu, ADMIN, private["message_id"])
    assert looks_russian(where), where
    group = non_help(emu.sent_texts(GROUP))
    assert group and all(looks_russian(t) for t in group), group


async def test_russian_sla_reminder(make_app, emu, fake, clock) -> None:
    app = await make_app(lang="ru")
    async with RunningBot(app, fast_options(fake)):
        bad = emu.user_message(GROUP, OTHER_MEMBER, "спам")
        emu.user_message(GROUP, MEMBER, "/report", reply_to=bad["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
        clock.advance(timedelta(minutes=31))
        await emu.wait_for(lambda: len(emu.sent_texts(QUEUE)) >= 2, what="the SLA reminder")
    reminder = emu.sent_texts(QUEUE)[1]
    assert looks_russian(reminder.split("\n")[0]), reminder
    assert not re.search(r"\b\d+\s*(m|min|minutes?|h)\b", reminder.split("\n")[0]), reminder


async def test_commands_with_the_bots_suffix(make_app, emu, fake, tmp_path) -> None:
    (tmp_path / "faq.toml").write_text(FAQ_MARKUP, encoding="utf-8")
    app = await make_app(extra_community='faq = "faq.toml"\n')
    async with RunningBot(app, fast_options(fake)):
        bad = emu.user_message(GROUP, OTHER_MEMBER, "scam", first_name="Eve")
        rep = await command(emu, MEMBER, "/report@modbot_test_bot spam",
                            reply_to=bad["message_id"])
        faq = await command(emu, MEMBER, "/faq@modbot_test_bot pay")
        warns = await command(emu, ADMIN, "/warns@modbot_test_bot", reply_to=bad["message_id"])
        queue = await command(emu, ADMIN, "/queue@modbot_test_bot", chat=QUEUE)
    assert replies_to(emu, GROUP, rep["message_id"]) == [render("complaints.ack", number=1)]
    assert "Pay <b>by card</b>" in replies_to(emu, GROUP, faq["message_id"])[0]
    assert "Eve has no active warnings" in replies_to(emu, GROUP, warns["message_id"])[0]
    assert "#1" in replies_to(emu, QUEUE, queue["message_id"])[0]


async def test_private_complaint_with_markup_and_long_text(make_app, emu, fake) -> None:
    app = await make_app()
    text = ("<b>Admin</b> & *friends* are rude " * 130)[:4000]
    async with RunningBot(app, fast_options(fake)):
        await command(emu, MEMBER, "/complaint", chat=MEMBER)
        emu.user_message(MEMBER, MEMBER, text)
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
    (card,) = emu.sent_texts(QUEUE)
    assert len(card) <= TG_LIMIT
    assert "<b>Admin</b> & *friends*" in card
    assert_plain(emu)


async def test_resolution_note_reaches_the_reporter_whole(make_app, emu, fake) -> None:
    app = await make_app()
    note = ("We removed the message and talked to the author. " * 80).strip()  # ~4,000
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(MEMBER, MEMBER, "/start")
        await emu.wait_for(lambda: emu.sent_texts(MEMBER), what="greeting")
        bad = emu.user_message(GROUP, OTHER_MEMBER, "rude")
        emu.user_message(GROUP, MEMBER, "/report", reply_to=bad["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
        emu.user_message(QUEUE, ADMIN, f"/resolve 1 {note}")
        await emu.wait_for(lambda: len(emu.sent_texts(MEMBER)) >= 2, what="the outcome")
        await emu.wait_for(lambda: emu.calls_of("editMessageText"), what="card edited")
    outcome = "\n".join(emu.sent_texts(MEMBER)[1:])
    assert note in outcome, outcome[-100:]
    edited = emu.calls_of("editMessageText")[-1].params["text"]
    assert len(edited) <= TG_LIMIT and render("complaints.state_resolved") in edited


async def test_help_reply_in_the_group_cleans_up(make_app, emu, fake, clock) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        asked = await command(emu, MEMBER, "/help")
        (reply,) = reply_messages(emu, GROUP, asked["message_id"])
        clock.advance(timedelta(minutes=3))
        await emu.wait_for(lambda: emu.is_deleted(GROUP, reply["message_id"]),
                           what="the /help reply deleting itself")


async def test_configured_notice_ttl_is_respected(make_app, emu, fake, clock) -> None:
    app = await make_app(lang="ru", extra_community="""
        [community.moderation]
        notice_ttl = "10m"
        """)
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "иди нахуй")
        await emu.wait_for(lambda: non_help(emu.sent_texts(GROUP)), what="the notice")
        notice = next(m for m in emu.sent_messages(GROUP) if "Предупреждение" in m["text"])
        clock.advance(timedelta(minutes=9))
        await settle(emu)
        assert not emu.is_deleted(GROUP, notice["message_id"]), "deleted before notice_ttl"
        clock.advance(timedelta(minutes=2))
        await emu.wait_for(lambda: emu.is_deleted(GROUP, notice["message_id"]),
                           what="the notice deleting itself at 10m")


async def test_answers_and_scheduled_posts_do_not_self_delete(make_app, emu, fake, clock,
                                                              tmp_path) -> None:
    from bot.features.schedule import service_for
    (tmp_path / "faq.toml").write_text(FAQ_MARKUP, encoding="utf-8")
    app = await make_app(extra_community='faq = "faq.toml"\n')
    async with RunningBot(app, fast_options(fake)):
        asked = await command(emu, MEMBER, "How do I pay for the course?", what="answer")
        (answer,) = reply_messages(emu, GROUP, asked["message_id"])
        await command(emu, ADMIN, "/schedule in 1h Stay here", what="added")
        clock.advance(timedelta(minutes=61))
        await service_for(app).run_due(clock.now())
        await emu.wait_for(lambda: "Stay here" in emu.sent_texts(GROUP), what="the post")
        clock.advance(timedelta(hours=2))
        await settle(emu)
    post = next(m for m in emu.sent_messages(GROUP) if m.get("text") == "Stay here")
    assert not emu.is_deleted(GROUP, answer["message_id"]), "the FAQ answer vanished"
    assert not emu.is_deleted(GROUP, post["message_id"]), "the scheduled post vanished"


async def test_long_warn_reason_keeps_the_ladder_progress(make_app, emu, fake) -> None:
    """A moderator pastes a long reason: the member must still read the count and next step."""
    app = await make_app()
    reason = ("posting the same affiliate link again and again " * 90)[:4050]
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "ad", first_name="Bob")
        cmd = await command(emu, ADMIN, f"/warn {reason}", reply_to=target["message_id"])
    (notice,) = replies_to(emu, GROUP, cmd["message_id"])
    assert len(notice) <= TG_LIMIT
    assert "Warning 1 of 4; next: mute 1h" in notice, notice[-120:]


async def test_commands_in_the_middle_of_a_sentence_do_nothing(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "ad")
        emu.user_message(GROUP, ADMIN, "next time I will /ban you", reply_to=target["message_id"])
        emu.user_message(GROUP, MEMBER, "type /help to see commands")
        emu.user_message(GROUP, MEMBER, "see /report for complaints",
                         reply_to=target["message_id"])
        await settle(emu)
    assert not emu.calls_of("banChatMember", ok=None)
    assert non_help(emu.sent_texts(GROUP)) == []
    assert emu.sent_texts(QUEUE) == []


async def test_russian_owner_unknown_group_message_is_russian(make_app, emu, fake) -> None:
    """Every community of this bot speaks Russian; its one message in a stray group should too."""
    app = await make_app(lang="ru")
    async with RunningBot(app, fast_options(fake)):
        emu.add_bot_to_group(-3003, title="Чужая группа")
        await emu.wait_for(lambda: emu.calls_of("leaveChat"), what="leaving")
    texts = emu.sent_texts(-3003)
    assert len(texts) <= 1
    assert all(looks_russian(t) for t in texts), texts


async def test_russian_stale_button_answer(make_app, emu, fake) -> None:
    app = await make_app(lang="ru")
    async with RunningBot(app, fast_options(fake)):
        bad = emu.user_message(GROUP, OTHER_MEMBER, "спам")
        emu.user_message(GROUP, MEMBER, "/report", reply_to=bad["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
        (card,) = emu.sent_messages(QUEUE)
        for data in ("t:claim:9999", "garbage", "t:nonsense:1"):
            qid = emu.press(QUEUE, card["message_id"], ADMIN, data)
            await emu.wait_for(lambda q=qid: emu.world.callbacks[q].get("answered"),
                               what=f"{data} answered")
    answers = [c.params.get("text") or "" for c in emu.calls_of("answerCallbackQuery")]
    assert answers and all(looks_russian(a) for a in answers if a), answers
