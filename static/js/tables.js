// Phones: wide tables are shown as stacked cards (site.css, "Phones"); each cell is labelled with
// its column heading, taken from the table's <thead>. Cells that already carry a data-label (set
// by the template) keep it. Without JavaScript the cards show the values without headings.
document.querySelectorAll("main table").forEach(function (table) {
  var heads = table.querySelectorAll("thead th");
  if (!heads.length) return;
  table.classList.add("stack");
  table.querySelectorAll("tbody tr, tfoot tr").forEach(function (row) {
    Array.prototype.forEach.call(row.children, function (cell, i) {
      if (!cell.hasAttribute("data-label") && heads[i]) {
        cell.setAttribute("data-label", heads[i].textContent.trim());
      }
    });
  });
});
