#!/usr/bin/env bash
# `npm test`: every vitest file, then the chaos suite alone (it kills workers and Redis, so
# nothing may share the CPU with it). Both always run: a failure in one never hides what the
# other would have said, and the exit status fails if either failed.
set -u
cd "$(dirname "$0")/.."

npx vitest run
unit=$?
npx vitest run --config vitest.chaos.config.ts
chaos=$?

verdict() { [ "$1" = 0 ] && echo passed || echo "FAILED (exit $1)"; }
echo "npm test: vitest $(verdict "$unit"); chaos suite $(verdict "$chaos")"
[ "$unit" = 0 ] && [ "$chaos" = 0 ]
