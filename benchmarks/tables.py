r"""Tables of the recorded runs, generated from the JSON under `results/`.

  python -m benchmarks.tables [--check]

Writes `docs/results.md` from `results/<run>/report.json` (a section per run:
its command, commit, date and hardware, then its numbers), the README's summary
table of the headline runs (`results/<config>/`, `results/<config>-gpu/`; other
folders are ablations, `results/<config>-<variant>/`), and the tables of
docs/performance.md from `results/benchmarks/` (`steps-*.json`:
benchmarks.steps; `speedup-*.json`: benchmarks.speedup;
`convergence-*.json`: benchmarks.convergence; on
docs/results.md, `distribution_gap-*.json`: benchmarks.distribution_gap,
`spread-*.json`: benchmarks.spread, `screen-*.json`: benchmarks.screen), each
between `<!-- <name>:begin -->` and `<!-- <name>:end -->`. `--check` writes
nothing and fails when a page is out of date. No number in them is typed by
hand.
"""

import json
import pathlib
import statistics
import sys

from absl import app
from absl import flags

from configs import default

ROOT = pathlib.Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / 'results' / 'benchmarks'
ATTACKS = (('whitebox', 'D white-box'), ('blackbox', 'G black-box'),
           ('reconstruction', 'G reconstruction'),
           ('reconstruction_calibrated', 'G reconstruction, calibrated'))

FLAGS = flags.FLAGS


def load_reports(results: pathlib.Path) -> dict[str, dict]:
  return {path.parent.name: json.loads(path.read_text())
          for path in sorted(results.glob('*/report.json'))}


def unlearning_summary(record: dict) -> str:
  """How an unlearning ended, from its record: steps and the stop band."""
  if record['no_step_needed']:
    return 'no step needed'
  if record['overshoot']:
    return (f"overshoot after {record['steps_run']} steps, kept "
            f"{record['steps']}")
  steps = f"{record['steps']} step" + ('s' if record['steps'] != 1 else '')
  return steps + (', in band' if record['in_band'] else ', band not reached')


def _against_retrained(report: dict, key: str, digits: int = 3) -> str:
  """`unlearned / retrained mean [min, max]`."""
  metrics = report['metrics']
  if key not in metrics.get('unlearned', {}):
    return 'n/a'
  low, high = report['retrained_spread'][key]
  return (f"{metrics['unlearned'][key]:.{digits}f} / "
          f"{metrics['retrained'][key]:.{digits}f} "
          f"[{low:.{digits}f}, {high:.{digits}f}]")


def _downstream(report: dict, key: str = 'downstream_accuracy_forgotten'
                ) -> str:
  """`unlearned mean [min, max] / retrained mean [min, max]` over the
  downstream repeats (and the retrained models), where they were repeated."""
  metrics = report['metrics']
  if f'{key}_range' not in metrics.get('unlearned', {}):
    return _against_retrained(report, key)
  ranges = [m[f'{key}_range'] for m in metrics['retrained_models']]
  low, high = min(r[0] for r in ranges), max(r[1] for r in ranges)
  unlearned_low, unlearned_high = metrics['unlearned'][f'{key}_range']
  return (f"{metrics['unlearned'][key]:.3f} [{unlearned_low:.3f}, "
          f"{unlearned_high:.3f}] / {metrics['retrained'][key]:.3f} "
          f"[{low:.3f}, {high:.3f}]")


def _gap(report: dict, attack: str) -> str:
  gap = report['membership_gaps'].get('unlearned', {}).get(attack)
  if gap is None:
    return 'n/a'
  low, high = gap['ci95']
  return f"{gap['gap']:+.3f} [{low:+.3f}, {high:+.3f}]"


def _speedup(report: dict) -> str:
  if report['speedup'] is None:
    return 'none (no step)' if report['unlearning']['steps'] == 0 else 'n/a'
  with_c = report['speedup_with_classifier']
  return f"{report['speedup']:.1f}x" + (f' ({with_c:.1f}x with C)'
                                         if with_c else '')


