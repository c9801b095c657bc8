"""QA round 58: the obscenity filter's precision in live chats, on the wire, both networks.

What a member of a community moderated by Rose / Combot / tg-spam takes for granted: the bot
leaves innocent messages of every shape alone — URLs and domains with obscene-looking letters
in them, @mentions and #hashtags, code snippets and file names, a quoted reply to an old
message, contact cards, venues, captions, an inline bot's buttons, surnames such as Хуанхэ,
Scunthorpe or Cockburn, «рубля», «застрахуйте» — while real мат in those same places (a URL
slug, a hashtag, a caption, a VK mention label) is removed as the README says: the message
deleted, one notice in the chat's language that never repeats the word, the verdict and its
rule (``ru.mat``, ``en.profanity``) in the audit and the queue. A member whose chosen name is
itself мат is named by id; a surname that only looks rude is said as it is. A dry-run
community only reports; an owner's ``allowed_words`` hold in the word's forms.

Every test drives the real adapters against the local emulators (tests/tg_emulator,
tests/vk_emulator) in-process; time moves only by the injected FakeClock. An
xfail(strict) marks a product problem.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from test_qa51_verdicts_explained import (
    audit,
    bot_texts,
    quotes_obscenity,
    raw,
    settle,
    vk_deleted,
    vk_texts,
    vk_wall_comments,
)
from tg_emulator import TelegramEmulator
from tg_emulator.harness import (
    ADMIN,
    GROUP,
    MEMBER,
    OTHER_MEMBER,
    QUEUE,
    RunningBot,
    fast_options,
    telegram_config,
)
from tg_emulator.wire import replies_to, wall_clock
from vk_emulator import VkEmulator
from vk_emulator.harness import CHAT as VK_CHAT
from vk_emulator.harness import MODERATOR as VK_MOD
from vk_emulator.harness import QUEUE as VK_QUEUE
from vk_emulator.harness import RunningBot as VkBot
from vk_emulator.harness import vk_config_text, write_vk_config
from vk_emulator.server import ChatMessage
from vk_emulator.wire import settle as vk_settle

from bot.app import App
from bot.config import load_config
from bot.core.clock import FakeClock

THIRD = 333_222
FOURTH = 333_444
RUDE_NAMED = 333_666  # a member whose chosen name is мат
COCKBURN = 333_777  # a member whose surname only looks rude
INLINE_BOT = {"id": 5_550_001, "is_bot": True, "first_name": "Vote", "username": "vote"}

VK_BOB, VK_EVA, VK_OLEG, VK_IVAN = 601, 602, 603, 604
VK_RUDE, VK_CLAIRE = 605, 606
POST = 12

NO_FLOOD = "[community.antiflood]\nenabled = false\n"
AUDIT = "audit = true\n"
DRY_RUN = '[community.filter]\nmode = "dry-run"\n'
REAL_MAT = "опять хуйня какая-то"

#: Innocent messages whose letters contain obscene-looking parts, one per shape.
INNOCENT_TEXTS = (
    # URLs and domains
    "Отчёт о матче: https://www.scunthorpe-united.co.uk/news/match-report",
    "Ручки с гравировкой на penisland.net, вопросы — на expertsexchange.com",
    "Вакансии: https://sukhoi.aero/career и https://hh.ru/vacancy/12345",
    # @mentions and #hashtags
    "Напишите @hui_lan_zhou, она переводчик; спасибо @Cockburn_Anna!",
    "#ХуанхэТур2026 #застрахуйте_себя #курсРубля",
    # surnames, places and the README's own innocent words
    "Доклад профессора Cockburn из Scunthorpe, потом прогулка по набережной Хуанхэ",
    "Билет стоит 150 рублей, два рубля сдачи вернём",
    "Застрахуйте машину до пятницы и не оскорбляйте страховщика",
    "Перечитываю Dickens, а муж смотрит Sussex против Essex",
)
#: A code snippet, sent as Telegram sends a ``pre`` block.
CODE = ("Поправил функцию:\n"
        "def analyse(assistant, cocktail):\n"
        "    return assistant.class_ + cocktail  # Scunthorpe\n")


# --------------------------------------------------------------------------------------------
# Telegram plumbing
# --------------------------------------------------------------------------------------------

@pytest.fixture
def clock() -> FakeClock:
    return wall_clock()  # as in round 51: Telegram reads dates against the real clock


@pytest.fixture
def tg_app(tmp_path: Path, emu: TelegramEmulator, clock: FakeClock,
           open_app: Callable[..., Awaitable[App]]) -> Callable[..., Awaitable[App]]:
    """A Telegram community in ``lang``; ``extra`` goes into its [[community]] block,
    ``tail`` after it (tables such as [community.filter])."""

    async def make(lang: str = "ru", *, extra: str = "", tail: str = "") -> App:
        telegram_config(tmp_path, emu.api_base, extra_community=extra, tail=NO_FLOOD + tail)
        path = tmp_path / "config.toml"
        text = path.read_text(encoding="utf-8").replace('language = "en"',
                                                        f'language = "{lang}"')
        path.write_text(text, encoding="utf-8")
        return await open_app(load_config(path), clock, "qa58")

    return make


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def deleted_ids(emu: TelegramEmulator, chat: int = GROUP) -> set[int]:
    return {int(c.params["message_id"]) for c in emu.calls_of("deleteMessage")
            if int(c.params["chat_id"]) == chat}


def punishments(emu: TelegramEmulator) -> list[str]:
    return [c.method for c in emu.calls if c.method in (
        "restrictChatMember", "banChatMember", "banChatSenderChat")]


async def removed(emu: TelegramEmulator, message: dict[str, Any]) -> None:
    await emu.wait_for(lambda: emu.is_deleted(GROUP, message["message_id"]),
                       what="the obscene message deleted")


def join(emu: TelegramEmulator, user_id: int, first_name: str, last_name: str = "") -> None:
    """``user_id`` joins GROUP: the service message and the chat_member update, as Telegram
    sends both to an admin bot."""
    user = emu.world.user(user_id, first_name)
    if last_name:
        user["last_name"] = last_name
    raw(emu, GROUP, user_id, new_chat_members=[user])
    emu.inject_raw({"chat_member": {
        "chat": emu.world.chat(GROUP).as_json(), "from": user,
        "date": int(emu.world.clock()),
        "old_chat_member": {"status": "left", "user": user},
        "new_chat_member": {"status": "member", "user": user}}})


def queue_lines(emu: TelegramEmulator) -> list[str]:
    return bot_texts(emu, QUEUE)


# --------------------------------------------------------------------------------------------
# VK plumbing
# --------------------------------------------------------------------------------------------

VK_NAMES = {VK_BOB: ("Bob", "Brown"), VK_EVA: ("Eva", "Evans"), VK_OLEG: ("Oleg", "Orlov"),
            VK_IVAN: ("Ivan", "Ivanov"), VK_MOD: ("Maria", "Mod"),
            VK_RUDE: ("Хуйлан", "Пиздюков"), VK_CLAIRE: ("Claire", "Cockburn")}


@pytest.fixture
async def vk_bot(emulator: VkEmulator, tmp_path: Path, clock: FakeClock
                 ) -> AsyncIterator[Callable[..., Awaitable[VkBot]]]:
    started: list[VkBot] = []

    async def start(lang: str = "ru", *, extra: str = "", tables: str = "") -> VkBot:
        text = vk_config_text(emulator, community_extra=extra)
        text = text.replace('language = "en"', f'language = "{lang}"')
        text += "\n" + NO_FLOOD + tables
        emulator.real_names.update(VK_NAMES)
        emulator.add_members(VK_CHAT, VK_BOB, VK_EVA, VK_OLEG, VK_IVAN, VK_MOD)
        running = VkBot(write_vk_config(tmp_path, text), clock, emulator)
        await running.start()
        started.append(running)
        return running

    yield start
    for running in started:
        await running.stop()


def vk_message(emulator: VkEmulator, peer_id: int, from_id: int, text: str,
               **fields: Any) -> int:
    """A chat message with any extra fields VK sends (geo, attachments…); → cmid."""
    peer = emulator.peer(peer_id)
    peer.members.setdefault(from_id, "member")
    cmid = peer.next_cmid
    peer.next_cmid += 1
    peer.messages.append(ChatMessage(peer_id, cmid, from_id, text))
    message = {"date": int(emulator.clock()), "from_id": from_id, "id": 0, "out": 0,
               "peer_id": peer_id, "text": text, "conversation_message_id": cmid,
               "fwd_messages": [], "attachments": [], "important": False, "is_hidden": False,
               **fields}
    emulator.push("message_new", {"message": message, "client_info": {
        "button_actions": ["text", "callback"], "keyboard": True, "inline_keyboard": True}})
    return cmid


def vk_chat_deleted(emulator: VkEmulator, peer: int = VK_CHAT) -> list[int]:
    return [m.cmid for m in emulator.peer(peer).messages if m.deleted]


async def vk_obscene(emulator: VkEmulator, peer: int, who: int, text: str, **kw: Any) -> int:
    """``who`` writes мат; wait until it is deleted and everything settled; → cmid."""
    cmid = emulator.post_message(peer, who, text, **kw)
    await emulator.wait_for(lambda: vk_deleted(emulator, peer, cmid))
    await vk_settle(emulator)
    return cmid


_PHOTO_IDS = itertools.count(9001)


def vk_photo() -> dict[str, Any]:
    return {"type": "photo", "photo": {"id": next(_PHOTO_IDS), "owner_id": VK_BOB,
                                       "access_key": "k", "sizes": []}}


# ============================================================================================
# Telegram: innocent messages of every shape are left alone
# ============================================================================================

async def test_tg_innocent_urls_mentions_hashtags_code_and_surnames_stay(
        tg_app, emu, fake, clock, capsys, tmp_path) -> None:
    """Members post URLs and domains with obscene-looking letters (scunthorpe, penisland,
    expertsexchange, sukhoi), @mentions, #hashtags, a code block, surnames (Cockburn,
    Scunthorpe, Хуанхэ), «рубля», «застрахуйте». Nothing is deleted, nobody is warned, the chat
    reads nothing; only the real мат sent last is removed, and the audit names only its
    author."""
    app = await tg_app(extra=AUDIT)
    async with RunningBot(app, fast_options(fake)):
        innocent = [emu.user_message(GROUP, OTHER_MEMBER, text, first_name="Ева")
                    for text in INNOCENT_TEXTS]
        head = "Поправил функцию:\n"
        innocent.append(raw(emu, GROUP, OTHER_MEMBER, text=CODE, entities=[{
            "type": "pre", "offset": utf16_len(head), "length": utf16_len(CODE) - utf16_len(head),
            "language": "python"}]))
        bad = emu.user_message(GROUP, MEMBER, REAL_MAT, first_name="Боб")
        await removed(emu, bad)
        await emu.wait_for(lambda: bot_texts(emu), what="the notice")
        await settle(emu)
    assert deleted_ids(emu) == {bad["message_id"]}, [
        m.get("text") for m in innocent if m["message_id"] in deleted_ids(emu)]
    texts = bot_texts(emu)
    assert len(texts) == 1 and texts[0].startswith("Боб, сообщение удалено"), texts
    assert all("Ева" not in t for t in queue_lines(emu)), queue_lines(emu)
    lines = await audit(tmp_path / "config.toml", clock, capsys)
    assert {line.split("target=")[1].split()[0] for line in lines} == {
        f"telegram:{MEMBER}"}, lines


async def test_tg_contacts_venues_files_inline_buttons_and_quotes_stay(
        tg_app, emu, fake, caplog) -> None:
    """The other shapes a member posts: a contact card (Хуан Cockburn), a venue on the
    Хуанхэ embankment in Scunthorpe, a PDF named after Cockburn with an innocent caption, a
    photo captioned «Закат над Хуанхэ», a question sent through an inline bot whose buttons read
    Scunthorpe / Cockburn / «Застрахуйте», and a reply quoting an admin's old strong words
    (the quote is the admin's, not the member's). All stay, nobody is told anything; a real
    мат sent last shows the bot was reading."""
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        old = emu.user_message(GROUP, ADMIN, "пиздец, опять сервер упал")
        contact = raw(emu, GROUP, OTHER_MEMBER, contact={
            "phone_number": "+447700900123", "first_name": "Хуан", "last_name": "Cockburn"})
        venue = raw(emu, GROUP, OTHER_MEMBER,
                    location={"latitude": 53.589, "longitude": -0.654},
                    venue={"location": {"latitude": 53.589, "longitude": -0.654},
                           "title": "Набережная Хуанхэ", "address": "Cockburn St, Scunthorpe"})
        document = raw(emu, GROUP, OTHER_MEMBER, document={
            "file_id": "doc-qa58", "file_unique_id": "udoc-qa58",
            "file_name": "Cockburn_Scunthorpe_2026.pdf", "mime_type": "application/pdf",
            "file_size": 12345},
            caption="Отчёт: страховка 300 рублей, застрахуйте груз")
        photo = emu.user_message(GROUP, OTHER_MEMBER, photo=True, caption="Закат над Хуанхэ")
        inline = raw(emu, GROUP, OTHER_MEMBER, text="Куда едем на выходных?",
                     via_bot=INLINE_BOT, reply_markup={"inline_keyboard": [
                         [{"text": "Scunthorpe", "callback_data": "v1"},
                          {"text": "Cockburn", "callback_data": "v2"}],
                         [{"text": "Застрахуйте меня", "url": "https://example.com/vote"}]]})
        quoted = dict(old)
        quoted.pop("reply_to_message", None)
        quote = raw(emu, GROUP, OTHER_MEMBER, text="Да, застрахуйте уже этот сервер",
                    reply_to_message=quoted,
                    quote={"text": "пиздец", "position": 0, "is_manual": True})
        bad = emu.user_message(GROUP, MEMBER, REAL_MAT, first_name="Боб")
        await removed(emu, bad)
        await emu.wait_for(lambda: bot_texts(emu), what="the notice")
        await settle(emu)
    # every shape reached the core: none was skipped as an update the bot could not read
    skipped = [r.getMessage() for r in caplog.records
               if "bad_update" in r.getMessage() or "update_skipped" in r.getMessage()]
    assert skipped == [], skipped
    kept = {"admin's old message": old, "contact": contact, "venue": venue,
            "document": document, "photo": photo, "inline bot": inline, "quote": quote}
    gone = [name for name, m in kept.items() if emu.is_deleted(GROUP, m["message_id"])]
    assert gone == [], gone
    texts = bot_texts(emu)
    assert len(texts) == 1 and texts[0].startswith("Боб, сообщение удалено"), texts
    assert punishments(emu) == []


# ============================================================================================
# Telegram: real мат in those places is removed and explained
# ============================================================================================

async def test_tg_mat_in_url_slug_hashtag_and_caption_is_removed_and_explained(
        tg_app, emu, fake, clock, capsys, tmp_path) -> None:
    """Three members: мат in a URL's slug, in a hashtag, in a photo's caption. Each message
    deleted; each member reads one Russian notice (name, the rule, Warning 1 of 4) that never
    repeats the word; the queue (audit = true) reads, in Russian, that the filter deleted it
    and which rule (ru.mat); `modbot audit` keeps the same rule for each."""
    app = await tg_app(extra=AUDIT)
    async with RunningBot(app, fast_options(fake)):
        slug = emu.user_message(GROUP, MEMBER, "Почитайте: https://example.com/blog/pizdec-"
                                "kakoy-den", first_name="Боб")
        tag = emu.user_message(GROUP, OTHER_MEMBER, "Понедельник #ебанутыйдень",
                               first_name="Ева")
        caption = emu.user_message(GROUP, THIRD, photo=True,
                                   caption="Отпуск, наконец-то нахуй работу",
                                   first_name="Олег")
        for message in (slug, tag, caption):
            await removed(emu, message)
        await emu.wait_for(lambda: len(bot_texts(emu)) >= 3, what="three notices")
        await emu.wait_for(lambda: len(queue_lines(emu)) >= 6, what="the audit lines")
        await settle(emu)
    texts = bot_texts(emu)
    assert sorted(texts) == sorted(
        f"{name}, сообщение удалено: нецензурная лексика. "
        "Предупреждение 1 из 4; дальше: мут на 1 ч." for name in ("Боб", "Ева", "Олег")), texts
    assert not [t for t in texts if quotes_obscenity(t) or "pizdec" in t.lower()], texts
    deleted = [t for t in queue_lines(emu) if "удалено сообщение с матом" in t]
    assert len(deleted) == 3, queue_lines(emu)
    for name, ref in (("Боб", MEMBER), ("Ева", OTHER_MEMBER), ("Олег", THIRD)):
        (line,) = [t for t in deleted if f"(telegram:{ref})" in t]
        assert line.startswith("Аудит:") and "фильтр" in line and name in line, line
        assert "(ru.mat)" in line, line
    lines = [line for line in await audit(tmp_path / "config.toml", clock, capsys)
             if line.split()[3] == "filter.delete"]
    assert len(lines) == 3 and all("(ru.mat)" in line for line in lines), lines


async def test_tg_joining_names_rude_is_said_by_id_look_alike_as_it_is(
        tg_app, emu, fake, caplog) -> None:
    """Two members join: "Хуйлан Пиздюков" and "Claire Cockburn". Joining is no message:
    the bot says nothing and removes nothing; their innocent greetings stay. When each later
    swears, the chat's notice and the queue's audit line name the first by id (README: no
    reply names a member by a name the filter would remove) and Claire by her real name (a
    surname that only looks rude is no reason to hide it)."""
    app = await tg_app(lang="en", extra=AUDIT)
    async with RunningBot(app, fast_options(fake)):
        join(emu, RUDE_NAMED, "Хуйлан", "Пиздюков")
        join(emu, COCKBURN, "Claire", "Cockburn")
        await settle(emu)
        assert bot_texts(emu) == [] and queue_lines(emu) == [], (bot_texts(emu),
                                                                  queue_lines(emu))
        hello = [emu.user_message(GROUP, RUDE_NAMED, "Hi all, glad to be here"),
                 emu.user_message(GROUP, COCKBURN, "Hello from Scunthorpe!")]
        await settle(emu)
        first = emu.user_message(GROUP, RUDE_NAMED, "what the fuck is this chat")
        await removed(emu, first)
        second = emu.user_message(GROUP, COCKBURN, "fuck, missed the bus again")
        await removed(emu, second)
        await emu.wait_for(lambda: len(bot_texts(emu)) >= 2, what="two notices")
        await emu.wait_for(lambda: len(queue_lines(emu)) >= 4, what="the audit lines")
        await settle(emu)
    assert not [r.getMessage() for r in caplog.records if "bad_update" in r.getMessage()]
    assert not any(emu.is_deleted(GROUP, m["message_id"]) for m in hello)
    assert deleted_ids(emu) == {first["message_id"], second["message_id"]}
    assert bot_texts(emu) == [
        f"id{RUDE_NAMED}, your message was removed for strong language. "
        "Warning 1 of 4; next: mute 1h.",
        "Claire Cockburn, your message was removed for strong language. "
        "Warning 1 of 4; next: mute 1h."], bot_texts(emu)
    queue = queue_lines(emu)
    assert not [t for t in queue if "Хуйлан" in t or "Пиздюков" in t], queue
    assert any(f"id{RUDE_NAMED} (telegram:{RUDE_NAMED})" in t for t in queue), queue
    assert any(f"Claire Cockburn (telegram:{COCKBURN})" in t for t in queue), queue


# ============================================================================================
# Telegram: dry-run and allowed_words
# ============================================================================================

async def test_tg_dry_run_reports_real_mat_only_and_touches_nothing(
        tg_app, emu, fake, clock, capsys, tmp_path) -> None:
    """A Russian community trialling the filter (mode = "dry-run", audit = true). Innocent
    look-alikes produce no report at all; мат in a slug, a hashtag and a caption is only
    reported: nothing deleted, no notice, no warning (/warns says none), and the queue reads
    one Russian trial line per message with its rule."""
    app = await tg_app(extra=AUDIT, tail=DRY_RUN)
    async with RunningBot(app, fast_options(fake)):
        innocent = [emu.user_message(GROUP, OTHER_MEMBER, text) for text in INNOCENT_TEXTS]
        await settle(emu)
        assert queue_lines(emu) == [], queue_lines(emu)
        rude = [emu.user_message(GROUP, MEMBER, "Смотрите https://example.com/pizdec-kakoy",
                                 first_name="Боб"),
                emu.user_message(GROUP, MEMBER, "#ебанутыйдень", first_name="Боб"),
                emu.user_message(GROUP, MEMBER, photo=True, caption="нахуй работу",
                                 first_name="Боб")]
        await emu.wait_for(lambda: len(queue_lines(emu)) >= 3, what="three trial lines")
        asked = emu.user_message(GROUP, MEMBER, "/warns", first_name="Боб")
        await emu.wait_for(lambda: replies_to(emu, GROUP, asked["message_id"]), what="/warns")
        await settle(emu)
    assert deleted_ids(emu) == set(), deleted_ids(emu)
    assert all(emu.world.find(GROUP, m["message_id"]) for m in [*innocent, *rude])
    # the chat reads only the answer to /warns: no notice, and no warning on record
    assert bot_texts(emu) == ["У Боб нет действующих предупреждений."], bot_texts(emu)
    assert replies_to(emu, GROUP, asked["message_id"]) == bot_texts(emu)
    queue = queue_lines(emu)
    assert len(queue) == 3, queue
    for line in queue:
        assert "пробный режим фильтра (без действий)" in line and "(ru.mat)" in line, line
        assert f"Боб (telegram:{MEMBER})" in line, line
    lines = await audit(tmp_path / "config.toml", clock, capsys)
    assert [line.split()[3] for line in lines] == ["filter.dry_run"] * 3, lines
    assert punishments(emu) == []


async def test_tg_allowed_word_holds_in_its_forms_and_places_but_not_for_mat(
        tg_app, emu, fake) -> None:
    """A car dealer's community allows its brand, «Хуяндай» (config.example.toml's
    allowed_words). Members decline it (в Хуяндае, у Хуяндая), put it in a caption, a URL
    and a plain hashtag: all stay. The allowance is for that word only: «Хуяндай — хуйня»
    is still removed."""
    app = await tg_app(tail='[community.filter]\nallowed_words = ["Хуяндай"]\n')
    async with RunningBot(app, fast_options(fake)):
        kept = [emu.user_message(GROUP, OTHER_MEMBER, text) for text in (
            "Хуяндай — лучший автосалон", "Купил машину в Хуяндае", "У Хуяндая скидки",
            "Сайт: https://huyandai.ru/cars", "#Хуяндай")]
        kept.append(emu.user_message(GROUP, OTHER_MEMBER, photo=True,
                                     caption="Мой новый Хуяндай"))
        bad = emu.user_message(GROUP, MEMBER, "Хуяндай — хуйня полная", first_name="Боб")
        await removed(emu, bad)
        await emu.wait_for(lambda: bot_texts(emu), what="the notice")
        await settle(emu)
    assert deleted_ids(emu) == {bad["message_id"]}, [
        m.get("text") or m.get("caption") for m in kept if emu.is_deleted(GROUP, m["message_id"])]
    (notice,) = bot_texts(emu)
    assert notice.startswith("Боб, сообщение удалено: нецензурная лексика."), notice


async def test_tg_allowed_word_in_hashtags_and_handles(tg_app, emu, fake) -> None:
    """The same dealer: its members write the brand the way chats do — «#Хуяндай2026»,
    «#Хуяндай_Сити», «пишите @хуяндай_авто». README: words joined by underscores in
    nicknames and hashtags are read apart, and an allowed word holds in its forms; the owner
    allowed exactly this word, so these must stay like «#Хуяндай» does."""
    app = await tg_app(tail='[community.filter]\nallowed_words = ["Хуяндай"]\n')
    async with RunningBot(app, fast_options(fake)):
        kept = [emu.user_message(GROUP, OTHER_MEMBER, text) for text in (
            "Тест-драйв #Хуяндай2026", "Встречаемся в #Хуяндай_Сити",
            "Вопросы по сервису пишите @хуяндай_авто")]
        bad = emu.user_message(GROUP, MEMBER, REAL_MAT, first_name="Боб")
        await removed(emu, bad)
        await settle(emu)
    gone = [m["text"] for m in kept if emu.is_deleted(GROUP, m["message_id"])]
    assert gone == [], gone


