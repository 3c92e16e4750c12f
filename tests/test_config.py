"""feeds.yaml loading: every problem reported as ``file:line key.path: reason``, the shipped file loads."""

from __future__ import annotations

import re
import textwrap
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.config.delivery import ConsoleReceiver, SlackReceiver
from monitor.config.loader import describe, load_config, load_config_text
from monitor.errors import ConfigError
from monitor.match.topics import TopicMatcher

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "feeds.yaml"
CORPUS = REPO.parent / "shared" / "corpus"

TOP_LEVEL = "sources, concepts, topics, routes, receivers, digests, smtp, templates, operator, retention"


def problems_of(text: str, *, filename: str = "feeds.yaml") -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config_text(textwrap.dedent(text).lstrip("\n"), filename=filename)
    assert str(info.value) == "\n".join(info.value.problems)
    return info.value.problems


# Each snippet is dedented and its leading newline dropped: line 1 is the first line shown.
BROKEN = [
    pytest.param(
        """
        sources:
          - id: a
            url: https://example.org/a.xml
          - id: b
            url: https://example.org/b.xml
            every: 15 minutes
        """,
        ['feeds.yaml:6 sources[1].every: "15 minutes" is not a duration; use e.g. 15m'],
        id="bad-duration",
    ),
    pytest.param(
        """
        sources:
          - id: a
            url: https://example.org/a.xml
            every: 0
          - id: b
            url: https://example.org/b.xml
            every: 99999999999d
        """,
        [
            "feeds.yaml:4 sources[0].every: 0 is not a positive duration; use e.g. 15m",
            'feeds.yaml:7 sources[1].every: "99999999999d" is longer than 365 days',
        ],
        id="duration-zero-and-overflow",
    ),
    pytest.param(
        """
        sources:
          - id: a
            url: https://example.org/a.xml
            evry: 15m
        """,
        ["feeds.yaml:4 sources[0].evry: unknown key 'evry' (did you mean 'every'?)"],
        id="unknown-key-suggestion",
    ),
    pytest.param(
        """
        sources:
          - id: a
            url: https://example.org/a.xml
        alerts: yes
        sorces:
        """,
        [
            f"feeds.yaml:4 alerts: unknown key 'alerts' (allowed: {TOP_LEVEL})",
            "feeds.yaml:5 sorces: unknown key 'sorces' (did you mean 'sources'?)",
        ],
        id="unknown-key-no-suggestion",
    ),
    pytest.param(
        """
        sources:
          - id: a
            every: 15m
        """,
        ["feeds.yaml:2 sources[0].url: required key missing"],
        id="missing-url",
    ),
    pytest.param(
        """
        sources:
          - id: a
            url: ftp://example.org/a.xml
          - id: b
            url: example.org/b.xml
        """,
        [
            'feeds.yaml:3 sources[0].url: "ftp://example.org/a.xml" is not an http(s) URL',
            'feeds.yaml:5 sources[1].url: "example.org/b.xml" is not an http(s) URL',
        ],
        id="bad-url-scheme",
    ),
    pytest.param(
        """
        sources:
          - id: a
            kind: rss
            url: https://example.org/a.html
        """,
        ["feeds.yaml:3 sources[0].kind: 'rss' is not one of: feed, html, json_api"],
        id="unknown-source-kind",
    ),
    pytest.param(
        """
        sources:
          - id: a
            kind: html
            url: https://example.org/a.html
        """,
        ["feeds.yaml:2 sources[0]: kind: html needs select: (at least item: a CSS selector)"],
        id="html-without-select",
    ),
    pytest.param(
        """
        sources:
          - id: a
            kind: html
            url: https://example.org/a.html
            select: {item: "li[[", link: a}
        """,
        ["feeds.yaml:5 sources[0].select.item: 'li[[' is not a CSS selector"],
        id="bad-css-selector",
    ),
    pytest.param(
        """
        sources:
          - id: a
            kind: json_api
            url: https://example.org/a.json
            api: {link: url}
        """,
        ["feeds.yaml:5 sources[0].api: give preset: federal_register, or at least the items and title paths"],
        id="json-api-without-items",
    ),
    pytest.param(
        """
        sources:
          - id: a
            url: https://example.org/a.xml
            every: 15m
            every_min: 30m
        """,
        ["feeds.yaml:2 sources[0]: every_min must be at most every"],
        id="every-min-above-every",
    ),
    pytest.param(
        """
        sources:
          - id: Kantei EN
            url: https://example.org/a.xml
            tags: [2024]
            jitter: 2
        """,
        [
            'feeds.yaml:2 sources[0].id: "Kantei EN" is not a valid id; '
            "use lower-case a-z, 0-9, '.', '_', '-' (at most 64)",
            'feeds.yaml:4 sources[0].tags[0]: expected text, got 2024 (quote it: "2024")',
            "feeds.yaml:5 sources[0].jitter: 2 is out of range: must be at most 0.5",
        ],
        id="bad-id-type-and-range",
    ),
    pytest.param(
        """
        sources:
          - id: a
            url: https://example.org/a.xml
        receivers:
          sms: {kind: sms}
          bare: {}
          "slack:#trade":
            kind: slack
            chanel: C0123
        """,
        [
            "feeds.yaml:5 receivers.sms.kind: 'sms' is not one of: console, slack, email, webhook",
            "feeds.yaml:6 receivers.bare.kind: required key missing: every receiver needs a kind, "
            "one of: console, slack, email, webhook",
            "feeds.yaml:9 receivers['slack:#trade'].chanel: unknown key 'chanel' (did you mean 'channel'?)",
        ],
        id="receiver-kind",
    ),
    pytest.param(
        """
        sources:
          - id: a
            url: https://example.org/a.xml
        topics:
          - id: fms
            keywords: [FMS, "*"]
            requires: [[Japan], []]
        """,
        [
            'feeds.yaml:6 topics[0].keywords[1]: "*" is not a usable term',
            "feeds.yaml:7 topics[0].requires: each requires group needs at least one term",
        ],
        id="bad-topic-terms",
    ),
    pytest.param(
        """
        sources:
          - id: kantei-en
            url: https://example.org/a.xml
          - id: kantei-en
            url: https://example.org/b.xml
        topics:
          - id: fms
            keywords: [FMS]
          - id: fms
            keywords: [Foreign Military Sale*]
        """,
        [
            "feeds.yaml:4 sources[1].id: duplicate source id 'kantei-en' (first at line 2)",
            "feeds.yaml:9 topics[1].id: duplicate topic id 'fms' (first at line 7)",
        ],
        id="duplicate-id",
    ),
    pytest.param(
        """
        sources:
          - id: a
            url: https://example.org/a.xml
        routes:
          - to: [console, "slack:#trade"]
          - to: [consol]
        """,
        [
            "feeds.yaml:5 routes[0].to[1]: unknown receiver 'slack:#trade' (receivers defined: console)",
            "feeds.yaml:6 routes[1].to[0]: unknown receiver 'consol' (did you mean 'console'?)",
        ],
        id="route-unknown-receiver",
    ),
    pytest.param(
        """
        sources:
          - id: dsca
            url: https://example.org/a.xml
            tags: [us-gov]
        topics:
          - id: tariffs-japan
            keywords: [tariff*]
        routes:
          - match:
              topic: [tariff-japan, fms-japan]
              source: [dsca-arms]
              tag: [us-gvo]
            to: [console]
        """,
        [
            "feeds.yaml:10 routes[0].match.topic[0]: unknown topic 'tariff-japan' "
            "(did you mean 'tariffs-japan'?)",
            "feeds.yaml:10 routes[0].match.topic[1]: unknown topic 'fms-japan' "
            "(topics defined: tariffs-japan)",
            "feeds.yaml:11 routes[0].match.source[0]: unknown source 'dsca-arms' (sources defined: dsca)",
            "feeds.yaml:12 routes[0].match.tag[0]: unknown tag 'us-gvo' (did you mean 'us-gov'?)",
        ],
        id="route-unknown-topic-source-tag",
    ),
    pytest.param(
        """
        sources:
          - id: a
            url: https://example.org/a.xml
        routes:
          - match: {topic: fms-japan, kind: [posted]}
            to: []
          - match: {}
        """,
        [
            'feeds.yaml:5 routes[0].match.topic: expected a list, got "fms-japan" (write [fms-japan])',
            "feeds.yaml:5 routes[0].match.kind[0]: 'posted' is not one of: new, revised, also-reported, withdrawn, source-health",
            "feeds.yaml:6 routes[0].to: needs at least one receiver",
            "feeds.yaml:7 routes[1].to: required key missing",
        ],
        id="route-shape",
    ),
    pytest.param(
        """
        sources:
          - id: a
            url: https://example.org/a.xml
            lang: english!
        routes:
          - match: {lang: [en, "e n", ja_JP]}
            to: [console]
        """,
        [
            'feeds.yaml:4 sources[0].lang: "english!" is not a language tag; use one like en, ja or en-us',
            'feeds.yaml:6 routes[0].match.lang[1]: "e n" is not a language tag; use one like en, ja or en-us',
        ],
        id="language-tags",
    ),
    pytest.param(
        """
        sources:
          - id: a
            url: https://example.org/a.xml
        topics:
          - id: tariffs-japan
            keywords: [tariff*]
        digests:
          daily-trade:
            to: [analysts@example.org]
            at: "25:00"
            timezone: Asia/Tokio
            topics: [tariffs-japan, investment]
          weekly:
            to: [analysts]
            at: 7:30
        """,
        [
            'feeds.yaml:10 digests.daily-trade.at: "25:00" is not a time of day; use HH:MM, e.g. 07:30',
            'feeds.yaml:11 digests.daily-trade.timezone: "Asia/Tokio" is not a time zone; '
            "use e.g. Asia/Tokyo",
            "feeds.yaml:12 digests.daily-trade.topics[1]: unknown topic 'investment' "
            "(topics defined: tariffs-japan)",
            'feeds.yaml:14 digests.weekly.to[0]: "analysts" is not an e-mail address',
            'feeds.yaml:15 digests.weekly.at: YAML read 7:30 as a number; quote the time, e.g. "07:30"',
        ],
        id="digest-time-timezone-topics",
    ),
    pytest.param(
        """
        sources:
          - id: a
            url: https://example.org/a.xml
            tags: [us-gov, trade
        topics: []
        """,
        ["feeds.yaml:5: YAML syntax error: expected ',' or ']', but got ':'"],
        id="yaml-syntax-error",
    ),
    pytest.param(
        "sources:\n\t- id: a\n",
        [
            "feeds.yaml:2: YAML syntax error: found character '\\t' that cannot start any token "
            "(indent with spaces, not tabs)"
        ],
        id="yaml-tab",
    ),
    pytest.param(
        """
        sources:
          - id: a
            url: https://example.org/a.xml
        ---
        sources: []
        """,
        [
            "feeds.yaml:4: YAML syntax error: expected a single document in the stream, "
            "but found another document"
        ],
        id="yaml-two-documents",
    ),
    pytest.param(
        """
        sources:
          - id: a
            url: https://example.org/a.xml
            every: 15m
            every: 10m
        """,
        ["feeds.yaml:5 sources[0]: duplicate key 'every' (first at line 4)"],
        id="duplicate-key",
    ),
    pytest.param("", ["feeds.yaml: no sources defined (the file is empty)"], id="empty-file"),
    pytest.param(
        "# everything commented out\n# sources:\n",
        ["feeds.yaml: no sources defined (the file is empty)"],
        id="comments-only",
    ),
    pytest.param(
        """
        topics:
          - id: fms
            keywords: [FMS]
        """,
        ["feeds.yaml: no sources defined"],
        id="no-sources-key",
    ),
    pytest.param(
        """
        # all sources commented out
        sources:
        #  - id: a
        """,
        ["feeds.yaml:2: no sources defined"],
        id="sources-null",
    ),
    pytest.param(
        "- id: a\n  url: https://example.org/a.xml\n",
        ["feeds.yaml:1: the top level must be a mapping of sources, topics, routes, receivers, digests"],
        id="top-level-list",
    ),
    pytest.param(
        """
        sources:
          - id: a
            url: https://example.org/a.xml
        topics: !python/object:os.system x
        """,
        [
            "feeds.yaml:4: YAML error: could not determine a constructor for the tag "
            "'!python/object:os.system'"
        ],
        id="unsafe-tag-refused",
    ),
    pytest.param(
        """
        sources:
          - id: a
            url: ftp://example.org/a.xml
            evry: 15m
          - id: a
            url: https://example.org/b.xml
            every: 15 minutes
            every: 15m
        topics:
          - id: tariffs
            keywords: []
        routes:
          - match: {topic: [tarifs]}
            to: [slack]
        receivers:
          console: {kind: console}
          mail: {kind: email, to: []}
        digests:
          daily: {to: [a@example.org], timezone: Mars/Olympus}
        """,
        [
            'feeds.yaml:3 sources[0].url: "ftp://example.org/a.xml" is not an http(s) URL',
            "feeds.yaml:4 sources[0].evry: unknown key 'evry' (did you mean 'every'?)",
            "feeds.yaml:5 sources[1].id: duplicate source id 'a' (first at line 2)",
            "feeds.yaml:8 sources[1]: duplicate key 'every' (first at line 7)",
            "feeds.yaml:11 topics[0].keywords: needs at least one entry",
            "feeds.yaml:13 routes[0].match.topic[0]: unknown topic 'tarifs' (did you mean 'tariffs'?)",
            "feeds.yaml:14 routes[0].to[0]: unknown receiver 'slack' (receivers defined: console, mail)",
            "feeds.yaml:17 receivers.mail.to: needs at least one address",
            'feeds.yaml:19 digests.daily.timezone: "Mars/Olympus" is not a time zone; use e.g. Asia/Tokyo',
        ],
        id="multiple-problems-all-reported",
    ),
    pytest.param(
        """
        sources:
          - id: a
            url: https://example.org/a.xml
        topics: []
        receivers:
          slack: {kind: slack, channel: C0123ABCDEF, timezone: Asia/Tokio}
          siem: {kind: webhook, url: "https://hooks.example.org/p", timezone: JST+9}
        """,
        [
            'feeds.yaml:6 receivers.slack.timezone: "Asia/Tokio" is not a time zone; use e.g. Asia/Tokyo',
            'feeds.yaml:7 receivers.siem.timezone: "JST+9" is not a time zone; use e.g. Asia/Tokyo',
        ],
        id="receiver-timezones",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BROKEN)
def test_broken_config_reports_exact_problems(text: str, expected: list[str]) -> None:
    assert problems_of(text) == expected


def test_messages_use_the_file_name_as_given() -> None:
    text = "sources:\n  - id: a\n    url: https://example.org/a.xml\n    every: soon\n"
    assert problems_of(text, filename="conf/prod.yaml") == [
        'conf/prod.yaml:4 sources[0].every: "soon" is not a duration; use e.g. 15m'
    ]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "feeds.yaml")
    assert info.value.problems == [f"{tmp_path / 'feeds.yaml'}: file not found"]


