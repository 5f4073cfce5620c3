// Measures the rendered page for tests/docs/layout.py; evaluates to a list of problems, each
// {kind, block, overflow}. Runs in the browser after the page and its fonts have loaded.
(() => {
  const problems = [];
  const root = document.querySelector("article") || document.body;

  // Where a block is: the nearest heading before it, then the start of its own text.
  const where = (element, text) => {
    let heading = "";
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node === element || node.contains(element)) break;
      if (/^H[1-4]$/.test(node.tagName)) heading = node.textContent.replace(/¶$/, "").trim();
    }
    const start = text.split("\n").find((line) => line.trim()) || "";
    return `${heading ? `§ ${heading}: ` : ""}${start.trim().slice(0, 60)}`;
  };

  // A horizontal scrollbar: content wider than the box. 1 px of slack for sub-pixel rounding.
  const scrolls = (element) => element.scrollWidth - element.clientWidth > 1;

  for (const pre of root.querySelectorAll("pre")) {
    const code = pre.querySelector(":scope > code") || pre;
    const box = [pre, code].find(scrolls);
    if (!box) continue;
    const lines = code.textContent.split("\n");
    const longest = lines.reduce((a, b) => (b.length > a.length ? b : a), "");
    problems.push({
      kind: `code block scrolls (longest line ${longest.length} chars)`,
      block: where(pre, code.textContent),
      overflow: box.scrollWidth - box.clientWidth,
    });
  }

  const column = root.getBoundingClientRect();
  for (const table of root.querySelectorAll("table")) {
    const label = where(table, table.rows.length ? table.rows[0].textContent.replace(/\s+/g, " ") : "");
    const boxes = [table, table.closest(".md-typeset__scrollwrap")].filter(Boolean);
    const box = boxes.find(scrolls);
    const right = table.getBoundingClientRect().right;
    if (box) {
      problems.push({ kind: "table scrolls", block: label, overflow: box.scrollWidth - box.clientWidth });
    } else if (right - column.right > 1) {
      problems.push({ kind: "table wider than the column", block: label, overflow: right - column.right });
    }
  }

  // Inline code broken across lines between two non-space characters: an identifier cut in two.
  const brokenAt = (code) => {
    const range = document.createRange();
    const chars = [];
    const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let i = 0; i < node.length; i++) {
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rect = range.getClientRects()[0];
        if (rect) chars.push({ char: node.data[i], top: rect.top, height: rect.height });
      }
    }
    for (let i = 1; i < chars.length; i++) {
      const [before, after] = [chars[i - 1], chars[i]];
      if (after.top - before.top > before.height / 2 && before.char.trim() && after.char.trim()) return i;
    }
    return -1;
  };
  for (const code of root.querySelectorAll("code")) {
    if (code.closest("pre") || code.getClientRects().length < 2) continue;
    const at = brokenAt(code);
    if (at < 0) continue;
    const text = code.textContent;
    const place = code.closest("table") ? "in a table" : "in the text";
    problems.push({
      kind: `inline code broken mid-word ${place}`,
      block: `${where(code, "")}\`${text.slice(0, at)}\` | \`${text.slice(at)}\``,
      overflow: 0,
    });
  }
  return problems;
})()