def summary_table(reports: dict[str, dict]) -> str:
  """One row per run: the unlearned model against the retrained ones."""
  if not reports:
    return 'No recorded runs yet.\n'
  attacks = [(attack, name) for attack, name in ATTACKS  # Any run has it.
             if any(attack in r['membership_gaps'].get('unlearned', {})
                    for r in reports.values())]
  lines = ['| run | forget set | unlearning | '
           + ' | '.join(f'{name} AUC gap [95%]' for _, name in attacks)
           + ' | remaining D AUC gap | speed-up |',
           '|---' * (5 + len(attacks)) + '|']
  for name, report in reports.items():
    request = report['request']
    lines.append(
        f'| [{name}](docs/results.md#{name}) | '
        f"{request['num_forget']} ({request['name']}) | "
        f"{unlearning_summary(report['unlearning'])} | "
        + ' | '.join(_gap(report, attack) for attack, _ in attacks)
        + f" | {_gap(report, 'whitebox_remaining')} | {_speedup(report)} |")
  return '\n'.join(lines) + '\n'


def _section(name: str, report: dict) -> list[str]:
  stamp = report['provenance']
  metrics = report['metrics']
  unlearned = metrics.get('unlearned', {})
  num_retrained = len(metrics.get('retrained_models', []))
  half = report['config']['evaluation'].get('nonmembers', 'evaluation')
  lines = [
      f'## {name}', '',
      f"- command: `{stamp['command']}`",
      f'- {_stamp(report)}',
      f"- original: {report['training']['epochs']} epochs, "
      f"{report['training']['steps']} steps on "
      f"{report['training']['examples']} images; holdout "
      f"{report['holdout']['size']} images ({report['holdout']['probe']} "
      f"probe, {report['holdout']['evaluation']} evaluation)",
      f"- request `{report['request']['name']}`: "
      f"{unlearning_summary(report['unlearning'])}; "
      f"probe AUC {report['unlearning']['stop_auc']:.3f} "
      f"[{report['unlearning']['stop_auc_ci95'][0]:.3f}, "
      f"{report['unlearning']['stop_auc_ci95'][1]:.3f}], band "
      f"[{report['unlearning']['forget_auc_band'][0]:.3f}, "
      f"{report['unlearning']['forget_auc_band'][1]:.3f}]",
      '- ' + (f"{unlearned['num_members']} members against "
              f"{unlearned['num_nonmembers']} holdout non-members ({half}"
              f" half); {unlearned['num_remaining']} remaining images; "
              if 'num_members' in unlearned else 'no membership attacks; ')
      + f"{num_retrained} retrained models; {report['num_samples']} samples "
      'a model',
      "- seconds: " + ', '.join(f'{k} {v:.0f}' for k, v in
                                 sorted(report['timings_s'].items()))
      + f"; speed-up {_speedup(report)}", '',
      '| metric | original | unlearned | fine-tuned | retrained mean '
      '[min, max] | unlearned: position |', '|---|---|---|---|---|---|']
  keys = [f'mia_{attack}{suffix}_auc' for attack, _ in ATTACKS
          for suffix in ('', '_remaining', '_earlier')] + [
              'mia_whitebox_tpr_at_1pct_fpr', 'reconstruction_error_forget',
              'fcd', 'kid', 'classifier_score', 'downstream_accuracy',
              'forget_class_rate', 'downstream_accuracy_forgotten',
              'fcd_retained', 'kid_retained', 'canary_rate',
              'd_real_vs_generated_auc', 'd_remaining_score']
  cell = lambda model, key: (f'{metrics[model][key]:.4g}'
                             if key in metrics.get(model, {}) else 'n/a')
  for key in keys:
    if key not in report['retrained_spread']:
      continue
    low, high = report['retrained_spread'][key]
    lines.append(f"| {key} | {cell('original', key)} | "
                 f"{cell('unlearned', key)} | {cell('finetuned', key)} | "
                 f"{cell('retrained', key)} [{low:.4g}, {high:.4g}] | "
                 f"{report['position'].get('unlearned', {}).get(key, 'n/a')} |")
  attacks = report['membership_gaps'].get('unlearned', {})
  if not attacks:
    return lines + ['']
  lines += ['', 'Membership AUC gap to the retrained mean, paired bootstrap '
            '95% interval:', '', '| model | ' + ' | '.join(attacks) + ' |',
            '|---' * (1 + len(attacks)) + '|']
  for model, gaps in report['membership_gaps'].items():
    lines.append(f'| {model} | ' + ' | '.join(
        f"{g['gap']:+.3f} [{g['ci95'][0]:+.3f}, {g['ci95'][1]:+.3f}]"
        for g in gaps.values()) + ' |')
  return lines + ['']


