"""Metrics over arrays (METHOD.md, "Evaluation"), in float64 on the host.

Membership inference scores rank forget-set members against held-out
non-members of the same kind: a higher score means "more likely a member".
"""

import dataclasses
from typing import Any, Callable, Optional

import jax
import jax.numpy as jnp
import numpy as np

from gan_unlearn_jax import canaries
from gan_unlearn_jax import classifier
from gan_unlearn_jax import input_pipeline


def roc_auc(member_scores, nonmember_scores) -> float:
  """P(member score > non-member score) + 0.5 P(tie): the ROC AUC of scores
  `[n_members]` against `[n_nonmembers]` (any float dtype; float64 inside)."""
  members = np.asarray(member_scores, np.float64).ravel()
  nonmembers = np.asarray(nonmember_scores, np.float64).ravel()
  scores = np.concatenate([members, nonmembers])
  # Mid-ranks, so that ties count one half.
  _, inverse, counts = np.unique(scores, return_inverse=True,
                                 return_counts=True)
  ranks = (np.cumsum(counts) - (counts - 1) / 2.0)[inverse]
  n_m, n_n = len(members), len(nonmembers)
  return float((ranks[:n_m].sum() - n_m * (n_m + 1) / 2) / (n_m * n_n))


def auc_null_se(num_members: int, num_nonmembers: int) -> float:
  """The standard error of `roc_auc` when members and non-members come from
  one distribution (the Mann-Whitney statistic under the null hypothesis)."""
  n_m, n_n = num_members, num_nonmembers
  return float(np.sqrt((n_m + n_n + 1) / (12.0 * n_m * n_n)))


def tpr_at_fpr(member_scores, nonmember_scores, fpr: float = 0.01) -> float:
  """Share of members (`[n_members]`) scored above the threshold that flags
  at most `fpr` of the non-members (`[n_nonmembers]`)."""
  nonmembers = np.sort(np.asarray(nonmember_scores, np.float64).ravel())
  allowed = int(np.floor(fpr * len(nonmembers)))
  threshold = nonmembers[len(nonmembers) - allowed - 1]
  return float(np.mean(np.asarray(member_scores, np.float64) > threshold))


def bootstrap_interval(member_scores, nonmember_scores,
                       statistic: Callable = roc_auc, num_resamples: int = 1000,
                       seed: int = 0) -> tuple[float, float]:
  """95% percentile-bootstrap interval of `statistic(members, nonmembers)`."""
  members = np.asarray(member_scores, np.float64).ravel()
  nonmembers = np.asarray(nonmember_scores, np.float64).ravel()
  rng = np.random.default_rng(seed)
  values = [statistic(rng.choice(members, len(members)),
                      rng.choice(nonmembers, len(nonmembers)))
            for _ in range(num_resamples)]
  low, high = np.percentile(values, [2.5, 97.5])
  return float(low), float(high)


def _sqrt_psd(matrix: np.ndarray) -> np.ndarray:
  """Square root of a symmetric positive semi-definite matrix (eigh, with
  round-off negatives clipped), stable for near-singular matrices."""
  values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
  return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def frechet_distance_from_moments(mean_a, cov_a, mean_b, cov_b) -> float:
  """||m_a - m_b||^2 + tr(S_a + S_b - 2 (S_a^1/2 S_b S_a^1/2)^1/2)."""
  mean_a, mean_b = np.asarray(mean_a, np.float64), np.asarray(mean_b,
                                                                np.float64)
  cov_a, cov_b = np.asarray(cov_a, np.float64), np.asarray(cov_b, np.float64)
  root_a = _sqrt_psd(cov_a)
  cross = np.linalg.eigvalsh(root_a @ cov_b @ root_a)
  trace_sqrt = np.sqrt(np.clip(cross, 0, None)).sum()
  distance = (np.sum((mean_a - mean_b)**2) + np.trace(cov_a) +
              np.trace(cov_b) - 2 * trace_sqrt)
  return float(max(distance, 0.0))


