/* Tables that do not fit the column (tables.css): their scrolling container gets the class
 * wtc-scrolls, which shows the cue "scroll sideways for more columns" and a bar on the right
 * edge, and wtc-scrolled-to-end once the reader has scrolled to the last column. Checked again
 * when the window is resized. */
(function () {
  "use strict";
  var SELECTOR = ".bd-article .pst-scrollable-table-container";

  function mark(box) {
    var scrolls = box.scrollWidth > box.clientWidth + 1 && box.querySelector("table");
    box.classList.toggle("wtc-scrolls", Boolean(scrolls));
    box.classList.toggle(
      "wtc-scrolled-to-end",
      Boolean(scrolls) && box.scrollLeft + box.clientWidth >= box.scrollWidth - 1
    );
  }

  function markAll() {
    document.querySelectorAll(SELECTOR).forEach(mark);
  }

  function start() {
    document.querySelectorAll(SELECTOR).forEach(function (box) {
      box.addEventListener("scroll", function () { mark(box); }, { passive: true });
    });
    markAll();
    window.addEventListener("resize", markAll);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