async def test_tg_scunthorpe_football_club_and_hashtag_stay(tg_app, emu, fake) -> None:
    """README lists Scunthorpe among the innocent words. An English football chat talks about
    its club the usual way: «Scunthorpe FC won 2-1», «#Scunthorpe2026». Both must stay and
    the fan must not climb the ladder (two such posts would mute her for an hour); the swear
    word after them shows the bot was reading."""
    app = await tg_app(lang="en")
    async with RunningBot(app, fast_options(fake)):
        kept = [emu.user_message(GROUP, OTHER_MEMBER, text, first_name="Eva") for text in (
            "Scunthorpe FC won 2-1 last night!", "Season tickets are out #Scunthorpe2026")]
        bad = emu.user_message(GROUP, MEMBER, "what the fuck, ref", first_name="Bob")
        await removed(emu, bad)
        await settle(emu)
    gone = [m["text"] for m in kept if emu.is_deleted(GROUP, m["message_id"])]
    assert gone == [], (gone, bot_texts(emu))
    assert punishments(emu) == [], punishments(emu)


# ============================================================================================
# VK: innocent messages of every shape are left alone
# ============================================================================================

async def test_vk_innocent_shapes_in_chat_and_under_posts_stay(
        emulator, vk_bot, clock, capsys, tmp_path) -> None:
    """In a VK chat and under a post: URLs and domains, hashtags, surnames, «рубля»,
    «застрахуйте», a mention whose label is «Claire Cockburn», a shared link whose title
    reads Scunthorpe, a file named Cockburn_Scunthorpe.pdf, a place on the Хуанхэ embankment,
    and a reply to the moderator's old strong words. Nothing deleted, nothing said, nothing
    in the audit but the one real мат sent last."""
    await vk_bot(extra=AUDIT)
    emulator.real_names[VK_CLAIRE] = VK_NAMES[VK_CLAIRE]
    old = emulator.post_message(VK_CHAT, VK_MOD, "пиздец, опять сервер упал")
    for text in INNOCENT_TEXTS:
        emulator.post_message(VK_CHAT, VK_EVA, text)
        emulator.post_comment(POST, VK_IVAN, text)
    emulator.post_message(VK_CHAT, VK_EVA, f"[id{VK_CLAIRE}|Claire Cockburn], спасибо!")
    emulator.post_comment(POST, VK_IVAN, f"[id{VK_CLAIRE}|Claire Cockburn], отличный пост")
    vk_message(emulator, VK_CHAT, VK_EVA, "Отчёт о матче", attachments=[{
        "type": "link", "link": {"url": "https://www.scunthorpe-united.co.uk/news",
                                 "title": "Scunthorpe United: match report",
                                 "description": "Cockburn scores twice"}}])
    vk_message(emulator, VK_CHAT, VK_EVA, "Квартальный отчёт", attachments=[{
        "type": "doc", "doc": {"id": 77, "owner_id": VK_EVA, "title":
                               "Cockburn_Scunthorpe_отчёт.pdf", "ext": "pdf", "size": 1234,
                               "url": "https://vk.com/doc602_77"}}])
    vk_message(emulator, VK_CHAT, VK_EVA, "Я тут", geo={
        "type": "point", "coordinates": {"latitude": 36.06, "longitude": 103.83},
        "place": {"title": "Набережная Хуанхэ", "country": "Китай", "city": "Ланьчжоу"}})
    emulator.post_message(VK_CHAT, VK_EVA, "Да, застрахуйте уже этот сервер", reply_to=old)
    bad = await vk_obscene(emulator, VK_CHAT, VK_OLEG, REAL_MAT)
    await emulator.wait_for(lambda: vk_texts(emulator, VK_CHAT))
    await vk_settle(emulator)
    assert vk_chat_deleted(emulator) == [bad], [
        m.text for m in emulator.peer(VK_CHAT).messages if m.deleted]
    assert not emulator.calls_to("wall.deleteComment")
    assert vk_wall_comments(emulator) == []
    texts = vk_texts(emulator, VK_CHAT)
    assert len(texts) == 1 and texts[0].startswith("Oleg Orlov, сообщение удалено"), texts
    lines = await audit(tmp_path / "config.toml", clock, capsys)
    assert {line.split("target=")[1].split()[0] for line in lines} == {f"vk:{VK_OLEG}"}, lines


