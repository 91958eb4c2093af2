// ESLint here guards one thing: every regular expression in the program must run in linear
// time, because many of them see user input and a super-linear one lets a single request
// stall the event loop for every other reader. No style rules: formatting is not linted.
import tseslint from 'typescript-eslint';
import regexp from 'eslint-plugin-regexp';

export default [
  {
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { ecmaVersion: 'latest', sourceType: 'module', ecmaFeatures: { jsx: true } },
    },
    plugins: { regexp },
    // Other rules' directives (e.g. no-control-regex) are not ours to police here.
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: {
      'regexp/no-super-linear-backtracking': 'error',
      'regexp/no-super-linear-move': 'error',
    },
  },
];
