"""The README's configuration table lists exactly the variables the code reads."""
import re
from pathlib import Path

from chassis.config import VARIABLES

ROOT = Path(__file__).resolve().parents[2]


def test_readme_table_matches_the_declared_variables():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\|\s*`(CRM_[A-Z_]+)`", readme, flags=re.M))
    assert documented == set(VARIABLES), (
        f"missing from README: {sorted(set(VARIABLES) - documented)}; "
        f"not in code: {sorted(documented - set(VARIABLES))}")


def test_code_reads_only_declared_variables():
    used = set()
    for path in ROOT.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts or "bench" in path.parts:
            continue
        used |= set(re.findall(r"[\"'](CRM_[A-Z_]+)[\"']", path.read_text(encoding="utf-8")))
    # CRM_SETTINGS is the Flask config key holding the parsed settings, not a variable.
    undeclared = {v for v in used if v not in VARIABLES and v != "CRM_SETTINGS"
                  and not v.startswith(("CRM_TEST", "CRM_FERRETDB", "CRM_AMQP_PORT", "CRM_DEVSTACK"))}
    assert not undeclared, undeclared
