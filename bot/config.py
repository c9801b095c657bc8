"""Read config.toml into validated settings, reporting every problem at once.

Each error is one line naming the file, the key path and what is wrong, e.g.
`config.toml: community[1].queue: unknown network 'tg'`, because the owner fixes config
from that message alone, often at night.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    StrictBool,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.core.chats import ChatRef
from bot.core.scheduler.plan import MAX_POST_TEXT
from bot.core.settings import CommunitySettings, ScheduleEntry

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(Strict):
    url: str = "sqlite+aiosqlite:///modbot.db"

    @field_validator("url")
    @classmethod
    def _async_url(cls, value: str) -> str:
        """A bad URL would otherwise surface as a traceback from the first command using it."""
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError

        hint = "use an async URL like sqlite+aiosqlite:///modbot.db or postgresql+asyncpg://…"
        try:  # the URL may hold a password: never echo it whole
            url = make_url(value)
            dialect = url.get_dialect()
        except (ArgumentError, NoSuchModuleError, ValueError):
            raise ValueError(f"not a database URL; {hint}") from None
        if not dialect.is_async:
            raise ValueError(f"{url.drivername}:// has no async driver; {hint}")
        return value


def _upper(value: object) -> object:
    """`level = "debug"` works like `--log-level debug`: case is not worth an error."""
    return value.upper() if isinstance(value, str) else value


class LoggingSettings(Strict):
    level: Annotated[Literal["DEBUG", "INFO", "WARNING", "ERROR"], BeforeValidator(_upper)] = "INFO"


def _token(value: SecretStr) -> SecretStr:
    """An empty token would only fail at the first API call, as a confusing auth error; one
    pasted with a line ending (an env file saved on Windows, `echo` into a file) would fail
    there too, far from the cause. Tokens never hold blanks, so the ends are trimmed."""
    token = value.get_secret_value().strip()
    if not token:
        raise ValueError("must not be empty; write the token as ${VARIABLE} and set that "
                         "environment variable")
    if any(ch.isspace() for ch in token):
        raise ValueError("holds a space or a line break inside; a token is one word")
    return SecretStr(token)


def _http_url(value: str) -> str:
    """The HTTP clients accept other schemes only to fail later with a traceback."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host")
    return value


def _host_port(value: str) -> str:
    """Where the webhook server listens: `host:port`, port 1-65535 (IPv6 as `[::]:8080`)."""
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError('must be host:port, like "0.0.0.0:8080"')
    return value


def _webhook_secret(value: SecretStr) -> SecretStr:
    """Telegram's setWebhook takes 1-256 characters of A-Z, a-z, 0-9, _ and -; anything else is
    refused there, and the bot would retry registering for ever without one update."""
    secret = _token(value).get_secret_value()
    if len(secret) > 256:
        raise ValueError(f"is {len(secret)} characters long; Telegram takes at most 256")
    if re.fullmatch(r"[A-Za-z0-9_-]+", secret) is None:
        raise ValueError("may hold only the letters A-Z and a-z, digits, _ and - "
                         "(Telegram refuses other characters)")
    return SecretStr(secret)


Token = Annotated[SecretStr, AfterValidator(_token)]
WebhookSecret = Annotated[SecretStr, AfterValidator(_webhook_secret)]
HttpUrl = Annotated[str, AfterValidator(_http_url)]
HostPort = Annotated[str, AfterValidator(_host_port)]


class TelegramSettings(Strict):
    token: Token
    api_base: HttpUrl = "https://api.telegram.org"
    proxy: str | None = Field(default=None, pattern=r"^(https?|socks5h?)://")
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: HttpUrl | None = None
    webhook_listen: HostPort = "0.0.0.0:8080"
    webhook_secret: WebhookSecret | None = None
    leave_unknown_chats: StrictBool = True
    poll_timeout: StrictInt = Field(default=25, ge=0, le=50)
    admins_ttl: StrictInt = Field(default=300, ge=0)

    @model_validator(mode="after")
    def _webhook_needs_url(self) -> TelegramSettings:
        """Caught here, not as a crash when `modbot run` starts serving."""
        if self.mode == "webhook" and not self.webhook_url:
            raise ValueError('mode = "webhook" needs webhook_url (the public https:// address)')
        return self


