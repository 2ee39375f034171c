#!/usr/bin/env bash
# Compares two values of one JMH parameter in alternating single-fork runs (A B, B A, A B, ...),
# so that a slow minute on a shared machine lands on both sides instead of on whichever value JMH
# would have run all its forks in. Prints each fork's score, then each side's median and the ratio
# of the medians (A / B).
#
# Usage: benchmarks/alternate-forks.sh BENCHMARK PARAM A B PAIRS [JMH options...]
# Example:
#   benchmarks/alternate-forks.sh CacheHitBenchmark cacheType LayeredCache Caffeine 8 \
#     -wi 5 -i 5 -w 1 -r 2 -t 1
# Needs benchmarks/target/benchmarks.jar (./mvnw -B -pl benchmarks -am package -DskipTests) and
# python3.
set -euo pipefail

if [[ $# -lt 5 ]]; then
  sed -n '2,12p' "$0" >&2
  exit 2
fi
benchmark=$1 param=$2 a=$3 b=$4 pairs=$5
shift 5
jar="$(dirname "$0")/target/benchmarks.jar"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

for ((i = 1; i <= pairs; i++)); do
  if ((i % 2)); then order=("$a" "$b"); else order=("$b" "$a"); fi
  for value in "${order[@]}"; do
    java -jar "$jar" "$benchmark" -f 1 -p "$param=$value" "$@" \
      -rf json -rff "$out/$i-$value.json" > "$out/$i-$value.log" 2>&1 \
      || { cat "$out/$i-$value.log" >&2; exit 1; }
    python3 - "$out/$i-$value.json" "$i" "$value" <<'EOF'
import json, sys
metric = json.load(open(sys.argv[1]))[0]["primaryMetric"]
print(f"pair {sys.argv[2]} {sys.argv[3]}: {metric['score']:.1f} {metric['scoreUnit']}")
EOF
  done
done

python3 - "$out" "$a" "$b" <<'EOF'
import glob, json, statistics, sys
out, a, b = sys.argv[1:]
def scores(value):
    return [json.load(open(f))[0]["primaryMetric"]["score"]
            for f in sorted(glob.glob(f"{out}/*-{value}.json"))]
ma, mb = statistics.median(scores(a)), statistics.median(scores(b))
print(f"median {a}: {ma:.1f}, median {b}: {mb:.1f}, ratio {a}/{b}: {ma / mb:.2f}")
EOF
