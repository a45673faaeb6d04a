import chex
import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gan_unlearn_jax import models


@pytest.mark.parametrize('shape', [(2, 7, 7, 5), (3, 4, 6, 2), (1, 14, 14, 3)])
@pytest.mark.parametrize('features', [1, 4])
def test_phase_conv_transpose_equals_flax_conv_transpose(shape, features):
  x = jax.random.normal(jax.random.key(0), shape)
  reference = nn.ConvTranspose(features, (4, 4), strides=(2, 2), padding='SAME')
  variables = reference.init(jax.random.key(1), x)
  ours = models.PhaseConvTranspose(features).apply(variables, x)
  chex.assert_shape(ours, (shape[0], 2 * shape[1], 2 * shape[2], features))
  np.testing.assert_allclose(ours, reference.apply(variables, x), atol=1e-5)


def test_phase_conv_transpose_gradients_equal_flax():
  x = jax.random.normal(jax.random.key(0), (2, 5, 5, 3))
  reference = nn.ConvTranspose(2, (4, 4), strides=(2, 2), padding='SAME')
  variables = reference.init(jax.random.key(1), x)
  loss = lambda module: lambda v, x: jnp.sum(jnp.sin(module.apply(v, x)))
  ours = jax.grad(loss(models.PhaseConvTranspose(2)), (0, 1))(variables, x)
  theirs = jax.grad(loss(reference), (0, 1))(variables, x)
  chex.assert_trees_all_close(ours, theirs, atol=1e-5)


@pytest.mark.parametrize('image_shape', [(28, 28, 1), (32, 32, 3)])
def test_model_shapes_and_init(image_shape):
  generator = models.Generator(image_shape, base_width=8)
  discriminator = models.Discriminator(base_width=8)
  z = jnp.ones((5, 12))
  g_vars = generator.init(jax.random.key(0), z, train=False)
  images = generator.apply(g_vars, z, train=False)
  chex.assert_shape(images, (5, *image_shape))
  assert float(jnp.abs(images).max()) <= 1.0
  d_vars = discriminator.init(jax.random.key(1), images, train=False)
  chex.assert_shape(discriminator.apply(d_vars, images, train=False), (5,))
  kernel = g_vars['params']['Dense_0']['kernel']
  assert abs(float(kernel.std()) - 0.02) < 0.002  # DCGAN init N(0, 0.02).


def test_classifier_shapes():
  classifier = models.Classifier(feature_dim=16)
  x = jnp.zeros((4, 28, 28, 1))
  variables = classifier.init(jax.random.key(0), x)
  chex.assert_shape(classifier.apply(variables, x), (4, 10))
  chex.assert_shape(
      classifier.apply(variables, x, method=models.Classifier.features),
      (4, 16))