class VkSettings(Strict):
    token: Token
    group_id: StrictInt = Field(gt=0)
    user_token: Token | None = None
    api_base: HttpUrl = "https://api.vk.com/method/"
    api_version: str = "5.199"
    wall_postponed: StrictBool = False
    leave_unknown_chats: StrictBool = True
    poll_wait: StrictInt = Field(default=25, ge=1, le=90)
    admins_ttl: StrictInt = Field(default=300, ge=0)


class AppConfig(Strict):
    database: DatabaseSettings = DatabaseSettings()
    logging: LoggingSettings = LoggingSettings()
    telegram: TelegramSettings | None = None
    vk: VkSettings | None = None
    community: tuple[CommunitySettings, ...] = Field(min_length=1)


@dataclass(frozen=True)
class LoadedConfig:
    """Validated settings plus where they came from (relative paths resolve against `base_dir`)."""

    app: AppConfig
    path: Path
    secrets: tuple[str, ...]
    #: secret keys written into the file itself rather than taken from the environment
    #: ("telegram.token"): check-config notes them
    inline_secrets: tuple[str, ...] = ()

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def resolve(self, relative: str) -> Path:
        candidate = Path(relative).expanduser()
        return candidate if candidate.is_absolute() else self.base_dir / candidate

    @property
    def database_url(self) -> str:
        return resolve_database_url(self.app.database.url, self.base_dir)

    def community(self, name: str) -> CommunitySettings:
        for item in self.app.community:
            if item.name == name:
                return item
        known = ", ".join(c.name for c in self.app.community)
        raise ConfigError([f"{self.path}: no community named {name!r} (known: {known})"])

    def chosen_community(self, name: str | None) -> CommunitySettings:
        """A CLI tool's `--community`: it may be left out when the config has only one."""
        if name is not None:
            return self.community(name)
        if len(self.app.community) != 1:
            known = ", ".join(c.name for c in self.app.community)
            raise ConfigError([f"{self.path}: several communities ({known}); "
                               "choose one with --community NAME"])
        return self.app.community[0]

    def faq_path(self, community: CommunitySettings) -> Path | None:
        return self.resolve(community.faq) if community.faq else None


class ConfigError(Exception):
    """All problems found in a config file, one line each."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def resolve_database_url(url: str, base_dir: Path) -> str:
    """Make a relative SQLite path relative to the config file's folder, not the cwd."""
    prefix, sep, rest = url.partition(":///")
    if sep and prefix.startswith("sqlite") and rest and not rest.startswith("/") and rest != ":memory:":
        return f"{prefix}:///{(base_dir / rest).resolve()}"
    return url


