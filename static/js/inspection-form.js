// The inspection form in the field: the device's position on request, and photos shrunk before upload
// (a phone photo is several megabytes; at 1600 px it is a few hundred kilobytes over a weak signal).
// Without JavaScript the form still works: positions are typed, and the server scales the photos.
(function () {
  "use strict";
  var MAX_SIDE = 1600;
  var SMALL_ENOUGH = 600 * 1024;

  var button = document.getElementById("locate");
  var note = document.getElementById("locate-status");
  var lat = document.getElementById("f-latitude");
  var lon = document.getElementById("f-longitude");
  if (button && navigator.geolocation && lat && lon) {
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
  }

  var photos = document.getElementById("f-photos");
  if (!photos || !window.DataTransfer || !window.createImageBitmap || !HTMLCanvasElement.prototype.toBlob) return;

  function shrink(file) {
    if (!/^image\//.test(file.type) || file.size <= SMALL_ENOUGH) return Promise.resolve(file);
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) { resolve(file); return; }
          resolve(new File([blob], file.name.replace(/\.[^.]*$/, "") + ".jpg", { type: "image/jpeg" }));
        }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; }); // not decodable here: send it as it is, the server decides
  }

  photos.addEventListener("change", function () {
    var files = Array.prototype.slice.call(photos.files);
    if (!files.some(function (f) { return f.size > SMALL_ENOUGH; })) return;
    Promise.all(files.map(shrink)).then(function (shrunk) {
      var transfer = new DataTransfer();
      shrunk.forEach(function (f) { transfer.items.add(f); });
      photos.files = transfer.files;
      photos.dataset.shrunk = "true";
    });
  });
})();
