"""Under CI=true a skipped LibreOffice or remote-engine test fails (tests/conftest.py); locally it
skips with its reason. Checked by running pytest on a two-test file beside a copy of the conftest."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CONFTEST = Path(__file__).with_name("conftest.py")
TESTS = '''
import pytest

@pytest.mark.libreoffice
def test_needs_soffice():
    pytest.skip("soffice is not installed")

def test_unmarked_may_skip():
    pytest.skip("not a required group")
'''


@pytest.mark.parametrize("ci, code, outcome", [("true", 1, "1 failed, 1 skipped"), ("", 0, "2 skipped")])
def test_a_libreoffice_test_that_skips_fails_only_under_ci(tmp_path, ci, code, outcome):
    shutil.copy(CONFTEST, tmp_path / "conftest.py")
    (tmp_path / "test_group.py").write_text(TESTS)
    env = {**os.environ, "CI": ci}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "-W", "ignore"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == code, done.stdout
    assert outcome in done.stdout
    if ci:
        assert "skipped under CI=true, where the libreoffice group must run" in done.stdout
        assert "soffice is not installed" in done.stdout
    assert "SKIPPED [1] test_group.py" in done.stdout   # -rs names every remaining skip
