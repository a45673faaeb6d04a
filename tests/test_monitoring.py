import math

import jax.numpy as jnp
import numpy as np
import pytest

from gan_unlearn_jax import monitoring


def test_non_finite_metric_stops_with_a_clear_error():
  values = monitoring.check_finite({'d_loss': jnp.float32(0.5)}, 'original', 3)
  assert values == {'d_loss': 0.5}
  for bad in (math.nan, math.inf):
    with pytest.raises(monitoring.NonFiniteMetricError,
                       match='original: non-finite metrics at step 7'):
      monitoring.check_finite({'d_loss': jnp.float32(0.5),
                               'g_loss': jnp.float32(bad)}, 'original', 7)


def test_image_grid_places_images_in_rows():
  images = np.stack([np.full((2, 3, 1), v) for v in (-1.0, 0.0, 1.0)])
  grid = monitoring.image_grid(images, columns=2)
  assert grid.shape == (4, 6, 1) and grid.dtype == np.uint8
  assert grid[0, 0, 0] == 0 and grid[0, 3, 0] == 128 and grid[2, 0, 0] == 255
  assert grid[2, 3, 0] == 0  # The empty cell stays black.


def test_format_seconds():
  assert monitoring.format_seconds(75) == '1m15s'
  assert monitoring.format_seconds(3725) == '1h02m05s'
  assert monitoring.format_seconds(math.inf) == '?'


def test_json_is_replaced_whole_or_not_at_all(tmp_path):
  path = str(tmp_path / 'timings.json')
  monitoring.write_json(path, {'train': np.float32(2.5)})
  with pytest.raises(TypeError, match='Not JSON serialisable'):
    monitoring.write_json(path, {'train': 3.0, 'bad': object()})
  assert monitoring.read_json(path) == {'train': 2.5}
  assert sorted(p.name for p in tmp_path.iterdir()) == ['timings.json']
