/**
 * Where training data comes from: the built-in Fashion-MNIST, or files in IDX or CSV form
 * (an uploaded data set's, as its store hands them out, or a command line's).
 */
export type DataSource =
  | { kind: 'fashion-mnist'; dataDir: string; download?: boolean }
  | {
      kind: 'idx';
      trainImages: string;
      trainLabels: string;
      testImages: string;
      testLabels: string;
    }
  | { kind: 'csv'; train: string; test: string };