# ============================================================================================
# VK: real мат in those places is removed and explained
# ============================================================================================

async def test_vk_mat_in_slug_hashtag_mention_label_and_photo_text_is_explained(
        emulator, vk_bot, clock, capsys, tmp_path) -> None:
    """An English VK community: мат in a URL slug (chat), in a hashtag under a post, in a
    mention's label (README: VK mention labels are the writer's words) and in a photo's text.
    Each removed; each member told once, in English, by name (on the wall as a VK link),
    never quoting the word; the VK queue reads, in English, "obscene message deleted by the
    filter" with the rule; `modbot audit` has four filter.delete lines with their rules."""
    await vk_bot(lang="en", extra=AUDIT)
    slug = emulator.post_message(VK_CHAT, VK_BOB, "read this: https://example.com/blog/"
                                 "pizdec-kakoy-den")
    comment = emulator.post_comment(POST, VK_EVA, "Monday again #FuckMonday")
    label = emulator.post_message(VK_CHAT, VK_OLEG, f"[id{VK_EVA}|пиздец какой-то] look")
    photo = emulator.post_message(VK_CHAT, VK_IVAN, "holiday pics, fuck yeah",
                                  attachments=[vk_photo()])
    await emulator.wait_for(lambda: all(vk_deleted(emulator, VK_CHAT, c)
                                        for c in (slug, label, photo)))
    await emulator.wait_for(lambda: emulator.comments[comment]["deleted"])
    await emulator.wait_for(lambda: len(vk_texts(emulator, VK_CHAT)) >= 3
                            and vk_wall_comments(emulator))
    await emulator.wait_for(lambda: len(vk_texts(emulator, VK_QUEUE)) >= 8)
    await vk_settle(emulator)
    texts = vk_texts(emulator, VK_CHAT)
    tail = " your message was removed for strong language. Warning 1 of 4; next: removal " \
           "from the chat."
    assert sorted(texts) == sorted(f"{n}{tail}" for n in (
        "Bob Brown,", "Oleg Orlov,", "Ivan Ivanov,")), texts
    (wall,) = vk_wall_comments(emulator)
    assert wall["text"].startswith(f"[id{VK_EVA}|Eva Evans]"), wall["text"]
    assert "strong language" in wall["text"] and "Warning 1 of 4" in wall["text"], wall
    said = [*texts, wall["text"]]
    assert not [t for t in said if quotes_obscenity(t) or "pizdec" in t.lower()], said
    deleted = [t for t in vk_texts(emulator, VK_QUEUE) if "obscene message deleted" in t]
    assert len(deleted) == 4, vk_texts(emulator, VK_QUEUE)
    for who, rule in ((VK_BOB, "(ru.mat)"), (VK_EVA, "(en.profanity)"),
                      (VK_OLEG, "(ru.mat)"), (VK_IVAN, "(en.profanity)")):
        (line,) = [t for t in deleted if f"(vk:{who})" in t]
        assert line.startswith("Audit:") and "the filter" in line and rule in line, line
    lines = [line for line in await audit(tmp_path / "config.toml", clock, capsys)
             if line.split()[3] == "filter.delete"]
    assert len(lines) == 4, lines
    assert sorted(line.split("target=")[1].split()[0] for line in lines) == sorted(
        f"vk:{w}" for w in (VK_BOB, VK_EVA, VK_OLEG, VK_IVAN)), lines
    assert all("(ru.mat)" in line or "(en.profanity)" in line for line in lines), lines


