"""The layout rules the architecture relies on, checked on the source."""
import ast
import importlib
import pkgutil
from pathlib import Path

import mongoengine
import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("customer", "engagement", "feedback")


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def _python_files(folder: Path):
    return [p for p in folder.rglob("*.py") if "__pycache__" not in p.parts]


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_only_the_chassis_contracts_and_itself(service):
    bad = []
    for path in _python_files(ROOT / "services" / service):
        for mod in _imports(path):
            top = mod.split(".")[0]
            if top == "gateway" or (top == "services" and not mod.startswith(f"services.{service}")):
                bad.append(f"{path.relative_to(ROOT)} imports {mod}")
    assert not bad, bad


def test_gateway_and_chassis_do_not_import_services():
    bad = []
    for folder, forbidden in (("gateway", ("services",)), ("chassis", ("services", "gateway", "contracts")),
                              ("contracts", ("services", "gateway"))):
        for path in _python_files(ROOT / folder):
            for mod in _imports(path):
                if mod.split(".")[0] in forbidden:
                    bad.append(f"{path.relative_to(ROOT)} imports {mod}")
    assert not bad, bad


def _import_all(package: str):
    pkg = importlib.import_module(package)
    for info in pkgutil.walk_packages(pkg.__path__, package + "."):
        if info.name.endswith(("wsgi", "__main__")):
            continue  # wsgi builds an app (connects); models are imported by the rest
        importlib.import_module(info.name)


def test_every_model_uses_its_own_services_database_alias():
    for package in [f"services.{s}" for s in SERVICES] + ["gateway"]:
        _import_all(package)
    wrong = []
    for name, cls in mongoengine.base.common._document_registry.items():
        module = cls.__module__
        if cls._meta.get("abstract") or not module.startswith(("services.", "gateway")):
            continue
        owner = "gateway" if module.startswith("gateway") else module.split(".")[1]
        if cls._meta.get("db_alias") != owner:
            wrong.append(f"{module}.{name}: db_alias={cls._meta.get('db_alias')!r}, expected {owner!r}")
    assert not wrong, wrong


def test_no_ttl_indexes_which_ferretdb_refuses():
    for package in [f"services.{s}" for s in SERVICES] + ["gateway"]:
        _import_all(package)
    ttl = [n for n, c in mongoengine.base.common._document_registry.items()
           for spec in c._meta.get("indexes", []) if isinstance(spec, dict) and "expireAfterSeconds" in spec]
    assert not ttl, ttl
