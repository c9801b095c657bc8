"""Community settings as validated data; `bot.config` fills them from config.toml.

They live in the core because policy (ladders, thresholds, windows) is the core's business;
the models are plain pydantic with no I/O.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from bot.core.chats import ChatRef, ChatRefError, UserRef
from bot.core.durations import MAX_SECONDS, DurationError, parse_duration


def _duration(value: object) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        if value <= 0:
            raise ValueError(f"duration must be positive (got {value})")
        if value > MAX_SECONDS:
            raise ValueError(f"duration too long (got {value} seconds; at most 100 years)")
        return timedelta(seconds=value)
    if isinstance(value, str):
        try:
            return parse_duration(value)
        except DurationError as exc:
            raise ValueError(str(exc)) from None
    raise ValueError("expected a duration string like \"10m\", \"2h\" or \"3d\"")


def _chat(value: object) -> ChatRef:
    if isinstance(value, ChatRef):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a chat reference string like \"telegram:-100123\"")
    try:
        return ChatRef.parse(value)
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
Chat = Annotated[ChatRef, BeforeValidator(_chat)]
User = Annotated[UserRef, BeforeValidator(_user)]


class Strict(BaseModel):
    """Unknown keys are errors: a typo in config must not be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class FilterSettings(Strict):
    """The obscenity filter for one community."""

    enabled: bool = True
    mode: Literal["enforce", "dry-run"] = "enforce"
    languages: tuple[Literal["ru", "en"], ...] = ("ru", "en")
    extra_words: tuple[str, ...] = ()
    allowed_words: tuple[str, ...] = ()


class AnswerSettings(Strict):
    """FAQ answering: confidence bands and the anti-spam window."""

    enabled: bool = True
    answer_threshold: float | None = Field(default=None, ge=0, le=1)
    suggest_threshold: float | None = Field(default=None, ge=0, le=1)
    repeat_window: Duration = timedelta(minutes=30)

    @model_validator(mode="after")
    def _bands_in_order(self) -> AnswerSettings:
        """A suggest cut-off above the answer cut-off would silently disable suggestions."""
        answer, suggest = self.answer_threshold, self.suggest_threshold
        if answer is not None and suggest is not None and suggest > answer:
            raise ValueError(
                f"suggest_threshold ({suggest}) must not be above answer_threshold ({answer})")
        return self


class LadderStep(Strict):
    """One rung: what happens at the Nth active warning."""

    action: Literal["warn", "mute", "kick", "ban"]
    duration: Duration | None = None
    delete: bool = True


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
    default_mute: Duration = timedelta(hours=1)  # `/mute` without a duration
    notice_ttl: Duration = timedelta(minutes=2)
    refusal_cooldown: Duration = timedelta(minutes=10)


class AntifloodSettings(Strict):
    """N messages in T seconds → mute; the same text K times → delete."""

    enabled: bool = True
    messages: int = Field(default=8, ge=2)
    window: Duration = timedelta(seconds=10)
    mute: Duration = timedelta(minutes=10)
    repeats: int = Field(default=3, ge=2)
    repeat_window: Duration = timedelta(minutes=2)


class ComplaintSettings(Strict):
    """The human queue: SLA re-announce and the per-reporter rate limit."""

    sla: Duration = timedelta(minutes=30)
    rate_limit: int = Field(default=5, ge=1)
    rate_window: Duration = timedelta(hours=1)
    ack_ttl: Duration = timedelta(minutes=1)


class ScheduleEntry(Strict):
    """A content-plan entry from config: exactly one of `at` and `cron`."""

    at: str | None = None
    cron: str | None = None
    text: str = Field(min_length=1)
    photo: str | None = None
    chats: tuple[Chat, ...] | None = None

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
    audit: bool = False
    schedule_grace: Duration = timedelta(hours=1)
    filter: FilterSettings = FilterSettings()
    answers: AnswerSettings = AnswerSettings()
    moderation: ModerationSettings = ModerationSettings()
    antiflood: AntifloodSettings = AntifloodSettings()
    complaints: ComplaintSettings = ComplaintSettings()
    schedule: tuple[ScheduleEntry, ...] = ()

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
