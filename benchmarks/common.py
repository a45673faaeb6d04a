"""What the benchmarks share: a config's name, a copy with fields set, an
experiment set up as the command line sets it up, and a run written out."""

import json
import os

import ml_collections
from ml_collections import config_flags

from gan_unlearn_jax import monitoring
from gan_unlearn_jax import parallel
from gan_unlearn_jax import validation


def with_fields(config: ml_collections.ConfigDict,
                **fields) -> ml_collections.ConfigDict:
  """A validated copy of `config` with dotted `fields` set, e.g.
  `with_fields(config, **{'train.epochs': 3})`; `config` is left as it is."""
  config = config.copy_and_resolve_references()
  for field, value in fields.items():
    *sections, name = field.split('.')
    section = config
    for part in sections:
      section = section[part]
    section[name] = value
  validation.validate_config(config)
  return config


def config_name(config_flag) -> str:
  """The name of the config file `config_flag` (`FLAGS['config']`) read,
  without `.py`: e.g. `mnist_item`, as `results/` names its runs."""
  return os.path.basename(
      config_flags.get_config_filename(config_flag)).removesuffix('.py')


def set_up(config: ml_collections.ConfigDict) -> None:
  """Once per process: quiet orbax, validate, join JAX's runtime."""
  monitoring.quiet_orbax_logs()
  validation.validate_config(config)
  parallel.initialize(config)


def write_run(run: dict, *paths) -> None:
  """`run` as JSON to each of `paths` that is given (e.g. `--json_out`)."""
  for path in paths:
    if path:
      with open(path, 'w') as f:
        json.dump(run, f, indent=2)
