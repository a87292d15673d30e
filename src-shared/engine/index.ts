// The engine's public API: the LeNet-5 math, pure TypeScript (imports nothing but itself).
export * from './types';
export type { Backend } from './backend';
export { PARAM_TABLE, PARAM_COUNT, paramEntry, view, INPUT_SIZE, IMAGE_SIZE, NUM_CLASSES, type ParamEntry } from './layout';
export { Prng, type PrngState } from './prng';
export { initParams, initStd, fans, type InitScheme } from './init';
export { createOptimizer, createSgd, createAdam, type Optimizer, type OptimizerState, type OptimizerConfig } from './optim';
export { BatchWriter, normStats, pixelStats, lookupTable, type NormStats, type Normalization } from './batch';
export { learningRateAt } from './schedule';
export { checkTrainConfig } from './trainConfig';
export { splitTrainSet, trainingCount, fingerprint, checkImageSet, STREAM, type Split } from './split';
export { CHECKPOINT_MAGIC, CHECKPOINT_VERSION, decodeCheckpoint, encodeCheckpoint } from './checkpoint';
export { createTrainer, restoreTrainer, ENGINE_VERSION, type SolverTrainer, type TrainerOptions } from './solver';
export { createReferenceBackend, createReferenceModel64, type ReferenceBackend, type ReferenceBackendOptions, type LeNetModel } from './reference/lenet';
