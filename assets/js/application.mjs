// Starts the GOV.UK Frontend components. Loaded as a module, so no inline script is needed.
import { initAll } from "./govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
