"""Metrics over arrays: membership scores, Frechet distance, classifier score.

Pure numpy in float64 on the host: no models, no config, no JAX. A membership
score is higher for "more likely a member"; the functions rank member scores
against non-member scores.
"""

from typing import Sequence

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


def _resampled_aucs(members: np.ndarray, nonmembers: np.ndarray,
                    member_counts: np.ndarray,
                    nonmember_counts: np.ndarray) -> np.ndarray:
  """`roc_auc` of each bootstrap resample, `[num_resamples]`: resample r
  takes member i `member_counts[r, i]` times and non-member j
  `nonmember_counts[r, j]` times, so the AUC is a weighted mean of the
  pairwise comparisons (one matrix product for all resamples)."""
  wins = ((members[:, None] > nonmembers[None, :]) +
          0.5 * (members[:, None] == nonmembers[None, :]))
  weighted = (member_counts @ wins.astype(np.float64)) * nonmember_counts
  return weighted.sum(1) / (len(members) * len(nonmembers))


def _resample_counts(rng: np.random.Generator, size: int,
                     num_resamples: int) -> np.ndarray:
  return rng.multinomial(size, np.full(size, 1.0 / size), num_resamples)


def bootstrap_interval(member_scores, nonmember_scores,
                       num_resamples: int = 1000,
                       seed: int = 0) -> tuple[float, float]:
  """95% percentile-bootstrap interval of `roc_auc(members, nonmembers)`."""
  members, nonmembers = _float64(member_scores), _float64(nonmember_scores)
  rng = np.random.default_rng(seed)
  values = _resampled_aucs(
      members, nonmembers, _resample_counts(rng, len(members), num_resamples),
      _resample_counts(rng, len(nonmembers), num_resamples))
  low, high = np.percentile(values, [2.5, 97.5])
  return float(low), float(high)


def membership(member_scores, nonmember_scores, prefix: str) -> dict:
  """`<prefix>_auc`, its bootstrap `_ci95`, and the TPR at 1% and 0.1% FPR
  with the FPR each threshold realises on these non-members."""
  results = {f'{prefix}_auc': roc_auc(member_scores, nonmember_scores),
             f'{prefix}_auc_ci95': list(bootstrap_interval(member_scores,
                                                           nonmember_scores))}
  for name, fpr in (('1pct', 0.01), ('0.1pct', 0.001)):
    tpr, realised = tpr_at_fpr(member_scores, nonmember_scores, fpr)
    results[f'{prefix}_tpr_at_{name}_fpr'] = tpr
    results[f'{prefix}_realised_fpr_at_{name}'] = realised
  return results
def tpr_at_fpr(member_scores, nonmember_scores,
               fpr: float = 0.01) -> tuple[float, float]:
  """(TPR, realised FPR) at the threshold that flags at most `fpr` of the
  non-members (`[n_nonmembers]`): the share of members (`[n_members]`) and
  of non-members scored above it. With fewer than 1 / `fpr` non-members the
  realised FPR is 0: the TPR is then the TPR at no false positive."""
  nonmembers = np.sort(_float64(nonmember_scores))
  allowed = int(np.floor(fpr * len(nonmembers)))
  threshold = nonmembers[len(nonmembers) - allowed - 1]
  return (float(np.mean(_float64(member_scores) > threshold)),
          float(np.mean(nonmembers > threshold)))


def paired_auc_difference(scores: tuple, references: Sequence[tuple],
                          num_resamples: int = 1000, seed: int = 0) -> dict:
  """`AUC(scores) - mean_k AUC(references[k])`, each a (member scores,
  non-member scores) pair of one model on the same images (row i is one
  image in every pair), and its 95% bootstrap interval: each resample draws
  the same members and non-members for every model, so the interval is of
  the gap itself, not of two independent AUCs."""
  pairs = [tuple(_float64(x) for x in pair) for pair in (scores, *references)]
  rng = np.random.default_rng(seed)
  counts = [_resample_counts(rng, len(x), num_resamples) for x in pairs[0]]
  aucs = [_resampled_aucs(*pair, *counts) for pair in pairs]
  values = aucs[0] - np.mean(aucs[1:], axis=0)
  low, high = np.percentile(values, [2.5, 97.5])
  gap = roc_auc(*pairs[0]) - np.mean([roc_auc(*pair) for pair in pairs[1:]])
  return {'gap': float(gap), 'ci95': [float(low), float(high)]}


def kernel_distance(features_a, features_b,
                    num_blocks: int = 10, seed: int = 0) -> tuple[float, float]:
  """KID: the unbiased squared MMD of `features [n, d]` under the kernel
  `(x.y / d + 1)^3`, averaged over `num_blocks` disjoint random blocks of
  each sample, and its standard error (the blocks are independent). Unlike
  the Frechet distance it is unbiased: two samples of one distribution give
  0 within the standard error, at any sample size."""
  a = np.asarray(features_a, np.float64)
  b = np.asarray(features_b, np.float64)
  size = min(len(a), len(b)) // num_blocks
  if size < 2:
    raise ValueError(f'KID needs {2 * num_blocks} rows of each sample.')
  rng = np.random.default_rng(seed)
  rows_a = rng.permutation(len(a))[:size * num_blocks].reshape(num_blocks, -1)
  rows_b = rng.permutation(len(b))[:size * num_blocks].reshape(num_blocks, -1)
  kernel = lambda x, y: (x @ y.T / a.shape[1] + 1) ** 3
  off_diagonal_mean = lambda k: (k.sum() - np.trace(k)) / (size * (size - 1))
  values = [off_diagonal_mean(kernel(a[i], a[i])) +
            off_diagonal_mean(kernel(b[j], b[j])) -
            2 * kernel(a[i], b[j]).mean() for i, j in zip(rows_a, rows_b)]
  return float(np.mean(values)), float(np.std(values, ddof=1) /
                                       np.sqrt(num_blocks))


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
