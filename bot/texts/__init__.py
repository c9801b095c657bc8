"""Text catalogs: every user-facing sentence, in ru and en, addressed by dotted keys.

Catalog files are `bot/texts/<lang>/<feature>.toml`; a table `[moderation]` with key `warned`
becomes `moderation.warned`. Features own their own files, so adding wording never means
editing code.
"""

from __future__ import annotations

import logging
import string
import tomllib
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.core.durations import format_duration
from bot.core.texts import RAW_KEY, Text

LANGUAGES = ("ru", "en")
FALLBACK = "en"
_ROOT = Path(__file__).parent
log = logging.getLogger(__name__)


def _flatten(prefix: str, table: Mapping[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            _flatten(full, value, out)
        else:
            out[full] = str(value)


def load_language(lang: str, root: Path = _ROOT) -> dict[str, str]:
    messages: dict[str, str] = {}
    for file in sorted((root / lang).glob("*.toml")):
        with file.open("rb") as handle:
            _flatten("", tomllib.load(handle), messages)
    return messages


class _Missing(dict[str, Any]):
    """A placeholder the values lack reads as nothing: a message decided by an older release
    (waiting in the outbox across an upgrade) lacks the fields the catalog has gained since,
    and a member must not read "{deleted}"."""

    def __init__(self, values: dict[str, Any], key: str) -> None:
        super().__init__(values)
        self._key = key

    def __missing__(self, name: str) -> str:
        log.warning("event=texts.missing_value key=%s name=%s", self._key, name)
        return ""


class TextCatalog:
    """Renders core `Text` values; unknown keys fall back to English, then to the key itself."""

    def __init__(self, root: Path = _ROOT) -> None:
        self.messages = {lang: load_language(lang, root) for lang in LANGUAGES}

    def has(self, key: str, lang: str = FALLBACK) -> bool:
        return key in self.messages.get(lang, {})

    def render(self, text: Text, lang: str) -> str:
        if text.key == RAW_KEY:
            return str(text.params.get("text", ""))
        template = self.messages.get(lang, {}).get(text.key)
        if template is None:
            template = self.messages[FALLBACK].get(text.key)
        if template is None:
            log.warning("event=texts.missing key=%s lang=%s", text.key, lang)
            return text.key
        params = {k: self._param(v, lang) for k, v in text.params.items()}
        return string.Formatter().vformat(template, (), _Missing(params, text.key))

    def _param(self, value: Any, lang: str) -> Any:
        if isinstance(value, Text):
            if value.key != RAW_KEY and not self.has(value.key, lang) and not self.has(value.key):
                # a part an older release worded with a key since removed (a message waiting
                # in its outbox across an upgrade): left out rather than shown as its key
                log.warning("event=texts.missing key=%s lang=%s", value.key, lang)
                return ""
            return self.render(value, lang)
        if isinstance(value, timedelta):  # durations read in the reader's language
            return format_duration(value, lang)
        if isinstance(value, tuple | list):  # pieces of one text, some worded by the catalog
            return "".join(str(self._param(piece, lang)) for piece in value)
        return value


_default: TextCatalog | None = None


def catalog() -> TextCatalog:
    """The shipped catalogs, loaded once per process."""
    global _default
    if _default is None:
        _default = TextCatalog()
    return _default