async def test_vk_joining_names_rude_is_said_by_id_look_alike_as_it_is(
        emulator, vk_bot, clock) -> None:
    """Two people are invited into the VK chat: one whose real name is «Хуйлан Пиздюков»,
    and Claire Cockburn. The bot says nothing at the invitation. When each swears, the
    chat's notice and the queue's audit line name the first as id605 and Claire by name."""
    await vk_bot(extra=AUDIT)
    emulator.post_message(VK_CHAT, VK_MOD, "", action={"type": "chat_invite_user",
                                                       "member_id": VK_RUDE})
    emulator.post_message(VK_CHAT, VK_MOD, "", action={"type": "chat_invite_user",
                                                       "member_id": VK_CLAIRE})
    hello = emulator.post_message(VK_CHAT, VK_CLAIRE, "Привет из Scunthorpe!")
    await vk_settle(emulator)
    assert vk_texts(emulator, VK_CHAT) == [] and vk_texts(emulator, VK_QUEUE) == []
    first = emulator.post_message(VK_CHAT, VK_RUDE, REAL_MAT)
    await emulator.wait_for(lambda: vk_deleted(emulator, VK_CHAT, first))
    second = emulator.post_message(VK_CHAT, VK_CLAIRE, "ну пиздец, опять автобус ушёл")
    await emulator.wait_for(lambda: vk_deleted(emulator, VK_CHAT, second))
    await emulator.wait_for(lambda: len(vk_texts(emulator, VK_CHAT)) >= 2
                            and len(vk_texts(emulator, VK_QUEUE)) >= 4)
    await vk_settle(emulator)
    assert sorted(vk_chat_deleted(emulator)) == sorted([first, second]), hello
    tail = ", сообщение удалено: нецензурная лексика. Предупреждение 1 из 4; дальше: " \
           "удаление из чата."
    assert vk_texts(emulator, VK_CHAT) == [f"id{VK_RUDE}{tail}", f"Claire Cockburn{tail}"], \
        vk_texts(emulator, VK_CHAT)
    queue = vk_texts(emulator, VK_QUEUE)
    assert not [t for t in queue if "Хуйлан" in t or "Пиздюков" in t], queue
    assert any(f"id{VK_RUDE} (vk:{VK_RUDE})" in t for t in queue), queue
    assert any(f"Claire Cockburn (vk:{VK_CLAIRE})" in t for t in queue), queue


