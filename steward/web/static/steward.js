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