def _flat(config: dict, prefix: str = '') -> dict:
  flat = {}
  for key, value in config.items():
    if isinstance(value, dict):
      flat.update(_flat(value, f'{prefix}{key}.'))
    else:
      flat[f'{prefix}{key}'] = value
  return flat


# How a run was started and where its data came from, not what it measured.
NOT_THE_EXPERIMENT = ('mode', 'data.download', 'data.data_dir',
                      'compilation_cache_dir', 'distributed',
                      'coordinator_address', 'num_processes', 'process_id')


# Fields the code has since replaced: a recorded value, as the new field's.
RENAMED = {'unlearn.freeze_d_in_band': lambda frozen: (
    'unlearn.d_in_band', 'freeze' if frozen else 'unlearn')}


def _renamed(config: dict) -> dict:
  return dict(RENAMED[k](v) if k in RENAMED else (k, v)
              for k, v in config.items())


def differing_fields(config: dict, base: dict) -> dict[str, tuple]:
  """{dotted field: (its value in `config`, in `base`)} where two configs (as
  reports record them) differ in what they measure; a field that one of them
  predates counts at its default (a new field's default keeps the behaviour
  from before it)."""
  defaults = _flat(json.loads(json.dumps(default.get_config().to_dict())))
  config, base = ({**defaults, **_renamed(_flat(c))} for c in (config, base))
  return {k: (config[k], base[k]) for k in sorted(config.keys() & base.keys())
          if k not in NOT_THE_EXPERIMENT and config[k] != base[k]}


def _changes(run: dict, base: dict) -> str:
  """The config fields in which `run` differs from `base`."""
  return ', '.join(f'`{k}={mine}`' for k, (mine, _) in differing_fields(
      run['config'], base['config']).items()) or 'nothing'


def _base_of(run: str, reports: dict[str, dict]):
  """The headline run an ablation `<config>-<variant>` varies, if recorded."""
  parts = run.split('-')
  for end in range(len(parts) - 1, 0, -1):
    base = '-'.join(parts[:end])
    if base in reports and is_headline(base):
      return base
  return None


def _beside_their_runs(reports: dict[str, dict],
                       keep=lambda report: True):
  """(run, report, changes) of each headline run that has ablations (and
  that `keep` accepts), then of its ablations: the rows of an ablation
  table."""
  for base in (run for run in reports
               if is_headline(run) and keep(reports[run])):
    variants = [run for run in reports if _base_of(run, reports) == base]
    if not variants:
      continue
    for run in [base] + variants:
      yield run, reports[run], ('(the run itself)' if run == base
                                else _changes(reports[run], reports[base]))


def ablation_table(reports: dict[str, dict]) -> str:
  """Each ablation beside the headline run of its config."""
  lines = ['| run | differs from its config\'s run in | unlearning | probe '
           'AUC [95%] | D white-box AUC gap [95%] | remaining D AUC gap | '
           'earlier requests\' D AUC gap | KID: unlearned / retrained '
           '[min, max] | speed-up |', '|---' * 9 + '|']
  for run, report, changes in _beside_their_runs(reports):
    record = report['unlearning']
    low, high = record['stop_auc_ci95']
    lines.append(
        f'| [{run}](#{run}) | {changes} | {unlearning_summary(record)} | '
        f"{record['stop_auc']:.3f} "
        f"[{low:.3f}, {high:.3f}] | {_gap(report, 'whitebox')} | "
        f"{_gap(report, 'whitebox_remaining')} | "
        f"{_gap(report, 'whitebox_earlier')} | "
        f"{_against_retrained(report, 'kid', 1)} | {_speedup(report)} |")
  return '\n'.join(lines) + '\n'


