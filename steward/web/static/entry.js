// The entry form: the unit list follows the chosen material where the library knows its units, and a refused
// figure (422) is swapped in as the form itself, every mistake beside its field and everything typed kept.
// The measured-value form: the units and materials follow the chosen parameter. Without JavaScript both forms
// post as plain forms and come back as the page, with the same mistakes beside the same fields.
function narrow(select, allowed, reset) {
  var kept = select.value;
  Array.prototype.forEach.call(select.options, function (option) {
    var shown = !option.value || !allowed.length || allowed.indexOf(option.value) >= 0;
    option.hidden = !shown;
    option.disabled = !shown;
  });
  if (reset && allowed.length && allowed.indexOf(kept) < 0 && select.querySelector("option[value]:not([value=''])")) {
    select.value = select.name === "unit" ? allowed[0] : "";
  }
}
function follow(parameter, reset) {
  var chosen = parameter && parameter.selectedOptions[0];
  if (!chosen) return;
  narrow(parameter.form.querySelector("select[name=unit]"), (chosen.dataset.units || "").split("|").filter(Boolean), reset);
  narrow(parameter.form.querySelector("select[name=material]"),
    (chosen.dataset.materials || "").split("|").filter(Boolean), reset);
}
var PARAMETER = "#measured-form select[name=parameter]";
document.addEventListener("change", function (evt) {
  if (evt.target.matches && evt.target.matches(PARAMETER)) follow(evt.target, true);
});
document.addEventListener("DOMContentLoaded", function () { follow(document.querySelector(PARAMETER)); });
document.addEventListener("htmx:afterSwap", function () { follow(document.querySelector(PARAMETER)); });
document.addEventListener("change", function (evt) {
  var material = evt.target;
  if (!material.matches || !material.matches("#entry-form select[name=material]")) return;
  var chosen = material.selectedOptions[0];
  var units = (chosen && chosen.dataset.units ? chosen.dataset.units : "").split("|");
  var unit = material.form.querySelector("select[name=unit]");
  var kept = unit.value;
  unit.replaceChildren();
  units.filter(Boolean).forEach(function (u) {
    var option = document.createElement("option");
    option.value = u;
    option.textContent = u;
    option.selected = u === kept;
    unit.appendChild(option);
  });
});
document.addEventListener("htmx:beforeSwap", function (evt) {
  var target = evt.detail.target;
  if (evt.detail.xhr.status === 422 && target && (target.id === "entry-form" || target.id === "measured-form")) {
    evt.detail.shouldSwap = true;
    evt.detail.isError = false;
  }
});
