// Building the page from data, with no HTML strings: text always goes in as text, so nothing the
// ledger holds can become markup or script.

const SVG = 'http://www.w3.org/2000/svg';

// h('tr', {class: 'x', onclick: f}, 'text', child, [more]) -> Element.
export function h(tag, attrs, ...children) {
  const svg = tag.startsWith('svg:');
  const el = svg ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  add(el, children);
  return el;
}

function add(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) add(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// A table from column headings and rows of cells; a heading starting with "#" is numeric.
export function table(headings, rows, attrs) {
  return h('table', attrs || {},
    h('thead', {}, h('tr', {}, headings.map((x) =>
      h('th', { scope: 'col', class: x.startsWith('#') ? 'num' : undefined }, x.replace(/^#/, ''))))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c, i) =>
      h('td', { class: headings[i] && headings[i].startsWith('#') ? 'num' : undefined }, c))))));
}

// A bar chart as inline SVG: bars = [{label, value, max?, title?, className?}].
export function barChart(bars, options = {}) {
  const width = 640, rowH = 22, left = options.left ?? 150, right = 120;
  const height = Math.max(1, bars.length) * rowH + 8;
  const max = options.max ?? Math.max(1e-9, ...bars.map((b) => b.value));
  const svg = h('svg:svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': options.label || '' });
  bars.forEach((b, i) => {
    const y = 4 + i * rowH;
    const w = Math.max(0, ((width - left - right) * b.value) / max);
    svg.append(h('svg:text', { x: left - 6, y: y + 14, 'text-anchor': 'end' }, b.label));
    const bar = h('svg:rect', { x: left, y: y + 2, width: w.toFixed(1), height: rowH - 6,
      fill: b.color || '#b3261e' });
    bar.append(h('svg:title', {}, b.title || `${b.label}: ${b.text ?? b.value}`));
    svg.append(bar);
    svg.append(h('svg:text', { x: left + w + 4, y: y + 14 }, b.text ?? String(b.value)));
  });
  return svg;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}
