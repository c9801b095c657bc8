"""QA regression: a mistyped demo command gets a hint instead of being posted to the group."""

from __future__ import annotations

import io

from handlers.console.demo import run_demo


async def test_demo_commands_with_wrong_arguments_print_their_usage() -> None:
    out = io.StringIO()
    assert await run_demo(io.StringIO("/wait\n/in somewhere\n/as\n/press 3\nhello\n"), out) == 0
    lines = out.getvalue().splitlines()[2:]
    assert lines == [
        "(usage: /wait 30m)",
        "(usage: /in chat, /in queue or /in private)",
        "(usage: /as mod, /as member or /as NAME)",
        "(usage: /press N K: press button K under message #N)",
        "[chat #1] Alice: hello",
    ]


async def test_the_configs_scheduled_post_is_listed_before_any_time_passes() -> None:
    out = io.StringIO()
    assert await run_demo(io.StringIO("/as mod\n/schedule\n"), out) == 0
    listing = out.getvalue().split("/schedule\n", 1)[1]
    assert "Nothing is scheduled" not in listing
    assert "#1 · " in listing and "every Monday at 10:00" in listing and "Weekly reminder" in listing


async def test_a_post_due_during_a_long_wait_goes_out_on_time() -> None:
    """The bot runs through /wait: a post due an hour in is published, not skipped as one
    missed by more than schedule_grace (1h) because the clock jumped two hours at once."""
    out = io.StringIO()
    script = "/as mod\n/schedule in 1h Webinar tonight!\n/wait 2h\n/wait 2h\n"
    assert await run_demo(io.StringIO(script), out) == 0
    lines = out.getvalue().splitlines()
    assert lines.count("[chat #3] bot (post): Webinar tonight!") == 1
    assert sum("Webinar tonight!" in line and "(post)" in line for line in lines) == 1
