/** Typed views of LeRobot v3.0 metadata: info.json and the rows of the episodes table. */
import type { Features } from './features.ts';
import type { Stats } from './stats.ts';

export interface Info {
  codebase_version: string;
  robot_type: string | null;
  total_episodes: number;
  total_frames: number;
  total_tasks: number;
  chunks_size: number;
  data_files_size_in_mb: number;
  video_files_size_in_mb: number;
  fps: number;
  splits: Record<string, string>;
  data_path: string;
  video_path: string | null;
  features: Features;
  [extra: string]: unknown;
}

export interface VideoRef {
  chunk: number;
  file: number;
  from_timestamp: number;
  to_timestamp: number;
}

/** One row of meta/episodes/*.parquet, plus umwelt's extra columns (success, robot). */
export interface EpisodeMeta {
  episode_index: number;
  tasks: string[];
  length: number;
  dataChunk: number;
  dataFile: number;
  dataset_from_index: number;
  dataset_to_index: number;
  videos: Record<string, VideoRef>;
  metaChunk: number;
  metaFile: number;
  success: boolean | null;
  robot: string | null;
  stats: Stats;
  /** v2.1 datasets: the episode's own data file (relative path). */
  dataPathOverride?: string;
  videoPathOverride?: Record<string, string>;
}
