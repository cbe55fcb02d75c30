"""Which code ran: the package version plus the git commit, and where that code lives.

Kept apart from ``pipelines.run`` so that `steward --version` answers without importing Beam.
"""

from __future__ import annotations

import importlib.metadata
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT_URL = "https://github.com/datasteward/datasteward"


def _git(*args: str) -> str | None:
    try:
        result = subprocess.run(["git", *args], cwd=HERE, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def package_version() -> str:
    return importlib.metadata.version("datasteward")


def code_version() -> str:
    """``0.1.0+g<sha>`` (``.dirty`` when tracked files differ from the commit); the bare package
    version where the code is not a git checkout."""
    version = package_version()
    sha = _git("rev-parse", "--short", "HEAD")
    if not sha:
        return version
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    return f"{version}+g{sha}{'.dirty' if dirty else ''}"


def source_code_location() -> dict[str, str]:
    """Where the running code comes from, for OpenLineage's sourceCodeLocation job facet: the git
    remote (else the project's URL), the commit, the branch and the path of the code in the repo."""
    sha = _git("rev-parse", "HEAD")
    remote = _git("config", "--get", "remote.origin.url")
    top = _git("rev-parse", "--show-toplevel")
    location = {"type": "git" if sha else "package", "url": remote or PROJECT_URL}
    if sha:
        location["version"] = sha
        branch = _git("rev-parse", "--abbrev-ref", "HEAD")
        if branch and branch != "HEAD":
            location["branch"] = branch
        if top:
            location["path"] = str(HERE.relative_to(Path(top).resolve())) if HERE.is_relative_to(Path(top).resolve()) else str(HERE)
    else:
        location["version"] = package_version()
    if remote:
        location["repoUrl"] = remote
    return location
