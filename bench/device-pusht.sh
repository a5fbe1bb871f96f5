#!/usr/bin/env bash
# One-shot GPU run for the device machine (`bash .device/on-device.sh bash bench/device-pusht.sh`):
# collect Push-T demonstrations on the machine's CPU cores, measure world-model training on one
# Wasm thread (baseline) and on WebGPU, then train on WebGPU for a wall-clock budget with the step
# count sized from the measured rate (so the LR schedule completes). Returns the GPU run folder.
set -u
out=${OUT:-/tmp/umwelt-out}
mkdir -p "$out"
eps=${EPISODES:-1200}
budget=${BUDGET:-240}
dev=${GPU_DEVICE:-webgpu}
recipe="--proprio --idm 1 --temporal 0.5 --batch ${BATCH:-128}"
step() { # name, timeout, umwelt args…
  local name=$1 t=$2; shift 2
  local t0=$SECONDS
  timeout "$t" node bin/umwelt.js "$@" --json > "$out/$name.json" 2> "$out/$name.err"
  echo "$name rc=$? $((SECONDS - t0)) s: $(head -c 400 "$out/$name.json") $(tail -c 300 "$out/$name.err" | tr '\r' '\n' | tail -n 2)"
}
# Seconds per step after the first 10 (jit compile excluded), from a run's metrics.jsonl.
rate() { node -e '
  const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
  const a = rows.find((r) => r.step === 10), b = rows[rows.length - 1];
  console.log(a && b.step > a.step ? ((b.seconds - a.seconds) / (b.step - a.step)).toFixed(4) : "NaN");' "$1/metrics.jsonl"; }
echo "cores: $(nproc)"
step collect "${COLLECT_S:-240}" collect --world push-t --policy noisy-expert --episodes "$eps" --workers "${WORKERS:-$(nproc)}" --out /tmp/pt
# The Wasm baseline and the WebGPU probe run side by side (one CPU thread each; the GPU is idle otherwise).
step wasm 100 train world-model --data /tmp/pt --out /tmp/wm-wasm $recipe --steps 1000 --time-limit "${WASM_S:-60}" &
step probe 100 train world-model --data /tmp/pt --out /tmp/wm-probe $recipe --steps 1000 --time-limit 25 --device "$dev"
wait
wasm_s=$(rate /tmp/wm-wasm); gpu_s=$(rate /tmp/wm-probe)
steps=$(node -e 'const s = Number(process.argv[1]); console.log(Number.isFinite(s) && s > 0 ? Math.max(50, Math.floor(Number(process.argv[2]) / s)) : 500)' "$gpu_s" "$budget")
echo "s/step: wasm-1t $wasm_s, $dev $gpu_s → $steps steps in ${budget} s"
echo "{\"wasm_s_per_step\": $wasm_s, \"gpu_s_per_step\": $gpu_s, \"steps\": $steps, \"episodes\": $eps}" > "$out/rates.json"
step train $((budget + 90)) train world-model --data /tmp/pt --out /tmp/wm-gpu $recipe --steps "$steps" --time-limit $((budget + 30)) --device "$dev"
cp -r /tmp/wm-gpu "$out/wm-gpu"
cp /tmp/wm-wasm/metrics.jsonl "$out/wasm-metrics.jsonl"
cp /tmp/pt/meta/info.json "$out/pt-info.json" 2>/dev/null
