import { SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { Predictor } from './predictor.js';

/**
 * The predictor with a span per call, child of the request's span: which model was asked
 * for and which version answered, how many images the request brought (`batch_size`; the
 * micro-batcher may merge them with other requests' into one forward pass), and the time
 * from the images' arrival at the pool to their probabilities.
 */
export function tracedPredictor(predictor: Predictor, tracer: Tracer): Predictor {
  return {
    predict(model, inputs, options) {
      const attributes = {
        'tailor.model.requested': model,
        'tailor.predict.batch_size': inputs.length,
        'tailor.predict.explain': options?.explain === true,
      };
      return tracer.startActiveSpan('predict', { attributes }, async (span) => {
        try {
          const result = await predictor.predict(model, inputs, options);
          span.setAttributes({
            'tailor.model.id': result.model.id,
            'tailor.model.version': result.model.version,
          });
          return result;
        } catch (err) {
          span.recordException(err as Error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
          throw err;
        } finally {
          span.end();
        }
      });
    },
    close: () => predictor.close(),
  };
}
