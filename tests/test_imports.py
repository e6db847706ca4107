"""Each entry module imports on its own, in a fresh interpreter: `fourflow run` imports the demo
lending first, the worker its tasks first, and a circular import that the test suite's own import
order happens to hide would stop them at start-up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "fourflow"
ENTRY_MODULES = sorted(
    [f"fourflow.{path.stem}" for path in SOURCE.glob("*.py") if path.stem not in ("__init__", "__main__")]
    + [".".join(("fourflow", *path.relative_to(SOURCE).with_suffix("").parts))
       for path in SOURCE.rglob("tasks.py")])


@pytest.mark.parametrize("module", ENTRY_MODULES)
def test_the_module_imports_first(module: str) -> None:
    result = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
