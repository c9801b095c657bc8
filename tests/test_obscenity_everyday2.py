"""The second false-positive hunt on everyday chat (innocent_everyday2.jsonl): the innocent
forms it found, each beside abusive forms that look alike and must still be flagged."""

from __future__ import annotations

import pytest

from filters.obscenity import ObscenityFilter

FILTER = ObscenityFilter(languages=("ru", "en"))

INNOCENT = [
    # a cock is the male of fish and birds, a tap, a pub, and cock-a-hoop is elated
    "The cock salmon had a proper kype on him, released him straight back.",
    "A cock chaffinch was singing from the hedge.",
    "We replaced the ball cock in the cistern.",
    "We used a 12 mm cock valve on the drain line.",
    "Open the drain cock on the radiator first.",
    "Our classic car club meets at the Cock Inn, Sutton.",
    "Quiz night at the Cock and Bull on Friday.",
    "Cock-a-hoop after that win in Sussex, our first in three years.",
    # a bitch is a female dog
    "A female dog is technically a bitch, and breeders use the word all the time.",
    "She's a bitch, spayed, four years old, good with kids.",
    # сука, суки: a female dog at the vet's and in a hunter's ad
    "Ветеринарный врач сказал, что течка у суки длится около трёх недель.",
    "Стерилизация суки — 8000 с наркозом и попоной.",
    "Легавая сука, 2 года, работает по перу, продаю.",
    "Лайка-сука западносибирская, рабочая по соболю.",
    "Otdam v dobrye ruki: suka labradora, 3 goda, sterilizovana.",
    # сучки: twigs on a fruit tree
    "Сучки на яблоне после зимы подрезала, замазала садовым варом.",
    "Весной обрезала сухие сучки у смородины.",
    # tits among garden birds
    "Honestly bins are enough for tits and finches.",
    "Sparrows and tits at the feeder all morning.",
    # the band and the Bond character
    "Pussy Riot were in the documentary about Russian protest art.",
    "Pussy Galore is the best Bond girl name, fight me.",
    # a short commit hash named as one
    "The build hash is 3b1f8c9e and the tag is v2.14.0-rc1.",
    "Revert commit 3b1f8c9e please, it broke the build.",
    "Хэш коммита e5b1a9d, ветка feature/deb-packaging.",
    # names and words that read as мат only in Latin letters
    "Mr Ebong from Lagos will present on Thursday.",
    "De huid van de baby is droog, welke crème?",
    "Dr Fuk Lam is the new dentist.",
]

ABUSIVE = [
    "what a cock",
    "suck my cock",
    "he's a total cock and a liar",
    "cock in the valve room, lol what a cock",
    "she's a bitch",
    "you stupid bitch, stop it",
    "bitch, please",
    "ну ты и сука",
    "сука, опять не работает",
    "легавая сука, ещё раз придёшь — пожалеешь",
    "suka blyat",
    "ty suka",
    "эти сучки опять на лавке сидят",
    "nice tits",
    "show us your tits",
    "what a pussy",
    "don't be a pussy",
    "hash it out, you fucking idiot",
    "commit this, motherfucker",
    "the hash is 3b1f8c9e, you fucking idiot",
    "хэш коммита e5b1a9d, заебал уже со своими хэшами",
    "легавая сука, 2 года как сидишь у меня на шее",
    "Mr Fuk You",
    "fuk off",
    "Dr Fuk Off mate",
]


@pytest.mark.parametrize("text", INNOCENT)
def test_innocent_not_flagged(text: str) -> None:
    result = FILTER.check(text)
    assert not result.obscene, result.explain()


@pytest.mark.parametrize("text", ABUSIVE)
def test_abusive_lookalikes_flagged(text: str) -> None:
    assert FILTER.check(text).obscene, text
