"""What a long run shows its user: progress with ETA, TensorBoard scalars, PNG
grids, and a stop with a clear error when a metric is not finite."""

import json
import logging as python_logging
import math
import os
import time
from typing import Any, Mapping, Optional

from absl import logging
import jax
import numpy as np
from PIL import Image

from gan_unlearn_jax import input_pipeline


def quiet_orbax_logs() -> None:
  """Keeps only orbax's warnings: it logs every step of every save at INFO."""
  logging.get_absl_handler().addFilter(
      lambda record: (record.levelno >= python_logging.WARNING or
                      'orbax' not in record.pathname))


class NonFiniteMetricError(FloatingPointError):
  """A logged metric is NaN or infinite: training diverged."""


def check_finite(metrics: Mapping[str, jax.Array], stage: str,
                 step: int) -> dict[str, float]:
  """Fetches metrics to the host; raises if any of them is NaN or Inf."""
  values = {k: float(v) for k, v in jax.device_get(dict(metrics)).items()}
  bad = {k: v for k, v in values.items() if not math.isfinite(v)}
  if bad:
    raise NonFiniteMetricError(
        f'{stage}: non-finite metrics at step {step}: {bad}. Training '
        'diverged; lower the learning rate or check the data. The last '
        'good checkpoint is kept.')
  return values


class MetricWriter:
  """Scalars for TensorBoard under `<workdir>/tensorboard/<stage>/`."""

  def __init__(self, workdir: str, stage: str):
    self._writer = None
    if jax.process_index() == 0:
      from tensorboardX import SummaryWriter  # pylint: disable=g-import-not-at-top
      self._writer = SummaryWriter(os.path.join(workdir, 'tensorboard', stage))

  def write(self, step: int, values: Mapping[str, float]) -> None:
    if self._writer is not None:
      for key, value in values.items():
        self._writer.add_scalar(key, value, step)

  def close(self) -> None:
    if self._writer is not None:
      self._writer.close()


class Progress:
  """Logs `stage: step i/n (epoch e) metrics | steps/s, ETA`."""

  def __init__(self, stage: str, first_step: int, last_step: int):
    self._stage, self._first, self._last = stage, first_step, last_step
    self._start = time.perf_counter()

  def update(self, step: int, values: Mapping[str, float],
             epoch: Optional[int] = None) -> None:
    elapsed = time.perf_counter() - self._start
    rate = (step - self._first) / max(elapsed, 1e-9)
    eta = (self._last - step) / rate if rate > 0 else float('inf')
    metrics = ' '.join(f'{k} {v:.4g}' for k, v in values.items())
    where = f' (epoch {epoch})' if epoch is not None else ''
    logging.info('%s: step %d/%d%s %s | %.2f steps/s, ETA %s', self._stage,
                 step, self._last, where, metrics, rate, format_seconds(eta))


def format_seconds(seconds: float) -> str:
  if not math.isfinite(seconds):
    return '?'
  minutes, seconds = divmod(int(round(seconds)), 60)
  hours, minutes = divmod(minutes, 60)
  return f'{hours}h{minutes:02d}m{seconds:02d}s' if hours else (
      f'{minutes}m{seconds:02d}s')


def read_json(path: str) -> Optional[Any]:
  """The JSON at `path`, or None when there is no such file."""
  if not os.path.exists(path):
    return None
  with open(path) as f:
    return json.load(f)


def write_json(path: str, content) -> None:
  """Writes `content` as JSON (process 0 only), numpy values included.

  Written beside `path` and renamed over it: a reader (another process, a
  resumed run) sees the old file or the new one, never a part of either.
  """
  if jax.process_index() != 0:
    return
  text = json.dumps(content, indent=2, sort_keys=True, default=_json_default)
  os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
  partial = f'{path}.partial'
  with open(partial, 'w') as f:
    f.write(text)
  os.replace(partial, path)


def _json_default(value):
  if isinstance(value, (np.ndarray, np.generic, jax.Array)):
    return np.asarray(value).tolist()
  raise TypeError(f'Not JSON serialisable: {type(value)}')


def image_grid(images, columns: int = 8) -> np.ndarray:
  """`images [n, H, W, C]` in [-1, 1] -> one uint8 grid `[rows*H, cols*W, C]`."""
  images = input_pipeline.to_uint8(images)
  n, h, w, c = images.shape
  rows = math.ceil(n / columns)
  grid = np.zeros((rows * h, columns * w, c), np.uint8)
  for i, image in enumerate(images):
    r, col = divmod(i, columns)
    grid[r * h:(r + 1) * h, col * w:(col + 1) * w] = image
  return grid


def save_png(array: np.ndarray, path: str) -> None:
  os.makedirs(os.path.dirname(path), exist_ok=True)
  Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array).save(path)


def save_grid(images, workdir: str, relative_path: str,
              columns: int = 8) -> None:
  """Writes a PNG grid of `images` (process 0 only)."""
  if jax.process_index() == 0:
    save_png(image_grid(images, columns), os.path.join(workdir, relative_path))
