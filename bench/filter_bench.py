"""Throughput and memory benchmark of the obscenity filter against better-profanity.

Run as a script (never as a test)::

    python bench/filter_bench.py [--messages 200000] [--bp-messages 300]

It builds a corpus of typical chat messages — the labelled samples plus synthetic everyday chat
in Russian, English and both, about 5 % of them obscene and 3 % "hard negatives" — then
measures, in the same process:

* messages/s of ``ObscenityFilter.check`` over the whole corpus;
* messages/s of better-profanity's ``profanity.contains_profanity`` on a subset (it is slow),
  extrapolated as a rate, and the ratio of the two.  The two are timed in alternating slices
  so that both see the same machine load;
* memory: resident-set growth while building and running the filter, and tracemalloc's peak.

The filter remembers the whitespace-separated pieces of text it has found clean (a bounded set),
so a long-running bot mostly pays a set lookup per message; the "cold" figure shows a filter
that has seen nothing yet.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from filters.obscenity import ObscenityFilter  # noqa: E402

SAMPLES = ROOT / "tests" / "data" / "profanity" / "samples.jsonl"

RU_SUBJECTS = ["Кто-нибудь", "Соседи", "Ребята", "Админ", "Мы", "Я", "Коллеги", "Оля", "Дети",
               "Управляющая компания", "Курьер", "Мама", "Все", "Новый сосед", "Тренер"]
RU_VERBS = ["знает, где", "видели", "подскажите, когда", "напишите, если", "спасибо за",
            "давайте обсудим", "не забудьте про", "кто пойдёт на", "где купить", "отменили"]
RU_OBJECTS = ["собрание во дворе", "ключи от подвала", "новый график вывоза мусора",
              "парковку у школы", "субботник", "ремонт лифта", "детскую площадку", "концерт",
              "тренировку в среду", "доставку продуктов", "счётчики воды", "пробки на мосту",
              "рецепт пирога", "фото с праздника", "расписание автобусов", "отключение света"]
RU_TAILS = ["", "?", "!", " 🙏", " завтра в 10", ", пожалуйста", " в пятницу", " 😊", " 👍",
            " после обеда", ", очень нужно", " до конца недели"]
EN_SUBJECTS = ["Anyone", "Folks", "Hey all,", "Quick question:", "Reminder:", "Guys",
               "Neighbours", "Team", "Mods", "My sister", "Someone", "We"]
EN_VERBS = ["knows when", "can share", "please check", "is going to", "found", "wants to move",
            "forgot about", "is selling", "recommends", "needs help with"]
EN_OBJECTS = ["the meeting tonight", "a good dentist", "the parking rules", "the new schedule",
              "the bike rack", "the book club", "a cheap flight", "the pool hours",
              "the football match", "a lost cat", "the recycling bins", "the school run",
              "the garden party", "a spare charger", "the internet outage", "the bus route"]
EN_TAILS = ["", "?", "!", " thanks", " :)", " 🎉", " asap", " lol", " by Friday", " pls"]


RU_NOISE = "абвгдеёжзийклмнопрстуфхцчшщыьэюя"
EN_NOISE = "abcdefghijklmnopqrstuvwxyz"


def _noise(rng: random.Random, alphabet: str) -> str:
    """A word nobody has written before: names, typos, slang (keeps the vocabulary open)."""
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(3, 9)))


def synthetic(rng: random.Random, count: int) -> list[str]:
    """Everyday chat messages in Russian (60 %), English (30 %) and both (10 %).

    Half of them carry a never-seen word or number, so the filter cannot live on remembered
    vocabulary alone."""
    out: list[str] = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.6:
            message = (f"{rng.choice(RU_SUBJECTS)} {rng.choice(RU_VERBS)} "
                       f"{rng.choice(RU_OBJECTS)}{rng.choice(RU_TAILS)}")
            alphabet = RU_NOISE
        elif roll < 0.9:
            message = (f"{rng.choice(EN_SUBJECTS)} {rng.choice(EN_VERBS)} "
                       f"{rng.choice(EN_OBJECTS)}{rng.choice(EN_TAILS)}")
            alphabet = EN_NOISE
        else:
            message = (f"{rng.choice(RU_SUBJECTS)} {rng.choice(RU_VERBS)} "
                       f"{rng.choice(EN_OBJECTS)}{rng.choice(RU_TAILS)}")
            alphabet = RU_NOISE
        if rng.random() < 0.5:
            extra = _noise(rng, alphabet) if rng.random() < 0.7 else str(rng.randint(1, 99999))
            message = f"{message} {extra}"
        out.append(message)
    return out


def build_corpus(size: int, seed: int = 7) -> list[str]:
    """Samples mixed with synthetic chat: ~5 % obscene, ~3 % hard negatives (рубля, cockpit),
    ~22 % labelled clean/mild samples, the rest synthetic everyday chat."""
    rng = random.Random(seed)
    rows = [json.loads(line) for line in SAMPLES.read_text(encoding="utf-8").splitlines()]
    obscene = [r["text"] for r in rows if r["label"] == 1]
    tricky = [r["text"] for r in rows if r["label"] == 0 and r["category"].startswith("hard")]
    clean = [r["text"] for r in rows if r["label"] == 0 and not r["category"].startswith("hard")]
    corpus: list[str] = []
    for _ in range(size):
        roll = rng.random()
        if roll < 0.05:
            corpus.append(rng.choice(obscene))
        elif roll < 0.08:
            corpus.append(rng.choice(tricky))
        elif roll < 0.30:
            corpus.append(rng.choice(clean))
        else:
            corpus.append(synthetic(rng, 1)[0])
    return corpus


def rss_mb() -> float:
    """Current resident set size in MB (Linux /proc), falling back to the peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_ours(flt: ObscenityFilter, corpus: list[str]) -> tuple[float, int]:
    """Seconds to check every message once, and how many were obscene."""
    check = flt.check
    start = time.perf_counter()
    flagged = sum(1 for text in corpus if check(text).obscene)
    return time.perf_counter() - start, flagged


