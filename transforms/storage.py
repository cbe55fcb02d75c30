"""Small file helpers shared by the stages and the publisher (no Beam import: the CLI uses them)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def link_or_copy(source: str | Path, target: str | Path) -> None:
    """Hard-link ``source`` as ``target`` (unchanged files shared between versions), else copy it."""
    try:
        os.link(source, target)
    except OSError:  # another file system, or no hard links there
        shutil.copy2(source, target)
