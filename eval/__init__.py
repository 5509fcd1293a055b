"""The evaluation of the assistant against the gold question set (eval/gold.jsonl).

`eval.metrics` holds the pure scoring functions, `eval.harness` runs the gold questions through the
public `Assistant` API (and, for comparison, the default llama-index pipeline in `eval.baseline`),
and `eval.report` prints and writes the results. `rag eval` is the command-line entry point.
"""
