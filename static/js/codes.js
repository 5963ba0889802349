/* Codes page: show how far a long label sheet has got, and that codes are being issued.
   Without JavaScript the same forms simply download or submit. */
(function () {
  "use strict";

  var MARKER = /%label-page (\d+)\n/g; // written by the server before each page of the PDF

  function filenameOf(response) {
    var header = response.headers.get("Content-Disposition") || "";
    var match = /filename="([^"]+)"/.exec(header);
    return match ? match[1] : "labels.pdf";
  }

  function saveBlob(parts, name) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob(parts, { type: "application/pdf" }));
    link.download = name;
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 60000);
  }

  function streamLabels(form) {
    var url = form.action + "?" + new URLSearchParams(new FormData(form)).toString();
    var box = form.querySelector(".progress");
    var bar = box.querySelector("progress");
    var status = box.querySelector("span");
    var button = form.querySelector("button[type=submit]");
    var decoder = new TextDecoder("latin1");
    box.hidden = false;
    button.disabled = true;
    status.textContent = "";
    fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { window.location.href = url; return null; } // the error page explains what is wrong
      var pages = parseInt(response.headers.get("X-Label-Pages"), 10) || 1;
      var reader = response.body.getReader();
      var parts = [];
      var tail = "";
      bar.max = pages;
      bar.value = 0;
      function pump() {
        return reader.read().then(function (step) {
          if (step.done) {
            saveBlob(parts, filenameOf(response));
            bar.value = pages;
            status.textContent = form.dataset.done;
            return null;
          }
          parts.push(step.value);
          var text = tail + decoder.decode(step.value, { stream: true });
          var match, seen = null;
          MARKER.lastIndex = 0;
          while ((match = MARKER.exec(text)) !== null) { seen = parseInt(match[1], 10); }
          tail = text.slice(-24);
          if (seen !== null) {
            bar.value = seen;
            status.textContent = form.dataset.progress.replace("{page}", seen).replace("{pages}", pages);
          }
          return pump();
        });
      }
      return pump();
    }).catch(function () {
      status.textContent = form.dataset.failed;
    }).then(function () {
      button.disabled = false;
    });
  }

  var labelForm = document.getElementById("label-form");
  if (labelForm && window.fetch && window.ReadableStream && window.TextDecoder) {
    labelForm.addEventListener("submit", function (event) {
      event.preventDefault();
      streamLabels(labelForm);
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll(".busy-form"), function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      button.textContent = form.dataset.busy;
    });
  });
})();
