#!/usr/bin/env bash
# One-shot GPU check for the device machine (no Node.js or network there; run through
# `bash .device/on-device.sh bash bench/device-nn.sh`): nn train steps on WebGPU (reference and
# 8× batch) with a wasm baseline on the same machine, and the WebGPU-vs-wasm agreement check.
set -u
out=${OUT:-/tmp/umwelt-out}
mkdir -p "$out"
run() { # name, timeout, args…
  local name=$1 t=$2; shift 2
  local t0=$SECONDS
  timeout "$t" node --import tsx bench/nn-run.ts "$@" > "$out/$name.json" 2> "$out/$name.err"
  local rc=$?
  echo "$name rc=$rc $((SECONDS - t0)) s: $(head -c 900 "$out/$name.json")"
}
vulkaninfo --summary 2>/dev/null | head -20 || true
run webgpu 150 --device webgpu --steps 30
run webgpu-bs8 150 --device webgpu --steps 20 --batch-scale 8
run wasm-1t 150 --device wasm --threads 1 --steps 10
tail -5 "$out"/*.err