def test_missing_file_relative_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as info:
        load_config(Path("feeds.yaml"))
    assert info.value.problems == ["feeds.yaml: file not found"]


def test_file_errors_name_the_path(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(b"sources: []\n# caf\xe9\n")
    with pytest.raises(ConfigError) as info:
        load_config(bad)
    assert info.value.problems == [f"{bad}: not UTF-8 text (bad byte at offset 17)"]
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert info.value.problems == [f"{tmp_path}: is a directory, not a file"]


def test_valid_config_with_defaults_anchors_and_bom(tmp_path: Path) -> None:
    text = textwrap.dedent(
        """
        # a byte-order mark, YAML anchors and merge keys, and empty sections are all fine
        sources:
          - &gov
            id: ustr
            url: https://ustr.gov/rss.xml
            every: 1h30m
            tags: [us-gov, trade]
          - <<: *gov
            id: ustr-copy
            every: 90s
        topics:
        routes:
          - match: {tag: [trade]}
            to: [console]
            continue: true
        """
    )
    path = tmp_path / "feeds.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    config = load_config(path)
    assert [s.id for s in config.sources] == ["ustr", "ustr-copy"]
    assert config.sources[0].every == timedelta(hours=1, minutes=30)
    assert config.sources[1].every == timedelta(seconds=90)
    assert config.sources[1].tags == ("us-gov", "trade")
    assert config.topics == ()
    assert config.routes[0].continue_ is True
    assert config.receivers == {"console": ConsoleReceiver()}


def test_merged_values_are_reported_where_they_are_written() -> None:
    text = """
        sources:
          - &gov
            id: ustr
            url: https://ustr.gov/rss.xml
            every: hourly
          - <<: *gov
            id: ustr-copy
        """
    assert problems_of(text) == [
        'feeds.yaml:5 sources[0].every: "hourly" is not a duration; use e.g. 15m',
        'feeds.yaml:5 sources[1].every: "hourly" is not a duration; use e.g. 15m',
    ]


def test_recursive_and_exponential_aliases_stay_cheap() -> None:
    laughs = "\n".join(
        [
            "sources:",
            "  - id: a",
            "    url: https://example.org/a.xml",
            "    tags: &l0 [x, x, x, x, x, x, x, x, x, x]",
            *(f"x{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 8)),
            "loop: &loop [*loop]",
        ]
    )
    problems = problems_of(laughs)
    assert problems[0] == f"feeds.yaml:5 x1: unknown key 'x1' (allowed: {TOP_LEVEL})"
    assert problems[-1] == (f"feeds.yaml:12 loop: unknown key 'loop' (allowed: {TOP_LEVEL})")


def test_slack_receiver_validates() -> None:
    config = load_config_text(
        textwrap.dedent(
            """
            sources:
              - id: a
                url: https://example.org/a.xml
            routes:
              - to: ["slack:#trade-desk"]
            receivers:
              "slack:#trade-desk": {kind: slack, channel: C0123}
            """
        )
    )
    assert config.receivers["slack:#trade-desk"] == SlackReceiver(kind="slack", channel="C0123")


# --------------------------------------------------------------------------------------------------
# the shipped feeds.yaml


def test_shipped_feeds_yaml_loads_and_describes_every_source() -> None:
    config = load_config(SHIPPED)
    lines = describe(config)
    assert lines[0].startswith(f"{len(config.sources)} sources (")
    text = "\n".join(lines)
    for source in config.sources:
        assert re.search(rf"^source {re.escape(source.id)}: ", text, re.MULTILINE), source.id
    for topic in config.topics:
        assert f"topic {topic.id}: " in text
    assert "receiver console: console" in lines
    assert any(line.startswith("digest daily-trade: daily 07:30 Asia/Tokyo") for line in lines)


def test_shipped_feeds_yaml_covers_the_agreed_sources_and_topics() -> None:
    config = load_config(SHIPPED)
    hosts = " ".join(s.url for s in config.sources)
    for host in (
        "whitehouse.gov",
        "dsca.mil",
        "ustr.gov",
        "federalregister.gov/api/v1/documents.json",
        "state.gov/arms-sales-congressional-notifications",
        "www.mofa.go.jp/press/release",
        "www.mofa.go.jp/mofaj/press/release",
        "www.mod.go.jp/j/press/news",
        "japan.kantei.go.jp",
        "www.kantei.go.jp",
        "meti.go.jp",
        "jetro.go.jp",
        "asia.nikkei.com",
        "japantimes.co.jp",
        "kyodonews.net",
        "news.google.com",
    ):
        assert host in hosts, host
    assert {t.id for t in config.topics} == {
        "japan-us-investment",
        "tariffs-japan",
        "fms-japan",
        "japan-defense-spending",
        "us-lng-japan",
    }
    for source in config.sources:
        assert (source.kind == "html") == (source.select is not None), source.id
        assert (source.kind == "json_api") == (source.api is not None), source.id
        assert timedelta(minutes=10) <= source.every <= timedelta(minutes=30), source.id
        assert source.lang in ("en", "ja"), source.id
    assert set(config.digests["daily-trade"].topics) <= {t.id for t in config.topics}


@pytest.mark.parametrize(
    ("title", "text", "topics"),
    [
        pytest.param(
            "Japan to invest $550 billion",
            "The U.S.-Japan agreement includes a $550 billion investment package.",
            ["japan-us-investment"],
            id="investment",
        ),
        pytest.param(
            "Tariffs on Japanese cars",
            "Section 232 tariffs on autos from Japan.",
            ["tariffs-japan"],
            id="tariffs",
        ),
        pytest.param("日米関税合意", "自動車関税を引き下げ", ["tariffs-japan"], id="tariffs-ja"),
        pytest.param(
            "Government of Japan - F-35 sustainment",
            "approving a possible Foreign Military Sale to the Government of Japan",
            ["fms-japan"],
            id="fms",
        ),
        pytest.param("Japan Airlines FMS upgrade", "Japan Airlines FMS", [], id="fms-japan-airlines"),
        pytest.param(
            "Japan doubles defense budget",
            "Japan will double defense spending",
            ["japan-defense-spending"],
            id="defense",
        ),
        pytest.param("Japan doubles rice output", "Japan will double exports", [], id="double-not-defense"),
        pytest.param("Japan buys US LNG", "liquefied natural gas", ["us-lng-japan"], id="lng"),
        pytest.param(
            "Prime Minister resumes duties",
            "Japan's Prime Minister performed his official duties.",
            [],
            id="duties-not-trade",
        ),
    ],
)
def test_shipped_topics_on_hand_made_texts(title: str, text: str, topics: list[str]) -> None:
    compiled = TopicMatcher(load_config(SHIPPED).topics, load_config(SHIPPED).concepts)
    assert [m.topic_id for m in compiled.match(title=title, text=text)] == topics


def _corpus(name: str) -> Path:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"shared corpus not present: {path}")
    return path


def test_shipped_topics_on_real_captures() -> None:
    """Extra conformance check on real documents in ../shared/corpus (skipped where absent)."""
    compiled = TopicMatcher(load_config(SHIPPED).topics, load_config(SHIPPED).concepts)

    def topics(text: str, title: str = "") -> list[str]:
        return [m.topic_id for m in compiled.match(title=title, text=text)]

    # DSCA 36(b) notification, "Prospective Purchaser: Government of Japan"
    assert topics(_corpus("2026-09109.txt").read_text(encoding="utf-8")) == ["fms-japan"]
    # a correction naming no purchaser, and a sale to Ukraine
    assert topics(_corpus("2026-00029.txt").read_text(encoding="utf-8")) == []
    assert topics(_corpus("dsca-4399552.article-excerpt.html").read_text(encoding="utf-8")) == []
    # White House messages, one recalling "Imperial Japan" (Guam liberation): no topic fires
    root = ET.parse(_corpus("whitehouse_briefings.xml")).getroot()
    items = [(i.findtext("title") or "", i.findtext("description") or "") for i in root.iter("item")]
    assert any("Imperial Japan" in d for _, d in items)
    assert [topics(d, t) for t, d in items] == [[] for _ in items]
