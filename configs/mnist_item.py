"""MNIST, item unlearning."""

from configs import default


def get_config():
  config = default.get_config()
  config.data.name = 'mnist'
  # Trained to convergence: the FCD of its samples stops falling at about 35
  # epochs and is no lower at 38 (docs/performance.md, "How long to train").
  # One to two hours on a 2-core CPU; --config.train.epochs=5 for a quick,
  # unconverged run.
  config.train.epochs = 38
  return config
