"""The benchmark script keeps working (on a tiny data set; the real figures come from running it by hand)."""

import subprocess
import sys

from helpers import ROOT


def test_the_accounting_benchmark_runs_and_both_sides_agree():
    result = subprocess.run([sys.executable, "bench/accounting.py", "--meters", "40", "--hours", "200", "--repeat", "1"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "agree" in result.stdout and "ratio:" in result.stdout and "peak RSS" in result.stdout


def test_the_hostile_file_benchmark_runs_and_refuses_both():
    result = subprocess.run([sys.executable, "bench/hostile_files.py"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert "→ too_many" in result.stdout and "→ zip_bomb" in result.stdout and "→ read" in result.stdout


def test_the_checklist_benchmark_records_lines_and_prints_its_baseline():
    result = subprocess.run([sys.executable, "bench/checklist.py", "--lines", "5"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "record one line (htmx)" in result.stdout and "static file (baseline)" in result.stdout


def test_the_years_benchmark_agrees_with_duckdb_and_times_the_dashboard():
    result = subprocess.run([sys.executable, "bench/accounting_years.py", "--enterprises", "2", "--years", "2"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("agrees") == 8 and "DIFFERS" not in result.stdout
    assert "ours: totals of every enterprise-year at once" in result.stdout
    assert "ours: the frozen runs' totals read back" in result.stdout and "lines included (drill)" in result.stdout
    assert "dashboard with 2 years of runs" in result.stdout


def test_the_issue_18_benchmarks_run_and_print_their_baselines():
    """Transitions, the audit chain walk (and `verify --data`), notification delivery and the outbox with history
    behind it, each beside its plain baseline."""
    runs = {script: subprocess.run([sys.executable, f"bench/{script}", *args], cwd=ROOT, capture_output=True,
                                   text=True, timeout=300)
            for script, args in (("transition_rate.py", ["--count", "10"]), ("verify_walk.py", ["--entries", "3000"]),
                                 ("notification_rate.py", ["--messages", "30"]),
                                 ("outbox_history.py", ["--sent", "2000"]))}
    for script, run in runs.items():
        assert run.returncode == 0, (script, run.stderr)
    assert "ours / plain throughput" in runs["transition_rate.py"].stdout
    assert "ours / plain:" in runs["verify_walk.py"].stdout and "steward verify" in runs["verify_walk.py"].stdout
    assert "`steward verify --data`" in runs["verify_walk.py"].stdout and "peak RSS" in runs["verify_walk.py"].stdout
    assert "2,000 sent messages behind" in runs["outbox_history.py"].stdout
    assert "not sent: 0; missing at the server: 0" in runs["notification_rate.py"].stdout


def test_the_anomaly_benchmark_finds_every_planted_fault_and_prints_its_baseline():
    result = subprocess.run([sys.executable, "bench/anomalies.py"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert "ours: 6/6 found, 6 exactly once, 0 finding(s) on ordinary months" in result.stdout
    assert "baseline (median/MAD per series, own gaps):" in result.stdout
    assert "a re-scan added 0" in result.stdout and "goal met" in result.stdout


def test_the_readings_benchmark_imports_through_the_product_and_agrees_with_duckdb():
    result = subprocess.run([sys.executable, "bench/readings.py", "--meters", "10", "--hours", "200", "--repeat", "1"],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "rows and totals agree" in result.stdout and "DuckDB reads the file alone" in result.stdout
    assert "month reconciliation, 10 meters" in result.stdout and "peak RSS" in result.stdout


def test_the_document_list_benchmark_prints_the_demo_the_grown_plant_and_the_static_file():
    result = subprocess.run([sys.executable, "bench/document_list.py", "--documents", "120", "--repeat", "3",
                             "--export-rows", "300"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "static file (baseline)" in result.stdout and "demo: first page" in result.stdout
    assert "120 × 3 revisions: first page" in result.stdout and "× demo" in result.stdout
    assert "export of 300 training records" in result.stdout


def test_the_group_grid_benchmark_prints_its_baseline_and_the_request():
    result = subprocess.run([sys.executable, "bench/ets_group.py", "--plants", "50", "--repeat", "3"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "50 plants × 12 months = 600 cells" in result.stdout and "(baseline)" in result.stdout
    assert "GET /ets/group through the app" in result.stdout and "goal < 200 ms" in result.stdout


def test_the_freshness_benchmark_agrees_with_the_plain_read_and_prints_it():
    result = subprocess.run([sys.executable, "bench/freshness.py", "--rows", "1000"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr  # it asserts both reads find the 2025 run standing
    assert "by the marks of each change:" in result.stdout and "by the plain audit-log read:" in result.stdout
