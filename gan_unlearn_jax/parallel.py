"""Data parallelism over the local devices of every process.

Global batches are split over devices (`local_rows`), gradients and metrics
averaged over them (`mean_over_devices`), and each device draws its share of
one global latent batch (`sample_latents`), so that a pmapped run matches a
one-device run with the same global batch.
"""

from typing import Optional

from flax import jax_utils
import jax

AXIS = 'batch'  # pmap axis name of the data-parallel loops.


def mean_over_devices(tree, axis_name: Optional[str]):
  return tree if axis_name is None else jax.lax.pmean(tree, axis_name)


def sample_latents(rng: jax.Array, local_batch: int, latent_dim: int,
                   axis_name: Optional[str]) -> jax.Array:
  """This device's share of a global batch of N(0, I) latents.

  The global batch is drawn from `rng` and sliced by device, so a pmapped run
  sees exactly the latents of a one-device run with the same global batch.
  """
  if axis_name is None:
    return jax.random.normal(rng, (local_batch, latent_dim))
  devices = jax.lax.psum(1, axis_name)
  z = jax.random.normal(rng, (devices * local_batch, latent_dim))
  return jax.lax.dynamic_slice_in_dim(
      z, jax.lax.axis_index(axis_name) * local_batch, local_batch)


_pmap_identity = jax.pmap(lambda tree: tree, axis_name=AXIS)


def replicate(tree):
  """Copies `tree` to every local device, with a leading device axis.

  The copy has the layout of a pmapped function's own outputs, so the first
  call of a pmapped step does not compile a second time on the second call
  (flax's `replicate` alone gives a layout that pmap reshards and recompiles).
  """
  return _pmap_identity(jax_utils.replicate(tree))


def local_rows(rows: jax.Array, axis_name: str) -> jax.Array:
  """This device's columns of `rows [..., global_batch]`."""
  local = rows.shape[-1] // jax.lax.psum(1, axis_name)
  return jax.lax.dynamic_slice_in_dim(
      rows, jax.lax.axis_index(axis_name) * local, local, axis=-1)
