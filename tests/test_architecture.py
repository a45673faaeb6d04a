"""The package's architecture, checked: layers import one way, modules stay
readable, importing the package starts nothing heavy."""

import re
import shutil
import subprocess
import sys

from conftest import ROOT, subprocess_env

PACKAGE = ROOT / 'gan_unlearn_jax'


def _lint_imports(cwd):
  return subprocess.run(
      [sys.executable, '-c', 'from importlinter.cli import lint_imports_command;'
       ' lint_imports_command()', '--no-cache'], cwd=cwd, capture_output=True,
      text=True, timeout=300, env=subprocess_env(PYTHONPATH=str(cwd)))


def test_layers_import_one_way():
  result = _lint_imports(ROOT)
  assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
  assert '1 kept, 0 broken' in result.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
  shutil.copytree(PACKAGE, tmp_path / 'gan_unlearn_jax',
                  ignore=shutil.ignore_patterns('__pycache__'))
  shutil.copy(ROOT / 'setup.cfg', tmp_path)
  with open(tmp_path / 'gan_unlearn_jax' / 'metrics.py', 'a') as f:
    f.write('\nfrom gan_unlearn_jax import unlearn  # A cycle.\n')
  result = _lint_imports(tmp_path)
  assert result.returncode != 0
  assert 'gan_unlearn_jax.metrics -> gan_unlearn_jax.unlearn' in result.stdout


def test_every_module_has_its_layer():
  layers = (ROOT / 'setup.cfg').read_text().split('layers =')[1]
  named = set(re.findall(r'gan_unlearn_jax\.(\w+)', layers))
  modules = {path.stem for path in PACKAGE.glob('*.py')} - {'__init__'}
  modules |= {path.name for path in PACKAGE.iterdir()
              if (path / '__init__.py').exists()}
  assert modules <= named, sorted(modules - named)


def test_no_module_is_over_350_lines():
  lengths = {path.relative_to(ROOT): len(path.read_text().splitlines())
             for path in PACKAGE.rglob('*.py')}
  assert max(lengths.values()) <= 350, sorted(lengths.items(),
                                              key=lambda kv: -kv[1])[:3]


def test_importing_the_package_does_not_start_matplotlib():
  code = ('import sys, gan_unlearn_jax; '
          'print(sorted(m for m in sys.modules if m.startswith("matplotlib")))')
  result = subprocess.run([sys.executable, '-c', code], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env=subprocess_env())
  assert result.returncode == 0, result.stderr[-3000:]
  assert result.stdout.strip() == '[]'
