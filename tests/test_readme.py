"""The README's code runs as written."""

import re

import jax

from conftest import ROOT


def test_use_it_from_your_own_jax_code_example_runs():
  readme = (ROOT / 'README.md').read_text()
  section = readme.split('## Use it from your own JAX code', 1)[1]
  code = re.search(r'```python\n(.*?)```', section, re.DOTALL).group(1)
  namespace = {}
  exec(compile(code, 'README.md', 'exec'), namespace)  # pylint: disable=exec-used
  assert int(namespace['g_state'].step) == int(namespace['d_state'].step) == 1
  assert all(bool(jax.numpy.isfinite(v))
             for v in namespace['metrics'].values())
