"""Russian typed with the keyboard left on the English layout: «gbpltw» is «пиздец».

Chats use it as a disguise (and it happens by mistake). A message of ASCII characters that
holds one of the layout spellings of an obscene stem is read again as the keys it was typed
on, one character for one, so the spans of the matches still point at the member's text.
The stems are the distinctive ones: no English word holds «gbpl» or «velfr». A piece of chat
holding one is never remembered as clean (engine.py's pre-check), and a message whose flagged
pieces hold one is read as the Russian keys when its own reading finds nothing.
"""

from __future__ import annotations

import re

_QWERTY = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
_JCUKEN = "йцукенгшщзхъфывапролджэячсмитьбюё"
_UPPER = 'QWERTYUIOP{}ASDFGHJKL:"ZXCVBNM<>~'
_UPPER_JCUKEN = "ЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮЁ"
_TABLE = str.maketrans(_QWERTY + _UPPER, _JCUKEN + _UPPER_JCUKEN)

#: пизд, хуй/хуе/хуя, ебан/ебал/ебат, заеб, бля, мудак/мудил, залуп, пидор/пидар, гандон/гондон,
#: шлюх, as typed on the English layout (lower case)
STEMS = re.compile(
    r"gbpl|\[e[qtz\.]|t,f[yktn]|pft,|,kz|velfr|velbk|pfkeg|gblj[hf]|gblfh|ufyljy|ujyljy|ikb\.\["
)
def has_layout_stem(lowered: str) -> bool:
    """Whether a lower-cased piece of ASCII text holds an obscene stem typed on the English
    layout. The pre-check asks it once per new piece of chat, so a clean piece costs nothing
    after its first time."""
    return STEMS.search(lowered) is not None


def from_qwerty(text: str) -> str:
    """The message as the Russian layout would have typed it, character for character."""
    return text.translate(_TABLE)
