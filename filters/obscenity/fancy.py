"""Decorative letters read as the plain letters they imitate, before anything else.

Chat users write words in letters Unicode files under symbols or other alphabets: circled
(ⓕⓤⓒⓚ), squared and negative squared (🄷🅄🄸, 🅵🆄🅲🅺), small capitals (ꜰᴜᴄᴋ, ʙᴜʟʟꜱʜɪᴛ),
Cherokee and Armenian look-alikes (ᏴᏞᎩᎪᎠ, ѕհit, fսck), ƒ and the Greek final sigma (ςука).
NFKC folds only some of them (circled letters, fullwidth), and the symbol ones are not word
characters at all, so the tokenizer would never see a word. Each is replaced by one plain
letter, so the text keeps its length and every span still points into the member's own text.
"""

from __future__ import annotations

import re

# Cherokee and Armenian letters that look like Latin ones (the ones seen in evasion; the rest
# of those alphabets is left alone).
_LOOK_ALIKES = {
    "Ꭺ": "a", "Ᏼ": "b", "Ꮯ": "c", "Ꭰ": "d", "Ꭼ": "e", "Ꮐ": "g", "Ꮋ": "h", "Ꭵ": "i",
    "Ꭻ": "j", "Ꮶ": "k", "Ꮮ": "l", "Ꮇ": "m", "Ꮎ": "o", "Ꮲ": "p", "Ꭱ": "r", "Ꮪ": "s",
    "Ꭲ": "t", "Ꮩ": "v", "Ꮃ": "w", "Ꭹ": "y", "Ꮓ": "z", "Ꮻ": "o",
    "հ": "h", "ս": "u", "ո": "n", "օ": "o", "ց": "g", "ա": "w",
    "ƒ": "f", "ς": "c",
}
# Small capitals: Latin, and the ones that stand for Cyrillic letters (ᴨ п, ᴎ и, ᴦ г, ᴫ л…).
_SMALL_CAPITALS = {
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h", "ɪ": "i",
    "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ʀ": "r", "ꜱ": "s",
    "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z", "ᴨ": "п", "ᴎ": "и",
    "ᴦ": "г", "ᴫ": "л", "ᴧ": "л", "ᴩ": "р",
}


def _alphabet_runs() -> dict[int, str]:
    """Symbol alphabets laid out a–z: circled, parenthesized, squared, negative circled,
    negative squared (the regional indicators are left out: pairs of them are flags)."""
    table: dict[int, str] = {}
    for start in (0x24B6, 0x24D0, 0x249C, 0x1F130, 0x1F150, 0x1F170):
        for offset in range(26):
            table[start + offset] = chr(ord("a") + offset)
    return table


FANCY: dict[int, str] = {
    **_alphabet_runs(),
    **{ord(k): v for k, v in {**_LOOK_ALIKES, **_SMALL_CAPITALS}.items()},
}
# The blocks those letters live in, as ranges: a class of single characters this size makes
# the regex engine ~20 times slower, and this test runs on every non-ASCII message.
_FANCY_RE = re.compile(
    "[\u0192\u0262\u026a\u0274\u0280\u028f\u0299\u029c\u029f\u03c2\u0561-\u0585"
    "\u13a0-\u13f4\u1d00-\u1d2b\ua730\ua731\u249c-\u24e9\U0001f130-\U0001f189]"
)


# Two brackets drawn as an х (}{уй, )(ер) next to a letter: read as х and a soft hyphen, which
# keeps the length and is dropped inside a word like any invisible character.
_BRACKET_X = re.compile(r"(?:\}\{|\)\()(?=[^\W\d_])|(?<=[^\W\d_])(?:\}\{|\)\()")
_CYRILLIC = re.compile("[\u0400-\u04ff]")


def _bracket_x(match: re.Match[str]) -> str:
    around = match.string[max(0, match.start() - 1):match.end() + 1]
    return ("х" if _CYRILLIC.search(around) else "x") + "\u00ad"


def unfancy(text: str) -> str:
    """``text`` with decorative letters made plain (the same length); other text as it is."""
    if "}{" in text or ")(" in text:
        text = _BRACKET_X.sub(_bracket_x, text)
    if text.isascii() or _FANCY_RE.search(text) is None:
        return text
    return text.translate(FANCY)