# ============================================================================================
# VK: dry-run and allowed_words
# ============================================================================================

async def test_vk_dry_run_reports_real_mat_only_and_touches_nothing(
        emulator, vk_bot, clock, capsys, tmp_path) -> None:
    """A VK community trialling the filter: innocent look-alikes in the chat and under a
    post are not even reported; мат in a URL slug (chat) and a hashtag (wall) is reported to
    the queue in Russian with its rule, and nothing is deleted, said or banned."""
    await vk_bot(extra=AUDIT, tables=DRY_RUN)
    for text in INNOCENT_TEXTS:
        emulator.post_message(VK_CHAT, VK_EVA, text)
        emulator.post_comment(POST, VK_IVAN, text)
    emulator.post_message(VK_CHAT, VK_BOB, "Смотрите https://example.com/pizdec-kakoy")
    comment = emulator.post_comment(POST, VK_OLEG, "Понедельник #ебанутыйдень")
    await emulator.wait_for(lambda: len(vk_texts(emulator, VK_QUEUE)) >= 2)
    await vk_settle(emulator)
    await vk_settle(emulator)
    queue = vk_texts(emulator, VK_QUEUE)
    assert len(queue) == 2, queue
    for who, line in zip((VK_BOB, VK_OLEG), queue, strict=True):
        assert "пробный режим фильтра (без действий)" in line and "(ru.mat)" in line, line
        assert f"(vk:{who})" in line, line
    assert vk_chat_deleted(emulator) == [] and not emulator.comments[comment]["deleted"]
    assert vk_texts(emulator, VK_CHAT) == [] and vk_wall_comments(emulator) == []
    assert not emulator.calls_to("messages.removeChatUser") and not emulator.calls_to(
        "groups.ban")
    lines = await audit(tmp_path / "config.toml", clock, capsys)
    assert [line.split()[3] for line in lines] == ["filter.dry_run"] * 2, lines


