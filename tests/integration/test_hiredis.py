"""hiredis, the C client library, against the server: built from
tests/clients/hiredis_smoke.c with the system's libhiredis."""
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def smoke_bin(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("hiredis") / "hiredis_smoke")
    src = os.path.join(ROOT, "tests", "clients", "hiredis_smoke.c")
    subprocess.run(["cc", "-std=c11", "-Wall", "-o", out, src, "-lhiredis"], check=True)
    return out


def test_hiredis_smoke(smoke_bin, shared_server):
    res = subprocess.run([smoke_bin, str(shared_server.port)], capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 0, res.stderr + res.stdout
    assert "all checks passed" in res.stdout
