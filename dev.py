#!/usr/bin/env python3
"""Bootstrap for a fresh machine with only Python >= 3.11 and pip.

    python3 dev.py demo   # venv + install + `cxhub serve --demo` at 127.0.0.1:8000
    python3 dev.py test   # virtualenv + install with test extras + the whole test suite,
                          # in parallel, one pytest-xdist worker per core (`-n 0`: serially)
    python3 dev.py lint   # ruff + mypy

Extra arguments are passed on (`python3 dev.py test -k timeline`, `python3 dev.py demo --port 9000`).
The virtualenv lives in .venv and is reinstalled only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
CHROMIUM = Path("/usr/bin/chromium")


def run(*args: str | Path, **kwargs: object) -> None:
    result = subprocess.run([str(a) for a in args], check=False, **kwargs)  # type: ignore[call-overload]  # noqa: S603
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_venv(extras: str) -> None:
    if not (BIN / "python").exists():
        print("creating virtualenv in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed-{extras or 'base'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    print(f"installing cxhub{'[' + extras + ']' if extras else ''} ...", flush=True)
    run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    target = f".[{extras}]" if extras else "."
    run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", target, cwd=ROOT)
    stamp.write_text(digest)


def ensure_chromium() -> None:
    """Browser tests drive Debian's chromium; install it when we may (root with apt)."""
    if CHROMIUM.exists() or os.environ.get("CXHUB_SKIP_BROWSER_INSTALL"):
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        print("installing chromium for the browser tests ...", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(
            ["/usr/bin/apt-get", "install", "-y", "-q", "chromium"],
            check=False,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        if not CHROMIUM.exists():
            subprocess.run(
                ["/usr/bin/apt-get", "update", "-q"],
                check=False,
                env=env,
                stdout=subprocess.DEVNULL,
            )
            subprocess.run(
                ["/usr/bin/apt-get", "install", "-y", "-q", "chromium"],
                check=False,
                env=env,
                stdout=subprocess.DEVNULL,
            )
    if not CHROMIUM.exists():
        print("note: /usr/bin/chromium not found; browser tests will be skipped", flush=True)


def parallel(args: list[str]) -> list[str]:
    """pytest-xdist options the caller did not set: one worker per core (CXHUB_TEST_WORKERS
    overrides; `-n 0` runs serially) and `--dist loadfile`: each test file stays on one worker, so
    its module-scoped set-ups are built once (tests/conftest.py keeps the Spark tests together)."""
    if "no:xdist" in args:
        return []
    chosen = [a for a in args if a.startswith(("-n", "--numprocesses", "--dist"))]
    extra = []
    if not any(a.startswith(("-n", "--numprocesses")) for a in chosen):
        extra += ["-n", os.environ.get("CXHUB_TEST_WORKERS") or str(os.cpu_count() or 1)]
    if not any(a.startswith("--dist") for a in chosen):
        # Files go out in collection order (the slow analytics and API files first), not by size.
        extra += ["--dist", "loadfile", "--no-loadscope-reorder"]
    return extra


def main() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - the point of this file
        sys.exit(f"cxhub needs Python >= 3.11, this is {sys.version.split()[0]}")
    command, *rest = sys.argv[1:] or ["help"]
    if command == "demo":
        ensure_venv("")
        run(BIN / "cxhub", "serve", "--demo", *rest, cwd=ROOT)
    elif command == "test":
        ensure_venv("test")
        ensure_chromium()
        run(BIN / "python", "-m", "pytest", *parallel(rest), *rest, cwd=ROOT)
    elif command == "lint":
        ensure_venv("test")
        run(BIN / "ruff", "check", "src", "tests", "benchmarks", "dev.py", cwd=ROOT)
        run(BIN / "ruff", "format", "--check", "src", "tests", "benchmarks", "dev.py", cwd=ROOT)
        run(BIN / "mypy", cwd=ROOT)
    else:
        print(__doc__)
        sys.exit(0 if command == "help" else 2)


if __name__ == "__main__":
    main()
