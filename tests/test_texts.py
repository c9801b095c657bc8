"""Catalogs: ru and en carry the same keys and placeholders; rendering falls back safely."""

from __future__ import annotations

import logging
import string

import pytest

from bot.core.texts import Text
from bot.texts import TextCatalog, load_language


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_ru_and_en_have_the_same_keys_and_placeholders() -> None:
    ru, en = load_language("ru"), load_language("en")
    assert sorted(set(ru) ^ set(en)) == []
    mismatched = [k for k in en if placeholders(en[k]) != placeholders(ru[k])]
    assert mismatched == []


def test_render_in_language_with_params() -> None:
    catalog = TextCatalog()
    assert "/ban" in catalog.render(Text("common.not_moderator", {"command": "/ban"}), "en")
    assert "/ban" in catalog.render(Text("common.not_moderator", {"command": "/ban"}), "ru")
    assert catalog.render(Text("common.not_moderator", {"command": "/x"}), "ru") != \
        catalog.render(Text("common.not_moderator", {"command": "/x"}), "en")


def test_raw_text_and_missing_params_do_not_crash(caplog: pytest.LogCaptureFixture) -> None:
    """A value the text lacks (a message an older release decided, sent after an upgrade)
    reads as nothing, never as "{command}", and the log names it."""
    catalog = TextCatalog()
    assert catalog.render(Text.raw("as written {x}"), "ru") == "as written {x}"
    with caplog.at_level(logging.WARNING):
        shown = catalog.render(Text("common.not_moderator"), "en")
    assert "{" not in shown and shown.startswith("Sorry"), shown
    assert "event=texts.missing_value key=common.not_moderator name=command" in caplog.text
    assert catalog.render(Text("no.such.key"), "en") == "no.such.key"
    # a part worded by a key an older release had (its message waited across an upgrade)
    shown = catalog.render(Text("common.not_moderator", {"command": Text("gone.key")}), "en")
    assert "gone.key" not in shown and "{" not in shown, shown


def test_durations_read_in_the_readers_language() -> None:
    from datetime import timedelta

    from bot.core.actions import SendMessage
    from bot.core.chats import ChatRef
    from bot.core.codec import decode_action, encode_action

    catalog = TextCatalog()
    text = Text("moderation.span.for", {"duration": timedelta(minutes=90)})
    assert "1h30m" in catalog.render(text, "en")
    assert "1 ч 30 мин" in catalog.render(text, "ru")
    sent = SendMessage(ChatRef("telegram", "-1"), text, "ru")
    assert decode_action(encode_action(sent)) == sent  # survives the outbox
