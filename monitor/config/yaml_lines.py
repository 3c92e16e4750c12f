"""feeds.yaml problems and where they are: the ``_Problem`` record (``file:line key: reason``), parsing
the YAML while recording the line of every key path, and YAML errors as problems.

Lines come from the YAML node tree: each key path (``("sources", 3, "every")``) maps to the line of its
key, or of the item for sequence items; an error is placed at the deepest part of its path that exists
in the file (a missing key is reported at the line of the mapping that lacks it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

KeyPath = tuple[str | int, ...]

_MERGE_TAG = "tag:yaml.org,2002:merge"
_SIMPLE_KEY_RE = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True, slots=True)
class _Problem:
    line: int | None
    path: KeyPath
    reason: str

    def render(self, filename: str) -> str:
        where = f"{filename}:{self.line}" if self.line is not None else filename
        path = _render_path(self.path)
        return f"{where} {path}: {self.reason}" if path else f"{where}: {self.reason}"


# --------------------------------------------------------------------------------------------------
# YAML


def _parse_yaml(text: str, lines: dict[KeyPath, int], problems: list[_Problem]) -> Any:
    """Compose the node tree, record key lines (``lines[()]`` is the document's first line) and
    duplicate keys, then construct the data from that same tree (None for an empty document)."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        lines[()] = node.start_mark.line + 1
        # Walk before constructing: construction flattens merge keys (<<) in place.
        _map_lines(node, (), lines, problems, set())
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _yaml_problem(e: yaml.MarkedYAMLError) -> _Problem:
    mark = e.problem_mark or e.context_mark
    line = mark.line + 1 if mark is not None else None
    problem = e.problem or e.context or "unreadable YAML"
    if e.context and e.problem and e.problem.startswith("but "):  # "expected a single document ..., but"
        problem = f"{e.context}, {e.problem}"
    if "'\\t'" in problem:
        problem += " (indent with spaces, not tabs)"
    kind = "YAML error" if isinstance(e, yaml.constructor.ConstructorError) else "YAML syntax error"
    return _Problem(line, (), f"{kind}: {problem}")


def _key_of(node: yaml.Node) -> str | None:
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _map_lines(
    node: yaml.Node,
    path: KeyPath,
    lines: dict[KeyPath, int],
    problems: list[_Problem],
    seen: set[int],
) -> None:
    """Record the line of every key path under ``node``; report duplicate keys.

    ``seen`` holds nodes already walked: an alias (``*x``) re-uses its anchor's node, so walking it
    once keeps recursive anchors finite and "billion laughs" documents linear.
    """
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*path, i)] = item.start_mark.line + 1
            _map_lines(item, (*path, i), lines, problems, seen)
    elif isinstance(node, yaml.MappingNode):
        explicit: dict[tuple[str, str], int] = {}
        merges: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merges.append(value_node)
                continue
            key = _key_of(key_node)
            if key is None:
                continue  # a complex key: the constructor reports it if it is unusable
            line = key_node.start_mark.line + 1
            ident = (key_node.tag, key)
            if ident in explicit:
                problems.append(
                    _Problem(line, path, f"duplicate key '{key}' (first at line {explicit[ident]})")
                )
            else:
                explicit[ident] = line
            lines[(*path, key)] = line  # the last one wins, as in the constructed data
            _map_lines(value_node, (*path, key), lines, problems, seen)
        # Merged keys (<<: *defaults) count only where the mapping does not set them itself.
        present = {k for _, k in explicit}
        for merge in merges:
            sources = merge.value if isinstance(merge, yaml.SequenceNode) else [merge]
            for src in sources:
                if not isinstance(src, yaml.MappingNode):
                    continue
                for key_node, value_node in src.value:
                    key = _key_of(key_node)
                    if key is None or key in present:
                        continue
                    present.add(key)
                    lines[(*path, key)] = key_node.start_mark.line + 1
                    _map_lines(value_node, (*path, key), lines, problems, seen)


def _line_for(path: KeyPath, lines: Mapping[KeyPath, int]) -> int | None:
    """The line of the deepest prefix of ``path`` that exists in the file."""
    for n in range(len(path), 0, -1):
        line = lines.get(path[:n])
        last = path[n - 1]
        if line is None and isinstance(last, int):  # pydantic's int 1 for a YAML mapping key 1
            line = lines.get((*path[: n - 1], str(last)))
        if line is not None:
            return line
    return None


def _render_path(path: KeyPath) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _SIMPLE_KEY_RE.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out
