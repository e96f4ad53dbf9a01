// Adds an empty slot row from the formset's empty form (without JavaScript, the empty rows
// already on the page are enough and more appear after saving).
(function () {
    var button = document.getElementById("add-slot");
    var total = document.getElementById("id_slots-TOTAL_FORMS");
    var template = document.getElementById("slot-template");
    if (!button || !total || !template) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, index).replace(/__number__/g, index + 1);
      document.getElementById("slot-rows").insertAdjacentHTML("beforeend", html);
      total.value = index + 1;
      document.getElementById("id_slots-" + index + "-starts_at").focus();
    });
  })();
