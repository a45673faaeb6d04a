"""The evaluation classifier `C`: trained once by the project, saved, reused.

`C` labels generated images (class substitution, class-unlearning metrics,
the downstream task's labels) and provides the feature space of the Frechet
distance (FCD) and of the item-substitution nearest-neighbour search.
"""

import functools
import os
from typing import Optional

from absl import logging
import flax
from flax.training import train_state
import jax
import jax.numpy as jnp
import ml_collections
import optax

from gan_unlearn_jax import checkpoints
from gan_unlearn_jax import input_pipeline
from gan_unlearn_jax import models
from gan_unlearn_jax import monitoring
from gan_unlearn_jax import rngs
from gan_unlearn_jax import sampling

NAME = 'classifier'


def create_classifier(config: ml_collections.ConfigDict) -> models.Classifier:
  return models.Classifier(len(input_pipeline.class_names(config.data.name)),
                           tuple(config.classifier.widths),
                           config.classifier.feature_dim)


@functools.lru_cache  # One optimizer object: equal states, one compilation.
def _adam(learning_rate: float, num_steps: int) -> optax.GradientTransformation:
  return optax.adam(optax.cosine_decay_schedule(learning_rate, num_steps))


@functools.partial(jax.jit, static_argnums=0)  # Compiled once per model.
def _init_params(model: flax.linen.Module, rng: jax.Array, dummy: jax.Array):
  return model.init(rng, dummy)['params']


def create_state(config: ml_collections.ConfigDict, rng: jax.Array,
                 num_steps: int = 1) -> train_state.TrainState:
  """A fresh `C`, with Adam whose learning rate decays to 0 over `num_steps`
  (a cosine; the length does not change the state's structure)."""
  model = create_classifier(config)
  shape = input_pipeline.image_shape(config.data.name)
  params = _init_params(model, rng, jnp.zeros((1, *shape)))
  return train_state.TrainState.create(
      apply_fn=model.apply, params=params,
      tx=_adam(config.classifier.learning_rate, num_steps))


@functools.partial(jax.jit, donate_argnums=0)
def train_step(state: train_state.TrainState, images: jax.Array,
               labels: jax.Array) -> tuple[train_state.TrainState, jax.Array]:
  def loss_fn(params):
    logits = state.apply_fn({'params': params}, images)
    return optax.softmax_cross_entropy_with_integer_labels(
        logits, labels).mean()
  loss, grads = jax.value_and_grad(loss_fn)(state.params)
  return state.apply_gradients(grads=grads), loss


@jax.jit
def _logits(state: train_state.TrainState, images: jax.Array) -> jax.Array:
  return state.apply_fn({'params': state.params}, images)


@jax.jit
def _features(state: train_state.TrainState, images: jax.Array) -> jax.Array:
  return state.apply_fn({'params': state.params}, images,
                        method=models.Classifier.features)


def predict_logits(state: train_state.TrainState,
                   images: jax.Array) -> jax.Array:
  """`images [n, H, W, C]` in [-1, 1] -> logits `[n, num_classes]`."""
  return sampling.batched(functools.partial(_logits, state), images)


def features(state: train_state.TrainState, images: jax.Array) -> jax.Array:
  """`images [n, H, W, C]` -> penultimate features `[n, feature_dim]`."""
  return sampling.batched(functools.partial(_features, state), images)


def accuracy(state, split: input_pipeline.Split) -> float:
  predictions = jnp.argmax(predict_logits(state, split.images), -1)
  return float(jnp.mean(predictions == split.labels))


def train_classifier(config: ml_collections.ConfigDict, train_split,
                     rng: jax.Array, epochs: Optional[int] = None
                     ) -> train_state.TrainState:
  """Trains a classifier of `C`'s architecture on `train_split` for `epochs`
  (default `classifier.epochs`)."""
  batch = config.classifier.batch_size
  n = len(train_split)
  epochs = epochs or config.classifier.epochs
  steps_per_epoch = n // batch
  state = create_state(config, rng, epochs * steps_per_epoch)
  progress = monitoring.Progress('classifier', 0, epochs * steps_per_epoch)
  for epoch in range(epochs):
    order = jax.random.permutation(jax.random.fold_in(rng, epoch), n)
    for i in range(steps_per_epoch):
      ids = order[i * batch:(i + 1) * batch]
      state, loss = train_step(state, train_split.images[ids],
                               train_split.labels[ids])
    progress.update((epoch + 1) * steps_per_epoch, {'loss': float(loss)},
                    epoch + 1)
  return state


def load_or_train(config: ml_collections.ConfigDict, workdir: str,
                  train_split=None, test_split=None) -> train_state.TrainState:
  """`C` from `checkpoints/classifier/`, trained and saved there if missing.

  Only the parameters are saved: `C` is never trained further.
  """
  rng = rngs.key(config.seed, 'classifier')
  template = create_state(config, rng)
  if checkpoints.exists(workdir, NAME):
    return template.replace(
        params=checkpoints.load(workdir, NAME, template.params))
  train_split = train_split or input_pipeline.load_split(config.data, 'train')
  test_split = test_split or input_pipeline.load_split(config.data, 'test')
  if config.classifier.train_size:  # A quick C for smoke runs.
    size = config.classifier.train_size
    train_split = input_pipeline.Split(train_split.images[:size],
                                       train_split.labels[:size])
  state = train_classifier(config, train_split, rng)
  test_accuracy = accuracy(state, test_split)
  logging.info('classifier: test accuracy %.4f', test_accuracy)
  mngr = checkpoints.manager(workdir, NAME)
  checkpoints.save(mngr, int(state.step), state.params)
  mngr.close()
  monitoring.write_json(
      os.path.join(checkpoints.directory(workdir, NAME), 'metrics.json'),
      {'test_accuracy': test_accuracy})
  return state
