// The house style as it was written by hand. printWidth 150 is the width that rewrites the fewest
// existing lines (measured against 120, 140 and 160 when Prettier came in; long lines were the norm).
export default {
  singleQuote: true,
  semi: true,
  trailingComma: 'all',
  tabWidth: 2,
  printWidth: 150,
};
