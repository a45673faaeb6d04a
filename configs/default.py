"""Shared defaults. Dataset configs import this and override a few fields.

Every field can be overridden on the command line, e.g.
`--config.train.epochs=3 --config.unlearn.request=ids:10,14`.
"""

import ml_collections


def get_config() -> ml_collections.ConfigDict:
  config = ml_collections.ConfigDict()
  config.seed = 0
  # train | unlearn | retrain | finetune | evaluate | all
  config.mode = 'all'
  # Join JAX's multi-process runtime (jax.distributed.initialize()) before
  # anything else. The three fields below, left None, are detected from the
  # cluster environment (SLURM, Open MPI, Kubernetes, Cloud TPU).
  config.distributed = False
  config.coordinator_address = ml_collections.config_dict.placeholder(str)
  config.num_processes = ml_collections.config_dict.placeholder(int)
  config.process_id = ml_collections.config_dict.placeholder(int)
  # A folder for JAX's persistent compilation cache (None: off). Later
  # processes load the compiled steps from it instead of compiling them.
  config.compilation_cache_dir = ml_collections.config_dict.placeholder(str)

  config.data = ml_collections.ConfigDict()
  config.data.name = 'mnist'
  # None: tfds's default, which honours the TFDS_DATA_DIR environment variable.
  config.data.data_dir = ml_collections.config_dict.placeholder(str)
  # Prepare the data set on first use when data_dir lacks it (needs internet
  # access and TensorFlow, the [prepare] extra; an unreachable host fails at
  # once). False: never reach the network.
  config.data.download = True
  # The holdout slice: this many training-split images (a fixed draw) that no
  # GAN trains on, the non-members of membership inference; half of them
  # (the probe half) serve the stop rule, the other half the evaluation.
  # 6,000: >= 1,000 evaluation non-members, ~300 of each class.
  config.data.holdout_size = 6000
  config.data.holdout_seed = 0
  # Train on a random subset of this many images outside the holdout slice
  # (None: all of them).
  config.data.train_size = ml_collections.config_dict.placeholder(int)
  config.data.subset_seed = 0
  # The canary audit (docs/method.md): mark this many random training images
  # and show each canary_repeats times per epoch; forget them with
  # unlearn.request = 'canaries'. 0: no canaries.
  config.data.canaries = 0
  config.data.canary_repeats = 1
  config.data.canary_seed = 0

  config.model = ml_collections.ConfigDict()
  config.model.latent_dim = 100
  config.model.g_width = 64
  config.model.d_width = 64

  config.train = ml_collections.ConfigDict()
  config.train.batch_size = 64  # Global batch, split over all devices.
  config.train.epochs = 5
  config.train.learning_rate = 2e-4
  config.train.beta1 = 0.5
  config.train.beta2 = 0.999
  config.train.log_every = 100  # Steps between progress lines and metrics.
  config.train.checkpoint_every = 1000  # Steps between checkpoints.

  config.unlearn = ml_collections.ConfigDict()
  # The forget request, one of (ids index the tfds train split):
  #   'random:64' (64 random training examples; 'random:64:3': seed 3),
  #   'ids:10,14', 'file:ids.json' (a JSON list, or one id a line),
  #   'canaries' (the data.canaries marked images), 'class:7' or 'class:cat'.
  config.unlearn.request = 'random:64'
  # Requests unlearned before it, in order, separated by ';' (item requests;
  # '': none): the request is unlearned from the model that unlearned the
  # last of them, and compared with models retrained without all of them.
  config.unlearn.after = ''
  # True: an item request of a sequence forgets the earlier requests' images
  # again with its own (its forget term, substitutes and stop rule see their
  # union). False: its own only; an earlier request's membership then partly
  # comes back (docs/method.md, "Requests in sequence").
  config.unlearn.reforget_earlier = True
  # The cascaded loop (docs/method.md): every choice is a field.
  config.unlearn.batch_size = 64  # Global forget/remaining/substitution batch.
  config.unlearn.epochs = 50  # At most this many passes over the forget set.
  config.unlearn.cascade = 'interleaved'  # or 'staged'
  # generated | substitute | heldout | zero | matched. `zero` came closest to
  # the retrained models, and fastest, on configs/mnist_item_small.py's probe
  # half over three requests; `matched` where `zero` fails, on the canary
  # audit (docs/method.md, "Where the defaults came from").
  config.unlearn.fake_label = 'zero'
  config.unlearn.lambda_sub = 1.0  # Weight of the per-pixel substitution MSE.
  # How D normalises the forget batch (docs/method.md): 'separate' (a call of
  # its own), 'with_remaining' (one call with the remaining batch) or
  # 'running' (the running averages, as D is attacked and checked).
  config.unlearn.forget_batch_norm = 'separate'
  # True: unlearn with new Adam moments. The original's (False) turn the
  # forget term's first gradients into steps many times the step size, and
  # D swings to scoring every real image as fake; new moments came closer to
  # the retrained models on the probe half (docs/method.md).
  config.unlearn.fresh_optimizer = True
  # Adam's step size while unlearning (None: the original's).
  config.unlearn.learning_rate = ml_collections.config_dict.placeholder(float)
  # D's step size while unlearning (None: unlearn.learning_rate, or else the
  # original's). On class 7 neither a faster nor a slower D than G helped
  # (earlier protocol).
  config.unlearn.d_learning_rate = ml_collections.config_dict.placeholder(
      float)
  # Steps over which both step sizes rise linearly from 1/warmup_steps of
  # theirs (0: none). Needs new Adam moments and unlearn.learning_rate.
  config.unlearn.warmup_steps = 0
  # Then steps over which both fall linearly to `decay_to` of theirs (0:
  # none); they stay there after. Needs what a warmup needs.
  config.unlearn.decay_steps = 0
  config.unlearn.decay_to = 0.1
  # With a decay in (0, 1), the G that the stop rule checks and the request
  # returns is the moving average of G's variables over the steps (the GAN
  # swings every few steps); 0: the last step's G.
  config.unlearn.g_average = 0.0
  config.unlearn.stop = 'heldout_match'  # or 'epochs' (run them all)
  # Steps between stop-rule checks: 1, since 5 steps of the `zero` fake
  # label can push the forget-set AUC from above the limit to far below 0.5.
  config.unlearn.check_every = 1
  config.unlearn.check_size = 512  # Images (and samples) per check.
  # Checks in a row that must hold before the loop stops (1: the first).
  config.unlearn.checks_in_a_row = 1
  # Stop when the forget-set AUC <= 0.5 + max(tolerance, tolerance_se x its
  # standard error when D cannot tell them apart): 64 forget images against
  # 512 probe images have 0.038, so 1.645 (one-sided 95%) allows 0.063.
  config.unlearn.tolerance = 0.02
  config.unlearn.tolerance_se = 1.645
  config.unlearn.class_rate_stop = 0.01  # Class: and forgotten-class rate < this.
  # Class: or, if higher, the share of the probe half's images of the other
  # classes that C assigns to the class. C's own errors put about that share
  # of a model's samples in the class even when it never saw the class; a
  # lower target removes more than the class.
  config.unlearn.class_rate_stop_probe = False
  config.unlearn.canary_rate_stop = 0.01  # Canaries: and marked samples < this.
  # D's steps while the last check found its AUC in the band: 'unlearn' (as
  # before it), 'freeze' (G alone: D stays in the band while G meets the
  # class, canary or quality condition; an ablation: against a D that no
  # longer learns, G's samples get worse, docs/method.md "The canary audit")
  # or 'learn' (D learns remaining against generated images, without its
  # forget term: it keeps up with G and is pushed no further on F; where the
  # freeze failed, it ends in the band, but no nearer the retrained model).
  config.unlearn.d_in_band = 'unlearn'
  # And (0: no such condition) the check samples' FCD to the probe half's
  # images of the kept content (a class: C's other classes) at most this
  # multiple of the original's on the same latents. The unlearning GAN
  # oscillates through states of poor samples; the stop waits for a good one.
  config.unlearn.fcd_stop_ratio = 0.0

  # The gold standard: this many GANs retrained from scratch on the remaining
  # set, the k-th with seed `seed + 1 + k` (the report gives their mean and
  # spread). Each costs a training run.
  config.retrain = ml_collections.ConfigDict()
  config.retrain.num_models = 1
  # Train them as one program vmapped over the models (each as it would be
  # alone, within float tolerance): on an accelerator a small GAN leaves
  # most of the chip idle; on a CPU it is slower (docs/performance.md).
  config.retrain.vmapped = False

  config.substitution = ml_collections.ConfigDict()
  config.substitution.pool_size = 8192  # Random latents to choose from.
  # Substitution latents per step (None: unlearn.batch_size). G remaps the
  # latents it is shown and their neighbours, not the whole class region.
  config.substitution.batch_size = ml_collections.config_dict.placeholder(int)
  config.substitution.distance = 'classifier'  # or 'pixel': item matching.
  config.substitution.invert_steps = 0  # Adam steps of GAN inversion (item).
  config.substitution.invert_learning_rate = 0.05
  config.substitution.num_class_latents = 512  # Class requests: fixed count.
  # Canary requests: the pool latent 'nearest' each canary, or
  # `num_class_latents` of the pool latents whose samples show the mark
  # ('marked': the mark is what G should forget, wherever it draws it).
  config.substitution.canary_latents = 'nearest'
  # Canary requests: each latent's substitute is the nearest pool latent's
  # image without the mark ('nearest', as for items) or its own G0 image
  # with the mark erased ('erased': only the mark changes).
  config.substitution.canary_targets = 'nearest'
  # Pool latents of retained content added to the substitution set with
  # their own G0 images as targets (anchors, docs/method.md; 0: none).
  config.substitution.num_anchor_latents = 0
  # Which: 'spread' (the first allowed pool latents, as the pool draws them)
  # or, for a class request, 'like_class' (those whose samples C finds most
  # like the class: the retained digits nearest it).
  config.substitution.anchors = 'spread'
  config.substitution.target_space = 'latent'  # or 'feature': substitutes.
  # Search each substitute among the first this many pool latents that do not
  # draw forgotten content (None: all of them). The search costs queries x
  # keys; in 100 dimensions the nearest of 16,384 random latents lies about
  # 5% farther than the nearest of 236,000 (a random one: 38% farther).
  config.substitution.search_size = ml_collections.config_dict.placeholder(
      int)
  # How G normalises the substitution batch: 'batch' (its own statistics,
  # which enter the running averages) or 'running' (the running averages, as
  # G samples at inference).
  config.substitution.batch_norm = 'batch'

  config.fake_label = ml_collections.ConfigDict()
  config.fake_label.num_samples = 1024  # Latents for the `generated` mode.
  # `matched`: hold the held-out images at D0's scores ('heldout'), or at
  # those scores shifted in logit space to D0's level of generated images
  # ('generated': the kind, e.g. the canaries' mark, becomes fake to G, and
  # the forget images still rank like held-out ones).
  config.fake_label.matched_level = 'heldout'

  config.evaluation = ml_collections.ConfigDict()
  # What the report measures of each model, by name: one module each in
  # gan_unlearn_jax/evaluators/ (those that do not apply to a request, such
  # as class_rate on an item request, report nothing). `discriminator`: what
  # unlearning leaves of D's judgement of remaining against generated images.
  config.evaluation.evaluators = ('membership', 'reconstruction',
                                  'sample_quality', 'class_rate',
                                  'canary_rate', 'downstream',
                                  'discriminator')
  config.evaluation.num_samples = 5000  # Generated samples per model.
  # Members: at most this many forget images; non-members: the holdout's
  # evaluation half of their kind ('probe': its probe half, on which settings
  # are chosen, docs/method.md).
  config.evaluation.max_members = 1000
  config.evaluation.nonmembers = 'evaluation'
  config.evaluation.num_remaining = 1000  # Remaining images, as members.
  # The reconstruction attack: best of `starts` latents after `steps` Adam
  # steps, on at most `max_images` images of each set (it costs
  # starts x steps passes of G per image).
  config.evaluation.reconstruction_starts = 2
  config.evaluation.reconstruction_steps = 100
  config.evaluation.reconstruction_learning_rate = 0.05
  config.evaluation.reconstruction_max_images = 256
  # Per-class numbers only for classes with at least this many samples.
  config.evaluation.min_class_samples = 200
  config.evaluation.seed = 0  # The same latents for every model.
  # The downstream task: a fresh classifier trained this long on the samples.
  config.evaluation.downstream_epochs = 5
  # This many, each on its own samples: mean and [min, max] (one is a draw;
  # on a class request the forgotten class's accuracy spreads widely).
  config.evaluation.downstream_repeats = 3

  # The evaluation classifier C (LeNet-style on MNIST, a small VGG on CIFAR).
  config.classifier = ml_collections.ConfigDict()
  config.classifier.widths = (32, 64)
  config.classifier.feature_dim = 128
  config.classifier.batch_norm = False  # After each conv (CIFAR-10: True).
  # Random flips and crops of each training batch (CIFAR-10: True).
  config.classifier.augment = False
  config.classifier.epochs = 6  # 99.13% MNIST test accuracy (a canary run).
  # Train C on the first this many training images (None: all of them).
  config.classifier.train_size = ml_collections.config_dict.placeholder(int)
  config.classifier.batch_size = 128
  config.classifier.learning_rate = 1e-3
  return config


def canary_audit(config: ml_collections.ConfigDict,
                 repeats: int) -> ml_collections.ConfigDict:
  """`config` as a canary audit (docs/method.md): 64 marked training images,
  each shown `repeats` times per epoch, are the forget request."""
  config.data.canaries = 64
  config.data.canary_repeats = repeats
  config.unlearn.request = 'canaries'
  config.unlearn.epochs = 300  # One step per pass over 64 canaries.
  # A canary check draws 512 samples through G: every 5 steps.
  config.unlearn.check_every = 5
  # Match substitutes in pixels: C's features hardly see the corner mark, the
  # pixels do, so the substitution latents are the ones that draw it.
  config.substitution.distance = 'pixel'
  return config
