// Shows what a record being typed would break, before it is saved. The page works without this script:
// the same rules are checked when the form is submitted.
(function () {
  document.querySelectorAll("form[data-check-url]").forEach(function (form) {
    var box = document.getElementById(form.dataset.checkBox);
    var timer = null;
    function check() {
      fetch(form.dataset.checkUrl, {method: "POST", body: new FormData(form), credentials: "same-origin",
                                    headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : {problems: []}; })
        .then(function (answer) {
          box.innerHTML = "";
          answer.problems.forEach(function (message) {
            var item = document.createElement("li");
            item.textContent = message;
            box.appendChild(item);
          });
          box.parentElement.hidden = answer.problems.length === 0;
        })
        .catch(function () { /* offline: the check runs again on saving */ });
    }
    form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(check, 400); });
    form.addEventListener("change", check);
  });
})();
