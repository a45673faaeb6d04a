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
  assert metrics.tpr_at_fpr(memorised, nonmembers) == (1.0, 0.01)
  alike = rng.uniform(0.0, 0.6, 500)  # Members scored like non-members.
  assert abs(metrics.roc_auc(alike, nonmembers) - 0.5) < 0.05
  assert metrics.tpr_at_fpr(alike, nonmembers)[0] < 0.05
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


def test_tpr_at_low_fpr_reports_the_fpr_it_realises():
  rng = np.random.default_rng(0)
  members, nonmembers = rng.normal(1, 1, 500), rng.normal(0, 1, 2000)
  tpr, realised = metrics.tpr_at_fpr(members, nonmembers, 0.01)
  assert realised == pytest.approx(0.01, abs=1e-9) and 0.05 < tpr < 0.3
  # 64 non-members cannot show 1% FPR: the threshold is their maximum.
  tpr, realised = metrics.tpr_at_fpr(members, nonmembers[:64], 0.01)
  assert realised == 0.0
  assert tpr == np.mean(members > nonmembers[:64].max())


def test_bootstrap_interval_matches_resampling_by_hand():
  rng = np.random.default_rng(1)
  members, nonmembers = rng.normal(0.5, 1, 80), rng.normal(0, 1, 300)
  low, high = metrics.bootstrap_interval(members, nonmembers)
  by_hand = [metrics.roc_auc(rng.choice(members, 80), rng.choice(nonmembers,
                                                                  300))
             for _ in range(1000)]
  assert low == pytest.approx(np.percentile(by_hand, 2.5), abs=0.015)
  assert high == pytest.approx(np.percentile(by_hand, 97.5), abs=0.015)


def test_paired_gap_interval_covers_the_true_gap_and_zero_for_one_model():
  rng = np.random.default_rng(2)
  n_m, n_n = 200, 1000
  members, nonmembers = rng.normal(size=n_m), rng.normal(size=n_n)
  # Model a ranks members up by 0.5 more than model b (shared noise).
  scores_a = (members + 0.8, nonmembers)
  scores_b = (members + 0.3, nonmembers + 0.02 * rng.normal(size=n_n))
  true_gap = (metrics.roc_auc(*scores_a) - metrics.roc_auc(*scores_b))
  result = metrics.paired_auc_difference(scores_a, [scores_b])
  assert result['gap'] == pytest.approx(true_gap)
  low, high = result['ci95']
  assert low < true_gap < high and low > 0  # A real gap is told apart.
  # Paired, the interval is far narrower than the AUCs' own intervals.
  own = metrics.bootstrap_interval(*scores_a)
  assert high - low < 0.5 * (own[1] - own[0])
  same = metrics.paired_auc_difference(scores_a, [scores_a, scores_a])
  assert same['gap'] == 0 and same['ci95'] == [0.0, 0.0]
  noisy = (scores_a[0] + 0.1 * rng.normal(size=n_m), scores_a[1])
  low, high = metrics.paired_auc_difference(scores_a, [noisy])['ci95']
  assert low < 0 < high


def test_kernel_distance_is_unbiased_where_the_frechet_distance_is_not():
  rng = np.random.default_rng(3)
  a, b = rng.normal(size=(2000, 32)), rng.normal(size=(2000, 32))
  kid, se = metrics.kernel_distance(a, b)
  assert abs(kid) < 3 * se and se > 0
  assert metrics.frechet_distance(a[:500], b[:500]) > 0.5  # The FD's bias.
  shifted, _ = metrics.kernel_distance(a, b + 0.5)
  assert shifted > 10 * se
