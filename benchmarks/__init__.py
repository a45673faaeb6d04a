"""Benchmarks, run from the repository root as `python -m benchmarks.<name>`:
`steps` (steps/s of the two steps), `speedup` (unlearning against
retraining), `convergence` (sample quality by training length) and `spread`
(the sample quality of every model in a workdir)."""
