"""`modbot faq import|export|gaps` through the real command line entry point."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers_faq import ENTRIES, GROUP, MODERATOR, QUEUE, faq_app, message, write_faq_config

from bot.cli import main
from bot.core.clock import FakeClock
from bot.core.faq.entries import FaqEntry, dump_faq_file, load_faq_file

GAP_QUESTIONS = [
    "Is there a sauna?", "Can I bring my dog?", "Does the gym have a sauna?",
    "is the sauna open on sundays?", "Are dogs allowed here?", "Where is the parking?",
]


async def _chat(config: Path, clock: FakeClock, *texts: str) -> None:
    app, _ = await faq_app(config, clock)
    try:
        for text in texts:
            chat = QUEUE if text.startswith("/") else GROUP
            author = MODERATOR if text.startswith("/") else None
            kwargs = {"user": author} if author else {}
            await app.pipeline.process(message(chat, text, **kwargs))  # type: ignore[arg-type]
    finally:
        await app.close()


def test_gaps_lists_the_most_frequent_unanswered_questions(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_faq_config(tmp_path)
    now = datetime.now(UTC)
    asyncio.run(_chat(config, FakeClock(now - timedelta(days=60)), "Is the pool heated?"))
    asyncio.run(_chat(config, FakeClock(now), *GAP_QUESTIONS, "How do I pay for the course?",
                      "thanks, bye"))
    assert main(["faq", "gaps", "--config", str(config), "--top", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("6 unanswered questions in demo in the last 30d, 3 groups (top 2)")
    assert out[1].split(None, 1) == ["3", "Is there a sauna?"]
    assert {line.strip("· ").strip() for line in out[2:4]} == {
        "Does the gym have a sauna?", "is the sauna open on sundays?"}
    # the two dog questions form one group; either may stand for it
    dogs = {"Can I bring my dog?", "Are dogs allowed here?"}
    count, representative = out[4].split(None, 1)
    assert count == "2" and representative in dogs
    assert out[5].strip("· ").strip() in dogs - {representative}
    assert "parking" not in "\n".join(out) and "pool" not in "\n".join(out)

    assert main(["faq", "gaps", "--config", str(config), "--since", "90d"]) == 0
    assert "Is the pool heated?" in capsys.readouterr().out


def test_gaps_with_nothing_recorded_and_bad_options(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_faq_config(tmp_path)
    assert main(["faq", "gaps", "--config", str(config), "--community", "demo"]) == 0
    assert "no unanswered questions in demo" in capsys.readouterr().out
    assert main(["faq", "gaps", "--config", str(config), "--since", "soon"]) == 2
    assert main(["faq", "gaps", "--config", str(config), "--community", "nope"]) == 1
    assert "no community named 'nope'" in capsys.readouterr().err


def test_export_then_import_round_trip(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    first = tmp_path / "first"
    first.mkdir()
    config = write_faq_config(first)
    asyncio.run(_chat(config, FakeClock(), "/faq add Where do I park? | Behind the building.",
                      "/faq edit pay | Cash only.", "/faq del refund"))
    exported = tmp_path / "exported.toml"
    assert main(["faq", "export", str(exported), "--config", str(config)]) == 0
    effective = load_faq_file(exported)
    assert [(e.id, e.answer) for e in effective] == [
        ("pay", "Cash only."), ("schedule", ENTRIES[1].answer),
        ("where-do-i-park", "Behind the building."),
    ]

    # A second bot whose FAQ file is empty takes the export over completely.
    second = tmp_path / "second"
    second.mkdir()
    other = write_faq_config(second, entries=[])
    (second / "faq.toml").write_text("faq = []\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["faq", "import", str(exported), "--config", str(other)]) == 0
    assert "3 new, 0 replaced, 0 unchanged" in capsys.readouterr().out
    assert main(["faq", "export", "-", "--config", str(other)]) == 0
    assert capsys.readouterr().out == exported.read_text(encoding="utf-8")

    # Importing the same file again changes nothing.
    assert main(["faq", "import", str(exported), "--config", str(other)]) == 0
    assert "0 new, 0 replaced, 3 unchanged" in capsys.readouterr().out


def test_import_overrides_file_entries_and_is_answered(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_faq_config(tmp_path)
    patch = tmp_path / "patch.toml"
    patch.write_text(dump_faq_file([
        FaqEntry("pay", "en", ("How do I pay for the course?",), "Only by card now."),
        ENTRIES[1],
    ]), encoding="utf-8")
    assert main(["faq", "import", str(patch), "--config", str(config)]) == 0
    assert "0 new, 1 replaced, 1 unchanged" in capsys.readouterr().out

    async def ask() -> str:
        app, recorder = await faq_app(config, FakeClock())
        try:
            await app.pipeline.process(message(GROUP, "How do I pay for the course?"))
            records = await _audit(app)
            assert [r.action for r in records] == ["faq.import"]
            return str(recorder.sent()[0].text.params["text"])
        finally:
            await app.close()

    assert asyncio.run(ask()) == "Only by card now."


async def _audit(app: object) -> list[object]:
    async with app.uow_factory() as uow:  # type: ignore[attr-defined]
        return list(await uow.audit.since("demo", datetime(2000, 1, 1, tzinfo=UTC)))


def test_import_of_a_broken_file_changes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_faq_config(tmp_path)
    broken = tmp_path / "broken.toml"
    broken.write_text("[[faq]]\nid = \"x\"\n", encoding="utf-8")
    assert main(["faq", "import", str(broken), "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "faq[0].answer: missing" in err and str(broken) in err
