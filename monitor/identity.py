"""Item identity, decided once per fetch. Pure: no network, no clock, no database.

The key of an item is unique within one source. ``assign_identity`` picks, per entry, the first of:

1. ``"g:" + guid`` when the entry has a GUID and no other entry of *this fetch* has the same GUID
   (skipped entirely with ``prefer="url"``, used for sources flagged key-unstable);
2. ``"u:" + canonical_url(link)`` when the canonical URL is unique within this fetch;
3. ``"h:" + sha256(normalised title + "\\n" + published ISO-8601)[:32]`` (the normalised text
   stands in for an empty title; an unknown date hashes as "").

Duplicate GUIDs never collapse distinct items: entries sharing a GUID fall back to step 2, then 3.
If keys still collide (true duplicates), the colliding entries are ordered by content hash (then
position) and all but the first get ``"#2"``, ``"#3"``... appended, so every key returned is unique.

``canonical_url`` lower-cases scheme and host, shows an IDN host as punycode, drops userinfo, the
fragment, a default port and tracking parameters (``utm_*``, ``fbclid``, ``gclid``, ...) and keeps
the remaining parameters in their original order. ``absolute_http_url`` is the lighter form the feed
adapter uses for ``Entry.link``: resolved, http(s) only, punycode host, no userinfo, otherwise as given.

``content_hash`` is sha256 over ``normalise_for_hash(title) + "\\n" + normalise_for_hash(text)``:
whitespace- and case-only edits do not change it.

``keys_unstable`` spots sources whose GUIDs change on every fetch (the caller then re-keys the source
with ``prefer="url"`` instead of alerting on every item: items without a link then get content keys,
step 3). Its ``previous_keys`` should come from ``identity_keys(previous_items)``, which adds
``"u:" + canonical_url`` next to each key (``"c:" + content_hash`` for an item without a link), so a feed
whose items have no links at all (and fresh GUIDs on every request) is recognised by unchanged content.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from urllib.parse import quote, unquote, urljoin, urlsplit

from monitor.model import Entry, Item
from monitor.text import collapse_ws, normalise_for_hash, strip_controls

__all__ = [
    "TRACKING_PARAMS",
    "absolute_http_url",
    "assign_identity",
    "canonical_url",
    "content_hash",
    "identity_keys",
    "keys_unstable",
]

TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
        "mc_cid", "mc_eid", "ocid", "cmpid", "_ga", "_gl", "igshid", "igsh", "_hsenc", "_hsmi",
        "mkt_tok", "vero_id", "vero_conv", "oly_anon_id", "oly_enc_id", "rb_clickid", "s_cid",
        "ito", "wt.mc_id", "wt.srch",
    }
)  # fmt: skip
_TRACKING_PREFIXES = ("utm_",)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = "/?%:@!$&'()*+,;=-._~"
_MIN_PREVIOUS_GUIDS = 3


def _split_http(url: str | None) -> tuple[str, str, str, str, str] | None:
    """(scheme, host[:port], path, query, fragment) of an absolute http(s) URL, host as punycode."""
    if not url:
        return None
    url = collapse_ws(strip_controls(url))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port is None else f"{host}:{port}"
    return scheme, netloc, parts.path, parts.query, parts.fragment


def absolute_http_url(url: str | None, base: str | None = None) -> str | None:
    """``url`` resolved against ``base``; None unless it is http(s) with a host. Host shown as punycode."""
    if not url or not url.strip():
        return None
    url = collapse_ws(strip_controls(url))
    if base:
        try:
            url = urljoin(base, url)
        except ValueError:
            return None
    split = _split_http(url)
    if split is None:
        return None
    scheme, netloc, path, query, fragment = split
    out = f"{scheme}://{netloc}{quote(path, safe=_PATH_SAFE) or '/'}"
    if query:
        out += "?" + quote(query, safe=_QUERY_SAFE)
    if fragment:
        out += "#" + quote(fragment, safe=_QUERY_SAFE)
    return out


def _is_tracking(pair: str) -> bool:
    name = unquote(pair.split("=", 1)[0]).strip().lower()
    return name in TRACKING_PARAMS or name.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str | None) -> str | None:
    """The identity form of a URL (see the module docstring); None for anything but absolute http(s)."""
    split = _split_http(url)
    if split is None:
        return None
    scheme, netloc, path, query, _fragment = split
    default_port = f":{_DEFAULT_PORTS[scheme]}"
    if netloc.endswith(default_port):
        netloc = netloc[: -len(default_port)]
    pairs = [p for p in re.split(r"[&;]", query) if p and not _is_tracking(p)]
    out = f"{scheme}://{netloc}{quote(path, safe=_PATH_SAFE) or '/'}"
    if pairs:
        out += "?" + quote("&".join(pairs), safe=_QUERY_SAFE)
    return out


def content_hash(title: str, text: str) -> str:
    """sha256 hex of the normalised title and text: whitespace/case-only edits keep the hash."""
    data = normalise_for_hash(title) + "\n" + normalise_for_hash(text)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def _fallback_hash(entry: Entry) -> str:
    basis = normalise_for_hash(entry.title) or normalise_for_hash(entry.text)
    when = entry.published_at.isoformat() if entry.published_at else ""
    return hashlib.sha256(f"{basis}\n{when}".encode()).hexdigest()[:32]


def assign_identity(entries: Sequence[Entry], *, prefer: str = "guid") -> list[Item]:
    """Decide each entry's key (see the module docstring); keys in the result are unique."""
    if prefer not in ("guid", "url"):
        raise ValueError(f"identity: prefer must be 'guid' or 'url', not {prefer!r}")
    urls = [canonical_url(e.link) for e in entries]
    guids = [(e.guid or "").strip() or None for e in entries]
    hashes = [content_hash(e.title, e.text) for e in entries]
    guid_count = Counter(g for g in guids if g)
    url_count = Counter(u for u in urls if u)

    base: list[tuple[str, str]] = []
    for entry, guid, url in zip(entries, guids, urls, strict=True):
        if prefer == "guid" and guid and guid_count[guid] == 1:
            base.append(("g:" + guid, "guid"))
        elif url and url_count[url] == 1:
            base.append(("u:" + url, "url"))
        else:
            base.append(("h:" + _fallback_hash(entry), "hash"))

    keys = _disambiguate([k for k, _ in base], hashes)
    return [
        Item(
            key=key,
            key_kind=kind,
            canonical_url=url,
            guid=guid,
            title=entry.title,
            text=entry.text,
            published_at=entry.published_at,
            content_hash=chash,
            tags=entry.tags,
            lang=entry.lang,
        )
        for entry, guid, url, chash, key, (_, kind) in zip(
            entries, guids, urls, hashes, keys, base, strict=True
        )
    ]