def key_path(loc: Iterable[object]) -> str:
    """('community', 1, 'queue') -> 'community[1].queue'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


@dataclass
class _Expansion:
    """What `${VAR}` expansion found: problems, the values to scrub, and the keys it reported
    (a schema error on such a key would only repeat the same problem)."""

    file: Path
    problems: list[str]
    secrets: list[str]
    reported: set[tuple[object, ...]]

    def report(self, loc: tuple[object, ...], message: str) -> None:
        self.problems.append(f"{self.file}: {key_path(loc)}: {message}")
        self.reported.add(loc)


def _expand_env(value: Any, loc: tuple[object, ...], found: _Expansion) -> Any:
    if isinstance(value, dict):
        return {k: _expand_env(v, (*loc, k), found) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand_env(v, (*loc, i), found) for i, v in enumerate(value)]
    if isinstance(value, str) and "${" in value:
        if "${" in _ENV_REF.sub("", value):
            found.report(loc, "malformed environment reference; write ${NAME} "
                              "(letters, digits and _, closed with })")
            return value

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            env = os.environ.get(name)
            if env is None or env == "":
                found.report(loc, f"environment variable {name} is not set")
                return ""
            found.secrets.append(env)
            return env
        return _ENV_REF.sub(substitute, value)
    return value


_MESSAGES = {
    "extra_forbidden": "unknown key",
    "missing": "missing required key",
}


_PATTERN_HINTS = {
    "name": "use only letters, digits, '.', '_' and '-'",
    "proxy": "must start with http://, https:// or socks5://",
}


_TYPE_WORDS = {
    "bool_type": "expected true or false",
    "int_type": "expected a whole number",
    "float_type": "expected a number",
    "string_type": 'expected text in quotes, like "…"',
    "dict_type": "expected a table ([section] or { key = value })",
}

#: range errors in plain words, "must be at most 90 (got 120)": the bound's key in the error
#: and its wording
_BOUNDS = {"greater_than": ("gt", "must be more than"),
           "greater_than_equal": ("ge", "must be at least"),
           "less_than": ("lt", "must be less than"),
           "less_than_equal": ("le", "must be at most")}

_SECRET_KEYS = frozenset({"token", "user_token", "webhook_secret"})


def _toml_message(error: Any, loc: list[Any]) -> str | None:
    """Pydantic's wording where it speaks Python ("a valid tuple"), said in TOML terms."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "tuple_type":
        if isinstance(error.get("input"), dict):
            table = ".".join(p for p in loc if isinstance(p, str))
            return f"expected a list; write [[{table}]] for each entry, not [{table}]"
        return 'expected a list, like ["a", "b"]'
    if kind in _TYPE_WORDS:
        return _TYPE_WORDS[kind]
    if kind in ("too_short", "string_too_short") and ctx.get("min_length") == 1:
        return "must not be empty"
    if kind == "string_pattern_mismatch" and loc and loc[-1] in _PATTERN_HINTS:
        return _PATTERN_HINTS[loc[-1]]
    if kind == "literal_error" and ctx.get("expected"):
        return f"must be {ctx['expected']}"
    if kind in _BOUNDS and _BOUNDS[kind][0] in ctx:
        key, words = _BOUNDS[kind]
        return f"{words} {ctx[key]}"
    return None


def _clean_loc(loc: Iterable[object]) -> tuple[object, ...]:
    """The key path without pydantic's validator markers ("function-after[…]")."""
    return tuple(p for p in loc if not (isinstance(p, str) and p.startswith("function-")))


