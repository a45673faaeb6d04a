"""Shared test set-up: real data from the shared folder, fast compiles."""

import os
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # So that `configs` imports as a package.
# The prepared copies beside the checkout (this project's machines and CI);
# elsewhere tfds's default folder, where a run prepares what it lacks.
if (ROOT.parent / 'shared' / 'data' / 'tfds').is_dir():
  os.environ.setdefault('TFDS_DATA_DIR',
                        str(ROOT.parent / 'shared' / 'data' / 'tfds'))

import jax  # pylint: disable=g-import-not-at-top

# Tiny models: compiling dominates, running is cheap.
jax.config.update('jax_disable_most_optimizations', True)


@pytest.fixture
def test_config():
  from configs import test  # pylint: disable=g-import-not-at-top
  return test.get_config()


def subprocess_env(**extra) -> dict:
  """This environment for a subprocess, which compiles fast as this process
  does; `JAX_DISABLE_MOST_OPTIMIZATIONS='0'` where it runs long loops."""
  env = dict(os.environ)
  env['PYTHONPATH'] = os.pathsep.join([str(ROOT), env.get('PYTHONPATH', '')])
  env['JAX_DISABLE_MOST_OPTIMIZATIONS'] = '1'
  env.update(extra)
  return env