def frechet_distance(features_a, features_b) -> float:
  """Frechet distance of Gaussians fitted to `features [n, d]` (float64)."""
  a = np.asarray(features_a, np.float64)
  b = np.asarray(features_b, np.float64)
  return frechet_distance_from_moments(a.mean(0), np.cov(a, rowvar=False),
                                       b.mean(0), np.cov(b, rowvar=False))


def classifier_score(probabilities) -> float:
  """exp(E_x KL(p(y|x) || p(y))) of class probabilities `[n, classes]`."""
  p = np.asarray(probabilities, np.float64)
  marginal = p.mean(0, keepdims=True)
  kl = np.sum(p * (np.log(p + 1e-12) - np.log(marginal + 1e-12)), axis=1)
  return float(np.exp(kl.mean()))


# ----------------------------------------------------------------------------
# Models against the forget request.


def squared_distances(queries: jax.Array, keys: jax.Array) -> jax.Array:
  """Squared L2 distances of rows, `[n_queries, n_keys]`."""
  return (jnp.sum(queries**2, 1)[:, None] - 2 * queries @ keys.T +
          jnp.sum(keys**2, 1)[None, :])


@jax.jit
def _nearest_distance(queries: jax.Array, samples: jax.Array) -> jax.Array:
  flat = lambda x: x.reshape(x.shape[0], -1)
  return jnp.sqrt(jnp.maximum(
      jnp.min(squared_distances(flat(queries), flat(samples)), axis=1), 0))


def _nearest_distances(queries, samples, batch_size: int = 256) -> np.ndarray:
  """L2 distance of each query image to its nearest sample, `[n_queries]`."""
  return np.concatenate([np.asarray(_nearest_distance(
      queries[i:i + batch_size], samples))
                         for i in range(0, queries.shape[0], batch_size)])


def membership_metrics(member_scores, nonmember_scores, prefix: str) -> dict:
  low, high = bootstrap_interval(member_scores, nonmember_scores)
  return {f'{prefix}_auc': roc_auc(member_scores, nonmember_scores),
          f'{prefix}_auc_ci95': [low, high],
          f'{prefix}_tpr_at_1pct_fpr': tpr_at_fpr(member_scores,
                                                  nonmember_scores)}


def downstream_accuracy(config, samples, sample_labels,
                        test_split: input_pipeline.Split,
                        forget_class: Optional[int] = None) -> dict:
  """A fresh classifier trained on generated images labelled by `C`, tested
  on the real `test_split` (class requests: retained and forgotten classes
  separately)."""
  state = classifier.train_classifier(
      config, input_pipeline.Split(samples, sample_labels),
      jax.random.key(config.evaluation.seed),
      epochs=config.evaluation.downstream_epochs)
  labels = np.asarray(test_split.labels)
  correct = np.asarray(jnp.argmax(
      classifier.predict_logits(state, test_split.images), -1)) == labels
  if forget_class is None:
    return {'downstream_accuracy': float(correct.mean())}
  forgotten = labels == forget_class
  return {'downstream_accuracy_retained': float(correct[~forgotten].mean()),
          'downstream_accuracy_forgotten': float(correct[forgotten].mean())}


def fcd_per_class(sample_features, sample_classes, real_features, real_labels,
                  classes) -> dict:
  """FCD of each class: samples `C` assigns to it against its real images
  (None where fewer than two samples land in the class)."""
  result = {}
  for name, c in classes.items():
    own = sample_features[sample_classes == c]
    result[name] = (frechet_distance(own, real_features[real_labels == c])
                    if len(own) >= 2 else None)
  return result


@dataclasses.dataclass(frozen=True)
class ModelEvaluation:
  """The metrics of one model, and the arrays that the report draws."""
  metrics: dict[str, Any]
  samples: np.ndarray  # The first 64 samples from the evaluation latents.
  nearest: np.ndarray  # Nearest sample to each of the first 8 forget images.
  membership_scores: dict[str, tuple[np.ndarray, np.ndarray]]


def evaluation_samples(config, g_state) -> jax.Array:
  """G's images of the `evaluation.num_samples` latents every model is
  evaluated on."""
  from gan_unlearn_jax import unlearn  # pylint: disable=g-import-not-at-top
  latents = jax.random.normal(jax.random.key(config.evaluation.seed),
                              (config.evaluation.num_samples,
                               config.model.latent_dim))
  return unlearn.generate(g_state, latents)


