// Small progressive enhancements; every page works without JavaScript.

// The header's menu: folded behind its « Menu » button on a phone, open on a wide screen.
(() => {
  const menu = document.querySelector("[data-site-menu]");
  if (!menu) return;
  document.documentElement.classList.add("js-menu");
  const wide = window.matchMedia("(min-width: 48rem)");
  const apply = () => { menu.open = wide.matches; };
  apply();
  wide.addEventListener("change", apply);
})();
document.addEventListener("click", (event) => {
  // Structure picker: a chosen structure fills the hidden id and the text field.
  const option = event.target.closest("[data-structure-id]");
  if (!option) return;
  const field = option.closest(".field");
  const search = field.querySelector('input[type="search"]');
  const hidden = field.querySelector('input[type="hidden"]');
  if (hidden) hidden.value = option.dataset.structureId;
  if (search) { search.value = option.dataset.structureLabel; search.focus(); }
  const list = option.closest(".picker-results");
  if (list) list.innerHTML = "";
});
document.addEventListener("click", (event) => {
  // Commune picker: a chosen commune fills the INSEE code, postal code and département fields.
  const option = event.target.closest("[data-commune-insee]");
  if (!option) return;
  const form = option.closest("form");
  const set = (name, value) => { const input = form.querySelector(`[name="${name}"]`); if (input) input.value = value; };
  set("insee_code", option.dataset.communeInsee);
  set("postal_code", option.dataset.communePostal);
  set("departement", option.dataset.communeDepartement);
  set("commune_search", option.dataset.communeName);
  const region = form.querySelector("[data-region-output]");
  if (region) region.textContent = option.dataset.communeRegion;
  const list = option.closest(".picker-results");
  if (list) list.innerHTML = "";
  const search = form.querySelector('[name="commune_search"]');
  if (search) search.focus();
});
document.addEventListener("click", (event) => {
  // Person picker (accreditation form): a chosen person's address fills the field.
  const option = event.target.closest("[data-person-email]");
  if (!option) return;
  const field = option.closest(".field");
  const search = field.querySelector('input[type="search"]');
  const chosen = field.querySelector("[data-person-chosen]");
  if (search) { search.value = option.dataset.personEmail; search.focus(); }
  if (chosen) chosen.textContent = `${chosen.dataset.personChosen} ${option.dataset.personLabel}`;
  const list = option.closest(".picker-results");
  if (list) list.innerHTML = "";
});
document.addEventListener("input", (event) => {
  // Typing again after a choice: the "chosen" line no longer says what the field holds.
  const field = event.target.closest(".person-picker");
  const chosen = field && field.querySelector("[data-person-chosen]");
  if (chosen) chosen.textContent = "";
});
