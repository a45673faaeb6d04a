"""CIFAR-10, item unlearning at full width (base 64), for accelerators.

  python -m gan_unlearn_jax.main --config=configs/cifar10_item_base64.py --workdir=W

configs/cifar10_item.py with full-width DCGANs trained 30 epochs and `C`
trained 30 epochs; `bash benchmarks/gpu.sh` runs it on one GPU (not yet
run). On a CPU use configs/cifar10_item.py.
"""

from configs import cifar10_item


def get_config():
  config = cifar10_item.get_config()
  config.model.g_width = 64
  config.model.d_width = 64
  config.train.epochs = 30
  config.classifier.epochs = 30
  return config