def class_ablation_table(reports: dict[str, dict]) -> str:
  """The class requests' ablations beside their run: what decides whether
  the class is gone, which the membership columns do not show."""
  lines = ['Class requests, with what decides whether the class is gone '
           '(unlearned / retrained mean [min, max]; the downstream accuracy '
           'with the [min, max] of its repeated trainings, where repeated):',
           '',
           '| run | differs from its config\'s run in | unlearning | '
           'class rate | retained-class FCD | retained-class KID | '
           'downstream accuracy on the class | speed-up |',
           '|---' * 8 + '|']
  for run, report, changes in _beside_their_runs(
      reports, lambda report: report['request']['kind'] == 'class'):
    lines.append(
        f'| [{run}](#{run}) | {changes} | '
        f"{unlearning_summary(report['unlearning'])} | "
        + ' | '.join(_against_retrained(report, key, digits)
                     for key, digits in (('forget_class_rate', 3),
                                         ('fcd_retained', 1),
                                         ('kid_retained', 1)))
        + f' | {_downstream(report)} | {_speedup(report)} |')
  return '\n'.join(lines) + '\n' if len(lines) > 4 else ''


def distribution_gap_table(run: dict) -> str:
  """A benchmarks.distribution_gap run: each model's AUC of each
  comparison, with its interval and counts (positives / negatives)."""
  comparisons = [key for key in run['rows'][0] if key != 'model']
  label = lambda key: key.replace('_vs_', ' vs ')
  lines = [f"{_stamp(run)}. Request `{run['request']}`.", '',
           f"```bash\n{run['provenance']['command']}\n```", '',
           '| model | ' + ' | '.join(
               f"{label(c)} ({'/'.join(map(str, run['rows'][0][c]['n']))})"
               for c in comparisons) + ' |', '|---' * (len(comparisons) + 1)
           + '|']
  for row in run['rows']:
    lines.append(f"| {row['model']} | " + ' | '.join(
        f"{row[c]['auc']:.3f} [{row[c]['ci95'][0]:.3f}, "
        f"{row[c]['ci95'][1]:.3f}]" for c in comparisons) + ' |')
  return '\n'.join(lines) + '\n'


def spread_table(run: dict) -> str:
  """A benchmarks.spread run: each model's sample quality, and for a class
  its share of the samples and where those come from."""
  forget_class = run['forget_class']
  header = '| model | steps | FCD | classifier score |'
  if forget_class is not None:
    header += (f' class {forget_class} rate | FCD of the other classes |'
               " of them on the original's class latents |")
  lines = [header, '|---' * header.count(' |') + '|']
  for r in run['rows']:
    line = (f"| {r['model']} | {r['steps']} | {r['fcd']:.2f} | "
            f"{r['classifier_score']:.2f} |")
    if forget_class is not None:
      share = r['on_original_class']
      line += (f" {r['forget_class_rate']:.4f} | {r['fcd_retained']:.2f} | "
               f"{'-' if share is None else f'{share:.2f}'} |")
    lines.append(line)
  return '\n'.join(lines) + '\n'


def screen_table(screen: dict) -> str:
  """A benchmarks.screen run: how each seed's unlearning ended, then the
  unlearned models' numbers beside the recorded retrained models' (the
  attacks' AUCs, not their rates at fixed false-positive rates), each marked
  where it lies outside their [min, max]."""
  seeds = screen['seeds']
  lines = [f"- seed {seed}: {unlearning_summary(record)} "
           f"({record['loop_s']:.1f} s loop, {record['precompute_s']:.1f} s "
           'precomputation)' for seed, record in zip(seeds,
                                                     screen['unlearning'])]
  lines += ['', f"Against {screen['against']} ({screen['num_retrained']} "
            'retrained models):', '',
            '| metric | ' + ' | '.join(f'seed {seed}' for seed in seeds)
            + ' | retrained mean [min, max] |', '|---' * (len(seeds) + 2) + '|']
  for r in screen['rows']:
    if 'pct' in r['metric'] or r['metric'].startswith('num_'):
      continue
    cells = [f'{value:.4g}' + ('' if where == 'within' else f' ({where})')
             for value, where in zip(r['unlearned'], r['where'])]
    lines.append(f"| {r['metric']} | {' | '.join(cells)} | "
                 f"{r['retrained']:.4g} [{r['retrained_min']:.4g}, "
                 f"{r['retrained_max']:.4g}] |")
  return '\n'.join(lines) + '\n'


