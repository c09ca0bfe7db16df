"""The transport decodes answers with msgspec: exactly what the standard library's ``json.loads``
with ``parse_float=Decimal`` gives, whatever the document (Hypothesis), and the standard
library's answer for what msgspec refuses."""

import json
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from arrow_client.transport import _UNDECODABLE, _decode_json

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30), st.text(),
    st.decimals(min_value=-(10**12), max_value=10**12, allow_nan=False, allow_infinity=False),
)
DOCUMENTS = st.recursive(SCALARS, lambda children: st.one_of(
    st.lists(children, max_size=5), st.dictionaries(st.text(max_size=8), children, max_size=5)), max_leaves=30)


def _standard(content: bytes):
    return json.loads(content, parse_float=Decimal)


@given(DOCUMENTS, st.booleans())
def test_decoding_equals_the_standard_librarys_with_exact_decimals(document, ascii_only):
    content = _encode(document, ascii_only).encode()
    decoded = _decode_json(content)
    assert decoded == _standard(content)
    assert repr(decoded) == repr(_standard(content))  # same types too: Decimal, not float


def _encode(value, ascii_only: bool) -> str:
    """JSON text of ``value`` with Decimals as JSON numbers (with a fraction or an exponent)."""
    if isinstance(value, Decimal):
        text = str(value)
        return text if any(mark in text for mark in ".eE") else text + ".0"
    if isinstance(value, list):
        return "[" + ",".join(_encode(item, ascii_only) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(key, ensure_ascii=ascii_only)}:{_encode(item, ascii_only)}"
                              for key, item in value.items()) + "}"
    return json.dumps(value, ensure_ascii=ascii_only)


def test_what_msgspec_refuses_is_decoded_as_the_standard_library_does():
    for content in (b'\xef\xbb\xbf{"a": 1.5}', b'{"a": NaN}', b'["\\ud800"]', '{"a": 1}'.encode("utf-16")):
        try:
            expected = _standard(content)
        except ValueError:
            expected = _UNDECODABLE
        assert repr(_decode_json(content)) == repr(expected)


def test_what_is_not_json_is_undecodable():
    for content in (b"", b"<html>", b'{"a": ', b"\xff\xfe\x00"):
        assert _decode_json(content) is _UNDECODABLE
