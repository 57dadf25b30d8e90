#!/usr/bin/env bash
# Runs Ponte's fuzz targets one after another, each for a given time, at the lowest priority.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
#
# SECONDS_PER_TARGET defaults to 600; no TARGET means every target. Before running it seeds
# fuzz/corpus/<target>/ from ../shared/fixtures (or $PONTE_FIXTURES) and samples/, then prints for
# each target its executions, coverage and whether it found a crash (artifacts go to
# fuzz/artifacts/<target>/). The whole log of each run is in fuzz/target/logs/<target>.log.
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). Not run in CI.
set -euo pipefail

fuzz_dir=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$fuzz_dir")
seconds=${1:-600}
shift || true
case $seconds in
'' | *[!0-9]*)
    echo "usage: $0 [SECONDS_PER_TARGET] [TARGET...]" >&2
    exit 2
    ;;
esac

cd "$fuzz_dir"
if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo +nightly fuzz list)
fi

python3 "$fuzz_dir/seed_corpora.py" \
    --fixtures "${PONTE_FIXTURES:-$root/../shared/fixtures}" \
    --samples "$root/samples" \
    --out "$fuzz_dir/corpus"

# -a: debug assertions and overflow checks, as in the debug builds the tests run.
nice -n 19 cargo +nightly fuzz build -a

logs="$fuzz_dir/target/logs"
# The handle of ffi_options_filter keeps its scratch state file here, not in /tmp.
export TMPDIR="$fuzz_dir/target/tmp"
mkdir -p "$logs" "$TMPDIR"

summary=()
for target in "${targets[@]}"; do
    log="$logs/$target.log"
    echo "== $target: ${seconds}s"
    status=0
    nice -n 19 cargo +nightly fuzz run -a "$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -dict="$fuzz_dir/ponte.dict" -print_final_stats=1 >"$log" 2>&1 || status=$?
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    coverage=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' <<<"$last" || true)
    if [ -z "$executions" ]; then
        executions=$(grep -oE '^#[0-9]+' <<<"$last" | tr -d '#' || true)
    fi
    artifacts=$(sed -n 's/.*Test unit written to //p' "$log" | tr '\n' ' ')
    if [ "$status" -ne 0 ]; then
        found="FOUND (exit $status): ${artifacts:-see $log}"
    elif [ -n "$artifacts" ]; then
        # A slow unit (-report_slow_units) is written without stopping the run; rerun it to
        # tell a slow input from a machine that stalled.
        found="no crash; written: $artifacts"
    else
        found="no crash"
    fi
    line="$target: executions ${executions:-?}, ${coverage:-coverage ?}, $found"
    echo "$line"
    summary+=("$line")
done

echo "== summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
