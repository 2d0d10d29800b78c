// An S3-compatible server (s3rver) for the tests, in a process of its own so that tailor
// talks to it over HTTP as to any S3. Usage: node --openssl-legacy-provider
// s3rver-process.cjs <dir> <port> <bucket>; prints `listening <port>` once it answers.
// The legacy provider: s3rver's list continuation tokens use DES, which OpenSSL 3 keeps
// there. Mismatched signatures are allowed because s3rver computes SigV4 wrongly for
// bucket-level requests (ListObjectsV2, DeleteObjects); every request must still be signed.
const S3rver = require('@20minutes/s3rver');

const [directory, port, bucket] = process.argv.slice(2);
new S3rver({
  directory,
  port: Number(port),
  address: '127.0.0.1',
  silent: true,
  allowMismatchedSignatures: true,
  configureBuckets: [{ name: bucket, configs: [] }],
})
  .run()
  .then(({ port: bound }) => console.log(`listening ${bound}`));