def _recorded_sections(kind: str, table) -> list[str]:
  """A section per `results/benchmarks/<kind>-<name>.json`: its stamp, its
  command and `table(run)`."""
  return [f"### {name}\n\n{_stamp(run)}.\n\n```bash\n"
          f"{run['provenance']['command']}\n```\n\n{table(run)}"
          for name, run in _benchmark_runs(kind).items()
          ] or ['No run recorded yet.\n']


def results_page(reports: dict[str, dict]) -> str:
  lines = ['# Results', '',
           'Generated by `python -m benchmarks.tables` from '
           '`results/<run>/report.json`; do not edit by hand. Each run is the '
           'unlearned model against the distribution of models retrained '
           'from scratch without the forget set; membership is measured '
           'against holdout non-members (docs/method.md).', '',
           summary_table(reports).replace('(docs/results.md#', '(#'), '',
           '## Ablations', '',
           'Runs that vary one config\'s recorded run '
           '(`results/<config>-<variant>/`), beside it. The probe AUC is the '
           'stop rule\'s, on the holdout\'s probe half, where settings are '
           'chosen; the gaps are on the evaluation half, except in runs that '
           'change `evaluation.nonmembers` to `probe` (those that chose the '
           'defaults).', '',
           ablation_table(reports), class_ablation_table(reports),
           '## Holdout or test split as non-members',
           '', 'D\'s white-box AUC of sets no model trained on, by '
           '`python -m benchmarks.distribution_gap` '
           '(`results/benchmarks/distribution_gap-<config>.json`): whether '
           'test images would serve as non-members as well as the holdout '
           'slice does (docs/method.md).', '']
  lines += [f'### {name}\n\n{distribution_gap_table(run)}'
            for name, run in _benchmark_runs('distribution_gap').items()
            ] or ['No run recorded yet.\n']
  lines += ['## Sample quality side by side', '',
            'Every model of a workdir on the same latents, by `python -m '
            'benchmarks.spread` (`results/benchmarks/spread-<config>.json`). '
            "For a class: of the samples `C` assigns to it, the share drawn "
            "from latents where the original draws the class too (the "
            "original's class left in place, or class-like samples made "
            'anew).', '']
  lines += _recorded_sections('spread', spread_table)
  lines += ['## Screens', '',
            'Settings screened by `python -m benchmarks.screen` '
            '(`results/benchmarks/screen-<name>.json`): candidates on the '
            'probe half, or a chosen setting on another original; each '
            "seed's unlearned model alone, beside a recorded run's retrained "
            'models.', '']
  lines += _recorded_sections('screen', screen_table)
  for name, report in reports.items():
    lines += _section(name, report)
  return '\n'.join(lines)


def is_headline(run: str) -> bool:
  """A run of a config as it is (`<config>` or `<config>-gpu`), not an
  ablation of one (`<config>-<variant>`)."""
  return (ROOT / 'configs' / f"{run.removesuffix('-gpu')}.py").exists()


def _with_block(text: str, name: str, content: str) -> str:
  """`text` with `content` between its `name` block's markers."""
  begin, end = f'<!-- {name}:begin -->', f'<!-- {name}:end -->'
  before, rest = text.split(begin, 1)
  _, after = rest.split(end, 1)
  return f'{before}{begin}\n{content}{end}{after}'


def readme_with_table(readme: str, reports: dict[str, dict]) -> str:
  """The README with the headline runs' summary (ablations: results.md)."""
  headline = {run: r for run, r in reports.items() if is_headline(run)}
  return _with_block(readme, 'results', summary_table(headline))


def _stamp(run: dict) -> str:
  stamp = run['provenance']
  hardware = stamp['hardware']
  return (f"{hardware['devices']} ({hardware['cpu']}), jax {stamp['jax']}, "
          f"{stamp['date'][:10]}, commit {stamp['commit']}"
          + (f"; {stamp['note']}" if 'note' in stamp else ''))


