#!/usr/bin/env bash
# One-shot GPU run (device machine): extend carried world-model runs on WebGPU, side by side, for a
# wall-clock budget, and return them as $OUT/results.tgz. It answers "does longer training help?"
# when one CPU core cannot afford the steps.
#   RUNS="scratch/gpuruns/a scratch/gpuruns/b" DATA=scratch/trwall BUDGET=420 \
#     bash .device/on-device.sh bash bench/device-extend.sh
# Two phases, so the cosine schedule ends where the run ends: every run first resumes for PROBE_S
# seconds with a provisional length (PROVISIONAL steps), which measures its step rate while all of
# them share the GPU; then each resumes again with the length that rate affords in the rest of the budget.
set -u
out=/tmp/device-extend
rm -rf "$out"; mkdir -p "$out" "${OUT:=/tmp/umwelt-out}"
budget=${BUDGET:-420}
probe=${PROBE_S:-40}
dev=${GPU_DEVICE:-webgpu}
provisional=${PROVISIONAL:-4000}
# Last logged step of a run folder.
last_step() { tail -n 1 "$1/metrics.jsonl" | node -e 'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>console.log(JSON.parse(s).step))'; }
# Seconds per step over this invocation's steps after its first 10 (jit compile excluded).
rate() { node -e '
  const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
  const from = Number(process.argv[2]);
  const a = rows.find((r) => r.step === from + 10), b = rows[rows.length - 1];
  console.log(a && b.step > a.step ? ((b.seconds - a.seconds) / (b.step - a.step)).toFixed(4) : "NaN");' "$1/metrics.jsonl" "$2"; }
train() { # run folder, steps, time limit, log name
  timeout $(( $3 + 120 )) node bin/umwelt.js train world-model --data "$DATA" --out "$1" --steps "$2" --time-limit "$3" --device "$dev" --json > "$out/$4.json" 2> "$out/$4.err"
  echo "$4 rc=$? at ${SECONDS} s: $(head -c 300 "$out/$4.json") $(tail -c 200 "$out/$4.err" | tr '\r' '\n' | tail -n 1)"
}
declare -A start
for r in $RUNS; do
  n=$(basename "$r"); rm -rf "/tmp/x/$n"; mkdir -p /tmp/x; cp -r "$r" "/tmp/x/$n"
  start[$n]=$(last_step "/tmp/x/$n")
  train "/tmp/x/$n" "$provisional" "$probe" "$n.p1" &
done
wait
t1=$SECONDS
for r in $RUNS; do
  n=$(basename "$r")
  s=$(rate "/tmp/x/$n" "${start[$n]}"); at=$(last_step "/tmp/x/$n")
  # The rest of the budget, less ~20 s for the second jit compile.
  steps=$(node -e 'const [s, at, left] = process.argv.slice(1).map(Number); console.log(Number.isFinite(s) && s > 0 ? at + Math.max(0, Math.floor((left - 20) / s)) : at)' "$s" "$at" $(( budget - t1 )))
  echo "$n: from step ${start[$n]}, ${s} s/step with all runs side by side, at $at → $steps steps"
  echo "{\"run\": \"$n\", \"from\": ${start[$n]}, \"s_per_step\": \"$s\", \"probe_end\": $at, \"steps\": $steps}" > "$out/$n.rate.json"
  train "/tmp/x/$n" "$steps" $(( budget - t1 )) "$n.p2" &
done
wait
for r in $RUNS; do n=$(basename "$r"); mkdir -p "$out/$n"; cp "/tmp/x/$n"/*.json* "$out/$n/"; cp -r "/tmp/x/$n/checkpoints" "$out/$n/"; done
tar czf "$OUT/results.tgz" -C "$out" .
echo "done at ${SECONDS} s: $OUT/results.tgz"
