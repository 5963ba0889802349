// Checks one field against the server as soon as it is typed (a GTIN the organisation may not register yet, say)
// and says what is wrong next to it, before the whole form is sent. Without this script the same rules answer
// when the form is saved.
(function () {
  document.querySelectorAll("input[data-check-url]").forEach(function (input) {
    var box = document.createElement("p");
    box.className = "error-msg live-check";
    box.id = "live-" + input.name;
    box.setAttribute("aria-live", "polite");
    box.hidden = true;
    input.parentElement.appendChild(box);
    var timer = null;
    var asked = "";
    function check() {
      var value = input.value.trim();
      if (value === asked) { return; }
      asked = value;
      if (!value) { box.hidden = true; box.textContent = ""; return; }
      var url = new URL(input.dataset.checkUrl, window.location.href);
      url.searchParams.set(input.name, value);
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : {errors: []}; })
        .then(function (answer) {
          if (input.value.trim() !== value) { return; }  // typed on meanwhile: a newer check follows
          box.textContent = answer.errors.join(" ");
          box.hidden = answer.errors.length === 0;
          if (answer.errors.length) { input.setAttribute("aria-invalid", "true"); }
          else { input.removeAttribute("aria-invalid"); }
        })
        .catch(function () { asked = ""; /* offline: the rule is checked again on saving */ });
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(check, 500); });
    input.addEventListener("change", check);
    input.addEventListener("blur", check);
    if (input.value.trim()) { check(); }  // a form shown again: say what the typed value would meet
  });
})();
