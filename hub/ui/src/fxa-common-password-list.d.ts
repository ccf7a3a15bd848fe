// The package is CommonJS without types: `module.exports = { test }`.
declare module 'fxa-common-password-list' {
  export function test(password: string): boolean;
}