def _model_at(loc: Sequence[object]) -> type[BaseModel] | None:
    """The settings model that holds the keys at ``loc`` ("community", 0 → CommunitySettings)."""
    model: type[BaseModel] = AppConfig
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        inner = _inner_model(field.annotation)
        if inner is None:
            return None
        model = inner
    return model


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    """The model inside ``X | None``, ``tuple[X, ...]``, ``list[X]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _did_you_mean(loc: list[Any]) -> str:
    """For an unknown key, the known key it is a typo of (moderatros → moderators)."""
    model = _model_at(loc[:-1]) if loc else None
    if model is None or not isinstance(loc[-1], str):
        return ""
    close = difflib.get_close_matches(loc[-1], list(model.model_fields), n=1, cutoff=0.75)
    return f" (did you mean {close[0]}?)" if close else ""


def _pydantic_problem(file: Path, error: Any) -> str:
    loc = list(_clean_loc(error["loc"]))
    message = _MESSAGES.get(error["type"]) or _toml_message(error, loc) or error["msg"]
    if error["type"] == "extra_forbidden":
        message += _did_you_mean(loc)
    message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if error["type"] not in _MESSAGES and error["type"] not in ("value_error",):
        given = error.get("input")
        secret = bool(loc) and loc[-1] in _SECRET_KEYS
        if isinstance(given, str | int | float | bool) and not secret:
            shown = str(given).lower() if isinstance(given, bool) else repr(_masked(given))
            message = f"{message} (got {shown})"
    return f"{file}: {key_path(loc)}: {message}"


def _root_causes(errors: list[Any]) -> list[Any]:
    """Drop "too short" errors that only echo a bad item inside the same list."""
    def inside(child: tuple[Any, ...], parent: tuple[Any, ...]) -> bool:
        return len(child) > len(parent) and child[: len(parent)] == parent

    return [
        err for err in errors
        if not (err["type"] == "too_short"
                and any(inside(tuple(o["loc"]), tuple(err["loc"])) for o in errors))
    ]


def _cross_check(app: AppConfig, path: Path, problems: list[str]) -> None:
    """Checks that span keys: names unique, networks configured, files present."""
    enabled = {"telegram": app.telegram is not None, "vk": app.vk is not None, "console": True}
    names: dict[str, int] = {}
    for index, community in enumerate(app.community):
        if community.name in names:
            problems.append(
                f"{path}: community[{index}].name: duplicate community name {community.name!r} "
                f"(also community[{names[community.name]}])"
            )
        names.setdefault(community.name, index)
        _check_community(community, index, enumerate(community.schedule), enabled, path, problems)
    _check_shared_chats(list(enumerate(app.community)), path, problems)


def _check_database_folder(database_url: str, path: Path, problems: list[str]) -> None:
    """A SQLite file in a folder that does not exist would fail only at `modbot run`."""
    from sqlalchemy.engine import make_url

    url = make_url(resolve_database_url(database_url, path.resolve().parent))
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return
    folder = Path(url.database).parent
    if not folder.is_dir():
        problems.append(f"{path}: database.url: folder not found: {folder} (create it, or "
                        f"point the URL at an existing folder)")


def _private_chat_hint(chat: ChatRef) -> str:
    """What a one-to-one chat id in `chats` most likely should have been: the bot would treat
    the real group as a stranger's and leave it."""
    if chat.platform == "telegram":
        return (f"{chat} is a private chat with a person, not a group or channel (their ids are "
                f"negative: the group of a t.me/c/{chat.chat_id}/… link is "
                f"telegram:-100{chat.chat_id})")
    return (f"{chat} is a private dialogue, not a chat (a VK chat's peer id is 2000000000 plus "
            f"its number: the chat im?sel=c{chat.chat_id} is vk:{2_000_000_000 + int(chat.chat_id)})")


def _check_shared_chats(communities: Sequence[tuple[int, CommunitySettings]], path: Path,
                        problems: list[str]) -> None:
    """A chat or queue claimed twice would silently go to the last community that lists it.
    ``communities`` are the ones that validated, with their index in the file."""
    chats: dict[ChatRef, int] = {}
    queues: dict[ChatRef, int] = {}
    for index, community in communities:
        for chat_index, chat in enumerate(community.chats):
            if chat in chats:
                problems.append(
                    f"{path}: community[{index}].chats[{chat_index}]: {chat} is already a chat "
                    f"of community[{chats[chat]}]; a chat belongs to one community")
            chats.setdefault(chat, index)
    for index, community in communities:
        queue = community.queue
        if queue is None:
            continue
        if queue in queues:
            problems.append(
                f"{path}: community[{index}].queue: {queue} is already the queue of "
                f"community[{queues[queue]}]; each community needs its own queue chat")
        elif chats.get(queue, index) != index:
            problems.append(
                f"{path}: community[{index}].queue: {queue} is a chat of "
                f"community[{chats[queue]}], not a queue")
        queues.setdefault(queue, index)


