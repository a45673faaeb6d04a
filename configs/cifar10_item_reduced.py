"""CIFAR-10 item unlearning, reduced to fit a 2-core CPU (labelled reduced).

configs/cifar10_item.py (base width 64, 30 epochs over 50,000 images) needs
an accelerator. This keeps its method and evaluation but trains half-width
models on 5,000 random training images for 20 epochs (1,560 steps) and `C`
for 3 epochs, so the whole experiment runs in well under an hour on CPU
(not recorded under the current evaluation protocol yet).

  python -m gan_unlearn_jax.main --config=configs/cifar10_item_reduced.py --workdir=W
"""

from configs import cifar10_item


def get_config():
  config = cifar10_item.get_config()
  config.data.train_size = 5000
  config.model.g_width = 32
  config.model.d_width = 32
  config.train.epochs = 20
  config.classifier.epochs = 3
  return config
