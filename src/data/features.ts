/**
 * LeRobot feature descriptions (meta/info.json "features") for umwelt episodes.
 * Scalars have shape [1] and are stored as plain parquet columns; vectors as lists of float32;
 * images as {bytes: PNG, path: null} structs (HF datasets Image); videos live in MP4 files.
 */
import type { EnvSpec } from '../env/types.ts';

export type Dtype = 'float32' | 'float64' | 'int64' | 'bool' | 'string' | 'image' | 'video';

export interface Feature {
  dtype: Dtype;
  shape: number[];
  names: string[] | Record<string, string[]> | null;
  info?: Record<string, unknown>;
}

export type Features = Record<string, Feature>;

/**
 * Indices of the position dims among a state feature's dim names: those named *_x / *_y, or every
 * named dim where none are (reach: joint angles). What "where the agent and objects are" means to
 * the probes and to stall finding.
 */
export function positionDims(state: Feature | undefined): number[] {
  const names = Array.isArray(state?.names) ? state.names : [];
  const named = names.flatMap((n, i) => (/_(x|y)$/.test(n) ? [i] : []));
  return named.length ? named : names.map((_, i) => i);
}

/** Columns every LeRobot dataset has, in LeRobot's order. */
export const DEFAULT_FEATURES: Features = {
  timestamp: { dtype: 'float32', shape: [1], names: null },
  frame_index: { dtype: 'int64', shape: [1], names: null },
  episode_index: { dtype: 'int64', shape: [1], names: null },
  index: { dtype: 'int64', shape: [1], names: null },
  task_index: { dtype: 'int64', shape: [1], names: null },
};

export interface VideoInfo {
  codec: string;
  pixFmt: string;
}

export function featuresFor(spec: EnvSpec, video?: VideoInfo): Features {
  const f: Features = {};
  for (const cam of spec.cameras) {
    const shape = [cam.height, cam.width, 3];
    const names = ['height', 'width', 'channels'];
    f[`observation.images.${cam.name}`] = video
      ? {
          dtype: 'video', shape, names,
          info: {
            'video.height': cam.height, 'video.width': cam.width, 'video.codec': video.codec,
            'video.pix_fmt': video.pixFmt, 'video.is_depth_map': false, 'video.fps': spec.fps,
            'video.channels': 3, has_audio: false,
          },
        }
      : { dtype: 'image', shape, names };
  }
  f['observation.state'] = { dtype: 'float32', shape: [spec.state.names.length], names: [...spec.state.names] };
  f.action = { dtype: 'float32', shape: [spec.action.names.length], names: [...spec.action.names] };
  f['next.reward'] = { dtype: 'float32', shape: [1], names: null };
  f['next.done'] = { dtype: 'bool', shape: [1], names: null };
  f['next.success'] = { dtype: 'bool', shape: [1], names: null };
  f.intervention = { dtype: 'bool', shape: [1], names: null };
  return { ...f, ...DEFAULT_FEATURES };
}

export const isVisual = (f: Feature) => f.dtype === 'image' || f.dtype === 'video';
