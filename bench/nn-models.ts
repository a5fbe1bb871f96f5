/**
 * The three reference models of the nn benchmark (same shapes as bench/torch_ref.py), with
 * analytic forward FLOPs (training step ≈ 3× forward).
 */
import '../src/nn/polyfills.ts';
import { numpy as np } from '@jax-js/jax';
import {
  conv2d, conv2dFlops, convOutSize, initConv2d, initLinear, initMLP, initTransformerBlock, layerNorm, initLayerNorm,
  linear, linearFlops, maskBias, mlp, mlpFlops, transformerBlock, transformerBlockFlops, type Conv2dConfig,
} from '../src/nn/layers.ts';
import { initArray } from '../src/nn/init.ts';
import type { Tree } from '../src/nn/optim.ts';

type A = np.Array;

export interface BenchModel {
  name: string;
  describe: string;
  params: Tree;
  loss: (p: never, ...batch: A[]) => A;
  /** Fresh batch arrays for one step (consumed by the step). */
  batch: () => A[];
  forwardFlops: number;
}

export function mlpModel(batch = 256): BenchModel {
  const dims = [128, 256, 256, 64];
  const x = initArray(1, 'mlp.x', [batch, 128], { normal: 1 });
  const y = initArray(2, 'mlp.y', [batch, 64], { normal: 1 });
  return {
    name: 'mlp', describe: `MLP 128→256→256→64, batch ${batch}`,
    params: initMLP(0, 'mlp', dims, 'relu'),
    loss: ((p: Parameters<typeof mlp>[0], xx: A, yy: A) => np.square(mlp(p, xx, 'relu').sub(yy)).mean()) as never,
    batch: () => [x.ref, y.ref],
    forwardFlops: mlpFlops(batch, dims),
  };
}

export function cnnModel(batch = 32): BenchModel {
  const chans = [3, 32, 64, 128, 128];
  const convs: Conv2dConfig[] = chans.slice(0, -1).map((c, i) => ({ inChannels: c, outChannels: chans[i + 1]!, kernel: 3, stride: 2, padding: 1 }));
  let size = 64, flops = 0;
  for (const c of convs) { flops += conv2dFlops(batch, size, size, c); size = convOutSize(size, 3, 2, 1); }
  const flat = size * size * 128;
  flops += linearFlops(batch, flat, 256);
  const params = { convs: convs.map((c, i) => initConv2d(0, `cnn.conv${i}`, c)), head: initLinear(0, 'cnn.head', flat, 256) };
  const x = initArray(1, 'cnn.x', [batch, 64, 64, 3], { normal: 1 });
  const y = initArray(2, 'cnn.y', [batch, 256], { normal: 1 });
  const forward = (p: typeof params, xx: A) => {
    let h = xx;
    p.convs.forEach((cp, i) => { h = np.maximum(conv2d(cp, h, convs[i]!), 0); });
    return linear(p.head, h.reshape([batch, flat]));
  };
  return {
    name: 'cnn', describe: `CNN 64×64×3, 4 stride-2 convs 32/64/128/128 + linear 256, batch ${batch}`,
    params,
    loss: ((p: typeof params, xx: A, yy: A) => np.square(forward(p, xx).sub(yy)).mean()) as never,
    batch: () => [x.ref, y.ref],
    forwardFlops: flops,
  };
}

export function transformerModel(batch = 16, seq = 64, dim = 128, heads = 4, layers = 2): BenchModel {
  const params = {
    blocks: Array.from({ length: layers }, (_, i) => initTransformerBlock(0, `tf.${i}`, dim, 4 * dim)),
    norm: initLayerNorm(0, 'tf.norm', dim),
  };
  const x = initArray(1, 'tf.x', [batch, seq, dim], { normal: 1 });
  const y = initArray(2, 'tf.y', [batch, seq, dim], { normal: 1 });
  const bias = maskBias(seq, 'causal');
  const forward = (p: typeof params, xx: A, b: A) => {
    let h = xx;
    p.blocks.forEach((bp, i) => { h = transformerBlock(bp, h, heads, i + 1 < p.blocks.length ? b.ref : b); });
    return layerNorm(p.norm, h);
  };
  return {
    name: 'transformer', describe: `${layers} transformer layers d=${dim}, ${heads} heads, seq ${seq}, batch ${batch}`,
    params,
    loss: ((p: typeof params, xx: A, yy: A, b: A) => np.square(forward(p, xx, b).sub(yy)).mean()) as never,
    batch: () => [x.ref, y.ref, bias.ref],
    forwardFlops: layers * transformerBlockFlops(batch, seq, dim, 4 * dim),
  };
}

export const BENCH_MODELS: Record<string, (batch?: number) => BenchModel> = { mlp: mlpModel, cnn: cnnModel, transformer: transformerModel };
