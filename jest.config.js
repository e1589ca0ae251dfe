/**
 * Unit specs sit beside the code (src/**\/*.spec.ts); integration and end-to-end tests under tests/.
 * fhir-kit-client 2.x ships ESM only, which jest's CommonJS runtime cannot load: it is transpiled like our code.
 * (NestJS 12 is ESM-only too — that is why gateway tests run the gateway as a real child process.)
 */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }] },
  transformIgnorePatterns: ['/node_modules/(?!fhir-kit-client/)'],
  // Its package.json exports only an "import" condition; point jest at the file itself.
  moduleNameMapper: { '^fhir-kit-client$': '<rootDir>/node_modules/fhir-kit-client/dist/index.js' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/tests/**/*.test.ts'],
  testTimeout: 120000,
};
