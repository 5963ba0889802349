// The site form: fill latitude and longitude from the phone's position, on request.
(function () {
  "use strict";
  var button = document.getElementById("use-gps"), status = document.getElementById("gps-status");
  if (!button || !navigator.geolocation) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = button.dataset.busy;
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById("f-latitude").value = pos.coords.latitude.toFixed(6);
      document.getElementById("f-longitude").value = pos.coords.longitude.toFixed(6);
      status.textContent = button.dataset.done;
    }, function () { status.textContent = button.dataset.failed; },
    {enableHighAccuracy: true, timeout: 15000});
  });
})();
