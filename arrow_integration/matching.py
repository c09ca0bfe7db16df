"""The one fuzzy name matcher of the project (Arrow customers ↔ local customers, licenses ↔ resources).

Names are normalised first — case, diacritics, punctuation and legal-form suffixes such as
"Ltd", "GmbH", "OÜ", "SIA" — so that "Nordic Cloud Solutions OÜ" and "Nordic Cloud Solutions"
are the same name. Similarity comes from rapidfuzz's token-sort ratio (order of words does not
matter, a shared prefix alone does not make a match) and is reported as a confidence in 0..1.

`best_matches` pairs two lists one-to-one: the most similar pairs are taken first, each item is
used at most once, and pairs below the threshold are never suggested. This module does no I/O
and knows nothing about Django models: callers pass objects and a function giving their names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from rapidfuzz import fuzz, process

# Below this confidence two names are not considered the same organisation or object.
MATCH_THRESHOLD = 0.8
# Confidences are rounded to this many decimals in results (stable API output).
CONFIDENCE_DECIMALS = 4
_SCORE_SCALE = 100.0

# Legal-form words, in normalised form (lower case, no diacritics, no dots): "OÜ" -> "ou",
# "S.A." -> "sa", "Sp. z o.o." -> "sp z oo". Removed at either end of a name, never in the middle.
LEGAL_SUFFIXES = frozenset(
    {
        "ab", "ag", "aps", "as", "asa", "bhd", "bv", "bvba", "co", "corp", "corporation", "cv", "doo",
        "eirl", "eurl", "fie", "gbr", "gmbh", "inc", "incorporated", "kft", "kg", "ky", "lda", "llc",
        "llp", "lp", "ltd", "ltda", "limited", "mtu", "nv", "ohg", "oo", "oy", "oyj", "ou", "plc",
        "pte", "pty", "pvt", "sa", "sarl", "sas", "sdn", "se", "sia", "sl", "sp", "spa", "sro", "srl",
        "ug", "uab", "z", "zrt",
    }
)

_DOTS = re.compile(r"\.")
_NOT_WORD = re.compile(r"[^0-9a-z]+")

A = TypeVar("A")
B = TypeVar("B")


def _strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def normalize_name(name: str | None) -> str:
    """Comparable form of a name: lower case, ASCII letters and digits, legal forms removed.

    A name made only of legal-form words (e.g. "AS") keeps them, so it never becomes empty.
    """
    if not name:
        return ""
    text = _strip_diacritics(str(name)).casefold().replace("&", " and ")
    # "S.A." and "B.V." lose their dots before other punctuation becomes spaces.
    text = _DOTS.sub("", text)
    words = _NOT_WORD.sub(" ", text).split()
    start, end = 0, len(words)
    # "Smith & Co" -> "smith": a connector left dangling by a removed suffix goes too.
    while start < end and (words[end - 1] in LEGAL_SUFFIXES or (words[end - 1] == "and" and end < len(words))):
        end -= 1
    while start < end and words[start] in LEGAL_SUFFIXES:
        start += 1
    kept = words[start:end] or words
    return " ".join(kept)


def _score(first: str, second: str, score_cutoff: float = 0) -> float:
    """Similarity of two normalised names on rapidfuzz's 0..100 scale."""
    return fuzz.token_sort_ratio(first, second, score_cutoff=score_cutoff)


def name_similarity(first: str | None, second: str | None) -> float:
    """Confidence in 0..1 that two names denote the same thing (1.0: same after normalising)."""
    left, right = normalize_name(first), normalize_name(second)
    if not left or not right:
        return 0.0
    return round(_score(left, right) / _SCORE_SCALE, CONFIDENCE_DECIMALS)


@dataclass(frozen=True)
class Match(Generic[A, B]):
    """One suggested pair and its confidence (0..1)."""

    a: A
    b: B
    confidence: float


def best_matches(
    items_a: Iterable[A],
    items_b: Iterable[B],
    *,
    key_a: Callable[[A], str | None],
    key_b: Callable[[B], str | None],
    threshold: float = MATCH_THRESHOLD,
) -> list[Match[A, B]]:
    """Pair items of two collections one-to-one by name similarity.

    `key_a`/`key_b` give each item's name. Pairs are taken from the most similar down (ties keep
    the input order), each item appears in at most one pair, and pairs with a confidence below
    `threshold` are left out. Items with an empty name never match. The result follows the
    order of `items_a`. Pure function, deterministic.
    """
    list_a: Sequence[A] = list(items_a)
    list_b: Sequence[B] = list(items_b)
    names_b = [normalize_name(key_b(item)) for item in list_b]
    cutoff = threshold * _SCORE_SCALE
    candidates: list[tuple[float, int, int]] = []
    for index_a, item in enumerate(list_a):
        name = normalize_name(key_a(item))
        if not name:
            continue
        found = process.extract(
            name, names_b, scorer=_score, processor=None, limit=None, score_cutoff=cutoff
        )
        candidates.extend((score, index_a, index_b) for _, score, index_b in found if names_b[index_b])
    candidates.sort(key=lambda candidate: (-candidate[0], candidate[1], candidate[2]))
    used_a: set[int] = set()
    used_b: set[int] = set()
    chosen: dict[int, Match[A, B]] = {}
    for score, index_a, index_b in candidates:
        if index_a in used_a or index_b in used_b:
            continue
        used_a.add(index_a)
        used_b.add(index_b)
        confidence = round(score / _SCORE_SCALE, CONFIDENCE_DECIMALS)
        chosen[index_a] = Match(list_a[index_a], list_b[index_b], confidence)
    return [chosen[index] for index in sorted(chosen)]


def best_match(
    item: A,
    candidates: Iterable[B],
    *,
    key_a: Callable[[A], str | None],
    key_b: Callable[[B], str | None],
    threshold: float = MATCH_THRESHOLD,
) -> Match[A, B] | None:
    """The single most similar candidate for `item` at or above `threshold`, else None."""
    found = best_matches([item], candidates, key_a=key_a, key_b=key_b, threshold=threshold)
    return found[0] if found else None
