"""Fuzzing the pure pipeline behind a fetch: fetch result -> decode -> parse -> identity -> match.

Inputs: random bytes, byte-level mutations of the real fixtures (each read by the shipped source of its
kind: feeds, HTML listings, the Federal Register API), random encoding labels in the XML declaration and
in the HTTP ``charset=``, random ``Content-Type``/``Content-Language`` headers. The property: the
adapter raises nothing but ``ParseError``; identity and matching raise nothing; every text that would be
stored can be encoded as UTF-8 with no NUL (so the commit cannot fail on it); and no input takes longer
than ``HANG_S`` (a SIGALRM guard: a hang fails the test instead of stalling CI).

Profiles: ``ci`` (the default: a few seconds) and ``long`` (by hand)::

    HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_fuzz.py -s

Each run prints how many inputs it tried.
"""

from __future__ import annotations

import codecs
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from encodings.aliases import aliases
from pathlib import Path
from types import FrameType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.config.loader import load_config
from monitor.config.schema import Source
from monitor.errors import ParseError
from monitor.identity import assign_identity
from monitor.match.topics import TopicMatcher
from monitor.model import FetchOutcome, FetchResult
from monitor.sources.dispatch import read_source

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
HANG_S = 30  # far beyond any real input; only a hang (or a quadratic blow-up) reaches it

settings.register_profile(
    "ci", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=False
)
settings.register_profile(
    "long", max_examples=20_000, deadline=None, suppress_health_check=list(HealthCheck), derandomize=False
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

CONFIG = load_config(ROOT / "feeds.yaml")
TOPICS = TopicMatcher(CONFIG.topics, CONFIG.concepts)
SOURCES = {s.id: s for s in CONFIG.sources}
FEED = SOURCES["dsca-major-arms-sales"]

# (fixture, the shipped source that reads it)
CORPUS: list[tuple[bytes, Source]] = [
    *((p.read_bytes(), FEED) for p in sorted((FIXTURES / "feeds").iterdir())),
    ((FIXTURES / "sources" / "state_arms_sales.html").read_bytes(), SOURCES["state-arms-sales"]),
    ((FIXTURES / "sources" / "mofa_en_release.html").read_bytes(), SOURCES["mofa-press-en"]),
    ((FIXTURES / "sources" / "mofa_ja_release.html").read_bytes(), SOURCES["mofa-press-ja"]),
    ((FIXTURES / "sources" / "mod_ja_news.html").read_bytes(), SOURCES["mod-press-ja"]),
    ((FIXTURES / "sources" / "federal_register_documents.json").read_bytes(), SOURCES["federal-register-trade"]),
]  # fmt: skip

# Every codec name Python knows (text or not), the usual web labels, and the known troublemakers.
LABELS = sorted(
    {*aliases, *aliases.values()}
    | {"utf-8", "shift_jis", "cp932", "euc-jp", "iso-2022-jp", "windows-1252", "latin-1", "gb18030"}
    | {"rot13", "rot_13", "zlib", "base64", "hex", "bz2", "uu", "quopri", "punycode", "idna", "undefined"}
    | {"utf-7", "utf-16", "utf-32", "utf-16-be", "unicode_escape", "raw_unicode_escape", "mbcs", "oem"}
)
CONTENT_TYPES = [
    "application/rss+xml", "application/atom+xml", "application/xml", "text/xml", "text/html",
    "application/json", "application/feed+json", "text/plain", "application/octet-stream", "",
]  # fmt: skip

labels = st.one_of(st.sampled_from(LABELS), st.text(max_size=20))


@st.composite
def mutated(draw: st.DrawFn, body: bytes) -> bytes:
    """A few byte-level edits of ``body``: flips, inserts, deletions, splices, truncation."""
    data = bytearray(body)
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "splice", "truncate", "repeat"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif op == "splice" and data:
            start = draw(st.integers(0, len(data) - 1))
            data[at:at] = data[start : start + draw(st.integers(1, 256))]
        elif op == "truncate":
            del data[at:]
        elif op == "repeat" and data:
            chunk = bytes(data[at : at + draw(st.integers(1, 32))])
            data[at:at] = chunk * draw(st.integers(2, 200))
    return bytes(data)


def with_declared(body: bytes, label: str) -> bytes:
    """The body with its XML declaration naming ``label`` (one added if there is none)."""
    decl = f'<?xml version="1.0" encoding="{label}"?>'.encode("utf-8", "surrogatepass")
    if body.lstrip().startswith(b"<?xml"):
        end = body.find(b"?>")
        return decl + body[end + 2 :] if end >= 0 else decl + body
    return decl + body


@st.composite
def fetched(draw: st.DrawFn) -> tuple[Source, FetchResult]:
    kind = draw(st.sampled_from(["fixture", "fixture", "fixture", "bytes"]))
    if kind == "bytes":
        body, src = draw(st.binary(max_size=4096)), draw(st.sampled_from([FEED, *SOURCES.values()]))
    else:
        base, src = draw(st.sampled_from(CORPUS))
        body = draw(mutated(base))
    if draw(st.booleans()):
        body = with_declared(body, draw(labels))
    ctype = draw(st.sampled_from(CONTENT_TYPES))
    if draw(st.booleans()):
        ctype += "; charset=" + draw(labels)
    headers = {"content-type": ctype}
    if draw(st.booleans()):
        headers["content-language"] = draw(
            st.one_of(st.sampled_from(["en", "ja", "en-US, ja"]), st.text(max_size=12))
        )
    url = src.url
    result = FetchResult(
        outcome=FetchOutcome.OK, url=url, final_url=url, status_code=200, headers=headers, body=body,
        body_hash="0" * 64, etag=None, last_modified=None, wire_bytes=len(body), elapsed_s=0.0,
    )  # fmt: skip
    return src, result


@contextmanager
def no_hang(seconds: int) -> Iterator[None]:
    def fire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"one input took over {seconds}s: a hang")

    old = signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def storable(text: str | None) -> None:
    if text is None:
        return
    text.encode("utf-8")  # no lone surrogates
    assert "\x00" not in text


