"""The third false-positive hunt on everyday chat (tests/data/profanity/innocent_everyday3.jsonl):
each class of innocent message it found flagged, beside the abusive forms that look alike and
must stay flagged."""

from __future__ import annotations

import pytest

from filters.obscenity import ObscenityFilter

FILTER = ObscenityFilter()

INNOCENT = [
    # a sharp after one letter is a language or a note, not a mask (f* would fill to fag)
    "F# кто-нибудь пишет?",
    "пишу на F# и C#",
    "Nocturne in F# minor",
    "A# and Bb are the same key",
    # u- before a b-word is an English compound («u*boat» would fill to уебоат)
    "U-boat museum in Kiel",
    "U-bahn closed tonight",
    "U-bend under the sink leaks",
    "Need a U-bolt for the exhaust",
    # Indonesian / Malay suka (to like) before its usual companions
    "Suka banget sama lagu ini",
    "aku suka sekali kopi susu",
    # idioms and German
    "cock of the walk lol",
    "the cock-of-the-rock is Peru's national bird",
    "Dick und Doof im Fernsehen",
    "durch dick und dünn",
    # сучья (branches) as firewood
    "Сучья вместо дров не годятся",
    "собрали дрова и сучья",
    # names: Chinese and Korean names in nicknames, Huening Kai, Hui'an, Ebensee, ebony
    "@hu_lee welcome to the chat",
    "@hui_mei nice",
    "@hui_li 👋",
    "Huening Kai solo stage",
    "Hui'an, Fujian",
    "Ebensee am Traunsee",
    "Ebenovoe derevo — chernoe derevo",
    # Dutch te as a word of its own
    "Huis te koop",
    # a surname hidden after «Фамилия:» / «ФИО:» / initials
    "И.О. Фамилия скрыта: П*****",
    "ФИО: П*****",
    "Победитель А. В. П*******",
]

ABUSIVE = [
    "f## you",
    "f#ck off",
    "ты f#g",
    "f#cking hell",
    "u-bok",
    "ты u*bok",
    "ты suka",
    "suka blyat",
    "suck my cock",
    "you dick",
    "what a cock",
    "сука вместо дров",
    "ты сучья морда",
    "@nahuy_lee",
    "@mudak_lee",
    "huy te",
    "nahuening",
    "ebenya",
    "Ты П*****",
    "П***** ты",
    "ну и п*****",
]


@pytest.mark.parametrize("text", INNOCENT)
def test_innocent(text: str) -> None:
    verdict = FILTER.check(text)
    assert not verdict.obscene, verdict.explain()


@pytest.mark.parametrize("text", ABUSIVE)
def test_abusive(text: str) -> None:
    assert FILTER.check(text).obscene, text
