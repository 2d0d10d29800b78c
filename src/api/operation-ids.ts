/**
 * The `operationId` of every documented operation, keyed by `METHOD path` as the
 * document writes it. Generated SDKs name their methods after these, so they are part of the API:
 * never rename one. Kept in one table because several routes share one schema object
 * (the protocol routes' versioned and unversioned paths), which cannot carry two ids.
 */
export const OPERATION_IDS: Readonly<Record<string, string>> = {
  'GET /healthz': 'getLiveness',
  'GET /readyz': 'getReadiness',

  'GET /v1/aliases': 'listAliases',
  'GET /v1/aliases/{name}': 'getAlias',
  'PUT /v1/aliases/{name}': 'putAlias',
  'DELETE /v1/aliases/{name}': 'deleteAlias',

  'GET /v1/datasets': 'listDatasets',
  'POST /v1/datasets': 'createDataset',
  'GET /v1/datasets/{id}': 'getDataset',
  'GET /v1/datasets/{id}/images/{split}/{index}.png': 'getDatasetImage',
  'GET /v1/datasets/{id}/report': 'getDatasetReport',
  'GET /v1/datasets/{id}/samples.png': 'getDatasetSamples',
  'GET /v1/datasets/{id}/stats': 'getDatasetStats',

  'GET /v1/models': 'listModels',
  'GET /v1/models/{id}': 'getModel',
  'POST /v1/models/{id}/evaluations': 'createEvaluation',
  'GET /v1/models/{id}/export': 'exportModel',
  'GET /v1/models/{id}/export/tfjs/model.json': 'exportModelTfjsTopology',
  'GET /v1/models/{id}/export/tfjs/weights.bin': 'exportModelTfjsWeights',
  'POST /v1/models/{id}/predict': 'predictWithModel',
  'POST /v1/predict': 'predict',

  'GET /v1/models/{name}/labels/{label}': 'tfServingGetModelStatusByLabel',
  'GET /v1/models/{name}/labels/{label}/metadata': 'tfServingGetModelMetadataByLabel',
  'POST /v1/models/{name}/labels/{label}:predict': 'tfServingPredictByLabel',
  'GET /v1/models/{name}/metadata': 'tfServingGetModelMetadata',
  'GET /v1/models/{name}/versions/{version}': 'tfServingGetModelStatusByVersion',
  'GET /v1/models/{name}/versions/{version}/metadata': 'tfServingGetModelMetadataByVersion',
  'POST /v1/models/{name}/versions/{version}:predict': 'tfServingPredictByVersion',
  'POST /v1/models/{name}:predict': 'tfServingPredict',

  'GET /v1/training-jobs': 'listTrainingJobs',
  'POST /v1/training-jobs': 'createTrainingJob',
  'GET /v1/training-jobs/{id}': 'getTrainingJob',
  'POST /v1/training-jobs/{id}/cancel': 'cancelTrainingJob',
  'GET /v1/training-jobs/{id}/events': 'watchTrainingJob',
  'GET /v1/training-jobs/{id}/report': 'getTrainingJobReport',

  'GET /v1/tuning-jobs': 'listTuningJobs',
  'POST /v1/tuning-jobs': 'createTuningJob',
  'GET /v1/tuning-jobs/{id}': 'getTuningJob',
  'GET /v1/tuning-jobs/{id}/report': 'getTuningJobReport',

  'GET /v2': 'oipGetServerMetadata',
  'GET /v2/health/live': 'oipGetServerLive',
  'GET /v2/health/ready': 'oipGetServerReady',
  'GET /v2/models/{name}': 'oipGetModelMetadata',
  'POST /v2/models/{name}/infer': 'oipInfer',
  'GET /v2/models/{name}/ready': 'oipGetModelReady',
  'GET /v2/models/{name}/versions/{version}': 'oipGetModelVersionMetadata',
  'POST /v2/models/{name}/versions/{version}/infer': 'oipInferWithVersion',
  'GET /v2/models/{name}/versions/{version}/ready': 'oipGetModelVersionReady',
};
