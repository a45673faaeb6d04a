"""A CPU-sized MNIST run for tests and smoke runs: tiny models, a few steps.

  python -m gan_unlearn_jax.main --config=configs/test.py --workdir=W

About a minute on an idle 2-core CPU (66 s wall-clock, 1.5 GB of memory at
most). Its models are too small and too short-trained to memorise anything:
the original already cannot tell the 32 forget images from held-out ones, so
the request needs no unlearning step. It shows that every stage runs and
writes its files, not a result.
"""

from configs import default


def get_config():
  config = default.get_config()
  config.data.name = 'mnist'
  config.data.holdout_size = 2000  # 1,000 non-members for the evaluation.
  config.data.train_size = 2048
  config.model.latent_dim = 16
  config.model.g_width = 8
  config.model.d_width = 8
  config.train.batch_size = 32
  config.train.epochs = 4
  config.train.log_every = 16
  config.train.checkpoint_every = 32
  config.unlearn.request = 'random:32'
  config.unlearn.batch_size = 16
  config.unlearn.epochs = 4
  config.unlearn.check_every = 2
  config.substitution.pool_size = 512
  config.substitution.num_class_latents = 64
  config.fake_label.num_samples = 256
  config.evaluation.num_samples = 512
  config.evaluation.num_remaining = 256
  config.evaluation.reconstruction_steps = 20
  config.evaluation.reconstruction_max_images = 64
  config.evaluation.downstream_epochs = 2
  config.classifier.widths = (8, 16)
  config.classifier.feature_dim = 32
  config.classifier.epochs = 1
  config.classifier.train_size = 16384
  return config
