import { letterHtml } from './letter-html.js';

describe('letterHtml', () => {
  it('makes a paragraph of each block of lines and keeps the line breaks', () => {
    const html = letterHtml('Hello', 'Hello Gardeners,\n\nline one\nline two\n\n\nlast\n', 'en');
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<title>Hello</title>');
    expect(html).toContain('<p>Hello Gardeners,</p>\n<p>line one<br>\nline two</p>\n<p>last</p>');
  });

  it('escapes everything the text holds, in the body and the title', () => {
    const html = letterHtml('Club <b>"Süd" & Co\'s</b>', 'Hello <script>alert(1)</script> & "you" \'too\'', 'de');
    expect(html).toContain('<title>Club &lt;b&gt;&quot;Süd&quot; &amp; Co&#39;s&lt;/b&gt;</title>');
    expect(html).toContain('<p>Hello &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;you&quot; &#39;too&#39;</p>');
    expect(html).not.toMatch(/<script|<style|style=|<img|<link|src=/i);
  });

  it('makes web addresses clickable, without the punctuation after them, and escapes them too', () => {
    const html = letterHtml('x', 'Open https://hosting.example/order/1?a=1&b=2. Or http://h.example/x), then\nhttps://club.hosting.example:8443', 'en');
    expect(html).toContain('Open <a href="https://hosting.example/order/1?a=1&amp;b=2">https://hosting.example/order/1?a=1&amp;b=2</a>. Or <a href="http://h.example/x">http://h.example/x</a>), then<br>');
    expect(html).toContain('<a href="https://club.hosting.example:8443">https://club.hosting.example:8443</a></p>');
  });

  it('links only http and https addresses; a quote or angle bracket ends one', () => {
    const html = letterHtml('x', 'javascript:alert(1) mailto:a@b.example https://a.example/"onmouseover="x <https://b.example/>', 'en');
    expect(html).not.toContain('href="javascript');
    expect(html).not.toContain('href="mailto');
    expect(html).toContain('<a href="https://a.example/">https://a.example/</a>&quot;onmouseover=&quot;x');
    expect(html).toContain('&lt;<a href="https://b.example/">https://b.example/</a>&gt;');
  });
});
