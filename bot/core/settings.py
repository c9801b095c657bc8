"""Community settings as validated data; `bot.config` fills them from config.toml.

They live in the core because policy (ladders, thresholds, windows) is the core's business;
the models are plain pydantic with no I/O.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    field_validator,
    model_validator,
)

from bot.core.chats import ChatRef, ChatRefError, PostTarget, UserRef
from bot.core.durations import DurationError, parse_duration

DURATION_HINT = 'write a duration such as "30d", "12h" or "10m"'


def _duration(value: object) -> timedelta:
    """Only unit-bearing strings: a bare `30` read as seconds when the owner meant 30 days
    is a trap, so numbers are refused rather than guessed at."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(f"{DURATION_HINT}; a bare number has no unit (got {value!r})")
    if isinstance(value, str):
        try:
            return parse_duration(value)
        except DurationError as exc:
            raise ValueError(str(exc)) from None
    raise ValueError(f"expected a duration: {DURATION_HINT}")


def _chat(value: object) -> ChatRef:
    if isinstance(value, ChatRef):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a chat reference string like \"telegram:-100123\"")
    try:
        return ChatRef.parse(value)
    except ChatRefError as exc:
        raise ValueError(str(exc)) from None


def _target(value: object) -> PostTarget:
    if isinstance(value, PostTarget):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a chat reference string like \"telegram:-100123\" "
                         "(a forum topic: \"telegram:-100123/45\")")
    try:
        return PostTarget.parse(value)
    except ChatRefError as exc:
        raise ValueError(str(exc)) from None


def _user(value: object) -> UserRef:
    if isinstance(value, UserRef):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a user reference string like \"telegram:111\"")
    try:
        return UserRef.parse(value)
    except ChatRefError as exc:
        raise ValueError(str(exc)) from None


Duration = Annotated[timedelta, BeforeValidator(_duration)]

#: Telegram reads a restriction ending more than 366 days ahead as forever (as /ban 400d is
#: refused for that reason, a config's 400d must not quietly become permanent)
LONGEST_RESTRICTION = timedelta(days=366)


def _restriction(value: timedelta) -> timedelta:
    if value > LONGEST_RESTRICTION:
        raise ValueError("at most 366 days (Telegram reads a longer restriction as permanent); "
                         "leave the duration out of a ban step for a permanent ban")
    return value


Restriction = Annotated[timedelta, BeforeValidator(_duration), AfterValidator(_restriction)]
Chat = Annotated[ChatRef, BeforeValidator(_chat)]
Target = Annotated[PostTarget, BeforeValidator(_target)]
User = Annotated[UserRef, BeforeValidator(_user)]


