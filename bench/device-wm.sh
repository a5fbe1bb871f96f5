#!/usr/bin/env bash
# One-shot GPU run (device machine): train the two-room JEPA world model on WebGPU from a dataset
# carried in .device/, two variants, and return their run folders' essentials under $OUT.
set -u
out=${OUT:-/tmp/umwelt-out}
data=${1:-.device/tr1k}
steps=${2:-3000}
mkdir -p "$out"
for v in a b; do
  extra=""; [ "$v" = b ] && extra="--temporal 0.1"
  t0=$SECONDS
  timeout 200 node bin/umwelt.js train world-model --data "$data" --out "/tmp/runs/$v" --steps "$steps" --batch 64 --device webgpu $extra --json > "/tmp/runs-$v.json" 2> "/tmp/runs-$v.err"
  echo "variant $v rc=$? $((SECONDS - t0)) s: $(cat /tmp/runs-$v.json) $(tail -c 300 /tmp/runs-$v.err)"
  mkdir -p "$out/$v"
  cp "/tmp/runs/$v/config.json" "/tmp/runs/$v/checkpoints/last.safetensors" "$out/$v/" 2>/dev/null
  tail -n 40 "/tmp/runs/$v/metrics.jsonl" > "$out/$v/metrics-tail.jsonl" 2>/dev/null
done
