// Starts the GOV.UK Frontend components and the tracker's own. Loaded as a module, so no inline
// script is needed.
import { initAll } from "./govuk-frontend.min.js";
import { SessionTimeout } from "./session-timeout.mjs";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
for (const dialog of document.querySelectorAll('[data-module="app-session-timeout"]')) {
  new SessionTimeout(dialog).start();
}
