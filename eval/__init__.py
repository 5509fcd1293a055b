"""The evaluation of the assistant against the gold question set (eval/gold.jsonl).

`eval.metrics` holds the pure scoring functions (with `eval.events` and `eval.sources`),
`eval.harness` runs the gold questions of a split through the public `Assistant` API (and, for
comparison, the default llama-index pipeline in `eval.baseline`, or the pipeline with steps switched
off in `eval.ablation`), `eval.gate` checks each split against eval/thresholds.toml, and
`eval.report` prints and writes the results. `rag eval` is the command-line entry point;
eval/README.md describes the gold set, its dev/test split and how the test split is kept out of tuning.
"""
