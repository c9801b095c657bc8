"""The obscenity filter: what runs for each message, cheapest layer first.

1. Split the lower-cased message at whitespace.  Pieces this configuration has seen clean
   before are skipped with one C-level set lookup; new pieces get the pre-check regexes
   (``prefilter.py``) and, if clean, are remembered.  A regex for letters spaced out across
   pieces (х у й) runs on the whole message.  Most messages end here.
2. Pieces the pre-check flags are tokenized (``tokens.py``) and each candidate word is
   normalised (``normalize.py``) and matched against the lexicons (``lexicon.py``); answers
   per word are remembered too.
3. Messages with spaced-out letters, or whose lower-casing changes their length, get the
   windowed or full tokenization instead.
4. A clean message with a piece that may be half a word (ху йня, пиз-дец) has its split
   words joined and matched (``splits.py``).

Every layer is linear in the message length, and a per-message budget bounds the expensive
work, so hostile input stays fast.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from .data import load_sections
from .fancy import unfancy
from .layout import from_qwerty, has_layout_stem
from .lexicon import READ_AS_RUSSIAN, Lexicon
from .model import CLEAN, Match, Verdict
from .normalize import (
    FOREIGN_LOOK_ALIKE,
    QUERY_MASK,
    Script,
    digits_as_letters,
    normalize_word,
)
from .phrases import blank_innocent_phrases
from .prefilter import (
    ANY_CYRILLIC,
    ANY_LATIN,
    EMOJI_IN_WORD,
    HYPHEN_CHAIN,
    MIXED_SCRIPT,
    SPACED,
    SUSPECT,
    SYMBOLS,
    VS_AFTER_LETTER,
    build_triggers,
    spaced_out,
)
from .rules import Hit
from .splits import (
    SPREAD_CHUNK,
    candidates,
    marks_as_hidden_letters,
    may_split,
    spread_candidates,
    spread_pieces,
)
from .tokens import LOOK_ALIKE_SYMBOLS, Token, tokenize

_CYRILLIC_LETTER = re.compile("[\u0400-\u04ff]")
_PLAIN_LATIN = re.compile("[a-z]+")
_PLAIN_CYRILLIC = re.compile("[а-яё]+")
_HAS_LETTER = re.compile(r"[^\W\d_]")
#: what may run two words together with no blank: an ellipsis, stars, a look-alike symbol
_WORD_JOINERS = re.compile(rf"\.{{2,}}|…|[*{LOOK_ALIKE_SYMBOLS}]+")
#: a Latin word only transliterated Russian spells: ya/yu/zh/kh/shch inside it, or a Russian
#: ending (opyat, segodnya, klyuet, khorosho, novogo, bolshaya); at a word's start zh/kh/ya
#: are as likely a name (Zhang, Khan, Yamaha)
_TRANSLIT_RUSSIAN = re.compile(
    r"(?<![a-z])[a-z]+(?:ya|yu|zh|kh|shch)[a-z]*|\b[a-z]{2,}(?:ogo|ego|aya|yye|iye|yat|yut|tsya)\b",
    re.IGNORECASE,
)
#: ... or one of the commonest Russian words, which no English word is spelt like; looked for
#: only beside a word read as Russian there (hui, suki: READ_AS_RUSSIAN), as it costs a scan
_RUSSIAN_WORD = re.compile(
    r"\b(?:chto|kogda|tolko|pochemu|potomu|ochen|mozhno|nado|budet|bylo|seychas|sejchas"
    r"|skazal|poshel|znaet|davai|davay|nichego|ladno|zdes|esche|eshe|uzhe|menya|tebya|kto|ne|mne"
    r"|eto|tebe|posle)\b",
    re.IGNORECASE,
)
_UNDERSCORES = re.compile(r"(?<=[^\W\d_])_+(?=[^\W\d_])")
#: an identifier in camelCase (hashIt, pushItems) and its words; the first word has three
#: letters or more, so mixed case used as a disguise (shIt, fuCk) is not one
#: a capital Cyrillic letter and four or more stars, after a capitalised Cyrillic word, after
#: initials (И.О. П*****) or after «фамилия:» / «ФИО:»: a name with its surname hidden (мат
#: masks are short: х**, п***ц, б**ть)
_MASKED_SURNAME = re.compile(r"[А-ЯЁ]\*{4,}")
_GIVEN_NAME_BEFORE = re.compile(
    r"(?:(?<![\w.!?])[А-ЯЁ][а-яё]{2,}|(?<!\w)[А-ЯЁ]\.\s?[А-ЯЁ]\.|(?<!\w)(?:[Фф]амилия|ФИО|Ф\.И\.О\.)"
    r"(?:\s+[а-яё]+)?:)\s+$")
#: an e-mail address (its local part in group 1), and what joins the words of a local part
_EMAIL = re.compile(r"\b([a-z0-9][a-z0-9._+-]*)@[a-z0-9-]+(?:\.[a-z0-9-]+)+", re.I)
_EMAIL_SEPARATORS = re.compile(r"[._+\-\d]+")
_CAMEL_CASE = re.compile(r"[a-z]{3,}(?:[A-Z][a-z]+)+\Z")
_CAMEL_PIECE = re.compile(r"[A-Z]?[a-z]+")
#: a Cyrillic word with і and a letter no Latin word fakes (дешеві, Безвіз, худі): Ukrainian or
#: Belarusian, not English disguised in Cyrillic look-alikes (ѕніт), so never read in Latin
_UKRAINIAN_WORD = re.compile("(?=.*[іїє])(?=.*[бгджзийлпфцчшщъыьэюяїєґ])")
#: the Ukrainian prefix під- before a consonant (підручник, підрядник, підріс), not пидр-
_UKRAINIAN_PID = re.compile("під[бвгджзклмнпрстфхцчшщ]")
#: two Latin letters in a row, and Cyrillic letters with no Latin look-alike, as English says
#: them: an English word written with one of those (фuck, шit)
_LATIN_RUN = re.compile("[a-z]{2}")
_CYRILLIC_SOUND = re.compile("[фшщчдлпгицбз]")
_CYRILLIC_TO_LATIN_SOUND = str.maketrans(
    {"ф": "f", "ш": "sh", "щ": "sh", "ч": "ch", "д": "d", "л": "l", "п": "p", "г": "g", "и": "i",
     "ц": "c", "б": "b", "з": "z"})
#: a word with a hyphen or a dot between one letter and the rest (п-здец, f.ck, shi-t)
_LONE_LETTER_MARK = re.compile(
    "(?<![\\w.\\-\u00ad])(?:[a-zа-яё][-.\u00ad][^\\W\\d_]{2,}|[^\\W\\d_]{2,}[-.\u00ad][a-zа-яё])"
    "(?![\\w\\-\u00ad]|\\.\\w)", re.IGNORECASE)
_MARK = re.compile("[-.\u00ad]")
#: an English word with the prefix e- (e-bike, E-books, e-commerce), or u- before a b-word
#: (U-boat, U-bahn, U-bend, U-bolt: «u*b…» fills to уеб-); «u-bok» (three letters) stays a mask
_E_COMPOUND = re.compile(r"[eE]-[a-zA-Z]{3,}|[uU]-[bB][a-zA-Z]{3,}")
#: the same prefix in Cyrillic letters (е-ком, е-байк, Е-банкинг, е-гос): read through its
#: hyphen only into a listed мат form or one of its endings (е-бал, е-банутый, ё-бнутый)
_CYR_E_COMPOUND = re.compile("[еЕёЁ]-[а-яёА-ЯЁ]{3,}")
#: the listed forms (mask_forms.txt) without their last letter, four letters or more: a word
#: joined across an е- hyphen must start with one (ебнут- from ебнуть), or be one
_LISTED_STEMS = tuple(sorted({form.replace("ё", "е")[:-1]
                              for forms in load_sections("mask_forms.txt").values()
                              for form in forms if len(form) >= 5}))
#: a hexadecimal run (a hash, a key, a commit: e3b0c44298fc1c14…): its letters and digits are
#: no disguise, however they read
_HEX_RUN = re.compile(r"(?=[0-9a-f]*[0-9][0-9a-f]*[0-9])(?=[0-9a-f]*[a-f][0-9a-f]*[a-f])"
                      r"[0-9a-f]{12,}", re.IGNORECASE)
#: Markdown bold around a heading or a word (**Note:**, **Update:**, **Важно**): its stars are
#: no mask; a capital first letter or a closing colon tells it from a masked word (**ать)
_MD_BOLD = re.compile(r"(?<![\w*])\*\*([^\W\d_][^*\n]*?[^\s*])\*\*(?![\w*])")
#: an "e-" brand or product (eBuddy, eBalance): English, never Russian еб- in Latin letters
_E_PREFIXED = re.compile(r"e[A-Z][a-z]{2,}")
#: a word with a number after it (#Scunthorpe2026, Хуяндай2026, Model500): the number is a year
#: or a model, not letters in disguise (those are single digits: п1здец, долбо6)
_NUMBERED = re.compile(r"([@#]?[^\W\d_]{3,})\d{2,}")
#: a road, a model or a flight's code (SH17, A320: normalize.py reads its digits as a number)
#: typed in lower case as a word in a sentence (what a sh17 show, tw47): its digits may be
#: letters, so it is also read so, and counts only as one of the listed forms (shit, twat); a
#: capital after the first letter keeps it a code (SH17, Sh-17 is no word)
_LOWER_CODE = re.compile(r"[a-z]{2,3}\d{2,3}")
#: a word with underscores in it (a nickname: @huy_nguyen)
_UNDERSCORED = re.compile(r"\w*_\w*")
#: one dot inside a Russian word (нах.ер): read again without it, as an invisible character
#: (Latin is left alone: ebay.com, index.html); also a comma with a piece of one or two letters
#: on one side (пи,здец), but not between two words typed without a space (привет,как)
_INNER_DOT = re.compile(r"[.,](?:(?<=[а-яёА-ЯЁ]\.)(?=[а-яёА-ЯЁ])"
                        r"|(?<![а-яёА-ЯЁ]{3},)(?<=[а-яёА-ЯЁ],)(?=[а-яёА-ЯЁ])"
                        r"|(?<=[а-яёА-ЯЁ],)(?=[а-яёА-ЯЁ]{1,2}(?![а-яёА-ЯЁ])))")
#: the cheap test for both: a dot or a comma between two letters (chat puts a space after them;
#: one character class first, so sre scans for it in C)
_PUNCT_IN_WORD = re.compile(r"[.,](?<=[^\W\d_][.,])(?=[^\W\d_])")
#: words written with dots for spaces (ВСЁ.ПО.Х.У.Ю.ЭТИМ.ДЕПУТАТАМ, КУПИ.ЗДЕСЬ.ЯЙЦА): four
#: pieces or more, see ``_dots_as_spaces``
_DOTTED_SENTENCE = re.compile(r"(?<![\w.])[^\W\d_]+(?:\.[^\W\d_]+){3,}(?![\w.])")
#: the joins of a nickname's words (see ``_innocent_nickname``)
_NICK_JOIN = re.compile(r"_+")
# a Telegram or VK handle: an @ before a Latin letter names someone (@ebisu_jp), so a Russian
# reading must not take that @ for a letter (уебису); English keeps it (@ss, @sshole)
_HANDLE = re.compile(r"@[A-Za-z]")
#: three or more pieces of one or two letters joined by underscores (sh_i_t_t_y) are one word
_SHORT_PIECES = re.compile(r"(?<![^\W\d_])(?:[^\W\d_]{1,2}_+){2,}[^\W\d_]{1,2}(?![^\W\d_])")
#: ... and by single dots (sh.i.t; single letters alone are a spaced run already)
_SHORT_DOTTED = re.compile(r"(?<![^\W\d_.])(?:[^\W\d_]{1,2}\.){2,}[^\W\d_]{1,2}(?![^\W\d_])")
#: хер and хуй in transliteration after a preposition («ni hera», «na her», «na hui»): the
#: words alone are the English "her", the names Hera and Hui, so only the phrase is read
_TRANSLIT_PHRASE = re.compile(
    r"(?<![\w'])(?:na|ni|po|kakogo|kakova|kakovo)\s+(?:(her[au]?)|(hu[iyj]|hu\*{1,2}|h\*{1,2}[jyi]?))(?![\w'])")

#: phrases whose words alone are innocent: «фак ю», «фак офф» (фак is how FAQ is said), «сан оф э
#: бич» (бич is a whip or a tramp), «иди нах» (нах is also a shortened «на хрен»… or a name),
#: "fk off" (fk alone is a foreign key): (the phrase, its entry, its lexicon, the lexicon that
#: must be on)
_PHRASES = (
    (re.compile(r"(?<!\w)фак\s+(?:ю+|юу|офф?|ит)(?!\w)"), "fuck", "en.profanity", "en"),
    (re.compile(r"(?<!\w)сан\s+оф\s+[эа]\s+бич(?!\w)"), "bitch", "en.profanity", "en"),
    (re.compile(r"(?<!\w)(?:иди|идите|пош[её]л|пошла|пошли|вали|валите)\s+нах(?!\w)"), "хуй",
     "ru.mat", "ru"),
    # an exclamation opening the message, or the whole of it: «фак, опять…», «шит!»
    (re.compile(r"^\W*фак(?=\s*[,!.…]|\s*$)"), "fuck", "en.profanity", "en"),
    (re.compile(r"^\W*шит(?=\s*[,!.…]|\s*$)"), "shit", "en.profanity", "en"),
    (re.compile(r"(?<!\w)fk\s+(?:off|you|u|ya|this|that)(?!\w)|(?<!\w)for\s+fk(?:'?s)?\s+sake(?!\w)"),
     "fuck", "en.profanity", "en"),
    # блять and бладь in Latin letters with the apostrophe for ь (blat', bl@d'): without it,
    # blat is блат (pull, connections), and a Latin word does not take a trailing apostrophe
    (re.compile(r"(?<![\w'])bl[a@4][td]'(?![\w'])"), "бля", "ru.mat", "ru"),
    # asshole split into its two words after an article or "you" («what an ass hole», "you ass
    # holes"): ass alone is mild and hole innocent, and "a big ass hole" is a large hole
    (re.compile(r"(?<!\w)(?:an|you|u|ya|such\s+an|total|absolute|complete)\s+ass\s+holes?(?!\w)"),
     "asshole", "en.profanity", "en"),
    # «ёп твою мать»: ёб by sound; ёп alone is too short to tell (ёпрст is allowed)
    (re.compile(r"(?<!\w)(?:[её]|йо)пт?\s+твою(?!\w)"), "еб", "ru.mat", "ru"),
)
#: the words those phrases turn on: the phrases are looked for only in a message holding one
_PHRASE_WORDS = ("фак", "шит", "нах", "бич", "fk", "blat'", "blad'", "bl@t'", "bl@d'", "bl4t'",
                 "bl4d'", "ёп", "еп", "йоп", "ёпт", "епт", "йопт", "ass")
#: pieces judged with their neighbours (see ``check``): never cached as clean on their own (the
#: phrases' words with the punctuation that may follow them too)
_CONTEXT_WORDS = frozenset(
    {"na", "ni", "po", "kakogo", "kakova", "kakovo", *READ_AS_RUSSIAN,
     *(word + mark for word in _PHRASE_WORDS for mark in ("", ",", "!", ".", "…"))})

# pieces of text remembered as clean, per configuration (about 10 MB at most)
_MAX_KNOWN = 100_000
# words already matched (with their answer), per configuration
_MAX_SEEN = 50_000
# per message: words given the full treatment, and wildcard (mask) comparisons
_TOKEN_BUDGET = 64
_MASK_BUDGET = 8
# per message: words split in two (ху йня) joined and matched
_SPLIT_BUDGET = 16
# ... and words spelt out in uneven groups (пи зд ец, f,u,c,k) put together and matched
_SPREAD_BUDGET = 24
# ... looked for among the message's first pieces only (a split word in a 500-word message is
# not worth the cost of every message)
_SPLIT_PIECES = 200


def _find(text: str, char: str, start: int) -> int:
    """Index of ``char`` in ``text`` from ``start``, or the length of the text."""
    index = text.find(char, start)
    return len(text) if index < 0 else index


def _flagged_tokens(
    text: str, lowered: str, chunks: list[str], flagged: set[str]
) -> Iterator[Token]:
    """The tokens of the flagged pieces, lazily: matching may stop early (budget)."""
    position = 0
    for chunk in chunks:
        start = lowered.find(chunk, position)
        position = start + len(chunk)
        if chunk in flagged:
            yield from tokenize(text, start, position)


_NEVER = re.compile(r"(?!)")


@dataclass(frozen=True, slots=True)
class _Shared:
    """What filters with the same settings share: the lexicon, its triggers, the pieces of
    text already found clean (``known``), the clean pieces that may be half of a split word
    (``halves``: ху, fu — clean alone, judged with their neighbours) and the answers for words
    already matched (``seen``)."""

    lexicon: Lexicon
    latin: re.Pattern[str]
    cyrillic: re.Pattern[str]
    known: set[str] = field(default_factory=set)
    halves: set[str] = field(default_factory=set)
    seen: dict[tuple[str, str | None, Script, bool], Hit | None] = field(default_factory=dict)
    joins: dict[tuple[str, Script], Hit | None] = field(default_factory=dict)


@functools.lru_cache(maxsize=16)
def _compiled(languages: tuple[str, ...], extra: tuple[str, ...],
              allowed: tuple[str, ...]) -> _Shared:
    """Build (and share between filters with the same settings) a lexicon and its caches."""
    lexicon = Lexicon(languages, extra, allowed)
    latin, cyrillic = build_triggers(lexicon.stems)
    return _Shared(lexicon, latin or _NEVER, cyrillic or _NEVER)


class ObscenityFilter:
    """Decides whether a chat message is obscene, and explains why.

    Settings are per community: ``languages`` picks the lexicons (``"ru"``, ``"en"``),
    ``extra_words`` adds words the owner wants removed (mild ones like «дурак» included; a word
    also matches with up to three more letters: дураки), ``allowed_words`` lists words never to
    report.  What to do with an obscene message is the caller's business.
    """

    def __init__(
        self,
        *,
        languages: Sequence[str] = ("ru", "en"),
        extra_words: Sequence[str] = (),
        allowed_words: Sequence[str] = (),
    ) -> None:
        chosen = {language.strip().lower() for language in languages}
        unknown = chosen - {"ru", "en"}
        if unknown:
            raise ValueError(f"unsupported languages: {sorted(unknown)}")
        shared = _compiled(tuple(sorted(chosen)), tuple(extra_words), tuple(allowed_words))
        self._lexicon, self._latin, self._cyrillic = shared.lexicon, shared.latin, shared.cyrillic
        self._known, self._halves, self._seen = shared.known, shared.halves, shared.seen
        self._joins = shared.joins

    def check(self, text: str) -> Verdict:
        """Return the verdict for one message.

        A message with underscores between letters is also read with them as spaces: in a
        nickname or a hashtag they join words (@mudila_rus, #mudaki_iz_UK), while the first
        reading takes them as masks (м_дак) or spaced letters; pieces of one or two letters
        are read as one word (sh_i_t_t_y). A clean message with one dot inside a Russian word is
        read again without it (нах.ер), as are pieces of one or two letters joined by dots
        (sh.i.t).
        A flagged message is read again with its innocent phrases blanked (a cock-up, our
        bitch had puppies: phrases.py), so clean chat pays nothing for them."""
        read = text
        if "." in text:
            read = _DOTTED_SENTENCE.sub(_dots_as_spaces, text)
        verdict = self._check_message(read)
        if verdict.obscene and "**" in read:
            unbolded = _MD_BOLD.sub(_unbold, read)
            if unbolded != read:
                read = unbolded
                verdict = self._check_message(read)
        if verdict.obscene and "@" in text:
            named = self._blank_named_emails(text)
            if named != text:
                read = _DOTTED_SENTENCE.sub(_dots_as_spaces, named) if "." in named else named
                verdict = self._check_message(read)
        if verdict.obscene:
            blanked = blank_innocent_phrases(read, read.lower())
            if blanked == text:
                return verdict
            if blanked != read:
                read = blanked
                verdict = self._check_message(read)
        if not verdict.obscene and "_" in read:
            glued = _SHORT_PIECES.sub(lambda found: found.group().replace("_", "\u00ad"), read)
            spaced = self._underscores_as_spaces(glued)
            if spaced != read:
                read = spaced
                verdict = self._check_message(read)
        if not verdict.obscene and ("." in read or "," in read) \
                and _PUNCT_IN_WORD.search(read) is not None:
            joined = _SHORT_DOTTED.sub(lambda found: found.group().replace(".", "\u00ad"),
                                       _INNER_DOT.sub("\u00ad", read))
            if joined != read:
                read = joined
                verdict = self._check_message(read)
        if not verdict.obscene and ("-" in read or "." in read or "\u00ad" in read) \
                and _LONE_LETTER_MARK.search(read) is not None:
            # a hyphen or a dot beside one letter of a word: a letter left out (п-здец, f.ck,
            # с-ка) or a break put in (х-уйня, shi-t); read both ways, e-mail and x-ray stay
            for stand_in in ("\u00ad", "*"):
                tried = _LONE_LETTER_MARK.sub(functools.partial(_marked_as, stand_in), read)
                verdict = self._check_message(tried)
                if verdict.obscene:
                    read = tried
                    break
        if not verdict.obscene or read == text:
            return verdict
        return Verdict(True, tuple(replace(m, fragment=text[m.start:m.end])
                                   for m in verdict.matches))

    def _blank_named_emails(self, text: str) -> str:
        """``text`` with the local part of e-mail addresses that spell a person's name blanked
        (dick.morris.shop@…: Dick is a given name there); fuck.you@… is still read."""
        def blank(found: re.Match[str]) -> str:
            pieces = [p for p in _EMAIL_SEPARATORS.split(found.group(1)) if p]
            words = [normalize_word(piece, Script.LAT) for piece in pieces]
            if len(pieces) < 2 or not any(w is not None and self._lexicon.is_listed_name(w)
                                          for w in words):
                return found.group()
            others = [w for w in words if w is not None and not self._lexicon.is_listed_name(w)]
            if any(self._lexicon.match(w, masks=False) is not None for w in others):
                return found.group()
            return " " * len(found.group(1)) + found.group()[len(found.group(1)):]

        return _EMAIL.sub(blank, text)

    def _underscores_as_spaces(self, text: str) -> str:
        """``text`` with underscores between letters read as spaces, except in a person's full
        name (@huy_nguyen: its given name alone would read as мат in Latin letters)."""
        default = self._default_script(text)
        names = [found.span() for found in _UNDERSCORED.finditer(text)
                 if any(self._lexicon.is_surname(piece) for piece in found.group().split("_"))
                 and self._innocent_nickname(found.group(), default)]

        def space(found: re.Match[str]) -> str:
            if any(start <= found.start() < end for start, end in names):
                return found.group()
            return " " * len(found.group())

        return _UNDERSCORES.sub(space, text)

    def _check_message(self, text: str) -> Verdict:
        """The verdict for one message, read as it is.

        Fast path: split the lower-cased message at whitespace; if every piece is one this
        configuration has already found clean (a set lookup in C) and no letters are spaced
        out across pieces, the message is clean.  New pieces are checked with the pre-check
        regexes and remembered (up to ``_MAX_KNOWN`` of them); only the pieces that fail it
        are tokenized and matched. Off the fast path, decorative letters (ⓕⓤⓒⓚ, ꜰᴜᴄᴋ) are
        made plain first (fancy.py); the spans still index the member's own text. Pieces whose
        verdict depends on their neighbours (the prepositions of «na hui», and Hui / suki,
        read as Russian in a Russian message, and pieces that may be half of a word split
        by a space, a line break or a hyphen: ху йня, fu⏎ck, пиз-дец) are never remembered as
        clean; a clean message with such a piece has its split words joined and matched.
        """
        lowered = text.lower()
        chunks = lowered.split()
        known = self._known
        if known.issuperset(chunks):
            if not spaced_out(lowered):
                return CLEAN
            return self._check_text(text, lowered)
        verdict = self._check_new(text, lowered, chunks)
        if verdict.obscene or len(lowered) != len(text):
            return verdict
        # pieces that may be half a word are remembered apart from the clean ones (see _check)
        if self._halves.isdisjoint(chunks[:_SPLIT_PIECES]) and not (
                ("*" in lowered or "|" in lowered or "+" in lowered or "~" in lowered)
                and SPREAD_CHUNK.search(lowered) is not None):
            # (a piece with a star, a bar, a plus or a tilde is read as masked or as look-alike
            # letters, so f*u*c*k and пи|зд|ец are never remembered at all, not even as halves)
            return verdict
        if ("'" in lowered or "’" in lowered or "-" in lowered) \
                and (marked := marks_as_hidden_letters(text)) != text:
            # a word with an apostrophe or a hyphen inside (пи'здец, бл-дь: splits.py); such a
            # piece is one of the halves, never remembered as clean
            verdict = self._check_message(marked)
            if verdict.obscene:
                return Verdict(True, tuple(replace(m, fragment=text[m.start:m.end])
                                           for m in verdict.matches))
        return self._check_splits(text, lowered)

    def _check_new(self, text: str, lowered: str, chunks: list[str]) -> Verdict:
        """The check of a message with pieces not yet known to be clean."""
        plain = unfancy(text)
        if plain is text:
            return self._check_plain(text, lowered, chunks)
        lowered = plain.lower()
        verdict = self._check_plain(plain, lowered, lowered.split())
        if not verdict.obscene:
            return verdict
        return Verdict(True, tuple(replace(m, fragment=text[m.start:m.end])
                                   for m in verdict.matches))

    def _check_splits(self, text: str, lowered: str) -> Verdict:
        """Words split in two (ху йня, fu⏎ck, пиз-дец): see ``splits.py``."""
        default = self._default_script(text)
        joins = self._joins
        for joined in itertools.islice(candidates(text, lowered, _SPLIT_PIECES), _SPLIT_BUDGET):
            key = (joined.text, default)
            hit = joins.get(key, _MISSING)
            if isinstance(hit, _Missing):
                word = normalize_word(joined.text, default)
                hit = self._lexicon.match(word, masks=False) if word is not None else None
                if len(joins) < _MAX_SEEN:
                    joins[key] = hit
            if hit is not None and any(len(part) >= 4 and self._lexicon.is_allowed(part.lower())
                                       for part in joined.parts):
                continue  # an innocent word and a short one after it (Scunthorpe FC)
            if hit is not None:
                fragment = text[joined.start:joined.end]
                return Verdict(True, (Match(hit.name, joined.start, joined.end, fragment,
                                            hit.normalized, hit.lexicon),))
        for start, end in itertools.islice(spread_candidates(lowered, _SPLIT_PIECES),
                                           _SPREAD_BUDGET):
            hit = self._spread_hit(spread_pieces(text, start, end), default)
            if hit is not None:
                return Verdict(True, (Match(hit.name, start, end, text[start:end],
                                            hit.normalized, hit.lexicon),))
        return CLEAN

    def _spread_hit(self, joined: str, default: Script) -> Hit | None:
        """The listed word form (one of the commonest, mask_forms.txt) a word put together from
        pieces spelt out in groups is (cached): matched as any word, «Ху из ху в…» would join
        into хуизху…, which the хуй rule takes for a form of it, so only a listed form counts
        (пиздец, fuck, хуйня), as for two long halves (splits.py)."""
        key = ("\x00" + joined, default)
        hit = self._joins.get(key, _MISSING)
        if isinstance(hit, _Missing):
            word = normalize_word(joined, default)
            hit = self._lexicon.listed_form(word) if word is not None else None
            if len(self._joins) < _MAX_SEEN:
                self._joins[key] = hit
        return hit

    def _check_plain(self, text: str, lowered: str, chunks: list[str]) -> Verdict:
        if self._lexicon.ru and ("her" in lowered or "hu" in lowered or "h*" in lowered):
            found = _TRANSLIT_PHRASE.search(lowered)
            if found is not None and len(lowered) == len(text):
                verdict = self._check(text, lowered, chunks)
                group = 1 if found.group(1) else 2
                start, end = found.span(group)
                phrase = Match("хер" if group == 1 else "хуй", start, end, text[start:end],
                               found.group(group), "ru.mat")
                return Verdict(True, _in_text_order(verdict.matches, phrase))
        # the words of _PHRASE_WORDS spelt out: cheaper than a generator on this path
        if len(lowered) == len(text) and ("фак" in lowered or "бич" in lowered or "нах" in lowered
                                          or "шит" in lowered or "fk" in lowered
                                          or "п твою" in lowered or "пт твою" in lowered
                                          or "ass hole" in lowered
                                          or ("'" in lowered and "bl" in lowered)):
            for pattern, name, lexicon, language in _PHRASES:
                found = pattern.search(lowered)
                if found is not None and getattr(self._lexicon, language):
                    start, end = found.span()
                    if text.startswith("FK", start) and found.group().endswith(("this", "that")):
                        continue  # "FK this table": a developer's foreign key
                    verdict = self._check(text, lowered, chunks)
                    phrase = Match(name, start, end, text[start:end], found.group(), lexicon)
                    return Verdict(True, _in_text_order(verdict.matches, phrase))
        return self._check(text, lowered, chunks)

    def _check(self, text: str, lowered: str, chunks: list[str]) -> Verdict:
        known, halves = self._known, self._halves
        flagged: set[str] = set()
        for chunk in chunks:
            if chunk in known or chunk in halves:
                continue
            if not self._chunk_is_clean(chunk):
                flagged.add(chunk)
            elif may_split(chunk):
                # `check` reads splits only for a message with a piece in `halves`, so a half
                # must always get in: a full set (or a full `known`, once tested first) let
                # every new half through unread after a long run (пиз-дец was clean)
                if len(halves) >= _MAX_KNOWN:
                    halves.clear()
                halves.add(chunk)
            elif len(known) < _MAX_KNOWN and chunk not in _CONTEXT_WORDS:
                known.add(chunk)
        if "-\n" in lowered:  # a word hyphenated across lines (пиз-⏎дец): read it whole
            return self._check_tokens(text, tokenize(text))
        if len(lowered) != len(text) or spaced_out(lowered):
            return self._check_text(text, lowered)
        if not flagged:
            return CLEAN
        verdict = self._check_chunks(text, lowered, chunks, flagged)
        if verdict.obscene or not lowered.isascii() or not any(map(has_layout_stem, flagged)):
            return verdict
        # Russian typed on the English layout (gbpltw): read as the Russian keys, one for one
        typed = self._check_message(from_qwerty(text))
        return Verdict(typed.obscene, tuple(replace(m, fragment=text[m.start:m.end])
                                            for m in typed.matches))

    def _check_chunks(
        self, text: str, lowered: str, chunks: list[str], flagged: set[str]
    ) -> Verdict:
        """Tokenize and match only the whitespace-separated pieces the pre-check flagged."""
        return self._check_tokens(text, _flagged_tokens(text, lowered, chunks, flagged))

    def _chunk_is_clean(self, chunk: str) -> bool:
        """Whether a whitespace-free piece of lower-cased text can be skipped for good."""
        if "-" in chunk and HYPHEN_CHAIN.search(chunk) is not None:
            return False
        if chunk.isascii():
            return (
                self._latin.search(chunk) is None
                and SYMBOLS.search(chunk) is None
                and SPACED.search(" " + chunk) is None
                and not has_layout_stem(chunk)
            )
        return (
            not self._suspicious_unicode(chunk)
            and self._cyrillic.search(chunk) is None
            and SPACED.search(" " + chunk) is None
        )

    def _check_text(self, text: str, lowered: str) -> Verdict:
        """The full check of a message the fast path could not clear."""
        if lowered.isascii():
            return self._check_windows(text, lowered)
        if self._suspicious_unicode(lowered) or len(lowered) != len(text):
            return self._check_tokens(text, tokenize(text))
        return self._check_windows(text, lowered)

    def _suspicious_unicode(self, lowered: str) -> bool:
        """Non-ASCII text the windowed check cannot handle: marks, look-alikes, compatibility
        forms, symbols inside words, Latin letters (mixed script or Latin stems)."""
        if SUSPECT.search(lowered) is not None:
            return True
        if "\ufe0f" in lowered and VS_AFTER_LETTER.search(lowered) is not None:
            return True
        if EMOJI_IN_WORD.search(lowered) is not None:
            return True
        if not unicodedata.is_normalized("NFKC", lowered):
            return True
        if ANY_LATIN.search(lowered) is None:
            return False
        if ANY_CYRILLIC.search(lowered) is not None and MIXED_SCRIPT.search(lowered) is not None:
            return True
        return self._latin.search(lowered) is not None

    def _check_windows(self, text: str, lowered: str) -> Verdict:
        """Match only the words around the places the pre-check fires (plain text).

        The next hit is searched from the end of the last word looked at, so the work grows
        with the number of words examined, not with the number of hits inside them.
        """
        tokens: list[Token] = []
        position = 0
        while True:
            hit = self._next_hit(lowered, position)
            if hit is None:
                break
            start, end, spaced = hit
            if spaced:
                # a spaced-out run: the token starts at the first letter and runs on
                window_start, window_end = start, len(text)
            else:
                window_start = max(text.rfind(ch, 0, start) for ch in " \n\t") + 1
                window_end = min(_find(text, ch, end) for ch in " \n\t")
            position = max(end, start + 1)
            for token in tokenize(text, window_start, window_end):
                if not tokens or token.start >= tokens[-1].end:
                    tokens.append(token)
                position = max(position, token.end)
                if token.end >= end:
                    break
        return self._check_tokens(text, tokens)

    def _next_hit(self, lowered: str, position: int) -> tuple[int, int, bool] | None:
        """The first place at or after ``position`` where the pre-check fires:
        (start, end, is a spaced-out run)."""
        best: tuple[int, int, bool] | None = None
        padded = " " + lowered
        for pattern in (self._latin, self._cyrillic, SYMBOLS, HYPHEN_CHAIN):
            found = pattern.search(lowered, position)
            if found is not None and (best is None or found.start() < best[0]):
                best = (found.start(), found.end(), False)
        # the padded search reports positions one further on: the first letter, the end
        found = SPACED.search(padded, position)
        if found is not None and (best is None or found.start() < best[0]):
            best = (found.start(), found.end() - 1, True)
        return best

    def _check_tokens(self, text: str, tokens: Iterable[Token]) -> Verdict:
        """Match tokens in order, within a per-message budget of expensive work.

        Only words that can match get the full treatment, at most ``_TOKEN_BUDGET`` of them and
        ``_MASK_BUDGET`` wildcard comparisons per message: a real message never comes near
        these, and a hostile one cannot make the filter slow.
        """
        default = self._default_script(text)
        matches: list[Match] = []
        budget = _Budget(_TOKEN_BUDGET, _MASK_BUDGET)
        for token in tokens:
            if not self._may_match(token):
                continue
            budget.tokens -= 1
            if budget.tokens < 0:
                break
            match = self._match_token(text, token, default, budget)
            if match is not None:
                matches.append(match)
        if not matches:
            return CLEAN
        return Verdict(True, tuple(matches))

    def _may_match(self, token: Token) -> bool:
        """Cheap test whether a token is worth normalising: plain words without a stem are
        not (they were only inside a window or a message that needed the full tokenizer)."""
        if token.spaced or token.masked is not None or token.hashtag:
            return True
        lowered = token.text.lower()
        if _PLAIN_LATIN.fullmatch(lowered):
            return self._latin.search(lowered) is not None
        if _PLAIN_CYRILLIC.fullmatch(lowered):
            return self._cyrillic.search(lowered) is not None
        return _HAS_LETTER.search(lowered) is not None

    @staticmethod
    def _default_script(text: str) -> Script:
        """The script for words whose own letters do not decide (x**, cyka): Cyrillic if the
        message has any Cyrillic letter, or a word only Russian in Latin letters spells so
        (opyat, segodnya, chistyat: "suki, opyat podnyali ceny" is Russian).  Words only fall
        back on this when they hold as many Latin as Cyrillic look-alikes, so a cheap answer
        is good enough."""
        if _CYRILLIC_LETTER.search(text) is not None or _TRANSLIT_RUSSIAN.search(text):
            return Script.CYR
        lowered = text.lower()
        if ("hu" in lowered or "su" in lowered) and _RUSSIAN_WORD.search(text):
            return Script.CYR
        return Script.LAT

    def _match_token(
        self, text: str, token: Token, default: Script, budget: _Budget
    ) -> Match | None:
        if _MASKED_SURNAME.fullmatch(text, token.start, token.end) \
                and _GIVEN_NAME_BEFORE.search(text, 0, token.start):
            return None  # «Людмила Х*******»: a winners' list hides the surname, not мат
        key = (token.text, token.masked, default, token.hashtag)
        cached = self._seen.get(key, _MISSING)
        if cached is _MISSING:
            cached = self._match_word(token, default, budget)
            # an answer given with the mask budget spent is not the word's real answer
            if budget.masks >= 0 and len(self._seen) < _MAX_SEEN:
                self._seen[key] = cached
        if cached is None or isinstance(cached, _Missing):
            return None
        return Match(cached.name, token.start, token.end, text[token.start:token.end],
                     cached.normalized, cached.lexicon)

    def _match_word(self, token: Token, default: Script, budget: _Budget) -> Hit | None:
        hit = self._match_reading(token, default, budget)
        if hit is not None and hit.lexicon.startswith("en.") and _CAMEL_CASE.match(token.source) \
                and not self._lexicon.is_listed_english(token.source.lower()):
            # a programmer's identifier (hashIt, pushItems): its words are read one by one, so a
            # root across their boundary is no word (getShitDone still holds one)
            pieces = _CAMEL_PIECE.findall(token.source)
            for piece in pieces:
                alone = normalize_word(piece, Script.LAT)
                found = self._lexicon.match(alone, masks=False) if alone is not None else None
                if found is not None:
                    return found
            return None
        if hit is not None and hit.lexicon.startswith("ru.") and _E_PREFIXED.fullmatch(token.source):
            return None
        if hit is not None and _HEX_RUN.fullmatch(token.text) is not None:
            return None
        if hit is not None and hit.name == "пидор" and _UKRAINIAN_PID.match(token.text.lower()):
            return None
        if hit is not None and hit.lexicon.startswith("ru.") and _HANDLE.match(token.text):
            handle = replace(token, text=token.text[1:], source=token.source.removeprefix("@"))
            inner = self._match_reading(handle, default, budget)
            return inner if inner is not None and inner.lexicon.startswith("ru.") else None
        return hit

    def _match_reading(self, token: Token, default: Script, budget: _Budget) -> Hit | None:
        numbered = _NUMBERED.fullmatch(token.text)
        if numbered is not None and token.masked is None:
            token = replace(token, text=numbered.group(1),
                            source=token.source.removesuffix(token.text[numbered.end(1):]))
        if not token.spaced and QUERY_MASK.search(token.text) is not None:
            return self._match_query_word(token, default, budget)
        word = normalize_word(token.text, default)
        if word is None:
            return None
        # a mention, read without its @ too: the @ is rarely a letter there
        named = normalize_word(token.text[1:], default) if token.text[:1] == "@" else None
        if named is not None and self._lexicon.is_allowed(named.text):
            return None  # a mention of an innocent word (@shiitake), not an @ for a or o
        if "_" in token.source and self._innocent_nickname(token.source, default):
            return None
        if any(flag for _, flag in word.readings):
            budget.masks -= 1
        hit = None
        if default is Script.CYR and word.script is Script.LAT:
            hit = self._lexicon.read_as_russian(word)
        if hit is None:
            hit = self._lexicon.match(word, masks=budget.masks >= 0)
        if hit is None and _LOWER_CODE.fullmatch(token.source):
            spelt = normalize_word(digits_as_letters(token.text), Script.LAT, script=Script.LAT)
            if spelt is not None:  # (fa66 is no fagg: repeats are not read as one)
                hit = self._lexicon.listed_form(spelt, stretched=False)
        if hit is None and word.script is Script.CYR and _PLAIN_CYRILLIC.fullmatch(word.text):
            # two words typed without a space (вообщехуёво, сукаблять): glued.py
            hit = self._lexicon.match_glued(word.text)
        if hit is None and word.script is Script.LAT and _PLAIN_LATIN.fullmatch(word.text):
            # an English insult glued to the word in front of it (youtwat): glued.py
            hit = self._lexicon.match_glued_english(word.text)
        if (hit is None and token.spaced and len(word.text) > 3
                and not self._lexicon.is_allowed(word.text)):
            # letters spaced out may run several words together (и д и н а х у й); a run
            # that is one innocent word (к-о-м-а-н-д-а, н е б о) is not searched inside
            hit = self._lexicon.search_inside(word.text, word.script)
        if hit is None and not token.spaced:
            hit = self._match_dotted_words(token.text, default, budget)
        if hit is None and word.script is Script.CYR and FOREIGN_LOOK_ALIKE.search(
                token.text.lower()) and not _UKRAINIAN_WORD.search(token.text.lower()):
            latin = normalize_word(token.text, default, script=Script.LAT)
            hit = self._lexicon.match(latin, masks=False) if latin is not None else None
        if hit is None and word.script is Script.LAT and _CYRILLIC_LETTER.search(token.text):
            # a Latin letter with no Cyrillic look-alike in a Russian word (муdак)
            russian = normalize_word(token.text, default, script=Script.CYR)
            hit = self._lexicon.match(russian, masks=False) if russian is not None else None
        if hit is None and word.script is Script.CYR and _PLAIN_LATIN.search(lowered := token.text.lower()):
            # Latin letters read by sound where their shapes made a Russian word of them
            # (Pi3дец: the P is п, not р)
            sounded = normalize_word(self._lexicon.sound_out(lowered), default, script=Script.CYR)
            hit = self._lexicon.match(sounded, masks=False) if sounded is not None else None
        if hit is None and word.script is Script.CYR and _LATIN_RUN.search(token.text.lower()) \
                and _CYRILLIC_SOUND.search(lowered := token.text.lower()):
            # an English word with a Cyrillic letter no Latin one looks like, read by sound
            # (фuck, шit): English matches only, a Russian word is read in Cyrillic above
            english = normalize_word(lowered.translate(_CYRILLIC_TO_LATIN_SOUND), default,
                                     script=Script.LAT)
            found = self._lexicon.match(english, masks=False) if english is not None else None
            if found is not None and not found.lexicon.startswith("ru."):
                hit = found
        if hit is None and token.masked is not None:
            masked = normalize_word(token.masked, default)
            if masked is not None:
                hit = self._lexicon.match(masked, masks=budget.masks >= 0)
        if hit is None and token.hashtag and word.script is Script.CYR and budget.masks >= 0:
            hit = self._lexicon.listed_mask("*" + word.text)
        if hit is None and named is not None:
            # Russian мат only (@nahuy_tv): an English word in a handle is mostly a name
            # (@dick_grayson)
            found = self._lexicon.match(named, masks=False)
            if found is not None and found.lexicon.startswith("ru."):
                hit = found
        return hit

    def _innocent_nickname(self, source: str, default: Script) -> bool:
        """A nickname of whole words joined by underscores (@scunthorpe_fc, @Hui_Lin_88) is
        innocent when one of its words is an allowed word or a name and none is obscene alone
        (a given name beside a surname, @huy_nguyen, is a name in any case);
        read joined, the underscore would be a mask (motherf_cking) and the words run together."""
        pieces = [piece for piece in _NICK_JOIN.split(source.lstrip("@")) if piece]
        if len(pieces) < 2 or any(len(piece) < 2 for piece in pieces):
            return False
        words = [normalize_word(piece, default) for piece in pieces]
        if any(self._lexicon.is_surname(piece) for piece in pieces):
            # a person's full name (@huy_nguyen): its given name is a name, not мат in Latin
            words = [None if w is not None and self._lexicon.is_listed_name(w) else w
                     for w in words]
        elif not any(w is not None and self._lexicon.is_name_or_allowed(w) for w in words):
            return False
        return all(w is None or self._lexicon.match(w, masks=False) is None for w in words)

    def _match_query_word(self, token: Token, default: Script, budget: _Budget) -> Hit | None:
        """A word with ``?``, ``&``, ``^``… hiding a letter (tokens.py: х&йня, п^здец, f?ck),
        read as a mask, but only against the listed word forms: these marks have innocent uses
        (a question mark typed without its space, x^y), and filling them letter by letter would
        find мат in two pieces run together (xy&passcode → хуи…).  When no form fits, the
        pieces are read as the words they may be, each on its own."""
        word = normalize_word(token.text, default)
        if word is not None and budget.masks >= 0:
            budget.masks -= 1
            hit = self._lexicon.match_listed_masks(word)
            if hit is not None:
                return hit
        unticked = token.text.replace("`", "")
        if unticked != token.text and QUERY_MASK.search(unticked) is None:
            # a backtick inside a word is mostly typed in, hiding nothing (му`дак, с`ука; an
            # apostrophe: don`t, п`ять): the word without it
            joined = normalize_word(unticked, default)
            hit = self._lexicon.match(joined, masks=False) if joined is not None else None
            if hit is not None:
                return hit
        for part in QUERY_MASK.split(token.source):
            for piece in tokenize(part):
                if self._may_match(piece):
                    hit = self._match_word(piece, default, budget)
                    if hit is not None:
                        return hit
        return None

    def _match_dotted_words(self, text: str, default: Script, budget: _Budget) -> Hit | None:
        """Words run together by an ellipsis («всё...пиздец»), a star or a look-alike symbol
        («сука*блять», «сука©блять»): read each on its own when every piece is a word of three
        letters or more (a shorter piece means a mask: п...ц, х*йня, fu©k)."""
        parts = _WORD_JOINERS.split(text)
        if len(parts) < 2 or any(len(_HAS_LETTER.findall(part)) < 3 for part in parts):
            return None
        for part in parts:
            word = normalize_word(part, default)
            if word is not None:
                hit = self._lexicon.match(word, masks=budget.masks >= 0)
                if hit is not None:
                    return hit
        return None


def _in_text_order(matches: tuple[Match, ...], phrase: Match) -> tuple[Match, ...]:
    """The word matches and a phrase's, in the order they stand in the text; the phrase's word
    may be мат on its own too (na huy) and is named once."""
    return tuple(sorted({*matches, phrase}, key=lambda m: (m.start, m.end, m.word)))


def _marked_as(stand_in: str, found: re.Match[str]) -> str:
    """The word found with its hyphen or dot read as ``stand_in`` (nothing, or a mask).

    An English e- word (e-bike, e-book, E-bay, e-scooter) is never read with a mask: «е*…»
    opens the еб- root whatever follows, so every e-bike in a cycling chat was мат. Read as
    nothing it is still judged (a transliterated "e-bat" is "ebat")."""
    if stand_in == "*" and _E_COMPOUND.fullmatch(found.group()) is not None:
        return found.group()
    if _CYR_E_COMPOUND.fullmatch(found.group()) is not None:
        rest = found.group()[2:].lower().replace("ё", "е")
        joined = "еб" + rest if stand_in == "*" else "е" + rest
        if not joined.startswith(_LISTED_STEMS):
            return found.group()  # е-ком, е-байк, Е-бизнес: a compound, nothing hidden
    return _MARK.sub(stand_in, found.group())


def _unbold(found: re.Match[str]) -> str:
    """Markdown bold with its stars read as spaces (see ``_MD_BOLD``)."""
    inner = found.group(1)
    if not (inner[0].isupper() or inner.endswith(":")):
        return found.group()
    return "  " + inner + "  "


def _dots_as_spaces(found: re.Match[str]) -> str:
    """A run of dotted pieces with two words of three letters or more is a sentence typed with
    dots for spaces: read it so (single letters in it are then spaced out, х.у.ю), rather than
    as one word (купиздесь). Shorter pieces only (sh.i.t, пиз.д.ец) stay one word."""
    run = found.group()
    if sum(len(piece) >= 3 for piece in run.split(".")) < 2:
        return run
    return run.replace(".", " ")


class _Missing:
    """Marker for "not in the cache" (None is a cached answer)."""


_MISSING = _Missing()


class _Budget:
    """How much expensive work one message may still cause."""

    __slots__ = ("masks", "tokens")

    def __init__(self, tokens: int, masks: int) -> None:
        self.tokens = tokens
        self.masks = masks
