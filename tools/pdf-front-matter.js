// tools/pdf.py: the title page and the table of contents, from the page's own numbered
// headings; every solution opened.
([title, edition]) => {
  const article = document.querySelector('article.bd-article') || document.body;
  const esc = s => s.replace(/[&<>]/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;'})[c]);
  const items = [];
  for (const h of article.querySelectorAll('section > h1, section > h2')) {
    const section = h.parentElement;
    if (!section.id) continue;
    const text = [...h.childNodes].filter(n => !(n.classList && n.classList.contains('headerlink')))
      .map(n => n.textContent).join('').trim();
    items.push({level: h.tagName === 'H1' ? 1 : 2, id: section.id, text});
  }
  let html = '<nav id="pdf-toc"><h1>Contents</h1><ol>';
  let open = false;
  for (const it of items) {
    if (it.level === 1) {
      if (open) { html += '</ol></li>'; open = false; }
      html += `<li><a href="#${it.id}"><strong>${esc(it.text)}</strong></a><ol>`;
      open = true;
    } else if (open) {
      html += `<li><a href="#${it.id}">${esc(it.text)}</a></li>`;
    }
  }
  if (open) html += '</ol></li>';
  html += '</ol></nav>';
  const front = document.createElement('div');
  front.innerHTML = `<div class="pdf-title"><h1>${esc(title)}</h1><p>${esc(edition)}</p></div>` + html;
  article.prepend(front);
  // Open every solution (they are dropdowns on the web).
  for (const d of document.querySelectorAll('details')) d.open = true;
  for (const el of document.querySelectorAll('.toggle-hidden')) el.classList.remove('toggle-hidden');
  return items.length;
}
