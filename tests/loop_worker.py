"""The training and unlearning loops, a few steps each, for the device tests.

  python tests/loop_worker.py WORKDIR DEVICES [PROCESS_ID PROCESSES PORT]

Trains the tiny GAN for 8 steps and unlearns 16 images for 6 steps, both
pmapped over DEVICES virtual CPU devices per process; with PROCESS_ID, joins a
JAX runtime of PROCESSES processes on localhost first. Saves this process's
final parameters to `WORKDIR/params_<process>.npz` for the test to compare.
"""

import os
import sys

os.environ['XLA_FLAGS'] = (
    f'--xla_force_host_platform_device_count={sys.argv[2]}')
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from absl import logging  # pylint: disable=g-import-not-at-top,wrong-import-position
import jax  # pylint: disable=g-import-not-at-top,wrong-import-position
import numpy as np  # pylint: disable=g-import-not-at-top,wrong-import-position

from configs import test as test_config  # pylint: disable=g-import-not-at-top,wrong-import-position
from gan_unlearn_jax import experiment  # pylint: disable=g-import-not-at-top,wrong-import-position
from gan_unlearn_jax import parallel  # pylint: disable=g-import-not-at-top,wrong-import-position


def main(workdir: str, devices: str, process_id: str = '0',
         processes: str = '1', port: str = '') -> None:
  logging.use_absl_handler()  # Progress lines on stderr, for a failing test.
  logging.set_verbosity(logging.INFO)
  config = test_config.get_config()
  config.distributed = int(processes) > 1
  config.coordinator_address = f'localhost:{port}'
  config.num_processes = int(processes)
  config.process_id = int(process_id)
  config.data.train_size = 256  # 8 steps of batch 32.
  config.train.epochs = 1
  config.unlearn.request = 'random:16'
  config.unlearn.batch_size = 8
  config.unlearn.epochs = 3
  config.unlearn.stop = 'epochs'
  # A gentle fake label: `zero` drives D so hard in 6 steps that rounding
  # differences between reduction orders grow past any tolerance.
  config.unlearn.fake_label = 'heldout'
  parallel.initialize(config)
  assert jax.device_count() == int(devices) * int(processes)

  config.classifier.train_size = 2048  # A quick C.
  exp = experiment.Experiment(config, workdir)
  exp.train_original()
  exp.unlearn()
  unlearned = exp.load(f'unlearned/{exp.request.name}')
  leaves = jax.tree.leaves(jax.device_get((exp.original, unlearned)))
  np.savez(os.path.join(workdir, f'params_{process_id}.npz'),
           *[np.asarray(x) for x in leaves if np.ndim(x) > 0])


if __name__ == '__main__':
  main(*sys.argv[1:])
