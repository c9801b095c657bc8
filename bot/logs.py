"""Structured key=value logs with secrets scrubbed from every line.

Tokens come from the environment; a token can still reach a log through an exception text
or a URL (the Bot API puts the token in the path), so the formatter redacts known secrets
and anything shaped like a Telegram token, whatever logger produced the line.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterable

_TELEGRAM_TOKEN = re.compile(r"(?<!\d)\d{5,12}:[A-Za-z0-9_-]{30,}")
_VK_TOKEN = re.compile(r"\bvk1\.a\.[A-Za-z0-9_-]{20,}|\b[a-f0-9]{85}\b")
_ACCESS_TOKEN_PARAM = re.compile(r"(access_token=)[^&\s'\"]+")
# VK's Long Poll session key ("a_check&key=…"): with it anyone can read the community's events
_LONG_POLL_KEY = re.compile(r"([?&]key=)[^&\s'\"]+")
# the Bot API puts the token in the path (/bot<TOKEN>/sendMessage); a proxy's error page may
# quote it back, whatever the token's shape
_BOT_API_PATH = re.compile(r"(/bot)[^/\s'\"<>]{4,}(?=/)")
REDACTED = "***"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class LogLevelError(ValueError):
    """An unknown level name: a one-line message for the owner, not logging's traceback."""

    def __init__(self, given: str, source: str) -> None:
        super().__init__(f"unknown log level {given!r} ({source}); use one of {', '.join(LEVELS)}")


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets: set[str] = {s for s in secrets if s and len(s) >= 4}

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= 4:
            self.secrets.add(secret)

    def __call__(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        text = _TELEGRAM_TOKEN.sub(REDACTED, text)
        text = _VK_TOKEN.sub(REDACTED, text)
        text = _BOT_API_PATH.sub(r"\1" + REDACTED, text)
        text = _LONG_POLL_KEY.sub(r"\1" + REDACTED, text)
        return _ACCESS_TOKEN_PARAM.sub(r"\1" + REDACTED, text)


#: what makes a logfmt value need quotes: a blank or a quote
_NEEDS_QUOTES = re.compile(r'[\s"]')


def logfmt_value(value: object) -> object:
    """A value as logfmt writes it: quoted (JSON-escaped) when it holds a blank, a quote or
    nothing at all, so ``error=the database is unreachable`` does not read as ``error=the``
    and three stray keys in Loki, Vector or ``grep error=``. Numbers pass unchanged
    (``%d``/``%.1f`` still apply to them)."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = str(value)
    if text and not _NEEDS_QUOTES.search(text):
        return value
    return json.dumps(text, ensure_ascii=False)


class KeyValueFormatter(logging.Formatter):
    """`ts=… level=… logger=… event=… k=v`: grep-able and parseable without a log stack.

    An ``event=`` line's arguments are written as logfmt values (``logfmt_value``); the
    keys and the words between them are the call site's."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        message = _event_message(record)
        if not message.startswith("event="):
            message = f"msg={json.dumps(message, ensure_ascii=False)}"
        line = (f"ts={self.formatTime(record, '%Y-%m-%dT%H:%M:%S')} level={record.levelname.lower()} "
                f"logger={record.name} {message}")
        if record.exc_info:
            line += " exc=" + repr(self.formatException(record.exc_info))
        return self.redactor(line)


def _event_message(record: logging.LogRecord) -> str:
    """The record's message, with an ``event=`` line's arguments quoted where they need it."""
    args = record.args
    if (isinstance(record.msg, str) and record.msg.startswith("event=")
            and isinstance(args, tuple) and args):
        try:
            return record.msg % tuple(logfmt_value(a) for a in args)
        except (TypeError, ValueError):
            pass  # a %d given text, say: logging's own formatting reports it as it always did
    return record.getMessage()


_redactor = Redactor()


def redactor() -> Redactor:
    return _redactor


def _level(level: str | None) -> str:
    """The level to use, checked case-insensitively, naming where a bad one came from."""
    env = os.environ.get("MODBOT_LOG_LEVEL")
    given, source = (level, "--log-level") if level else (env, "MODBOT_LOG_LEVEL")
    if not given:
        return "INFO"
    if given.upper() not in LEVELS:
        raise LogLevelError(given, source)
    return given.upper()


class _CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the moment of each record: a handler holding
    the stream it started with fails on every record once that stream is replaced and closed
    (an embedding program or a test runner capturing output)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def setup_logging(level: str | None = None, secrets: Iterable[str] = (),
                  stream: object = None) -> Redactor:
    """Level: argument, else MODBOT_LOG_LEVEL, else INFO. Safe to call more than once.

    Raises LogLevelError (before touching any handler) for a level name not in LEVELS.
    """
    chosen = _level(level)
    for secret in secrets:
        _redactor.add(secret)
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_modbot", False):
            root.removeHandler(old)
    handler: logging.Handler = (
        logging.StreamHandler(stream) if stream is not None  # type: ignore[call-overload]
        else _CurrentStderr())
    handler.setFormatter(KeyValueFormatter(_redactor))
    handler._modbot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(chosen)
    # aiosqlite at DEBUG logs every statement with its parameters: members' messages and
    # ids would reach the log of an owner who only wanted to see the bot's own steps.
    for noisy in ("aiogram", "aiohttp.access", "sqlalchemy.engine", "alembic", "aiosqlite"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    return _redactor
