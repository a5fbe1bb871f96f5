import type { Command } from 'commander';
import { InputError, oneOf } from '../../errors.ts';
import { trainWorldModel, WM_DEFAULTS } from '../../train/worldmodel.ts';
import { nonNegativeNumber, printJson, progress, wholeNumber } from '../util.ts';

export function trainCommand(program: Command): void {
  const train = program.command('train').description('train models');
  train.command('world-model')
    .description('train a JEPA world model on a dataset (re-run with the same --out to resume)')
    .requiredOption('--data <dir>', 'LeRobot dataset (umwelt collect --out)')
    .requiredOption('--out <run>', 'run folder: config.json, metrics.jsonl, checkpoints/, ledger.json')
    .option('--steps <n>', `training steps (default ${WM_DEFAULTS.steps}; on a resumed run: its own, or this to extend it)`, wholeNumber('--steps', 1))
    .option('--batch <n>', `windows per batch (default ${WM_DEFAULTS.batch})`, wholeNumber('--batch', 2))
    .option('--lr <x>', `peak learning rate (default ${WM_DEFAULTS.lr})`, (v: string) => {
      const x = Number(v);
      if (!(x > 0 && x < 1)) throw oneOf('learning rate', v, ['a number in (0, 1), e.g. 1e-3']);
      return x;
    })
    .option('--regularizer <r>', 'vicreg | sigreg', (v: string) => { if (v !== 'vicreg' && v !== 'sigreg') throw oneOf('regularizer', v, ['vicreg', 'sigreg']); return v; }, 'vicreg')
    .option('--latent <kind>', 'vector | map (spatial latent map + convolutional predictor)', (v: string) => { if (v !== 'vector' && v !== 'map') throw oneOf('latent kind', v, ['vector', 'map']); return v; }, 'vector')
    .option('--readout <kind>', 'map latents: linear | keypoints (spatial softmax: each channel\'s expected x, y)', (v: string) => { if (v !== 'linear' && v !== 'keypoints') throw oneOf('readout', v, ['linear', 'keypoints']); return v; })
    .option('--center-images', 'subtract each image\'s mean colour at the encoder input (scene colours stop dominating; small objects stand out)')
    .option('--proprio', 'also feed observation.state to the encoder')
    .option('--idm <w>', 'inverse-dynamics loss weight', nonNegativeNumber('--idm'))
    .option('--idm-gap <n>', 'multi-step inverse dynamics: predict the mean action between frames n steps apart (default 1: consecutive frames)', wholeNumber('--idm-gap', 1))
    .option('--idm-warmup <n>', 'train the inverse-dynamics loss alone for the first n steps (lets an images-only encoder find a small agent first)', wholeNumber('--idm-warmup', 0))
    .option('--idm-ramp <n>', 'after --idm-warmup, ramp the other loss terms in linearly over n steps instead of all at once', wholeNumber('--idm-ramp', 1))
    .option('--target-stopgrad', 'stop-gradient on the prediction targets: the encoder learns from prediction only through the predictor\'s inputs (it cannot drop a hard-to-predict agent to make targets easy)')
    .option('--rollout-steps <n>', 'steps of the autoregressive rollout loss (longer: rollouts that hold up over a planning horizon, at more compute per step; on a resumed run: the length from its checkpoint on, a curriculum)', wholeNumber('--rollout-steps', 1))
    .option('--plan-rollout <w>', 'keypoint readouts: weight of a rollout loss on the planning embedding that trains the predictor only (rollouts keep up with the agent)', nonNegativeNumber('--plan-rollout'))
    .option('--plan-rollout-weighting <w>', 'uniform | motion (weigh each keypoint by how much it moves in the data)', (v: string) => { if (v !== 'uniform' && v !== 'motion') throw oneOf('plan-rollout weighting', v, ['uniform', 'motion']); return v; })
    .option('--plan-rollout-input-grad', 'let the plan-rollout term train the encoder through the predictor\'s inputs (walls that stop the agent must show in the map)')
    .option('--plan-rollout-hard', 'weigh each window of the plan-rollout term by its own error (rare wall stops count)')
    .option('--frame-skip <n>', 'environment steps per model step: the model sees every n-th frame and the mean action between them (plan with --chunk a multiple of n)', wholeNumber('--frame-skip', 1))
    .option('--map-hidden <n>', 'map latents: hidden channels of the convolutional predictor (default 32)', wholeNumber('--map-hidden', 1))
    .option('--map-transport <r>', 'map latents: the predictor moves each cell\'s content from its (2r+1)² neighbours with predicted weights (0: residual predictor, the default)', wholeNumber('--map-transport'))
    .option('--map-size <n>', 'map latents: side of the latent map, 8 (default for 64-px images) or 16 (4-px cells: thin walls get their own cells; ~3× slower)', wholeNumber('--map-size', 1))
    .option('--map-recon <w>', 'map latents: weight of an auxiliary per-cell linear decoder from the map to its pixels (grey), so walls and doors show in the map (default 0: off; the planner never decodes)', nonNegativeNumber('--map-recon'))
    .option('--encoder-kernel <k>', 'kernel of the encoder\'s stride-2 convs, 3 (default) or 4 (centred on each map cell: a thin wall reaches two cells wherever it lies)', (v: string) => { if (v !== '3' && v !== '4') throw oneOf('encoder kernel', v, ['3', '4']); return Number(v); })
    .option('--oversample-stalls <n>', 'windows where an action did not move the agent as usual (a wall in the way) enter each epoch n times', wholeNumber('--oversample-stalls', 1))
    .option('--hue-jitter <deg>', 'rotate each training window\'s colours about the grey axis by a random angle in [-deg, deg] (held-out scenes use unseen colours)', (v: string) => {
      const x = Number(v);
      if (!Number.isFinite(x) || x < 0 || x > 180) throw new InputError(`--hue-jitter ${v} is not an angle in degrees from 0 to 180`, 'pass e.g. --hue-jitter 30');
      return x;
    })
    .option('--shift-jitter <px>', 'shift each training window\'s frames by a random whole-pixel offset in [-px, px] per axis, edges repeated (held-out scenes put walls and doors at unseen positions)', wholeNumber('--shift-jitter'))
    .option('--shift-jitter-from <n>', 'start --shift-jitter at training step n (default 0), e.g. after --idm-warmup so the encoder finds the agent on unshifted frames first', wholeNumber('--shift-jitter-from'))
    .option('--temporal <w>', 'time-similarity loss weight (PLDM)', nonNegativeNumber('--temporal'))
    .option('--variance <w>', 'VICReg variance (per-dimension std) weight (default 1; map latents: the map\'s own VICReg)', nonNegativeNumber('--variance'))
    .option('--covariance <w>', 'VICReg covariance weight (default 0.04; larger keeps the map\'s channels decorrelated)', nonNegativeNumber('--covariance'))
    .option('--reach-time <w>', 'time-to-reach head loss weight (learned cost-to-go for planning; needs successful episodes in the data)', nonNegativeNumber('--reach-time'))
    .option('--time-limit <s>', 'stop after this many seconds of training, checkpointed (re-run to resume)', (v: string) => {
      const x = Number(v);
      if (!(x > 0)) throw oneOf('time limit', v, ['a positive number of seconds, e.g. 600']);
      return x;
    })
    .option('--seed <n>', 'seed (default 0)', wholeNumber('--seed'))
    .option('--device <d>', 'wasm | webgpu', 'wasm')
    .option('--data-parallel <n>', 'split each batch over n single-threaded Wasm replicas, one per CPU core, and average their gradients (default 1; 2 on a 2-core machine trains ~1.5× more steps per minute)', wholeNumber('--data-parallel', 1))
    .option('--json', 'print one JSON object on stdout')
    .action(async (o: { data: string; out: string; steps?: number; batch?: number; lr?: number; dataParallel?: number; regularizer: 'vicreg' | 'sigreg'; latent: 'vector' | 'map'; readout?: 'linear' | 'keypoints'; centerImages?: boolean; proprio?: boolean; idm?: number; idmGap?: number; idmWarmup?: number; idmRamp?: number; targetStopgrad?: boolean; rolloutSteps?: number; planRollout?: number; planRolloutWeighting?: 'uniform' | 'motion'; planRolloutInputGrad?: boolean; planRolloutHard?: boolean; mapHidden?: number; mapTransport?: number; mapSize?: number; encoderKernel?: number; mapRecon?: number; oversampleStalls?: number; hueJitter?: number; shiftJitter?: number; shiftJitterFrom?: number; frameSkip?: number; temporal?: number; variance?: number; covariance?: number; reachTime?: number; timeLimit?: number; seed?: number; device: string; json?: boolean }) => {
      if (o.device !== 'wasm' && o.device !== 'webgpu') throw oneOf('device', o.device, ['wasm', 'webgpu']);
      if (o.device === 'webgpu') await (await import('../../node/webgpu.ts')).installNodeWebGPU();
      // The total is known once the run is opened (a resumed run keeps its own).
      let bar: ReturnType<typeof progress> | undefined;
      let last = 0;
      let r;
      try {
        r = await trainWorldModel({ ...o, targetStopGrad: o.targetStopgrad, idmWeight: o.idm, temporalWeight: o.temporal, varianceWeight: o.variance, covarianceWeight: o.covariance, reachTimeWeight: o.reachTime, planRolloutWeight: o.planRollout, mapReconWeight: o.mapRecon, stallOversample: o.oversampleStalls, device: o.device, onStep: (step, total) => { bar ??= progress('train world-model', total); bar.tick(step - last); last = step; }, onWarning: (m) => process.stderr.write(`\nwarning: ${m}\n`) });
      } finally {
        bar?.stop();
      }
      if (o.json) return printJson(r);
      console.log(`${r.out}: ${r.steps} steps${r.stoppedEarly ? ' (time limit reached; re-run to resume)' : ''}, final loss ${r.finalLoss.toFixed(4)}, ${r.seconds.toFixed(0)} s`);
    });
}
