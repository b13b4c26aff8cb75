"""Fail when the lock files no longer match pyproject.toml (someone edited it without `make lock`).

Every dependency pyproject.toml declares must be pinned, at a version its range allows, in the
lock that installs it, and the dev lock must pin the shared packages exactly as the runtime lock.
Needs nothing outside the standard library and `packaging` (in the runtime lock).
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", re.MULTILINE)


def pins(lock: str) -> dict[str, Version]:
    """The exact versions a lock file pins, by canonical name."""
    text = (ROOT / lock).read_text()
    return {canonicalize_name(name): Version(v) for name, v in PIN.findall(text)}


def problems() -> list[str]:
    """Each way the locks disagree with pyproject.toml or with each other."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime, dev = pins("requirements.txt"), pins("requirements-dev.txt")
    wanted = [("requirements.txt", runtime, r) for r in project["dependencies"]]
    wanted += [("requirements-dev.txt", dev, r) for r in project["dependencies"]]
    wanted += [("requirements-dev.txt", dev, r) for r in project["optional-dependencies"]["dev"]]
    found = []
    for lock, pinned, spec in wanted:
        req = Requirement(spec)
        version = pinned.get(canonicalize_name(req.name))
        if version is None:
            found.append(f"{lock}: {req.name} is not pinned")
        elif not req.specifier.contains(version, prereleases=True):
            found.append(f"{lock}: {req.name}=={version} is outside {spec}")
    for name, version in runtime.items():
        if dev.get(name) != version:
            found.append(f"requirements-dev.txt: {name} is {dev.get(name)}, runtime has {version}")
    return found


if __name__ == "__main__":
    found = problems()
    for line in found:
        print(line, file=sys.stderr)
    if found:
        print("The locks are out of step with pyproject.toml: run `make lock`.", file=sys.stderr)
    sys.exit(1 if found else 0)
