r"""Runs an experiment: train, unlearn, retrain from scratch, fine-tune.

  python -m gan_unlearn_jax.main --config=configs/mnist_item.py --workdir=runs/mnist_item

Fields of the config can be overridden, e.g. `--config.mode=train` or
`--config.train.epochs=3`.
"""

import sys

from absl import app
from absl import flags
from absl import logging
import jax
from ml_collections import config_flags

from gan_unlearn_jax import experiment
from gan_unlearn_jax import monitoring
from gan_unlearn_jax import parallel
from gan_unlearn_jax.errors import UserError

FLAGS = flags.FLAGS
flags.DEFINE_string('workdir', None, 'Folder for checkpoints, metrics, '
                    'pictures and the report.')
config_flags.DEFINE_config_file('config', None, 'Experiment config file.',
                                lock_config=True)
flags.mark_flags_as_required(['config', 'workdir'])


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f'Unexpected arguments: {argv[1:]}')
  monitoring.quiet_orbax_logs()
  parallel.initialize(FLAGS.config)
  logging.info('JAX devices: %d local, %d total (%s), process %d of %d.',
               jax.local_device_count(), jax.device_count(),
               jax.default_backend(), jax.process_index(), jax.process_count())
  try:
    experiment.run(FLAGS.config, FLAGS.workdir)
  except UserError as e:
    logging.error('%s', e)
    print(f'error: {e}', file=sys.stderr)
    sys.exit(2)


if __name__ == '__main__':
  app.run(main)
