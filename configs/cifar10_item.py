"""CIFAR-10, item unlearning on the full training set, sized for a CPU.

  python -m gan_unlearn_jax.main --config=configs/cifar10_item.py --workdir=W

Half-width DCGANs (base width 32) on the 44,000 training images outside the
holdout; `C` is a small VGG with BatchNorm, trained with flips and crops: 10
epochs, 78.4% test accuracy in 1,183 s on an idle 2-core CPU
(docs/performance.md, "How long to train"). configs/cifar10_item_base64.py
is the full-width config for accelerators. No unlearning run is recorded yet
(results/cifar10_item/ when one is).
"""

from configs import default


def get_config():
  config = default.get_config()
  config.data.name = 'cifar10'
  config.model.g_width = 32
  config.model.d_width = 32
  config.train.epochs = 20
  config.classifier.widths = (32, 64, 128)  # Three conv + BN + pool stages.
  config.classifier.feature_dim = 256
  config.classifier.batch_norm = True
  config.classifier.augment = True
  config.classifier.learning_rate = 2e-3
  config.classifier.epochs = 10
  return config
