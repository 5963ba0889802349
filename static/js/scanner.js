// Scan a QR code with the phone's camera, inside the page. Uses the browser's BarcodeDetector where it
// exists, otherwise jsQR (vendored in static/vendor/jsqr, loaded only when needed). Whatever is read goes
// into the search field and the form is sent: the server understands registry URLs and bare codes.
(function () {
  "use strict";
  var script = document.currentScript;
  var form = document.getElementById("find-form");
  var input = document.getElementById("f-q");
  var start = document.getElementById("scan-start");
  var panel = document.getElementById("scanner");
  var video = document.getElementById("scan-video");
  var status = document.getElementById("scan-status");
  var stop = document.getElementById("scan-stop");
  if (!form || !start || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  start.hidden = false;

  var stream = null;
  var running = false;
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });

  function finish() {
    running = false;
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    panel.hidden = true;
  }

  function found(text) {
    status.textContent = script.dataset.found;
    input.value = text;
    finish();
    if (form.requestSubmit) form.requestSubmit(); else form.submit(); // a page may handle it in the script
  }

  function loadDecoder() {
    if (window.jsQR) return Promise.resolve(window.jsQR);
    return new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = script.dataset.decoder;
      tag.onload = function () { resolve(window.jsQR); };
      tag.onerror = reject;
      document.head.appendChild(tag);
    });
  }

  function nativeDetector() {
    if (!("BarcodeDetector" in window)) return Promise.resolve(null);
    return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      return formats.indexOf("qr_code") >= 0 ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
    }).catch(function () { return null; });
  }

  function scanWith(detect) {
    function frame() {
      if (!running) return;
      if (video.readyState < 2) { requestAnimationFrame(frame); return; }
      detect().then(function (text) {
        if (text) found(text); else setTimeout(function () { requestAnimationFrame(frame); }, 120);
      }).catch(function () { setTimeout(frame, 250); });
    }
    frame();
  }

  start.addEventListener("click", function () {
    panel.hidden = false;
    running = true;
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        return video.play();
      })
      .then(nativeDetector)
      .then(function (detector) {
        if (detector) {
          scanWith(function () {
            return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
          });
          return;
        }
        return loadDecoder().then(function (jsQR) {
          scanWith(function () {
            var w = video.videoWidth, h = video.videoHeight;
            var scale = Math.min(1, 640 / Math.max(w, h)); // decode a smaller frame: fast enough on old phones
            canvas.width = Math.round(w * scale);
            canvas.height = Math.round(h * scale);
            context.drawImage(video, 0, 0, canvas.width, canvas.height);
            var pixels = context.getImageData(0, 0, canvas.width, canvas.height);
            var code = jsQR(pixels.data, pixels.width, pixels.height, { inversionAttempts: "dontInvert" });
            return Promise.resolve(code ? code.data : null);
          });
        });
      })
      .catch(function () {
        finish();
        panel.hidden = false;
        status.textContent = script.dataset.noCamera;
        input.focus();
      });
  });
  stop.addEventListener("click", finish);
})();
