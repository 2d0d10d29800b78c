/**
 * Set where setup has run (CI sets TAILOR_TEST_REQUIRE_SETUP=1 after scripts/setup.sh): what
 * setup installs (Debian's Fashion-MNIST, Chromium) must then be there, and the suites that
 * use it run and fail without it instead of skipping.
 */
export const SETUP_REQUIRED = process.env.TAILOR_TEST_REQUIRE_SETUP === '1';
