// tools/pdf.py: the title page and the table of contents, from the single page's own
// headings (chapters and back-matter pages are h3, their sections h4, with Sphinx's section
// numbers); every solution opened. Headings get ids of their own for the links, since the
// pages' section ids repeat on one page ("exercises" in every chapter).
([title, edition]) => {
  const chrome = '.bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-footer, '
    + 'nav.bd-docs-nav, .header-article, .prev-next-area, .bd-header-announcement, .onlyprint';
  for (const el of document.querySelectorAll(chrome)) el.remove();
  const article = document.querySelector('article.bd-article') || document.body;
  const esc = s => s.replace(/[&<>]/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;'})[c]);
  const text = h => [...h.childNodes]
    .filter(n => !(n.classList && n.classList.contains('headerlink')))
    .map(n => n.textContent).join('').trim();
  let html = '<nav id="pdf-toc"><div class="pdf-heading">Contents</div><ol>';
  let open = false, n = 0;
  for (const h of article.querySelectorAll('section > h3, section > h4')) {
    h.id = h.id || `pdf-toc-${++n}`;
    const link = `<a href="#${h.id}">${esc(text(h))}</a>`;
    if (h.tagName === 'H3') {
      if (open) html += '</ol></li>';
      html += `<li><strong>${link}</strong><ol>`;
      open = true;
    } else if (open) {
      html += `<li>${link}</li>`;
    }
  }
  if (open) html += '</ol></li>';
  html += '</ol></nav>';
  const front = document.createElement('div');
  front.innerHTML =
    `<div class="pdf-title"><div class="pdf-heading">${esc(title)}</div><p>${esc(edition)}</p></div>` + html;
  article.prepend(front);
  for (const d of document.querySelectorAll('details:not(.hide)')) d.open = true;
  for (const el of document.querySelectorAll('.toggle-hidden')) {
    el.classList.remove('toggle-hidden');
  }
  return n;
}
