// opsledger: sort and filter the index tables. Plain DOM, no library, nothing fetched.
(function () {
  "use strict";

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) { return ""; }
    return cell.getAttribute("data-sort") || cell.textContent.trim();
  }

  function makeSortable(table) {
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(headers, function (th, index) {
      th.setAttribute("data-ol-sort", "none");
      th.setAttribute("tabindex", "0");
      function sort() {
        var ascending = th.getAttribute("data-ol-sort") !== "asc";
        Array.prototype.forEach.call(headers, function (other) { other.setAttribute("data-ol-sort", "none"); });
        th.setAttribute("data-ol-sort", ascending ? "asc" : "desc");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          var order = x.localeCompare(y, undefined, { numeric: true });
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) { if (event.key === "Enter") { sort(); } });
    });
  }

  function makeFilter(bar) {
    var table = document.getElementById(bar.getAttribute("data-ol-filter"));
    if (!table) { return; }
    var selects = bar.querySelectorAll("select[data-ol-key]");
    function apply() {
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        var shown = Array.prototype.every.call(selects, function (select) {
          var wanted = select.value;
          if (!wanted) { return true; }
          var have = (row.getAttribute("data-" + select.getAttribute("data-ol-key")) || "").split(" ");
          return have.indexOf(wanted) !== -1;
        });
        row.hidden = !shown;
      });
    }
    Array.prototype.forEach.call(selects, function (select) { select.addEventListener("change", apply); });
  }

  // A timeline reads oldest first as written; the button turns it newest first and back.
  function makeReversible(button) {
    var list = button.nextElementSibling;
    if (!list) { return; }
    var labels = [button.textContent, button.getAttribute("data-ol-other")];
    button.hidden = false;
    button.addEventListener("click", function () {
      var newest = button.getAttribute("aria-pressed") !== "true";
      Array.prototype.slice.call(list.children).reverse().forEach(function (item) { list.appendChild(item); });
      button.setAttribute("aria-pressed", newest ? "true" : "false");
      button.textContent = labels[newest ? 1 : 0];
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("button[data-ol-reverse]"), makeReversible);
    Array.prototype.forEach.call(document.querySelectorAll("table.ol-sortable"), makeSortable);
    Array.prototype.forEach.call(document.querySelectorAll("[data-ol-filter]"), makeFilter);
  }

  // The theme reads every <link rel="alternate"> as another language's version of the site
  // and fetches a sitemap.xml beside it; a page opened from disk may not read a file that
  // way, so the console would show an error. Feed readers never read a page from disk:
  // there the subscription links go, before the theme looks (it waits for DOMContentLoaded).
  if (location.protocol === "file:") {
    Array.prototype.forEach.call(document.querySelectorAll("link[data-ol-feed]"),
      function (link) { link.remove(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
