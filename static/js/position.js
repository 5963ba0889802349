// Fill the inspection's latitude and longitude from the device, when the inspector allows it.
(function () {
  "use strict";
  var button = document.getElementById("locate");
  var note = document.getElementById("locate-status");
  var lat = document.getElementById("f-latitude");
  var lon = document.getElementById("f-longitude");
  if (!button || !navigator.geolocation || !lat || !lon) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    note.textContent = button.dataset.busy;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        lat.value = position.coords.latitude.toFixed(6);
        lon.value = position.coords.longitude.toFixed(6);
        note.textContent = "± " + Math.round(position.coords.accuracy) + " m";
      },
      function () { note.textContent = button.dataset.failed; },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 }
    );
  });
})();
