"""CIFAR-10, item unlearning."""

from configs import default


def get_config():
  config = default.get_config()
  config.data.name = 'cifar10'
  config.train.epochs = 30
  config.classifier.widths = (32, 64, 128)  # Three conv + pool stages.
  config.classifier.feature_dim = 256
  config.classifier.epochs = 5
  return config