def _check_community(community: CommunitySettings, index: int,
                     entries: Iterable[tuple[int, ScheduleEntry]], enabled: dict[str, bool],
                     path: Path, problems: list[str]) -> None:
    """One community's cross-key checks; `entries` keep their index in the file."""
    from bot.core.faq.entries import FaqFileError, load_faq_file
    from bot.core.scheduler.when import ScheduleRuleError, validate_entry

    where = f"{path}: community[{index}]"
    for chat_index, chat in enumerate(community.chats):
        if not enabled.get(chat.platform, False):
            problems.append(
                f"{where}.chats[{chat_index}]: {chat} is on {chat.platform}, "
                f"but there is no [{chat.platform}] section"
            )
        if chat.is_private and chat.platform in ("telegram", "vk"):
            problems.append(f"{where}.chats[{chat_index}]: {_private_chat_hint(chat)}")
    if community.queue is not None and community.queue in community.chats:
        problems.append(
            f"{where}.queue: {community.queue} is one of this community's chats; complaint "
            f"cards show who reported whom, so the queue must be a separate moderators' chat")
    if community.queue is not None and not enabled.get(community.queue.platform, False):
        problems.append(
            f"{where}.queue: {community.queue} is on {community.queue.platform}, "
            f"but there is no [{community.queue.platform}] section"
        )
    for mod_index, moderator in enumerate(community.moderators):
        if not enabled.get(moderator.platform, False):
            problems.append(
                f"{where}.moderators[{mod_index}]: {moderator} is on {moderator.platform}, "
                f"but there is no [{moderator.platform}] section"
            )
    if community.faq:
        faq_file = _resolve(path, community.faq)
        if not faq_file.is_file():
            problems.append(f"{where}.faq: file not found: {faq_file}")
        else:
            try:
                load_faq_file(faq_file)
            except FaqFileError as exc:
                problems.extend(f"{where}.faq: {line}" for line in str(exc).splitlines())
    for entry_index, entry in entries:
        entry_where = f"{where}.schedule[{entry_index}]"
        try:
            validate_entry(entry, community.tz)
        except ScheduleRuleError as exc:
            field = ".cron" if entry.cron is not None else ".at" if entry.at is not None else ""
            problems.append(f"{entry_where}{field}: {exc}")
        if entry.photo and not _resolve(path, entry.photo).is_file():
            problems.append(f"{entry_where}.photo: file not found: {_resolve(path, entry.photo)}")
        if len(entry.text) > MAX_POST_TEXT:
            problems.append(
                f"{entry_where}.text: {len(entry.text)} characters; a post is one message, and "
                f"Telegram and VK take at most {MAX_POST_TEXT}: shorten it or split it into "
                f"two entries")
        for target_index, target in enumerate(entry.chats or ()):
            if target.chat not in community.chats:
                problems.append(
                    f"{entry_where}.chats[{target_index}]: {target.chat} is not one of the "
                    f"community's chats"
                )


def _check_what_validates(raw: Any, errors: list[Any], path: Path, problems: list[str]) -> None:
    """After schema errors, still run the cross-key checks on every part that did validate.

    The owner should see every problem in one run, not a second batch after fixing the first:
    a community is re-read without its bad keys, its schedule entries one by one.
    """
    if not isinstance(raw, dict) or not isinstance(raw.get("community"), list):
        return
    enabled = {"telegram": isinstance(raw.get("telegram"), dict),
               "vk": isinstance(raw.get("vk"), dict), "console": True}
    validated: list[tuple[int, CommunitySettings]] = []
    for index, item in enumerate(raw["community"]):
        if not isinstance(item, dict):
            continue
        bad = {err["loc"][2] for err in errors
               if tuple(err["loc"][:2]) == ("community", index) and len(err["loc"]) > 2}
        kept = {key: value for key, value in item.items() if key not in bad and key != "schedule"}
        try:
            community = CommunitySettings.model_validate(kept)
        except ValidationError:
            continue
        schedule = item.get("schedule")
        entries: list[tuple[int, ScheduleEntry]] = []
        for entry_index, raw_entry in enumerate(schedule if isinstance(schedule, list) else []):
            try:
                entries.append((entry_index, ScheduleEntry.model_validate(raw_entry)))
            except ValidationError:
                continue
        _check_community(community, index, entries, enabled, path, problems)
        validated.append((index, community))
    _check_shared_chats(validated, path, problems)


def _resolve(config_path: Path, relative: str) -> Path:
    candidate = Path(relative).expanduser()
    return candidate if candidate.is_absolute() else config_path.parent / candidate


#: "scheme://user:password@host": the password part of a proxy or database URL
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][\w+.-]*://[^\s:/@]*:)(?P<password>[^\s@/]+)@")


def _masked(value: object) -> object:
    """A URL's password hidden before the value is repeated in an error."""
    if isinstance(value, str):
        return _URL_PASSWORD.sub(lambda m: f"{m['head']}***@", value)
    return value


