"""Metrics over arrays (see METHOD.md, "Evaluation")."""

import numpy as np


def roc_auc(member_scores, nonmember_scores) -> float:
  """P(member score > non-member score) + 0.5 P(tie): the ROC AUC."""
  members = np.asarray(member_scores, np.float64).ravel()
  nonmembers = np.asarray(nonmember_scores, np.float64).ravel()
  scores = np.concatenate([members, nonmembers])
  order = scores.argsort(kind='mergesort')
  ranks = np.empty(len(scores))
  ranks[order] = np.arange(1, len(scores) + 1)
  # Average the ranks of ties.
  unique, inverse, counts = np.unique(scores, return_inverse=True,
                                      return_counts=True)
  rank_sums = np.bincount(inverse, weights=ranks)
  ranks = (rank_sums / counts)[inverse]
  n_m, n_n = len(members), len(nonmembers)
  return float((ranks[:n_m].sum() - n_m * (n_m + 1) / 2) / (n_m * n_n))
