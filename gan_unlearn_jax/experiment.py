"""The stages of an experiment and the `--config.mode` dispatch."""

import json
import os
import time

from absl import logging
import jax
import ml_collections

from gan_unlearn_jax import train
from gan_unlearn_jax import validation


def initialize_distributed(config: ml_collections.ConfigDict) -> None:
  """Joins JAX's multi-process runtime when the config or environment asks."""
  if config.get('distributed', False):
    jax.distributed.initialize()


def _timed(timings: dict, stage: str, fn, *args, **kwargs):
  start = time.perf_counter()
  result = fn(*args, **kwargs)
  timings[stage] = time.perf_counter() - start
  return result


def write_timings(workdir: str, timings: dict) -> None:
  if jax.process_index() != 0:
    return
  path = os.path.join(workdir, 'timings.json')
  previous = {}
  if os.path.exists(path):
    with open(path) as f:
      previous = json.load(f)
  with open(path, 'w') as f:
    json.dump({**previous, **timings}, f, indent=2, sort_keys=True)


def run(config: ml_collections.ConfigDict, workdir: str) -> dict:
  """Validates `config`, then runs the stages that `config.mode` names.

  Returns the wall-clock seconds of each stage run (also in timings.json).
  """
  validation.validate_config(config)
  timings = {}
  if config.mode in ('train', 'all'):
    _timed(timings, 'train', train.train_gan, config, workdir)
  write_timings(workdir, timings)
  logging.info('Timings (s): %s', timings)
  return timings
