// Progressive enhancement only: every page works without this file.
// Announce form errors to screen readers by moving focus to the first summary after a failed submit.
const alert = document.querySelector(".form-alert");
if (alert) {
  alert.setAttribute("tabindex", "-1");
  alert.focus();
}
