// The learning-rate schedule: epoch e (1-based) trains at lr · factor^max(0, e − decayStart).
// The report: decay 0.8 per epoch after epoch 10. The same formula as src-shared/config's
// learningRateAt (the engine imports nothing but itself; a test checks they agree).

export function learningRateAt(cfg: { learningRate: number; decayStart: number; decayFactor: number }, epoch: number): number {
  const k = Math.max(0, epoch - cfg.decayStart);
  return cfg.learningRate * Math.pow(cfg.decayFactor, k);
}
