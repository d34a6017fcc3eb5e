"""`flask --app wsgi ...` run in a process of its own, as an administrator runs it."""

from __future__ import annotations

import os
import subprocess
import sys

from ssgp_dhr import PROJECT_DIR

# Settings a test gives explicitly, never inherited from the environment the suite runs in.
_GIVEN_ONLY = ("DATABASE_URL", "SECRET_KEY", "DHR_ENV")


def flask_command(*args: str, timeout: float = 120, input_text: str | None = None,
                  **settings: str) -> subprocess.CompletedProcess:
    """Run `flask --app wsgi ARGS` with `settings` as environment variables (and `input_text` on its standard
    input); the output as text."""
    env = {name: value for name, value in os.environ.items() if name not in _GIVEN_ONLY}
    env.update(settings)
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args],  # noqa: S603 - the test's own arguments
                          cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=timeout, check=False,
                          input=input_text)
