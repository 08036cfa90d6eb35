import { escapeHtml, fill, format, html } from './html.js';

describe('html templates', () => {
  it('escapes every interpolated value', () => {
    const name = `<script>alert("x")</script> & 'friends'`;
    expect(html`<p title="${name}">${name}</p>`.toString()).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;friends&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;friends&#39;</p>',
    );
  });

  it('keeps nested templates, joins arrays and drops empty values', () => {
    const items = ['a<b', 'c'].map((item) => html`<li>${item}</li>`);
    expect(html`<ul>${items}</ul>${null}${undefined}${false}${0}`.toString()).toBe('<ul><li>a&lt;b</li><li>c</li></ul>0');
  });

  it('fills placeholders in escaped texts', () => {
    expect(fill('Pay {amount} to <us>', { amount: html`<strong>${'5 €'}</strong>` }).toString()).toBe('Pay <strong>5 €</strong> to &lt;us&gt;');
    expect(fill('Hi {name}', { name: '<b>' }).toString()).toBe('Hi &lt;b&gt;');
    expect(format('Hi {name}, {missing}', { name: 'Ada' })).toBe('Hi Ada, {missing}');
    expect(escapeHtml('"')).toBe('&quot;');
  });
});