def _literal_secrets(raw: Any) -> list[str]:
    """Tokens and URL passwords in the settings (written in the file or taken from the
    environment), so neither an error nor a log line can echo them."""
    found = [value for section in ("telegram", "vk") for key in _SECRET_KEYS
             if isinstance(value := _setting(raw, section, key), str)]
    for section, key in (("telegram", "proxy"), ("telegram", "api_base"), ("vk", "api_base"),
                         ("database", "url")):
        if isinstance(value := _setting(raw, section, key), str):
            found.extend(m["password"] for m in _URL_PASSWORD.finditer(value))
    return found


def _inline_secrets(raw: Any) -> list[str]:
    """Secret keys whose value is written in the file, not "${VAR}" from the environment."""
    return [f"{section}.{key}" for section in ("telegram", "vk") for key in sorted(_SECRET_KEYS)
            if isinstance(value := _setting(raw, section, key), str) and value.strip()
            and "${" not in value]


def _setting(raw: Any, section: str, key: str) -> Any:
    """``raw[section][key]`` of a config not yet validated (either may be missing or wrong)."""
    table = raw.get(section) if isinstance(raw, dict) else None
    return table.get(key) if isinstance(table, dict) else None


def _scrub(problems: list[str], secrets: list[str]) -> list[str]:
    """A value from the environment may be a token: never echo it in an error."""
    cleaned = []
    for line in problems:
        for secret in sorted(secrets, key=len, reverse=True):
            if len(secret) >= 4:
                line = line.replace(secret, "***")
        cleaned.append(line)
    return cleaned


def _unclosed_hint(text: str, error: tomllib.TOMLDecodeError) -> str:
    """tomllib reports an unclosed list "at end of document": name the line it opens on."""
    if "end of document" not in str(error):
        return ""
    opened: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        quote = ""
        for char in line:
            if quote:
                quote = "" if char == quote else quote
            elif char in "\"'":
                quote = char
            elif char == "#":
                break
            elif char == "[" and "=" in line:
                opened.append(number)
            elif char == "]" and opened:
                opened.pop()
    return f"; the [ opened on line {opened[0]} is never closed" if opened else ""


def load_config(path: str | Path) -> LoadedConfig:
    """Load and validate; raise ConfigError listing every problem (never only the first)."""
    file = Path(path)
    try:
        # utf-8-sig: Windows editors may start the file with a byte-order mark
        raw_text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError([f"{file}: file not found"]) from None
    except UnicodeDecodeError as exc:
        line = file.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigError([f"{file}: not UTF-8 text (line {line}): save the file as UTF-8 "
                           f"(in Notepad: Save as → Encoding → UTF-8)"]) from None
    except OSError as exc:
        raise ConfigError([f"{file}: cannot read: {exc.strerror}"]) from None
    try:
        raw = tomllib.loads(raw_text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{file}: not valid TOML: {exc}{_unclosed_hint(raw_text, exc)}"]) \
            from None
    found = _Expansion(file, [], [], set())
    expanded = _expand_env(raw, (), found)
    problems, secrets = found.problems, found.secrets + _literal_secrets(expanded)
    try:
        app = AppConfig.model_validate(expanded)
    except ValidationError as exc:
        errors = [err for err in _root_causes(exc.errors())
                  if _clean_loc(err["loc"]) not in found.reported]
        problems.extend(_pydantic_problem(file, err) for err in errors)
        _check_what_validates(expanded, exc.errors(), file, problems)
        database = expanded.get("database") if isinstance(expanded, dict) else None
        if isinstance(database, dict) and isinstance(database.get("url"), str) \
                and not any(err["loc"][:1] == ("database",) for err in exc.errors()):
            _check_database_folder(database["url"], file, problems)
        raise ConfigError(_scrub(problems, secrets)) from None
    _cross_check(app, file, problems)
    _check_database_folder(app.database.url, file, problems)
    if problems:
        raise ConfigError(_scrub(problems, secrets))
    return LoadedConfig(app=app, path=file.resolve(),
                        secrets=tuple(s for s in secrets if len(s) >= 4),
                        inline_secrets=tuple(_inline_secrets(raw)))