def _number(value, digits: str = '.1f') -> str:
  return 'n/a' if value is None else format(value, digits)


def speedup_table(run: dict) -> str:
  """A benchmarks.speedup run: each request cold and warm."""
  lines = [f"Original: {run['training']}. Peak host memory (RSS) of the whole "
           f"run: {run['peak_host_gib']:.2f} GiB.", '',
           '| request | unlearn steps | unlearn s (cold / warm) | retrain s | '
           'speed-up (cold / warm) | quality: unlearned vs retrained |',
           '|---|---|---|---|---|---|']
  for r in run['rows']:
    if r['kind'] == 'item':
      quality = (f"white-box AUC {r['whitebox_auc'][0]:.3f} vs "
                 f"{r['whitebox_auc'][1]:.3f}, black-box AUC "
                 f"{r['blackbox_auc'][0]:.3f} vs {r['blackbox_auc'][1]:.3f}, "
                 f"FCD ratio {r['fcd_ratio']:.2f} (original "
                 f"{r['fcd_ratio_original']:.2f})")
    else:
      quality = (f"forgotten-class rate {r['forget_class_rate'][0]:.3f} vs "
                 f"{r['forget_class_rate'][1]:.3f}, retained FCD ratio "
                 f"{r['fcd_retained_ratio']:.2f} (original "
                 f"{r['fcd_retained_ratio_original']:.2f})")
    lines.append(
        f"| {r['request']} | {r['unlearn_steps']} | {r['unlearn_cold_s']:.1f} "
        f"/ {r['unlearn_warm_s']:.1f} | {_number(r['retrain_s'])} | "
        f"{_number(r['speedup_cold'])}x / {_number(r['speedup_warm'])}x | "
        f"{quality} |")
  items = [r for r in run['rows'] if r['kind'] == 'item']
  if items:
    auc = lambda kind, model: statistics.fmean(i[f'{kind}_auc'][model]
                                               for i in items)
    gap = lambda kind: statistics.fmean(
        abs(i[f'{kind}_auc'][0] - i[f'{kind}_auc'][1]) for i in items)
    lines += ['', f'Item requests ({len(items)}): mean |AUC(unlearned) - '
              f"AUC(retrained)| white-box {gap('whitebox'):.3f}, black-box "
              f"{gap('blackbox'):.3f}; mean AUC unlearned vs retrained: "
              f"white-box {auc('whitebox', 0):.3f} vs "
              f"{auc('whitebox', 1):.3f}, black-box "
              f"{auc('blackbox', 0):.3f} vs {auc('blackbox', 1):.3f}."]
  return '\n'.join(lines) + '\n'


def steps_table(run: dict) -> str:
  """A benchmarks.steps run (its `--json_out`): stamp, command, table."""
  lines = [f"{_stamp(run)}. {run['steps']} timed steps in {run['rounds']} "
           'interleaved rounds (steps/s: the median round); a [4096, 512] x '
           f"[512, 256] matrix product ran at {run['matmul_gflop_per_s']:.0f} "
           'GFLOP/s.', '', f"```bash\n{run['provenance']['command']}\n```",
           '', '| config | step | devices | global batch | compile + 1st step '
           '(s) | steps/s | images/s | GFLOP/step | GFLOP/s | peak host RSS '
           '(GiB) | peak device (GiB) |', '|---' * 11 + '|']
  for r in run['rows']:
    lines.append(
        f"| {r['config']} | {r['step']} | {r['devices']} | "
        f"{r['global_batch']} | {r['compile_s']:.1f} | "
        f"{r['steps_per_s']:.2f} | {r['images_per_s']:,.0f} | "
        f"{r['gflop_per_step']:.2f} | {r['gflop_per_s']:.0f} | "
        f"{r['host_peak_gib']:.2f} | "
        f"{_number(r.get('device_peak_gib'), '.2f')} |")
  lines += ['', *_vmapped_ratios(run['rows'])]
  return '\n'.join(lines) + '\n'


