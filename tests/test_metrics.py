import numpy as np
import pytest

from gan_unlearn_jax import metrics


def _rotation(d, seed):
  q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(d, d)))
  return q


def test_frechet_distance_matches_the_closed_form():
  mean_a, mean_b = np.array([0.0, 1.0, 2.0]), np.array([1.0, -1.0, 2.5])
  var_a, var_b = np.array([1.0, 4.0, 0.25]), np.array([2.0, 1.0, 0.25])
  closed = (np.sum((mean_a - mean_b)**2) +
            np.sum(var_a + var_b - 2 * np.sqrt(var_a * var_b)))
  # The distance is invariant under a common rotation of both Gaussians.
  rot = _rotation(3, 0)
  got = metrics.frechet_distance_from_moments(
      rot @ mean_a, rot @ np.diag(var_a) @ rot.T, rot @ mean_b,
      rot @ np.diag(var_b) @ rot.T)
  assert got == pytest.approx(closed, rel=1e-9)


def test_frechet_distance_is_stable_for_singular_covariances():
  cov = np.diag([1.0, 0.0, 0.0])  # Rank one.
  assert metrics.frechet_distance_from_moments(
      np.zeros(3), cov, np.zeros(3), cov) == pytest.approx(0, abs=1e-9)
  assert metrics.frechet_distance_from_moments(
      np.zeros(3), cov, np.ones(3), cov) == pytest.approx(3, abs=1e-9)


def test_frechet_distance_of_samples():
  rng = np.random.default_rng(0)
  a = rng.normal(size=(20000, 4))
  assert metrics.frechet_distance(a[:10000], a[10000:]) < 0.01
  shifted = a[10000:] + np.array([2.0, 0, 0, 0])
  assert metrics.frechet_distance(a[:10000], shifted) == pytest.approx(
      4.0, abs=0.1)


def test_classifier_score():
  constant = np.tile(np.eye(10)[3], (100, 1))
  assert metrics.classifier_score(constant) == pytest.approx(1.0)
  confident = np.eye(5)[np.arange(100) % 5]
  assert metrics.classifier_score(confident) == pytest.approx(5.0, rel=1e-6)


def test_membership_auc_of_a_memorising_and_a_blind_discriminator():
  rng = np.random.default_rng(0)
  nonmembers = rng.uniform(0.0, 0.6, 500)
  memorised = rng.uniform(0.7, 1.0, 500)  # Members scored above all others.
  assert metrics.roc_auc(memorised, nonmembers) == 1.0
  assert metrics.tpr_at_fpr(memorised, nonmembers) == 1.0
  alike = rng.uniform(0.0, 0.6, 500)  # Members scored like non-members.
  assert abs(metrics.roc_auc(alike, nonmembers) - 0.5) < 0.05
  assert metrics.tpr_at_fpr(alike, nonmembers) < 0.05
  low, high = metrics.bootstrap_interval(alike, nonmembers, num_resamples=200)
  # 500 against 500 scores: standard error ~0.013, so the interval is ~0.05.
  assert low < metrics.roc_auc(alike, nonmembers) < high
  assert 0.02 < high - low < 0.1
  assert metrics.roc_auc([1.0, 1.0], [1.0, 1.0]) == 0.5  # Ties count half.
  assert metrics.roc_auc([0.1], [0.9]) == 0.0


def test_auc_null_se_is_the_spread_of_aucs_of_alike_scores():
  rng = np.random.default_rng(0)
  aucs = [metrics.roc_auc(rng.normal(size=64), rng.normal(size=512))
          for _ in range(2000)]
  # 64 against 512 scores: 0.0383; 2,000 draws estimate it within ~3%.
  assert np.std(aucs) == pytest.approx(metrics.auc_null_se(64, 512), rel=0.08)
  assert metrics.auc_null_se(64, 512) == pytest.approx(0.0383, abs=1e-4)
