"""MNIST, class unlearning: the converged default GAN forgets the digit 7.

  python -m gan_unlearn_jax.main --config=configs/mnist_class.py --workdir=W

The same GAN and training as configs/mnist_item.py (a workdir that holds its
original and C reuses them). Alone on a 2-core Intel Xeon CPU: C about 4
minutes, the original 31 minutes, the unlearning under two minutes (5 s of it
the precomputation), each of the five retrains (fewer images) 27-29 minutes,
the evaluation 20 minutes (an AMD EPYC host took about twice as long); one
H200 runs it in `bash benchmarks/gpu.sh` (not yet run). The recorded run
(docs/results.md, "mnist_class", five retrained models): all 712 steps of its
8 passes, 15.9x faster than the retrains (the paper reports up to 185x;
docs/method.md, "Class unlearning", says what limits it); the unlearned model
draws 1.3% 7s (the retrained models 1.4-2.3%), and classifiers trained on its
samples recognise 28-41% of real 7s (three, each on its own samples; on the
retrained models' 16-54%). The retained classes' FCD lies within the
retrained spread (36.1 against 30.8-36.7), their KID above it (116 against
56-100).
"""

from configs import mnist_item


def get_config():
  config = mnist_item.get_config()  # The same GAN, trained as long.
  config.unlearn.request = 'class:7'
  # Five retrained models: the retained classes' FCD and KID are judged
  # against their spread, not one draw.
  config.retrain.num_models = 5
  # D must learn to reject the class. After 490 steps of forgetting the 7s,
  # the stop rule's check measured 2.7% of samples still 7s with `zero`
  # against 5.5% with `generated`; `heldout` keeps the class "real"
  # (on configs/test.py it raised its share of samples from 0.18 to 0.38).
  config.unlearn.fake_label = 'zero'
  # A class check draws `check_size` samples through G and C (0.43 s on a
  # 2-core CPU): every 10 steps. On the third original's three seeds the
  # loop stopped where checks every 5 steps had, with the same models, in
  # 16-24% less loop time (docs/method.md, "Where the defaults came from").
  config.unlearn.check_every = 10
  # C labels 1.4-2.3% of the retrained models' samples 7s (1.9% on average).
  # The check reads a noisy share and stops at its first low reading, so the
  # target lies below their mean: stop below 1.5%, after at most 8 passes...
  config.unlearn.class_rate_stop = 0.015
  config.unlearn.epochs = 8
  # ...and only at a check whose samples of the other digits are within 1.05x
  # the original's FCD: the GAN swings through poor states every few steps
  # (without a guard seed 2 stopped in one, retained-class KID 587), and a
  # check's 1,024 samples read nearer the original than the evaluation's
  # 5,000 (at 1.2, stops that read 1.14x measured 1.30x).
  config.unlearn.fcd_stop_ratio = 1.05
  # Chosen on the probe half over seeds 0-2 (docs/method.md, "Where the
  # defaults came from"): D's step size is what removes the class (D learns
  # that 7s are fake, G follows it), and new Adam moments keep the retained
  # classes. The original's moments at 5e-4 took as many steps but left the
  # retained-class FCD at 1.2-1.7x the retrained model's; new moments at
  # 5e-4 took 315 steps (seed 0); at 1.5e-3 G collapsed within 20.
  config.unlearn.fresh_optimizer = True
  config.unlearn.learning_rate = 1e-3
  # Then both fall linearly to 3e-4 over 700 steps (docs/method.md, "Against
  # the five retrained models"): at 1e-3 throughout the retained classes' FCD
  # and KID stayed above the five retrained models'; at 5e-4 throughout they
  # were within, but the class was not gone (classifiers trained on the
  # samples recognised 77-85% of real 7s; on the retrained models', 26-40%).
  config.unlearn.decay_steps = 700
  config.unlearn.decay_to = 0.3
  # 4,096 class latents (every 7-latent of a pool of 32,768, some twice)
  # and as many anchors, G's running averages on them, a 10x substitution
  # weight. On a third original (docs/method.md, "Where the defaults came
  # from") this pool came nearer the retrained model than one of 262,144
  # (32,768 class latents) on 8 measures of 12 over three seeds, in more
  # steps but a fourteenth of the precomputation (5 s against 71 s). The 7s
  # G keeps are the original's, on latents the set did not hold.
  config.substitution.pool_size = 32768
  config.substitution.num_class_latents = 4096
  config.substitution.num_anchor_latents = 4096
  config.substitution.batch_norm = 'running'
  config.unlearn.lambda_sub = 10.0
  # The loop stops at the first check below the class target, so a noisy
  # check stops early: 512 samples read up to 1.6 points below the
  # evaluation's 5,000 samples; 1,024 took a fifth more steps over three
  # seeds and ended below 4% on each.
  config.unlearn.check_size = 1024
  # Not adopted (docs/method.md, "Where the defaults came from"): two low
  # readings in a row, a 2,048-sample check (its narrower AUC band made
  # one seed overshoot at step 5), a 20-step warmup (the class further gone
  # by the downstream test, the retained classes worse), a moving average
  # of G (unlearn.g_average = 0.9: slower, nearer on 5 measures of 12),
  # anchors most like a 7 (substitution.anchors = 'like_class': nearer on
  # 5 of 12), a batch of 256 (unlearn.batch_size: out of passes on every
  # seed, nearer on 6 of 12, each step 3.7x the cost on a CPU), and on the
  # third original a substitution batch of 256 (nearer on 4 measures of 4
  # on one seed, a step with its checks 2.2x the cost), the forget term's
  # other BatchNorm contexts (out of passes above the class target) and a
  # D twice as fast as G (below the band after 5 steps).
  return config
