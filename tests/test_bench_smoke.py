"""The benchmark scripts keep working: a tiny run (1k chunks, one repetition, no LLM) writes its report.

Timings are not checked here; `make bench` is where they are measured.
"""

from __future__ import annotations

from pathlib import Path

from bench.run import main


def test_a_tiny_benchmark_run_writes_its_report_plot_and_raw_numbers(tmp_path: Path) -> None:
    out = tmp_path / "benchmarks.md"
    results = main(
        ["--sizes", "1000", "--repeats", "1", "--passes", "1", "--queries", "5", "--ingest-files", "3", "--no-llm",
         "--out", str(out), "--work", str(tmp_path / "work")]
    )  # fmt: skip
    assert out.is_file() and out.with_suffix(".png").is_file() and out.with_suffix(".json").is_file()
    assert results["retrieval"][0]["size"] == 1000
    assert results["ingest"]["chunks"] > 0
    assert "| 1,000 |" in out.read_text(encoding="utf-8")
