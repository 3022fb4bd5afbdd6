"""The layers hold (`.importlinter`, docs/architecture.md), and the contract is not a
formality: an import that goes the wrong way makes it fail."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = [
    "registration_portal",
    "web",
    "api",
    "jobs",
    "workflows",
    "access",
    "clients",
    "audit",
    "agencies",
]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


def _copy_of_the_code(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    for package in [*PACKAGES, "core", "tools"]:
        shutil.copytree(
            ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / ".importlinter", tree / ".importlinter")
    return tree


def test_the_code_keeps_its_layers(tmp_path):
    result = _lint(_copy_of_the_code(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


def test_the_audit_log_importing_a_client_model_breaks_the_layers(tmp_path):
    tree = _copy_of_the_code(tmp_path)
    (tree / "audit" / "wrong_way.py").write_text("from clients.models import Client\n")
    result = _lint(tree)
    assert result.returncode != 0
    assert "Layers, top to bottom BROKEN" in result.stdout
    assert "audit.wrong_way -> clients.models" in result.stdout


def test_a_page_reading_unfiltered_records_breaks_its_contract(tmp_path):
    tree = _copy_of_the_code(tmp_path)
    (tree / "web" / "views" / "wrong_way.py").write_text("from clients import selectors\n")
    result = _lint(tree)
    assert result.returncode != 0
    assert "never the unfiltered selectors BROKEN" in result.stdout


def test_the_product_importing_a_tool_breaks_its_contract(tmp_path):
    tree = _copy_of_the_code(tmp_path)
    (tree / "clients" / "wrong_way.py").write_text("import tools.bench.harness\n")
    result = _lint(tree)
    assert "The product never imports the developer tools BROKEN" in result.stdout