async def test_vk_allowed_word_holds_in_its_forms_under_posts_and_in_chat(
        emulator, vk_bot) -> None:
    """The dealer's VK community allows «Хуяндай»: comments and chat messages declining it
    stay; a comment calling it «хуйня» is still removed and its author warned."""
    await vk_bot(tables='[community.filter]\nallowed_words = ["Хуяндай"]\n')
    kept = [emulator.post_comment(POST, VK_EVA, text) for text in (
        "Хуяндай — лучший автосалон", "Купил машину в Хуяндае", "#Хуяндай")]
    chat = [emulator.post_message(VK_CHAT, VK_EVA, text) for text in (
        "У Хуяндая скидки", "Сайт: https://huyandai.ru/cars")]
    bad = emulator.post_comment(POST, VK_BOB, "Хуяндай — хуйня полная")
    await emulator.wait_for(lambda: emulator.comments[bad]["deleted"])
    await emulator.wait_for(lambda: vk_wall_comments(emulator))
    await vk_settle(emulator)
    assert [emulator.comments[c]["text"] for c in kept if emulator.comments[c]["deleted"]] == []
    assert vk_chat_deleted(emulator) == [], chat
    (warning,) = vk_wall_comments(emulator)
    assert warning["text"].startswith(f"[id{VK_BOB}|Bob Brown]"), warning["text"]
    assert "нецензурная лексика" in warning["text"], warning["text"]


async def test_vk_shop_domains_with_rude_looking_letters_stay(emulator, vk_bot) -> None:
    """Members of an English VK community share where they buy and pay: «got it on
    ebuyer.com», «pay through eBalance», and the famous «whorepresents.com». README: innocent
    look-alikes (Scunthorpe, застрахуйте) are left alone; a domain is not a word of abuse.
    All three must stay; the real swear word after them shows the bot was reading."""
    await vk_bot(lang="en")
    kept = [emulator.post_message(VK_CHAT, VK_EVA, text) for text in (
        "Got my laptop on ebuyer.com, cheaper than anywhere",
        "You can pay through eBalance in the app",
        "Their agent list is on whorepresents.com")]
    await vk_obscene(emulator, VK_CHAT, VK_OLEG, "what the fuck, sold out again")
    gone = [m.text for m in emulator.peer(VK_CHAT).messages
            if m.deleted and m.cmid in kept]
    assert gone == [], (gone, vk_texts(emulator, VK_CHAT))
    assert not emulator.calls_to("messages.removeChatUser"), "an innocent shopper removed"
