"""Reading a YAML config: PyYAML's safe loader, refusing a key given twice in one mapping. YAML keeps the last of
two equal keys silently, so a second `stages:` or `min_chars:` would replace the first without a word."""

from __future__ import annotations

from typing import Any

import yaml


class DuplicateKey(ValueError):
    """A key given twice in one mapping; ``line`` is the second one's (1-based)."""

    def __init__(self, key: str, line: int):
        super().__init__(f"line {line}: key {key!r} appears twice in one mapping")
        self.key, self.line = key, line


class _UniqueKeyLoader(yaml.SafeLoader):
    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str) and key in seen:  # (only scalar keys occur in a config)
                raise DuplicateKey(key, key_node.start_mark.line + 1)
            seen.add(key)
        return super().construct_mapping(node, deep)


def load_yaml(text: str | bytes) -> Any:
    """The document's data; :class:`DuplicateKey` for a repeated key, ``yaml.YAMLError`` for invalid YAML."""
    return yaml.load(text, Loader=_UniqueKeyLoader)
