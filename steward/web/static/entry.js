// The entry form: the unit list follows the chosen material where the library knows its units, and a refused
// figure (422) is swapped in as the form itself, every mistake beside its field and everything typed kept.
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
  if (evt.detail.xhr.status === 422 && evt.detail.target && evt.detail.target.id === "entry-form") {
    evt.detail.shouldSwap = true;
    evt.detail.isError = false;
  }
});
