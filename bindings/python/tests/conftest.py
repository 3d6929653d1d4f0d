import os
import subprocess

import pytest

import streamopt


def pytest_configure(config):
    # ctest runs `-m "not slow"` as the unit entry `python` and `-m slow` as
    # `python_slow` (bindings/python/CMakeLists.txt, docs/development.md).
    config.addinivalue_line("markers", "slow: takes seconds (the oracle, matplotlib); ctest label slow")


@pytest.fixture
def manifest():
    return streamopt.Manifest.synthetic(seed=3)


@pytest.fixture
def trace():
    # 3 Mbps for 20 s, 0.6 Mbps for 20 s, 2 Mbps for 20 s.
    return streamopt.Trace.from_arrays([0, 20, 40, 60], [3e6, 3e6, 0.6e6, 2e6], name="steps")


@pytest.fixture
def cli():
    path = os.environ.get("STREAMOPT_CLI")
    if not path:
        pytest.skip("STREAMOPT_CLI is not set (ctest sets it)")

    def run(*args):
        done = subprocess.run([path, *map(str, args)], capture_output=True, text=True)
        if done.returncode != 0:
            raise AssertionError(f"streamopt {' '.join(map(str, args))} failed: {done.stderr}")
        return done.stdout

    return run
