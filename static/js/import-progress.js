// Progress for a large import: the upload's share sent, then "checking" while the server reads every row.
// Without JavaScript the form posts as usual.
(function () {
  var script = document.currentScript;
  var form = document.getElementById("import-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  var bar = document.getElementById("import-progress");
  var status = document.getElementById("import-status");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    bar.hidden = false;
    request.upload.onprogress = function (e) {
      if (!e.lengthComputable) return;
      var percent = Math.round((e.loaded / e.total) * 100);
      bar.value = percent;
      status.textContent = script.dataset.uploading + ": " + percent + "%";
    };
    request.upload.onload = function () {
      bar.removeAttribute("value"); // indeterminate while the rows are checked
      status.textContent = script.dataset.checking;
    };
    request.onload = function () {
      // show the answer as a normal form post would: the summary page (after the redirect, which already
      // carries the one-time message) or the list of problems
      var landed = request.responseURL;
      document.open();
      document.write(request.responseText);
      document.close();
      if (landed && window.history && history.replaceState) history.replaceState(null, "", landed);
    };
    request.onerror = function () { form.submit(); };
    form.querySelector("button[type=submit]").disabled = true;
    request.send(new FormData(form));
  });
})();
