"""The fuzzy matcher: normalisation of names, confidences, one-to-one assignment, threshold."""

import pytest

from arrow_integration.matching import MATCH_THRESHOLD, best_match, best_matches, name_similarity, normalize_name


@pytest.mark.parametrize(
    ("name", "normalised"),
    [
        ("Nordic Cloud Solutions OÜ", "nordic cloud solutions"),
        ("Baltic Data Systems SIA", "baltic data systems"),
        ("Helios Manufacturing GmbH", "helios manufacturing"),
        ("Quantum Retail, Inc.", "quantum retail"),
        ("AS Tallinna Vesi", "tallinna vesi"),
        ("Vilniaus Prekyba UAB", "vilniaus prekyba"),
        ("Acme S.A.", "acme"),
        ("Acme B.V.", "acme"),
        ("Acme Sp. z o.o.", "acme"),
        ("Smith & Co., Ltd.", "smith"),
        ("Ñandú Café Oy", "nandu cafe"),
        ("  Mixed   CASE  llc ", "mixed case"),
        ("AS", "as"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_name(name, normalised):
    assert normalize_name(name) == normalised


def test_similarity_is_a_confidence():
    assert name_similarity("Nordic Cloud Solutions OÜ", "nordic cloud solutions") == 1.0
    assert MATCH_THRESHOLD <= name_similarity("Azure Production Subscr.", "Azure Production Subscription") < 1
    assert name_similarity("Helios Manufacturing GmbH", "Nordic Cloud Solutions") < MATCH_THRESHOLD
    assert name_similarity("Cloud Solutions Nordic", "Nordic Cloud Solutions") == 1.0
    assert name_similarity("", "Nordic") == 0.0


def test_best_matches_is_one_to_one_and_prefers_the_closest():
    arrow = ["Nordic Cloud Solutions OÜ", "Nordic Cloud Solution", "Aurora Media AS"]
    local = ["Nordic Cloud Solutions", "Demo Cloud Reseller"]
    matches = best_matches(arrow, local, key_a=str, key_b=str)
    assert [(m.a, m.b, m.confidence) for m in matches] == [("Nordic Cloud Solutions OÜ", "Nordic Cloud Solutions", 1.0)]


def test_best_matches_keeps_input_order_and_threshold():
    arrow = [{"name": "Tartu Research Lab"}, {"name": "Baltic Data Systems SIA"}, {"name": None}]
    local = [("b", "Baltic Data Systems"), ("t", "Tartu Research Labs")]
    matches = best_matches(arrow, local, key_a=lambda a: a["name"], key_b=lambda b: b[1])
    assert [m.b[0] for m in matches] == ["t", "b"]
    assert all(0 < m.confidence <= 1 for m in matches)
    assert best_matches(arrow, local, key_a=lambda a: a["name"], key_b=lambda b: b[1], threshold=1.0)[0].b[0] == "b"


def test_best_match_single_item():
    assert best_match("Aurora Media AS", ["Nordic Cloud Solutions"], key_a=str, key_b=str) is None
    found = best_match("Quantum Retail Inc", ["Quantum Retail", "Quantum"], key_a=str, key_b=str)
    assert found.b == "Quantum Retail" and found.confidence == 1.0
