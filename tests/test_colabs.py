"""Every notebook in colabs/ runs top to bottom on the CPU with `TINY=1`."""

import os

import nbformat
from nbclient import NotebookClient
import pytest

from conftest import ROOT

NOTEBOOKS = sorted(p.name for p in (ROOT / 'colabs').glob('*.ipynb'))


def test_notebooks_are_committed_without_outputs():
  assert len(NOTEBOOKS) == 3
  for name in NOTEBOOKS:
    book = nbformat.read(ROOT / 'colabs' / name, as_version=4)
    for cell in book.cells:
      if cell.cell_type == 'code':
        assert not cell.outputs and cell.execution_count is None, name


@pytest.mark.parametrize('name', NOTEBOOKS)
def test_notebook_runs(name, tmp_path, monkeypatch):
  # The kernel inherits this environment: tiny models, a fresh workdir. XLA's
  # optimisations stay on (unlike conftest.py's): the reconstruction attack's
  # Adam steps run so much faster that the CIFAR-10 notebook takes half the
  # time.
  monkeypatch.setenv('TINY', '1')
  monkeypatch.setenv('WORKDIR', str(tmp_path / 'workdir'))
  book = nbformat.read(ROOT / 'colabs' / name, as_version=4)
  NotebookClient(book, timeout=900, kernel_name='python3', resources={
      'metadata': {'path': str(ROOT / 'colabs')}}).execute()
  if name != 'custom_step.ipynb':
    assert os.path.exists(tmp_path / 'workdir' / 'report.md')
