"""MNIST in minutes: the whole experiment on a CPU, with something to forget.

A half-width GAN trained long (300 epochs, 1,200 steps) on 256 images knows
them: its discriminator ranks the 32 it is asked to forget above held-out
digits. Unlearning should bring that to the level of a GAN retrained on the
other 224, which never saw them. One retrained model, a small evaluation.

  python -m gan_unlearn_jax.main --config=configs/mnist_quickstart.py --workdir=W

4 min 39 s on an idle 2-core AMD EPYC CPU, start to report (the GAN 58 s,
C 41 s, the retrained GAN 41 s, 13 unlearning steps 10 s, fine-tuning 4 s,
the rest the evaluation); not yet run on a GPU. What it shows
(docs/results.md, "mnist_quickstart"): D's white-box AUC of the forget images
against held-out digits falls from the original's level near the retrained
model's while its AUC of the remaining images stays at the retrained model's,
and D still tells remaining images from G's samples; the fine-tuned original
keeps the forget images known.
"""

from configs import default


def get_config():
  config = default.get_config()
  config.data.name = 'mnist'
  config.data.train_size = 256
  config.model.g_width = 32
  config.model.d_width = 32
  config.train.epochs = 300
  config.train.log_every = 100
  config.unlearn.request = 'random:32'
  config.evaluation.num_samples = 2000
  config.evaluation.reconstruction_max_images = 32
  config.evaluation.downstream_epochs = 2
  config.classifier.epochs = 2
  config.classifier.train_size = 16384
  return config
