"""Wall warnings name the commenter with a VK link (their comment is gone, a link notifies)."""

from __future__ import annotations

from bot.core.chats import UserRef
from bot.core.texts import Text, mention
from bot.texts import catalog
from handlers.vk.mentions import linked_mentions


def test_a_vk_member_becomes_a_link_and_the_rest_of_the_text_stays() -> None:
    head = Text("moderation.auto.head", {"user": mention("Oleg [admin] | x", UserRef("vk", "8300")),
                                         "reason": Text("moderation.reason.obscene")})
    rendered = catalog().render(linked_mentions(head), "en")
    assert rendered.startswith("[id8300|Oleg (admin) / x], your message was removed for ")
    assert catalog().render(head, "en").startswith("Oleg [admin] | x, your message was removed")


def test_members_of_other_networks_and_nested_texts_keep_plain_names() -> None:
    telegram = Text("moderation.notice", {"head": Text("moderation.flood.head", {
        "user": mention("@eve", UserRef("telegram", "502"))}), "outcome": "", "note": "",
        "progress": ""})
    assert catalog().render(linked_mentions(telegram), "en") == catalog().render(telegram, "en")
    nested = Text("moderation.notice", {"head": Text("moderation.flood.head", {
        "user": mention("Vera", UserRef("vk", "77"))}), "outcome": "", "note": "",
        "progress": ""})
    assert catalog().render(linked_mentions(nested), "en").startswith("[id77|Vera]")
