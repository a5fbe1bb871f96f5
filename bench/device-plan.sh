#!/usr/bin/env bash
# One-shot planning evaluation on the GPU machine's CPU cores: planning (not training) is what
# costs most on this repository's 2-core machine (~0.5 s per action, ~70 actions per two-room
# episode), and the device machine has 16 cores. Every carried run × job is cut into chunks of
# CHUNK episodes, PAR `umwelt plan --json` processes run at once (Wasm, one thread each; random
# and oracle baselines on the same seeds in every chunk), and bench/merge-plans.ts joins the chunks
# into one row per run and job. Results: $OUT/plans.tgz (every chunk's JSON) and $OUT/merged.json.
#   RUNS="scratch/runs/b0 scratch/runs/b1" JOBS="heldout:0:50 train:300000:50" \
#     bash .device/on-device.sh bash bench/device-plan.sh
# JOBS: split:first-seed:episodes, space-separated. PLAN_ARGS: the planner flags (the two-room
# protocol of docs/worldmodel.md by default). LIMIT: seconds after which unfinished chunks are
# killed (their episodes are then missing from the merge, which says how many it holds).
set -u
out=/tmp/device-plan
rm -rf "$out"; mkdir -p "$out" "${OUT:=/tmp/umwelt-out}"
world=${WORLD:-two-room}
chunk=${CHUNK:-4}
par=${PAR:-$(nproc)}
limit=${LIMIT:-480}
args=${PLAN_ARGS:---horizon 30 --energy min --samples 96 --iterations 3}
tasks="$out/tasks.txt"; : > "$tasks"
for r in $RUNS; do
  for j in $JOBS; do
    IFS=: read -r split first n <<< "$j"
    for (( s = first; s < first + n; s += chunk )); do
      k=$(( first + n - s < chunk ? first + n - s : chunk ))
      echo "$r $split $s $k" >> "$tasks"
    done
  done
done
echo "$(wc -l < "$tasks") chunks on $par processes, world $world, planner: $args"
# Longest jobs first would need their lengths; chunks are equal, so file order is fine.
export out world args
export limit
timeout -k 10 "$limit" xargs -P "$par" -L 1 bash -c '
  name="$(basename "$0").$1.$2"
  timeout -k 5 "$limit" node bin/umwelt.js plan --world-model "$0" --world "$world" --split "$1" --seed "$2" --episodes "$3" $args --json > "$out/$name.json" 2> "$out/$name.err" || rm -f "$out/$name.json"' < "$tasks"
echo "planning ended at ${SECONDS} s (rc $?)"
ls "$out"/*.json > /dev/null 2>&1 && node --import tsx bench/merge-plans.ts "$out"/*.json | tee "$out/table.md"
node --import tsx bench/merge-plans.ts "$out"/*.json --json > "$OUT/merged.json" 2>/dev/null
tar czf "$OUT/plans.tgz" -C "$out" .
echo "done at ${SECONDS} s"