def _vmapped_ratios(rows: list[dict]) -> list[str]:
  """How K vmapped GANs compare, per image, with one GAN on the same devices."""
  alone = {(r['config'], r['devices'], r['global_batch']): r['images_per_s']
           for r in rows if r['step'] == 'GAN train_step'}
  lines = []
  for r in rows:
    if r['step'].endswith('(vmap)'):
      ratio = r['images_per_s'] / alone[
          r['config'], r['devices'], r['global_batch']]
      lines.append(f"- {r['config']}, batch {r['global_batch']}: "
                   f"{r['step']} trains {ratio:.2f}x the images/s of one GAN "
                   f"on {r['devices']}.")
  return lines + [''] if lines else []


def convergence_table(rows: list[dict], drop: float = 0.03,
                      window: int = 3) -> str:
  """A benchmarks.convergence run's rows, and the first epoch from which the
  FCD falls by at most `drop` over the next `window` epochs."""
  lines = ['| epochs | steps | FCD | KID (+- s.e.) | classifier score | '
           'training s |', '|---|---|---|---|---|---|']
  lines += [f"| {r['epochs']} | {r['steps']:,} | {r['fcd']:.1f} | "
            f"{r['kid']:.1f} +- {r['kid_se']:.1f} | "
            f"{r['classifier_score']:.2f} | {r['train_s']:.0f} |" for r in rows]
  fcd = [r['fcd'] for r in rows]
  plateau = next((rows[i]['epochs'] for i in range(len(rows) - window)
                  if min(fcd[i + 1:i + 1 + window]) >= (1 - drop) * fcd[i]),
                 None)
  if len(rows) <= window:
    verdict = (f'Too few epochs to judge: the rule needs {window + 1} or '
               'more.')
  elif plateau:
    verdict = (f'The FCD first falls by at most {drop:.0%} over the next '
               f'{window} epochs from epoch {plateau}.')
  else:
    verdict = (f'The FCD still falls by more than {drop:.0%} within {window} '
               'epochs everywhere: train longer.')
  lines += ['', verdict]
  return '\n'.join(lines) + '\n'


def _benchmark_runs(kind: str) -> dict[str, dict]:
  """{name: run} of `results/benchmarks/<kind>-<name>.json`."""
  return {path.stem.removeprefix(f'{kind}-'): json.loads(path.read_text())
          for path in sorted(BENCHMARKS.glob(f'{kind}-*.json'))}


def _classifier_line(record: dict) -> str:
  """`C`'s accuracy and seconds, when the study trained it."""
  if not record.get('train_s'):
    return ''
  return (f"`C`: test accuracy {record['test_accuracy']:.1%}, trained in "
          f"{record['train_s']:.0f} s.\n\n")


def performance_page(page: str) -> str:
  """docs/performance.md with its tables from `results/benchmarks/`."""
  steps = [f'### {name}\n\n{steps_table(run)}'
           for name, run in _benchmark_runs('steps').items()]
  convergence = _recorded_sections(
      'convergence', lambda run: _classifier_line(run.get('classifier', {}))
      + convergence_table(run['rows']))
  page = _with_block(page, 'steps',
                     '\n'.join(steps) or 'No run recorded yet.\n')
  page = _with_block(page, 'speedup',
                     '\n'.join(_recorded_sections('speedup', speedup_table)))
  return _with_block(page, 'convergence', '\n'.join(convergence))


def main(argv):
  del argv
  reports = load_reports(ROOT / 'results')
  pages = {ROOT / 'docs' / 'results.md': results_page(reports),
           ROOT / 'README.md': readme_with_table(
               (ROOT / 'README.md').read_text(), reports),
           ROOT / 'docs' / 'performance.md': performance_page(
               (ROOT / 'docs' / 'performance.md').read_text())}
  stale = [path for path, text in pages.items()
           if not path.exists() or path.read_text() != text]
  if FLAGS.check:
    if stale:
      sys.exit(f'Out of date: {[str(p) for p in stale]}; run '
               'python -m benchmarks.tables.')
    return
  for path in stale:
    path.write_text(pages[path])
    print(f'wrote {path}')


if __name__ == '__main__':
  # Here, not at import: benchmarks.steps and .convergence use the renderers.
  flags.DEFINE_bool('check', False, 'Only check that the pages are up to '
                    'date.')
  app.run(main)