class Strict(BaseModel):
    """Unknown keys are errors: a typo in config must not be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class FilterSettings(Strict):
    """The obscenity filter for one community."""

    enabled: StrictBool = True
    mode: Literal["enforce", "dry-run"] = "enforce"
    languages: tuple[Literal["ru", "en"], ...] = Field(default=("ru", "en"), min_length=1)
    extra_words: tuple[str, ...] = ()
    allowed_words: tuple[str, ...] = ()


class AnswerSettings(Strict):
    """FAQ answering: confidence bands and the anti-spam window."""

    enabled: StrictBool = True
    answer_threshold: StrictFloat | None = Field(default=None, ge=0, le=1)
    suggest_threshold: StrictFloat | None = Field(default=None, ge=0, le=1)
    repeat_window: Duration = timedelta(minutes=30)

    @model_validator(mode="after")
    def _bands_in_order(self) -> AnswerSettings:
        """A suggest cut-off above the answer cut-off silently removes the "did you mean" band.

        An unset threshold is compared as the matcher's default, since that is what runs.
        """
        from bot.core.faq.matcher import Thresholds

        default = Thresholds()
        answer = default.answer if self.answer_threshold is None else self.answer_threshold
        suggest = default.suggest if self.suggest_threshold is None else self.suggest_threshold
        if suggest <= answer:
            return self
        if self.suggest_threshold is None:
            raise ValueError(
                f"answer_threshold ({answer}) is below the default suggest_threshold ({suggest}), "
                f"which would remove the \"did you mean\" band; also set suggest_threshold "
                f"to at most {answer}")
        if self.answer_threshold is None:
            raise ValueError(
                f"suggest_threshold ({suggest}) is above the default answer_threshold ({answer}), "
                f"which would remove the \"did you mean\" band; set it to at most {answer}")
        raise ValueError(
            f"suggest_threshold ({suggest}) must not be above answer_threshold ({answer})")


class LadderStep(Strict):
    """One rung: what happens at the Nth active warning."""

    action: Literal["warn", "mute", "kick", "ban"]
    duration: Restriction | None = None
    delete: StrictBool = True

    @model_validator(mode="after")
    def _mute_has_a_duration(self) -> LadderStep:
        if self.action == "mute" and self.duration is None:
            raise ValueError('a mute step needs a duration ("1h", "1d"); a ban step without '
                             "one is permanent")
        return self


def _default_ladder() -> tuple[LadderStep, ...]:
    return (
        LadderStep(action="warn"),
        LadderStep(action="mute", duration=timedelta(hours=1)),
        LadderStep(action="mute", duration=timedelta(days=1)),
        LadderStep(action="ban"),
    )


class ModerationSettings(Strict):
    """The warn → mute → ban ladder and how VK degrades it (VK chats have no timed mute)."""

    ladder: tuple[LadderStep, ...] = Field(default_factory=_default_ladder, min_length=1)
    warn_expiry: Duration = timedelta(days=30)
    vk_mute_fallback: Literal["warn", "kick", "ban"] = "kick"
    default_mute: Restriction = timedelta(hours=1)  # `/mute` without a duration
    notice_ttl: Duration = timedelta(minutes=2)
    refusal_cooldown: Duration = timedelta(minutes=10)


class AntifloodSettings(Strict):
    """N messages in T seconds → mute; the same text K times → delete."""

    enabled: StrictBool = True
    messages: StrictInt = Field(default=8, ge=2)
    window: Duration = timedelta(seconds=10)
    mute: Restriction = timedelta(minutes=10)
    repeats: StrictInt = Field(default=3, ge=2)
    repeat_window: Duration = timedelta(minutes=2)


class ComplaintSettings(Strict):
    """The human queue: SLA re-announce and the per-reporter rate limit."""

    sla: Duration = timedelta(minutes=30)
    rate_limit: StrictInt = Field(default=5, ge=1)
    rate_window: Duration = timedelta(hours=1)
    ack_ttl: Duration = timedelta(minutes=1)


class ScheduleEntry(Strict):
    """A content-plan entry from config: exactly one of `at` and `cron`."""

    at: str | None = None
    cron: str | None = None
    text: str = Field(min_length=1)
    photo: str | None = None
    chats: tuple[Target, ...] | None = None

    @model_validator(mode="before")
    @classmethod
    def _at_to_text(cls, data: object) -> object:
        if isinstance(data, dict) and data.get("at") is not None and not isinstance(data["at"], str):
            data = {**data, "at": str(data["at"])}
        return data

    @model_validator(mode="after")
    def _one_of(self) -> ScheduleEntry:
        if (self.at is None) == (self.cron is None):
            raise ValueError("give exactly one of `at` and `cron`")
        return self


class CommunitySettings(Strict):
    """One community: its chats on both networks and everything moderators care about."""

    name: str = Field(min_length=1, pattern=r"^[\w.-]+$")
    language: Literal["ru", "en"] = "ru"
    timezone: str = "UTC"
    faq: str | None = None
    chats: tuple[Chat, ...] = Field(min_length=1)
    moderators: tuple[User, ...] = ()
    queue: Chat | None = None
    audit: StrictBool = False
    schedule_grace: Duration = timedelta(hours=1)
    filter: FilterSettings = FilterSettings()
    answers: AnswerSettings = AnswerSettings()
    moderation: ModerationSettings = ModerationSettings()
    antiflood: AntifloodSettings = AntifloodSettings()
    complaints: ComplaintSettings = ComplaintSettings()
    schedule: tuple[ScheduleEntry, ...] = ()

    @field_validator("queue")
    @classmethod
    def _queue_holds_cards(cls, value: ChatRef | None) -> ChatRef | None:
        """Complaint cards carry buttons, and a VK wall can hold neither cards nor buttons."""
        if value is not None and value.is_vk_wall:
            raise ValueError("vk:wall cannot be the complaint queue; use a moderators' chat "
                             "(\"vk:PEER_ID\" or \"telegram:ID\")")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r}; use an IANA name like Europe/Moscow") from None
        return value

    @model_validator(mode="after")
    def _distinct_chats(self) -> CommunitySettings:
        seen: set[ChatRef] = set()
        for chat in self.chats:
            if chat in seen:
                raise ValueError(f"chat {chat} is listed twice")
            seen.add(chat)
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_moderator_listed(self, user: UserRef) -> bool:
        return user in self.moderators
