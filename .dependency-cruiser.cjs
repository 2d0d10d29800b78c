/**
 * The layers of src/ (README, Development): an import points down, never up, and
 * never round in a circle. `npm run lint` runs this on src/.
 */
const UPPER = '^src/(api|service|cli)/|^src/(app|server|cli)[.]ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'A cycle ties modules that should be separable; break it by moving the shared part down.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'config-imports-no-layer-above',
      comment:
        'config.ts turns the environment into settings for every layer; it imports none of those that read them.',
      severity: 'error',
      from: { path: '^src/config[.]ts$' },
      to: {
        path: `${UPPER}|^src/(jobs|tuning|store|evaluation|exploration|export|reports|training)/`,
      },
    },
    {
      name: 'http-only-in-api',
      comment:
        'Only api/ knows HTTP; the layers below raise coded errors it maps (api/error-codes.ts).',
      severity: 'error',
      from: {
        path: '^src/(jobs|tuning|store|inference|training|ml|data|redis|evaluation|exploration|export|reports)/',
      },
      to: { path: UPPER },
    },
    {
      name: 'jobs-below-tuning',
      comment:
        'A tuning job is made of training jobs: tuning/ uses jobs/, not the other way round.',
      severity: 'error',
      from: { path: '^src/jobs/' },
      to: { path: '^src/(tuning|evaluation|exploration)/' },
    },
    {
      name: 'store-below-training-and-jobs',
      comment: 'The stores keep bytes; they know nothing of training runs or jobs.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/(training|jobs|tuning|evaluation|exploration|inference|reports)/' },
    },
    {
      name: 'ml-and-data-at-the-bottom',
      comment: 'The model, its engines and the data readers stand on their own.',
      severity: 'error',
      from: { path: '^src/(ml|data)/' },
      to: {
        path: '^src/(training|store|jobs|tuning|inference|evaluation|exploration|export|reports|redis)/',
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