TRIED = {"inputs": 0, "parse_errors": 0, "entries": 0, "mentions": 0}


@given(fetched())
def test_pipeline_after_fetch_raises_only_its_own_errors(case: tuple[Source, FetchResult]) -> None:
    src, result = case
    TRIED["inputs"] += 1
    if TRIED["inputs"] % 1000 == 0:  # progress of a long run (-s shows it)
        print(f"[fuzz] {TRIED['inputs']} inputs so far", flush=True)
    with no_hang(HANG_S):
        try:
            parsed = read_source(src, result, now=NOW)
        except ParseError:
            TRIED["parse_errors"] += 1
            return
        items = assign_identity(parsed.entries, prefer="guid")
        for item in items:
            for field in (item.key, item.title, item.text, item.canonical_url, item.guid, item.lang):
                storable(field)
            mentions = TOPICS.match(
                title=item.title,
                text=item.text,
                source=src.id,
                tags=src.tags,
                lang=item.lang,
                implies=src.implies,
            )
            for m in mentions:
                storable(m.snippet)
            TRIED["mentions"] += len(mentions)
        TRIED["entries"] += len(items)


@pytest.fixture(scope="module", autouse=True)
def _count(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    profile = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    print(
        f"\n[fuzz] profile {profile}: {TRIED['inputs']} inputs, {TRIED['parse_errors']} parse errors, "
        f"{TRIED['entries']} entries, {TRIED['mentions']} mentions"
    )


def test_every_label_in_the_corpus_is_a_known_lookup_or_not() -> None:
    """The label list really contains non-text codecs (the fuzz test would be weaker without them)."""
    non_text = [label for label in LABELS if _is_non_text(label)]
    assert {"rot13", "zlib", "base64", "hex", "bz2", "uu", "quopri"} <= set(non_text)


def _is_non_text(label: str) -> bool:
    try:
        return not codecs.lookup(label)._is_text_encoding  # type: ignore[attr-defined]
    except LookupError:
        return False
