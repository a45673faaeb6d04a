"""Shared defaults. Dataset configs import this and override a few fields.

Every field can be overridden on the command line, e.g.
`--config.train.epochs=3 --config.unlearn.forget_ids='[3, 17]'`.
"""

import ml_collections


def get_config() -> ml_collections.ConfigDict:
  config = ml_collections.ConfigDict()
  config.seed = 0
  # train | unlearn | retrain | finetune | evaluate | all
  config.mode = 'all'

  config.data = ml_collections.ConfigDict()
  config.data.name = 'mnist'
  # None: tfds's default, which honours the TFDS_DATA_DIR environment variable.
  config.data.data_dir = ml_collections.config_dict.placeholder(str)
  config.data.download = False  # Never reach the network unless asked.
  # Train on a random subset of this many training images (None: all).
  config.data.train_size = ml_collections.config_dict.placeholder(int)
  config.data.subset_seed = 0

  config.model = ml_collections.ConfigDict()
  config.model.latent_dim = 100
  config.model.g_width = 64
  config.model.d_width = 64

  config.train = ml_collections.ConfigDict()
  config.train.batch_size = 64  # Global batch, split over all devices.
  config.train.epochs = 10
  config.train.learning_rate = 2e-4
  config.train.beta1 = 0.5
  config.train.beta2 = 0.999
  config.train.log_every = 100  # Steps between progress lines and metrics.
  config.train.checkpoint_every = 1000  # Steps between checkpoints.
  return config
