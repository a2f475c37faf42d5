// tools/pdf.py: fit what is wider than the text block, then report what still is not.
// Runs in print media, with the viewport as wide as the printed text block. A table wider
// than the block is set in smaller type (CSS zoom) until it fits, down to MIN_SCALE; so is a
// displayed formula. Then every table, image, figure, displayed formula and code block is
// measured against the block; what sticks out (or would be clipped by a scrolling box) is
// reported, with what it is and where, for pdf.py and tests/browser/test_pdf.py.
(minScale) => {
  const article = document.querySelector('article.bd-article') || document.body;
  const block = article.getBoundingClientRect();
  const label = el => {
    const section = el.closest('section');
    const heading = section && section.querySelector('h1, h2, h3, h4, h5');
    const where = heading ? heading.textContent.replace('#', '').trim().slice(0, 60) : '';
    const what = (el.getAttribute('alt') || el.textContent || '').trim().replace(/\s+/g, ' ');
    return `${where}: ${what.slice(0, 60)}`;
  };
  const fitted = [];
  const sticksOut = r => r.left < block.left - 1 || r.right > block.right + 1;
  // set ``el`` in smaller type until ``inner`` (what it draws) lies within the block (a
  // formula shares its line with its number, so the first guess may not be enough)
  const fit = (el, inner, kind) => {
    const w = inner.getBoundingClientRect().width;
    if (!sticksOut(inner.getBoundingClientRect())) return;
    let scale = Math.max(Math.floor((block.width / w) * 100) / 100, minScale);
    el.style.zoom = scale;
    while (sticksOut(inner.getBoundingClientRect()) && scale > minScale) {
      scale = Math.max(Math.round((scale - 0.02) * 100) / 100, minScale);
      el.style.zoom = scale;
    }
    fitted.push({kind, label: label(el), scale});
  };
  for (const t of article.querySelectorAll('table')) fit(t, t, 'table');
  for (const m of article.querySelectorAll('mjx-container[display="true"]')) {
    fit(m, m.querySelector('mjx-math') || m, 'formula');
  }
  const kinds = {
    table: 'table', img: 'image', figure: 'figure', svg: 'image',
    'mjx-container[display="true"] > mjx-math': 'formula', pre: 'code', '.wtc-print': 'what-if',
  };
  const overflow = [];
  for (const [selector, kind] of Object.entries(kinds)) {
    for (const el of article.querySelectorAll(selector)) {
      if (!el.getClientRects().length) continue;  // not printed (display: none)
      const r = el.getBoundingClientRect();
      if (r.left < block.left - 1 || r.right > block.right + 1) {
        overflow.push({kind, label: label(el), width: Math.round(r.width)});
      }
    }
  }
  const controls = [...article.querySelectorAll('select, .wtc-controls')]
    .filter(el => el.getClientRects().length).length;
  const whatifs = [...article.querySelectorAll('.wtc-print')]
    .filter(el => el.getClientRects().length)
    .map(el => Math.round(el.getBoundingClientRect().width));
  return {block_width: Math.round(block.width), fitted, overflow, controls, whatifs};
}
