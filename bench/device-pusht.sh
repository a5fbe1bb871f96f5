#!/usr/bin/env bash
# One-shot GPU run for the device machine (`bash .device/on-device.sh bash bench/device-pusht.sh`):
# collect Push-T demonstrations on the machine's CPU cores, measure world-model training on one
# Wasm thread (baseline) and on WebGPU, then train on WebGPU for a wall-clock budget with the step
# count sized from the measured rate (so the LR schedule completes). Returns $OUT/results.tgz (logs, speed
# probes, the trained run folder).
#
# The speed probes train on a small collection made first, so they run while the big collection
# is still going (device time is scarce). Settings (environment):
#   RECIPE=vector|map   vector latent + proprioception (default) or the spatial-map recipe that
#                       two-room uses (docs/worldmodel.md)
#   EPISODES, WORKERS, COLLECT_S, BATCH, BUDGET (training seconds), WASM_S, IDM_WARMUP
#   CARRY_DATA=DIR      a Push-T dataset carried to the machine: the collection appends to a copy
#   TWO_ROOM_PROBE=1    also time the map recipe on two-room data (batch 32, as on the CPU)
set -u
# Logs and runs gather in one folder, packed into $OUT/results.tgz at the end: the device tool
# returns only a few files from $OUT.
out=/tmp/device-pusht
rm -rf "$out"; mkdir -p "$out" "${OUT:=/tmp/umwelt-out}"
eps=${EPISODES:-1200}
budget=${BUDGET:-240}
dev=${GPU_DEVICE:-webgpu}
workers=${WORKERS:-$(( $(nproc) > 3 ? $(nproc) - 2 : 1 ))}
map="--latent map --readout keypoints --center-images --idm 2 --idm-gap 2 --idm-warmup ${IDM_WARMUP:-300} --temporal 0 --plan-rollout 1 --plan-rollout-weighting motion --plan-rollout-input-grad --map-hidden 64 --frame-skip 3"
case ${RECIPE:-vector} in
  vector) recipe="--proprio --idm 1 --temporal 0.5" ;;
  map) recipe="$map" ;;
  *) echo "RECIPE must be vector or map" >&2; exit 2 ;;
esac
recipe="$recipe --batch ${BATCH:-128}"
step() { # name, timeout, umwelt args…
  local name=$1 t=$2; shift 2
  local t0=$SECONDS
  timeout "$t" node bin/umwelt.js "$@" --json > "$out/$name.json" 2> "$out/$name.err"
  echo "$name rc=$? $((SECONDS - t0)) s (at ${SECONDS} s): $(head -c 300 "$out/$name.json") $(tail -c 300 "$out/$name.err" | tr '\r' '\n' | tail -n 2)"
}
# Seconds per step after the first 10 (jit compile excluded), from a run's metrics.jsonl.
rate() { node -e '
  let rows = [];
  try { rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse); } catch {}
  const a = rows.find((r) => r.step === 10), b = rows[rows.length - 1];
  console.log(a && b.step > a.step ? ((b.seconds - a.seconds) / (b.step - a.step)).toFixed(4) : "NaN");' "$1/metrics.jsonl"; }
echo "cores: $(nproc), collect workers: $workers, recipe: $recipe"
step collect-small 60 collect --world push-t --policy noisy-expert --episodes 32 --workers "$workers" --seed 900000 --out /tmp/pts
append=""
if [ -n "${CARRY_DATA:-}" ]; then rm -rf /tmp/pt; cp -r "$CARRY_DATA" /tmp/pt; append="--append"; fi
step collect "${COLLECT_S:-240}" collect --world push-t --policy noisy-expert --episodes "$eps" --workers "$workers" --out /tmp/pt $append &
collect_pid=$!
# The Wasm baseline and the WebGPU probe run side by side (one CPU thread each; the GPU is idle otherwise).
step wasm $(( ${WASM_S:-80} + 40 )) train world-model --data /tmp/pts --out /tmp/wm-wasm $recipe --steps 1000 --time-limit "${WASM_S:-80}" &
wasm_pid=$!
step probe 120 train world-model --data /tmp/pts --out /tmp/wm-probe $recipe --steps 1000 --time-limit 40 --device "$dev"
if [ "${TWO_ROOM_PROBE:-0}" = 1 ]; then
  step collect-tr 60 collect --world two-room --policy noisy-expert --episodes 64 --workers "$workers" --seed 900000 --out /tmp/trs
  step probe-tr 120 train world-model --data /tmp/trs --out /tmp/wm-probe-tr $map --steps 1000 --time-limit 40 --device "$dev"
fi
wait "$wasm_pid"
wasm_s=$(rate /tmp/wm-wasm); gpu_s=$(rate /tmp/wm-probe); tr_s=$(rate /tmp/wm-probe-tr)
steps=$(node -e 'const s = Number(process.argv[1]); console.log(Number.isFinite(s) && s > 0 ? Math.max(50, Math.floor(Number(process.argv[2]) / s)) : 500)' "$gpu_s" "$budget")
echo "s/step: wasm-1t $wasm_s, $dev $gpu_s (two-room $dev batch 32: $tr_s) → $steps steps in ${budget} s"
echo "{\"recipe\": \"${RECIPE:-vector}\", \"batch\": ${BATCH:-128}, \"wasm_s_per_step\": \"$wasm_s\", \"gpu_s_per_step\": \"$gpu_s\", \"two_room_gpu_s_per_step\": \"$tr_s\", \"steps\": $steps, \"episodes\": $eps}" > "$out/rates.json"
wait "$collect_pid"
if [ "$gpu_s" = NaN ]; then # the WebGPU probe failed: train on threaded Wasm instead, so the run still returns a model
  echo "WebGPU probe failed: training on Wasm with $(nproc) threads"; dev=wasm; export UMWELT_WASM_THREADS=$(nproc)
fi
step train $((budget + 90)) train world-model --data /tmp/pt --out /tmp/wm-gpu $recipe --steps "$steps" --time-limit $((budget + 30)) --device "$dev"
cp -r /tmp/wm-gpu "$out/wm-gpu"
for r in wasm probe probe-tr; do cp "/tmp/wm-$r/metrics.jsonl" "$out/$r-metrics.jsonl" 2>/dev/null; done
cp /tmp/pt/meta/info.json "$out/pt-info.json" 2>/dev/null
tar czf "$OUT/results.tgz" -C "$out" .
echo "done at ${SECONDS} s: $OUT/results.tgz"