def time_better_profanity(corpus: list[str]) -> float:
    """Seconds better-profanity's contains_profanity takes over the messages."""
    from better_profanity import profanity

    start = time.perf_counter()
    for text in corpus:
        profanity.contains_profanity(text)
    return time.perf_counter() - start


def interleaved(
    flt: ObscenityFilter, corpus: list[str], bp_subset: list[str], rounds: int
) -> tuple[float, float, int]:
    """Messages/s of ours and of better-profanity, timed in alternating slices so that both
    see the same machine load; returns (ours, theirs, obscene count in the corpus)."""
    ours_seconds = theirs_seconds = 0.0
    flagged = 0
    ours_slice = max(1, len(corpus) // rounds)
    theirs_slice = max(1, len(bp_subset) // rounds)
    for index in range(rounds):
        part = corpus[index * ours_slice:(index + 1) * ours_slice]
        seconds, count = time_ours(flt, part)
        ours_seconds += seconds
        flagged += count
        theirs_seconds += time_better_profanity(
            bp_subset[index * theirs_slice:(index + 1) * theirs_slice]
        )
    ours_rate = ours_slice * rounds / ours_seconds
    theirs_rate = theirs_slice * rounds / theirs_seconds
    return ours_rate, theirs_rate, flagged


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--bp-messages", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()

    corpus = build_corpus(args.messages)
    bp_subset = random.Random(11).sample(corpus, min(args.bp_messages, len(corpus)))
    try:
        from better_profanity import profanity

        profanity.contains_profanity("warm up")  # loads its word list outside the timing
    except ImportError:
        sys.exit("better-profanity is not installed")

    gc.collect()
    rss_before = rss_mb()
    tracemalloc.start()
    build_start = time.perf_counter()
    flt = ObscenityFilter()
    build_seconds = time.perf_counter() - build_start
    time_ours(flt, corpus[:20_000])
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    # a filter with nothing remembered yet (its own settings, so its own caches): the first
    # 20,000 messages it ever sees
    cold_filter = ObscenityFilter(extra_words=["cold-start-marker"])
    cold_seconds, _ = time_ours(cold_filter, corpus[-20_000:])
    cold = min(20_000, len(corpus)) / cold_seconds

    ours, theirs, flagged = interleaved(flt, corpus, bp_subset, args.rounds)
    ours_subset, theirs_subset, _ = interleaved(
        flt, bp_subset * max(1, 20_000 // len(bp_subset)), bp_subset, args.rounds
    )
    rss_after = rss_mb()

    print(f"corpus: {len(corpus)} messages, {flagged} obscene "
          f"({100 * flagged / len(corpus):.1f} %), mean length "
          f"{sum(map(len, corpus)) / len(corpus):.0f} chars")
    print(f"filter build: {build_seconds * 1000:.0f} ms")
    print(f"ours:             {ours:12,.0f} msgs/s  (whole corpus)")
    print(f"ours, cold:       {cold:12,.0f} msgs/s  (first 20,000 messages of a new filter)")
    print(f"better-profanity: {theirs:12,.0f} msgs/s  (contains_profanity on "
          f"{len(bp_subset)} messages, extrapolated)")
    print(f"ratio:            {ours / theirs:12,.0f} x")
    print(f"same {len(bp_subset)} messages: ours {ours_subset:,.0f} msgs/s vs "
          f"{theirs_subset:,.0f} msgs/s = {ours_subset / theirs_subset:,.0f} x")
    print(f"memory: RSS growth {rss_after - rss_before:.1f} MB (build + all runs), "
          f"tracemalloc peak {traced_peak / 2**20:.1f} MB (build + 20,000 checks)")


if __name__ == "__main__":
    main()
