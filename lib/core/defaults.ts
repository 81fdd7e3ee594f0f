/**
 * The defaults that more than one construct applies, each stated once. A construct's own defaults stay in its file;
 * these are the ones a composite must know to validate what its building blocks will do.
 */
export const DEFAULTS = {
  /** Replicas of a Deployment (ResilientDeployment, ScalableBackend) that sets none: enough to survive one loss. */
  replicas: 2,
  /** The fewest replicas of an autoscaled workload. */
  minReplicas: 2,
  /** Replicas of a StatefulSet that sets none. */
  statefulReplicas: 1,
  /** Old ReplicaSets (or revisions) kept for `kubectl rollout undo`. */
  revisionHistoryLimit: 10,
} as const;
