"""The notebooks are stored without outputs and hold no model or analysis logic.

They are executed by nbval in ``make test`` (with ``CRM_FAST=1``); these checks cover what
executing them cannot: how they are stored and what they may contain.
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
NBSTRIPOUT = Path(sys.executable).parent / "nbstripout"


def code_cells(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


def test_there_are_chapter_notebooks():
    assert any(p.name.startswith("00_") for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path):
    # --keep-id: stable cell ids are fine; outputs, counts and run metadata are not.
    command = [NBSTRIPOUT, "--verify", "--keep-id", path]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, f"{path.name}: run nbstripout on it ({result.stdout})"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_defines_no_functions_or_classes(path):
    for number, source in enumerate(code_cells(path)):
        for node in ast.walk(ast.parse(source)):
            assert not isinstance(node, ast.FunctionDef | ast.ClassDef | ast.Lambda), (
                f"{path.name}, code cell {number}: computations belong in sim, not in a notebook"
            )


def test_readme_lists_every_notebook():
    readme = (NOTEBOOKS[0].parent / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert path.stem in readme, path.name
