"""The service installs cleanly: the lock files follow pyproject.toml, production's lock carries only what
production runs, and the built package works on its own, with its page layouts, migrations and
configuration inside it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile

import pytest
from packaging.requirements import Requirement

from ssgp_dhr import PROJECT_DIR

PYPROJECT = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())
# Packages the tests, the tools and the benchmark use, which production must never install.
NOT_FOR_PRODUCTION = {"pytest", "pytest-xdist", "playwright", "hypothesis", "ruff", "aiosmtpd", "beautifulsoup4",
                      "html5lib", "time-machine", "fpdf2", "flask-admin", "httpx", "pyinstrument", "psutil"}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked(lock_file: str) -> dict[str, tuple[str, list[str]]]:
    """Each package pinned in a lock file: its version and its hashes."""
    pins: dict[str, tuple[str, list[str]]] = {}
    for block in re.split(r"\n(?=\S)", (PROJECT_DIR / lock_file).read_text()):
        match = re.match(r"([A-Za-z0-9_.\-]+)==(\S+)", block)
        if match:
            pins[_canonical(match.group(1))] = (match.group(2), re.findall(r"--hash=sha256:([0-9a-f]{64})", block))
    return pins


@pytest.mark.parametrize(("lock_file", "extras"), [
    ("requirements.txt", []),
    ("requirements-dev.txt", ["test"]),
    ("requirements-bench.txt", ["bench"]),
])
def test_each_lock_file_pins_what_pyproject_asks_for_with_hashes(lock_file, extras):
    declared = list(PYPROJECT["project"]["dependencies"])
    for extra in extras:
        declared += PYPROJECT["project"]["optional-dependencies"][extra]
    pins = locked(lock_file)
    for line in declared:
        requirement = Requirement(line)
        name = _canonical(requirement.name)
        assert name in pins, f"{requirement.name} is in pyproject.toml but not in {lock_file}: run `make locks`"
        version, _hashes = pins[name]
        assert requirement.specifier.contains(version), (
            f"{lock_file} pins {name}=={version}, outside pyproject.toml's {requirement.specifier}: run `make locks`")
    assert all(hashes for _, hashes in pins.values()), f"{lock_file} has a package without hashes"


def test_production_installs_nothing_only_the_tests_or_the_benchmark_use():
    assert not NOT_FOR_PRODUCTION & set(locked("requirements.txt"))


def test_the_lock_files_agree_on_every_version_they_share():
    production = locked("requirements.txt")
    for lock_file in ("requirements-dev.txt", "requirements-bench.txt"):
        for name, (version, _) in locked(lock_file).items():
            if name in production:
                assert version == production[name][0], f"{lock_file} pins {name}=={version}, production {production[name][0]}"


def test_every_package_of_the_service_is_installed():
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = {".".join(path.parent.relative_to(PROJECT_DIR).parts)
             for path in (PROJECT_DIR / "ssgp_dhr").rglob("__init__.py")}
    missing = found - listed
    assert not missing, f"add these packages to [tool.setuptools] packages in pyproject.toml: {sorted(missing)}"


# Runs from the unpacked wheel, in a folder away from the source tree: create the app, migrate an empty
# database, and serve the sign-in page and the health check through the installed templates.
_INSTALLED_SMOKE = """
import sys, pathlib
import ssgp_dhr, config
assert pathlib.Path(ssgp_dhr.__file__).is_relative_to(sys.argv[1]), ssgp_dhr.__file__
from flask_migrate import upgrade
from ssgp_dhr import create_app
from ssgp_dhr.extensions import db
app = create_app("test", {"SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[2]})
with app.app_context():
    upgrade()
    db.session.remove()
client = app.test_client()
page = client.get("/sign-in")
assert page.status_code == 200 and b"<h1" in page.data, page.status_code
health = client.get("/healthz")
assert health.status_code == 200, health.data
assert config._default_instance_dir() == pathlib.Path(sys.prefix) / "var" / "ssgp_dhr-instance"
print("installed package works")
"""


@pytest.mark.slow
def test_the_built_package_runs_with_its_templates_migrations_and_configuration(tmp_path):
    # Built from a copy: pip builds in the source folder and would leave build/ behind in it.
    source = tmp_path / "source"
    shutil.copytree(PROJECT_DIR, source, ignore=shutil.ignore_patterns(
        ".git", ".venv*", "node_modules", "instance", "build", "test-artifacts", "*.egg-info", "__pycache__"))
    built = subprocess.run([  # noqa: S603 - this interpreter, fixed arguments
        sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(tmp_path), str(source)],
        capture_output=True, text=True, timeout=300, check=False)
    assert built.returncode == 0, built.stderr
    wheel = next(tmp_path.glob("ssgp_dhr-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in ("config.py", "wsgi.py", "ssgp_dhr/bundled/templates/layout.html",
                     "ssgp_dhr/bundled/migrations/env.py", "ssgp_dhr/bundled/migrations/alembic.ini",
                     "ssgp_dhr/cases/templates/cases/list.html", "ssgp_dhr/accounts/common_passwords.txt"):
        assert expected in names, f"{expected} is not in the wheel"
    migrations = {name for name in names if name.startswith("ssgp_dhr/bundled/migrations/versions/")}
    assert len(migrations) == len(list((PROJECT_DIR / "migrations" / "versions").glob("*.py")))

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    environment = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "DHR_INSTANCE_PATH")}
    environment.update(PYTHONPATH=str(site), DHR_INSTANCE_PATH=str(tmp_path / "instance"))
    ran = subprocess.run([  # noqa: S603 - this interpreter, fixed arguments
        sys.executable, "-c", _INSTALLED_SMOKE, str(site), str(tmp_path / "installed.sqlite3")],
        cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=300, check=False)
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert "installed package works" in ran.stdout
