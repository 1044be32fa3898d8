"""The package has no import cycle, function-local imports included (the project's own tool)."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT.parent / "shared" / "tools" / "import_cycles.py"


@pytest.mark.skipif(not TOOL.is_file(), reason="../shared/tools/import_cycles.py is not beside the project")
def test_no_import_cycle():
    result = subprocess.run([sys.executable, str(TOOL), "minikeras"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert "no import cycle" in result.stdout, result.stdout[-3000:] + result.stderr[-2000:]
