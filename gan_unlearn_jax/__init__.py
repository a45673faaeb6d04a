"""gan_unlearn_jax: cascaded unlearning for GANs in JAX.

The step functions are pure and take an optional `axis_name`, so they run
under `jax.jit`, `jax.pmap` or `jax.shard_map`:

  from gan_unlearn_jax import cascaded_unlearning_step, create_train_states

`Experiment` runs the stages (train, unlearn, retrain, finetune, evaluate) of
one config and workdir; `run` dispatches `config.mode` as the command line
does. The metrics over arrays are in `gan_unlearn_jax.metrics`, the
evaluators of whole models in `gan_unlearn_jax.evaluators`.
"""

from gan_unlearn_jax.errors import UserError
from gan_unlearn_jax.experiment import Experiment
from gan_unlearn_jax.experiment import run
from gan_unlearn_jax.fake_labels import fake_label_targets
from gan_unlearn_jax.gan import create_train_states
from gan_unlearn_jax.gan import train_step
from gan_unlearn_jax.gan import TrainState
from gan_unlearn_jax.metrics import classifier_score
from gan_unlearn_jax.metrics import frechet_distance
from gan_unlearn_jax.metrics import roc_auc
from gan_unlearn_jax.metrics import tpr_at_fpr
from gan_unlearn_jax.precomputation import Precomputed
from gan_unlearn_jax.precomputation import precompute
from gan_unlearn_jax.requests import ForgetRequest
from gan_unlearn_jax.requests import parse_request
from gan_unlearn_jax.train import fit
from gan_unlearn_jax.train import train_gan
from gan_unlearn_jax.unlearn import cascaded_unlearning_step
from gan_unlearn_jax.unlearn import unlearn_request

__all__ = [
    'Experiment', 'ForgetRequest', 'Precomputed', 'TrainState', 'UserError',
    'cascaded_unlearning_step', 'classifier_score', 'create_train_states',
    'fake_label_targets', 'fit', 'frechet_distance', 'parse_request',
    'precompute', 'roc_auc', 'run', 'tpr_at_fpr', 'train_gan', 'train_step',
    'unlearn_request',
]
