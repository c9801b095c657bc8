"""Two words typed without the space between them (вообщехуёво, чтоебанутый, сукаблять,
ебтвою): мат glued to a common word is read as the two words.

Searching every long word for мат inside it would find it in innocent ones (застрахуйте,
скипидар, потребляют, оскорблять, колебаться, педикеб), so a word is only cut in two where one
half is one of a few words members type next to мат, and the other half is a whole word the
lexicon matches as it matches any word (prefixes, endings and allow-list included):

* a common word first (``HEADS``: ну, вот, что, это, вообще, какой…), then a matched word;
* a matched word first, then a word typed after мат (``TAILS``: твою, мать, блять, сука…).

Measured on 1.5 million Russian word forms (every form of a Russian spelling dictionary): no
innocent word splits so.

English insults are glued the same way to the word in front of them («youtwat»,
«#absolutewanker», «ucunt»): ``EN_HEADS`` are the words an insult follows, and the rest must be
one of the listed English forms (mask_forms.txt) as a whole, so Scunthorpe, Sussex, therapist,
cocktail, Dickens or assassin (no head, or no listed form after one) stay clean; no word of an
English dictionary (170,000 words and names) is a head and a listed form.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

#: common words typed right before мат with no space (нублять, вообщехуёво, чтоебанутый), of
#: two letters or more; не, на, по, за, до are left out: they are prefixes of the words
#: themselves (наебал), and the lexicon reads them so already
HEADS = frozenset((
    "ну", "вот", "что", "это", "вообще", "ваще", "блин", "опять", "иди", "пошел", "пошла",
    "пошли", "ты", "вы", "он", "она", "они", "мы", "же", "так", "как", "какой", "какая",
    "какое", "какие", "какого", "полный", "полная", "полное", "просто", "совсем", "очень",
    "ничего", "че", "чо", "ой", "ах", "эх", "ох", "ай", "эй", "аж", "еще", "уже", "кто", "где",
    "мне", "тебе", "все", "там", "тут", "нахрен", "даже", "этот", "эта", "этой", "всех", "всем",
))
#: the commonest of them, looked for by the pre-check before a word it only finds at a word's
#: start (нусука, вотбля): each costs the pre-check of every message
TRIGGER_HEADS = ("ну", "вот", "что", "это", "ты")
#: words typed right after мат with no space (ебтвою, ебтвоюмать, сукаблять), ё read as е
TAILS = frozenset((
    "твою", "твоюмать", "вашу", "вашумать", "мать", "бля", "блять",
    "блядь", "нахуй", "нахер", "пиздец", "сука",
))
#: a head and the next letter that are a word too (всех уйма typed «всехуйма»): the space may
#: belong after that letter, so the rest is only мат when it is a listed form (все хуёво)
LONGER_HEADS = frozenset(("всех", "всем", "этом", "этот", "чтоб", "таки", "мнем"))
#: words an English insult follows, typed without the space («youtwat», «uasshole»,
#: «absolutewanker», «totalprick»)
EN_HEADS = ("you", "u", "ya", "ur", "youre", "absolute", "total", "complete", "utter")
_LONGEST_HEAD = max(map(len, HEADS))
_LONGEST_TAIL = max(map(len, TAILS))
#: the shortest word cut in two: a head of two letters and a word of three
_SHORTEST = 5


#: the commonest words beginning with зд that no мат word continues: «пи» (the number π, a
#: word of its own: short_words.txt) glued in front of one («число пиздесь» for «пи здесь»)
#: spells the пизд root across the boundary; поздравляю and здрасьте are left out, as their
#: glued puns (пиздравляю, пиздрасьте) are мат
_PI_TAIL = re.compile(r"здесь|здешн(?:ий|его|ему|им|ем|яя|ей|юю|ее|ие|их|ими)")


def number_pi_glued(word: str) -> bool:
    """Whether a normalised word is «пи» glued to a common word after it (пиздесь: пи здесь)."""
    return word.startswith("пи") and _PI_TAIL.fullmatch(word, 2) is not None


def ambiguous_head(first: str, second: str) -> bool:
    """Whether the head may end one letter later (все|хуйма or всех|уйма)."""
    return first + second[:1] in LONGER_HEADS


def glued_pairs(word: str) -> Iterator[tuple[str, str, bool]]:
    """The ways a normalised Cyrillic word may be two words run together: ``(first, second,
    head)``, where ``head`` says the first is one of ``HEADS`` (the second is the word to
    match); otherwise the second is one of ``TAILS`` (the first is the word to match)."""
    if len(word) < _SHORTEST:
        return
    # only cuts a head or a tail can end at: a 10,000-letter word costs no more than a short
    # one (every cut of every prefix would be quadratic, minutes for a hostile message)
    last = len(word) - 3
    for cut in range(2, min(last, 2 * _LONGEST_HEAD) + 1):
        first = word[:cut]
        if first in HEADS or _two_heads(first):
            yield first, word[cut:], True
    for cut in range(max(2, len(word) - _LONGEST_TAIL), last + 1):
        second = word[cut:]
        if second in TAILS:
            yield word[:cut], second, False


def _two_heads(text: str) -> bool:
    """Two common words run together before мат as well (нукакогохуя, вотжеблядь)."""
    return len(text) >= 4 and any(text[:cut] in HEADS and text[cut:] in HEADS
                                  for cut in range(2, len(text) - 1))
