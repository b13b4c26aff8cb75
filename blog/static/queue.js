/* The moderation queue's "Select all" box: it ticks or unticks every row on the page, and
   follows the rows when they are ticked one by one (ticked when all are, "mixed" when some
   are). It starts hidden in the page, so without JavaScript the queue works as before: tick
   rows one by one. Loaded as a file of our own, as the Content-Security-Policy allows. */
(function () {
  "use strict";

  var selectAll = document.getElementById("select-all");
  if (!selectAll) {
    return;
  }
  var rows = Array.prototype.slice.call(
    document.querySelectorAll('input[type="checkbox"][name="ids"][form="bulk"]')
  );
  if (rows.length === 0) {
    return;
  }

  function follow() {
    var ticked = rows.filter(function (row) { return row.checked; }).length;
    selectAll.checked = ticked === rows.length;
    selectAll.indeterminate = ticked > 0 && ticked < rows.length;
  }

  selectAll.addEventListener("change", function () {
    rows.forEach(function (row) { row.checked = selectAll.checked; });
    follow();
  });
  rows.forEach(function (row) { row.addEventListener("change", follow); });

  follow(); // a browser may restore ticks when the page is reloaded
  selectAll.closest(".select-all").hidden = false;
})();
