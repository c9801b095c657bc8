"""Developer tool: write a new numbered migration from the models' difference to head.

`python -m bot.db.autogen "add foo"` upgrades a scratch SQLite file to head, then lets
Alembic autogenerate the next revision (numbered 0002, 0003, … so the order is obvious).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from alembic import command

from bot.db.engine import make_engine
from bot.db.migrate import MIGRATIONS, alembic_config, upgrade


def _next_number() -> str:
    numbers = [int(p.name[:4]) for p in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py")]
    return f"{max(numbers, default=0) + 1:04d}"


async def _autogenerate(message: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite+aiosqlite:///{Path(tmp) / 'scratch.db'}")
        await upgrade(engine)
        rev = _next_number()
        slug = message.lower().replace(" ", "_")[:40]
        async with engine.begin() as conn:
            await conn.run_sync(
                lambda sync: command.revision(
                    alembic_config(sync), message=message, autogenerate=True, rev_id=rev,
                )
            )
        await engine.dispose()
        created = next((MIGRATIONS / "versions").glob(f"{rev}_*.py"))
        created.rename(created.with_name(f"{rev}_{slug}.py"))


if __name__ == "__main__":
    asyncio.run(_autogenerate(" ".join(sys.argv[1:]) or "change"))
