"""Named random streams: every purpose draws its key from the seed by name.

Two purposes never share a key, and adding a purpose moves no other stream:
each key is the seed's key folded with a hash of the purpose's name.
"""

import zlib

import jax

STREAMS = (
    'init',             # G's and D's initial parameters.
    'data_order',       # The order of the training examples in each epoch.
    'gan_latents',      # The latents of each GAN training step.
    'sample_grid',      # The fixed latents of the per-epoch sample grids.
    'classifier',       # C's initial parameters and data order.
    'pool',             # The substitution pool's latents.
    'fake_label',       # The latents of the `generated` fake label.
    'checks',           # The latents of the stop rule's class or mark checks.
    'unlearning',       # Batches and latents of the cascaded steps.
    'evaluation',       # The latents every model is evaluated on.
    'reconstruction',   # The starting latents of the reconstruction attack.
    'downstream',       # The downstream classifier's parameters and order.
    'downstream_samples',  # The latents of the later downstream repeats.
)


def key(seed: int, stream: str) -> jax.Array:
  """The PRNG key of `stream` (one of `STREAMS`) for `seed`."""
  if stream not in STREAMS:
    raise ValueError(f'unknown random stream {stream!r}; add it to STREAMS.')
  return jax.random.fold_in(jax.random.key(seed),
                            zlib.crc32(stream.encode()) & 0x7fffffff)
