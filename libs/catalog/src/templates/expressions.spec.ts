import { ExpressionError, parseTemplateString, substitute, variablesIn } from './expressions.js';

const variables = new Map([
  ['domains.primary', 'chat.example.org'],
  ['clubName', '{{ secrets.db_password }}'],
  ['secrets.db_password', 'S3CRET'],
]);

describe('template strings', () => {
  it('split into literals and variables, with or without spaces inside the braces', () => {
    expect(parseTemplateString('https://{{domains.primary}}/x{{ clubName }}')).toEqual([
      { literal: 'https://' },
      { variable: 'domains.primary' },
      { literal: '/x' },
      { variable: 'clubName' },
    ]);
    expect(variablesIn('no expressions at all')).toEqual([]);
  });

  it('insert values verbatim and never read them again', () => {
    expect(substitute('title={{ clubName }}', variables)).toBe('title={{ secrets.db_password }}');
    expect(substitute('{{ domains.primary }}{{ clubName }}', variables)).toBe('chat.example.org{{ secrets.db_password }}');
  });

  it('refuse unknown variables instead of leaving them empty', () => {
    expect(() => substitute('{{ secrets.nope }}', variables)).toThrow(new ExpressionError('unknown variable "secrets.nope"'));
  });

  it.each(['{{ a', 'a }}', '{{ a }', '{ { a } }}', '{{}}', '{{ a b }}', '{{ a.b() }}', '{{ a | b }}', '{{ {{ a }} }}', '{{{ a }}}', '${a}}}'])(
    'refuse the malformed %s',
    (text) => {
      expect(() => parseTemplateString(text)).toThrow(ExpressionError);
    },
  );

  it('leave single braces and dollar signs alone', () => {
    expect(substitute('${HOME} {x} $(id) `id`', variables)).toBe('${HOME} {x} $(id) `id`');
  });
});
