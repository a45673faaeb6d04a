"""The evaluation classifier `C`: trained once by the project, saved, reused.

`C` labels generated images (class substitution, class-unlearning metrics,
the downstream task's labels) and provides the feature space of the Frechet
distance (FCD) and of the item-substitution nearest-neighbour search.
"""

import functools
import os
from typing import Any, Optional

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


class TrainState(train_state.TrainState):
  """`C`'s training state with its BatchNorm statistics (empty without
  `classifier.batch_norm`)."""
  batch_stats: Any

  @property
  def variables(self) -> dict[str, Any]:
    return {'params': self.params, 'batch_stats': self.batch_stats}


def create_classifier(config: ml_collections.ConfigDict) -> models.Classifier:
  return models.Classifier(len(input_pipeline.class_names(config.data.name)),
                           tuple(config.classifier.widths),
                           config.classifier.feature_dim,
                           config.classifier.batch_norm)


@functools.lru_cache  # One optimizer object: equal states, one compilation.
def _adam(learning_rate: float, num_steps: int) -> optax.GradientTransformation:
  return optax.adam(optax.cosine_decay_schedule(learning_rate, num_steps))


@functools.partial(jax.jit, static_argnums=0)  # Compiled once per model.
def _init_variables(model: flax.linen.Module, rng: jax.Array,
                    dummy: jax.Array):
  return model.init(rng, dummy)


def create_state(config: ml_collections.ConfigDict, rng: jax.Array,
                 num_steps: int = 1) -> TrainState:
  """A fresh `C`, with Adam whose learning rate decays to 0 over `num_steps`
  (a cosine; the length does not change the state's structure)."""
  model = create_classifier(config)
  shape = input_pipeline.image_shape(config.data.name)
  variables = _init_variables(model, rng, jnp.zeros((1, *shape)))
  return TrainState.create(
      apply_fn=model.apply, params=variables['params'],
      batch_stats=variables.get('batch_stats', {}),
      tx=_adam(config.classifier.learning_rate, num_steps))


def augment(rng: jax.Array, images: jax.Array) -> jax.Array:
  """Random horizontal flips and random 32x32 crops of the images padded
  by 4 reflected pixels (the standard CIFAR-10 augmentation)."""
  flip_rng, crop_rng = jax.random.split(rng)
  n, height, width, channels = images.shape
  flip = jax.random.bernoulli(flip_rng, 0.5, (n, 1, 1, 1))
  images = jnp.where(flip, images[:, :, ::-1], images)
  padded = jnp.pad(images, ((0, 0), (4, 4), (4, 4), (0, 0)), mode='reflect')
  offsets = jax.random.randint(crop_rng, (n, 2), 0, 9)
  crop = lambda image, offset: jax.lax.dynamic_slice(
      image, (offset[0], offset[1], 0), (height, width, channels))
  return jax.vmap(crop)(padded, offsets)


@functools.partial(jax.jit, static_argnums=4, donate_argnums=0)
def train_step(state: TrainState, images: jax.Array, labels: jax.Array,
               rng: jax.Array, augmented: bool = False
               ) -> tuple[TrainState, jax.Array]:
  """One Adam step on a batch (`augmented`: flipped and cropped first)."""
  if augmented:
    images = augment(rng, images)
  def loss_fn(params):
    logits, updates = state.apply_fn(
        {'params': params, 'batch_stats': state.batch_stats}, images,
        train=True, mutable=['batch_stats'])
    loss = optax.softmax_cross_entropy_with_integer_labels(logits, labels)
    return loss.mean(), updates.get('batch_stats', {})
  (loss, batch_stats), grads = jax.value_and_grad(
      loss_fn, has_aux=True)(state.params)
  state = state.apply_gradients(grads=grads)
  return state.replace(batch_stats=batch_stats), loss


@jax.jit
def _logits(state: TrainState, images: jax.Array) -> jax.Array:
  return state.apply_fn(state.variables, images)


@jax.jit
def _features(state: TrainState, images: jax.Array) -> jax.Array:
  return state.apply_fn(state.variables, images,
                        method=models.Classifier.features)


def predict_logits(state: TrainState,
                   images: jax.Array) -> jax.Array:
  """`images [n, H, W, C]` in [-1, 1] -> logits `[n, num_classes]`."""
  return sampling.batched(functools.partial(_logits, state), images)


def features(state: TrainState, images: jax.Array) -> jax.Array:
  """`images [n, H, W, C]` -> penultimate features `[n, feature_dim]`."""
  return sampling.batched(functools.partial(_features, state), images)


def accuracy(state, split: input_pipeline.Split) -> float:
  predictions = jnp.argmax(predict_logits(state, split.images), -1)
  return float(jnp.mean(predictions == split.labels))


def train_classifier(config: ml_collections.ConfigDict, train_split,
                     rng: jax.Array, epochs: Optional[int] = None
                     ) -> TrainState:
  """Trains a classifier of `C`'s architecture on `train_split` for `epochs`
  (default `classifier.epochs`)."""
  batch = config.classifier.batch_size
  n = len(train_split)
  epochs = epochs or config.classifier.epochs
  steps_per_epoch = n // batch
  state = create_state(config, rng, epochs * steps_per_epoch)
  progress = monitoring.Progress('classifier', 0, epochs * steps_per_epoch)
  augment_rng = jax.random.fold_in(rng, 2**31 - 1)  # No epoch's index.
  for epoch in range(epochs):
    order = jax.random.permutation(jax.random.fold_in(rng, epoch), n)
    for i in range(steps_per_epoch):
      ids = order[i * batch:(i + 1) * batch]
      state, loss = train_step(
          state, train_split.images[ids], train_split.labels[ids],
          jax.random.fold_in(augment_rng, epoch * steps_per_epoch + i),
          config.classifier.augment)
    progress.update((epoch + 1) * steps_per_epoch, {'loss': float(loss)},
                    epoch + 1)
  return state


def recorded_test_accuracy(workdir: str) -> Optional[float]:
  """`C`'s test accuracy, measured when it was trained into `workdir`."""
  metrics = monitoring.read_json(
      os.path.join(checkpoints.directory(workdir, NAME), 'metrics.json'))
  return None if metrics is None else metrics['test_accuracy']


def load_or_train(config: ml_collections.ConfigDict, workdir: str,
                  train_split=None, test_split=None) -> TrainState:
  """`C` from `checkpoints/classifier/`, trained and saved there if missing.

  Only the variables are saved (parameters and BatchNorm statistics): `C`
  is never trained further.
  """
  rng = rngs.key(config.seed, 'classifier')
  template = create_state(config, rng)
  if checkpoints.exists(workdir, NAME):
    variables = checkpoints.load(workdir, NAME, template.variables)
    return template.replace(**variables)
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
  checkpoints.save(mngr, int(state.step), state.variables)
  mngr.close()
  monitoring.write_json(
      os.path.join(checkpoints.directory(workdir, NAME), 'metrics.json'),
      {'test_accuracy': test_accuracy})
  return state