def classifier_view(c_state, images) -> tuple[np.ndarray, np.ndarray]:
  """`C`'s class probabilities `[n, classes]` and features `[n, feature_dim]`
  of `images`: what the sample-quality metrics are computed from."""
  probabilities = jax.nn.softmax(classifier.predict_logits(c_state, images))
  return (np.asarray(probabilities),
          np.asarray(classifier.features(c_state, images)))


def sample_quality(config, c_state, samples, request,
                   test_split) -> tuple[dict[str, Any], np.ndarray]:
  """The sample-quality metrics of `samples` (FCD, classifier score, per-class
  FCD; for a class request also the forgotten-class rate and the retained
  classes' FCD), and the class `C` assigns each sample. Real images are the
  evaluation half of the test split."""
  from gan_unlearn_jax import unlearn  # pylint: disable=g-import-not-at-top
  _, eval_ids = unlearn.probe_split(test_split)
  real_labels = np.asarray(test_split.labels)[eval_ids]
  probabilities, sample_features = classifier_view(c_state, samples)
  classes = probabilities.argmax(1)
  real_features = np.asarray(classifier.features(
      c_state, test_split.images[eval_ids]))
  metrics = {'fcd': frechet_distance(sample_features, real_features)}
  if config.data.canaries:
    metrics['canary_rate'] = float(np.mean(canaries.has_mark(samples)))
  metrics['classifier_score'] = classifier_score(probabilities)
  names = input_pipeline.class_names(config.data.name)
  retained = {name: c for c, name in enumerate(names)
              if c != request.forget_class}
  metrics['fcd_per_class'] = fcd_per_class(sample_features, classes,
                                           real_features, real_labels,
                                           retained)
  if request.kind == 'class':
    c = request.forget_class
    metrics['forget_class_rate'] = float(np.mean(classes == c))
    metrics['forget_class_prob'] = float(probabilities[:, c].mean())
    metrics['fcd_retained'] = frechet_distance(
        sample_features[classes != c], real_features[real_labels != c])
  return metrics, classes


def evaluate_model(config, g_state, d_state, c_state, request, train_split,
                   test_split) -> ModelEvaluation:
  """The metrics of one model against a forget request.

  Non-members are held-out images of the same kind as the forget set (the
  request's class for a class request, marked for canaries), from the
  evaluation half of the test split, as many as there are members. Every
  model is evaluated on the same `evaluation.num_samples` latents.
  """
  from gan_unlearn_jax import unlearn  # pylint: disable=g-import-not-at-top
  _, eval_ids = unlearn.probe_split(test_split)
  heldout = unlearn.heldout_images(test_split, eval_ids, request)
  count = min(len(request.forget_ids), len(heldout),
              config.evaluation.max_members)
  members = train_split.images[request.forget_ids[:count]]
  nonmembers = heldout[:count]
  samples = evaluation_samples(config, g_state)
  scores = lambda x: np.asarray(unlearn.discriminator_scores(d_state, x))
  # GAN-Leaks full black-box: closer to a generated sample = member.
  distances = lambda x: -_nearest_distances(x, samples)
  membership_scores = {
      'whitebox': (scores(members), scores(nonmembers)),
      'blackbox': (distances(members), distances(nonmembers))}
  metrics = {'num_members': count}
  for kind, (member, nonmember) in membership_scores.items():
    metrics.update(membership_metrics(member, nonmember, f'mia_{kind}'))

  quality, classes = sample_quality(config, c_state, samples, request,
                                    test_split)
  metrics.update(quality)
  metrics.update(downstream_accuracy(config, samples, jnp.asarray(classes),
                                     test_split, request.forget_class))

  first = members[:8]
  nearest = samples[jnp.argmin(squared_distances(
      first.reshape(len(first), -1), samples.reshape(len(samples), -1)), 1)]
  return ModelEvaluation(metrics, np.asarray(samples[:64]),
                         np.asarray(nearest), membership_scores)
