// An exam attempt: the countdown (submits the answers when time is up) and the count of answered questions.
(function () {
  var clock = document.getElementById("countdown");
  var form = document.getElementById("exam-form");
  var end = Date.now() + Number(clock.dataset.remaining) * 1000;
  var sent = false;
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    clock.textContent = pad(Math.floor(left / 60)) + ":" + pad(left % 60);
    if (left <= 60) { clock.classList.add("text-danger"); }
    if (left <= 0) {
      if (!sent) { sent = true; form.submit(); }  // time is up: submit what is on the page (no confirmation)
      return;
    }
    window.setTimeout(tick, 500);
  }
  function count() {
    var cards = form.querySelectorAll(".question-card");
    var done = 0;
    cards.forEach(function (card) { if (card.querySelector("input:checked")) { done += 1; } });
    document.getElementById("answered").textContent = done;
  }
  form.addEventListener("change", count);
  form.addEventListener("submit", function () { sent = true; });
  tick();
})();
