// tools/pdf.py: the title page and the table of contents, from the single page's own
// headings (chapters and back-matter pages are h3, their sections h4, with Sphinx's section
// numbers); every solution opened. Headings get ids of their own for the links, since the
// pages' section ids repeat on one page ("exercises" in every chapter). Each entry has an
// empty page number, which pdf.py fills in after a first printing (fillPageNumbers below).
({title, subtitle, authors, edition, url}) => {
  const chrome = '.bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-footer, '
    + 'nav.bd-docs-nav, .header-article, .prev-next-area, .bd-header-announcement, .onlyprint';
  for (const el of document.querySelectorAll(chrome)) el.remove();
  const article = document.querySelector('article.bd-article') || document.body;
  const esc = s => s.replace(/[&<>"]/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'})[c]);
  const text = h => [...h.childNodes]
    .filter(n => !(n.classList && n.classList.contains('headerlink')))
    .map(n => n.textContent).join('').trim();
  const entry = (h, cls) =>
    `<li class="${cls}"><a href="#${h.id}"><span class="pdf-toc-text">${esc(text(h))}</span>`
    + `<span class="pdf-toc-page" data-for="${h.id}"></span></a>`;
  let html = '<nav id="pdf-toc"><div class="pdf-heading">Contents</div><ol>';
  let open = false, n = 0;
  const headings = [];
  for (const h of article.querySelectorAll('section > h3, section > h4')) {
    h.id = `pdf-toc-${++n}`;
    headings.push([h.id, text(h)]);
    if (h.tagName === 'H3') {
      if (open) html += '</ol></li>';
      html += entry(h, 'pdf-toc-chapter') + '<ol>';
      open = true;
    } else if (open) {
      html += entry(h, 'pdf-toc-section') + '</li>';
    }
  }
  if (open) html += '</ol></li>';
  html += '</ol></nav>';
  const front = document.createElement('div');
  front.innerHTML =
    '<div class="pdf-title">'
    + `<div class="pdf-heading">${esc(title)}</div>`
    + `<p class="pdf-subtitle">${esc(subtitle)}</p>`
    + `<p class="pdf-authors">${authors.map(esc).join('<br>')}</p>`
    + `<p class="pdf-edition">${esc(edition)}</p>`
    + `<p class="pdf-url">${esc(url)}</p>`
    + '</div>' + html;
  article.prepend(front);
  for (const d of document.querySelectorAll('details:not(.hide)')) d.open = true;
  for (const el of document.querySelectorAll('.toggle-hidden')) {
    el.classList.remove('toggle-hidden');
  }
  return headings;
}
