import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Whether tfjs-node (native TensorFlow, scripts/native-tensorflow.sh) is installed here. */
export const NATIVE_INSTALLED = (() => {
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
})();

/**
 * Native tests run where tfjs-node is installed, and must run where the caller says it is
 * (CI sets TAILOR_TEST_REQUIRE_NATIVE=1 after setup built it): there they fail, not skip.
 */
export const RUN_NATIVE_TESTS = NATIVE_INSTALLED || process.env.TAILOR_TEST_REQUIRE_NATIVE === '1';
if (!RUN_NATIVE_TESTS) {
  console.warn(
    'native TensorFlow is not installed (bash scripts/native-tensorflow.sh): its tests skip',
  );
}

/** The backend `auto` picks on this host without a GPU. */
export const AUTO_BACKEND = NATIVE_INSTALLED ? 'tensorflow' : 'wasm';
