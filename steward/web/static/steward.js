// A refused htmx form keeps what the person typed: the message goes next to the field it names
// (or at the top of the form), in the language the server chose. Nothing else is swapped.
document.addEventListener("htmx:beforeSwap", function (evt) {
  var xhr = evt.detail.xhr;
  if (xhr.status < 400) return;
  var source = (evt.detail.requestConfig && evt.detail.requestConfig.elt) || evt.detail.elt;
  var form = source && source.closest ? source.closest("form") : null;  // a boosted form targets <body>
  var error;
  try { error = JSON.parse(xhr.responseText); } catch (e) { error = null; }
  if (!form || !error || !error.message) return;
  evt.detail.shouldSwap = false;
  evt.detail.isError = false;
  form.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
  form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
  var input = error.field ? form.querySelector('[name="' + error.field + '"]') : null;
  var note = document.createElement("small");
  note.className = "field-error";
  note.setAttribute("role", "alert");
  note.textContent = error.message;
  if (input && input.type !== "hidden") {
    input.setAttribute("aria-invalid", "true");
    input.insertAdjacentElement("afterend", note);
    input.focus();
  } else {
    form.insertAdjacentElement("afterbegin", note);
  }
});

// Dates are typed and shown as the page's language writes them (年-月-日, YYYY-MM-DD), whatever the browser's own
// locale (a Chinese page showed "mm/dd/yyyy"). The field still sends an ISO date; the calendar button opens the
// browser's picker through an unnamed date input that only lends its calendar.
function localDates(root) {
  var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
  root.querySelectorAll('input[type="date"]:not(.date-picker)').forEach(function (input) {
    var picker = document.createElement("input");
    picker.type = "date";
    picker.className = "date-picker";
    picker.tabIndex = -1;
    picker.setAttribute("aria-hidden", "true");
    ["min", "max"].forEach(function (a) { if (input.hasAttribute(a)) picker.setAttribute(a, input.getAttribute(a)); });
    input.type = "text";
    input.classList.add("date-text");
    input.setAttribute("inputmode", "numeric");
    input.setAttribute("autocomplete", "off");
    input.setAttribute("pattern", "\\d{4}-\\d{2}-\\d{2}");
    input.setAttribute("placeholder", zh ? "年-月-日" : "YYYY-MM-DD");
    input.setAttribute("title", zh ? "日期，如 2026-03-31" : "A date, e.g. 2026-03-31");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "date-button secondary outline";
    button.textContent = zh ? "日历" : "Calendar";
    button.setAttribute("aria-label", zh ? "从日历选择日期" : "Choose the date from a calendar");
    button.addEventListener("click", function () {
      picker.value = input.value;
      if (picker.showPicker) { picker.showPicker(); } else { picker.focus(); }
    });
    picker.addEventListener("change", function () {
      input.value = picker.value;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
    var wrap = document.createElement("span");
    wrap.className = "date-field";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    wrap.appendChild(button);
    wrap.appendChild(picker);
  });
}
document.addEventListener("DOMContentLoaded", function () { localDates(document); });
document.addEventListener("htmx:load", function (evt) { localDates(evt.detail.elt); });
