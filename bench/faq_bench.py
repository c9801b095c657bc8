"""FAQ matcher benchmark: index build, restart from the disk cache, latency, memory.

Run: ``python bench/faq_bench.py`` (``--lexical`` to leave the sentence encoder out). Prints
figures; never run as a test. The 5,000-entry FAQ is synthesised from the sample FAQs'
vocabulary plus generated words, so posting lists, the typo-repair vocabulary and the number of
sentence vectors are as large as a real big FAQ's would be.

"restart" is measured in a fresh process, as a bot restart is: importing the matcher, loading
the sentence encoder (shared by all communities) and the cached index, until the first match.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.faq.entries import FaqEntry, load_faq_file  # noqa: E402
from bot.core.faq.question import is_question_like  # noqa: E402
from bot.core.faq.text import words  # noqa: E402

if TYPE_CHECKING:
    from bot.core.faq.matcher import FaqMatcher

DATA = ROOT / "tests" / "data" / "faq"

# Syllables for made-up words: consonant + vowel, so the words look and stem like real ones.
_RU_SYLL = [c + v for c in "бвгджзклмнпрстфхцчш" for v in "аоиуеы"]
_EN_SYLL = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"]
_RU_TEMPLATES = (
    "Как {a} {b}?",
    "Можно ли {a} {b} {c}?",
    "Где {a} {b}?",
    "Сколько стоит {a} {b}?",
    "Есть ли {a} для {b}?",
    "Что делать, если {a} {b} {c}?",
    "Когда {a} {b}?",
)
_EN_TEMPLATES = (
    "How do I {a} the {b}?",
    "Can I {a} {b} {c}?",
    "Where is the {a} {b}?",
    "How much does {a} {b} cost?",
    "Is there {a} for {b}?",
    "What if my {a} {b} {c}?",
)


def _pseudo(rng: random.Random, syllables: list[str]) -> str:
    return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))


def synthesise(base: list[FaqEntry], total: int, seed: int = 7) -> list[FaqEntry]:
    """``total`` entries: the sample ones plus generated ones over a large mixed vocabulary."""
    rng = random.Random(seed)
    vocab = {
        lang: sorted(
            {
                w
                for e in base
                if e.lang == lang
                for t in (*e.questions, e.answer)
                for w in words(t)
                if len(w) > 3
            }
        )
        for lang in ("ru", "en")
    }
    for lang, syll in (("ru", _RU_SYLL), ("en", _EN_SYLL)):
        vocab[lang] += [_pseudo(rng, syll) for _ in range(8000)]
    for lang in vocab:
        rng.shuffle(vocab[lang])
    # Zipf-like word choice: a few words are in thousands of entries, as in real text.
    weights = [1.0 / (rank + 1) for rank in range(len(vocab["ru"]))]
    entries = list(base)
    for i in range(total - len(base)):
        lang = "ru" if i % 2 == 0 else "en"
        templates = _RU_TEMPLATES if lang == "ru" else _EN_TEMPLATES
        pool = vocab[lang]

        def pick(k: int, pool: list[str] = pool) -> list[str]:
            return rng.choices(pool, weights=weights[: len(pool)], k=k)

        def fill(template: str) -> str:
            a, b, c = pick(3)
            return template.format(a=a, b=b, c=c)

        questions = tuple(fill(rng.choice(templates)) for _ in range(rng.randint(1, 3)))
        answer = " ".join(pick(rng.randint(20, 60))) + "."
        entries.append(FaqEntry(f"syn-{i}", lang, questions, answer))
    return entries


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _latency(matcher: FaqMatcher, texts: list[str], rounds: int) -> tuple[float, float]:
    times: list[float] = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter()
            matcher.match(text)
            times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times), _percentile(times, 0.99)


def _base() -> list[FaqEntry]:
    return load_faq_file(DATA / "fitness.toml") + load_faq_file(DATA / "indie-game.toml")


def _restart(cache: str, size: int, lexical: bool) -> None:
    """Child process: time imports + encoder + cached index up to the first match."""
    entries = synthesise(_base(), size)
    start = time.perf_counter()
    from bot.core.faq.matcher import FaqMatcher

    encoder = None if lexical else "default"
    matcher = FaqMatcher.build(entries, cache_dir=Path(cache), encoder=encoder)
    matcher.match("Как заморозить абонемент?")
    ready = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB
    print(json.dumps({"ready": ready, "rss_mb": rss, "semantic": matcher.semantic}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lexical", action="store_true", help="leave the sentence encoder out")
    parser.add_argument("--restart", nargs=2, metavar=("CACHE", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.restart:
        _restart(args.restart[0], int(args.restart[1]), args.lexical)
        return
    from bot.core.faq.matcher import FaqMatcher

    encoder = None if args.lexical else "default"
    base = _base()
    queries = [json.loads(line)["text"] for line in (DATA / "queries.jsonl").open(encoding="utf-8")]
    asking = [t for t in queries if is_question_like(t)]
    chatter = [t for t in queries if not is_question_like(t)]
    wall = " ".join(queries[:40])[:4000] + " Как заморозить абонемент?"
    for size in (60, 5000):
        entries = synthesise(base, size)
        with tempfile.TemporaryDirectory() as tmp:
            cache = Path(tmp)
            start = time.perf_counter()
            matcher = FaqMatcher.build(entries, cache_dir=cache, encoder=encoder)
            build = time.perf_counter() - start
            command = [sys.executable, __file__, "--restart", tmp, str(size)]
            child = subprocess.run(
                command + (["--lexical"] if args.lexical else []),
                check=True,
                capture_output=True,
                text=True,
            )
            restart = json.loads(child.stdout.strip().splitlines()[-1])
        for text in asking[:20]:
            matcher.match(text)
        p50, p99 = _latency(matcher, asking, rounds=3)
        _, wall_p99 = _latency(matcher, [wall], rounds=20)
        print(
            f"entries={size:5d} semantic={matcher.semantic}  build+cache={build:.1f}s  "
            f"restart from cache={restart['ready']:.2f}s (RSS {restart['rss_mb']:.0f} MB, "
            f"semantic={restart['semantic']})  "
            f"question p50={p50:.2f}ms p99={p99:.2f}ms (n={3 * len(asking)})  "
            f"4,000-char message p99={wall_p99:.1f}ms"
        )
    loops = 2000
    start = time.perf_counter()
    for _ in range(loops):
        for text in chatter:
            matcher.match(text)
    per = (time.perf_counter() - start) * 1000.0 / (loops * len(chatter))
    print(f"non-question message: {per:.4f} ms each (n={loops * len(chatter)})")


if __name__ == "__main__":
    main()
