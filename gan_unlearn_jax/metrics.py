"""Metrics over arrays: membership scores, Frechet distance, classifier score.

Pure numpy in float64 on the host: no models, no config, no JAX. A membership
score is higher for "more likely a member"; the functions rank member scores
against non-member scores.
"""

from typing import Callable

import numpy as np


def _float64(scores) -> np.ndarray:
  return np.asarray(scores, np.float64).ravel()


def roc_auc(member_scores, nonmember_scores) -> float:
  """P(member score > non-member score) + 0.5 P(tie): the ROC AUC of scores
  `[n_members]` against `[n_nonmembers]` (any float dtype; float64 inside)."""
  members, nonmembers = _float64(member_scores), _float64(nonmember_scores)
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
  nonmembers = np.sort(_float64(nonmember_scores))
  allowed = int(np.floor(fpr * len(nonmembers)))
  threshold = nonmembers[len(nonmembers) - allowed - 1]
  return float(np.mean(_float64(member_scores) > threshold))


def bootstrap_interval(member_scores, nonmember_scores,
                       statistic: Callable = roc_auc, num_resamples: int = 1000,
                       seed: int = 0) -> tuple[float, float]:
  """95% percentile-bootstrap interval of `statistic(members, nonmembers)`."""
  members, nonmembers = _float64(member_scores), _float64(nonmember_scores)
  rng = np.random.default_rng(seed)
  values = [statistic(rng.choice(members, len(members)),
                      rng.choice(nonmembers, len(nonmembers)))
            for _ in range(num_resamples)]
  low, high = np.percentile(values, [2.5, 97.5])
  return float(low), float(high)


def membership(member_scores, nonmember_scores, prefix: str) -> dict:
  """`<prefix>_auc`, its bootstrap `_ci95` and `_tpr_at_1pct_fpr`."""
  return {f'{prefix}_auc': roc_auc(member_scores, nonmember_scores),
          f'{prefix}_auc_ci95': list(bootstrap_interval(member_scores,
                                                        nonmember_scores)),
          f'{prefix}_tpr_at_1pct_fpr': tpr_at_fpr(member_scores,
                                                  nonmember_scores)}


def squared_distances(queries, keys):
  """Squared L2 distances of rows, `[n_queries, n_keys]`. Array-API neutral:
  numpy in, numpy out; JAX in (also under `jax.jit`), JAX out."""
  return ((queries**2).sum(1)[:, None] - 2 * queries @ keys.T +
          (keys**2).sum(1)[None, :])


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
