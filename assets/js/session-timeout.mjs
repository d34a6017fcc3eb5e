// The warning before a signed-in session ends (WCAG 2.2.1, timing adjustable): a modal dialog that
// says how long is left and offers to stay signed in, unless the limit after signing in is the one
// ending. The server's clock is the only one that counts: the page asks it how long is left (a
// question that does not count as using the service) before warning, and again before going to the
// sign-in page, so another tab's activity, a sleeping laptop or a wrong clock here change nothing.

const ANNOUNCE_EVERY_SECONDS = 20;
const RETRY_SECONDS = 30;

function inWords(seconds) {
  if (seconds >= 60) {
    const minutes = Math.ceil(seconds / 60);
    return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  }
  return `${seconds} second${seconds === 1 ? "" : "s"}`;
}

export class SessionTimeout {
  constructor(dialog) {
    this.dialog = dialog;
    this.warningSeconds = Number(dialog.dataset.warningSeconds);
    this.timer = undefined;
    this.ticker = undefined;
    this.deadline = 0;
  }

  start() {
    if (typeof this.dialog.showModal !== "function") {
      return; // no <dialog> support: no warning, and the session still ends on the server
    }
    this.stayButton = this.dialog.querySelector('[data-action="stay"]');
    this.closeButton = this.dialog.querySelector('[data-action="close"]');
    this.announcement = this.dialog.querySelector("[data-announcement]");
    this.stayButton.addEventListener("click", () => this.stay());
    this.closeButton.addEventListener("click", () => this.dialog.close());
    // Escape: stay signed in when that is possible, else just close (the countdown goes on).
    this.dialog.addEventListener("cancel", (event) => {
      if (!this.stayButton.hidden) {
        event.preventDefault();
        this.stay();
      }
    });
    this.schedule(Number(this.dialog.dataset.signedOutIn));
  }

  // Ask the server again when the warning would be due, `secondsLeft` before the session ends.
  schedule(secondsLeft) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.check(), Math.max(0, secondsLeft - this.warningSeconds) * 1000);
  }

  // The server's answer {signed_out_in, extendable}; null once the session has ended (the server then
  // answers with a redirect to the sign-in page); undefined if the server could not be reached.
  async ask(url, options = {}) {
    try {
      const response = await fetch(url, { credentials: "same-origin", redirect: "manual", ...options });
      return response.ok ? await response.json() : null;
    } catch {
      return undefined;
    }
  }

  async check() {
    const left = await this.ask(this.dialog.dataset.statusUrl, { headers: { Accept: "application/json" } });
    if (left === undefined) {
      this.schedule(this.warningSeconds + RETRY_SECONDS);
    } else if (left === null || left.signed_out_in < 0) {
      this.signedOut();
    } else if (left.signed_out_in > this.warningSeconds) {
      this.stopCountdown(); // kept alive meanwhile, in this tab or another
      this.schedule(left.signed_out_in);
    } else {
      this.warn(left);
    }
  }

  warn(left) {
    const which = left.extendable ? "extendable" : "final";
    for (const paragraph of this.dialog.querySelectorAll("[data-when]")) {
      paragraph.hidden = paragraph.dataset.when !== which;
      if (!paragraph.hidden) {
        this.dialog.setAttribute("aria-describedby", paragraph.id);
      }
    }
    this.stayButton.hidden = !left.extendable;
    this.closeButton.hidden = left.extendable;
    this.deadline = Date.now() + left.signed_out_in * 1000;
    clearInterval(this.ticker);
    this.ticker = setInterval(() => this.tick(), 1000);
    this.tick();
    if (!this.dialog.open) {
      this.dialog.showModal();
    }
  }

  tick() {
    const seconds = Math.max(0, Math.ceil((this.deadline - Date.now()) / 1000));
    for (const countdown of this.dialog.querySelectorAll("[data-countdown]")) {
      countdown.textContent = inWords(seconds);
    }
    // The countdown changes every second; a screen reader hears it now and then, not every second.
    if (seconds % ANNOUNCE_EVERY_SECONDS === 0 && seconds > 0) {
      this.announcement.textContent = `You will be signed out in ${inWords(seconds)}.`;
    }
    if (seconds === 0) {
      clearInterval(this.ticker);
      this.check();
    }
  }

  async stay() {
    const left = await this.ask(this.dialog.dataset.keepAliveUrl, {
      method: "POST",
      headers: { Accept: "application/json", "X-CSRFToken": this.dialog.dataset.csrfToken },
    });
    if (left === undefined) {
      this.announcement.textContent = "The service could not be reached. Try again.";
    } else if (left === null) {
      this.signedOut();
    } else {
      this.stopCountdown();
      this.schedule(left.signed_out_in);
    }
  }

  stopCountdown() {
    clearInterval(this.ticker);
    if (this.dialog.open) {
      this.dialog.close();
    }
  }

  // Load this page again: the server sends it to the sign-in page, which says why and comes back here.
  signedOut() {
    clearTimeout(this.timer);
    clearInterval(this.ticker);
    window.location.assign(window.location.pathname + window.location.search);
  }
}