def _disambiguate(keys: list[str], hashes: list[str]) -> list[str]:
    """Append "#2", "#3"... to colliding keys, ordered by content hash then position."""
    groups: defaultdict[str, list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        groups[key].append(i)
    taken = set(keys)
    out = list(keys)
    for key, positions in groups.items():
        if len(positions) < 2:
            continue
        ordered = sorted(positions, key=lambda i: (hashes[i], i))
        n = 1
        for i in ordered[1:]:
            n += 1
            while f"{key}#{n}" in taken:
                n += 1
            out[i] = f"{key}#{n}"
            taken.add(out[i])
    return out


def identity_keys(items: Iterable[Item]) -> set[str]:
    """Each item's key plus ``"u:" + canonical_url`` (``"c:" + content_hash`` when it has no link): what
    ``keys_unstable`` wants from the last fetch."""
    out: set[str] = set()
    for item in items:
        out.add(item.key)
        out.add("u:" + item.canonical_url if item.canonical_url else "c:" + item.content_hash)
    return out


def keys_unstable(previous_keys: set[str], current: Sequence[Item]) -> bool:
    """True when GUIDs look regenerated on every fetch.

    That is: the previous fetch had at least 3 GUID keys, none of the current GUID keys is among them,
    and the current GUID-keyed items' canonical URLs, or the content hashes of those without a link,
    overlap the previous ones substantially (at least half of the smaller side, and at least 2).
    ``previous_keys`` is ``identity_keys(previous_items)``.
    """
    previous_guids = {k for k in previous_keys if k.startswith("g:")}
    if len(previous_guids) < _MIN_PREVIOUS_GUIDS:
        return False
    guid_items = [it for it in current if it.key_kind == "guid"]
    if not guid_items or any(it.key in previous_guids for it in guid_items):
        return False
    previous_urls = {k for k in previous_keys if k.startswith("u:")}
    current_urls = {"u:" + it.canonical_url for it in guid_items if it.canonical_url}
    previous_contents = {k for k in previous_keys if k.startswith("c:")}
    current_contents = {"c:" + it.content_hash for it in guid_items if not it.canonical_url}
    overlap = max(len(previous_urls & current_urls), len(previous_contents & current_contents))
    smaller = min(len(previous_guids), len(guid_items))
    return overlap >= max(2, (smaller + 1) // 2)
