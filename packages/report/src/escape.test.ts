import { describe, expect, it } from 'vitest';
import { detailsCode, fencedBlock, htmlAttribute, htmlText, inlineCode, markdownLink, markdownText, terminalText } from './escape.js';

describe('escaping by context', () => {
  it('inline code: a fence longer than any backtick run, padded, on one line', () => {
    expect(inlineCode('a ``b`` c')).toBe('```a ``b`` c```');
    expect(inlineCode('`x')).toBe('`` `x ``');
    expect(inlineCode('one\n\ntwo\r\nthree')).toBe('`one two three`');
    expect(inlineCode('')).toBe('` `');
  });

  it('fenced block: a fence longer than any run inside, so ``` or ~~~ inside cannot close it', () => {
    expect(fencedBlock('a\n```\nb\n~~~~')).toBe('````text\na\n```\nb\n~~~~\n````');
    expect(fencedBlock('x\r```\ry')).toBe('````text\nx\n```\ny\n````');
  });

  it('markdown text: no emphasis, link, image, HTML, mention or autolink, on one line', () => {
    expect(markdownText('*a* _b_ [l](u) ![i](u) <b> |')).toBe('\\*a\\* \\_b\\_ \\[l\\]\\(u\\) \\!\\[i\\]\\(u\\) &lt;b&gt; \\|');
    expect(markdownText('hi @maintainer\n\nme@x.io')).toBe('hi @&#8203;maintainer me@&#8203;x.io');
    expect(markdownText('see https://x.example or www.x.example')).toBe('see https:&#8203;//x.example or www&#8203;.x.example');
    expect(markdownText('1. item')).toBe('1\\. item');
    expect(markdownText('- item')).toBe('\\- item');
  });

  it('shows invisible, bidi and control characters instead of passing them on', () => {
    expect(markdownText('a\u202Eb\u200Bc\uFEFF')).toBe('a‹U+202E›b‹U+200B›c‹U+FEFF›');
    expect(htmlText('x\u2066y\u0000')).toBe('x‹U+2066›y‹U+0000›');
  });

  it('HTML: text, attributes, and code inside <details> on one line', () => {
    expect(htmlText('<script>&"\'')).toBe('&lt;script&gt;&amp;&quot;&#39;');
    expect(htmlAttribute('a"b\nc')).toBe('a&quot;b&#10;c');
    expect(detailsCode('x\n\n</details>')).toBe('<code>x &lt;/details&gt;</code>');
  });

  it('links: the destination cannot end early', () => {
    expect(markdownLink('report', 'https://x.example/a b)(c')).toBe('[report](https://x.example/a%20b%29%28c)');
  });

  it('terminal: no escape sequence, no new line, no workflow command', () => {
    expect(terminalText('\u001b[2J\u001b[31mred\u001b[0m\nnext')).toBe('red next');
    expect(terminalText('::error::x')).toBe('\\::error::x');
    expect(terminalText(' \t::warning::x')).toBe(' \\::warning::x');
    expect(terminalText('a ##[error]b')).toBe('a ##\\[error]b');
    expect(terminalText('bell\u0007')).toBe('bell‹U+0007›');
  });
});
