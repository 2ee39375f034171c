#!/usr/bin/env bash
# Compares two values of one JMH parameter in alternating single-fork runs (A B, B A, A B, ...),
# so that a slow minute on a shared machine lands on both sides instead of on whichever value JMH
# would have run all its forks in. Prints each fork's score, then each side's median and the ratio
# of the medians (A / B), the median of the pairs' ratios, and the ratio of each side's fastest
# iteration.
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
import json, statistics, sys
out, a, b = sys.argv[1:]
def fork(i, value):
    return json.load(open(f"{out}/{i}-{value}.json"))[0]["primaryMetric"]
pairs = range(1, 1 + sum(1 for _ in __import__("glob").glob(f"{out}/*-{a}.json")))
fa, fb = [fork(i, a) for i in pairs], [fork(i, b) for i in pairs]
ma = statistics.median(m["score"] for m in fa)
mb = statistics.median(m["score"] for m in fb)
print(f"median {a}: {ma:.1f}, median {b}: {mb:.1f}, ratio {a}/{b}: {ma / mb:.2f}")
# Two estimators that a noisy host disturbs less than the median of forks: the ratio within each
# pair (both forks ran within a minute of each other), and each side's fastest iteration (noise
# on a shared host only ever adds time).
ratios = [x["score"] / y["score"] for x, y in zip(fa, fb)]
print(f"median of the pairs' ratios {a}/{b}: {statistics.median(ratios):.2f}"
      f" (from {min(ratios):.2f} to {max(ratios):.2f})")
def fastest(forks):
    return min(v for m in forks for row in m["rawData"] for v in row)
xa, xb = fastest(fa), fastest(fb)
print(f"fastest iteration {a}: {xa:.1f}, {b}: {xb:.1f}, ratio {a}/{b}: {xa / xb:.2f}")
EOF
