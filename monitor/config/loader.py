"""Load feeds.yaml: YAML (safe) -> schema (pydantic) -> cross-checks, with ``file:line key: reason`` errors.

Every problem found is reported at once, one line each, in file order::

    feeds.yaml:42 sources[3].every: "15 minutes" is not a duration; use e.g. 15m
    feeds.yaml:57 routes[0].to[1]: unknown receiver 'slack:#trade' (receivers defined: console)

Lines come from the YAML node tree: each key path (``("sources", 3, "every")``) maps to the line of its
key, or of the item for sequence items; an error is placed at the deepest part of its path that exists
in the file (a missing key is reported at the line of the mapping that lacks it).

The YAML and its lines live in ``yaml_lines``, pydantic's errors are worded in ``pydantic_errors``, the
cross-checks in ``cross_check``; ``describe`` (re-exported here) in ``describe``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import yaml
from pydantic import ValidationError

from monitor.config.cross_check import _cross_check
from monitor.config.describe import describe
from monitor.config.pydantic_errors import _pydantic_problem, _relevant
from monitor.config.schema import Config
from monitor.config.yaml_lines import KeyPath, _parse_yaml, _Problem, _yaml_problem
from monitor.errors import ConfigError

__all__ = ["describe", "load_config", "load_config_text"]


# --------------------------------------------------------------------------------------------------
# public API


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read, parse and validate a feeds.yaml; ``ConfigError.problems`` lists every problem found."""
    filename = os.fspath(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigError([f"{filename}: file not found"]) from None
    except IsADirectoryError:
        raise ConfigError([f"{filename}: is a directory, not a file"]) from None
    except OSError as e:
        raise ConfigError([f"{filename}: cannot read: {e.strerror or e}"]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ConfigError([f"{filename}: not UTF-8 text (bad byte at offset {e.start})"]) from None
    config = load_config_text(text, filename=filename)
    if config.templates is not None and not config.templates.is_absolute():
        # A relative templates directory is relative to the feeds.yaml that names it.
        config = config.model_copy(update={"templates": Path(path).parent / config.templates})
    if config.templates is not None and not config.templates.is_dir():
        raise ConfigError([f"{filename}: templates: {config.templates} is not a directory"])
    return config


def load_config_text(text: str, *, filename: str = "feeds.yaml") -> Config:
    """Parse and validate feeds.yaml text; ``filename`` is only used in the messages."""
    problems: list[_Problem] = []
    lines: dict[KeyPath, int] = {}
    try:
        data = _parse_yaml(text, lines, problems)
    except yaml.MarkedYAMLError as e:
        raise ConfigError([_yaml_problem(e).render(filename)]) from None
    except yaml.reader.ReaderError as e:  # a control character, or a byte the reader refuses
        at = text.count("\n", 0, e.position) + 1
        char = f"#x{e.character:04x}" if isinstance(e.character, int) else repr(e.character)
        reason = f"unacceptable character {char}: {e.reason}"
        raise ConfigError([_Problem(at, (), f"YAML syntax error: {reason}").render(filename)]) from None
    except yaml.YAMLError as e:
        raise ConfigError([f"{filename}: YAML syntax error: {e}"]) from None

    config: Config | None = None
    if data is None:
        problems.append(_Problem(None, (), "no sources defined (the file is empty)"))
    elif not isinstance(data, dict):
        problems.append(
            _Problem(
                lines.get(()),
                (),
                "the top level must be a mapping of sources, topics, routes, receivers, digests",
            )
        )
    else:
        # A section whose entries are all commented out reads as null: treat it as absent.
        data = {k: v for k, v in data.items() if not (v is None and k in Config.model_fields)}
        if not data.get("sources"):
            line = lines.get(("sources",))
            problems.append(_Problem(line, (), "no sources defined"))
        try:
            config = Config.model_validate(data)
        except ValidationError as e:
            problems.extend(_pydantic_problem(err, lines) for err in _relevant(e.errors(include_url=False)))
        problems.extend(_cross_check(data, lines))

    if problems or config is None:
        ordered = sorted(problems, key=lambda p: -1 if p.line is None else p.line)  # stable: file order
        raise ConfigError(_dedupe(p.render(filename) for p in ordered))
    return config


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
