// The session form's half-days. Without JavaScript the empty half-days already on the page are
// enough (more appear after saving) and empty times take the hub's usual hours on the server.
(function () {
  var fieldset = document.querySelector("fieldset.slots");
  var button = document.getElementById("add-slot");
  var total = document.getElementById("id_slots-TOTAL_FORMS");
  var template = document.getElementById("slot-template");
  if (!fieldset || !button || !total || !template) { return; }

  // Adds an empty half-day from the formset's empty form.
  button.hidden = false;
  button.addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, index).replace(/__number__/g, index + 1);
    document.getElementById("slot-rows").insertAdjacentHTML("beforeend", html);
    total.value = index + 1;
    document.getElementById("id_slots-" + index + "-day").focus();
  });

  // Choosing « Matin » or « Après-midi » shows that half-day's usual hours, unless the
  // trainer typed other times.
  var usual = {
    morning: (fieldset.dataset.morning || "").split("-"),
    afternoon: (fieldset.dataset.afternoon || "").split("-")
  };
  function isUsual(start, end) {
    return (start === "" && end === "") || Object.keys(usual).some(function (key) {
      return usual[key][0] === start && usual[key][1] === end;
    });
  }
  fieldset.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.name || !/-half$/.test(select.name)) { return; }
    var prefix = select.name.replace(/-half$/, "");
    var start = fieldset.querySelector('[name="' + prefix + '-start_time"]');
    var end = fieldset.querySelector('[name="' + prefix + '-end_time"]');
    var hours = usual[select.value];
    if (!start || !end || !hours || !isUsual(start.value, end.value)) { return; }
    start.value = hours[0];
    end.value = hours[1];
  });
})();

// Co-trainer picker: a chosen person joins the list of checked co-trainers (unchecking one
// removes them when the form is saved).
document.addEventListener("click", function (event) {
  var option = event.target.closest("[data-co-trainer-id]");
  if (!option) { return; }
  var fieldset = option.closest("#co-trainers");
  var chosen = fieldset.querySelector("#co-trainers-chosen");
  var id = option.dataset.coTrainerId;
  var existing = chosen.querySelector('input[value="' + id + '"]');
  if (existing) {
    existing.checked = true;
  } else {
    var item = document.createElement("li");
    item.className = "checkbox";
    var input = document.createElement("input");
    input.type = "checkbox";
    input.name = "co_trainers";
    input.value = id;
    input.id = "id_co_trainer_" + id;
    input.checked = true;
    var label = document.createElement("label");
    label.htmlFor = input.id;
    label.textContent = option.dataset.coTrainerLabel;
    item.append(input, " ", label);
    chosen.append(item);
  }
  var search = fieldset.querySelector('input[type="search"]');
  var results = option.closest(".picker-results");
  if (results) { results.innerHTML = ""; }
  if (search) { search.value = ""; search.focus(); }
});
