"""Cross-check against a third-party emulator (npm `telegram-test-api`), so our own emulator is
not the only judge of how the adapter speaks the Bot API.

Skipped when node/npm are missing or the package cannot be installed. What telegram-test-api
lacks (so these scenarios stay within it): long polling and offsets (getUpdates returns each
update once, at once — confirmation on delivery, so at-least-once cannot be checked there),
multipart uploads (no sendPhoto), and every member-management method (getChatAdministrators,
restrictChatMember, banChatMember, leaveChat …): an unknown method answers HTTP 500 with a
body that is not a Bot API response. Our emulator covers those.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from tg_emulator.harness import (
    GROUP,
    LISTED_MODERATOR,
    MEMBER,
    TOKEN,
    FakeTime,
    RunningBot,
    fast_options,
    telegram_config,
)

from bot.app import App, create_app
from bot.core.clock import FakeClock
from bot.core.texts import Text
from bot.texts import catalog

PACKAGE = "telegram-test-api@4.2.1"
SERVER_JS = """
const TelegramServer = require('telegram-test-api');
const server = new TelegramServer({port: Number(process.argv[2]), host: '127.0.0.1'});
server.start().then(() => console.log('ready'));
process.stdin.on('end', () => server.stop().then(() => process.exit(0)));
process.stdin.resume();
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def tta_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node/npm not installed")
    folder = Path(os.environ.get("MODBOT_TTA_DIR") or tmp_path_factory.mktemp("tta"))
    if not (folder / "node_modules" / "telegram-test-api").is_dir():
        try:
            subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent", PACKAGE],
                           cwd=folder, check=True, capture_output=True, timeout=180)
        except (subprocess.SubprocessError, OSError) as exc:
            pytest.skip(f"cannot install {PACKAGE}: {exc}")
    (folder / "server.js").write_text(SERVER_JS, encoding="utf-8")
    return folder


@pytest.fixture
def tta(tta_dir: Path) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(["node", "server.js", str(port)], cwd=tta_dir,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        if process.stdout.readline().strip() != "ready":
            pytest.skip("telegram-test-api did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class TtaClient:
    """The package's client HTTP API: members write, the test reads the bot's messages."""

    def __init__(self, base: str, http: aiohttp.ClientSession) -> None:
        self.base = base
        self.http = http

    async def say(self, chat_id: int, user_id: int, text: str, chat_type: str,
                  **extra: Any) -> None:
        message = {"botToken": TOKEN, "date": int(time.time()), "text": text,
                   "from": {"id": user_id, "first_name": f"User{user_id}", "is_bot": False},
                   "chat": {"id": chat_id, "type": chat_type, "title": "Demo",
                            "first_name": f"User{user_id}"}, **extra}
        async with self.http.post(f"{self.base}/sendMessage", json=message) as response:
            assert response.status == 200

    async def history(self) -> list[dict[str, Any]]:
        async with self.http.post(f"{self.base}/getUpdatesHistory",
                                  json={"token": TOKEN}) as response:
            return list((await response.json())["result"])

    async def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        return [h["message"] for h in await self.history()
                if "chat_id" in h["message"] and int(h["message"]["chat_id"]) == chat_id]

    async def wait_bot_messages(self, chat_id: int, count: int,
                                timeout: float = 8.0) -> list[dict[str, Any]]:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            found = await self.bot_messages(chat_id)
            if len(found) >= count or asyncio.get_running_loop().time() > deadline:
                return found
            await asyncio.sleep(0.05)


@pytest.fixture
async def client(tta: str) -> AsyncIterator[TtaClient]:
    async with aiohttp.ClientSession() as http:
        yield TtaClient(tta, http)


@pytest.fixture
async def app(tmp_path: Path, tta: str, clock: FakeClock) -> AsyncIterator[App]:
    # telegram-test-api has no long polling, so the bot short-polls (poll_timeout = 0).
    config = telegram_config(tmp_path, tta, poll_timeout=0)
    built = await create_app(config, clock=clock, instance_id="tta")
    yield built
    await built.close()


def render(key: str) -> str:
    return catalog().render(Text(key), "en")


async def test_command_in_a_group_is_answered_as_a_reply(app: App, client: TtaClient) -> None:
    async with RunningBot(app, fast_options(FakeTime(), check_rights=False)):
        await client.say(GROUP, MEMBER, "just chatting", "supergroup")
        await client.say(GROUP, LISTED_MODERATOR, "/help", "supergroup")
        sent = await client.wait_bot_messages(GROUP, 1)
    assert [m["text"] for m in sent] == [render("common.help_moderator")]
    history = await client.history()
    asked = next(h for h in history if h["message"].get("text") == "/help")
    reply = json.loads(sent[0]["reply_parameters"])
    assert reply["message_id"] == asked["messageId"]
    assert reply["allow_sending_without_reply"] is True


async def test_a_reply_with_a_command_in_private(app: App, client: TtaClient) -> None:
    async with RunningBot(app, fast_options(FakeTime(), check_rights=False)):
        replied = {"message_id": 1, "date": int(time.time()), "text": "earlier",
                   "chat": {"id": LISTED_MODERATOR, "type": "private", "first_name": "M"},
                   "from": {"id": MEMBER, "is_bot": False, "first_name": "Member"}}
        await client.say(LISTED_MODERATOR, LISTED_MODERATOR, "/start", "private",
                         reply_to_message=replied)
        sent = await client.wait_bot_messages(LISTED_MODERATOR, 2)
    assert [m["text"] for m in sent] == [render("common.greeting"),
                                        render("common.help_moderator")]
